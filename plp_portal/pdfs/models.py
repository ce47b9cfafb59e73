"""A PDF rendered by the workers (DESIGN.md: long renders in a Celery task, requests never wait
on Redis). One row per (document, audience, content fingerprint): the request records it, the
``pdfs.render`` task (or, with the broker down, the periodic ``pdfs.renders_pending`` job) fills
it in, and the app's own permission-checking view serves the stored file."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from plp_portal.bounds import limited_text, text_limit
from plp_portal.tenancy import TenantModel
from plp_portal.uploads import UploadTo

ERROR_MAX = 1000
# A random, unguessable name under MEDIA_ROOT/pdf-renders/ (served only by the apps'
# permission-checking views); module-level: the migrations refer to it.
render_upload_to = UploadTo("pdf-renders")


class PdfRender(TenantModel):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Being prepared"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.QUEUED, Status.RENDERING)

    # "<app>.<document>", e.g. "learners.progress_file": the app's pdf_renders hook renders it.
    kind = models.CharField(max_length=60)
    object_id = models.PositiveBigIntegerField()
    # Who the document is for, as the app defines it (what the viewer may see): renders for
    # the same audience of the same unchanged object are shared.
    audience = models.CharField(max_length=100)
    # The app's cheap summary of everything the document shows (versions, update times,
    # counts); a different fingerprint is a different document.
    fingerprint = models.CharField(max_length=64)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(upload_to=render_upload_to, blank=True, max_length=200)
    size = models.PositiveIntegerField(null=True, blank=True)
    error = limited_text(max_length=ERROR_MAX, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "kind", "object_id", "audience", "fingerprint"]),
            models.Index(fields=["status", "created_at"]),
        ]
        constraints = [
            # At most one render in progress per document: a second request joins it.
            models.UniqueConstraint(
                fields=["organisation", "kind", "object_id", "audience", "fingerprint"],
                condition=models.Q(status__in=["queued", "rendering"]),
                name="pdfrender_one_in_progress",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "rendering", "done", "failed"]),
                name="pdfrender_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="done") | ~models.Q(file=""),
                name="pdfrender_done_has_file",
            ),
            text_limit("error", ERROR_MAX, name="pdfrender_error_length"),
        ]

    def __str__(self):
        return f"{self.kind} {self.object_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


bundle_upload_to = UploadTo("pdf-bundles")


class PreparedDownload(TenantModel):
    """A file the workers prepare for a person, downloadable until ``expires_at``: its size,
    what went wrong, and when it was finished. Each subclass lists its own ``Status`` (with
    QUEUED, BUILDING and READY) and its ``file``."""

    size = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.BUILDING)

    @property
    def is_available(self) -> bool:
        return self.status == self.Status.READY and self.expires_at is not None and self.expires_at > timezone.now()


class PdfBundle(PreparedDownload):
    """Many documents of one kind (a caseload's progress files) as one ZIP, built by the workers
    with a progress count and an email to the person when it is ready. Each document is the one
    the person may see (the kind's ``bundle_entry``); documents they may no longer see are left
    out. Available for ``AVAILABLE_FOR``, then its file is deleted."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        BUILDING = "building", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    MAX_DOCUMENTS = 300
    AVAILABLE_FOR = datetime.timedelta(days=2)

    kind = models.CharField(max_length=60)
    object_ids = models.JSONField(default=list)
    title = models.CharField(max_length=200)
    # Where the person sees the bundle (for the email): a path of the app's own view.
    page_path = models.CharField(max_length=300)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    done_count = models.PositiveIntegerField(default=0)
    included_count = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=bundle_upload_to, blank=True, max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [models.CheckConstraint(condition=~models.Q(status="ready") | ~models.Q(file=""),
                                              name="pdfbundle_ready_has_file")]

    @property
    def total(self) -> int:
        return len(self.object_ids)

    @property
    def percent(self) -> int:
        return int(100 * self.done_count / self.total) if self.total else 100
