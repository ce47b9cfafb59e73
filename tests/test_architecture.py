"""Guards for the shape of the code (ARCHITECTURE.md): each fails when a new piece of code does
a thing a second way. They read the source; they need no database."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ["plp_portal", "learners", "keyworkers", "guidance", "careersplan", "onboarding"]


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
    allowed = {
        "plp_portal/views.py": "the 403 handler itself renders the page",
        "plp_portal/sso/adapter.py": "a sign-in refusal inside allauth's flow must be an "
                                     "ImmediateHttpResponse; it is audited there (sso.refused)",
    }
    offenders = [
        f"{_rel(path)}:{number}: {line.strip()}"
        for path in _source_files()
        if _rel(path) not in allowed
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


# --- Dependencies in one direction ------------------------------------------------------------

# Who may import whom (at any level, functions included): core (plp_portal) imports no feature
# app — it reaches them through plp_portal/hooks.py and URL includes by name; learners is the
# base feature app; keyworkers and guidance build on learners; careersplan stands alone.
MAY_IMPORT = {
    "plp_portal": set(),
    "learners": set(),
    "keyworkers": {"learners"},
    "guidance": {"learners"},
    "careersplan": set(),
    # School set-up (issue 14) turns MIS rows into learners' profiles and plans and tutor groups
    # into keyworkers' assignments, through their services.
    "onboarding": {"learners", "keyworkers"},
}


def _imported_apps(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


def test_dependencies_point_one_way():
    offenders = []
    for path in _source_files():
        app = path.relative_to(ROOT).parts[0]
        forbidden = set(MAY_IMPORT) - MAY_IMPORT[app] - {app, "plp_portal"}
        for imported in set(_imported_apps(ast.parse(path.read_text()))) & forbidden:
            offenders.append(f"{_rel(path)} imports {imported}")
    assert not offenders, "See ARCHITECTURE.md (dependency direction):\n" + "\n".join(sorted(offenders))


def test_services_do_not_import_their_tasks():
    """Tasks wrap services; a service queues a task by its registered name (plp_portal.queue)."""
    offenders = [
        _rel(path) for path in _source_files()
        if path.name == "services.py"
        and any(isinstance(n, ast.ImportFrom) and n.module and n.module.endswith("tasks")
                for n in ast.walk(ast.parse(path.read_text())))
    ]
    assert not offenders, offenders


# Imports belong at the top of a module. An import inside a function is kept only where the top
# would make an import cycle or load something heavy that the function alone needs, and each is
# listed here with its reason (management commands and seeding modules are entry points run on
# their own and are not checked). A new one fails until it moves up or is listed with its reason.
FUNCTION_LEVEL_IMPORTS = {
    ("learners/pdf.py", ".pdf_renders"): "cycle: learners.pdf_renders builds on learners.pdf",
    ("guidance/figures.py", ".outcomes"): "cycle: guidance.outcomes reads the figures",
    ("plp_portal/tenancy.py", "plp_portal"): "cycle: plp_portal.rls builds on tenancy.TenantModel",
    ("plp_portal/accounts/sessions.py", ".models"): "cycle: the accounts models module loads the session store",
    ("plp_portal/pdf.py", "weasyprint"): "heavy: WeasyPrint (fonts, Pango) loads only where a PDF is rendered",
    ("plp_portal/pdf.py", "weasyprint.urls"): "heavy: as above",
    # AppConfig.ready(): Django's place for signal and check registration, after the registry.
    ("plp_portal/accounts/apps.py", "."): "AppConfig.ready registers signals",
    ("plp_portal/sso/apps.py", "."): "AppConfig.ready registers signals",
    ("guidance/apps.py", "."): "AppConfig.ready registers signals",
    ("plp_portal/audit/apps.py", "plp_portal.dbroles"): "AppConfig.ready connects the role check",
    ("plp_portal/organisations/apps.py", "django.db.models.signals"): "AppConfig.ready",
    ("plp_portal/organisations/apps.py", "plp_portal"): "AppConfig.ready (row security, the parameter limit)",
}


def _function_level_imports(path):
    for fn in ast.walk(ast.parse(path.read_text())):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                if isinstance(node, ast.ImportFrom):
                    yield "." * node.level + (node.module or "")
                elif isinstance(node, ast.Import):
                    yield from (alias.name for alias in node.names)


def test_imports_inside_functions_are_only_the_listed_ones():
    found = set()
    for path in _source_files():
        parts = path.relative_to(ROOT).parts
        if "seeding" in parts or "management" in parts:
            continue
        found.update((_rel(path), module) for module in _function_level_imports(path))
    unlisted = sorted(found - set(FUNCTION_LEVEL_IMPORTS))
    assert not unlisted, (
        "Move these imports to the top of the module (or list them with the cycle they avoid):\n"
        + "\n".join(f"{path}: {module}" for path, module in unlisted))
    assert not set(FUNCTION_LEVEL_IMPORTS) - found, "listed but gone: remove from the list"


# --- One access helper per object kind --------------------------------------------------------


def test_plan_pages_reach_plans_through_the_one_lookup():
    """Plan pages call learners.lookups (same 404 for missing and not yours); the helpers it
    replaced must not come back."""
    retired = re.compile(r"def (_plan_and_viewer|_sharing_plan|_my_plan|_shared_plan|staff_viewer_or_404)\(")
    offenders = [
        f"{_rel(path)}:{number}: {line.strip()}"
        for path in _source_files()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if retired.search(line)
    ]
    assert not offenders, offenders
    views = (ROOT / "learners" / "me_views.py").read_text()
    assert "selectors.my_plan_get(" not in views and "selectors.plan_get_shared(" not in views


LOOKUPS = {  # object kind: its one access helper
    "learner plan": "learners/lookups.py plan_for_request",
    "review": "keyworkers/lookups.py review_for_request",
    "referral": "guidance/lookups.py referral_for_request",
    "careers plan": "careersplan/lookups.py careers_plan_for_request",
}
RAW_GETTERS = re.compile(
    r"\bselectors\.(plan_get|my_plan_get|plan_get_shared|review_get|review_for_me|referral_get|reviewer_plan_get)\("
)
RETIRED_HELPERS = re.compile(r"\b(_review_and_viewer|_authority_plan)\(")  # defined or called


def test_pages_reach_plans_reviews_referrals_and_careers_plans_through_their_lookup():
    """A view reaches each of these objects only through its lookup (``LOOKUPS``), which checks
    the viewer's right and answers the same 404 for missing and not yours; calling the selector
    directly from a view would skip the check."""
    offenders = [
        f"{_rel(path)}:{number}: {line.strip()}"
        for path in _source_files()
        if path.name.endswith("views.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if RAW_GETTERS.search(line) or RETIRED_HELPERS.search(line)
    ]
    assert not offenders, "Use the object's lookup:\n" + "\n".join(offenders)
    for helper in LOOKUPS.values():
        module, name = helper.split()
        assert f"def {name}(" in (ROOT / module).read_text()


# --- One way to filter lists -----------------------------------------------------------------

NOT_FILTERS = {"page", "cursor", "next"}  # paging and the return address are not filters
# (file, function): why it reads request.GET itself. Anything else that reads a parameter from
# the query string is a list filter and goes through a FilterSet (plp_portal/filters.py).
READS_QUERY_STRING = {
    ("keyworkers/views.py", "review_edit"): "?tab= picks the review form's tab; nothing is listed",
    ("guidance/views.py", "interview_new"): "?referral= preselects the referral an interview answers",
    ("guidance/views.py", "dashboard"): "?school= picks whose figures the dashboard counts; no list",
    ("guidance/views.py", "_partner_school"): "?school= names the register's school (404 if not a partner)",
    ("guidance/views.py", "group_session_attendance"): "carries the register's filters into the redirect",
    ("learners/views.py", "enrolment_end"): "?left_on= pre-fills the date (the careers service's leaver "
                                            "notice links here); nothing is listed",
    ("learners/views.py", "plan_from_previous"): "?plan= names the transferred plan to start from (404 "
                                                 "unless a consented transfer grants it)",
    ("careersplan/feedback_views.py", "survey_answer"): "?sent=1 shows the thank-you after an answer",
    ("onboarding/views.py", "run_detail"): "?outcome= picks one category of an import run's stored preview "
                                           "rows (JSON on the run, not a queryset; validated)",
    ("guidance/outcome_views.py", "_year_choice"): "?year= chooses which year's aggregates are computed",
    ("guidance/outcome_views.py", "_figures"): "?school=/?year_group= choose which aggregates are computed "
                                               "(no list of records; validated)",
    ("guidance/outcome_views.py", "authority_outcomes"): "carries the chosen figures into the CSV link",
}


def _query_string_reads(tree):
    """(function, line, code) of every read of ``request.GET`` other than paging."""
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node

    def function_of(node):
        while node in parents:
            node = parents[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return node.name
        return "<module>"

    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and node.attr == "GET"
                and isinstance(node.value, ast.Name) and node.value.id == "request"):
            continue
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute):  # request.GET.get(...), .items(), .copy() …
            call = parents.get(parent)
            if (parent.attr == "get" and isinstance(call, ast.Call) and call.args
                    and isinstance(call.args[0], ast.Constant) and call.args[0].value in NOT_FILTERS):
                continue
        elif not isinstance(parent, ast.Subscript):  # request.GET handed to a FilterSet / form
            continue
        yield function_of(node), node.lineno, ast.unparse(parent)


def test_list_pages_filter_through_a_filterset():
    """A view that picks filter values out of ``request.GET`` itself (hand-parsed query strings,
    filtering by label in Python) is a second way to filter: list pages use a FilterSet built with
    the organisation. Other reads of the query string are allow-listed above with their reason."""
    offenders = []
    for path in _source_files():
        if not path.name.endswith("views.py"):
            continue
        for function, line, code in _query_string_reads(ast.parse(path.read_text())):
            if (_rel(path), function) not in READS_QUERY_STRING:
                offenders.append(f"{_rel(path)}:{line} in {function}(): {code}")
    assert not offenders, "Filter with a FilterSet (plp_portal/filters.py):\n" + "\n".join(offenders)


def test_the_filter_guard_sees_hand_parsed_filters():
    tree = ast.parse(
        "def view(request):\n"
        "    a = request.GET.get('page')\n"
        "    b = request.GET.get('risk', '')\n"
        "    c = request.GET['q']\n"
        "    d = SomeFilterSet(request.GET or None, org=request.org)\n"
    )
    assert sorted(line for _f, line, _code in _query_string_reads(tree)) == [3, 4]


# --- Seeding code stays out of production code ------------------------------------------------

SEEDING_KINDS = ("demo", "county", "bench")
# Production modules that may import seeding code, with the reason.
IMPORTS_SEEDING = {
    "plp_portal/benchmiddleware.py": "installed only by PLP_BENCH (manage.py bench): the query-count header",
}


def _in_seeding_package(rel: str) -> bool:
    return "seeding" in rel.split("/")[:-1]


def _imports_of(path):
    """Absolute dotted names of what ``path`` imports (relative imports resolved)."""
    package = list(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:
                yield node.lineno, f"{module}.{alias.name}"


def test_seeding_code_lives_in_the_seeding_packages():
    """Demo, county and bench generators live in each app's ``seeding`` package, run through
    ``app_hook_modules("seeding.<kind>")``; no ``demo.py``/``county.py``/``bench.py`` grows back
    among the app's production modules."""
    stray = [_rel(path) for path in _source_files()
             if path.stem in SEEDING_KINDS and not _in_seeding_package(_rel(path))
             and "/management/commands/" not in _rel(path)]
    assert not stray, "Move seeding code into the app's seeding/ package:\n" + "\n".join(stray)
    packages = {_rel(path) for path in _source_files() if _in_seeding_package(_rel(path))}
    assert {"learners/seeding/demo.py", "plp_portal/seeding/county.py", "plp_portal/seeding/bench.py"} <= packages


def test_production_code_does_not_import_seeding_modules():
    """Only seeding packages, the management commands that run them (seed_demo, seed_county,
    bench) and tests import a ``seeding`` module; views, services, selectors, models, tasks,
    urls … never do (the generators are not part of the product)."""
    offenders = []
    for path in _source_files():
        rel = _rel(path)
        if _in_seeding_package(rel) or "/management/commands/" in rel or rel in IMPORTS_SEEDING:
            continue
        for line, name in _imports_of(path):
            if "seeding" in name.split("."):
                offenders.append(f"{rel}:{line}: {name}")
        if re.search(r"app_hook_modules\(\s*[\"']seeding", path.read_text()):
            offenders.append(f"{rel}: runs a seeding hook")
    assert not offenders, "Production code imports seeding code:\n" + "\n".join(offenders)


def test_the_seeding_guard_sees_imports_of_seeding_code():
    # The guard above would pass vacuously if it resolved no import to a seeding module.
    seed_demo = ROOT / "plp_portal" / "organisations" / "management" / "commands" / "seed_demo.py"
    assert any("seeding" in name.split(".") for _line, name in _imports_of(seed_demo))
    keyworkers_demo = ROOT / "keyworkers" / "seeding" / "demo.py"  # relative imports, two levels up
    assert "keyworkers.services" in {name for _line, name in _imports_of(keyworkers_demo)}
