"""Requesting, rendering and cleaning up worker-rendered PDFs.

A request never renders and never waits on Redis: ``pdf_render_request`` records (or finds) the
render and publishes the task after commit with a short broker timeout
(``plp_portal.queue.enqueue_on_commit``). If the publish fails, ``pdf_renders_pending`` — run by
beat every minute — renders what has been queued for more than a minute."""

from __future__ import annotations

import datetime
import hashlib
import logging
import io
import zipfile

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from plp_portal.queue import enqueue_on_commit
from plp_portal.notifications.services import email_queue

from .kinds import PdfRenderRefused, pdf_kind
from .models import PdfBundle, PdfRender

logger = logging.getLogger(__name__)

# A queued render whose publish failed is picked up by the periodic job after this long.
PENDING_AFTER = datetime.timedelta(minutes=1)
# A render still "being prepared" after this long lost its worker: it is marked failed so that
# the person can ask again (the task's own hard time limit is 9.5 minutes).
STUCK_AFTER = datetime.timedelta(minutes=15)
# Finished renders superseded by a newer one of the same document are deleted after this long.
SUPERSEDED_KEPT_FOR = datetime.timedelta(hours=1)

FAILED_MESSAGE = "Something went wrong while the PDF was being prepared."


def pdf_fingerprint(*, org_id: int, kind: str, object_id: int) -> str:
    summary = pdf_kind(kind).fingerprint(org_id=org_id, object_id=object_id)
    return hashlib.sha256(repr(summary).encode()).hexdigest()


def pdf_render_request(*, org, kind: str, object_id: int, audience: str, by) -> PdfRender:
    """The render of document ``kind``/``object_id`` for ``audience`` as it is now: the one
    already queued, being prepared or done for the same unchanged object, or a new one queued
    for the workers. The caller has checked that ``by`` may see the document for ``audience``."""
    org_id = org if isinstance(org, int) else org.pk
    fingerprint = pdf_fingerprint(org_id=org_id, kind=kind, object_id=object_id)
    same = PdfRender.objects.for_org(org_id).filter(
        kind=kind, object_id=object_id, audience=audience, fingerprint=fingerprint)
    for existing in same.exclude(status=PdfRender.Status.FAILED).order_by("-created_at", "-pk")[:1]:
        if existing.is_active or (existing.file and existing.file.storage.exists(existing.file.name)):
            return existing
    try:
        with transaction.atomic():
            render = PdfRender.objects.create(
                organisation_id=org_id, kind=kind, object_id=object_id, audience=audience,
                fingerprint=fingerprint, requested_by=by)
    except IntegrityError:  # another request queued the same document a moment ago: join it
        joined = same.filter(status__in=PdfRender.ACTIVE).first()
        if joined is None:
            raise
        return joined
    enqueue_on_commit("pdfs.render", render.pk)
    return render


def pdf_render_run(*, render_id: int) -> str:
    """Render a queued PDF (the worker's task, or the periodic job). Idempotent: a render that
    is not queued any more — done, failed, or claimed by another worker — is left alone.
    Returns the render's status afterwards, or "skipped"."""
    with transaction.atomic():
        render = (
            PdfRender.objects.system("a worker renders the PDF it was handed by id")
            .select_for_update(skip_locked=True)
            .filter(pk=render_id, status=PdfRender.Status.QUEUED).first()
        )
        if render is None:
            return "skipped"
        render.status = PdfRender.Status.RENDERING
        render.started_at = timezone.now()
        render.save(update_fields=["status", "started_at"])
    try:
        data = pdf_kind(render.kind).render(render=render)
    except PdfRenderRefused as refused:
        return _fail(render, str(refused))
    except Exception:  # whatever broke, the person sees a failed render they can try again
        logger.exception("PDF render %s (%s %s) failed", render.pk, render.kind, render.object_id)
        return _fail(render, FAILED_MESSAGE)
    render.file.save(f"{render.kind.replace('.', '-')}.pdf", ContentFile(data), save=False)
    render.size = len(data)
    render.status = PdfRender.Status.DONE
    render.finished_at = timezone.now()
    render.save(update_fields=["file", "size", "status", "finished_at"])
    return render.status


def _fail(render: PdfRender, message: str) -> str:
    render.status = PdfRender.Status.FAILED
    render.error = message[:1000]
    render.finished_at = timezone.now()
    render.save(update_fields=["status", "error", "finished_at"])
    return render.status


def pdf_renders_pending(*, now: datetime.datetime | None = None, limit: int = 20) -> dict:
    """The periodic job (beat, every minute), for every organisation: renders queued for more
    than a minute (their publish failed while Redis was down, or the message was lost),
    renders stuck "being prepared" marked failed, superseded renders and their files deleted."""
    now = now or timezone.now()
    renders = PdfRender.objects.system("the periodic PDF job works for every organisation")
    stuck = renders.filter(status=PdfRender.Status.RENDERING, started_at__lt=now - STUCK_AFTER).update(
        status=PdfRender.Status.FAILED, error="Preparing the PDF took too long.", finished_at=now)
    pending = list(
        renders.filter(status=PdfRender.Status.QUEUED, created_at__lte=now - PENDING_AFTER)
        .order_by("created_at").values_list("pk", flat=True)[:limit]
    )
    rendered = sum(pdf_render_run(render_id=pk) == PdfRender.Status.DONE for pk in pending)
    return {"rendered": rendered, "pending": len(pending), "stuck": stuck,
            "deleted": pdf_renders_superseded_delete(now=now), "bundles": pdf_bundles_pending(now=now)}


def pdf_renders_superseded_delete(*, now: datetime.datetime) -> int:
    """Delete finished renders (and their files) older than ``SUPERSEDED_KEPT_FOR`` for which a
    newer finished render of the same document and audience exists."""
    renders = PdfRender.objects.system("removing superseded PDF renders of every organisation")
    newer = PdfRender.objects.system("a newer render of the same document").filter(
        organisation_id=OuterRef("organisation_id"), kind=OuterRef("kind"),
        object_id=OuterRef("object_id"), audience=OuterRef("audience"),
        status=PdfRender.Status.DONE, created_at__gt=OuterRef("created_at"))
    old = list(renders.filter(status__in=[PdfRender.Status.DONE, PdfRender.Status.FAILED],
                              finished_at__lt=now - SUPERSEDED_KEPT_FOR)
               .filter(Exists(newer))[:500])
    for render in old:
        if render.file:
            render.file.delete(save=False)
    if old:
        renders.filter(pk__in=[r.pk for r in old]).delete()
    return len(old)


# --- Bulk ZIPs --------------------------------------------------------------------------------


def pdf_bundle_request(*, org, kind: str, object_ids: list[int], title: str, page_path, by) -> PdfBundle:
    """Queue a ZIP of ``kind`` documents of ``object_ids`` for ``by`` (who the app has checked
    may ask for them; each document is checked again in the worker). ``page_path(bundle)`` is
    the path of the app's page for the bundle (linked from the email)."""
    if pdf_kind(kind).bundle_entry is None:
        raise ValueError(f"{kind} documents cannot be bundled")
    ids = list(dict.fromkeys(int(i) for i in object_ids))[:PdfBundle.MAX_DOCUMENTS]
    with transaction.atomic():
        bundle = PdfBundle.objects.create(organisation=org, kind=kind, object_ids=ids, title=title[:200],
                                          page_path="", requested_by=by)
        bundle.page_path = page_path(bundle)[:300]
        bundle.save(update_fields=["page_path"])
        enqueue_on_commit("pdfs.bundle_build", bundle.pk)
    return bundle


def _bundle_document(kind, org_id: int, object_id: int, audience: str, user) -> bytes:
    """A finished render of the same unchanged document for the same audience if there is one
    (stored), else rendered now and stored as that render (so the next ZIP, or the person's own
    download of the document, is served from storage)."""
    fingerprint = pdf_fingerprint(org_id=org_id, kind=kind.name, object_id=object_id)
    done = (PdfRender.objects.for_org(org_id)
            .filter(kind=kind.name, object_id=object_id, audience=audience, fingerprint=fingerprint,
                    status=PdfRender.Status.DONE).order_by("-created_at").first())
    if done is not None and done.file and done.file.storage.exists(done.file.name):
        with done.file.open("rb") as handle:
            return handle.read()
    started = timezone.now()
    data = kind.render(render=PdfRender(organisation_id=org_id, kind=kind.name, object_id=object_id,
                                        audience=audience, requested_by=user))
    stored = PdfRender(organisation_id=org_id, kind=kind.name, object_id=object_id, audience=audience,
                       fingerprint=fingerprint, requested_by=user, status=PdfRender.Status.DONE, size=len(data),
                       started_at=started, finished_at=timezone.now())
    stored.file.save(f"{kind.name.replace('.', '-')}.pdf", ContentFile(data), save=False)
    stored.save()
    return data


def pdf_bundle_build(*, bundle_id: int) -> str:
    """Build a queued bundle (the worker's task, or the periodic job); idempotent."""
    with transaction.atomic():
        bundle = (PdfBundle.objects.system("a worker builds the bundle it was handed by id")
                  .select_for_update(skip_locked=True, of=("self",)).select_related("requested_by", "organisation")
                  .filter(pk=bundle_id, status=PdfBundle.Status.QUEUED).first())
        if bundle is None:
            return "skipped"
        bundle.status = PdfBundle.Status.BUILDING
        bundle.save(update_fields=["status"])
    kind = pdf_kind(bundle.kind)
    buffer = io.BytesIO()
    included = 0
    names: set[str] = set()
    try:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for done, object_id in enumerate(bundle.object_ids, start=1):
                entry = kind.bundle_entry(org_id=bundle.organisation_id, object_id=object_id, user=bundle.requested_by)
                if entry is not None:
                    audience, name = entry
                    try:
                        data = _bundle_document(kind, bundle.organisation_id, object_id, audience, bundle.requested_by)
                    except PdfRenderRefused:
                        data = None
                    if data is not None:
                        if name in names:
                            name = f"{object_id}-{name}"
                        names.add(name)
                        archive.writestr(name, data)
                        included += 1
                PdfBundle.objects.for_org(bundle.organisation_id).filter(pk=bundle.pk).update(done_count=done)
    except Exception:
        logger.exception("PDF bundle %s failed", bundle.pk)
        PdfBundle.objects.for_org(bundle.organisation_id).filter(pk=bundle.pk).update(
            status=PdfBundle.Status.FAILED, error=FAILED_MESSAGE[:300], finished_at=timezone.now())
        return PdfBundle.Status.FAILED
    data = buffer.getvalue()
    bundle.file.save("bundle.zip", ContentFile(data), save=False)
    bundle.refresh_from_db(fields=["done_count"])
    bundle.size, bundle.included_count, bundle.status = len(data), included, PdfBundle.Status.READY
    bundle.finished_at = timezone.now()
    bundle.expires_at = bundle.finished_at + PdfBundle.AVAILABLE_FOR
    bundle.save(update_fields=["file", "size", "included_count", "status", "finished_at", "expires_at"])
    user = bundle.requested_by
    email_queue(to=user.email, subject=f"Your ZIP is ready: {bundle.title}", template="pdfs/email/bundle_ready",
                context={"bundle": bundle, "user": user}, org=bundle.organisation, user=user,
                dedupe_key=f"pdf-bundle-ready:{bundle.pk}")
    return bundle.status


def pdf_bundles_pending(*, now: datetime.datetime | None = None) -> dict:
    """Bundles whose publish failed (Redis down) are built; expired ones lose their file."""
    now = now or timezone.now()
    bundles = PdfBundle.objects.system("the periodic PDF job works for every organisation")
    pending = list(bundles.filter(status=PdfBundle.Status.QUEUED, created_at__lte=now - PENDING_AFTER)
                   .values_list("pk", flat=True)[:5])
    built = sum(pdf_bundle_build(bundle_id=pk) == PdfBundle.Status.READY for pk in pending)
    expired = 0
    for bundle in bundles.filter(status=PdfBundle.Status.READY, expires_at__lte=now):
        bundle.file.delete(save=False)
        bundle.status = PdfBundle.Status.EXPIRED
        bundle.save(update_fields=["file", "status"])
        expired += 1
    return {"built": built, "expired": expired}
