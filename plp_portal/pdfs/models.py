"""A PDF rendered by the workers (DESIGN.md: long renders in a Celery task, requests never wait
on Redis). One row per (document, audience, content fingerprint): the request records it, the
``pdfs.render`` task (or, with the broker down, the periodic ``pdfs.renders_pending`` job) fills
it in, and the app's own permission-checking view serves the stored file."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from plp_portal.tenancy import TenantModel
from plp_portal.uploads import upload_to

ERROR_MAX = 1000
_render_upload = upload_to("pdf-renders")


def render_upload_to(instance, filename):
    """A random, unguessable name under MEDIA_ROOT/pdf-renders/ (served only by the apps'
    permission-checking views)."""
    return _render_upload(instance, filename)


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
    error = models.TextField(blank=True, validators=[MaxLengthValidator(ERROR_MAX)])
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
            models.CheckConstraint(condition=LessThanOrEqual(Length("error"), ERROR_MAX),
                                   name="pdfrender_error_length"),
        ]

    def __str__(self):
        return f"{self.kind} {self.object_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE
