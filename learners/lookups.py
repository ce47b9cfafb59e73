"""The one way a page reaches a learner's plan from the ids in its URL.

``plan_for_request(request, plan_id, need=...)`` finds the plan in the request's scope and
checks the signed-in person's right to it. Invariant: it returns ``(plan, viewer)`` or raises
``Http404`` — the same 404 for a plan that does not exist, one of another organisation and one
that is not this person's to see, so a page never tells them apart. (The only 403 is
``need="sharing"`` on a plan the person may see but whose sharing the learner manages.)

``need``:
  "staff"   — staff of ``request.org`` who work with the learner (key worker or working staff);
  "sharing" — as "staff", and allowed to manage the plan's sharing (learners under 13);
  "own"     — the signed-in learner's own plan (``/me/``);
  "shared"  — a plan shared with the signed-in person through an active grant (``/me/shared/``).

``staff_viewer_for(request, plan)`` is the same staff check for a plan reached through another
object (a review, a record) that was itself found in the organisation's scope."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from . import selectors
from .models import Plan
from .permissions import PlanViewer, can_manage_sharing, plan_viewer

NEEDS = ("staff", "sharing", "own", "shared")


def staff_viewer_for(request, plan: Plan) -> PlanViewer:
    """The request's viewer of ``plan``; 404 unless they work with the learner."""
    viewer = plan_viewer(plan=plan, user=request.user, membership=request.membership)
    if not viewer.is_staff_side:
        raise Http404("No such plan")
    return viewer


def plan_for_request(request, plan_id: int, *, need: str = "staff",
                     list_flags: bool = False) -> tuple[Plan, PlanViewer]:
    """The plan ``plan_id`` as ``need`` allows the request to read it, and its viewer.
    ``list_flags`` (staff): read with it which of the page's optional lists are empty
    (``selectors.plan_get``)."""
    if need not in NEEDS:
        raise ValueError(f"need must be one of {NEEDS}, not {need!r}")
    if need == "own":
        plan = selectors.my_plan_get(user=request.user, plan_id=plan_id)
        return plan, plan_viewer(plan=plan, user=request.user)
    if need == "shared":
        plan = selectors.plan_get_shared(user=request.user, plan_id=plan_id)
        viewer = plan_viewer(plan=plan, user=request.user)
        if not viewer.can_view_plan:
            raise Http404("No such plan")
        return plan, viewer
    plan = selectors.plan_get(org=request.org, plan_id=plan_id, list_flags=list_flags)
    viewer = staff_viewer_for(request, plan)
    if need == "sharing" and not can_manage_sharing(viewer, plan.profile):
        raise PermissionDenied("The learner manages who can see their plan")
    return plan, viewer
