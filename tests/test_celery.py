"""Celery on a real Redis with a real worker; requests never wait on the broker."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse

from plp_portal.notifications.models import OutboundEmail
from plp_portal.notifications.tasks import outbox_flush
from plp_portal.organisations.choices import Role
from tests.factories import member
from tests.realservices import celery_broker, wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.celery_worker]


def invite(client, org, email):
    return client.post(
        reverse("organisations:invite", kwargs={"org_slug": org.slug}),
        {"email": email, "role": Role.KEY_WORKER},
    )


def test_a_real_worker_on_redis_sends_queued_email_over_smtp(org, smtp, redis_server, client):
    admin = member(org, Role.ORG_ADMIN)
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    with celery_broker(redis_server.url) as app, start_worker(
        app, pool="solo", perform_ping_check=False, shutdown_timeout=10
    ):
        assert invite(client, org, "someone@example.test").status_code == 302
        assert wait_until(lambda: len(smtp) == 1)
    message = smtp[0]
    assert message["To"] == "someone@example.test"
    assert "invited to Northgate School" in message["Subject"]
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "/invitations/" in plain and "<a href=" in html
    assert OutboundEmail.objects.get().status == OutboundEmail.Status.SENT


def test_requests_do_not_wait_when_redis_is_down_and_work_goes_out_when_it_is_back(
    org, smtp, redis_server, client
):
    admin = member(org, Role.ORG_ADMIN)
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    with celery_broker(redis_server.url) as app:
        redis_server.stop()
        started = time.monotonic()
        response = invite(client, org, "later@example.test")
        elapsed = time.monotonic() - started
        assert response.status_code == 302
        assert elapsed < 3, f"the request waited {elapsed:.1f}s on the broker"
        assert client.get("/healthz").status_code == 200
        email = OutboundEmail.objects.get()
        assert email.status == OutboundEmail.Status.PENDING and smtp == []

        redis_server.start()
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            outbox_flush.apply_async()  # what beat sends every minute
            assert wait_until(lambda: len(smtp) == 1)
    assert smtp[0]["To"] == "later@example.test"
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT and email.attempts == 1
