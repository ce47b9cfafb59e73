"""Project-wide pytest fixtures and guards, for tests/ and every app's tests/ package."""

import os

import pytest

from tests.realservices import ThrowawayRedis, free_port, smtp_server

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_sessionfinish(session, exitstatus):
    # "No tests ran" must fail loudly, never pass as an empty green run.
    if exitstatus == 5:
        session.exitstatus = 1


@pytest.fixture(autouse=True, scope="session")
def _requests_run_as_the_app_role():
    """The suite connects as the owner (it creates and flushes its database); every request's
    and job's transaction switches to the application's role (``SET LOCAL ROLE``), so the test
    client, the live server and the Celery worker run under row-level security (plp_portal/rls.py)."""
    from django.conf import settings

    settings.PLP_RLS_SWITCH_ROLE = settings.PLP_APP_DB_ROLE
    yield


@pytest.fixture(autouse=True)
def _postgres_only(request):
    """The suite is for PostgreSQL (triggers, row locks); run it with `make test`."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail("The test suite runs on PostgreSQL: use `make test` (sets DATABASE_URL)")


@pytest.fixture(autouse=True)
def _fresh_cache_and_eager_celery(request):
    """Tasks run in-process unless a test starts a real worker; the rate-limit cache starts
    empty for every test."""
    from django.core.cache import cache

    from plp_portal.celery import app

    if "django_db" in {m.name for m in request.node.iter_markers()} or any(
        f in request.fixturenames for f in ("db", "transactional_db", "live_server")
    ):
        cache.clear()
    real_worker = "celery_worker" in {m.name for m in request.node.iter_markers()}
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = not real_worker
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests make many people and PBKDF2 costs ~0.5 s each on a busy 2-core machine; hashing
    strength is not what they test (production keeps Django's default hashers)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def org(db):
    from tests.factories import OrganisationFactory

    return OrganisationFactory(name="Northgate School", slug="northgate")


@pytest.fixture
def other_org(db):
    from tests.factories import OrganisationFactory

    return OrganisationFactory(name="Southgate School", slug="southgate")


@pytest.fixture
def sign_in(client):
    """Signs ``user`` in on the test client, past MFA (the session is already verified)."""

    def _sign_in(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _sign_in


# --- Browser tests --------------------------------------------------------------------------
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    # bypass_csp lets the axe-core audit script be injected; the pages' own CSP is tested
    # separately.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


# --- Real services of a test's own (tests/realservices.py) ------------------------------------


@pytest.fixture
def redis_server():
    """A throwaway Redis server, for a test that runs a real Celery worker."""
    server = ThrowawayRedis().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_port(settings):
    """The mail server's address; nothing listens there until a test starts a server."""
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    return port


@pytest.fixture
def smtp(smtp_port):
    """A local SMTP server the app sends to; yields the messages it has received."""
    with smtp_server(smtp_port) as (_port, received):
        yield received
