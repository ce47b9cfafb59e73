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
