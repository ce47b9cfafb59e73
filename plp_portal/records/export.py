"""What a learner's record is, for subject access (and, later, retention): each feature app
says which of its rows are about a learner in a ``records.py`` hook module (core imports no
feature app):

    def record_sets(*, org_id, user_id) -> list[RecordSet]   # lazy querysets, scoped to org_id
    def documents(*, org_id, user_id) -> list[Document]      # PDFs to include (progress files)
    EXCLUDED = {"app.Model": "why it is not part of a learner's record"}

Core serialises every row (every concrete field; foreign keys as ids), adds every stored file
of a ``FileField`` to the archive, and holds back rows whose ``audience`` is *restricted*
until a named staff member has reviewed them (``services.sar_review``). A test walks every
model and fails when one that references a learner is neither exported nor excluded."""

from __future__ import annotations

import datetime
import decimal
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import models

from plp_portal.hooks import app_hook_modules

HOOK = "records"
FORMAT = "plp-portal-subject-access/1"
SCHEMA_PATH = Path(__file__).with_name("sar-schema.json")
RESTRICTED = "restricted"


@dataclass
class RecordSet:
    """The rows of ``label`` (``app_label.ModelName``) about the learner. ``omit``: fields never
    exported (secrets such as a token hash)."""

    label: str
    queryset: models.QuerySet
    omit: tuple[str, ...] = ()


@dataclass
class Document:
    """A PDF rendered by the ``plp_portal.pdfs`` kind ``kind`` for ``audience``."""

    kind: str
    object_id: int
    audience: str
    filename: str


@dataclass
class Collected:
    records: dict = field(default_factory=dict)  # label -> [row dict]
    files: list = field(default_factory=list)  # (archive path, FieldFile, label, pk)
    restricted: list = field(default_factory=list)  # (label, row) rows waiting for review


def learner_rows(model, *, org_id: int, user_id: int, path: str) -> models.QuerySet:
    """The rows of tenant ``model`` in ``org_id`` whose ``path`` (e.g. "plan__profile__user_id")
    is the learner's user id: the queryset of a ``RecordSet``. ``user_id`` may also be a list of
    user ids (the retention job erases many learners' rows in one statement per kind)."""
    if isinstance(user_id, (list, tuple, set)):
        return model.objects.for_org(org_id).filter(**{f"{path}__in": list(user_id)})
    return model.objects.for_org(org_id).filter(**{path: user_id})


def learner_record_sets(kinds, *, org_id: int, user_id: int) -> list[RecordSet]:
    """An app's ``record_sets``: for each ``(model, path)`` or ``(model, path, omit)`` of
    ``kinds``, in order, the ``RecordSet`` of ``learner_rows`` labelled ``app_label.ModelName``."""
    return [RecordSet(model._meta.label, learner_rows(model, org_id=org_id, user_id=user_id, path=path), *omit)
            for model, path, *omit in kinds]


def record_sets(*, org_id: int, user_id: int) -> list[RecordSet]:
    sets: list[RecordSet] = []
    for module in app_hook_modules(HOOK):
        sets.extend(module.record_sets(org_id=org_id, user_id=user_id))
    return sets


def documents(*, org_id: int, user_id: int) -> list[Document]:
    docs: list[Document] = []
    for module in app_hook_modules(HOOK):
        docs.extend(getattr(module, "documents", lambda **_: [])(org_id=org_id, user_id=user_id))
    return docs


def parent_children(*, user_id: int) -> list[dict]:
    """The learners ``user_id`` has parental responsibility for (each app's ``parent_children``)."""
    found: list[dict] = []
    for module in app_hook_modules(HOOK):
        found.extend(getattr(module, "parent_children", lambda **_: [])(user_id=user_id))
    return found


def excluded() -> dict[str, str]:
    found: dict[str, str] = {}
    for module in app_hook_modules(HOOK):
        found.update(getattr(module, "EXCLUDED", {}))
    return found


def _value(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _row(obj, omit) -> dict:
    row = {}
    for f in obj._meta.concrete_fields:
        if f.name in omit:
            continue
        if isinstance(f, models.FileField):
            row[f.name] = getattr(obj, f.name).name or ""
        elif f.is_relation:
            row[f.attname] = getattr(obj, f.attname)
        else:
            row[f.name] = _value(getattr(obj, f.attname))
    return row


def collect(*, org_id: int, user_id: int, withheld=(), include_restricted: bool = False) -> Collected:
    """Every row and file of the learner's record in ``org_id``. Rows whose audience is
    restricted go to ``restricted`` unless ``include_restricted`` (after the review); rows named in
    ``withheld`` ({model, id}) are left out. One query per kind of record."""
    held = {(w["model"], int(w["id"])) for w in withheld}
    out = Collected()
    for record_set in record_sets(org_id=org_id, user_id=user_id):
        rows = out.records.setdefault(record_set.label, [])
        file_fields = [f for f in record_set.queryset.model._meta.concrete_fields if isinstance(f, models.FileField)]
        for obj in record_set.queryset.order_by("pk"):
            if (record_set.label, obj.pk) in held:
                continue
            row = _row(obj, record_set.omit)
            if row.get("audience") == RESTRICTED and not include_restricted:
                out.restricted.append((record_set.label, row))
                continue
            rows.append(row)
            for f in file_fields:
                stored = getattr(obj, f.name)
                if stored and stored.name:
                    suffix = Path(stored.name).suffix[:9]
                    out.files.append((f"files/{record_set.label}/{obj.pk}-{f.name}{suffix}", stored,
                                      record_set.label, obj.pk))
    return out


def record_json(*, organisation, learner, generated_at, collected: Collected, withheld, reviewed_by,
                documents_in_zip) -> str:
    data = {
        "format": FORMAT,
        "generated_at": generated_at.isoformat(),
        "organisation": {"id": organisation.pk, "name": organisation.name},
        "learner": {"id": learner.pk, "name": learner.full_name, "email": learner.email},
        "records": collected.records,
        "files": [{"path": path, "model": label, "id": pk} for path, _f, label, pk in collected.files],
        "documents": documents_in_zip,
        "withheld": [{"model": w["model"], "id": int(w["id"]), "reason": w["reason"]} for w in withheld],
        "reviewed_by": ({"id": reviewed_by.pk, "name": reviewed_by.full_name} if reviewed_by else None),
    }
    return json.dumps(data, indent=2, ensure_ascii=False, default=str)
