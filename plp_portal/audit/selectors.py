import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Min
from django.utils import timezone

from .models import AuditEvent
from .reads import ACTION


def learner_record_reads(*, org, profile_id: int, days: int = 365):
    """Every read of the learner's record (``profile_id``, of ``org``) in the last ``days``,
    newest first, with the reader."""
    since = timezone.now() - datetime.timedelta(days=days)
    return (
        AuditEvent.objects.filter(
            organisation=org, learner_profile_id=profile_id, action=ACTION, created_at__gte=since
        )
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


def learner_record_readers(*, org, profile_id: int, days: int = 365):
    """Who read the learner's record in the last ``days``: one row per person (``actor``,
    ``reads``, ``first``, ``last``), most recent first."""
    rows = list(
        learner_record_reads(org=org, profile_id=profile_id, days=days)
        .order_by()
        .values("actor_id")
        .annotate(reads=Count("id"), first=Min("created_at"), last=Max("created_at"))
        .order_by("-last")
    )

    people = get_user_model().objects.in_bulk([row["actor_id"] for row in rows if row["actor_id"]])
    for row in rows:
        row["actor"] = people.get(row["actor_id"])
    return rows
