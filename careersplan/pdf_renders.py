"""How the workers render the careersplan app's PDFs (the core's ``pdf_renders`` hook,
plp_portal/pdfs): the annual careers plan."""

from django.db.models import Count, Max, Sum

from plp_portal.pdfs.kinds import PdfKind, PdfRenderRefused, child_summary

from .models import CareersPlan, ChecklistTick, Evidence, PlanRow, ReviewComment
from .pdf import PLAN_PDF, plan_pdf_bytes



def plan_fingerprint(*, org_id: int, object_id: int):
    """Everything the plan's PDF shows, in one query: phase, rows (their versions and update
    times), evidence, ticks, the approval and reviewers' comments."""
    return (
        CareersPlan.objects.for_org(org_id).filter(pk=object_id)
        .annotate(
            rows_version=child_summary(PlanRow, org_id, "version", Sum),
            rows_at=child_summary(PlanRow, org_id, "updated_at", Max),
            evidence_n=child_summary(Evidence, org_id, "pk", Count, "row__plan"),
            evidence_max=child_summary(Evidence, org_id, "pk", Max, "row__plan"),
            ticks_n=child_summary(ChecklistTick, org_id, "pk", Count),
            ticks_max=child_summary(ChecklistTick, org_id, "pk", Max),
            comments_n=child_summary(ReviewComment, org_id, "pk", Count),
            comments_max=child_summary(ReviewComment, org_id, "pk", Max),
        )
        .values_list("phase", "template_id", "organisation__name", "approval__recorded_at",
                     "approval__approved_on", "approval__minute_reference", "rows_version", "rows_at",
                     "evidence_n", "evidence_max", "ticks_n", "ticks_max", "comments_n", "comments_max")
        .first()
    )


def plan_render(*, render) -> bytes:
    plan = (CareersPlan.objects.for_org(render.organisation_id).select_related("template", "organisation")
            .filter(pk=render.object_id).first())
    if plan is None:
        raise PdfRenderRefused("The plan no longer exists.")
    return plan_pdf_bytes(plan=plan)


KINDS = [PdfKind(name=PLAN_PDF, fingerprint=plan_fingerprint, render=plan_render)]
