"""What `manage.py bench` measures for the learners app (see plp_portal/seeding/bench.py)."""

import datetime
import io
import time

from django.db import transaction
from django.urls import reverse

from plp_portal import clock
from plp_portal.seeding.bench import BenchJob, BenchPage

from ..choices import AuthorRole, PlanStatus, SetByRole
from ..models import LearnerProfile, Plan


def _busiest_active_plan():
    """An active plan of a generated learner with a key worker (all have 3 years of history)."""
    return (
        Plan.objects.system("bench picks a seeded plan")
        .filter(status=PlanStatus.ACTIVE, organisation__is_generated=True,
                profile__key_worker__isnull=False)
        .select_related("profile__user", "profile__key_worker", "organisation")
        .order_by("id")
        .first()
    )


def _org_admin_email(org) -> str | None:
    from plp_portal.organisations.choices import Role
    from plp_portal.organisations.models import Membership

    admin = (Membership.objects.system("bench picks a seeded organisation admin")
             .filter(role=Role.ORG_ADMIN, organisation=org, is_active=True).select_related("user")
             .order_by("id").first())
    return admin.user.email if admin else None


def pages(*, password):
    plan = _busiest_active_plan()
    if plan is None:
        return []
    learner, key_worker = plan.profile.user.email, plan.profile.key_worker.email
    org = plan.organisation.slug
    admin = _org_admin_email(plan.organisation)
    # Set-up: the documents the progress-file pages below serve exist before any timing.
    learner_render = _rendered_progress_file(plan)
    _rendered_progress_file(plan, plan.profile.key_worker)
    return [
        # The whole school's list, as its organisation admin sees it (issue 19: its active-plan
        # count read every plan in the database).
        *([BenchPage("learner list: whole school (admin)", reverse("learners:index", kwargs={"org_slug": org}),
                     admin, password)] if admin else []),
        BenchPage("learner /me/", reverse("me:home"), learner, password),
        BenchPage("plan page (key worker)",
                  reverse("learners:plan", kwargs={"org_slug": org, "learner_plan_id": plan.pk}),
                  key_worker, password),
        BenchPage("learner list (key worker)",
                  reverse("learners:index", kwargs={"org_slug": org}), key_worker, password),
        *[BenchPage(f"learner list: {label}", reverse("learners:index", kwargs={"org_slug": org}) + f"?{query}",
                    key_worker, password, explain_only=True)
          for label, query in (("search", "q=ta"), ("target group", "target_group=key_stage_4"),
                               ("year group", "year_group=10"))],
        BenchPage("plan timeline", reverse("learners:timeline", kwargs={"org_slug": org, "learner_plan_id": plan.pk}),
                  key_worker, password, explain_only=True),
        # The page of a progress file the workers have already rendered (issue 16: served from
        # storage; the render itself is timed by the job below).
        BenchPage("progress-file PDF (learner)",
                  reverse("me:plan_pdf_status", kwargs={"learner_plan_id": plan.pk,
                                                        "render_id": learner_render}),
                  learner, password),
        # The progress-file page as the plan page links to it, when the document exists (issue
        # 16's target: <= 60 ms median, <= 300 ms p95 at concurrency 4): the link checks access,
        # finds the stored render of the unchanged plan and redirects to its page (followed: the
        # figure is both requests).
        BenchPage("progress-file page (learner)", reverse("me:plan_pdf", kwargs={"learner_plan_id": plan.pk}),
                  learner, password),
        BenchPage("progress-file page (key worker)",
                  reverse("learners:plan_pdf", kwargs={"org_slug": org, "learner_plan_id": plan.pk}),
                  key_worker, password),
    ]


def _rendered_progress_file(plan, user=None) -> int:
    """The id of the stored progress file of ``plan`` as ``user`` (default: the learner) sees
    it, rendered now if need be."""
    from plp_portal.pdfs.services import pdf_render_request, pdf_render_run

    from ..pdf_renders import PROGRESS_FILE, progress_file_audience
    from ..permissions import plan_viewer

    user = user or plan.profile.user
    render = pdf_render_request(org=plan.organisation, kind=PROGRESS_FILE, object_id=plan.pk,
                                audience=progress_file_audience(plan_viewer(plan=plan, user=user)),
                                by=user)
    pdf_render_run(render_id=render.pk)  # a no-op if it is done (or a worker has it)
    return render.pk


class _RollBack(Exception):
    pass


def _ten_page_progress_file():
    """Render the progress file of a plan with enough history for ~10 pages; the plan is made
    in a transaction that is rolled back, so the database is left as it was."""
    from pypdf import PdfReader

    from .. import services
    from ..pdf import progress_file_pdf
    from ..permissions import plan_viewer

    base = _busiest_active_plan()
    result = {}
    try:
        with transaction.atomic():
            org, profile = base.organisation, base.profile
            staff = profile.key_worker
            plan = Plan.objects.for_org(org).get(pk=base.pk)
            today = clock.today()
            for n in range(45):
                services.target_create(
                    org=org, plan=plan, by=staff, set_by_role=SetByRole.STAFF,
                    title=f"Bench target {n}: practise a skill every week and show the evidence",
                    due_on=today + datetime.timedelta(days=n),
                    success_criteria="A portfolio page signed off by my tutor. " * 3)
            for n in range(40):
                services.narrative_append(
                    org=org, plan=plan, by=staff, author_role=AuthorRole.KEY_WORKER,
                    text=f"Review {n}: " + "Good progress; the next step is agreed. " * 8)
            viewer = plan_viewer(plan=plan, user=profile.user)
            started = time.perf_counter()
            data = progress_file_pdf(plan=plan, viewer=viewer)
            result["seconds"] = time.perf_counter() - started
            result["pages"] = len(PdfReader(io.BytesIO(data)).pages)
            raise _RollBack
    except _RollBack:
        pass
    return {"seconds": result["seconds"],
            "note": f"{result['pages']} pages (render only; the data is rolled back)"}


def jobs():
    if not LearnerProfile.objects.system("bench").filter(organisation__is_generated=True).exists():
        return []
    return [BenchJob("progress-file PDF, ~10 pages", _ten_page_progress_file)]
