"""Sign-in limits a whole school can live with (issue 20, item 1): a school signs in from one
address, so wrong passwords lock the account (per account, and per account + address), while the
per-address ceilings are sized for several classes at once. The client address comes from the
trusted proxy's header only when one is configured."""

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from plp_portal.audit.models import AuditEvent
from plp_portal.organisations.choices import Role
from tests.factories import PASSWORD, member

pytestmark = pytest.mark.django_db

SCHOOL = "203.0.113.10"  # the school's one NAT address
TOO_MANY = b"Too many failed login attempts"


def sign_in(email, password=PASSWORD, address=SCHOOL, **headers):
    client = Client(REMOTE_ADDR=address, **headers)
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    return client, response


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_a_class_of_35_signs_in_from_one_address_within_a_minute(org):
    learners = [member(org, Role.LEARNER) for _ in range(35)]
    with time_machine.travel("2026-11-02 09:00", tick=False) as clock:
        refused = []
        for learner in learners:
            client, response = sign_in(learner.email)
            if response.status_code != 302 or not signed_in(client):
                refused.append((learner.email, response.status_code))
            clock.shift(1)  # 35 seconds in all
    assert refused == []


def test_classmates_mistyping_do_not_lock_out_the_next_person(org):
    learners = [member(org, Role.LEARNER) for _ in range(31)]
    with time_machine.travel("2026-11-02 09:00", tick=False):
        for learner in learners[:30]:  # a whole class each mistype their password once
            client, response = sign_in(learner.email, "wrong password")
            assert response.status_code == 200 and TOO_MANY not in response.content
            assert not signed_in(client)
        client, response = sign_in(learners[30].email)
        assert signed_in(client)
        for learner in learners[:30]:  # and then get it right
            client, _ = sign_in(learner.email)
            assert signed_in(client)


def test_one_accounts_wrong_passwords_lock_that_account_not_the_school(org):
    target, classmate = member(org, Role.LEARNER), member(org, Role.LEARNER)
    with time_machine.travel("2026-11-02 09:00", tick=False):
        for attempt in range(5):
            _, response = sign_in(target.email, f"guess-{attempt}")
            assert TOO_MANY not in response.content
        _, response = sign_in(target.email, "guess-6")
        assert TOO_MANY in response.content
        client, response = sign_in(target.email)  # even the right password, while it holds
        assert not signed_in(client) and TOO_MANY in response.content
        client, _ = sign_in(classmate.email)
        assert signed_in(client)


def test_guessing_one_account_from_many_addresses_locks_it_too(org):
    target = member(org, Role.LEARNER)
    with time_machine.travel("2026-11-02 09:00", tick=False) as clock:
        for attempt in range(10):
            _, response = sign_in(target.email, f"guess-{attempt}", address=f"198.51.100.{attempt}")
            assert TOO_MANY not in response.content
        client, response = sign_in(target.email, address="198.51.100.200")
        assert not signed_in(client) and TOO_MANY in response.content
        clock.shift(16 * 60)
        client, _ = sign_in(target.email, address="198.51.100.200")
        assert signed_in(client)


def test_one_address_has_a_ceiling_on_wrong_passwords(org, settings):
    person = member(org, Role.LEARNER)
    with time_machine.travel("2026-11-02 09:00", tick=False):
        for n in range(settings.PLP_SIGNIN_FAILURES_PER_ADDRESS):
            _, response = sign_in(f"nobody{n}@example.test", "wrong")
            assert TOO_MANY not in response.content, n
        _, response = sign_in("one.more@example.test", "wrong")
        assert TOO_MANY in response.content
        client, _ = sign_in(person.email, address="198.51.100.1")  # elsewhere: unaffected
        assert signed_in(client)


def test_without_a_trusted_proxy_a_forged_address_header_is_ignored(org):
    target = member(org, Role.LEARNER)
    with time_machine.travel("2026-11-02 09:00", tick=False):
        for attempt in range(5):
            sign_in(target.email, f"guess-{attempt}", headers={"X-Forwarded-For": f"10.0.0.{attempt}",
                                                              "X-Real-IP": f"10.0.1.{attempt}"})
        _, response = sign_in(target.email, "guess", headers={"X-Real-IP": "10.9.9.9"})
    assert TOO_MANY in response.content
    assert set(AuditEvent.objects.filter(action="account.sign_in_failed")
               .values_list("ip_address", flat=True)) == {SCHOOL}


def test_behind_a_trusted_proxy_each_client_address_is_its_own(org, settings):
    settings.PLP_TRUSTED_CLIENT_IP_HEADER = "X-Real-IP"
    target = member(org, Role.LEARNER)
    proxy = "10.0.0.2"
    with time_machine.travel("2026-11-02 09:00", tick=False):
        for attempt in range(5):
            sign_in(target.email, f"guess-{attempt}", address=proxy,
                    headers={"X-Real-IP": "198.51.100.66"})
        _, response = sign_in(target.email, "guess", address=proxy,
                              headers={"X-Real-IP": "198.51.100.66"})
        assert TOO_MANY in response.content  # that address is locked out of that account
        client, _ = sign_in(target.email, address=proxy, headers={"X-Real-IP": "203.0.113.99"})
        assert signed_in(client)  # the account's owner, elsewhere, is not
    addresses = set(AuditEvent.objects.values_list("ip_address", flat=True))
    assert addresses == {"198.51.100.66", "203.0.113.99"}


def test_behind_proxies_appending_to_x_forwarded_for_the_client_is_that_many_hops_back(org, settings):
    settings.PLP_TRUSTED_PROXY_COUNT = 1
    person = member(org, Role.LEARNER)
    # The client forged the first entry; our proxy appended the address it saw.
    client, _ = sign_in(person.email, "wrong", address="10.0.0.2",
                        headers={"X-Forwarded-For": "1.2.3.4, 198.51.100.77"})
    client, _ = sign_in(person.email, address="10.0.0.2",
                        headers={"X-Forwarded-For": "not-an-address"})  # ignored: the connection
    assert signed_in(client)
    assert list(AuditEvent.objects.filter(action__startswith="account.").order_by("id")
                .values_list("action", "ip_address")) == [
        ("account.sign_in_failed", "198.51.100.77"), ("account.signed_in", "10.0.0.2")]
