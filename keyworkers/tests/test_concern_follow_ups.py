"""Concern follow-ups are never forgotten: a concern whose follow-up date has passed reminds its
owner (else the key worker) once, through the daily job — run twice, retried, through a real
worker and SMTP — and shows in the key worker's overdue list."""

import datetime

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker

from keyworkers import selectors
from keyworkers.filters import CaseloadFilterSet
from keyworkers.tests.factories import learner_with_plan
from learners import reminders as learner_reminders
from learners import services as learner_services
from learners.choices import ConcernCategory
from plp_portal.notifications.models import OutboundEmail, Reminder
from plp_portal.notifications.tasks import daily_reminders
from plp_portal.organisations.choices import Role
from tests.factories import member
from tests.realservices import ThrowawayRedis, celery_broker, wait_until

TODAY = datetime.date(2026, 11, 23)
KIND = learner_reminders.CONCERN_FOLLOW_UP_OVERDUE


def _concern(plan, by, follow_up_on, **fields):
    return learner_services.concern_raise(
        org=plan.organisation, plan=plan, by=by, category=ConcernCategory.ATTENDANCE,
        description="Missed three Mondays", follow_up_how="Phone home", follow_up_on=follow_up_on, **fields)


@pytest.mark.django_db
def test_overdue_follow_up_reminds_its_owner_once_and_the_key_worker_when_unowned(org, other_org):
    kw, mentor = member(org, Role.KEY_WORKER), member(org, Role.SUBJECT_TUTOR)
    plan = learner_with_plan(org, kw)
    owned_date = TODAY - datetime.timedelta(days=2)
    owned = _concern(plan, kw, owned_date, owner=mentor)
    unowned = _concern(plan, kw, TODAY - datetime.timedelta(days=1))
    due_today = _concern(plan, kw, TODAY)  # not overdue until tomorrow
    _concern(plan, kw, TODAY + datetime.timedelta(days=3))
    resolved = _concern(plan, kw, TODAY - datetime.timedelta(days=5))
    learner_services.concern_resolve(org=org, concern=resolved, by=kw, resolution="Sorted with the family")
    other_plan = learner_with_plan(other_org)
    _concern(other_plan, other_plan.created_by, TODAY - datetime.timedelta(days=4))

    learner_reminders.collect(today=TODAY)
    learner_reminders.collect(today=TODAY)  # the job run twice
    rows = Reminder.objects.for_org(org).filter(kind=KIND)
    assert sorted((r.recipient_id, r.subject_key) for r in rows) == sorted(
        [(mentor.pk, f"concern:{owned.pk}"), (kw.pk, f"concern:{unowned.pk}")])
    learner_reminders.collect(today=TODAY + datetime.timedelta(days=1))  # the next day: one more
    assert sorted(rows.values_list("subject_key", flat=True)) == sorted(
        f"concern:{c.pk}" for c in (owned, unowned, due_today))
    mine = rows.get(recipient=mentor)
    assert mine.url == f"/o/{org.slug}/learners/concerns/{owned.pk}/"
    assert plan.profile.user.full_name in mine.title and "attendance" in mine.title
    assert Reminder.objects.for_org(other_org).filter(kind=KIND).count() == 1
    # Moving the follow-up on and letting it pass again reminds again, once.
    new_date = TODAY + datetime.timedelta(days=2)
    learner_services.concern_update(org=org, concern=owned, by=kw, follow_up_on=new_date)
    learner_reminders.collect(today=new_date)
    assert rows.filter(recipient=mentor).count() == 1
    learner_reminders.collect(today=new_date + datetime.timedelta(days=1))
    learner_reminders.collect(today=new_date + datetime.timedelta(days=1))
    assert sorted(rows.filter(recipient=mentor).values_list("due_on", flat=True)) == [owned_date, new_date]


@pytest.mark.django_db
def test_key_workers_overdue_list_shows_plans_with_an_overdue_follow_up(org):
    kw = member(org, Role.KEY_WORKER)
    late = learner_with_plan(org, kw)
    on_time = learner_with_plan(org, kw)
    _concern(late, kw, TODAY - datetime.timedelta(days=3))
    _concern(on_time, kw, TODAY + datetime.timedelta(days=3))
    plans = selectors.caseload(org=org, key_worker=kw, today=TODAY)
    rows = list(CaseloadFilterSet({"show": "overdue"}, queryset=plans, org=org, today=TODAY, days_ahead=7,
                                  is_lead=False).qs)
    assert [p.pk for p in rows] == [late.pk]
    assert rows[0].follow_ups_overdue == 1


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_follow_up_digest_once_through_a_real_worker(org, other_org, smtp):
    kw, mentor = member(org, Role.KEY_WORKER), member(org, Role.SUBJECT_TUTOR)
    plan = learner_with_plan(org, kw)
    concern = _concern(plan, kw, TODAY - datetime.timedelta(days=2), owner=mentor)
    server = ThrowawayRedis().start()
    try:
        with time_machine.travel(datetime.datetime(2026, 11, 23, 6, 30, tzinfo=datetime.UTC), tick=True), \
                celery_broker(server.url) as app, \
                start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            daily_reminders.apply_async()
            assert wait_until(lambda: any(m["To"] == mentor.email for m in smtp), timeout=30)
            daily_reminders.apply_async()  # a second beat / retried job
            assert wait_until(lambda: not OutboundEmail.objects.filter(status="pending").exists(), timeout=20)
    finally:
        server.stop()
    to_mentor = [m for m in smtp if m["To"] == mentor.email]
    assert len(to_mentor) == 1
    plain = to_mentor[0].get_body(("plain",)).get_content()
    assert "Follow up the attendance concern" in plain and f"/learners/concerns/{concern.pk}/" in plain
    assert Reminder.objects.for_org(org).filter(kind=KIND).count() == 1
