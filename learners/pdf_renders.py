"""How the workers render the learners app's PDFs (the core's ``pdf_renders`` hook,
plp_portal/pdfs): the progress file, per audience exactly as the pages show it."""

from __future__ import annotations

from django.db.models import Count, Max, OuterRef, Subquery
from django.utils.text import slugify

from plp_portal.pdfs.kinds import PdfKind, PdfRenderRefused, child_summary, row_query_compiled_once

from .models import (
    Concern, LogBlock, LogEntry, NarrativeEntry, Plan, PlanSignature, SubjectReport, Target,
    TargetProgress,
)
from . import pdf
from .permissions import can_see_sensitive, plan_viewer
from .pdf import app_fingerprint_annotations

PROGRESS_FILE = "learners.progress_file"


def progress_file_audience(viewer) -> str:
    """Who a progress file is for (``PdfRender.audience``). Viewers who see the sensitive
    Stage 1 fields each get their own render, so that every read of them is audited for that
    person; others share the render of their audience (same role, same records)."""
    if can_see_sensitive(viewer):
        return f"user:{viewer.user_id}"
    if viewer.is_working_staff:
        return f"staff:{viewer.staff_role}"
    if viewer.is_grantee:
        return "grantee"
    return "none"



def progress_file_fingerprint(*, org_id: int, object_id: int):
    """Everything the progress file shows, summarised in one query: the plan's and profile's
    versions and update times, the count and newest row of each record on the plan, the
    learner's other plans here, and what the other apps add (their ``progress_file_sections``
    hook's ``fingerprint_annotations``). Compiled once per process (``row_query_compiled_once``):
    the page asks for it on every visit."""
    return _fingerprint_row(org_id=org_id, object_id=object_id)


def _fingerprint_queryset(*, org_id: int, object_id: int):
    other_plans = (Plan.objects.for_org(org_id).filter(profile_id=OuterRef("profile_id")).order_by()
                   .values("profile_id").annotate(v=Max("updated_at")).values("v")[:1])
    annotations = {
        "targets_n": child_summary(Target, org_id, "pk", Count),
        "targets_at": child_summary(Target, org_id, "updated_at", Max),
        "progress_n": child_summary(TargetProgress, org_id, "pk", Count, "target__plan"),
        "progress_max": child_summary(TargetProgress, org_id, "pk", Max, "target__plan"),
        "signatures_max": child_summary(PlanSignature, org_id, "pk", Max),
        "narrative_n": child_summary(NarrativeEntry, org_id, "pk", Count),
        "narrative_max": child_summary(NarrativeEntry, org_id, "pk", Max),
        "reports_n": child_summary(SubjectReport, org_id, "pk", Count),
        "reports_max": child_summary(SubjectReport, org_id, "pk", Max),
        "log_n": child_summary(LogEntry, org_id, "pk", Count),
        "log_max": child_summary(LogEntry, org_id, "pk", Max),
        "blocks_filed": child_summary(LogBlock, org_id, "filed_at", Max),
        "concerns_n": child_summary(Concern, org_id, "pk", Count),
        "concerns_at": child_summary(Concern, org_id, "updated_at", Max),
        "plans_at": Subquery(other_plans),
        **app_fingerprint_annotations(org_id=org_id),
    }
    return (
        Plan.objects.for_org(org_id).filter(pk=object_id)
        .annotate(**annotations)
        .values_list("version", "updated_at", "profile__updated_at", "profile__user__full_name", "profile__user__email",
                     "profile__key_worker__full_name", "profile__key_worker__email",
                     "moving_on__updated_at", "moving_on__learner_agreed_at", *annotations)
        .order_by()
    )


_fingerprint_row = row_query_compiled_once(_fingerprint_queryset)


def progress_file_render(*, render) -> bytes:
    """The progress file for the person who asked, with their current view of the plan; refused
    if the plan is gone or their view of it is no longer the audience asked for."""
    plan = (Plan.objects.for_org(render.organisation_id).select_related("profile__user", "organisation")
            .filter(pk=render.object_id).first())
    if plan is None or render.requested_by is None:
        raise PdfRenderRefused("The plan no longer exists.")
    viewer = plan_viewer(plan=plan, user=render.requested_by)
    if not viewer.can_view_plan or progress_file_audience(viewer) != render.audience:
        raise PdfRenderRefused("You can no longer see this plan.")
    return pdf.progress_file_pdf(plan=plan, viewer=viewer, actor=render.requested_by)


def progress_file_bundle_entry(*, org_id: int, object_id: int, user):
    """(audience, file name) of the plan's progress file as ``user`` may see it now, or None."""
    plan = Plan.objects.for_org(org_id).select_related("profile__user").filter(pk=object_id).first()
    if plan is None:
        return None
    viewer = plan_viewer(plan=plan, user=user)
    if not viewer.can_view_plan:
        return None
    name = slugify(f"{plan.profile.user.display_name}-{plan.programme_name}") or f"plan-{plan.pk}"
    return progress_file_audience(viewer), f"{name}.pdf"


KINDS = [PdfKind(name=PROGRESS_FILE, fingerprint=progress_file_fingerprint, render=progress_file_render,
                 bundle_entry=progress_file_bundle_entry)]
