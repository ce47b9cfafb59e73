"""The organisation admin's sign-in settings and the public "Sign in with Microsoft or Google"
page, posted as a browser would."""

import pytest
from django.urls import reverse

from plp_portal.audit.models import AuditEvent
from plp_portal.organisations.choices import Role
from plp_portal.sso.models import IdentityProvider
from tests.factories import member

pytestmark = pytest.mark.django_db

GUID = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def _edit_url(org, kind="microsoft"):
    return reverse(f"sso:provider_edit_{kind}", kwargs={"org_slug": org.slug})


def _form(**overrides):
    data = {"enabled": "on", "tenant": GUID, "client_id": "11111111-2222-3333-4444-555555555555",
            "client_secret": "s3cret~value", "allowed_domains": "northgate.sch.uk\nNorthgate.ac.uk"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_admin_sets_up_microsoft_and_the_secret_is_never_shown_back(client, sign_in, org, other_org):
    admin = member(org, Role.ORG_ADMIN)
    sign_in(admin)
    listing = client.get(reverse("sso:providers", kwargs={"org_slug": org.slug}))
    assert listing.status_code == 200
    assert "Not set up" in listing.content.decode()

    response = client.post(_edit_url(org), _form())
    assert response.status_code == 302
    idp = IdentityProvider.objects.for_org(org).get()
    assert (idp.kind, idp.enabled, idp.tenant, idp.secret()) == ("microsoft", True, GUID, "s3cret~value")
    # Stored encrypted: the column holds a Fernet token, never the secret.
    assert idp.client_secret.startswith("fernet:") and "s3cret" not in idp.client_secret
    assert idp.domains == ["northgate.sch.uk", "northgate.ac.uk"]
    assert not IdentityProvider.objects.for_org(other_org).exists()
    event = AuditEvent.objects.get(action="sso.provider_saved")
    assert "s3cret" not in str(event.data)

    page = client.get(_edit_url(org)).content.decode()
    assert "s3cret" not in page
    assert f"http://testserver/accounts/oidc/o{org.pk}-microsoft/login/callback/" in page
    # Blank keeps the stored secret; a new one replaces it.
    client.post(_edit_url(org), _form(client_secret="", enabled=None))
    idp.refresh_from_db()
    assert (idp.enabled, idp.secret()) == (False, "s3cret~value")
    client.post(_edit_url(org), _form(client_secret="n3w"))
    idp.refresh_from_db()
    assert idp.secret() == "n3w"


@pytest.mark.parametrize("field, value, message", [
    ("tenant", "common", "not “common”"),
    ("tenant", "https://evil.example/", "Enter the directory (tenant) ID as shown"),
    ("allowed_domains", "gmail.com", "gmail.com is a public email service"),
    ("allowed_domains", "not a domain!", "is not an email domain"),
    ("allowed_domains", "", "Enter email domains allowed to sign in"),
    ("client_id", "abc def", "Enter the client ID as the identity provider shows it"),
    ("client_secret", "", "Enter client secret"),
    ("client_id", "x" * 10_001, "Client ID must be 255 characters or fewer"),
])
def test_the_settings_form_refuses_bad_values_naming_the_field(client, sign_in, org, field, value, message):
    sign_in(member(org, Role.ORG_ADMIN))
    response = client.post(_edit_url(org), _form(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not IdentityProvider.objects.for_org(org).exists()


def test_google_has_no_tenant_field(client, sign_in, org):
    sign_in(member(org, Role.ORG_ADMIN))
    page = client.get(_edit_url(org, "google")).content.decode()
    assert 'name="tenant"' not in page
    client.post(_edit_url(org, "google"), _form(tenant=None))
    assert IdentityProvider.objects.for_org(org).get().kind == "google"


def test_the_sign_in_page_offers_school_accounts(client):
    page = client.get(reverse("account_login")).content.decode()
    assert "Use your school Microsoft or Google account" in page
    assert reverse("sso_start") in page


def test_the_start_page_offers_the_providers_of_the_email_domain(client, org, other_org, settings):
    IdentityProvider.objects.create(organisation=org, kind="microsoft", enabled=True, tenant=GUID,
                                    client_id="a", client_secret="b", allowed_domains="northgate.sch.uk")
    IdentityProvider.objects.create(organisation=other_org, kind="google", enabled=False,
                                    client_id="a", client_secret="b", allowed_domains="northgate.sch.uk")
    response = client.post(reverse("sso_start"), {"email": "someone@Northgate.sch.uk"})
    page = response.content.decode()
    assert "Continue with Microsoft Entra ID" in page
    assert "Continue with Google" not in page  # turned off
    assert f"/accounts/oidc/o{org.pk}-microsoft/login/" in page
    assert "https://login.microsoftonline.com" in response["Content-Security-Policy"]

    response = client.post(reverse("sso_start"), {"email": "someone@northgate.sch.uk.evil.org"})
    assert "No organisation has set up signing in with Microsoft or Google for " \
           "northgate.sch.uk.evil.org addresses" in response.content.decode()
    assert "login.microsoftonline.com" not in response["Content-Security-Policy"]


def test_the_settings_page_and_the_start_page_have_fixed_query_counts(
        client, sign_in, org, other_org, django_assert_max_num_queries):
    for organisation in (org, other_org):
        for kind in ("microsoft", "google"):
            IdentityProvider.objects.create(organisation=organisation, kind=kind, enabled=True,
                                            tenant=GUID, client_id="a", client_secret="b",
                                            allowed_domains="northgate.sch.uk")
    sign_in(member(org, Role.ORG_ADMIN))
    with django_assert_max_num_queries(12):
        assert client.get(reverse("sso:providers", kwargs={"org_slug": org.slug})).status_code == 200
    client.logout()
    # 4, and the sign-in rate limit's 11 on the database cache (allauth's lock, count, store).
    with django_assert_max_num_queries(15):
        page = client.post(reverse("sso_start"), {"email": "a@northgate.sch.uk"}).content.decode()
    assert page.count("Continue with") == 4


@pytest.mark.parametrize("claims, verified", [
    ({"email": "a@x.org", "email_verified": True}, "a@x.org"),
    ({"email": "A@X.org", "email_verified": "true"}, "a@x.org"),
    ({"email": "a@x.org", "xms_edov": True}, "a@x.org"),  # Entra ID's optional claim
    ({"email": "a@x.org", "email_verified": False}, None),
    ({"email": "a@x.org"}, None),  # Entra ID without xms_edov: its email claim is not verified
    ({"email_verified": True}, None),
])
def test_which_email_addresses_count_as_vouched_for(claims, verified):
    from types import SimpleNamespace

    from plp_portal.sso.adapter import verified_email

    login = SimpleNamespace(account=SimpleNamespace(extra_data={"id_token": claims}))
    assert verified_email(login) == verified


def test_secrets_saved_before_encryption_are_encrypted_by_the_data_migration(org, settings):
    import importlib

    from django.apps import apps

    from plp_portal.sso.crypto import SecretUnreadable, secret_decrypt

    migration = importlib.import_module("plp_portal.sso.migrations.0002_client_secret_encrypted")
    idp = IdentityProvider.objects.create(organisation=org, kind="microsoft", tenant=GUID, client_id="a",
                                          client_secret="plain-old-secret", allowed_domains="northgate.sch.uk")
    with pytest.raises(SecretUnreadable):  # a secret not encrypted is never used
        idp.secret()
    migration.secrets_encrypt(apps, None)
    idp.refresh_from_db()
    assert idp.client_secret.startswith("fernet:") and idp.secret() == "plain-old-secret"
    stored = idp.client_secret
    migration.secrets_encrypt(apps, None)  # run twice: encrypted once
    idp.refresh_from_db()
    assert idp.client_secret == stored
    # A new SECRET_KEY with the old one among the fallbacks still reads it; without it, not.
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-brand-new-secret-key-for-this-test-0123456789"
    assert secret_decrypt(stored) == "plain-old-secret"
    old_keys, settings.SECRET_KEY_FALLBACKS = settings.SECRET_KEY_FALLBACKS, []
    with pytest.raises(SecretUnreadable):
        secret_decrypt(stored)
    settings.SECRET_KEY_FALLBACKS = old_keys
    migration.secrets_decrypt(apps, None)  # migrating backwards
    idp.refresh_from_db()
    assert idp.client_secret == "plain-old-secret"


def test_the_start_page_is_rate_limited_per_address_like_signing_in(client, settings):
    from django.test import Client

    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "sso_start": "3/m/ip"}
    school = Client(REMOTE_ADDR="203.0.113.10")
    for _ in range(3):
        assert school.post(reverse("sso_start"), {"email": "pupil@nowhere.sch.uk"}).status_code == 200
    response = school.post(reverse("sso_start"), {"email": "pupil@nowhere.sch.uk"})
    assert response.status_code == 429
    assert "Too many tries from your network" in response.content.decode()
    # Another address is not held back; reading the page is not counted.
    assert Client(REMOTE_ADDR="198.51.100.7").post(reverse("sso_start"), {"email": "a@b.sch.uk"}).status_code == 200
    assert school.get(reverse("sso_start")).status_code == 200
