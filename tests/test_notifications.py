import datetime

import pytest
import time_machine

from plp_portal.notifications import services
from plp_portal.notifications.models import Notification, OutboundEmail, Reminder
from plp_portal.notifications.tasks import daily_reminders, outbox_flush
from plp_portal.organisations.choices import Role
from tests.factories import member

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 11, 23)


def reminder(org, user, subject="review:1", kind="review_due", due=DAY):
    return Reminder(organisation=org, recipient=user, kind=kind, subject_key=subject,
                    due_on=due, title=f"{kind} {subject}", url="/somewhere/")


def test_the_same_reminder_is_recorded_once_however_often_it_is_added(org):
    tutor = member(org, Role.KEY_WORKER)
    services.reminders_add([reminder(org, tutor), reminder(org, tutor, "review:2")])
    services.reminders_add([reminder(org, tutor), reminder(org, tutor, "review:2")])
    assert Reminder.objects.for_org(org).count() == 2
    assert Notification.objects.for_org(org).filter(user=tutor).count() == 2


def test_one_digest_per_person_per_day_listing_every_reminder(org, other_org, mailoutbox,
                                                             django_capture_on_commit_callbacks):
    tutor = member(org, Role.KEY_WORKER)
    services.reminders_add([reminder(org, tutor, f"review:{i}") for i in range(3)])
    services.reminders_add([reminder(other_org, tutor, "review:9", due=DAY + datetime.timedelta(days=1))])
    assert services.digest_recipients_due() == [tutor.pk]  # once, whatever the reminders' dates
    with django_capture_on_commit_callbacks(execute=True):
        assert services.digest_send(recipient_id=tutor.pk, day=DAY) is True
        assert services.digest_send(recipient_id=tutor.pk, day=DAY) is False
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert body.count("review_due review:") == 4
    assert org.name in body and other_org.name in body
    assert mailoutbox[0].alternatives  # an HTML part too


def test_reminders_after_the_days_digest_wait_for_the_next_day(org, mailoutbox,
                                                              django_capture_on_commit_callbacks):
    tutor = member(org, Role.KEY_WORKER)
    services.reminders_add([reminder(org, tutor, "review:1")])
    with django_capture_on_commit_callbacks(execute=True):
        services.digest_send(recipient_id=tutor.pk, day=DAY)
        services.reminders_add([reminder(org, tutor, "review:2")])
        assert services.digest_send(recipient_id=tutor.pk, day=DAY) is False
        assert services.digest_send(recipient_id=tutor.pk,
                                    day=DAY + datetime.timedelta(days=1)) is True
    assert len(mailoutbox) == 2 and "review:2" in mailoutbox[1].body


def test_opted_out_people_get_no_digest_but_keep_in_app_notifications(org, mailoutbox):
    tutor = member(org, Role.KEY_WORKER, email_opt_out=True)
    services.reminders_add([reminder(org, tutor)])
    services.digest_send(recipient_id=tutor.pk, day=DAY)
    assert mailoutbox == [] and not OutboundEmail.objects.exists()
    assert Notification.objects.for_org(org).filter(user=tutor).count() == 1
    assert Reminder.objects.for_org(org).get().digested_at is not None


def test_daily_job_run_twice_sends_nothing_twice(org, mailoutbox,
                                                django_capture_on_commit_callbacks):
    tutor = member(org, Role.KEY_WORKER)
    services.reminders_add([reminder(org, tutor)])
    with time_machine.travel(datetime.datetime(2026, 11, 23, 7, 0)):
        with django_capture_on_commit_callbacks(execute=True):
            daily_reminders()
            daily_reminders()
    assert len(mailoutbox) == 1


def test_a_failed_send_is_recorded_and_retried_with_backoff(org, settings, mailoutbox,
                                                           django_capture_on_commit_callbacks):
    from tests.realservices import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PORT = free_port()  # nothing listens: the send fails
    with django_capture_on_commit_callbacks(execute=True):
        email = services.email_queue(to="a@example.test", subject="Hi",
                                     template="notifications/email/digest",
                                     context={"user": None, "reminders": [], "day": DAY})
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.PENDING
    assert email.attempts == 1 and "Error" in email.last_error
    first_retry = email.next_attempt_at
    # Not due yet: the flush leaves it alone.
    assert outbox_flush() == 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(first_retry + datetime.timedelta(seconds=1)):
        assert outbox_flush() == 1
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT and email.attempts == 2
    assert len(mailoutbox) == 1


def test_sending_twice_sends_once(org, mailoutbox):
    email = services.email_queue(to="a@example.test", subject="Hi",
                                 template="notifications/email/digest",
                                 context={"user": None, "reminders": [], "day": DAY})
    assert services.email_send_now(email_id=email.pk) is True
    assert services.email_send_now(email_id=email.pk) is False
    assert len(mailoutbox) == 1


def test_the_days_digests_are_queued_in_the_same_few_queries_for_3_or_30_people(org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queue_for(n):
        people = [member(org, Role.KEY_WORKER) for _ in range(n)]
        services.reminders_add([reminder(org, p, f"review:{i}") for p in people for i in range(2)])
        with CaptureQueriesContext(connection) as ctx:
            assert services.digests_queue(day=DAY) == n
        return len(ctx.captured_queries)

    assert queue_for(3) == queue_for(30)
    emails = OutboundEmail.objects.filter(kind=OutboundEmail.Kind.DIGEST)
    assert emails.count() == 33 and not emails.exclude(body_text="").exists()  # rendered when sent
    assert not Reminder.objects.for_org(org).filter(digest__isnull=True).exists()
    email = emails.first()
    assert services.email_send_now(email_id=email.pk) is True
    email.refresh_from_db()
    assert email.body_text.count("review_due review:") == 2 and "<li>" in email.body_html
