"""Guards for the shape of the code (ARCHITECTURE.md): each fails when a new piece of code does
a thing a second way. They read the source; they need no database."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ["plp_portal", "learners", "keyworkers", "guidance", "careersplan"]


def _source_files(*, include_tests=False):
    """Our Python source. Migrations are frozen history (they must not change with the code);
    tests are left out because they need a clock of their own to check the app's clock against
    (a test that builds "yesterday" with the app's helper would share its bugs)."""
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "migrations" in parts:
                continue
            if not include_tests and "tests" in parts:
                continue
            yield path


def _rel(path):
    return str(path.relative_to(ROOT))


# --- One clock --------------------------------------------------------------------------------

CLOCK_MODULE = "plp_portal/clock.py"
OTHER_CLOCKS = re.compile(
    r"\bdate\.today\(\)|\bdatetime\.now\(|\btimezone\.now\(\)\.date\(\)|\blocaldate\(|\butcnow\("
)


def test_today_comes_from_the_clock_module_only():
    """"Today" is the organisation's local date from ``plp_portal.clock.today(org)``; a second
    clock (server date, naive ``date.today()``) disagrees with it around midnight."""
    offenders = []
    for path in _source_files():
        if _rel(path) == CLOCK_MODULE:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if OTHER_CLOCKS.search(line.split("#", 1)[0]):
                offenders.append(f"{_rel(path)}:{number}: {line.strip()}")
    assert not offenders, "Use plp_portal.clock (today/now/local_date):\n" + "\n".join(offenders)


ACADEMIC_YEAR_LABEL = re.compile(r"\+ 1\) % 100:02d\}|day\.month >= 9 else")


def test_academic_year_rule_and_label_live_in_the_clock_module():
    offenders = [
        f"{_rel(path)}:{number}: {line.strip()}"
        for path in _source_files()
        if _rel(path) != CLOCK_MODULE
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if ACADEMIC_YEAR_LABEL.search(line)
    ]
    assert not offenders, "Use clock.academic_year_of / clock.academic_year_label:\n" + "\n".join(offenders)


@pytest.mark.parametrize("day, year, label", [
    ("2026-08-31", 2025, "2025/26"),
    ("2026-09-01", 2026, "2026/27"),
    ("2099-12-31", 2099, "2099/00"),
])
def test_academic_year_of_and_its_label(day, year, label):
    import datetime

    from plp_portal import clock

    assert clock.academic_year_of(datetime.date.fromisoformat(day)) == year
    assert clock.academic_year_label(year) == label


def test_clock_module_is_parsed_by_the_guard():
    # The guard above would pass vacuously if it scanned nothing.
    files = {_rel(p) for p in _source_files()}
    assert CLOCK_MODULE in files and "learners/views.py" in files
    assert not any("/migrations/" in f or "/tests/" in f for f in files)
    assert ast.parse((ROOT / CLOCK_MODULE).read_text())


# --- One role check ---------------------------------------------------------------------------

# URL prefixes whose views are not ours to decorate, with the reason each is safe.
UNDECLARED_PREFIXES = {
    "admin/": "Django admin: PlatformAdminSite.has_permission admits platform operators only",
    "accounts/": "django-allauth sign-in, sign-up, password and MFA pages: authentication itself",
}


def _url_patterns(patterns=None, prefix=""):
    from django.urls import URLResolver, get_resolver

    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _url_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def test_every_page_declares_who_may_use_it():
    """Each view is decorated with org_role_required / signed_in_required / public_view
    (plp_portal/organisations/permissions.py) — the role is declared once, on the view."""
    routes = list(_url_patterns())
    undeclared = [
        f"{route} ({pattern.name}: {pattern.callback.__module__}.{pattern.callback.__name__})"
        for route, pattern in routes
        if not route.startswith(tuple(UNDECLARED_PREFIXES))
        and not getattr(pattern.callback, "plp_access", None)
    ]
    assert not undeclared, "Declare who may use these pages:\n" + "\n".join(undeclared)
    org_routes = [(r, p) for r, p in routes if r.startswith("o/")]
    assert len(org_routes) > 50
    for route, pattern in org_routes:
        assert hasattr(pattern.callback, "plp_org_roles"), f"{route} is under /o/ but not org_role_required"


def test_refusals_raise_permission_denied():
    """A bare 403 response skips the audit of refusals (plp_portal/audit/middleware.py)."""
    bare = re.compile(r"HttpResponseForbidden|status=403")
    offenders = [
        f"{_rel(path)}:{number}: {line.strip()}"
        for path in _source_files()
        if _rel(path) != "plp_portal/views.py"  # the 403 handler itself renders the page
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if bare.search(line)
    ]
    assert not offenders, "Raise PermissionDenied instead:\n" + "\n".join(offenders)


# --- Celery tasks -----------------------------------------------------------------------------


def test_every_task_of_ours_has_a_soft_and_a_hard_time_limit():
    """A task without a limit can hold a worker for ever; the soft limit comes first so that the
    task can fail cleanly (SoftTimeLimitExceeded) before the worker process is replaced."""
    from plp_portal.celery import app

    app.loader.import_default_modules()
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert {"notifications.outbox_send", "pdfs.render", "learners.plan_shares_expire"} <= set(ours)
    for name, task in ours.items():
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        hard = task.time_limit or app.conf.task_time_limit
        assert soft and hard and soft < hard, f"{name}: soft {soft}, hard {hard}"
        assert task.__module__.split(".")[0] in APPS, name


def test_tasks_are_thin_wrappers_taking_ids():
    """Each task's body is one call into a service (a loop over ids at most); parameters are ids,
    never model instances (a task runs later, in another process)."""
    for path in _source_files():
        if path.name != "tasks.py":
            continue
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef):
                continue
            body = [n for n in node.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
            assert len(body) == 1 and isinstance(body[0], ast.Return), f"{_rel(path)}:{node.name} is not thin"
            assert "services." in ast.unparse(body[0]), f"{_rel(path)}:{node.name} does not call a service"
            for arg in node.args.args:
                assert arg.arg.endswith(("_id", "_ids")), f"{_rel(path)}:{node.name}({arg.arg}) takes no id"
