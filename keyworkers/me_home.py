"""The keyworkers part of the learner's home (/me/, ``learners.me_views`` asks every app's
``me_home`` hook): the next review — when, with whom, and what to prepare for it."""

from __future__ import annotations

from .choices import OPEN_REVIEW_STATUSES, ReviewStatus
from .models import Review, ReviewTargetEvaluation
from .selectors import computed_due_dates

from django.db.models import Prefetch

from learners.permissions import audience_q


def panels(*, plan, viewer, today) -> list[dict]:
    """[{"template": …, context…}] for ``plan``'s learner. Two queries at most."""
    review = (
        Review.objects.for_org(plan.organisation_id).filter(plan=plan, status__in=OPEN_REVIEW_STATUSES)
        .select_related("key_worker").order_by("due_on", "number").first()
    )
    due_on = review.due_on if review else computed_due_dates(org=plan.organisation, plans=[plan]).get(plan.pk)
    prepared = bool(review and (review.prep_learned or review.prep_enjoyed or review.prep_found_hard))
    return [{"template": "keyworkers/me/_home_next_review.html", "review": review, "due_on": due_on,
             "prepared": prepared, "today": today}]


SHARED_REVIEWS_SHOWN = 5


def shared_panels(*, plan, viewer, today) -> list[dict]:
    """What a person the plan is shared with (a parent or carer, an off-site tutor, an employer)
    reads of the reviews: the completed reviews (newest first, the last few) with the target
    evaluations they may see (``learners.permissions.audience_q`` — the same rule as every
    page), and the next review date. Four queries."""
    evaluations = (ReviewTargetEvaluation.objects.for_org(plan.organisation_id)
                   .filter(audience_q(viewer, prefix="target__")).select_related("target"))
    reviews = list(
        Review.objects.for_org(plan.organisation_id).filter(plan=plan, status=ReviewStatus.COMPLETED)
        .select_related("key_worker").prefetch_related(Prefetch("evaluations", queryset=evaluations))
        .order_by("-number")[:SHARED_REVIEWS_SHOWN]
    )
    upcoming = (Review.objects.for_org(plan.organisation_id).filter(plan=plan, status__in=OPEN_REVIEW_STATUSES)
                .order_by("due_on").values_list("due_on", flat=True).first())
    if upcoming is None:
        upcoming = computed_due_dates(org=plan.organisation, plans=[plan]).get(plan.pk)
    return [{"template": "keyworkers/me/_shared_reviews.html", "reviews": reviews, "next_due_on": upcoming,
             "today": today}]
