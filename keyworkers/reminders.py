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

from django.db.models import Exists, OuterRef
from django.urls import reverse

from learners.choices import TARGET_OPEN_STATUSES, PlanStatus
from learners.models import Target
from learners.permissions import PlanViewer, audience_q
from plp_portal import clock
from plp_portal.notifications.models import Reminder
from plp_portal.notifications.services import reminders_add
from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Membership, Organisation

from .choices import OPEN_REVIEW_STATUSES, ReminderKind
from .models import Review, ReviewSettings
from .services import reviews_schedule_missing_everywhere

DEFAULT_REMIND_DAYS = ReviewSettings._meta.get_field("remind_days_before").default
DEFAULT_ESCALATE_DAYS = ReviewSettings._meta.get_field("escalate_after_days").default
LEAD_ROLES = (Role.ORG_ADMIN, Role.CAREERS_LEAD)

# The learner's view of a plan, for filtering what may go into their reminder (no query).
_LEARNER = PlanViewer(plan_id=0, organisation_id=0, user_id=0, is_learner=True)
_ID = 987654321  # stands for the object's id in a URL reversed once (see _url_template)


def _url_template(viewname: str, id_kwarg: str, **kwargs) -> str:
    """``reverse`` once, with a stand-in id, as a template for ``.format(id)`` — the job builds
    hundreds of thousands of links and ``reverse`` per link was a fifth of its time."""
    head, _, tail = reverse(viewname, kwargs={**kwargs, id_kwarg: _ID}).rpartition(str(_ID))
    return head + "{}" + tail


def _org_settings() -> dict[int, tuple[int, int]]:
    """Each organisation's (remind N days before, escalate after M days), one query."""
    return {
        org_id: (remind, escalate)
        for org_id, remind, escalate in ReviewSettings.objects.system("reminder settings of each organisation")
        .values_list("organisation_id", "remind_days_before", "escalate_after_days")
    }


def _org_days(today: datetime.date) -> dict[int, datetime.date]:
    server_today = clock.today()
    return {
        org.pk: today + (clock.today(org) - server_today)
        for org in Organisation.objects.only("pk", "time_zone", "slug")
    }


def collect(*, today: datetime.date) -> int:
    reviews_schedule_missing_everywhere(reason="the daily job schedules every organisation's missing reviews")
    days = _org_days(today)
    slugs = dict(Organisation.objects.values_list("pk", "slug"))
    reminders: list[Reminder] = []
    earliest, latest = min(days.values(), default=today), max(days.values(), default=today)
    org_settings = _org_settings()
    defaults = (DEFAULT_REMIND_DAYS, DEFAULT_ESCALATE_DAYS)
    # Nothing due later than the longest "remind N days before" is read.
    horizon = latest + datetime.timedelta(days=max([DEFAULT_REMIND_DAYS] + [n for n, _ in org_settings.values()]))
    review_urls = {org_id: _url_template("keyworkers:review_detail", "review_id", org_slug=slug)
                   for org_id, slug in slugs.items()}
    prepare_url = _url_template("me_reviews:prepare", "review_id")

    # Open reviews due soon, today or overdue: one query.
    reviews = (
        Review.objects.system("reviews due, every organisation")
        .filter(status__in=OPEN_REVIEW_STATUSES, plan__status=PlanStatus.ACTIVE, plan__profile__is_active=True,
                due_on__lte=horizon)
        .values_list("pk", "organisation_id", "number", "due_on", "plan__profile__user_id",
                     "plan__profile__key_worker_id", "plan__profile__user__full_name", "plan__profile_id")
    )
    overdue_for_leads = []
    for pk, org_id, number, due_on, learner, kw, name, profile_id in reviews:
        day = days.get(org_id, today)
        remind_days, escalate_days = org_settings.get(org_id, defaults)
        subject = f"review:{pk}"
        kw_url, me_url = review_urls[org_id].format(pk), prepare_url.format(pk)

        def add(recipient, kind, title, url):
            if recipient:
                reminders.append(Reminder(organisation_id=org_id, recipient_id=recipient, kind=kind,
                                          subject_key=subject, due_on=due_on, title=title[:200], url=url,
                                          learner_profile_id=profile_id))

        when = f"{due_on:%d %B %Y}"
        if day < due_on <= day + datetime.timedelta(days=remind_days):
            add(kw, ReminderKind.REVIEW_DUE_SOON, f"Review {number} for {name} is due on {when}", kw_url)
            add(learner, ReminderKind.REVIEW_DUE_SOON, f"Your review {number} is on {when}: get ready for it", me_url)
        elif due_on == day:
            add(kw, ReminderKind.REVIEW_DUE_TODAY, f"Review {number} for {name} is due today", kw_url)
            add(learner, ReminderKind.REVIEW_DUE_TODAY, f"Your review {number} is due today", me_url)
        elif due_on < day:
            add(kw, ReminderKind.REVIEW_OVERDUE, f"Review {number} for {name} is overdue (due {when})", kw_url)
            if due_on + datetime.timedelta(days=escalate_days) <= day:
                overdue_for_leads.append((org_id, subject, due_on, f"Escalation: review {number} for {name} "
                                          f"has been overdue since {when}", kw_url, profile_id))

    # Escalations: the leads of the organisations concerned, one query.
    if overdue_for_leads:
        leads: dict[int, list[int]] = {}
        for org_id, user_id in Membership.objects.system("leads of organisations with overdue reviews").filter(
            organisation_id__in={o for o, *_ in overdue_for_leads}, role__in=LEAD_ROLES, is_active=True
        ).values_list("organisation_id", "user_id"):
            leads.setdefault(org_id, []).append(user_id)
        for org_id, subject, due_on, title, url, profile_id in overdue_for_leads:
            for user_id in leads.get(org_id, []):
                reminders.append(Reminder(organisation_id=org_id, recipient_id=user_id,
                                          kind=ReminderKind.REVIEW_ESCALATED, subject_key=subject, due_on=due_on,
                                          title=title[:200], url=url, learner_profile_id=profile_id))

    # Targets due within N days: one query. The learner hears only of targets they may see.
    learner_visible = Target.objects.system("visibility test").filter(audience_q(_LEARNER)).filter(pk=OuterRef("pk"))
    plan_reviews_urls = {org_id: _url_template("keyworkers:review_list", "plan_id", org_slug=slug)
                         for org_id, slug in slugs.items()}
    my_reviews_url = reverse("me_reviews:index")
    targets = (
        Target.objects.system("targets due, every organisation")
        .filter(status__in=TARGET_OPEN_STATUSES, plan__status=PlanStatus.ACTIVE, plan__profile__is_active=True,
                due_on__gte=earliest, due_on__lte=horizon)
        .annotate(learner_may_see=Exists(learner_visible))
        .values_list("pk", "organisation_id", "title", "due_on", "learner_may_see", "plan_id",
                     "plan__profile__user_id", "plan__profile__key_worker_id", "plan__profile__user__full_name",
                     "plan__profile_id")
    )
    for pk, org_id, title, due_on, learner_may_see, plan_id, learner, kw, name, profile_id in targets:
        day = days.get(org_id, today)
        if not day <= due_on <= day + datetime.timedelta(days=org_settings.get(org_id, defaults)[0]):
            continue
        subject = f"target:{pk}"
        when = "today" if due_on == day else f"on {due_on:%d %B %Y}"
        if kw:
            reminders.append(Reminder(
                organisation_id=org_id, recipient_id=kw, kind=ReminderKind.TARGET_DUE, subject_key=subject,
                due_on=due_on, title=f"Target due {when} for {name}: {title}"[:200],
                url=plan_reviews_urls[org_id].format(plan_id), learner_profile_id=profile_id,
            ))
        if learner_may_see:
            reminders.append(Reminder(
                organisation_id=org_id, recipient_id=learner, kind=ReminderKind.TARGET_DUE,
                subject_key=subject, due_on=due_on, title=f"Your target is due {when}: {title}"[:200],
                url=my_reviews_url, learner_profile_id=profile_id,
            ))
    return reminders_add(reminders)
