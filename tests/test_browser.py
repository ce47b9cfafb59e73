"""Browser journeys in headless Chromium (Debian's) against a live server, with an axe-core
audit of every page a demo user can reach by following links."""

import re
from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from plp_portal.organisations.choices import Role
from tests.browser import assert_accessible, sign_in, sign_out
from tests.factories import member

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "demoshire"
# account -> a path it must land on after signing in, and a text the landing page shows
DEMO_LANDINGS = {
    "learner@demoshire.test": ("/me/", None),
    "parent@demoshire.test": ("/me/", None),
    "tutor@demoshire.test": ("/o/northgate-school/", "Key worker"),
    "adviser@demoshire.test": ("/o/demoshire-careers/", "Careers adviser"),
    "lead@demoshire.test": ("/o/northgate-school/", "Careers lead"),
    "la@demoshire.test": ("/o/demoshire-cc/", "Local authority officer"),
    "admin@demoshire.test": ("/o/northgate-school/", "Organisation admin"),
}


@pytest.fixture
def demo(transactional_db, settings):
    settings.PLP_REQUIRE_STAFF_MFA = False  # as in `make demo`
    call_command("seed_demo", password=DEMO_PASSWORD, stdout=open("/dev/null", "w"))


def test_every_demo_account_signs_in_and_lands_on_its_roles_page(demo, page, live_server):
    for email, (path, text) in DEMO_LANDINGS.items():
        sign_in(page, email, DEMO_PASSWORD)
        page.goto("/")
        assert urlparse(page.url).path.startswith(path), f"{email} landed on {page.url}"
        if text:
            assert text in page.locator("header, section").first.inner_text() + page.content()
        sign_out(page)


def test_staff_sign_in_asks_for_the_authenticator_code(page, live_server, transactional_db):
    from tests.factories import OrganisationFactory

    org = OrganisationFactory(name="Northgate School", slug="northgate")
    tutor = member(org, Role.KEY_WORKER)
    sign_in(page, tutor.email, totp=True)
    page.goto("/")
    assert urlparse(page.url).path == "/o/northgate/"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Welcome")


def test_wrong_password_shows_the_error_summary(page, live_server, transactional_db):
    sign_in(page, "nobody@example.test", "wrong password")
    expect(page.get_by_role("alert").first).to_be_visible()
    assert_accessible(page, shows="There is a problem")


def _shape(path: str) -> str:
    return re.sub(r"/\d+/", "/N/", path)


SKIP = ("/accounts/logout", "/admin/", "/static/", "/healthz")


def crawl(page, start="/", limit=30):
    """Breadth-first over same-origin links from ``start``; one page per URL shape."""
    seen, queue, visited = set(), [start], []
    while queue and len(visited) < limit:
        path = queue.pop(0)
        if _shape(path) in seen or path.startswith(SKIP):
            continue
        seen.add(_shape(path))
        try:
            response = page.goto(path)
        except PlaywrightError as error:  # a link to a file download (e.g. a PDF)
            if "Download is starting" in str(error):
                continue
            raise
        if response is None or response.status >= 400 or "download" in (
            response.headers.get("content-disposition", "")
        ) or not response.headers.get("content-type", "").startswith("text/html"):
            continue
        visited.append(path)
        yield path
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            parsed = urlparse(href)
            if parsed.netloc or not parsed.path.startswith("/") or parsed.path.startswith(SKIP):
                continue
            queue.append(parsed.path + (f"?{parsed.query}" if parsed.query else ""))


def test_every_page_a_demo_user_can_reach_passes_axe(demo, page, live_server):
    audited = []
    for email in DEMO_LANDINGS:
        sign_in(page, email, DEMO_PASSWORD)
        for path in crawl(page):
            assert_accessible(page)
            audited.append(path)
        sign_out(page)
    assert len(audited) >= 15, audited


@pytest.mark.parametrize(
    "path",
    ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/no-such-page/",
     "/invitations/not-a-token/"],
)
def test_public_pages_pass_axe(path, page, live_server, transactional_db):
    page.goto(path)
    assert_accessible(page)


def test_mfa_set_up_page_passes_axe(page, live_server, transactional_db):
    from tests.factories import OrganisationFactory

    org = OrganisationFactory()
    learner = member(org, Role.LEARNER)
    sign_in(page, learner.email)
    page.goto("/accounts/2fa/totp/activate/")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile("/totp/activate/"))
    assert_accessible(page)


def test_who_looked_at_a_learners_record_passes_axe(page, live_server, transactional_db, org):
    from learners.tests.factories import plan_for

    plan = plan_for(org=org)
    admin = member(org, Role.ORG_ADMIN)
    sign_in(page, admin.email, totp=True)
    page.goto(f"/o/{org.slug}/learners/profiles/{plan.profile_id}/")
    page.get_by_role("link", name=re.compile("Who has looked at")).click()
    assert_accessible(page, shows=admin.email)  # the admin's own read of the profile is listed
