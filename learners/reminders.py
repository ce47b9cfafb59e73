"""The learners part of the daily reminder job (``notifications.daily_reminders`` calls
``collect``): a concern whose follow-up date has passed reminds its owner — or, when nobody
owns it, the learner's key worker — once per (concern, follow-up date), however often the job
runs or is retried (``reminders_add`` is unique per organisation/recipient/kind/subject/due
date). Moving the follow-up date on gives a new reminder for the new date. One query.

"Passed" is judged by each organisation's own date (its time zone)."""

from __future__ import annotations

import datetime

from django.db.models import F
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from plp_portal.notifications.models import Reminder
from plp_portal.notifications.services import reminders_add
from plp_portal.organisations.models import Organisation

from .choices import ConcernStatus, PlanStatus
from .models import Concern
from .selectors import org_local_date

CONCERN_FOLLOW_UP_OVERDUE = "concern.follow_up_overdue"
_ID = 987654321


def collect(*, today: datetime.date) -> int:
    server_today = timezone.localdate()
    orgs = {pk: (slug, today + (org_local_date(tz) - server_today))
            for pk, slug, tz in Organisation.objects.values_list("pk", "slug", "time_zone")}
    latest = max((day for _, day in orgs.values()), default=today)
    head, _, tail = reverse("learners:concern", kwargs={"org_slug": "ORG", "concern_id": _ID}).rpartition(str(_ID))
    rows = (
        Concern.objects.system("concern follow-ups past their date, every organisation")
        .filter(follow_up_on__lt=latest, plan__status=PlanStatus.ACTIVE)
        .exclude(status=ConcernStatus.RESOLVED)
        .annotate(recipient=Coalesce(F("owner_id"), F("plan__profile__key_worker_id")))
        .filter(recipient__isnull=False)
        .values_list("pk", "organisation_id", "follow_up_on", "recipient", "category",
                     "plan__profile__user__full_name")
    )
    reminders = []
    for pk, org_id, follow_up_on, recipient, category, name in rows:
        slug, day = orgs.get(org_id, ("", today))
        if follow_up_on >= day:
            continue
        label = Concern(category=category).get_category_display().lower()
        reminders.append(Reminder(
            organisation_id=org_id, recipient_id=recipient, kind=CONCERN_FOLLOW_UP_OVERDUE,
            subject_key=f"concern:{pk}", due_on=follow_up_on,
            title=f"Follow up the {label} concern about {name} (due {follow_up_on:%d %B %Y})"[:200],
            url=head.replace("/ORG/", f"/{slug}/") + str(pk) + tail,
        ))
    return reminders_add(reminders)
