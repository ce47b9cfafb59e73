"""The cross-organisation crawl (DESIGN.md, tenancy): every URL pattern of the project,
requested by a member of organisation A with the ids of organisation B's objects, answers 403
or 404 — for every role. Patterns are discovered from the URLconf, so new views are covered
without editing this file."""

import contextlib
import re

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from plp_portal import rls
from plp_portal.organisations.choices import Role
from tests.crawl_objects import EXCLUDED_NAMESPACES, EXCLUDED_PREFIXES, OBJECT_KWARGS
from tests.factories import member

pytestmark = pytest.mark.django_db

REFUSED = {403, 404}
PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def url_patterns(resolver=None, prefix="", namespace=None):
    """(route, namespace, pattern) for every pattern of the URLconf, with its full route."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from url_patterns(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), namespace, entry


def crawlable():
    """(route, namespace) of every pattern the crawl requests."""
    found = []
    for route, namespace, pattern in url_patterns():
        if namespace in EXCLUDED_NAMESPACES:
            continue
        if any(route.startswith(p) for p in EXCLUDED_PREFIXES):
            continue
        if route.startswith("^") or "(?P" in route:
            raise AssertionError(f"regex URL pattern {route!r}: use path() so the crawl can fill it")
        found.append((route, namespace))
    return found


def fill(route, namespace, values):
    """The URL of ``route`` with each kwarg's value; a "<namespace>:<kwarg>" key wins over the
    plain kwarg, for an app whose kwarg name means another model."""

    def sub(match):
        name = match.group("name")
        if f"{namespace}:{name}" in values:
            return str(values[f"{namespace}:{name}"])
        if name not in values:
            raise AssertionError(
                f"URL {route!r} takes {name!r}: add how to make one to tests/crawl_objects.py"
            )
        return str(values[name])

    return "/" + PARAM.sub(sub, route)


def objects_of(org, ctx=None):
    """The value of every URL kwarg, made in ``org``. ``ctx`` may hold objects made beforehand
    (the same keys the makers use, e.g. "learners.plan"), so a caller can link people to them."""
    ctx = {} if ctx is None else ctx
    return {name: make(org, ctx) for name, make in OBJECT_KWARGS.items()}


@pytest.fixture
def foreign_objects(other_org):
    return objects_of(other_org)


def test_crawl_discovers_the_projects_views():
    routes = [route for route, _namespace in crawlable()]
    assert "o/<slug:org_slug>/members/<int:membership_id>/" in routes
    assert len(routes) >= 10


@pytest.mark.parametrize("role", list(Role))
def test_member_of_a_cannot_reach_b_objects_through_a(role, org, other_org, foreign_objects,
                                                      client):
    user = member(org, role)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    values = {**foreign_objects, "org_slug": org.slug}
    failures = []
    with row_security_observed() as seen:
        for route, namespace in crawlable():
            names = {m.group("name") for m in PARAM.finditer(route)}
            if not names - {"org_slug"}:
                continue  # no object of B in this URL
            url = fill(route, namespace, values)
            for method in ("get", "post"):
                status = getattr(client, method)(url).status_code
                allowed = REFUSED | {405}  # 405: the view refuses the method before any lookup
                if status not in allowed:
                    failures.append(f"{method.upper()} {url} -> {status}")
    assert failures == [], "\n".join(failures)
    # The crawl ran with row-level security on: as the application's role (not the owner, no
    # BYPASSRLS), row_security on, and never with B in the transaction's organisations.
    assert seen, "no request applied a row-level security scope"
    assert {(user, rs, bypass) for user, rs, bypass, _orgs in seen} == {(settings.PLP_APP_DB_ROLE, "on", False)}
    assert not any(str(other_org.pk) in orgs.split(",") for *_rest, orgs in seen)


@contextlib.contextmanager
def row_security_observed():
    """What each request's transaction runs as, after its row-level security scope is set."""
    seen = []

    def record(cursor, scope):
        cursor.execute("SELECT current_user, current_setting('row_security'), "
                       "(SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user), "
                       "current_setting('plp.org_ids')")
        seen.append(cursor.fetchone())

    with rls.observe(record):
        yield seen


@pytest.mark.parametrize("role", list(Role))
def test_member_of_a_gets_404_for_every_url_of_b(role, org, other_org, foreign_objects, client):
    user = member(org, role)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    values = {**foreign_objects, "org_slug": other_org.slug}
    failures = []
    for route, namespace in crawlable():
        if "<slug:org_slug>" not in route:
            continue
        url = fill(route, namespace, values)
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            if status != 404:
                failures.append(f"{method.upper()} {url} -> {status}")
    assert failures == [], "\n".join(failures)


def test_organisation_user_cannot_use_the_django_admin(org, client):
    user = member(org, Role.ORG_ADMIN)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get("/admin/organisations/membership/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
