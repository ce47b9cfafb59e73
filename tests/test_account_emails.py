"""Account emails go through the outbox (issue 20, item 3): allauth's password reset,
address verification and MFA notices are queued in the request and sent by a worker, so the
request never waits on SMTP and nothing is lost while the mail server is down. Real Redis,
real Celery worker, real SMTP server (aiosmtpd)."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse
from django.utils import timezone

from plp_portal.notifications.models import OutboundEmail
from plp_portal.notifications.tasks import outbox_flush
from plp_portal.organisations.choices import Role
from tests.factories import member
from tests.realservices import celery_broker, smtp_server, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]


def test_password_reset_answers_at_once_with_smtp_down_and_the_email_goes_when_it_is_back(
    org, smtp_port, redis_server, client
):
    learner = member(org, Role.LEARNER)
    with celery_broker(redis_server.url) as app, start_worker(
        app, pool="solo", perform_ping_check=False, shutdown_timeout=10
    ):
        started = time.monotonic()
        response = client.post(reverse("account_reset_password"), {"email": learner.email})
        elapsed = time.monotonic() - started
        assert response.status_code == 302
        assert elapsed < 3, f"the request waited {elapsed:.1f}s"
        email = OutboundEmail.objects.get()
        assert email.to == learner.email and "/accounts/password/reset/key/" in email.body_text
        # The worker tried, the server refused: the email waits in the outbox.
        assert wait_until(lambda: OutboundEmail.objects.get().attempts == 1)
        email.refresh_from_db()
        assert email.status == OutboundEmail.Status.PENDING and email.last_error

        with smtp_server(smtp_port) as (_port, received):
            # The backoff has passed; beat's minutely flush sends it.
            OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
            outbox_flush.apply_async()
            assert wait_until(lambda: len(received) == 1)
    message = received[0]
    assert message["To"] == learner.email
    assert "/accounts/password/reset/key/" in message.get_body(("plain",)).get_content()
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT and email.attempts == 2


def test_an_mfa_notice_is_sent_through_the_outbox(org, smtp_port, redis_server, client):
    from allauth.account.adapter import get_adapter
    from allauth.core import context
    from django.test import RequestFactory

    tutor = member(org, Role.KEY_WORKER)
    request = RequestFactory().get("/accounts/2fa/")
    request.user = tutor
    with smtp_server(smtp_port) as (_port, received), celery_broker(redis_server.url) as app, \
            start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        with context.request_context(request):
            get_adapter().send_notification_mail("mfa/email/totp_deactivated", tutor)
        assert wait_until(lambda: len(received) == 1)
    assert received[0]["To"] == tutor.email
    assert OutboundEmail.objects.get().status == OutboundEmail.Status.SENT
