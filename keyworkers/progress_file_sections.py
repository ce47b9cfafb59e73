"""The reviews section of the learner's progress file (``learners.pdf`` hook): every review the
viewer may read — evaluations of the targets the viewer may see, the targets agreed at the
review and its signatures. Who reads reviews is ``permissions.can_read_reviews`` (the rule of
the review pages); a draft (not yet signed by the key worker) is listed by number and date only."""

from __future__ import annotations

from django.db.models import Count, Max, OuterRef, Q, Subquery, Sum

from learners.pdf import Section, _user_with_id

from . import selectors
from .choices import ReviewStatus
from .models import Review, ReviewTargetEvaluation
from .permissions import can_read_reviews


def sections(*, plan, viewer) -> list[Section]:
    if not can_read_reviews(viewer):
        return []
    reviews = selectors.reviews_of_record(plan=plan, viewer=viewer)
    completed = [r for r in reviews if r.status == ReviewStatus.COMPLETED]
    summary = ""
    if completed:
        last = completed[-1]
        summary = (f"Reviews: {len(completed)} completed, the last on "
                   f"{(last.held_on or last.completed_at.date()):%-d %B %Y}.")
    upcoming = next((r for r in reviews if r.is_open), None)
    if upcoming is not None:
        summary = f"{summary} Next review due on {upcoming.due_on:%-d %B %Y}.".strip()
    result = [Section(anchor="reviews", title="Reviews", template="keyworkers/pdf/_reviews.html", order=10,
                      summary=summary, items=reviews)]
    if viewer.is_staff_side:
        # Reviews at the learner's previous organisations, as consented transfers allow (issue 13).

        previous = selectors.transferred_reviews(org=plan.organisation, profile=plan.profile,
                                                 user=_user_with_id(viewer.user_id))
        if previous:
            result.append(Section(anchor="previous-reviews", title="Reviews at previous organisations (read-only)",
                                  template="keyworkers/pdf/_reviews.html", order=91, items=previous))
    return result


def fingerprint_annotations(*, org_id: int) -> dict:
    """Count, edits and signatures of the plan's reviews and their evaluations (one subquery
    each, over the ``Plan`` row)."""
    reviews = Review.objects.for_org(org_id).filter(plan=OuterRef("pk")).order_by().values("plan")

    def of_reviews(expression):
        return Subquery(reviews.annotate(v=expression).values("v")[:1])

    evaluations = (ReviewTargetEvaluation.objects.for_org(org_id).filter(review__plan=OuterRef("pk"))
                   .order_by().values("review__plan"))
    return {
        "kw_reviews_n": of_reviews(Count("pk")),
        **{f"kw_reviews_{status}": of_reviews(Count("pk", filter=Q(status=status))) for status in ReviewStatus.values},
        "kw_reviews_due": of_reviews(Max("due_on")),
        "kw_reviews_held": of_reviews(Max("held_on")),
        "kw_reviews_versions": of_reviews(Sum("version")),
        "kw_reviews_signed": of_reviews(Max("kw_signed_at")),
        "kw_reviews_learner": of_reviews(Max("learner_signed_at")),
        "kw_reviews_provider": of_reviews(Max("provider_signed_at")),
        "kw_reviews_cancelled": of_reviews(Max("cancelled_at")),
        "kw_evaluations_max": Subquery(evaluations.annotate(v=Max("pk")).values("v")[:1]),
    }
