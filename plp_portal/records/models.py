"""A subject access request: a learner's whole record in one organisation, produced by the
workers as a ZIP (JSON with a documented schema, the progress file PDFs, every uploaded file),
downloadable for a limited time by signed-in people who may have it. Every request, review,
production and download is in the audit log."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from plp_portal.pdfs.models import PreparedDownload
from plp_portal.tenancy import TenantModel
from plp_portal.uploads import UploadTo

USER = settings.AUTH_USER_MODEL
WITHHOLD_REASON_MAX = 300
# A random, unguessable name under MEDIA_ROOT/records-exports/ (served only by the
# permission-checking download views); module-level: the migrations refer to it.
export_upload_to = UploadTo("records-exports")


class SubjectAccessRequest(PreparedDownload):
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
    # Who asked: the learner themself (blank), a parent on a young child's behalf, or an
    # organisation admin producing it. Says where the "ready" email links to.
    on_behalf = models.CharField(max_length=8, blank=True,
                                 choices=[("", "The learner"), ("parent", "A parent or carer"),
                                          ("admin", "An organisation admin")])
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    # The named staff member who reviewed the restricted records, and what they withheld:
    # [{"model": "learners.Concern", "id": 12, "reason": "…"}].
    reviewed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    withheld = models.JSONField(default=list, blank=True)
    file = models.FileField(upload_to=export_upload_to, blank=True, max_length=200)

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


# --- Retention and erasure (issue 16) --------------------------------------------------------

YEARS_MIN, YEARS_MAX = 1, 50
PARENT_AGE_MAX = 18


class RetentionPolicy(TenantModel):
    """How long an organisation keeps a learner's record after the learner has left (README,
    "Retention and erasure", gives the defaults and their reasons). One per organisation; an
    organisation without one uses the defaults."""

    DEFAULT_YEARS_AFTER_LEAVING = 6
    DEFAULT_YEARS_WITH_SUPPORT_NEEDS = 25
    DEFAULT_PARENT_REQUEST_BELOW_AGE = 12

    years_after_leaving = models.PositiveSmallIntegerField(default=DEFAULT_YEARS_AFTER_LEAVING)
    years_with_support_needs = models.PositiveSmallIntegerField(default=DEFAULT_YEARS_WITH_SUPPORT_NEEDS)
    # Subject access on a child's behalf (README, "Subject access requests"): a parent or carer
    # with parental responsibility — recorded here as an active parent/carer grant on the child's
    # plan — may ask for the copy of a child younger than this age; 0: never (the child asks).
    parent_request_below_age = models.PositiveSmallIntegerField(default=DEFAULT_PARENT_REQUEST_BELOW_AGE)
    updated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="retention_policy_one_per_org"),
            models.CheckConstraint(condition=Q(years_after_leaving__gte=YEARS_MIN, years_after_leaving__lte=YEARS_MAX),
                                   name="retention_years_plausible"),
            models.CheckConstraint(
                condition=Q(years_with_support_needs__gte=models.F("years_after_leaving"),
                            years_with_support_needs__lte=YEARS_MAX),
                name="retention_support_years_plausible"),
            models.CheckConstraint(condition=Q(parent_request_below_age__lte=PARENT_AGE_MAX),
                                   name="retention_parent_age_plausible"),
        ]


class Erasure(TenantModel):
    """The erasure of one learner's record in one organisation: due by the retention policy
    (made and confirmed by the daily job), or early, asked for by one organisation admin and
    confirmed by another. The database function ``records_erase_learner`` erases the append-only
    rows (learning journey, audit log) only for a confirmed erasure (see README). No personal
    data: the profile id is kept, the profile is not."""

    class Reason(models.TextChoices):
        RETENTION = "retention", "Retention period passed"
        EARLY = "early", "Early erasure (the law requires it)"

    class Status(models.TextChoices):
        REQUESTED = "requested", "Waiting for a second admin to confirm"
        CONFIRMED = "confirmed", "Confirmed"
        DONE = "done", "Erased"
        CANCELLED = "cancelled", "Cancelled"

    profile_id = models.BigIntegerField()
    reason = models.CharField(max_length=12, choices=Reason.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.REQUESTED)
    left_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    requested_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "profile_id"],
                                    condition=~Q(status="cancelled"), name="erasure_once_per_profile"),
            # Two people: whoever confirms an early erasure is not who asked for it.
            models.CheckConstraint(
                condition=~Q(reason="early") | Q(confirmed_by__isnull=True)
                | ~Q(confirmed_by=models.F("requested_by")),
                name="erasure_early_two_people"),
        ]
