"""The keyworkers part of the daily reminder job (``notifications.daily_reminders`` calls
``collect``). What is due is computed from the database, set-based — a handful of queries
whatever the number of learners, never a query per learner — and recorded with
``notifications.services.reminders_add`` (unique per organisation/recipient/kind/subject/due
date, so a second run, a retried task or a second beat adds nothing). The core job then sends
one digest per person per day.

* review due in N days (``ReviewSettings.remind_days_before``): key worker and learner;
* review due today: key worker and learner;
* review overdue: key worker; after M days (``escalate_after_days``) the organisation's leads
  (organisation admins and careers leads) as an escalation;
* targets due within N days: key worker (every target) and learner (targets whose audience
  lets the learner see them, decided by ``learners.permissions.audience_q``).

Dates are the organisation's own (its time zone): ``today`` is shifted by the difference
between the organisation's local date and the server's."""

from __future__ import annotations

import datetime

from django.db.models import IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from learners.choices import TARGET_OPEN_STATUSES, PlanStatus
from learners.models import Target
from learners.permissions import PlanViewer, audience_q
from plp_portal.notifications.models import Reminder
from plp_portal.notifications.services import reminders_add
from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Membership, Organisation

from .choices import OPEN_REVIEW_STATUSES, ReminderKind
from .models import Review, ReviewSettings
from .services import org_today, reviews_schedule_missing

DEFAULT_REMIND_DAYS = ReviewSettings._meta.get_field("remind_days_before").default
DEFAULT_ESCALATE_DAYS = ReviewSettings._meta.get_field("escalate_after_days").default
LEAD_ROLES = (Role.ORG_ADMIN, Role.CAREERS_LEAD)
# Candidates are read within this window, then filtered by each organisation's N and M.
HORIZON_DAYS = 120

# The learner's view of a plan, for filtering what may go into their reminder (no query).
_LEARNER = PlanViewer(plan_id=0, organisation_id=0, user_id=0, is_learner=True)


def _settings_annotations(prefix: str):
    rows = ReviewSettings.objects.system("reminder settings of each organisation").filter(
        organisation_id=OuterRef(f"{prefix}organisation_id")
    )
    return {
        "remind_days": Coalesce(Subquery(rows.values("remind_days_before")[:1], output_field=IntegerField()),
                                Value(DEFAULT_REMIND_DAYS)),
        "escalate_days": Coalesce(Subquery(rows.values("escalate_after_days")[:1], output_field=IntegerField()),
                                  Value(DEFAULT_ESCALATE_DAYS)),
    }


def _org_days(today: datetime.date) -> dict[int, datetime.date]:
    server_today = timezone.localdate()
    return {
        org.pk: today + (org_today(org) - server_today)
        for org in Organisation.objects.only("pk", "time_zone", "slug")
    }


def collect(*, today: datetime.date) -> int:
    reviews_schedule_missing()
    days = _org_days(today)
    slugs = dict(Organisation.objects.values_list("pk", "slug"))
    reminders: list[Reminder] = []
    earliest, latest = min(days.values(), default=today), max(days.values(), default=today)

    # Open reviews due soon, today or overdue: one query.
    reviews = (
        Review.objects.system("reviews due, every organisation")
        .filter(status__in=OPEN_REVIEW_STATUSES, plan__status=PlanStatus.ACTIVE,
                due_on__lte=latest + datetime.timedelta(days=HORIZON_DAYS))
        .annotate(**_settings_annotations(""))
        .values("pk", "organisation_id", "number", "due_on", "remind_days", "escalate_days",
                "plan__profile__user_id", "plan__profile__key_worker_id", "plan__profile__user__full_name")
    )
    overdue_for_leads = []
    for row in reviews:
        org_id, due_on, day = row["organisation_id"], row["due_on"], days.get(row["organisation_id"], today)
        name, number = row["plan__profile__user__full_name"], row["number"]
        subject = f"review:{row['pk']}"
        kw_url = reverse("keyworkers:review_detail", kwargs={"org_slug": slugs[org_id], "review_id": row["pk"]})
        me_url = reverse("me_reviews:prepare", kwargs={"review_id": row["pk"]})
        kw, learner = row["plan__profile__key_worker_id"], row["plan__profile__user_id"]

        def add(recipient, kind, title, url):
            if recipient:
                reminders.append(Reminder(organisation_id=org_id, recipient_id=recipient, kind=kind,
                                          subject_key=subject, due_on=due_on, title=title[:200], url=url))

        when = f"{due_on:%d %B %Y}"
        if day < due_on <= day + datetime.timedelta(days=row["remind_days"]):
            add(kw, ReminderKind.REVIEW_DUE_SOON, f"Review {number} for {name} is due on {when}", kw_url)
            add(learner, ReminderKind.REVIEW_DUE_SOON, f"Your review {number} is on {when}: get ready for it", me_url)
        elif due_on == day:
            add(kw, ReminderKind.REVIEW_DUE_TODAY, f"Review {number} for {name} is due today", kw_url)
            add(learner, ReminderKind.REVIEW_DUE_TODAY, f"Your review {number} is due today", me_url)
        elif due_on < day:
            add(kw, ReminderKind.REVIEW_OVERDUE, f"Review {number} for {name} is overdue (due {when})", kw_url)
            if due_on + datetime.timedelta(days=row["escalate_days"]) <= day:
                overdue_for_leads.append((org_id, subject, due_on, f"Escalation: review {number} for {name} "
                                          f"has been overdue since {when}", kw_url))

    # Escalations: the leads of the organisations concerned, one query.
    if overdue_for_leads:
        leads: dict[int, list[int]] = {}
        for org_id, user_id in Membership.objects.system("leads of organisations with overdue reviews").filter(
            organisation_id__in={o for o, *_ in overdue_for_leads}, role__in=LEAD_ROLES, is_active=True
        ).values_list("organisation_id", "user_id"):
            leads.setdefault(org_id, []).append(user_id)
        for org_id, subject, due_on, title, url in overdue_for_leads:
            for user_id in leads.get(org_id, []):
                reminders.append(Reminder(organisation_id=org_id, recipient_id=user_id,
                                          kind=ReminderKind.REVIEW_ESCALATED, subject_key=subject, due_on=due_on,
                                          title=title[:200], url=url))

    # Targets due within N days: one query. The learner hears only of targets they may see.
    learner_visible = Target.objects.system("visibility test").filter(audience_q(_LEARNER)).filter(pk=OuterRef("pk"))
    from django.db.models import Exists

    targets = (
        Target.objects.system("targets due, every organisation")
        .filter(status__in=TARGET_OPEN_STATUSES, plan__status=PlanStatus.ACTIVE, plan__profile__is_active=True,
                due_on__gte=earliest, due_on__lte=latest + datetime.timedelta(days=HORIZON_DAYS))
        .annotate(**_settings_annotations(""), learner_may_see=Exists(learner_visible))
        .values("pk", "organisation_id", "title", "due_on", "remind_days", "learner_may_see", "plan_id",
                "plan__profile__user_id", "plan__profile__key_worker_id", "plan__profile__user__full_name")
    )
    for row in targets:
        org_id, due_on, day = row["organisation_id"], row["due_on"], days.get(row["organisation_id"], today)
        if not day <= due_on <= day + datetime.timedelta(days=row["remind_days"]):
            continue
        subject = f"target:{row['pk']}"
        when = "today" if due_on == day else f"on {due_on:%d %B %Y}"
        kw = row["plan__profile__key_worker_id"]
        if kw:
            reminders.append(Reminder(
                organisation_id=org_id, recipient_id=kw, kind=ReminderKind.TARGET_DUE, subject_key=subject,
                due_on=due_on, title=f"Target due {when} for {row['plan__profile__user__full_name']}: {row['title']}"[:200],
                url=reverse("keyworkers:review_list", kwargs={"org_slug": slugs[org_id], "plan_id": row["plan_id"]}),
            ))
        if row["learner_may_see"]:
            reminders.append(Reminder(
                organisation_id=org_id, recipient_id=row["plan__profile__user_id"], kind=ReminderKind.TARGET_DUE,
                subject_key=subject, due_on=due_on, title=f"Your target is due {when}: {row['title']}"[:200],
                url=reverse("me_reviews:index"),
            ))
    return reminders_add(reminders)
