"""Who may do what with key-worker records and reviews. Visibility of a plan's records is
decided by ``learners.permissions`` (``plan_viewer``); this adds the keyworkers rules:

* reviews are read by the staff side of the plan (key worker, working staff — "the staff who
  teach the learner", seed 001) and, in /me/reviews/, by the learner and by an employer or
  off-site provider with an active share (to sign);
* the learner's current key worker starts, edits, signs, cancels and amends reviews; the
  organisation's leads (org admin, careers lead) may cancel;
* the team page and key-worker assignment: the learner's key worker and the leads."""

from __future__ import annotations

from plp_portal.organisations.choices import Role
from learners.models import PlanShare

from .services import PROVIDER_RELATIONSHIPS

LEAD_ROLES = frozenset({Role.ORG_ADMIN, Role.CAREERS_LEAD})


def is_lead(request) -> bool:
    return request.membership is not None and request.membership.role in LEAD_ROLES


def can_manage_team(request, profile) -> bool:
    return is_lead(request) or profile.key_worker_id == request.user.pk


def can_run_review(viewer) -> bool:
    return viewer.is_key_worker


def can_cancel_review(request, viewer) -> bool:
    return viewer.is_key_worker or is_lead(request)


def can_read_reviews(viewer) -> bool:
    """Who reads a plan's reviews (pages and the progress file): the staff side, the learner,
    and an employer or off-site provider with an active share (they sign reviews). Other
    grantees — a parent or carer — read the plan, its targets and journey, not the reviews."""
    if viewer.is_staff_side or viewer.is_learner:
        return True
    if not viewer.is_grantee:
        return False

    return PlanShare.objects.for_org(viewer.organisation_id).filter(
        pk=viewer.share_id, relationship__in=PROVIDER_RELATIONSHIPS).exists()
