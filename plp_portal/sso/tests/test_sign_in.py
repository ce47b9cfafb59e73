"""Signing in with an organisation's Microsoft or Google account, end to end against a real
OpenID Connect provider on loopback (tests/oidc.py): allauth sends the browser to the provider,
the person signs in there, the provider sends them back with a code, allauth exchanges it for a
signed ID token, and our adapter decides."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.urls import reverse

from plp_portal.audit.models import AuditEvent
from plp_portal.organisations.choices import Role
from plp_portal.sso.crypto import secret_encrypt
from plp_portal.sso.models import IdentityProvider, provider_id_for
from tests.factories import MembershipFactory, UserFactory, enable_totp, member
from tests.oidc import path_of

pytestmark = pytest.mark.django_db

DOMAIN = "northgate.sch.uk"


def configure(org, oidc_provider, *, kind="microsoft", domains=(DOMAIN,), enabled=True):
    provider_id = provider_id_for(organisation_id=org.pk, kind=kind)
    client_id, secret = oidc_provider.register_client(
        f"http://testserver{reverse('openid_connect_callback', kwargs={'provider_id': provider_id})}"
    )
    return IdentityProvider.objects.create(
        organisation=org, kind=kind, enabled=enabled, tenant="northgate.onmicrosoft.com",
        client_id=client_id, client_secret=secret_encrypt(secret), allowed_domains="\n".join(domains),
    )


def sign_in_with(client, oidc_provider, idp, *, email, verified=True, mfa=False, hd=None):
    """The browser's round trip: our button → allauth → provider's sign-in form → callback."""
    response = client.post(
        reverse("openid_connect_login", kwargs={"provider_id": idp.provider_id}),
        {"process": "login"},
    )
    assert response.status_code == 302, response
    callback = oidc_provider.sign_in(response["Location"], email=email, verified=verified, mfa=mfa, hd=hd)
    assert callback.startswith("http://testserver/accounts/oidc/"), callback
    return client.get(path_of(callback))


def signed_in_user(client):
    return client.session.get("_auth_user_id")


def test_learner_signs_in_with_microsoft_and_is_linked_to_the_imported_account(
        client, org, oidc_provider, idp_settings):
    learner = member(org, Role.LEARNER, email=f"pupil@{DOMAIN}")
    idp = configure(org, oidc_provider)
    users_before = get_user_model().objects.count()

    response = sign_in_with(client, oidc_provider, idp, email=f"Pupil@{DOMAIN}")

    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert signed_in_user(client) == str(learner.pk)
    assert client.get(reverse("organisations:home", kwargs={"org_slug": org.slug})).status_code == 200
    account = SocialAccount.objects.get()
    assert (account.user, account.provider) == (learner, idp.provider_id)
    assert get_user_model().objects.count() == users_before
    assert AuditEvent.objects.filter(action="sso.linked", actor=learner).count() == 1

    # Next time the link is used as it is: no second account, no second link.
    client.post(reverse("account_logout"))
    assert signed_in_user(client) is None
    sign_in_with(client, oidc_provider, idp, email=f"pupil@{DOMAIN}")
    assert signed_in_user(client) == str(learner.pk)
    assert SocialAccount.objects.count() == 1
    assert get_user_model().objects.count() == users_before


def test_google_workspace_sign_in_works_the_same_way(client, org, oidc_provider, idp_settings):
    learner = member(org, Role.LEARNER, email=f"pupil@{DOMAIN}")
    idp = configure(org, oidc_provider, kind="google")
    sign_in_with(client, oidc_provider, idp, email=f"pupil@{DOMAIN}", hd=DOMAIN)
    assert signed_in_user(client) == str(learner.pk)


@pytest.mark.parametrize("hd", [None, "elsewhere.sch.uk"], ids=["personal account (no hd)", "another Workspace"])
def test_google_sign_in_needs_the_schools_workspace_domain_in_the_id_token(client, org, oidc_provider,
                                                                            idp_settings, hd):
    """A personal Google account can hold a verified address at the school's domain; only the
    ``hd`` claim Google signs for Workspace accounts says the school's Workspace vouches."""
    member(org, Role.LEARNER, email=f"pupil@{DOMAIN}")
    idp = configure(org, oidc_provider, kind="google")
    response = sign_in_with(client, oidc_provider, idp, email=f"pupil@{DOMAIN}", hd=hd)
    _refused(response, "Google Workspace accounts. Sign in with your school Google account")
    assert signed_in_user(client) is None
    assert not SocialAccount.objects.exists()
    assert AuditEvent.objects.filter(action="sso.refused", data__reason="not_workspace").exists()


def test_microsoft_sign_in_does_not_look_for_a_google_domain(client, org, oidc_provider, idp_settings):
    learner = member(org, Role.LEARNER, email=f"pupil@{DOMAIN}")
    idp = configure(org, oidc_provider, kind="microsoft")
    sign_in_with(client, oidc_provider, idp, email=f"pupil@{DOMAIN}", hd=None)
    assert signed_in_user(client) == str(learner.pk)


def test_the_client_secret_sent_to_the_provider_is_the_decrypted_one(client, org, oidc_provider, idp_settings):
    """The token exchange authenticates with the secret: a sign-in working end to end is the
    proof it was decrypted; the row holds only its encryption."""
    learner = member(org, Role.LEARNER, email=f"pupil@{DOMAIN}")
    idp = configure(org, oidc_provider)
    assert idp.client_secret.startswith("fernet:") and idp.secret() not in idp.client_secret
    sign_in_with(client, oidc_provider, idp, email=f"pupil@{DOMAIN}")
    assert signed_in_user(client) == str(learner.pk)


def _refused(response, text):
    assert response.status_code == 403
    assert text in response.content.decode()


def test_an_address_outside_the_allowed_domains_is_refused(client, org, oidc_provider, idp_settings):
    member(org, Role.LEARNER, email="pupil@elsewhere.org.uk")
    idp = configure(org, oidc_provider)
    response = sign_in_with(client, oidc_provider, idp, email="pupil@elsewhere.org.uk")
    _refused(response, "does not let elsewhere.org.uk accounts sign in with Microsoft Entra ID")
    assert signed_in_user(client) is None
    assert not SocialAccount.objects.exists()
    assert AuditEvent.objects.filter(action="sso.refused", data__reason="domain_refused").exists()


def test_an_unknown_email_is_refused_and_no_account_is_created(client, org, oidc_provider, idp_settings):
    idp = configure(org, oidc_provider)
    users_before = get_user_model().objects.count()
    response = sign_in_with(client, oidc_provider, idp, email=f"newcomer@{DOMAIN}")
    _refused(response, f"There is no PLP Portal account for newcomer@{DOMAIN} at {org.name}")
    assert signed_in_user(client) is None
    assert get_user_model().objects.count() == users_before
    assert not SocialAccount.objects.exists()


def test_an_account_of_another_organisation_is_not_linked(client, org, other_org, oidc_provider,
                                                          idp_settings):
    member(other_org, Role.LEARNER, email=f"visitor@{DOMAIN}")
    idp = configure(org, oidc_provider)
    response = sign_in_with(client, oidc_provider, idp, email=f"visitor@{DOMAIN}")
    _refused(response, "There is no PLP Portal account")
    assert not SocialAccount.objects.exists()


def test_an_address_the_provider_does_not_vouch_for_is_refused(client, org, oidc_provider,
                                                              idp_settings):
    member(org, Role.LEARNER, email=f"pupil@{DOMAIN}")
    idp = configure(org, oidc_provider)
    response = sign_in_with(client, oidc_provider, idp, email=f"pupil@{DOMAIN}", verified=False)
    _refused(response, "did not confirm your email address")
    assert signed_in_user(client) is None


def test_a_provider_the_organisation_turned_off_cannot_be_used(client, org, oidc_provider, idp_settings):
    idp = configure(org, oidc_provider, enabled=False)
    response = client.post(reverse("openid_connect_login", kwargs={"provider_id": idp.provider_id}))
    assert response.status_code == 404


def _staff_without_authenticator(org):
    user = UserFactory(email=f"tutor@{DOMAIN}")
    MembershipFactory(organisation=org, user=user, role=Role.KEY_WORKER)
    return user


def test_staff_signed_in_without_mfa_at_the_provider_must_set_up_mfa(client, org, oidc_provider,
                                                                     idp_settings):
    tutor = _staff_without_authenticator(org)
    idp = configure(org, oidc_provider)
    sign_in_with(client, oidc_provider, idp, email=tutor.email, mfa=False)
    assert signed_in_user(client) == str(tutor.pk)
    response = client.get(reverse("organisations:home", kwargs={"org_slug": org.slug}))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")


def test_staff_whose_provider_asserts_mfa_meet_the_staff_mfa_rule(client, org, oidc_provider,
                                                                  idp_settings):
    tutor = _staff_without_authenticator(org)
    idp = configure(org, oidc_provider)
    sign_in_with(client, oidc_provider, idp, email=tutor.email, mfa=True)
    response = client.get(reverse("organisations:home", kwargs={"org_slug": org.slug}))
    assert response.status_code == 200


def test_staff_with_an_authenticator_here_are_asked_for_its_code(client, org, oidc_provider,
                                                                 idp_settings):
    tutor = _staff_without_authenticator(org)
    enable_totp(tutor)
    idp = configure(org, oidc_provider)
    response = sign_in_with(client, oidc_provider, idp, email=tutor.email, mfa=False)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    assert signed_in_user(client) is None


def test_platform_operators_are_not_excused_by_the_providers_mfa(client, org, oidc_provider,
                                                                idp_settings):
    operator = _staff_without_authenticator(org)
    operator.is_staff = True
    operator.save()
    idp = configure(org, oidc_provider)
    sign_in_with(client, oidc_provider, idp, email=operator.email, mfa=True)
    response = client.get(reverse("organisations:home", kwargs={"org_slug": org.slug}))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")


def test_a_linked_identity_stops_working_when_the_membership_ends(client, org, oidc_provider,
                                                                 idp_settings):
    from plp_portal.organisations.models import Membership

    learner = member(org, Role.LEARNER, email=f"leaver@{DOMAIN}")
    idp = configure(org, oidc_provider)
    sign_in_with(client, oidc_provider, idp, email=learner.email)
    assert SocialAccount.objects.filter(user=learner).exists()
    client.post(reverse("account_logout"))
    Membership.objects.for_org(org).filter(user=learner).update(is_active=False)

    response = sign_in_with(client, oidc_provider, idp, email=learner.email)
    _refused(response, "There is no PLP Portal account")
    assert signed_in_user(client) is None
