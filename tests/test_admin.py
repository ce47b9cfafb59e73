"""The Django admin is for platform operators (issue 20, item 2): it signs in through the same
sign-in as everyone else (limits and MFA), a superuser cannot use it without MFA, and every
admin page answers without error, working across organisations in an explicit, audited system
scope."""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from keyworkers.models import Review
from plp_portal.accounts.models import User
from plp_portal.audit.models import AuditEvent
from tests.crawl_objects import OBJECT_KWARGS
from tests.factories import PASSWORD, UserFactory, enable_totp, totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db):
    """A platform superuser with TOTP set up."""
    user = UserFactory(is_staff=True, is_superuser=True)
    enable_totp(user)
    return user


@pytest.fixture
def every_kind_of_object(org):
    """At least one row of most registered models: the crawl's objects of one organisation."""
    ctx = {}
    for make in OBJECT_KWARGS.values():
        make(org, ctx)


def admin_pages():
    """(name, url-maker) of every admin changelist, add and change page."""
    for model, model_admin in admin.site._registry.items():
        info = model._meta.app_label, model._meta.model_name
        yield model, model_admin, info


def test_every_admin_page_answers_without_error(operator, every_kind_of_object):
    client = Client(raise_request_exception=False)
    client.force_login(operator, backend="django.contrib.auth.backends.ModelBackend")
    failures, change_pages = [], 0
    assert client.get(reverse("admin:index")).status_code == 200
    for model, model_admin, info in admin_pages():
        urls = [reverse("admin:%s_%s_changelist" % info)]
        if model_admin.has_add_permission(_request(operator)):
            urls.append(reverse("admin:%s_%s_add" % info))
        first = model._base_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse("admin:%s_%s_change" % info, args=[first.pk]))
            change_pages += 1
        for url in urls:
            response = client.get(url)
            if response.status_code != 200:
                failures.append(f"GET {url} -> {response.status_code}")
    assert failures == [], "\n".join(failures)
    assert change_pages >= 20


def _request(user):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def every_admin_url(user):
    urls = [reverse("admin:index")]
    for model, model_admin, info in admin_pages():
        urls.append(reverse("admin:%s_%s_changelist" % info))
        if model_admin.has_add_permission(_request(user)):
            urls.append(reverse("admin:%s_%s_add" % info))
        first = model._base_manager.order_by("pk").first()
        if first is not None:
            urls.append(reverse("admin:%s_%s_change" % info, args=[first.pk]))
    return urls


@pytest.mark.parametrize("require_staff_mfa", [True, False])
def test_a_superuser_without_mfa_reaches_no_admin_page(require_staff_mfa, settings, org,
                                                       every_kind_of_object):
    settings.PLP_REQUIRE_STAFF_MFA = require_staff_mfa  # superusers need MFA whatever this says
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client = Client(raise_request_exception=False)
    client.force_login(superuser, backend="django.contrib.auth.backends.ModelBackend")
    reached = []
    for url in every_admin_url(superuser) + [reverse("home")]:
        response = client.get(url)
        if response.status_code != 302 or response["Location"] != reverse("mfa_activate_totp"):
            reached.append(f"GET {url} -> {response.status_code}")
    assert reached == []


def test_the_admin_has_no_login_of_its_own(operator, client):
    response = client.get(reverse("admin:login") + "?next=/admin/learners/plan/")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=/admin/learners/plan/"
    for _ in range(30):
        response = client.post(reverse("admin:login"), {"username": operator.email,
                                                        "password": PASSWORD})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("admin:index")).status_code == 302


def test_admin_sign_in_attempts_are_limited(operator, client):
    for attempt in range(5):
        client.post(reverse("account_login"), {"login": operator.email, "password": f"no-{attempt}"})
    response = client.post(reverse("account_login"), {"login": operator.email, "password": PASSWORD})
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_a_superuser_signs_in_with_password_and_code_then_reaches_the_admin(operator, client):
    response = client.post(reverse("account_login") + "?next=/admin/",
                           {"login": operator.email, "password": PASSWORD, "next": "/admin/"})
    assert response["Location"] == reverse("mfa_authenticate")
    # Password alone: still not signed in, the admin still sends to the sign-in.
    assert client.get(reverse("admin:index"))["Location"].startswith(reverse("admin:login"))
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_admin_pages_are_audited(operator, org, client):
    client.force_login(operator, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("admin:learners_learnerprofile_changelist")
    assert client.get(url).status_code == 200
    event = AuditEvent.objects.get(action="admin.request", path=url)
    assert event.actor == operator and event.data["method"] == "GET"


def test_an_organisation_user_is_refused_by_the_admin_login(org, client):
    from plp_portal.organisations.choices import Role
    from tests.factories import member

    client.force_login(member(org, Role.ORG_ADMIN),
                       backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("admin:login")).status_code == 403


def test_create_platform_admin_command(monkeypatch, client):
    from django.core.management import CommandError, call_command

    monkeypatch.setenv("PLP_ADMIN_PASSWORD", "a-Long-operator-passphrase-7")
    call_command("create_platform_admin", email="Ops@Example.test", full_name="Ops Person",
                 no_input=True)
    user = User.objects.get(email="ops@example.test")
    assert user.is_superuser and user.is_staff
    assert AuditEvent.objects.filter(action="account.platform_admin_created",
                                     object_id=str(user.pk)).exists()
    # The address is verified: the operator signs in, and is sent to set up MFA first.
    client.post(reverse("account_login"), {"login": "ops@example.test",
                                           "password": "a-Long-operator-passphrase-7"})
    assert client.get(reverse("admin:index"))["Location"] == reverse("mfa_activate_totp")

    monkeypatch.setenv("PLP_ADMIN_PASSWORD", "password")
    with pytest.raises(CommandError):
        call_command("create_platform_admin", email="weak@example.test", no_input=True)
    with pytest.raises(CommandError):
        call_command("create_platform_admin", email="ops@example.test", no_input=True)


def test_a_signed_review_is_read_only_in_the_admin(operator, org, every_kind_of_object):
    review = Review.objects.system("test: a review to sign").first()
    Review.objects.system("test: sign it").filter(pk=review.pk).update(kw_signed_at=timezone.now(),
                                                                    kw_signed_by=operator)
    client = Client(raise_request_exception=False)
    client.force_login(operator, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("admin:keyworkers_review_change", args=[review.pk])
    page = client.get(url)
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.post(url, {"number": 99, "status": "cancelled"}).status_code == 403
    assert client.post(reverse("admin:keyworkers_review_delete", args=[review.pk]), {"post": "yes"}).status_code == 403
    changelist = client.get(reverse("admin:keyworkers_review_changelist"))
    assert b"delete_selected" not in changelist.content
    review.refresh_from_db()
    assert review.number != 99 and review.status != "cancelled"
