"""Query budgets at scale: every key page that ``manage.py bench`` measures, and the filters
and sorts of those pages that it EXPLAINs, makes the same number of SQL queries on a generated
county and on one twice its size (twice the organisations, twice the learners: bigger
caseloads, queues, dashboards). The pages come from the apps' bench hooks, so a page added to
the benchmark is covered here too.

Time is never asserted here (that is what ``make bench`` measures); only query counts."""

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from plp_portal.hooks import app_hook_modules
from plp_portal.tenancy import system_scope

pytestmark = pytest.mark.django_db  # (so that the test database is set up for the module fixture)

SMALL = {"organisations": 5, "learners": 60}
DOUBLE = {"organisations": 10, "learners": 120}


class _Rollback(Exception):
    pass


def _bench_pages():
    pages = []
    for module in app_hook_modules("seeding.bench"):
        if hasattr(module, "pages"):
            pages += [p for p in module.pages(password="county") if p.email]
    return pages


def _measure(size) -> dict[str, tuple[int, int, int]]:
    """Seed a county of ``size`` (rolled back afterwards) and count each page's queries."""
    from django.contrib.auth import get_user_model

    from careersplan.tests.factories import shipped_templates

    result = {}
    try:
        with transaction.atomic():
            shipped_templates()  # the data migration's templates, if a transactional test flushed them
            call_command("seed_county", preset="small", seed=11, stdout=open("/dev/null", "w"), **size)
            with system_scope("the test picks the bench pages"):
                pages = _bench_pages()
            users = get_user_model().objects.in_bulk([p.email for p in pages], field_name="email")
            for page in pages:
                client = Client()
                client.force_login(users[page.email], backend="django.contrib.auth.backends.ModelBackend")
                client.get(page.path)  # first visit: per-session set-up is not the page's cost
                with CaptureQueriesContext(connection) as ctx:
                    response = client.get(page.path)
                result[page.name] = (response.status_code, len(ctx.captured_queries), len(response.content),
                                     resolve(page.path.split("?")[0]).view_name)
            raise _Rollback
    except _Rollback:
        pass
    return result


@pytest.fixture(scope="module")
def budgets(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), override_settings(PLP_REQUIRE_STAFF_MFA=False):
        return _measure(SMALL), _measure(DOUBLE)


PAGES = [
    "learner /me/",
    "plan page (key worker)",
    "learner list (key worker)",
    "progress-file PDF (learner)",
    "key worker caseload",
    "review form (full history)",
    "adviser triage queue",
    "careers service dashboard",
    "careers plan page",
    "authority dashboard",
    "authority outcomes dashboard",
]


def test_every_bench_page_is_covered(budgets):
    small, double = budgets
    assert sorted(small) == sorted(double)
    assert set(PAGES) <= set(small)
    assert len(set(small) - set(PAGES)) >= 15  # the key pages' filters and sorts


# Links that answer with a redirect by design: the progress file's link finds the stored render
# of the unchanged plan and redirects to its page (measured above as "progress-file PDF").
REDIRECTS = {"progress-file page (learner)", "progress-file page (key worker)"}


def test_filters_and_sorts_make_the_same_queries_with_twice_the_data(budgets):
    small, double = budgets
    variants = sorted(set(small) - set(PAGES))
    assert REDIRECTS <= set(variants)
    not_ok = {name: (small[name][0], double[name][0]) for name in variants
              if not small[name][0] == double[name][0] == (302 if name in REDIRECTS else 200)}
    assert not not_ok, not_ok
    # (Fewer is not growth: a list that happens to be empty on one county skips its page query.)
    grew = {name: (small[name][1], double[name][1]) for name in variants if small[name][1] < double[name][1]}
    assert not grew, f"queries grew with the data: {grew}"
    assert max(small[name][1] for name in variants) <= 20


@pytest.mark.parametrize("page", PAGES)
def test_page_makes_the_same_queries_with_twice_the_data(budgets, page):
    small, double = budgets
    (status_small, queries_small, _), (status_double, queries_double, _) = small[page][:3], double[page][:3]
    assert status_small == status_double == 200
    assert queries_small == queries_double, (
        f"{page}: {queries_small} queries on the small county, {queries_double} on twice that")
    # Budget 20 (issue 19), the savepoint pair of the atomic request included.
    assert queries_small <= 20, f"{page}: {queries_small} queries (budget 20)"


# --- The bench covers every landing page and every list page (issue 19) ------------------------

LANDING_PAGES = {"home", "me:home", "organisations:home"}
# List pages the bench need not measure, and why.
NOT_BENCHED = {
    "home": "redirects to the person's landing page (me:home, organisations:home: both measured)",
    "keyworkers:caseload_bundle": "a ZIP of progress files rendered by the worker, not a page",
    "careersplan_review:list": "an external reviewer's grants: the generated county has no reviewers",
}


def _list_and_landing_url_names() -> set[str]:
    """Every URL name of a landing page, and of a list page: a view without an object id in its
    URL that paginates or filters (``Paginator``, ``keyset_page``, a FilterSet)."""
    import inspect
    import re

    from django.urls import get_resolver
    from django.urls.resolvers import URLResolver

    def walk(resolver, prefix="", namespace=None):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                ns = ":".join(filter(None, [namespace, pattern.namespace])) or None
                yield from walk(pattern, prefix + str(pattern.pattern), ns)
            elif pattern.name:
                yield (f"{namespace}:{pattern.name}" if namespace else pattern.name,
                       prefix + str(pattern.pattern), pattern.callback)

    names = set()
    for name, route, view in walk(get_resolver()):
        if name.startswith(("admin", "account", "mfa")) or "<int:" in route:
            continue
        try:
            source = inspect.getsource(inspect.unwrap(view))
        except (OSError, TypeError):
            continue
        if name in LANDING_PAGES or re.search(r"Paginator\(|keyset_page\(|FilterSet\(", source):
            names.add(name)
    return names


def test_the_bench_measures_every_landing_and_list_page(budgets):
    small, _double = budgets
    benched = {row[3] for row in small.values()}
    missing = _list_and_landing_url_names() - benched - set(NOT_BENCHED)
    assert not missing, f"add these pages to an app's bench.py hook: {sorted(missing)}"

