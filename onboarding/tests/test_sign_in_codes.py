"""Class sign-in sheets: one-time codes, single use, expiring, only their hash stored; the
pupil sets a password and can then sign in with it."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from onboarding import samples, services
from onboarding.choices import ImportKind
from onboarding.models import SignInCode
from plp_portal.organisations.choices import Role
from tests.factories import member

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-7"


@pytest.fixture
def admin(org):
    admin = member(org, Role.ORG_ADMIN)
    run = services.import_run_preview(org=org, run=services.import_run_create(
        org=org, kind=ImportKind.PUPILS, preset="sims", file_name="p.csv", by=admin,
        data=samples.to_csv(samples.PUPIL_HEADER, samples.pupil_rows(4, years=(7,), forms=1))))
    services.import_run_apply(org=org, run=services.import_run_confirm(org=org, run=run, by=admin, end_missing=False))
    return admin


def redeem(code, password=PASSWORD):
    client = Client()
    response = client.post(reverse("sign_in_code"), {"code": code, "password1": password, "password2": password})
    return client, response


def test_sheet_shows_codes_once_and_stores_only_their_hash(client, sign_in, org, admin):
    sign_in(admin)
    response = client.post(reverse("onboarding:sign_in_sheet", kwargs={"org_slug": org.slug}), {"tutor_group": "7A"})
    page = response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    sheet_codes = [c for c in SignInCode.objects.for_org(org).values_list("code_hash", flat=True)]
    assert len(sheet_codes) == 4
    import re

    codes = re.findall(r">([A-Z2-9]{4}-[A-Z2-9]{4})<", page)
    assert len(codes) == 4
    assert {services.sign_in_code_hash(c) for c in codes} == set(sheet_codes)
    assert not any(c.replace("-", "") in h for c in codes for h in sheet_codes)


def test_a_code_sets_the_password_once_and_signs_the_pupil_in(org, admin):
    [(profile, code, _expires)] = services.sign_in_codes_issue(org=org, tutor_group="7A", by=admin)[:1]
    client, response = redeem(code.lower().replace("-", " "))  # typed loosely
    assert response.status_code == 302
    profile.user.refresh_from_db()
    assert profile.user.check_password(PASSWORD)
    assert client.get(reverse("me:home")).status_code == 200
    # Single use.
    _client, again = redeem(code, "another-long-phrase-8")
    assert "has been used or has expired" in again.content.decode()
    profile.user.refresh_from_db()
    assert profile.user.check_password(PASSWORD)
    # The pupil signs in with the sign-in name on the sheet and their password.
    login = Client().post(reverse("account_login"), {"login": profile.user.email, "password": PASSWORD})
    assert login.status_code == 302 and "/accounts/" not in login["Location"]


def test_expired_and_replaced_codes_do_not_work(org, admin):
    first = dict((p.pk, c) for p, c, _ in services.sign_in_codes_issue(org=org, tutor_group="7A", by=admin))
    second = dict((p.pk, c) for p, c, _ in services.sign_in_codes_issue(org=org, tutor_group="7A", by=admin))
    profile_id = next(iter(first))
    _client, response = redeem(first[profile_id])
    assert "has been used or has expired" in response.content.decode()
    with time_machine.travel(timezone.now() + datetime.timedelta(days=15)):
        _client, response = redeem(second[profile_id])
    assert "has been used or has expired" in response.content.decode()


def test_a_pupil_who_has_signed_in_gets_no_new_code(org, admin):
    sheet = services.sign_in_codes_issue(org=org, tutor_group="7A", by=admin)
    redeem(sheet[0][1])
    assert len(services.sign_in_codes_issue(org=org, tutor_group="7A", by=admin)) == 3


def test_guessing_is_limited(org, admin):
    client = Client()
    for _ in range(10):
        client.post(reverse("sign_in_code"), {"code": "AAAA-AAAA", "password1": PASSWORD, "password2": PASSWORD})
    [(_profile, code, _)] = services.sign_in_codes_issue(org=org, tutor_group="7A", by=admin)[:1]
    response = client.post(reverse("sign_in_code"), {"code": code, "password1": PASSWORD, "password2": PASSWORD})
    assert "Too many tries" in response.content.decode()


def test_the_sign_in_page_leads_to_the_code_page(db):
    page = Client().get(reverse("account_login")).content.decode()
    assert f'href="{reverse("sign_in_code")}"' in page
