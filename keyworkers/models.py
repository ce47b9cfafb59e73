"""Key workers, learners' teams, the review schedule and the progress reviews (issue 4;
seed 001 stage 3, seed 003 "progress reviews", seed 000 "key worker").

Every model is tenant-owned; child rows carry their parent's organisation (set by the services).
``LearnerProfile.key_worker`` (learners app) mirrors the current ``KeyWorkerAssignment`` and is
written only through ``learners.services.learner_set_key_worker``."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from plp_portal.bounds import limited_text, text_limit, within
from plp_portal.tenancy import TenantModel

from .choices import OPEN_REVIEW_STATUSES, Cadence, KeyWorkerType, ReviewStatus, SignStage, TeamRole

USER = settings.AUTH_USER_MODEL

# Plausible ranges (the forms say the same; the database refuses anything else).
INTERVAL_WEEKS = (1, 26)  # weeks between reviews: at least one, at most half a year
REMIND_DAYS = (0, 60)
ESCALATE_DAYS = (0, 90)

# Maximum lengths of the free text (the forms use the same numbers, so the message names the
# field). A review's narrative fits in a learning-journey entry with its "Review N: " prefix.
PREFERENCE_MAX = 1_000
PREP_MAX = 2_000
PROGRESS_MAX = 5_000
SUPPORT_MAX = 2_000
OPPORTUNITIES_MAX = 2_000
NARRATIVE_MAX = 4_000
CANCEL_REASON_MAX = 1_000
EVALUATION_NOTE_MAX = 1_000
SUCCESS_CRITERIA_MAX = 1_000
AMENDMENT_MAX = 4_000


def _length_constraints(prefix: str, limits: dict[str, int]) -> list[models.CheckConstraint]:
    """The ``text_limit`` of each ``limited_text`` field of ``limits``, named by ``prefix``."""
    return [text_limit(field, limit, name=f"{prefix}_{field}_max_length") for field, limit in limits.items()]


class ReviewSettings(TenantModel):
    """An organisation's review cadence and reminder settings (one row per organisation; the
    defaults apply when there is none: half-termly, remind 7 days ahead, escalate after 7 days)."""

    cadence = models.CharField(max_length=16, choices=Cadence.choices, default=Cadence.HALF_TERMLY)
    interval_weeks = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(INTERVAL_WEEKS[0]), MaxValueValidator(INTERVAL_WEEKS[1])],
        help_text="Used when the cadence is every so many weeks (seed 001: every four weeks).",
    )
    remind_days_before = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(REMIND_DAYS[0]), MaxValueValidator(REMIND_DAYS[1])],
        help_text="Days before a review or target is due that a reminder goes out.",
    )
    escalate_after_days = models.PositiveSmallIntegerField(
        default=7, validators=[MinValueValidator(ESCALATE_DAYS[0]), MaxValueValidator(ESCALATE_DAYS[1])],
        help_text="Days a review may be overdue before the organisation's leads are told.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="review_settings_one_per_org"),
            within("interval_weeks", *INTERVAL_WEEKS, name="review_settings_interval_weeks_range"),
            within("remind_days_before", *REMIND_DAYS, name="review_settings_remind_days_range"),
            within("escalate_after_days", *ESCALATE_DAYS, name="review_settings_escalate_days_range"),
        ]


class KeyWorkerAssignment(TenantModel):
    """Who is (``ends_on`` null) or was the learner's key worker, in what capacity, from when.
    At most one current assignment per learner."""

    profile = models.ForeignKey("learners.LearnerProfile", on_delete=models.CASCADE, related_name="kw_assignments")
    key_worker = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    worker_type = models.CharField(max_length=24, choices=KeyWorkerType.choices)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    assigned_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "profile"], condition=Q(ends_on__isnull=True),
                name="kw_assignment_one_current_per_learner",
            )
        ]
        indexes = [models.Index(fields=["organisation", "key_worker", "ends_on"])]

    @property
    def is_current(self) -> bool:
        return self.ends_on is None


class TeamMember(TenantModel):
    """Another professional in the learner's team (youth worker, social worker, mentor…)."""

    profile = models.ForeignKey("learners.LearnerProfile", on_delete=models.CASCADE, related_name="kw_team")
    user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=150, blank=True, help_text="For someone without an account here.")
    team_role = models.CharField(max_length=24, choices=TeamRole.choices)
    contact = models.CharField(max_length=200, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    added_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["ends_on", "starts_on", "pk"]

    @property
    def display_name(self) -> str:
        return str(self.user) if self.user_id else self.name


class KeyWorkerPreference(TenantModel):
    """The learner's preference about who their key worker is (seed 000). History: newest is
    current."""

    profile = models.ForeignKey("learners.LearnerProfile", on_delete=models.CASCADE, related_name="kw_preferences")
    preferred_user = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    preference = limited_text(max_length=PREFERENCE_MAX, help_text="In the learner's words.")
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        constraints = _length_constraints("kw_preference", {"preference": PREFERENCE_MAX})


class ScheduleOverride(TenantModel):
    """A learner's own review cadence, replacing the organisation's for their plans."""

    profile = models.ForeignKey("learners.LearnerProfile", on_delete=models.CASCADE, related_name="kw_schedule")
    cadence = models.CharField(max_length=16, choices=Cadence.choices)
    interval_weeks = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(INTERVAL_WEEKS[0]), MaxValueValidator(INTERVAL_WEEKS[1])]
    )
    reason = models.CharField(max_length=300, blank=True)
    set_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "profile"], name="schedule_override_per_learner"),
            within("interval_weeks", *INTERVAL_WEEKS, name="schedule_override_interval_weeks_range"),
        ]


class Review(TenantModel):
    """A progress review of a plan, numbered 1, 2, 3… per plan (no gaps, no duplicates: the
    number is taken with the plan row locked, and is unique per plan). A cancelled review keeps
    its number. Editable (draft) until the key worker signs; then signed in order key worker →
    learner → employer/off-site provider (``needs_provider``), then read-only."""

    plan = models.ForeignKey("learners.Plan", on_delete=models.PROTECT, related_name="reviews")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.SCHEDULED)
    due_on = models.DateField()
    due_on_agreed = models.BooleanField(
        default=False, help_text="The date was agreed (at the last review, or set by hand): schedule changes keep it."
    )
    held_on = models.DateField(null=True, blank=True)
    key_worker = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The learner's preparation (seed 001: what I learned, enjoyed, found hard).
    prep_learned = limited_text("What I learned", max_length=PREP_MAX, blank=True)
    prep_enjoyed = limited_text("What I enjoyed", max_length=PREP_MAX, blank=True)
    prep_found_hard = limited_text("What I found hard", max_length=PREP_MAX, blank=True)
    prep_updated_at = models.DateTimeField(null=True, blank=True)
    # The review itself (draft until the key worker signs).
    overall_progress = limited_text("Progress against the overall plan", max_length=PROGRESS_MAX, blank=True)
    support = limited_text("Support that will help", max_length=SUPPORT_MAX, blank=True)
    learning_opportunities = limited_text("Learning opportunities", max_length=OPPORTUNITIES_MAX, blank=True)
    narrative_text = limited_text("Learning journey entry", max_length=NARRATIVE_MAX, blank=True)
    next_review_on = models.DateField("Next review date", null=True, blank=True)
    draft_saved_at = models.DateTimeField(null=True, blank=True)
    # Bumped by every draft save: a save made from an older version is refused, never
    # overwrites (services.review_save_draft, StaleReviewError).
    version = models.PositiveIntegerField(default=1)
    # The page (browser tab) that saved the draft last: its own autosave racing its "Save draft"
    # is not someone else's change.
    draft_tab = models.CharField(max_length=32, blank=True)
    # Sign-off.
    needs_provider = models.BooleanField(default=False)
    kw_signed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kw_signed_at = models.DateTimeField(null=True, blank=True)
    learner_signed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    learner_signed_at = models.DateTimeField(null=True, blank=True)
    provider_signed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    provider_signed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Cancellation.
    cancelled_reason = limited_text(max_length=CANCEL_REASON_MAX, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "plan", "number"], name="review_number_unique_per_plan"),
            models.UniqueConstraint(
                fields=["organisation", "plan"], condition=Q(status__in=["scheduled", "in_progress"]),
                name="review_one_open_per_plan",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="review_number_positive"),
            models.CheckConstraint(
                condition=Q(next_review_on__isnull=True) | Q(held_on__isnull=True) | Q(next_review_on__gt=F("held_on")),
                name="review_next_after_held",
            ),
            *_length_constraints("review", {
                "prep_learned": PREP_MAX, "prep_enjoyed": PREP_MAX, "prep_found_hard": PREP_MAX,
                "overall_progress": PROGRESS_MAX, "support": SUPPORT_MAX,
                "learning_opportunities": OPPORTUNITIES_MAX, "narrative_text": NARRATIVE_MAX,
                "cancelled_reason": CANCEL_REASON_MAX,
            }),
        ]
        indexes = [models.Index(fields=["organisation", "status", "due_on"])]

    def __str__(self):
        return f"Review {self.number}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REVIEW_STATUSES

    def is_overdue_on(self, today) -> bool:
        return self.is_open and self.due_on < today

    @property
    def is_editable(self) -> bool:
        """The draft can change until the key worker signs."""
        return self.is_open and self.kw_signed_at is None

    @property
    def sign_stage(self) -> str:
        if self.status == ReviewStatus.COMPLETED:
            return SignStage.DONE
        if self.kw_signed_at is None:
            return SignStage.KEY_WORKER
        if self.learner_signed_at is None:
            return SignStage.LEARNER
        return SignStage.PROVIDER

    def status_label(self, today) -> str:
        if self.is_overdue_on(today):
            return "Overdue"
        if self.status == ReviewStatus.IN_PROGRESS and self.kw_signed_at:
            return f"Awaiting {SignStage(self.sign_stage).label.lower()} signature"
        return self.get_status_display()


class ReviewTargetEvaluation(TenantModel):
    """The review's evaluation of one short-term target agreed earlier (status + note); applied
    to the target (``target_progress_update``) when the key worker signs."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="evaluations")
    target = models.ForeignKey("learners.Target", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, blank=True)
    note = limited_text(max_length=EVALUATION_NOTE_MAX, blank=True)

    class Meta:
        ordering = ["target__due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "review", "target"], name="review_evaluation_per_target"),
            *_length_constraints("review_evaluation", {"note": EVALUATION_NOTE_MAX}),
        ]


class ReviewNewTarget(TenantModel):
    """A new short-term target agreed at the review (a step towards a long-term ``parent``);
    becomes a plan target (``target_create``) when the key worker signs (``created_target``)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="new_targets")
    parent = models.ForeignKey("learners.Target", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=300)
    success_criteria = limited_text(max_length=SUCCESS_CRITERIA_MAX, blank=True)
    due_on = models.DateField()
    created_target = models.ForeignKey("learners.Target", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+")

    class Meta:
        ordering = ["pk"]
        constraints = _length_constraints("review_new_target", {"success_criteria": SUCCESS_CRITERIA_MAX})
