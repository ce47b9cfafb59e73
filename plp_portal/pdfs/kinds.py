"""The kinds of PDF the workers render. Core owns the mechanism; each feature app says how to
render its own documents in its ``pdf_renders`` hook module (core imports no feature app):

    KINDS = [PdfKind(name="learners.progress_file", fingerprint=..., render=...)]

``fingerprint(*, org_id, object_id)`` returns a cheap summary (any repr-able value) of
everything the document shows — versions, update times, counts — so that a changed object
gets a new render and an unchanged one is served from storage. ``render(*, render)`` returns
the PDF bytes for ``render.audience``, in the worker; it raises ``PdfRenderRefused`` when the
document can no longer be produced (the object is gone, the requester lost access)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections
from django.db.models import OuterRef, Subquery

from plp_portal.hooks import app_hook_modules


class PdfRenderRefused(Exception):
    """The document cannot be produced; the message is shown to the person (plain words)."""


@dataclass(frozen=True)
class PdfKind:
    name: str
    fingerprint: Callable[..., object]
    render: Callable[..., bytes]
    # For bulk ZIPs (``PdfBundle``): ``bundle_entry(*, org_id, object_id, user)`` gives
    # (audience, file name in the ZIP) of the document as ``user`` may see it now, or None when
    # they may not see it. Kinds without it cannot be bundled.
    bundle_entry: Callable[..., tuple[str, str] | None] | None = None


@functools.cache
def pdf_kinds() -> dict[str, PdfKind]:
    found: dict[str, PdfKind] = {}
    for module in app_hook_modules("pdf_renders"):
        for kind in module.KINDS:
            found[kind.name] = kind
    return found


def pdf_kind(name: str) -> PdfKind:
    try:
        return pdf_kinds()[name]
    except KeyError:
        raise LookupError(f"no app renders PDFs of kind {name!r} (pdf_renders hook)") from None


def child_summary(model, org_id: int, field: str, aggregate, parent_path: str = "plan"):
    """A subquery for a fingerprint: ``aggregate(field)`` over the ``model`` rows of ``org_id``
    whose ``parent_path`` is the outer row (e.g. the newest id, or the count, of a plan's
    evidence). One of these per kind of record keeps a fingerprint to a single query."""
    return Subquery(
        model.objects.for_org(org_id).filter(**{parent_path: OuterRef("pk")}).order_by()
        .values(parent_path).annotate(v=aggregate(field)).values("v")[:1]
    )


# Stand-ins for the organisation and object ids while a query is compiled once (below); no real
# id is negative.
_ORG_ID, _OBJECT_ID = -7_314_159_265, -7_271_828_182


def row_query_compiled_once(build: Callable[..., object]) -> Callable[..., tuple | None]:
    """``build(*, org_id, object_id)`` returns a queryset of at most one row (a fingerprint: one
    ``values_list`` with thirty-odd subqueries). Building and compiling that in the ORM costs tens
    of milliseconds per request (on the county bench it was most of the progress-file page) while
    PostgreSQL answers it in about 2 ms, so it is compiled once per process with stand-in ids and
    then run as SQL with the real ones. The queryset must depend on nothing but the two ids (no
    date, no setting): they are the only parameters substituted."""
    compiled: dict = {}

    def run(*, org_id: int, object_id: int):
        if "sql" not in compiled:
            queryset = build(org_id=_ORG_ID, object_id=_OBJECT_ID)[:1]
            sql, params = queryset.query.sql_with_params()
            if _ORG_ID not in params or _OBJECT_ID not in params:
                raise ValueError("the query does not take both ids as parameters")
            compiled.update(sql=sql, params=params, db=queryset.db)
        params = [org_id if p == _ORG_ID else object_id if p == _OBJECT_ID else p for p in compiled["params"]]
        with connections[compiled["db"]].cursor() as cursor:
            cursor.execute(compiled["sql"], params)
            return cursor.fetchone()

    return run
