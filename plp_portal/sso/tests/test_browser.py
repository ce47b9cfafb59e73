"""Browser journey (headless Chromium, live server, the loopback OpenID Connect provider): the
organisation admin sets up sign-in with Microsoft (axe on both new admin pages), then a pupil
uses the button on the sign-in page and comes back signed in. The pupil's browser keeps the
pages' Content Security Policy (no bypass), so the form that leaves for the identity provider
must be allowed by it."""

import re

import pytest

from plp_portal.organisations.choices import Role
from plp_portal.sso.crypto import secret_encrypt
from plp_portal.sso.models import IdentityProvider
from tests.browser import assert_accessible, sign_in, submit_and_see_errors, wait_for_text
from tests.factories import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOMAIN = "northgate.sch.uk"


def test_admin_sets_up_microsoft_and_a_pupil_signs_in_with_it(page, browser, live_server, org,
                                                              oidc_provider, idp_settings):
    admin = member(org, Role.ORG_ADMIN)
    pupil = member(org, Role.LEARNER, email=f"pupil@{DOMAIN}")
    sign_in(page, admin.email, totp=True)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Sign-in options").click()
    assert_accessible(page, shows="Identity providers")
    page.get_by_role("link", name="Set up Microsoft Entra ID").click()
    wait_for_text(page, "Redirect URI")
    redirect_uri = page.locator("dd code").inner_text().strip()
    assert redirect_uri == f"{live_server.url}/accounts/oidc/o{org.pk}-microsoft/login/callback/"
    client_id, secret = oidc_provider.register_client(redirect_uri)
    submit_and_see_errors(page, "Save")  # empty: errors named in the summary
    page.get_by_label("Let people sign in this way").check()
    page.get_by_label("Directory (tenant) ID").fill("northgate.onmicrosoft.com")
    page.get_by_label("Client ID").fill(client_id)
    page.get_by_label("Client secret").fill(secret)
    page.get_by_label("Email domains allowed to sign in").fill(DOMAIN)
    page.get_by_role("button", name="Save").click()
    wait_for_text(page, "Sign-in with Microsoft Entra ID saved: it is on.")
    assert IdentityProvider.objects.for_org(org).get().enabled

    # The pupil, in a browser that enforces the pages' CSP.
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    pupil_page = context.new_page()
    try:
        pupil_page.goto("/accounts/login/")
        pupil_page.get_by_role("button", name="Use your school Microsoft or Google account").click()
        pupil_page.get_by_label("Your organisation email address").fill(pupil.email)
        pupil_page.get_by_role("button", name="Continue").click()
        pupil_page.get_by_role("button", name=re.compile("Continue with Microsoft Entra ID")).click()
        pupil_page.wait_for_url(re.compile(re.escape(oidc_provider.issuer) + "/interaction/"))
        pupil_page.get_by_label("Email address").fill(pupil.email)
        pupil_page.get_by_role("button", name="Sign in to the identity provider").click()
        pupil_page.wait_for_url(re.compile(re.escape(live_server.url) + "/(me/)?$"))
        wait_for_text(pupil_page, "Sign out")
    finally:
        context.close()


def test_start_and_refusal_pages_pass_axe(page, live_server, org, oidc_provider, idp_settings):
    redirect_uri = f"{live_server.url}/accounts/oidc/o{org.pk}-google/login/callback/"
    client_id, secret = oidc_provider.register_client(redirect_uri)
    IdentityProvider.objects.create(organisation=org, kind="google", enabled=True,
                                    client_id=client_id, client_secret=secret_encrypt(secret), allowed_domains=DOMAIN)
    page.goto("/sign-in/school/")
    assert_accessible(page)
    page.get_by_label("Your organisation email address").fill(f"stranger@{DOMAIN}")
    page.get_by_role("button", name="Continue").click()
    assert_accessible(page, shows="Continue with Google Workspace")
    page.get_by_role("button", name=re.compile("Continue with Google Workspace")).click()
    page.wait_for_url(re.compile(re.escape(oidc_provider.issuer) + "/interaction/"))
    page.get_by_label("Email address").fill(f"stranger@{DOMAIN}")
    page.get_by_label("Google Workspace domain (hd), blank for a personal account").fill(DOMAIN)
    page.get_by_role("button", name="Sign in to the identity provider").click()
    assert_accessible(page, shows=f"There is no PLP Portal account for stranger@{DOMAIN}")
