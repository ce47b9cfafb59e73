"""Subject access requests: asked for by the learner (or produced by an organisation admin),
restricted records reviewed by a named staff member, the ZIP built by the workers, downloaded
while it is available. Everything is audited (``records.sar.*``)."""

from __future__ import annotations

import io
import logging
import zipfile
import datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.contrib.auth import get_user_model
from django.urls import reverse

from plp_portal.audit.services import audit_log
from plp_portal.queue import enqueue_on_commit
from plp_portal import clock
from plp_portal.organisations.models import Organisation
from plp_portal.pdfs.kinds import pdf_kind
from plp_portal.pdfs.models import PdfRender
from plp_portal.notifications.services import email_queue

from . import export, retention
from .models import SubjectAccessRequest
from .retention import ErasureError, _profile_id_of, policy_for

logger = logging.getLogger(__name__)
Status = SubjectAccessRequest.Status
FAILED_MESSAGE = "The export could not be prepared. Ask again, or tell your organisation's admin."
README = """This archive is a copy of your record at {org}, made on {when}.

record.json       every record about you, as data (schema: plp-portal-subject-access/1)
progress-files/   your progress file(s) as PDF
files/            every file uploaded to your records (recordings, photos, evidence)

Records withheld after review by a member of staff are listed in record.json under "withheld",
with the reason.
"""


class SarError(Exception):
    """The request cannot be made or changed (plain words for the person)."""


def sar_request(*, org, learner, by, request=None, on_behalf: str = "") -> SubjectAccessRequest:
    """Record a request for ``learner``'s whole record in ``org`` (the caller has checked that
    ``by`` may ask: the learner, an organisation admin, or a parent the organisation's policy
    allows: ``sar_request_for_child``). Waits for a staff review when the record holds
    restricted rows; otherwise queued for the workers at once."""
    open_one = SubjectAccessRequest.objects.for_org(org).filter(
        learner=learner, requested_by=by,
        status__in=[Status.AWAITING_REVIEW, Status.QUEUED, Status.BUILDING]).first()
    if open_one is not None:
        return open_one
    restricted = export.collect(org_id=org.pk, user_id=learner.pk).restricted
    sar = SubjectAccessRequest.objects.create(
        organisation=org, learner=learner, requested_by=by, on_behalf=on_behalf,
        status=Status.AWAITING_REVIEW if restricted else Status.QUEUED)
    audit_log("records.sar.requested", request=request, actor=by, org=org, obj=sar,
              data={"learner_user_id": learner.pk, "restricted_rows": len(restricted),
                    **({"on_behalf": on_behalf} if on_behalf else {})})
    if sar.status == Status.QUEUED:
        enqueue_on_commit("records.sar_build", sar.pk)
    return sar


# --- A parent on behalf of a young child -----------------------------------------------------------


def age_on(born, day) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def parent_children_decided(*, parent) -> list[dict]:
    """The learners ``parent`` has parental responsibility for, each with ``allowed`` (may the
    parent ask for the child's copy under the child's organisation's policy) and ``why_not``
    (plain words). The rule: an active parent/carer grant on the child's plan, the child's date
    of birth known, and the child younger than the organisation's ``parent_request_below_age``."""
    children = export.parent_children(user_id=parent.pk)
    orgs = Organisation.objects.in_bulk({c["org_id"] for c in children})
    for child in children:
        org = orgs[child["org_id"]]
        limit = policy_for(org.pk).parent_request_below_age
        child["organisation"] = org
        child["allowed"], child["why_not"] = False, ""
        if not limit:
            child["why_not"] = f"{org.name} does not take requests from parents: {child['full_name']} can ask"
        elif child["date_of_birth"] is None:
            child["why_not"] = f"{org.name} has no date of birth for {child['full_name']}: ask {org.name}"
        elif age_on(child["date_of_birth"], clock.today(org)) >= limit:
            child["why_not"] = (f"{child['full_name']} is {limit} or older: at {org.name} they ask for "
                                f"their own copy")
        else:
            child["allowed"] = True
    return children


def sar_request_for_child(*, parent, profile_id: int, request=None) -> SubjectAccessRequest:
    """A parent asks for a young child's copy. Refused (``SarError``, audited without the
    child's personal data) unless ``parent_children_decided`` allows it."""
    child = next((c for c in parent_children_decided(parent=parent) if c["profile_id"] == profile_id), None)
    if child is None:
        raise SarError("You cannot ask for this record")
    if not child["allowed"]:
        audit_log("records.sar.parent_refused", request=request, actor=parent, org=child["organisation"],
                  learner_profile_id=profile_id, data={"profile_id": profile_id})
        raise SarError(child["why_not"])
    learner = get_user_model().objects.get(pk=child["user_id"])
    return sar_request(org=child["organisation"], learner=learner, by=parent, request=request, on_behalf="parent")


def sar_restricted_rows(*, sar) -> list[tuple[str, dict]]:
    """The restricted rows the reviewer decides on (label, row)."""
    return export.collect(org_id=sar.organisation_id, user_id=sar.learner_id).restricted


def sar_review(*, org, sar, by, withheld: list[dict], request=None) -> SubjectAccessRequest:
    """A named staff member has read the restricted rows: ``withheld`` lists those left out
    ({model, id, reason}); every other one is included. Queues the export."""
    with transaction.atomic():
        sar = SubjectAccessRequest.objects.for_org(org).select_for_update().get(pk=sar.pk)
        if sar.status != Status.AWAITING_REVIEW:
            raise SarError("This request has already been reviewed.")
        sar.withheld = [{"model": w["model"], "id": int(w["id"]), "reason": w["reason"]} for w in withheld]
        sar.reviewed_by, sar.reviewed_at, sar.status = by, timezone.now(), Status.QUEUED
        sar.save(update_fields=["withheld", "reviewed_by", "reviewed_at", "status"])
        # What was withheld (model and id) and why is audited; the records' text is not copied.
        audit_log("records.sar.reviewed", request=request, actor=by, org=org, obj=sar,
                  data={"withheld": [{"model": w["model"], "id": w["id"]} for w in sar.withheld]})
        enqueue_on_commit("records.sar_build", sar.pk)
    return sar


def _progress(sar, percent: int) -> None:
    SubjectAccessRequest.objects.for_org(sar.organisation_id).filter(pk=sar.pk).update(progress=percent)


def sar_build(*, sar_id: int) -> str:
    """Build the ZIP (the worker's task, or the periodic job). Idempotent: a request that is not
    queued any more is left alone."""
    with transaction.atomic():
        sar = (SubjectAccessRequest.objects.system("a worker builds the export it was handed by id")
               .select_for_update(skip_locked=True, of=("self",))
               .select_related("organisation", "learner", "reviewed_by")
               .filter(pk=sar_id, status=Status.QUEUED).first())
        if sar is None:
            return "skipped"
        sar.status, sar.progress = Status.BUILDING, 5
        sar.save(update_fields=["status", "progress"])
    try:
        collected = export.collect(org_id=sar.organisation_id, user_id=sar.learner_id, withheld=sar.withheld,
                                   include_restricted=sar.reviewed_at is not None)
        _progress(sar, 30)
        buffer = io.BytesIO()
        docs = export.documents(org_id=sar.organisation_id, user_id=sar.learner_id)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            in_zip = []
            for i, doc in enumerate(docs):
                render = PdfRender(organisation_id=sar.organisation_id, kind=doc.kind, object_id=doc.object_id,
                                   audience=doc.audience, requested_by=sar.learner)
                path = f"progress-files/{doc.filename}"
                archive.writestr(path, pdf_kind(doc.kind).render(render=render))
                in_zip.append({"path": path, "kind": doc.kind, "object_id": doc.object_id})
                _progress(sar, 30 + int(40 * (i + 1) / max(len(docs), 1)))
            for path, stored, _label, _pk in collected.files:
                try:
                    with stored.open("rb") as handle:
                        archive.writestr(path, handle.read())
                except FileNotFoundError:
                    logger.warning("export %s: %s missing from storage", sar.pk, stored.name)
            now = timezone.now()
            archive.writestr("record.json", export.record_json(
                organisation=sar.organisation, learner=sar.learner, generated_at=now, collected=collected,
                withheld=sar.withheld, reviewed_by=sar.reviewed_by, documents_in_zip=in_zip))
            archive.writestr("README.txt", README.format(org=sar.organisation.name, when=f"{now:%-d %B %Y}"))
    except Exception:
        logger.exception("subject access export %s failed", sar.pk)
        sar.status, sar.error, sar.finished_at = Status.FAILED, FAILED_MESSAGE, timezone.now()
        sar.save(update_fields=["status", "error", "finished_at"])
        return sar.status
    data = buffer.getvalue()
    sar.file.save("record.zip", ContentFile(data), save=False)
    sar.size, sar.status, sar.progress = len(data), Status.READY, 100
    sar.finished_at = timezone.now()
    sar.expires_at = sar.finished_at + SubjectAccessRequest.AVAILABLE_FOR
    sar.save(update_fields=["file", "size", "status", "progress", "finished_at", "expires_at"])
    audit_log("records.sar.produced", actor=None, org=sar.organisation, obj=sar,
              data={"bytes": len(data), "files": len(collected.files), "documents": len(docs),
                    "withheld": len(sar.withheld)})
    sar_ready_email(sar=sar)
    return sar.status


def sar_ready_email(*, sar) -> None:
    """Tell whoever asked (the learner, a parent, or the admin who produced it) that the copy
    is ready, through the outbox, with a link to the page that needs sign-in (the email holds no
    record and no download token). Once per request (dedupe key)."""
    who = sar.requested_by
    staff_produced = sar.on_behalf == "admin"
    path = (reverse("records:detail", kwargs={"org_slug": sar.organisation.slug, "sar_id": sar.pk})
            if staff_produced else reverse("me_records:detail", kwargs={"sar_id": sar.pk}))
    try:
        profile_id = _profile_id_of(org=sar.organisation, learner=sar.learner)
    except ErasureError:
        profile_id = None
    email_queue(to=who.email, subject="The copy of the record you asked for is ready",
                template="records/email/sar_ready", context={"sar": sar, "path": path,
                                                             "own": who.pk == sar.learner_id},
                org=sar.organisation, user=who, dedupe_key=f"records-sar-ready:{sar.pk}",
                learner_profile_id=profile_id)


def sar_downloaded(*, sar, by, request=None) -> None:
    audit_log("records.sar.downloaded", request=request, actor=by, org=sar.organisation, obj=sar)


def sars_pending(*, now=None) -> dict:
    """The periodic job (beat, every minute): exports whose publish failed (Redis down) are
    built; expired ones lose their file."""
    now = now or timezone.now()
    qs = SubjectAccessRequest.objects.system("the periodic export job works for every organisation")
    built = 0
    for sar_id in qs.filter(status=Status.QUEUED, requested_at__lt=now - datetime.timedelta(minutes=1)
                            ).values_list("pk", flat=True)[:10]:
        sar_build(sar_id=sar_id)
        built += 1
    expired = 0
    for sar in qs.filter(status=Status.READY, expires_at__lte=now):
        sar.file.delete(save=False)
        sar.status, sar.size = Status.EXPIRED, None
        sar.save(update_fields=["file", "status", "size"])
        expired += 1
    return {"built": built, "expired": expired}


def retention_run() -> dict:
    """The daily retention job (``records.retention_daily``): see ``retention.retention_run``."""
    return retention.retention_run()
