"""Requesting, rendering and cleaning up worker-rendered PDFs.

A request never renders and never waits on Redis: ``pdf_render_request`` records (or finds) the
render and publishes the task after commit with a short broker timeout
(``plp_portal.queue.enqueue_on_commit``). If the publish fails, ``pdf_renders_pending`` — run by
beat every minute — renders what has been queued for more than a minute."""

from __future__ import annotations

import datetime
import hashlib
import logging

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from plp_portal.queue import enqueue_on_commit

from .kinds import PdfRenderRefused, pdf_kind
from .models import PdfRender

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
            "deleted": pdf_renders_superseded_delete(now=now)}


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
