"""How the workers render the careersplan app's PDFs (the core's ``pdf_renders`` hook,
plp_portal/pdfs): the annual careers plan."""

from django.db.models import Count, Max, OuterRef, Subquery, Sum

from plp_portal.pdfs.kinds import PdfKind, PdfRenderRefused

from .pdf import PLAN_PDF, plan_pdf_bytes


def _summary(model, org_id, field, agg, plan_path="plan"):
    return Subquery(
        model.objects.for_org(org_id).filter(**{plan_path: OuterRef("pk")}).order_by()
        .values(plan_path).annotate(v=agg(field)).values("v")[:1]
    )


def plan_fingerprint(*, org_id: int, object_id: int):
    """Everything the plan's PDF shows, in one query: phase, rows (their versions and update
    times), evidence, ticks, the approval and reviewers' comments."""
    from .models import CareersPlan, ChecklistTick, Evidence, PlanRow, ReviewComment

    return (
        CareersPlan.objects.for_org(org_id).filter(pk=object_id)
        .annotate(
            rows_version=_summary(PlanRow, org_id, "version", Sum),
            rows_at=_summary(PlanRow, org_id, "updated_at", Max),
            evidence_n=_summary(Evidence, org_id, "pk", Count, "row__plan"),
            evidence_max=_summary(Evidence, org_id, "pk", Max, "row__plan"),
            ticks_n=_summary(ChecklistTick, org_id, "pk", Count),
            ticks_max=_summary(ChecklistTick, org_id, "pk", Max),
            comments_n=_summary(ReviewComment, org_id, "pk", Count),
            comments_max=_summary(ReviewComment, org_id, "pk", Max),
        )
        .values_list("phase", "template_id", "organisation__name", "approval__recorded_at",
                     "approval__approved_on", "approval__minute_reference", "rows_version", "rows_at",
                     "evidence_n", "evidence_max", "ticks_n", "ticks_max", "comments_n", "comments_max")
        .first()
    )


def plan_render(*, render) -> bytes:
    from .models import CareersPlan

    plan = (CareersPlan.objects.for_org(render.organisation_id).select_related("template", "organisation")
            .filter(pk=render.object_id).first())
    if plan is None:
        raise PdfRenderRefused("The plan no longer exists.")
    return plan_pdf_bytes(plan=plan)


KINDS = [PdfKind(name=PLAN_PDF, fingerprint=plan_fingerprint, render=plan_render)]
