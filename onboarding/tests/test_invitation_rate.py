"""Bulk invitations leave the outbox at PLP_INVITATIONS_PER_MINUTE at most, however many batches
the admin sends; other mail is not held back."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from onboarding import samples, services
from onboarding.choices import ImportKind
from plp_portal.notifications.models import OutboundEmail
from plp_portal.notifications.services import email_queue, outbox_flush
from plp_portal.organisations.choices import Role
from tests.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(org):
    admin = member(org, Role.ORG_ADMIN)
    groups = [f"{y}{f}" for y in range(7, 12) for f in "ABCDE"]  # 25 tutors
    run = services.import_run_preview(org=org, run=services.import_run_create(
        org=org, kind=ImportKind.STAFF, preset="sims", file_name="s.csv", by=admin,
        data=samples.to_csv(samples.STAFF_HEADER, samples.staff_rows(groups))))
    services.import_run_apply(org=org, run=services.import_run_confirm(org=org, run=run, by=admin, end_missing=False))
    return admin


def test_invitations_leave_the_outbox_at_the_rate_set(org, staff, settings, mailoutbox, client, sign_in,
                                                      django_capture_on_commit_callbacks):
    settings.PLP_INVITATIONS_PER_MINUTE = 10
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(seconds=1)
    with time_machine.travel(start, tick=False):
        sign_in(staff)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("onboarding:invitations", kwargs={"org_slug": org.slug}),
                                   {"action": "send"})
        assert response.status_code == 302
        page = client.get(response["Location"]).content.decode()
        assert "25 invitations will be emailed, at most 10 a minute" in page
        assert "the last is due to be sent at" in page
        emails = list(OutboundEmail.objects.filter(rate_key=f"invitations:{org.pk}").order_by("next_attempt_at"))
        assert len(emails) == 25
        slots = [e.next_attempt_at for e in emails]
        assert slots[0] == start and all(b - a >= datetime.timedelta(seconds=6) for a, b in zip(slots, slots[1:]))
        # Only the first was due: the worker (eager here) sent it; the others wait for their slot.
        assert len(mailoutbox) == 1
        assert outbox_flush() == 0
        # Another kind of email is not held back by the invitations.
        email_queue(to="someone@example.test", subject="Reset your password", body_text="…", org=org)
    for seconds, sent in ((30, 1 + 5), (59, 10), (119, 20), (600, 25)):
        with time_machine.travel(start + datetime.timedelta(seconds=seconds), tick=False):
            outbox_flush()
            invitations = [m for m in mailoutbox if "invited" in m.subject]
            assert len(invitations) == sent, seconds


def test_a_second_batch_queues_behind_the_first(org, staff, settings):
    settings.PLP_INVITATIONS_PER_MINUTE = 60
    services.INVITE_BATCH, saved = 10, services.INVITE_BATCH
    try:
        start = timezone.now().replace(microsecond=0)
        with time_machine.travel(start, tick=False):
            services.invitations_send_batch(org=org, by=staff)
            services.invitations_send_batch(org=org, by=staff)
    finally:
        services.INVITE_BATCH = saved
    slots = list(OutboundEmail.objects.filter(rate_key=f"invitations:{org.pk}").order_by("next_attempt_at")
                 .values_list("next_attempt_at", flat=True))
    assert len(slots) == 20 and slots[-1] == start + datetime.timedelta(seconds=19)
