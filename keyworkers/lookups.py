"""The one way a page reaches a review from the id in its URL.

``review_for_request(request, review_id, need=...)`` finds the review in the request's scope and
checks the signed-in person's right to it. Invariant: it returns ``(review, viewer)`` (``viewer``
is ``None`` for ``need="mine"``) or raises ``Http404`` — the same 404 for a review that does not
exist, one of another organisation and one of a learner the person does not work with (or may
not act on), so a page never tells them apart.

``need``:
  "see"    — staff of ``request.org`` who work with the learner (``learners.lookups``);
  "run"    — as "see", and the learner's key worker (``permissions.can_run_review``);
  "cancel" — as "see", and allowed to cancel (``permissions.can_cancel_review``);
  "mine"   — ``/me/reviews/``: the signed-in learner's own review, or one shared with them as the
             learner's employer/provider (``selectors.review_for_me``).

``transferred_review_for_request(request, profile_id, review_id)`` is the one way to a review of
the learner's PREVIOUS organisation (issue 13): staff of ``request.org`` who work with the
learner, and a consented record transfer covering the review (``selectors.transferred_review``);
the same 404 otherwise."""

from django.http import Http404

from learners.lookups import staff_viewer_for
from learners.permissions import PlanViewer, profile_viewer
from learners import selectors as learner_selectors

from . import selectors
from .models import Review
from .permissions import can_cancel_review, can_run_review

NEEDS = ("see", "run", "cancel", "mine")


def review_for_request(request, review_id: int, *, need: str = "see") -> tuple[Review, PlanViewer | None]:
    if need not in NEEDS:
        raise ValueError(f"need must be one of {NEEDS}, not {need!r}")
    if need == "mine":
        return selectors.review_for_me(user=request.user, review_id=review_id), None
    review = selectors.review_get(org=request.org, review_id=review_id)
    viewer = staff_viewer_for(request, review.plan)
    if need == "run" and not can_run_review(viewer):
        raise Http404("Not your learner")
    if need == "cancel" and not can_cancel_review(request, viewer):
        raise Http404("Not your learner")
    return review, viewer


def transferred_review_for_request(request, profile_id: int, review_id: int):
    """``(review, viewer, transfer, profile)`` of a review moved with the learner; 404 unless the
    person works with the learner here and the learner's consent covers the review."""
    profile = learner_selectors.learner_profile_get(org=request.org, profile_id=profile_id)
    if not profile_viewer(profile=profile, user=request.user, membership=request.membership).is_staff_side:
        raise Http404("Not your learner")
    review, viewer, transfer = selectors.transferred_review(org=request.org, profile=profile, user=request.user,
                                                            review_id=review_id)
    return review, viewer, transfer, profile
