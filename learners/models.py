"""The learner and the individual learning plan (ILP): seeds 001 and 003, issue 3.

Every model is tenant-owned (``TenantModel``); a child row carries its parent's organisation
(set by the services, never taken from a request). Records shown on a plan carry an audience
(``AudienceMixin``); who may see what is decided only in ``learners.permissions``.

Writes go through ``learners.services`` (audited, each writing a timeline event); reads the
pages need are in ``learners.selectors``."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from plp_portal.audit.models import AppendOnlyMixin, AppendOnlyQuerySetMixin
from plp_portal.bounds import within
from plp_portal.tenancy import TenantManager, TenantModel, TenantQuerySet
from plp_portal.uploads import UploadTo

from .choices import (
    ApplicationStatus, Audience, AuthorRole, ConcernCategory, ConcernStatus, DestinationCategory,
    Effort, LeavingReason, LogEntryKind, MovingOnShareWith, OpenTargetsOnLeaving, PlanStatus,
    SetByRole, ShareRelationship, SignerRole, TargetGroup, TargetStatus, TargetTerm, TransferStatus,
)

USER = settings.AUTH_USER_MODEL

# Free text is stored as CharField (varchar) with a length fitting its purpose: the database
# refuses more, and ModelForms give the limit to the form field (a message naming the field).
NARRATIVE_MAX = 5000
PROGRESS_NOTE_MAX = 2000
LOG_ANSWER_MAX = 2000
CONTRIBUTION_MAX = 2000
OFF_SITE_REVIEW_DAYS = 28  # seed 001: "reviewed every four weeks by the off-site provider"
CONTRIBUTION_AUDIENCES = [(Audience.PLAN, "Everyone who can see the plan"),
                          (Audience.STAFF, "Only the staff working with the learner")]

PERCENT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]
PERCENT_CHECK = Q(attendance_percent__isnull=True) | Q(attendance_percent__gte=0, attendance_percent__lte=100)
EARLIEST_BIRTH = datetime.date(1900, 1, 1)
# Dates a real plan and its records can have (no year 0001 or 9999): forms narrow this further.
EARLIEST_PLAN_DATE = datetime.date(2000, 1, 1)
LATEST_PLAN_DATE = datetime.date(2099, 12, 31)

# Generated, unguessable names under learning-log/ (module-level: the migrations refer to it).
log_entry_upload_to = UploadTo("learning-log")


class AudienceMixin(models.Model):
    """``audience`` (plan / staff / restricted) and, for restricted records, the membership roles
    (``plp_portal.organisations.choices.Role`` values) that may see them besides the learner's
    key worker.

    ``restricted_roles`` is stored as ",role_a,role_b," so a portable SQL ``contains`` test can
    filter it (SQLite has no JSON containment); use ``set_restricted_roles`` / the
    ``restricted_role_list`` property, never the raw string."""

    audience = models.CharField(max_length=16, choices=Audience.choices, default=Audience.PLAN)
    restricted_roles = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        abstract = True

    @property
    def restricted_role_list(self) -> list[str]:
        return [r for r in self.restricted_roles.split(",") if r]

    def set_restricted_roles(self, roles) -> None:
        roles = sorted({str(r) for r in roles or ()})
        self.restricted_roles = f",{','.join(roles)}," if roles else ""


class OrganisationListEntry(TenantModel):
    """An entry of a list each organisation configures: a stable ``code`` (unique in the
    organisation: each subclass names its constraint), a ``name``, and the display ``order``."""

    code = models.SlugField(max_length=40)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class TargetArea(OrganisationListEntry):
    """An organisation's configurable list of target areas. ``code`` is stable (``careers`` is
    the one guidance uses); seed the defaults with ``services.target_areas_seed_defaults``."""

    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)

    class Meta(OrganisationListEntry.Meta):
        constraints = [models.UniqueConstraint(fields=["organisation", "code"], name="target_area_code_per_org")]


class AtRiskLevel(OrganisationListEntry):
    """An organisation's configurable at-risk scale (default red/amber/green/silver/gold)."""

    name = models.CharField(max_length=60)
    description = models.CharField(max_length=200, blank=True)

    class Meta(OrganisationListEntry.Meta):
        constraints = [models.UniqueConstraint(fields=["organisation", "code"], name="at_risk_code_per_org")]


class LearnerProfile(TenantModel):
    """The enrolment of one learner (``user``) in one organisation, with the Stage 1 initial
    assessment (seed 001). Unique per (organisation, user).

    Sensitive fields (``SENSITIVE_FIELDS``) may be shown only when
    ``permissions.can_see_sensitive(viewer)``; every read of them must be audited
    (``audit_log("learners.profile.sensitive_read", ...)``).

    ``key_worker`` is a denormalised pointer to the learner's current key worker, maintained
    ONLY through ``services.learner_set_key_worker`` (called by the keyworkers app, which owns
    the assignment history). ``at_risk_level`` mirrors the latest ``AtRiskStatus`` (set by
    ``services.at_risk_set``) for filtering lists."""

    SENSITIVE_FIELDS = (
        "learning_difficulties_disabilities",
        "personal_circumstances",
        "support_needs",
        "support_need_areas",
    )

    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="learner_profiles")
    target_group = models.CharField(max_length=32, choices=TargetGroup.choices)
    year_group = models.CharField(max_length=20, blank=True, help_text="e.g. 9, 10, 12, Adult")
    tutor_group = models.CharField(max_length=40, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    upn = models.CharField("UPN", max_length=13, blank=True)
    uln = models.CharField("ULN", max_length=10, blank=True)

    # Stage 1: learning history
    attendance_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True,
                                             validators=PERCENT_VALIDATORS)
    attitude = models.CharField(max_length=1000, blank=True)
    preferred_ways_of_learning = models.CharField(max_length=1000, blank=True)
    prior_achievements = models.CharField(max_length=2000, blank=True)
    english_level = models.CharField(max_length=60, blank=True)
    maths_level = models.CharField(max_length=60, blank=True)
    ict_level = models.CharField(max_length=60, blank=True)
    personal_social_development_needs = models.CharField(max_length=2000, blank=True)
    vocational_interests = models.CharField(max_length=1000, blank=True)
    hobbies_and_ambitions = models.CharField(max_length=1000, blank=True)
    # Sensitive
    learning_difficulties_disabilities = models.CharField(max_length=2000, blank=True)
    personal_circumstances = models.CharField(max_length=2000, blank=True)
    support_needs = models.CharField(max_length=2000, blank=True)
    support_need_areas = models.JSONField(
        default=list,
        blank=True,
        help_text="TargetArea codes the recorded support needs concern.",
    )
    induction_completed_at = models.DateTimeField(null=True, blank=True)
    induction_completed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    strengths_own_words = models.CharField(max_length=1000, blank=True)
    weaknesses_own_words = models.CharField(max_length=1000, blank=True)

    key_worker = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="key_worker_of"
    )
    at_risk_level = models.ForeignKey(
        AtRiskLevel, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["user__full_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="learner_one_per_org"),
            models.CheckConstraint(condition=PERCENT_CHECK, name="learner_attendance_percent_0_100"),
            models.CheckConstraint(condition=Q(date_of_birth__isnull=True) | Q(date_of_birth__gte=EARLIEST_BIRTH),
                                   name="learner_date_of_birth_plausible"),
        ]
        indexes = [
            models.Index(fields=["organisation", "key_worker"]),
            models.Index(fields=["organisation", "at_risk_level"]),
            models.Index(fields=["organisation", "target_group", "year_group"]),
            # Dashboards count active learners by group across many schools: an index-only scan.
            models.Index(fields=["organisation", "target_group"], condition=models.Q(is_active=True),
                         name="learner_active_by_group_idx"),
        ]

    def __str__(self):
        return str(self.user)

    @property
    def has_support_needs(self) -> bool:
        return bool(self.support_needs.strip() or self.learning_difficulties_disabilities.strip())

    @property
    def induction_completed(self) -> bool:
        return self.induction_completed_at is not None


LEAVING_NOTE_MAX = 2000
LEAVING_DETAIL_MAX = 300


class EnrolmentEnd(TenantModel):
    """The end of a learner's enrolment (issue 13): when, why, what happened to the open
    targets, the closing note written into each plan's learning journey, and a later
    re-enrolment if there was one. Written only by ``services.learner_enrolment_end`` /
    ``services.learner_reenrol``; the profile's ``is_active`` is False between the two."""

    profile = models.ForeignKey(LearnerProfile, on_delete=models.PROTECT, related_name="enrolment_ends")
    left_on = models.DateField()
    reason = models.CharField(max_length=24, choices=LeavingReason.choices)
    reason_detail = models.CharField(max_length=LEAVING_DETAIL_MAX, blank=True)
    open_targets = models.CharField(max_length=10, choices=OpenTargetsOnLeaving.choices)
    closing_note = models.CharField(max_length=LEAVING_NOTE_MAX)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    reenrolled_at = models.DateTimeField(null=True, blank=True)
    reenrolled_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "left_on"])]
        constraints = [
            within("left_on", EARLIEST_PLAN_DATE, LATEST_PLAN_DATE, name="enrolment_end_left_on_plausible"),
            # One enrolment end awaiting re-enrolment per learner.
            models.UniqueConstraint(fields=["organisation", "profile"], condition=Q(reenrolled_at__isnull=True),
                                    name="enrolment_end_one_open_per_learner"),
        ]

    def __str__(self):
        return f"{self.profile} left on {self.left_on}"


class AtRiskStatus(TenantModel):
    """History of a learner's at-risk level (newest = current, mirrored on the profile)."""

    profile = models.ForeignKey(LearnerProfile, on_delete=models.CASCADE, related_name="at_risk_history")
    level = models.ForeignKey(AtRiskLevel, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=1000)
    set_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-set_at", "-pk"]
        indexes = [models.Index(fields=["profile", "-set_at"])]


class Plan(TenantModel):
    """Stage 2: the learner's plan for one programme — a learning contract.

    One ACTIVE plan per (organisation, profile, programme_name) (partial unique constraint).
    ``version`` is bumped by every ``services.plan_update``; a save with a stale version is
    refused (``services.StalePlanError``). Signatures record the version signed; the plan is
    "changed after signing" when any signature's version is older than the plan's.
    The agreed final grade / course outcome is the target with ``is_final_outcome=True``
    (created by ``services.plan_create``, due at ``ends_on``)."""

    profile = models.ForeignKey(LearnerProfile, on_delete=models.PROTECT, related_name="plans")
    programme_name = models.CharField(max_length=200)
    long_term_goal = models.CharField(max_length=1000, blank=True,
                                      help_text="A personal statement by or with the learner.")
    anticipated_destination = models.CharField(max_length=500, blank=True)
    qualifications = models.CharField(max_length=1000, blank=True)
    planned_placements = models.CharField(max_length=1000, blank=True, help_text="Work placements or tasters.")
    off_site_schedule = models.CharField(
        "Days and times of off-site learning", max_length=500, blank=True,
        help_text="Where, on which days and at what times the learner learns away from school (seed 001).")
    support_needed = models.CharField(max_length=2000, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(max_length=16, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    version = models.PositiveIntegerField(default=1)
    # The plan this one continues (a re-enrolment starts a new plan linked to the closed one).
    follows = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="followed_by")
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "profile", "programme_name"],
                condition=Q(status=PlanStatus.ACTIVE),
                name="plan_one_active_per_programme",
            ),
            models.CheckConstraint(condition=Q(starts_on__lte=models.F("ends_on")), name="plan_dates_in_order"),
            models.CheckConstraint(condition=Q(starts_on__gte=EARLIEST_PLAN_DATE, ends_on__lte=LATEST_PLAN_DATE),
                                   name="plan_dates_plausible"),
        ]

    def __str__(self):
        return f"{self.programme_name} ({self.profile})"

    @property
    def moving_on_or_none(self):
        """The plan's moving-on plan, or None (``selectors.plan_detail`` loads it with the plan)."""
        try:
            return self.moving_on
        except ObjectDoesNotExist:
            return None

    @property
    def is_changed_after_signing(self) -> bool:
        """True if a role's latest signature is of an earlier version than the current one (the
        plan changed and that role has not signed the new version yet). Signatures of earlier
        versions that were signed again since are history, not a change. Uses
        ``self.signatures.all()`` (prefetch it in lists)."""
        return changed_after_signing(self.signatures.all(), self.version)


def latest_signed_versions(signatures) -> dict[str, int]:
    """{role: the plan version of that role's latest signature}."""
    latest: dict[str, int] = {}
    for sig in signatures:
        latest[sig.role] = max(latest.get(sig.role, 0), sig.plan_version)
    return latest


def changed_after_signing(signatures, version: int) -> bool:
    """Whether the latest signature of some role (learner, key worker, provider…) is of a
    version older than ``version``: that role has yet to sign the plan as it is now."""
    return any(signed < version for signed in latest_signed_versions(signatures).values())


class PlanSignature(TenantModel):
    """A signature of the learning contract: who, in which role, when, which plan version."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="signatures")
    signer = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20, choices=SignerRole.choices)
    signed_at = models.DateTimeField(default=timezone.now)
    plan_version = models.PositiveIntegerField()

    class Meta:
        ordering = ["signed_at", "pk"]

    @property
    def is_current(self) -> bool:
        return self.plan_version == self.plan.version


class PlanShare(TenantModel):
    """A learner's (or staff member's) grant of read access to a plan to a named person, across
    organisations (DESIGN.md tenancy rule 2). Mirrored by a guardian ``view_plan`` object
    permission; a grant gives access only while ``is_active`` (not revoked, not expired) AND the
    permission exists — see ``selectors.plans_shared_with``."""

    plp_rls_person_fields = ("grantee",)  # row-level security: the grantee finds their grants

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="shares")
    grantee = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="plan_shares")
    relationship = models.CharField(max_length=20, choices=ShareRelationship.choices)
    granted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Who may read what the grantee adds to the plan (comments, off-site reviews): the learner
    # decides when granting — everyone who can see the plan, or the staff only.
    contributions_audience = models.CharField(max_length=16, choices=CONTRIBUTION_AUDIENCES, default=Audience.PLAN)

    class Meta:
        ordering = ["-granted_at", "-pk"]
        indexes = [models.Index(fields=["grantee", "revoked_at"]), models.Index(fields=["plan", "revoked_at"])]

    def __str__(self):
        return f"{self.plan} shared with {self.grantee}"

    @staticmethod
    def active_q(now=None) -> Q:
        now = now or timezone.now()
        return Q(revoked_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


class PlanUserObjectPermission(UserObjectPermissionBase):
    """django-guardian direct-FK user permissions on plans (``learners.view_plan``).
    Scoped through the plan (which is tenant-owned)."""

    plp_scoped_through = "content_object"
    content_object = models.ForeignKey(Plan, on_delete=models.CASCADE)


class PlanGroupObjectPermission(GroupObjectPermissionBase):
    """Group counterpart guardian expects; we never grant to groups."""

    plp_scoped_through = "content_object"
    content_object = models.ForeignKey(Plan, on_delete=models.CASCADE)


class Target(AudienceMixin, TenantModel):
    """A long- or short-term target on a plan (short-term ones link to a long-term ``parent``).

    Learner-set targets need staff approval (``approved_at`` null until then); staff-set targets
    are approved when set. ``status`` is the latest ``TargetProgress`` status.
    ``source_type``/``source_id`` say where a target came from when another app created it
    (e.g. ``guidance.interview`` + the interview id)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets")
    term = models.CharField(max_length=8, choices=TargetTerm.choices, default=TargetTerm.SHORT)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="steps",
        limit_choices_to={"term": TargetTerm.LONG},
    )
    area = models.ForeignKey(TargetArea, null=True, blank=True, on_delete=models.PROTECT, related_name="targets")
    title = models.CharField(max_length=300)
    success_criteria = models.CharField(max_length=2000, blank=True, help_text="What success looks like.")
    skills_required = models.CharField(max_length=1000, blank=True)
    support_strategy = models.CharField(max_length=1000, blank=True)
    outside_classroom_assistance = models.CharField(max_length=1000, blank=True)
    due_on = models.DateField()
    is_final_outcome = models.BooleanField(default=False)
    set_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    set_by_role = models.CharField(max_length=10, choices=SetByRole.choices)
    approved_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=TargetStatus.choices, default=TargetStatus.NOT_STARTED)
    source_type = models.CharField(max_length=60, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "plan"], condition=Q(is_final_outcome=True),
                name="target_one_final_outcome_per_plan",
            ),
        ]
        indexes = [models.Index(fields=["plan", "status", "due_on"]), models.Index(fields=["source_type", "source_id"])]

    def __str__(self):
        return self.title

    @property
    def is_approved(self) -> bool:
        return self.approved_at is not None


class TargetProgress(TenantModel):
    """A dated progress note on a target with the status it set: the target's status history."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="progress")
    status = models.CharField(max_length=20, choices=TargetStatus.choices)
    # Room for the prefix a review adds ("Review 3: …") to a key worker's note.
    note = models.CharField(max_length=PROGRESS_NOTE_MAX + 200, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["target", "-recorded_at"])]


class AppendOnlyTenantQuerySet(AppendOnlyQuerySetMixin, TenantQuerySet):
    pass


class AppendOnlyTenantManager(TenantManager.from_queryset(AppendOnlyTenantQuerySet)):
    pass


class NarrativeEntry(AppendOnlyMixin, AudienceMixin, TenantModel):
    """The learning journey: append-only (no edit, no delete — refused by the model layer and by
    a PostgreSQL trigger). A correction is a new entry with ``corrects`` = the corrected one."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="narrative")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    author_role = models.CharField(max_length=20, choices=AuthorRole.choices)
    # Room for the prefix a review adds ("Review 3: …") to the review's narrative.
    text = models.CharField(max_length=NARRATIVE_MAX + 200)
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyTenantManager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["plan", "created_at"])]
        verbose_name_plural = "narrative entries"


class LogBlock(TenantModel):
    """A six-week block of a plan's learning log, counted from ``plan.starts_on``. Filed (at a
    review) = read-only: no entries can be added to it. A block filed before its end is cut at
    the filing day and the rest of its period is a new open block (``services.log_block_file``)."""

    LENGTH_DAYS = 42

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="log_blocks")
    starts_on = models.DateField()
    ends_on = models.DateField()
    filed_at = models.DateTimeField(null=True, blank=True)
    filed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            # One OPEN block per start: a block filed on the day it started is followed by an
            # open block starting that same day (services.log_block_file).
            models.UniqueConstraint(fields=["organisation", "plan", "starts_on"], condition=Q(filed_at__isnull=True),
                                    name="log_block_open_per_start"),
            models.CheckConstraint(condition=Q(starts_on__lte=models.F("ends_on")), name="log_block_dates_in_order"),
        ]

    @property
    def is_filed(self) -> bool:
        return self.filed_at is not None


class LogEntry(AudienceMixin, TenantModel):
    """One entry of the learner's learning log, with the four prompts and ECM tags.

    ``ecm_outcomes`` is a JSON list of ``EcmOutcome`` values (portable to SQLite). ``file`` is an
    optional voice recording / photo, validated with ``plp_portal.uploads.validate_upload``;
    ``file_content_type`` is the validated type, to serve it with."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="log_entries")
    block = models.ForeignKey(LogBlock, on_delete=models.PROTECT, related_name="entries")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=LogEntryKind.choices)
    written_on = models.DateField()
    title = models.CharField(max_length=200, blank=True)
    what_learned = models.CharField(max_length=LOG_ANSWER_MAX, blank=True)
    how_learned = models.CharField(max_length=LOG_ANSWER_MAX, blank=True)
    enjoyed = models.CharField(max_length=LOG_ANSWER_MAX, blank=True)
    found_difficult = models.CharField(max_length=LOG_ANSWER_MAX, blank=True)
    use_again = models.CharField(max_length=LOG_ANSWER_MAX, blank=True)
    ecm_outcomes = models.JSONField(default=list, blank=True)
    file = models.FileField(upload_to=log_entry_upload_to, blank=True)
    file_content_type = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-written_on", "-pk"]
        indexes = [models.Index(fields=["plan", "-written_on"])]
        constraints = [
            within("written_on", EARLIEST_PLAN_DATE, LATEST_PLAN_DATE, name="log_entry_written_on_plausible"),
        ]
        verbose_name_plural = "log entries"


class Concern(AudienceMixin, TenantModel):
    """Anything hindering the learner, raised by staff (with the learner) or by the learner."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="concerns")
    category = models.CharField(max_length=24, choices=ConcernCategory.choices)
    description = models.CharField(max_length=2000)
    raised_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    raised_by_learner = models.BooleanField(default=False)
    follow_up_how = models.CharField(max_length=1000, blank=True)
    follow_up_on = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=ConcernStatus.choices, default=ConcernStatus.OPEN)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    resolution = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["plan", "status"]), models.Index(fields=["organisation", "status", "follow_up_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(follow_up_on__isnull=True)
                | Q(follow_up_on__gte=EARLIEST_PLAN_DATE, follow_up_on__lte=LATEST_PLAN_DATE),
                name="concern_follow_up_on_plausible"),
        ]


class SubjectReport(AudienceMixin, TenantModel):
    """A subject or specialist tutor's report on the learner (specialist advice such as dyslexia
    support is a report with ``is_specialist_advice``)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="subject_reports")
    subject = models.CharField(max_length=100)
    is_specialist_advice = models.BooleanField(default=False)
    working_at_grade = models.CharField(max_length=20, blank=True)
    target_grade = models.CharField(max_length=20, blank=True)
    attendance_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True,
                                             validators=PERCENT_VALIDATORS)
    effort = models.CharField(max_length=20, choices=Effort.choices, blank=True)
    comment = models.CharField(max_length=2000, blank=True)
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    reported_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["subject", "-reported_on", "-pk"]
        indexes = [models.Index(fields=["plan", "subject", "-reported_on"])]
        constraints = [
            models.CheckConstraint(condition=PERCENT_CHECK, name="subject_report_attendance_percent_0_100"),
            within("reported_on", EARLIEST_PLAN_DATE, LATEST_PLAN_DATE, name="subject_report_reported_on_plausible"),
        ]


class TimelineEvent(AudienceMixin, TenantModel):
    """One event of a plan's single timeline, written by ``services.timeline_record`` (from this
    app's services and from keyworkers/guidance). ``kind`` is a stable dotted string
    (``choices.TimelineKind``); ``object_type``/``object_id`` name the record (label_lower, pk)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="timeline_events")
    kind = models.CharField(max_length=60)
    summary = models.CharField(max_length=300)
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    occurred_at = models.DateTimeField(default=timezone.now)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    url = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["plan", "-occurred_at"]), models.Index(fields=["organisation", "kind"])]

    def __str__(self):
        return f"{self.kind}: {self.summary}"


MOVING_ON_TEXT_MAX = 2000


class MovingOnPlan(AudienceMixin, TenantModel):
    """The moving-on plan (issue 13), agreed by the key worker and the learner in the last term
    before leaving: the intended destination (guidance's destination categories), applications
    and their status, what the next organisation should know, the support that must continue,
    and who the learner consents to share it with (``share_with``: MovingOnShareWith values).
    Part of the plan: shown on it, at the last review and in the progress file, each through
    the plan's audience rule. One per plan; ``version`` refuses stale saves; the learner's
    agreement is for a version (a change after it asks for agreement again)."""

    plan = models.OneToOneField(Plan, on_delete=models.CASCADE, related_name="moving_on")
    destination_category = models.CharField(max_length=32, choices=DestinationCategory.choices)
    destination_detail = models.CharField(max_length=300, blank=True, help_text="Course, provider or employer.")
    # Free text from before applications were structured (issue 13), kept word for word.
    applications_note = models.CharField("Notes on applications", max_length=MOVING_ON_TEXT_MAX, blank=True)
    next_organisation_should_know = models.CharField(max_length=MOVING_ON_TEXT_MAX, blank=True)
    continuing_support = models.CharField(max_length=MOVING_ON_TEXT_MAX, blank=True)
    share_with = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    learner_agreed_version = models.PositiveIntegerField(null=True, blank=True)
    learner_agreed_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "plan"], name="moving_on_one_per_plan"),
        ]

    def __str__(self):
        return f"Moving-on plan of {self.plan}"

    @property
    def learner_agreed(self) -> bool:
        return self.learner_agreed_version == self.version

    @property
    def share_with_labels(self) -> list[str]:
        labels = dict(MovingOnShareWith.choices)
        return [labels[code] for code in self.share_with if code in labels]


APPLICATION_TEXT_MAX = 200


class MovingOnApplication(TenantModel):
    """One application of a moving-on plan (issue 13): the provider (college, employer, training
    provider, university), the course or role, where it stands and its dates. Seen by whoever
    sees the moving-on plan (its audience and ``share_with``)."""

    moving_on = models.ForeignKey(MovingOnPlan, on_delete=models.CASCADE, related_name="applications")
    provider = models.CharField(max_length=APPLICATION_TEXT_MAX)
    course_or_role = models.CharField("Course or role", max_length=APPLICATION_TEXT_MAX)
    status = models.CharField(max_length=12, choices=ApplicationStatus.choices, default=ApplicationStatus.PLANNING)
    applied_on = models.DateField(null=True, blank=True)
    decision_on = models.DateField("Offer or decision date", null=True, blank=True)
    note = models.CharField(max_length=1000, blank=True)
    updated_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["organisation", "moving_on"])]

    def __str__(self):
        return f"{self.course_or_role} at {self.provider}"


class RecordTransfer(TenantModel):
    """A record-transfer grant (DESIGN.md tenancy rule 5; issue 13): the learner (the data
    subject) lets ``receiving_organisation`` read their record at ``organisation`` (the sending
    organisation, which owns the row and whose "Who sees our data" page lists it).

    Requested by the receiving organisation's staff, or offered by the learner from /me/; it
    gives access only while CONSENTED (``consented_at`` set, not withdrawn). What goes: the
    previous plans read-only with their targets, learning journey (reviews included), moving-on
    plan and learning log — records of audience *plan*, and of audience *staff* only when
    ``include_staff_records``; *restricted* records never. Every cross-organisation read goes
    through ``selectors.transfer_grants`` (one selector for this grant kind)."""

    # Row-level security: the receiving organisation and the learner see the transfer row.
    plp_rls_org_fields = ("receiving_organisation",)
    plp_rls_person_fields = ("learner",)

    profile = models.ForeignKey(LearnerProfile, on_delete=models.PROTECT, related_name="transfers_out",
                                null=True, blank=True, help_text="The learner's enrolment at the sending organisation.")
    learner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    receiving_organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT,
                                               related_name="+")
    status = models.CharField(max_length=12, choices=TransferStatus.choices, default=TransferStatus.REQUESTED)
    include_staff_records = models.BooleanField(default=False)
    # The learner's separate, explicit consent to the sensitive Stage 1 fields (learning
    # difficulties or disabilities, personal circumstances, support needs): without it they never
    # go; with it only the roles that see them at the new organisation read them.
    include_sensitive = models.BooleanField(default=False)
    # Who consented: the learner, or for a learner under 13 the school's staff (an offer).
    consented_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    sending_note = models.CharField(max_length=1000, blank=True,
                                    help_text="What the sending organisation must keep by law, if anything.")

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["receiving_organisation", "learner", "status"]),
                   models.Index(fields=["learner", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "learner", "receiving_organisation"],
                condition=Q(status__in=[TransferStatus.REQUESTED, TransferStatus.CONSENTED]),
                name="record_transfer_one_open_per_pair"),
        ]

    def __str__(self):
        return f"Transfer of {self.learner}'s record from {self.organisation} to {self.receiving_organisation}"

    @property
    def is_in_force(self) -> bool:
        return self.status == TransferStatus.CONSENTED


class PlanShareInvitation(TenantModel):
    """An emailed invitation to read a plan, for a person with no account yet (a person with an
    account gets the ``PlanShare`` at once). Accepting it creates the account — with no
    organisation membership — and the ``PlanShare`` (``services.plan_share_invitation_accept``).
    Only a hash of the token is stored; the token travels in the email link."""

    VALID_FOR = datetime.timedelta(days=14)

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="share_invitations")
    email = models.EmailField()
    relationship = models.CharField(max_length=20, choices=ShareRelationship.choices)
    share_expires_at = models.DateTimeField(null=True, blank=True, help_text="End date of the access granted.")
    contributions_audience = models.CharField(max_length=16, choices=CONTRIBUTION_AUDIENCES, default=Audience.PLAN)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    link_expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["plan", "accepted_at", "revoked_at"])]

    def __str__(self):
        return f"Invitation of {self.email} to read {self.plan}"

    @staticmethod
    def new_token() -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        return token, hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.link_expires_at > timezone.now()


class PlanContribution(AudienceMixin, TenantModel):
    """A note added to a plan by a person it is shared with (a parent or carer, an off-site
    tutor, an employer). Its audience is the grant's ``contributions_audience``, chosen by the
    learner; it joins the timeline and the progress file. Never edited: a correction is a new
    note."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="contributions")
    share = models.ForeignKey(PlanShare, on_delete=models.PROTECT, related_name="contributions")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    relationship = models.CharField(max_length=20, choices=ShareRelationship.choices)
    text = models.CharField(max_length=CONTRIBUTION_MAX)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["plan", "-created_at"])]


class OffSiteReview(AudienceMixin, TenantModel):
    """The off-site provider's (or employer's) four-weekly review of the learner's targets
    (seed 001), recorded and signed by the grantee. The key worker reads it at the next
    review; its audience is the grant's ``contributions_audience``."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="off_site_reviews")
    share = models.ForeignKey(PlanShare, on_delete=models.PROTECT, related_name="off_site_reviews")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    relationship = models.CharField(max_length=20, choices=ShareRelationship.choices)
    held_on = models.DateField()
    progress = models.CharField(max_length=CONTRIBUTION_MAX)
    next_steps = models.CharField(max_length=CONTRIBUTION_MAX, blank=True)
    signed_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["plan", "-held_on"])]
        constraints = [
            within("held_on", EARLIEST_PLAN_DATE, LATEST_PLAN_DATE, name="off_site_review_held_on_plausible"),
        ]

    @property
    def next_due_on(self) -> datetime.date:
        return self.held_on + datetime.timedelta(days=OFF_SITE_REVIEW_DAYS)


class OffSiteReviewTarget(TenantModel):
    """How one target went, as judged at an off-site review."""

    review = models.ForeignKey(OffSiteReview, on_delete=models.CASCADE, related_name="target_rows")
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20, choices=TargetStatus.choices)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["organisation", "review", "target"],
                                               name="off_site_review_target_once")]
