"""The one way a page reaches a careers plan from the id in its URL.

``careers_plan_for_request(request, plan_id, need=...)`` finds the plan in the request's scope
and checks the signed-in person's right to it. Invariant: it returns the plan or raises
``Http404`` — the same 404 for a plan that does not exist, one of another organisation and one
the person may not see, so a page never tells them apart. (The role itself is declared on the
view with ``org_role_required``; this decides which plans that role reaches.)

``need``:
  "org"       — a plan of ``request.org`` (staff pages under ``/o/<slug>/careers-plan/``);
  "authority" — a plan of one of the schools whose parent is ``request.org`` (DESIGN.md tenancy
                rule 4);
  "reviewer"  — a plan the signed-in person holds a current reviewer grant and the guardian
                object permission on (``/careers-plan-reviews/``)."""

from django.shortcuts import get_object_or_404

from plp_portal import clock

from . import selectors
from .models import CareersPlan

NEEDS = ("org", "authority", "reviewer")


def careers_plan_for_request(request, plan_id: int, *, need: str = "org") -> CareersPlan:
    if need not in NEEDS:
        raise ValueError(f"need must be one of {NEEDS}, not {need!r}")
    if need == "reviewer":
        return selectors.reviewer_plan_get(user=request.user, plan_id=plan_id,
                                           today=clock.today(request.org))
    if need == "authority":
        child_ids = selectors.authority_school_ids(authority=request.org)
        return get_object_or_404(
            CareersPlan.objects.for_orgs(child_ids).select_related("template", "organisation", "approval"),
            pk=plan_id)
    return selectors.plan_get(org=request.org, plan_id=plan_id)
