"""Reminders: set-based collect (same query count for N and 5×N learners), idempotent (job run
twice, task retried, a run failing half-way), escalation to the leads, target reminders that
respect the audience, and digests read from a real SMTP server via a real Celery worker."""

import contextlib
import datetime

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.test.utils import CaptureQueriesContext

from keyworkers import reminders, services
from keyworkers.choices import ReminderKind
from keyworkers.models import Review
from keyworkers.tests.factories import learner_with_plan
from learners.choices import Audience
from learners.tests.factories import target_for
from plp_portal.notifications import services as notification_services
from plp_portal.notifications.models import Notification, OutboundEmail, Reminder
from plp_portal.notifications.tasks import daily_reminders
from plp_portal.organisations.choices import Role
from tests.factories import member
from tests.realservices import ThrowawayRedis, celery_broker, wait_until

d = datetime.date
TODAY = d(2026, 11, 23)


def _plan_due(org, kw, due_on):
    plan = learner_with_plan(org, kw)
    services.review_schedule_next(org=org, plan=plan, by=kw, due_on=due_on)
    return plan


def _kinds(org, user):
    return sorted(Reminder.objects.for_org(org).filter(recipient=user).values_list("kind", flat=True))


@pytest.mark.django_db
def test_due_soon_today_overdue_and_escalation_once_each(org, other_org):
    kw = member(org, Role.KEY_WORKER)
    lead, admin, senco = member(org, Role.CAREERS_LEAD), member(org, Role.ORG_ADMIN), member(org, Role.SUBJECT_TUTOR)
    soon = _plan_due(org, kw, TODAY + datetime.timedelta(days=5))
    today = _plan_due(org, kw, TODAY)
    late = _plan_due(org, kw, TODAY - datetime.timedelta(days=3))
    very_late = _plan_due(org, kw, TODAY - datetime.timedelta(days=10))
    far = _plan_due(org, kw, TODAY + datetime.timedelta(days=30))
    other_kw = member(other_org, Role.KEY_WORKER)
    member(other_org, Role.CAREERS_LEAD)
    _plan_due(other_org, other_kw, TODAY - datetime.timedelta(days=10))
    services.review_settings_update(org=other_org, by=other_kw, escalate_after_days=14)

    added = reminders.collect(today=TODAY)
    assert added > 0
    assert _kinds(org, kw) == sorted([ReminderKind.REVIEW_DUE_SOON, ReminderKind.REVIEW_DUE_TODAY,
                                      ReminderKind.REVIEW_OVERDUE, ReminderKind.REVIEW_OVERDUE])
    assert _kinds(org, soon.profile.user) == [ReminderKind.REVIEW_DUE_SOON]
    assert _kinds(org, today.profile.user) == [ReminderKind.REVIEW_DUE_TODAY]
    assert _kinds(org, late.profile.user) == [] and _kinds(org, far.profile.user) == []
    # Escalation after 7 days (the default) to the leads only, for the very late review only.
    review = Review.objects.for_org(org).get(plan=very_late, status="scheduled")
    for person in (lead, admin):
        rows = Reminder.objects.for_org(org).filter(recipient=person)
        assert [(r.kind, r.subject_key) for r in rows] == [(ReminderKind.REVIEW_ESCALATED, f"review:{review.pk}")]
        assert very_late.profile.user.full_name in rows[0].title
    assert _kinds(org, senco) == []
    # The other organisation escalates after 14 days: not yet.
    assert not Reminder.objects.for_org(other_org).filter(kind=ReminderKind.REVIEW_ESCALATED).exists()

    before = (Reminder.objects.system("test").count(), Notification.objects.system("test").count())
    reminders.collect(today=TODAY)
    reminders.collect(today=TODAY)
    assert (Reminder.objects.system("test").count(), Notification.objects.system("test").count()) == before
    # The next day the overdue reminders are not repeated (one per review and due date); the
    # review due yesterday is now overdue too.
    reminders.collect(today=TODAY + datetime.timedelta(days=1))
    overdue = Reminder.objects.for_org(org).filter(recipient=kw, kind=ReminderKind.REVIEW_OVERDUE)
    assert overdue.count() == 3 and len({r.subject_key for r in overdue}) == 3


@pytest.mark.django_db
def test_target_reminders_respect_the_audience(org, other_org):
    kw = member(org, Role.KEY_WORKER)
    plan = learner_with_plan(org, kw)
    services.review_schedule_next(org=org, plan=plan, by=kw, due_on=TODAY + datetime.timedelta(days=60))
    target_for(plan, title="Open target", due_on=TODAY + datetime.timedelta(days=2))
    target_for(plan, title="Staff-only target", due_on=TODAY + datetime.timedelta(days=2), audience=Audience.STAFF)
    target_for(plan, title="Later target", due_on=TODAY + datetime.timedelta(days=20))
    reminders.collect(today=TODAY)
    kw_titles = sorted(Reminder.objects.for_org(org).filter(recipient=kw).values_list("title", flat=True))
    learner_titles = list(Reminder.objects.for_org(org).filter(recipient=plan.profile.user).values_list("title", flat=True))
    assert len(kw_titles) == 2 and any("Staff-only" in t for t in kw_titles)
    assert len(learner_titles) == 1 and "Open target" in learner_titles[0]


def _collect_queries(today):
    with CaptureQueriesContext(connection) as ctx:
        reminders.collect(today=today)
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_collect_is_set_based(org, other_org):
    kw = member(org, Role.KEY_WORKER)
    member(org, Role.ORG_ADMIN)

    def add(n):
        for i in range(n):
            plan = _plan_due(org, kw, TODAY - datetime.timedelta(days=10 - i % 12))
            target_for(plan, due_on=TODAY + datetime.timedelta(days=1))

    add(3)
    reminders.collect(today=TODAY - datetime.timedelta(days=30))  # schedules nothing new
    small = _collect_queries(TODAY)
    add(12)
    Reminder.objects.for_org(org).delete()
    large = _collect_queries(TODAY)
    assert large == small, (small, large)
    assert Reminder.objects.for_org(org).count() > 30


@pytest.mark.django_db
def test_daily_job_twice_and_a_run_failing_half_way_send_one_digest_each(org, other_org, monkeypatch,
                                                                         mailoutbox, django_capture_on_commit_callbacks):
    kw1, kw2 = member(org, Role.KEY_WORKER), member(org, Role.KEY_WORKER)
    _plan_due(org, kw1, TODAY)
    _plan_due(org, kw2, TODAY)
    real_enqueue = notification_services.enqueue_on_commit
    monkeypatch.setattr(notification_services, "DIGEST_BATCH", 2)  # two people per transaction
    calls = {"n": 0}

    def failing_second_batch(task, *args):
        calls["n"] += 1
        if calls["n"] == 2:  # the worker dies at the end of the second batch
            raise RuntimeError("worker killed")
        return real_enqueue(task, *args)

    with time_machine.travel(datetime.datetime(2026, 11, 23, 6, 30, tzinfo=datetime.UTC), tick=False):
        monkeypatch.setattr(notification_services, "enqueue_on_commit", failing_second_batch)
        with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
            daily_reminders.apply(throw=True)
        monkeypatch.setattr(notification_services, "enqueue_on_commit", real_enqueue)
        # Nothing half-done: the first batch's digests are queued with their reminders marked;
        # the people of the batch that failed still have all theirs pending, and no email.
        emailed = set(OutboundEmail.objects.values_list("to", flat=True))
        assert len(emailed) == 2
        rows = list(Reminder.objects.for_org(org).select_related("recipient"))
        assert all((r.digested_at is not None) == (r.recipient.email in emailed) for r in rows)
        with django_capture_on_commit_callbacks(execute=True):
            daily_reminders.apply(throw=True)   # the re-run completes
            daily_reminders.apply(throw=True)   # a retried task / second beat: nothing more
    recipients = {r.recipient.email for r in rows}
    assert len(recipients) == 4
    assert OutboundEmail.objects.count() == 4
    assert sorted(m.to[0] for m in mailoutbox) == sorted(recipients)
    assert not Reminder.objects.for_org(org).filter(digested_at__isnull=True).exists()


@contextlib.contextmanager
def _real_worker_at_6_30():
    """A real Celery worker on a throwaway Redis, on 23 November 2026 at 06:30 UTC."""
    server = ThrowawayRedis().start()
    try:
        with time_machine.travel(datetime.datetime(2026, 11, 23, 6, 30, tzinfo=datetime.UTC), tick=True), \
                celery_broker(server.url) as app, \
                start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        server.stop()


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_digest_through_a_real_worker_and_smtp(org, other_org, smtp):
    kw = member(org, Role.KEY_WORKER)
    lead = member(org, Role.CAREERS_LEAD)
    on_time = _plan_due(org, kw, TODAY)
    late = _plan_due(org, kw, TODAY - datetime.timedelta(days=9))
    target_for(on_time, title="Finish the CV", due_on=TODAY + datetime.timedelta(days=1))
    opted_out = late.profile.user
    opted_out.email_opt_out = True
    opted_out.save()
    with _real_worker_at_6_30():
        daily_reminders.apply_async()
        expected = {kw.email, lead.email, on_time.profile.user.email}
        assert wait_until(lambda: {m["To"] for m in smtp} >= expected, timeout=30)
        daily_reminders.apply_async()  # a second beat / retried job
        assert wait_until(lambda: not OutboundEmail.objects.filter(status="pending").exists(), timeout=20)
    to = [m["To"] for m in smtp]
    assert sorted(to) == sorted(expected), to  # one digest each; the opted-out learner gets none
    kw_mail = next(m for m in smtp if m["To"] == kw.email)
    plain = kw_mail.get_body(("plain",)).get_content()
    html = kw_mail.get_body(("html",)).get_content()
    review = Review.objects.for_org(org).get(plan=on_time, status="scheduled")
    assert f"/o/{org.slug}/keyworkers/reviews/{review.pk}/" in plain and "<a href=" in html
    assert "is due today" in plain and "overdue" in plain and "Finish the CV" in plain
    lead_mail = next(m for m in smtp if m["To"] == lead.email).get_body(("plain",)).get_content()
    assert "Escalation" in lead_mail and late.profile.user.full_name in lead_mail


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_nothing_about_a_learner_who_left(org, other_org, smtp):
    """Issue 13: the daily job, run by a real worker, schedules no review and sends no reminder
    for a learner whose enrolment ended; the learner who stays is still reminded."""
    from learners import services as learner_services
    from learners.choices import LeavingReason

    kw = member(org, Role.KEY_WORKER)
    leaver = _plan_due(org, kw, TODAY)
    stayer = _plan_due(org, kw, TODAY)
    target_for(leaver, title="Leaver's target", due_on=TODAY + datetime.timedelta(days=1))
    learner_services.learner_enrolment_end(org=org, profile=leaver.profile, left_on=TODAY - datetime.timedelta(days=2),
                                           reason=LeavingReason.MOVED_AREA, by=kw)
    with _real_worker_at_6_30():
        daily_reminders.apply_async()
        expected = {kw.email, stayer.profile.user.email}
        assert wait_until(lambda: {m["To"] for m in smtp} >= expected, timeout=30)
        assert wait_until(lambda: not OutboundEmail.objects.filter(status="pending").exists(), timeout=20)
    assert leaver.profile.user.email not in [m["To"] for m in smtp]
    assert not Reminder.objects.for_org(org).filter(recipient=leaver.profile.user).exists()
    assert not Review.objects.for_org(org).filter(plan=leaver, status__in=("scheduled", "in_progress")).exists()
    kw_mail = next(m for m in smtp if m["To"] == kw.email).get_body(("plain",)).get_content()
    assert stayer.profile.user.full_name in kw_mail and leaver.profile.user.full_name not in kw_mail
