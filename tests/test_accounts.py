"""Sign-in, MFA enforcement for staff roles, session lifetime and session ending."""

import pytest
import time_machine
from django.urls import reverse

from plp_portal.accounts.models import Session, User
from plp_portal.accounts.services import user_deactivate
from plp_portal.audit.models import AuditEvent
from plp_portal.organisations.choices import Role
from tests.factories import PASSWORD, MembershipFactory, UserFactory, enable_totp, member, totp_code

pytestmark = pytest.mark.django_db


def sign_in_with_password(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def assert_can_set_up_mfa(client):
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    assert b"one-time-code" in response.content


def test_learner_signs_in_with_email_and_password_and_lands_on_their_space(org, client):
    learner = member(org, Role.LEARNER)
    response = sign_in_with_password(client, learner.email)
    assert response.status_code == 302
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("me:home")
    assert AuditEvent.objects.filter(action="account.signed_in", actor=learner).count() == 1


def test_wrong_password_is_refused_and_audited(org, client):
    learner = member(org, Role.LEARNER)
    response = sign_in_with_password(client, learner.email, "not the password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="account.sign_in_failed")
    assert event.data["email"] == learner.email


def test_login_failures_are_rate_limited(org, client):
    learner = member(org, Role.LEARNER)
    for attempt in range(6):
        response = sign_in_with_password(client, learner.email, f"wrong-{attempt}")
    assert b"Too many failed login attempts" in response.content
    # Even the right password is refused while the limit holds.
    response = sign_in_with_password(client, learner.email)
    assert "_auth_user_id" not in client.session


def test_staff_member_with_mfa_must_enter_a_code(org, client):
    tutor = member(org, Role.KEY_WORKER)
    response = sign_in_with_password(client, tutor.email)
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(tutor.pk)


def test_staff_without_mfa_is_sent_to_set_it_up(org, client, settings):
    settings.PLP_REQUIRE_STAFF_MFA = True
    tutor = UserFactory()
    MembershipFactory(organisation=org, user=tutor, role=Role.KEY_WORKER)
    sign_in_with_password(client, tutor.email)
    response = client.get(reverse("organisations:home", kwargs={"org_slug": org.slug}))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    # Setting up MFA stays reachable (allauth asks for the password again first).
    assert_can_set_up_mfa(client)


def test_learner_without_mfa_is_not_forced_to_set_it_up(org, client, settings):
    settings.PLP_REQUIRE_STAFF_MFA = True
    learner = member(org, Role.LEARNER)
    client.force_login(learner, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("me:home")).status_code == 200


def test_staff_mfa_requirement_can_be_turned_off(org, client, settings):
    settings.PLP_REQUIRE_STAFF_MFA = False
    tutor = UserFactory()
    MembershipFactory(organisation=org, user=tutor, role=Role.KEY_WORKER)
    client.force_login(tutor, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("organisations:home", kwargs={"org_slug": org.slug})
    assert client.get(url).status_code == 200


def test_mfa_is_available_to_learners_too(org, client):
    learner = member(org, Role.LEARNER)
    sign_in_with_password(client, learner.email)
    assert_can_set_up_mfa(client)


def test_password_reset_sends_an_email_with_a_link(org, client, mailoutbox,
                                                  django_capture_on_commit_callbacks):
    learner = member(org, Role.LEARNER)
    with django_capture_on_commit_callbacks(execute=True):  # sent from the outbox
        response = client.post(reverse("account_reset_password"), {"email": learner.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/key/" in mailoutbox[0].body


def test_open_sign_up_is_off_by_default(client, db):
    response = client.get(reverse("account_signup"))
    assert "sign up closed" in response.content.decode().lower()
    client.post(reverse("account_signup"), {"email": "new.person@example.test",
                                            "password1": "a-Long-passphrase-42",
                                            "password2": "a-Long-passphrase-42"})
    assert not User.objects.filter(email="new.person@example.test").exists()


def test_signup_when_turned_on_requires_email_verification(client, mailoutbox, db, settings,
                                                           django_capture_on_commit_callbacks):
    settings.PLP_OPEN_SIGNUP = True
    with django_capture_on_commit_callbacks(execute=True):  # sent from the outbox
        response = client.post(
            reverse("account_signup"),
            {"email": "new.person@example.test", "password1": "a-Long-passphrase-42",
             "password2": "a-Long-passphrase-42"},
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "confirm" in mailoutbox[0].body.lower()
    # Not signed in until the address is confirmed.
    assert client.get(reverse("home")).status_code == 302


def _sessions_of(user):
    return Session.objects.filter(user=user).count()


def _sign_in_elsewhere(user, client_class):
    other = client_class()
    other.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return other


def test_deactivating_an_account_ends_all_its_sessions(org, client, django_user_model):
    from django.test import Client

    learner = member(org, Role.LEARNER)
    _sign_in_elsewhere(learner, Client)
    _sign_in_elsewhere(learner, Client)
    assert _sessions_of(learner) == 2
    user_deactivate(user=learner)
    assert _sessions_of(learner) == 0


def test_changing_the_password_ends_the_other_sessions(org):
    from django.test import Client

    learner = member(org, Role.LEARNER)
    elsewhere = _sign_in_elsewhere(learner, Client)
    here = Client()
    sign_in_with_password(here, learner.email)
    response = here.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "Another-long-pass-99",
         "password2": "Another-long-pass-99"},
    )
    assert response.status_code == 302
    assert elsewhere.get(reverse("me:home")).status_code == 302  # signed out there
    assert here.get(reverse("me:home")).status_code == 200  # still signed in here
    assert _sessions_of(learner) == 1


def test_adding_mfa_ends_the_other_sessions_and_is_audited(org):
    from allauth.mfa.signals import authenticator_added
    from django.test import Client, RequestFactory

    learner = member(org, Role.LEARNER)
    _sign_in_elsewhere(learner, Client)
    _sign_in_elsewhere(learner, Client)
    enable_totp(learner)
    request = RequestFactory().get("/")
    request.user = learner
    authenticator_added.send(sender=None, request=request, user=learner, authenticator=None)
    assert _sessions_of(learner) == 0
    assert AuditEvent.objects.filter(action="mfa.added", actor=learner).exists()


def test_idle_session_expires_after_30_minutes(org, client):
    learner = member(org, Role.LEARNER)
    with time_machine.travel("2026-11-02 09:00", tick=False) as clock:
        client.force_login(learner, backend="django.contrib.auth.backends.ModelBackend")
        assert client.get(reverse("me:home")).status_code == 200
        clock.shift(29 * 60)
        assert client.get(reverse("me:home")).status_code == 200
        clock.shift(31 * 60)
        response = client.get(reverse("me:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_session_ends_12_hours_after_sign_in_even_when_active(org, client):
    learner = member(org, Role.LEARNER)
    with time_machine.travel("2026-11-02 08:00", tick=False) as clock:
        client.force_login(learner, backend="django.contrib.auth.backends.ModelBackend")
        client.get(reverse("me:home"))
        for _ in range(24):  # active every 25 minutes for 10 hours
            clock.shift(25 * 60)
            assert client.get(reverse("me:home")).status_code == 200
        for _ in range(6):
            clock.shift(25 * 60)
            response = client.get(reverse("me:home"))
    assert response.status_code == 302


def test_organisation_users_cannot_be_given_model_level_permissions(org):
    from django.contrib.auth.models import Group, Permission
    from django.db import transaction

    tutor = member(org, Role.KEY_WORKER)
    permission = Permission.objects.get(codename="view_membership")
    group = Group.objects.create(name="everyone")
    for grant in (lambda: tutor.user_permissions.add(permission),
                  lambda: group.user_set.add(tutor),
                  lambda: tutor.groups.add(group)):
        with pytest.raises(PermissionError), transaction.atomic():
            grant()
    assert not tutor.user_permissions.exists() and not tutor.groups.exists()
    operator = UserFactory(is_staff=True)
    operator.user_permissions.add(permission)  # platform operators may
