"""Keyset ("cursor") pagination for long lists (issue 19): the next page starts after the last
row shown, found through the list's index, so the 40th page costs what the first does — OFFSET
reads and throws away every row before the page.

    page = keyset_page(queryset, keys=("queue_rank", "created_at", "pk"), cursor=request.GET.get("cursor"))

Rows are model instances or ``values()`` dicts (the keys among their names). ``keys`` are the
list's ordering, every one ascending (a descending column is given as a
negated annotation, with an index on that expression), and unique together (end with "pk").
The cursor in the page links is the keys of the first or last row shown, encoded; a cursor that
does not decode (edited by hand, from an older version) shows the first page, never an error.
Links are plain ``?cursor=…`` URLs keeping the filters (``{% url_with_cursor %}``): no
JavaScript needed."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from django.db.models import BooleanField, F, Func, Value


class _RowCompare(Func):
    """``(a, b, c) > (x, y, z)``: a row comparison PostgreSQL reads as one index range."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, keys, values, fields, op):
        super().__init__(*[F(k) for k in keys], *[Value(v, output_field=f) for v, f in zip(values, fields)])
        self.n, self.op = len(keys), op

    def as_sql(self, compiler, connection, **extra):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, p = compiler.compile(expression)
            parts.append(sql)
            params += p
        return f"({', '.join(parts[:self.n])}) {self.op} ({', '.join(parts[self.n:])})", params  # SQLite ≥ 3.15 too


@dataclass
class KeysetPage:
    object_list: list
    has_next: bool
    has_previous: bool
    next_cursor: str = ""
    previous_cursor: str = ""

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


def _field_of(queryset, key):
    if key in queryset.query.annotations:
        return queryset.query.annotations[key].output_field
    return queryset.model._meta.pk if key == "pk" else queryset.model._meta.get_field(key)


def _encode(direction: str, values) -> str:
    raw = json.dumps([direction, [v.isoformat() if hasattr(v, "isoformat") else v for v in values]])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_after(values) -> str:
    """The cursor of the page that starts after the row whose keys are ``values``."""
    return _encode("a", values)


def _decode(cursor: str, fields):
    try:
        direction, values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if direction not in ("a", "b") or len(values) != len(fields):
            return None
        return direction, [field.to_python(v) for field, v in zip(fields, values)]
    except Exception:  # anything a person can type in the address bar: the first page
        return None


def _key_values(obj, keys):
    if isinstance(obj, dict):  # a ``values()`` row: the keys are among its names
        return [obj[k] for k in keys]
    return [getattr(obj, "pk" if k == "pk" else k) for k in keys]


def keyset_page(queryset, *, keys, cursor: str | None, size: int = 25) -> KeysetPage:
    """``size`` rows of ``queryset`` ordered by ``keys``: after the cursor's row ("a": Next),
    before it ("b": Previous), or from the start without one. One query (``size + 1`` rows:
    the extra one says whether there is a next page)."""
    fields = [_field_of(queryset, k) for k in keys]
    decoded = _decode(cursor, fields) if cursor else None
    if decoded is None:
        rows = list(queryset.order_by(*keys)[:size + 1])
        items, more = rows[:size], len(rows) > size
        return KeysetPage(items, has_next=more, has_previous=False,
                          next_cursor=_encode("a", _key_values(items[-1], keys)) if more else "")
    direction, values = decoded
    # The row comparison implies the same bound on the first key alone, which PostgreSQL can
    # read as an index range when the keys span two tables (a name on the user, then the pk of
    # the row listed): the page then starts at the cursor instead of at the top of the index.
    if direction == "a":
        rows = list(queryset.filter(_RowCompare(keys, values, fields, ">"), **{f"{keys[0]}__gte": values[0]})
                    .order_by(*keys)[:size + 1])
        items, more = rows[:size], len(rows) > size
        return KeysetPage(items, has_next=more, has_previous=True,
                          next_cursor=_encode("a", _key_values(items[-1], keys)) if more else "",
                          previous_cursor=_encode("b", _key_values(items[0], keys)) if items else "")
    rows = list(queryset.filter(_RowCompare(keys, values, fields, "<"), **{f"{keys[0]}__lte": values[0]})
                .order_by(*[f"-{k}" for k in keys])[:size + 1])
    more = len(rows) > size
    items = list(reversed(rows[:size]))
    return KeysetPage(items, has_next=True, has_previous=more,
                      next_cursor=_encode("a", _key_values(items[-1], keys)) if items else "",
                      previous_cursor=_encode("b", _key_values(items[0], keys)) if more else "")
