"""Choices of the keyworkers app. Values are stable strings stored in the database."""

from django.db import models

from learners.choices import ShareRelationship


class KeyWorkerType(models.TextChoices):
    """Who the key worker is to the learner (seed 000: "key worker")."""

    TUTOR = "tutor", "Tutor"
    WORKPLACE_SUPERVISOR = "workplace_supervisor", "Workplace supervisor"
    TRAINING_PROVIDER = "training_provider", "Training provider"
    PERSONAL_ADVISER = "personal_adviser", "Personal adviser"
    EMPLOYER = "employer", "Employer"
    YOUTH_WORKER = "youth_worker", "Youth worker"
    LEARNING_MENTOR = "learning_mentor", "Learning mentor"
    OTHER = "other", "Other"


class TeamRole(models.TextChoices):
    """Other professionals in the learner's team."""

    YOUTH_WORKER = "youth_worker", "Youth worker"
    SOCIAL_WORKER = "social_worker", "Social worker"
    LEARNING_MENTOR = "learning_mentor", "Learning mentor"
    PERSONAL_ADVISER = "personal_adviser", "Personal adviser"
    SUBJECT_TUTOR = "subject_tutor", "Subject or specialist tutor"
    OTHER = "other", "Other"


class Cadence(models.TextChoices):
    HALF_TERMLY = "half_termly", "Every half term (from the term dates)"
    TERMLY = "termly", "Every term (from the term dates)"
    WEEKS = "weeks", "Every so many weeks"


class ReviewStatus(models.TextChoices):
    """Stored statuses. "Overdue" is not stored: an open review past its due date
    (``Review.is_overdue``)."""

    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


OPEN_REVIEW_STATUSES = (ReviewStatus.SCHEDULED, ReviewStatus.IN_PROGRESS)


class SignStage(models.TextChoices):
    """Whose signature a review waits for (in this order)."""

    KEY_WORKER = "key_worker", "Key worker"
    LEARNER = "learner", "Learner"
    PROVIDER = "provider", "Employer or off-site provider"
    DONE = "done", "Signed off"


class ReminderKind:
    REVIEW_DUE_SOON = "review.due_soon"
    REVIEW_DUE_TODAY = "review.due_today"
    REVIEW_OVERDUE = "review.overdue"
    REVIEW_ESCALATED = "review.escalated"
    TARGET_DUE = "target.due"


class TimelineKind:
    REVIEW_SCHEDULED = "review.scheduled"
    REVIEW_STARTED = "review.started"
    REVIEW_SIGNED = "review.signed"
    REVIEW_COMPLETED = "review.completed"
    REVIEW_CANCELLED = "review.cancelled"
    REVIEW_AMENDED = "review.amended"


# The plan shares whose holders take part in a review as the learner's provider (an employer or
# an off-site tutor): they are asked for their view and see the reviews they were asked about.
PROVIDER_RELATIONSHIPS = (ShareRelationship.EMPLOYER, ShareRelationship.OFF_SITE_TUTOR)
