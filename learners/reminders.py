"""The learners part of the daily reminder job (``notifications.daily_reminders`` calls
``collect``): a concern whose follow-up date has passed reminds its owner — or, when nobody
owns it, the learner's key worker — once per (concern, follow-up date), however often the job
runs or is retried (``reminders_add`` is unique per organisation/recipient/kind/subject/due
date). Moving the follow-up date on gives a new reminder for the new date. One query.

An off-site provider or employer with an active grant is reminded when the four-weekly
off-site review (seed 001) is due: four weeks after their last one, or after the grant began;
once per (grant, due date) — the next review moves the date on.

"Passed" is judged by each organisation's own date (its time zone)."""

from __future__ import annotations

import datetime

from django.db.models import F, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.urls import reverse

from plp_portal import clock
from plp_portal.notifications.models import Reminder
from plp_portal.notifications.services import reminders_add
from plp_portal.organisations.models import Organisation

from .choices import ConcernStatus, PlanStatus
from .models import OFF_SITE_REVIEW_DAYS, Concern, OffSiteReview, PlanShare
from .services import OFF_SITE_REVIEWERS

CONCERN_FOLLOW_UP_OVERDUE = "concern.follow_up_overdue"
OFF_SITE_REVIEW_DUE = "off_site_review.due"
_ID = 987654321


def collect(*, today: datetime.date) -> int:
    server_today = clock.today()
    orgs = {org.pk: (org.slug, today + (clock.today(org) - server_today))
            for org in Organisation.objects.only("pk", "slug", "time_zone")}
    latest = max((day for _, day in orgs.values()), default=today)
    head, _, tail = reverse("learners:concern", kwargs={"org_slug": "ORG", "concern_id": _ID}).rpartition(str(_ID))
    rows = (
        Concern.objects.system("concern follow-ups past their date, every organisation")
        .filter(follow_up_on__lt=latest, plan__status=PlanStatus.ACTIVE)
        .exclude(status=ConcernStatus.RESOLVED)
        .annotate(recipient=Coalesce(F("owner_id"), F("plan__profile__key_worker_id")))
        .filter(recipient__isnull=False)
        .values_list("pk", "organisation_id", "follow_up_on", "recipient", "category",
                     "plan__profile__user__full_name", "plan__profile_id")
    )
    reminders = []
    for pk, org_id, follow_up_on, recipient, category, name, profile_id in rows:
        slug, day = orgs.get(org_id, ("", today))
        if follow_up_on >= day:
            continue
        label = Concern(category=category).get_category_display().lower()
        reminders.append(Reminder(
            organisation_id=org_id, recipient_id=recipient, kind=CONCERN_FOLLOW_UP_OVERDUE,
            subject_key=f"concern:{pk}", due_on=follow_up_on,
            title=f"Follow up the {label} concern about {name} (due {follow_up_on:%d %B %Y})"[:200],
            url=head.replace("/ORG/", f"/{slug}/") + str(pk) + tail, learner_profile_id=profile_id,
        ))
    reminders += _off_site_reviews_due(orgs=orgs, today=today)
    return reminders_add(reminders)


def _off_site_reviews_due(*, orgs, today) -> list[Reminder]:
    """One query: active provider/employer grants of active plans with the date of their last
    off-site review (by this grantee) or the grant's start."""
    last = (OffSiteReview.objects.system("last off-site review per grant, every organisation")
            .filter(share=OuterRef("pk")).values("share").annotate(last=Max("held_on")).values("last"))
    rows = (
        PlanShare.objects.system("provider and employer grants due a four-weekly review, every organisation")
        .filter(PlanShare.active_q(), relationship__in=list(OFF_SITE_REVIEWERS), plan__status=PlanStatus.ACTIVE)
        .annotate(since=Coalesce(Subquery(last), TruncDate("granted_at")))
        .values_list("pk", "organisation_id", "grantee_id", "plan_id", "since", "plan__profile__user__full_name",
                     "plan__profile_id")
    )
    path = reverse("me:shared_off_site_review_add", kwargs={"learner_plan_id": _ID})
    reminders = []
    for pk, org_id, grantee, plan_id, since, name, profile_id in rows:
        due_on = since + datetime.timedelta(days=OFF_SITE_REVIEW_DAYS)
        _slug, day = orgs.get(org_id, ("", today))
        if due_on > day:
            continue
        reminders.append(Reminder(
            organisation_id=org_id, recipient_id=grantee, kind=OFF_SITE_REVIEW_DUE, subject_key=f"share:{pk}",
            due_on=due_on, title=f"The four-weekly off-site review for {name} is due ({due_on:%d %B %Y})"[:200],
            url=path.replace(str(_ID), str(plan_id)), learner_profile_id=profile_id,
        ))
    return reminders
