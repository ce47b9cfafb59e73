from django.conf import settings
from django.db import models
from django.utils import timezone

from plp_portal.tenancy import TenantModel


class OutboundEmail(models.Model):
    """An email to send. Written in the same transaction as the change that causes it, then
    sent by a Celery task; if the broker is down, the periodic flush sends it later."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        MESSAGE = "message", "Message"  # the body is rendered when queued
        DIGEST = "digest", "Daily digest"  # rendered when sent, from the reminders it lists

    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MESSAGE)
    essential = models.BooleanField(
        default=True, help_text="Account and security mail; non-essential mail honours opt-out."
    )
    # Ties the email to what caused it, e.g. "digest:42:2026-11-22"; unique, so a job that
    # runs twice cannot queue the same email twice.
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    # Emails sharing a rate limit (e.g. "invitations:42", one organisation's bulk invitations):
    # each is given its own send slot (``next_attempt_at``), spaced to the limit.
    rate_key = models.CharField(max_length=60, blank=True, default="", db_default="")
    # The learner this is about (a learner's profile id, like ``AuditEvent.learner_profile_id``;
    # no foreign key: the row may live in another organisation than the profile, e.g. a careers
    # service's reminder about a school's pupil). The retention job erases by it.
    learner_profile_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"]),
                   models.Index(fields=["rate_key", "next_attempt_at"], name="outbox_rate_key_slot",
                                condition=~models.Q(rate_key=""))]

    def __str__(self):
        return f"{self.subject} → {self.to} ({self.status})"


class Notification(TenantModel):
    """An in-app notification for one person in one organisation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # The learner this is about (a learner's profile id, like ``AuditEvent.learner_profile_id``;
    # no foreign key: the row may live in another organisation than the profile, e.g. a careers
    # service's reminder about a school's pupil). The retention job erases by it.
    learner_profile_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user", "dedupe_key"],
                name="notification_once_per_key",
            )
        ]

    def __str__(self):
        return self.title


class Reminder(TenantModel):
    """One reminder of one thing, to one person, for one due date.

    The unique key (organisation, recipient, kind, subject, due date) is what makes reminders
    idempotent: a daily job that runs twice, a retried task or two beat processes started by
    mistake all insert the same row once. Reminders go out grouped in one digest email per
    person per day (and as in-app notifications)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=60)
    subject_key = models.CharField(max_length=100, help_text="e.g. review:123")
    due_on = models.DateField()
    title = models.CharField(max_length=200)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    digested_at = models.DateTimeField(null=True, blank=True)
    # The learner this is about (a learner's profile id, like ``AuditEvent.learner_profile_id``;
    # no foreign key: the row may live in another organisation than the profile, e.g. a careers
    # service's reminder about a school's pupil). The retention job erases by it.
    learner_profile_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # The digest email that listed it (none when the person opted out of reminder emails).
    digest = models.ForeignKey(
        OutboundEmail, null=True, blank=True, on_delete=models.SET_NULL, related_name="reminders"
    )

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "recipient", "kind", "subject_key", "due_on"],
                name="reminder_once_per_subject_kind_due_date",
            )
        ]
        indexes = [
            models.Index(
                fields=["recipient"],
                condition=models.Q(digested_at__isnull=True),
                name="reminder_undigested_idx",
            )
        ]

    def __str__(self):
        return self.title
