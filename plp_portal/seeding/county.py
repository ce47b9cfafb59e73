"""Generating a county-scale dataset fast: PostgreSQL COPY with ids allocated up front.

``manage.py seed_county`` builds the organisations, people and term dates here, then calls each
app's ``seeding/county.py`` hook (``seed(county)``) in INSTALLED_APPS order. A hook streams rows to
``county.writer.copy(Model, rows)``; it can allocate ids first (``county.writer.ids(Model, n)``)
so children can point at parents without reading anything back. Everything is deterministic
for a given ``--seed``."""

from __future__ import annotations

import datetime
import functools
import json
import random
import time
from dataclasses import dataclass, field

from django.db import connection, models
from django.utils import timezone

PRESETS = {
    # organisations, learners, academic years of history
    "small": (5, 2_000, 3),
    "medium": (30, 30_000, 3),
    "county": (150, 150_000, 3),
}


class CountyWriter:
    """Set-based inserts with COPY. Rows are dicts of field attnames; fields left out get the
    model field's default (auto_now/auto_now_add fields get "now")."""

    def __init__(self, out=None):
        self.out = out
        self.now = timezone.now()
        self.counts: dict[str, int] = {}
        self._next_id: dict[type, int] = {}

    def ids(self, model: type[models.Model], n: int) -> range:
        """Reserve ``n`` primary keys of ``model`` and return them."""
        if model not in self._next_id:
            with connection.cursor() as cursor:
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{model._meta.db_table}"')
                self._next_id[model] = cursor.fetchone()[0]
        start = self._next_id[model]
        self._next_id[model] = start + n
        return range(start, start + n)

    def copy(self, model: type[models.Model], rows) -> int:
        """COPY ``rows`` (an iterable of dicts with an ``id`` from ``ids()``) into ``model``'s
        table; returns the count. The table's id sequence is moved past the ids used."""
        fields = list(model._meta.concrete_fields)
        defaults = {}
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                defaults[f.attname] = self.now
            elif f.has_default() or f.null or f.empty_strings_allowed:
                defaults[f.attname] = f.get_default()  # once per call: the rows share it
        json_fields = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
        attnames = [f.attname for f in fields]
        table = model._meta.db_table
        columns = ", ".join(f'"{f.column}"' for f in fields)
        count = 0
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
                write = copy.write_row
                for row in rows:
                    if len(row) == len(attnames):  # every field given: no defaults to look up
                        values = [row[name] for name in attnames]
                    else:
                        values = [row[name] if name in row else defaults.get(name, _MISSING)
                                  for name in attnames]
                        if _MISSING in values:
                            missing = attnames[values.index(_MISSING)]
                            raise ValueError(f"{model.__name__}.{missing} needs a value")
                    for i in json_fields:
                        if values[i] is not None:
                            values[i] = json.dumps(values[i])
                    write(values)
                    count += 1
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
            )
        self.counts[model._meta.label] = self.counts.get(model._meta.label, 0) + count
        return count


_MISSING = object()


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    """``day`` at ``hour`` o'clock in the site's time zone (what ``timezone.make_aware`` gives,
    without its per-call thread-local look-up: the generators call this millions of times)."""
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=_site_tz())


@functools.cache
def _site_tz():
    return timezone.get_default_timezone()


@dataclass
class County:
    """What the hooks build on: the organisations and people of the generated county."""

    rng: random.Random
    writer: CountyWriter
    today: datetime.date
    years: list[int]  # academic years, oldest first; the last is the current one
    n_learners: int
    password_hash: str
    out: object = None
    la_id: int = 0
    careers_service_id: int = 0
    # id -> kind for every learning organisation (school, college, training provider)
    providers: dict[int, str] = field(default_factory=dict)
    # organisation id -> list of learner user ids
    learners: dict[int, list[int]] = field(default_factory=dict)
    # (organisation id, role) -> list of user ids
    staff: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def log(self, message: str) -> None:
        if self.out is not None:
            elapsed = time.monotonic() - self.started
            self.out.write(f"[{elapsed:7.1f}s] {message}")
            if hasattr(self.out, "flush"):
                self.out.flush()

    def staff_of(self, org_id: int, role: str) -> list[int]:
        return self.staff.get((org_id, role), [])

    def year_start(self, year: int) -> datetime.date:
        return datetime.date(year, 9, 3)

    def year_end(self, year: int) -> datetime.date:
        return datetime.date(year + 1, 7, 21)
