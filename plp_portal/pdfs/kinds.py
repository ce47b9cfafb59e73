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
