"""Personal pages are never kept by a shared computer's browser or a proxy (issue 20, item 6):
every answer to a signed-in person says ``Cache-Control: no-store``. The URLs come from the
URLconf (as in the cross-organisation crawl), filled with the person's own organisation's
objects, so new views are covered without editing this file."""

import pytest
from django.test import Client
from django.urls import reverse

from plp_portal.organisations.choices import Role
from tests.factories import member
from tests.test_crawl import crawlable, fill, objects_of

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.ORG_ADMIN, Role.KEY_WORKER, Role.LEARNER])
def test_every_page_a_signed_in_person_requests_says_no_store(role, org):
    person = member(org, role)
    client = Client(raise_request_exception=False)
    client.force_login(person, backend="django.contrib.auth.backends.ModelBackend")
    values = {**objects_of(org), "org_slug": org.slug}
    missing = []
    urls = [fill(route, namespace, values) for route, namespace in crawlable()]
    urls += [reverse("home"), reverse("me:home"), reverse("account_change_password")]
    for url in urls:
        response = client.get(url)
        if "no-store" not in response.get("Cache-Control", ""):
            missing.append(f"GET {url} -> {response.status_code}, Cache-Control "
                           f"{response.get('Cache-Control')!r}")
    assert len(urls) > 100
    assert missing == [], "\n".join(missing)

