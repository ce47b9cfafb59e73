"""A subject access request: a learner's whole record in one organisation, produced by the
workers as a ZIP (JSON with a documented schema, the progress file PDFs, every uploaded file),
downloadable for a limited time by signed-in people who may have it. Every request, review,
production and download is in the audit log."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from plp_portal.tenancy import TenantModel
from plp_portal.uploads import upload_to

USER = settings.AUTH_USER_MODEL
WITHHOLD_REASON_MAX = 300
_export_upload = upload_to("records-exports")


def export_upload_to(instance, filename):
    """A random, unguessable name under MEDIA_ROOT/records-exports/ (served only by the
    permission-checking download views)."""
    return _export_upload(instance, filename)


class SubjectAccessRequest(TenantModel):
    class Status(models.TextChoices):
        AWAITING_REVIEW = "awaiting_review", "Waiting for a staff review"
        QUEUED = "queued", "Queued"
        BUILDING = "building", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    AVAILABLE_FOR = datetime.timedelta(days=14)

    learner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    # The named staff member who reviewed the restricted records, and what they withheld:
    # [{"model": "learners.Concern", "id": 12, "reason": "…"}].
    reviewed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    withheld = models.JSONField(default=list, blank=True)
    file = models.FileField(upload_to=export_upload_to, blank=True, max_length=200)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "learner", "-requested_at"]),
                   models.Index(fields=["status", "requested_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="sar_progress_0_100"),
            models.CheckConstraint(condition=~Q(status="ready") | ~Q(file=""), name="sar_ready_has_file"),
        ]

    def __str__(self):
        return f"Subject access request {self.pk}"

    @property
    def is_available(self) -> bool:
        return (self.status == self.Status.READY and self.expires_at is not None
                and self.expires_at > timezone.now())

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.BUILDING)
