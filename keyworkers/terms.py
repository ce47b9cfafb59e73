"""How progress reviews depend on the organisation's term dates (called by core through
``plp_portal.hooks``: ``plp_portal.organisations.services`` does not import this app).

Reviews have no key to a term: their due dates are computed from the term dates
(``schedule.next_due``). A review due within a term depends on it once it has been held, or
its date was agreed; a review merely scheduled from the dates follows them when they change."""

from __future__ import annotations

from django.db.models import Q

from . import services
from .choices import ReviewStatus
from .models import Review


def term_dependents(*, org, term) -> list[str]:
    """Why ``term`` cannot be deleted, in words (empty if nothing depends on it)."""
    count = (
        Review.objects.for_org(org)
        .filter(due_on__gte=term.starts_on, due_on__lte=term.ends_on)
        .exclude(status=ReviewStatus.CANCELLED)
        .exclude(Q(status=ReviewStatus.SCHEDULED) & Q(due_on_agreed=False))
        .count()
    )
    if not count:
        return []
    return [f"{count} progress review{'s are' if count != 1 else ' is'} due in it (held, or with a date agreed)"]


def terms_changed(*, org) -> None:
    """The term dates changed: open reviews scheduled from them (no date agreed) follow."""
    services.reviews_redate_scheduled(org=org)
