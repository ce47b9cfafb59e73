"""How the workers render a review record (the core's ``pdf_renders`` hook, plp_portal/pdfs):
one review — the learner's preparation, the evaluations of the targets the reader may see, the
targets agreed and the signatures — for each audience that reads reviews
(``permissions.can_read_reviews``)."""

from __future__ import annotations

from django.db.models import Count, Max

from plp_portal.pdfs.kinds import PdfKind, PdfRenderRefused, child_summary
from learners.pdf import Section
from plp_portal import clock
from plp_portal.pdf import render_pdf
from learners.permissions import plan_viewer

from .models import Review, ReviewNewTarget, ReviewTargetEvaluation
from .selectors import reviews_of_record
from .permissions import can_read_reviews

REVIEW_RECORD = "keyworkers.review"


def review_audience(viewer) -> str:
    """Readers who see the same records of the review share its render."""
    if viewer.is_learner:
        return "learner"
    if viewer.is_key_worker:
        return "key_worker"
    if viewer.is_working_staff:
        return f"staff:{viewer.staff_role}"
    return "grantee"


def review_fingerprint(*, org_id: int, object_id: int):
    return (
        Review.objects.for_org(org_id).filter(pk=object_id)
        .annotate(evaluations_n=child_summary(ReviewTargetEvaluation, org_id, "pk", Count, "review"),
                  evaluations_max=child_summary(ReviewTargetEvaluation, org_id, "pk", Max, "review"),
                  new_targets_n=child_summary(ReviewNewTarget, org_id, "pk", Count, "review"),
                  new_targets_max=child_summary(ReviewNewTarget, org_id, "pk", Max, "review"))
        .values_list("version", "status", "kw_signed_at", "learner_signed_at", "provider_signed_at", "completed_at",
                     "cancelled_at", "plan__profile__user__full_name", "evaluations_n", "evaluations_max",
                     "new_targets_n", "new_targets_max")
        .first()
    )


def review_record_pdf(*, review, viewer) -> bytes:
    items = reviews_of_record(plan=review.plan, viewer=viewer, review_id=review.pk)
    section = Section(anchor="review", title=f"Review {review.number}", template="keyworkers/pdf/_reviews.html",
                      items=items)
    return render_pdf("keyworkers/pdf/review_record.html", {
        "review": review, "plan": review.plan, "profile": review.plan.profile, "section": section,
        "generated_on": clock.today()})


def review_render(*, render) -> bytes:
    review = (Review.objects.for_org(render.organisation_id)
              .select_related("plan__profile__user", "plan__organisation").filter(pk=render.object_id).first())
    if review is None or render.requested_by is None:
        raise PdfRenderRefused("The review no longer exists.")
    viewer = plan_viewer(plan=review.plan, user=render.requested_by)
    if not can_read_reviews(viewer) or review_audience(viewer) != render.audience:
        raise PdfRenderRefused("You can no longer see this review.")
    return review_record_pdf(review=review, viewer=viewer)


KINDS = [PdfKind(name=REVIEW_RECORD, fingerprint=review_fingerprint, render=review_render)]
