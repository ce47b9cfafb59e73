"""The keyworkers part of the learner's home (/me/, ``learners.me_views`` asks every app's
``me_home`` hook): the next review — when, with whom, and what to prepare for it."""

from __future__ import annotations

from .choices import OPEN_REVIEW_STATUSES
from .models import Review
from .selectors import computed_due_dates


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
