"""Careers guidance (issue 5): seed 000's three tiers, referrals and triage, interviews and action
plans, group sessions, destinations; partnerships between a careers service and a school.

Who owns which row (DESIGN.md tenancy rule 1)
---------------------------------------------
* The CAREERS SERVICE owns its agreements and settings: ``Partnership`` (+ ``PartnershipAdviser``,
  ``PartnershipObjective``), ``ServiceSettings``, ``ExpectedTierShare``.
* The LEARNER'S SCHOOL (college, provider) owns everything about its learners: ``LearnerGuidance``
  (current tier and identified adviser), ``TierChange``, ``Referral`` (+ ``ReferralEvent``),
  ``Interview`` (+ ``ActionItem``), ``GroupSession`` (+ ``GroupAttendance``), ``Destination``.
  So the school's key workers and careers lead see them with ``for_org(school)``, the unique
  constraints include the school, and the records stay with the learner when a partnership ends.
  An adviser reaches them only with ``.for_orgs(selectors.partner_school_ids(org=service))`` —
  the schools with a CURRENT partnership with the adviser's service. ``careers_service`` on these
  rows records which service did the work (for its dashboards), it grants nothing.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from learners.choices import Audience, TargetGroup
from learners.models import AudienceMixin
from plp_portal import clock
from plp_portal.forms import EARLIEST_DATE
from plp_portal.tenancy import TenantModel
from plp_portal.uploads import UploadTo

from .choices import (
    DEFAULT_TRIAGE_TARGET_SCHOOL_DAYS,
    AttendanceFlag,
    DestinationCategory,
    DestinationKind,
    FigureKind,
    InterviewKind,
    ObjectiveStatus,
    PartnershipStatus,
    ReferralReason,
    ReferralSource,
    ReferralStatus,
    Tier,
    TriageDecision,
    Urgency,
)

USER = settings.AUTH_USER_MODEL

# Free text has a maximum length that fits its purpose (the forms use the same numbers, so the
# message names the field): a name 200, a short answer 1,000, a process 2,000, notes 5,000.
NAME_MAX = 200
SHORT_ANSWER_MAX = 1_000
PROCESS_MAX = 2_000
NOTES_MAX = 5_000
# A referral event's note is a decision's label and the adviser's notes (or the feedback).
EVENT_NOTE_MAX = NOTES_MAX + 200

# Dates of the data: none before 2000, none in the next century (no 0001, no 9999). Relative
# rules (an interview not in the future, an action not already overdue when it is set) are in
# the models' ``clean`` and the forms: a database constraint cannot read today's date.
BEFORE_DATE = datetime.date(2100, 1, 1)
INTENDED_DESTINATION_DAYS_AHEAD = 3 * 366  # a Year 9 learner's plan for after Year 11, and a bit


def plausible_date(field: str, *, name: str, null: bool = False) -> models.CheckConstraint:
    condition = Q(**{f"{field}__gte": EARLIEST_DATE, f"{field}__lt": BEFORE_DATE})
    if null:
        condition |= Q(**{f"{field}__isnull": True})
    return models.CheckConstraint(condition=condition, name=name)


def join_codes(codes) -> str:
    """Codes stored as ",a,b," so ``__contains=",a,"`` filters them portably (SQLite demo too)."""
    codes = [str(c) for c in codes if c]
    return f",{','.join(codes)}," if codes else ""


def split_codes(value: str) -> list[str]:
    return [c for c in (value or "").split(",") if c]

# Generated, unguessable names (module-level: the migrations refer to it).
agreement_upload_to = UploadTo("partnership-agreements")


# --- Careers service rows ---------------------------------------------------------------------


class ServiceSettings(TenantModel):
    """A careers service's settings (one row per service, made on first use)."""

    triage_target_school_days = models.PositiveSmallIntegerField(
        default=DEFAULT_TRIAGE_TARGET_SCHOOL_DAYS,
        help_text="Referrals waiting longer than this many school days are highlighted."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="guidance_settings_one_per_org"),
            models.CheckConstraint(condition=Q(triage_target_school_days__gte=1, triage_target_school_days__lte=60),
                                   name="guidance_settings_triage_days_1_to_60"),
        ]


class OutcomeSettings(TenantModel):
    """A local authority's settings for the outcome figures it sees of its schools (one row per
    authority, made on first use): the disclosure threshold and its targets (seed 002, KPI 12:
    NEET among 16-18-year-olds "no more than 1%")."""

    suppression_threshold = models.PositiveSmallIntegerField(
        default=5, help_text="Counts from 1 to one under this number are withheld.")
    neet_target_percent = models.DecimalField(max_digits=4, decimal_places=1, default=1)
    not_known_target_percent = models.DecimalField(max_digits=4, decimal_places=1, default=5)
    # Targets per age band (seed 002: KPI 12, NEET among 16-18-year-olds "no more than 1%";
    # KPI 2, unemployment among 18-24-year-olds down). A leaver's age is their age on the 31 August
    # that ends the academic year they left. A band's target is "at most" its percentage, or, with
    # none, "lower than the year before". The bands may not overlap (an age in two bands would let
    # one band's figures minus the other's give a suppressed count back); so the second band
    # starts at 19 by default.
    first_band_from = models.PositiveSmallIntegerField(default=16)
    first_band_to = models.PositiveSmallIntegerField(default=18)
    first_band_neet_target_percent = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True,
                                                         default=1)
    second_band_from = models.PositiveSmallIntegerField(default=19)
    second_band_to = models.PositiveSmallIntegerField(default=24)
    second_band_neet_target_percent = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    AGE_MIN, AGE_MAX = 14, 30

    @property
    def age_bands(self) -> list[tuple[int, int, object]]:
        """(from, to, NEET target % or None for "lower than the year before") per band."""
        return [(self.first_band_from, self.first_band_to, self.first_band_neet_target_percent),
                (self.second_band_from, self.second_band_to, self.second_band_neet_target_percent)]

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="guidance_outcome_settings_one_per_org"),
            models.CheckConstraint(condition=Q(suppression_threshold__gte=3, suppression_threshold__lte=20),
                                   name="guidance_outcome_settings_threshold_3_to_20"),
            models.CheckConstraint(condition=Q(neet_target_percent__gte=0, neet_target_percent__lte=100,
                                               not_known_target_percent__gte=0, not_known_target_percent__lte=100),
                                   name="guidance_outcome_settings_targets_0_to_100"),
            models.CheckConstraint(
                condition=Q(first_band_from__gte=14, first_band_from__lte=F("first_band_to"), first_band_to__lte=30,
                            second_band_from__gte=14, second_band_from__lte=F("second_band_to"),
                            second_band_to__lte=30)
                & (Q(second_band_from__gt=F("first_band_to")) | Q(second_band_to__lt=F("first_band_from"))),
                name="guidance_outcome_settings_age_bands_plausible_apart"),
            models.CheckConstraint(
                condition=(Q(first_band_neet_target_percent__isnull=True)
                           | Q(first_band_neet_target_percent__gte=0, first_band_neet_target_percent__lte=100))
                & (Q(second_band_neet_target_percent__isnull=True)
                   | Q(second_band_neet_target_percent__gte=0, second_band_neet_target_percent__lte=100)),
                name="guidance_outcome_settings_band_targets_0_to_100"),
        ]


class ExpectedTierShare(TenantModel):
    """The percentage of a target group a careers service expects in filtered and intensive
    provision (seed 000: "approximate and will depend on the catchment area")."""

    target_group = models.CharField(max_length=32, choices=TargetGroup.choices)
    filtered_percent = models.DecimalField(max_digits=5, decimal_places=1, default=0)
    intensive_percent = models.DecimalField(max_digits=5, decimal_places=1, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "target_group"], name="guidance_expected_share_unique"),
            models.CheckConstraint(
                condition=Q(filtered_percent__gte=0, intensive_percent__gte=0,
                            filtered_percent__lte=100 - models.F("intensive_percent")),
                name="guidance_expected_share_0_to_100"),
        ]

    @property
    def core_percent(self):
        return 100 - self.filtered_percent - self.intensive_percent


class Partnership(TenantModel):
    """The agreement between a careers service (``organisation``) and a school, college or
    provider (``school``) for one academic year — the grant (DESIGN.md rule 1) that lets the
    service's advisers see the school's referrals, tiers and guidance records while it is
    current: ACCEPTED by the school, ``starts_on`` ≤ today ≤ ``ends_on``, and not past an early
    end's effective date.

    The service proposes (PROPOSED); the school's organisation admin accepts or declines
    (``decided_by``/``decided_at``). A change of named advisers or scope after acceptance is a new
    proposal that ``replaces`` the accepted one; the old one stays in force until the school
    accepts the change (it is then REPLACED). Either side may end an accepted partnership early
    with a reason and an effective date (ENDED; ``ended_by_org`` says which side)."""

    # Row-level security: the school sees the partnerships naming it (not the service's others).
    plp_rls_org_fields = ("school",)

    Status = PartnershipStatus

    school = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    academic_year = models.PositiveIntegerField(help_text="The year the academic year starts in.")
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(max_length=12, choices=PartnershipStatus.choices, default=PartnershipStatus.PROPOSED)
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="changes",
                                 help_text="The accepted partnership this proposal would change.")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decision_note = models.CharField(max_length=SHORT_ANSWER_MAX, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    ended_by_org = models.ForeignKey("organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    end_reason = models.CharField(max_length=SHORT_ANSWER_MAX, blank=True)
    end_effective_on = models.DateField(null=True, blank=True)
    referral_process = models.CharField(max_length=PROCESS_MAX, blank=True,
                                        help_text="How tutors and others refer to the Careers Adviser.")
    clinic_sessions = models.CharField(max_length=SHORT_ANSWER_MAX, blank=True,
                                       help_text="Agreed clinic sessions: when and where.")
    agreement = models.FileField(upload_to=agreement_upload_to, blank=True)
    agreement_content_type = models.CharField(max_length=100, blank=True)
    agreement_name = models.CharField(max_length=NAME_MAX, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-academic_year", "school__name", "-pk"]
        constraints = [
            # One agreement in force and one proposal waiting, per school and year.
            models.UniqueConstraint(fields=["organisation", "school", "academic_year"],
                                    condition=Q(status=PartnershipStatus.ACCEPTED),
                                    name="guidance_partnership_one_accepted_per_school_year"),
            models.UniqueConstraint(fields=["organisation", "school", "academic_year"],
                                    condition=Q(status=PartnershipStatus.PROPOSED),
                                    name="guidance_partnership_one_proposal_per_school_year"),
            models.CheckConstraint(condition=Q(starts_on__lte=models.F("ends_on")),
                                   name="guidance_partnership_dates_in_order"),
            models.CheckConstraint(condition=Q(academic_year__gte=EARLIEST_DATE.year,
                                               academic_year__lt=BEFORE_DATE.year - 1),
                                   name="guidance_partnership_year_plausible"),
            models.CheckConstraint(condition=Q(status__in=PartnershipStatus.values),
                                   name="guidance_partnership_status_known"),
            # Accepted or declined: the school's decision is recorded (who, when).
            models.CheckConstraint(
                condition=Q(status=PartnershipStatus.PROPOSED) | Q(decided_at__isnull=False, decided_by__isnull=False),
                name="guidance_partnership_decision_recorded"),
            # Ended: who, which side, why and from when.
            models.CheckConstraint(
                condition=~Q(status=PartnershipStatus.ENDED) | Q(
                    ended_at__isnull=False, ended_by_org__isnull=False, end_effective_on__isnull=False),
                name="guidance_partnership_end_recorded"),
            plausible_date("end_effective_on", name="guidance_partnership_end_plausible", null=True),
        ]
        indexes = [models.Index(fields=["organisation", "starts_on", "ends_on"]),
                   models.Index(fields=["school", "status"])]

    def __str__(self):
        return f"{self.school} {self.year_label}"

    @property
    def year_label(self) -> str:
        """The academic year it is for, as "2025/26"."""
        return clock.academic_year_label(self.academic_year)

    @staticmethod
    def current_q(today: datetime.date | None = None) -> Q:
        """Accepted by the school (an early end not yet in effect), today within its dates."""
        today = today or clock.today()
        return (Q(starts_on__lte=today, ends_on__gte=today)
                & (Q(status=PartnershipStatus.ACCEPTED)
                   | Q(status=PartnershipStatus.ENDED, end_effective_on__gt=today)))

    def is_current(self, today=None) -> bool:
        today = today or clock.today()
        if not self.starts_on <= today <= self.ends_on:
            return False
        if self.status == PartnershipStatus.ACCEPTED:
            return True
        return self.status == PartnershipStatus.ENDED and self.end_effective_on is not None \
            and self.end_effective_on > today

    @property
    def can_end(self) -> bool:
        """Accepted and not already ending."""
        return self.status == PartnershipStatus.ACCEPTED and self.ends_on >= clock.today()

    @property
    def in_force_until(self) -> datetime.date:
        """The last day the grant gives access (an early end's effective day is the first without)."""
        if self.status == PartnershipStatus.ENDED and self.end_effective_on:
            return min(self.ends_on, self.end_effective_on - datetime.timedelta(days=1))
        return self.ends_on


class PartnershipAdviser(TenantModel):
    """A named adviser of the partnership (an adviser member of the careers service)."""

    plp_rls_parent_fields = ("partnership",)  # the school sees who the named advisers are

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="advisers")
    adviser = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "partnership", "adviser"],
                                               name="guidance_partnership_adviser_unique")]


class PartnershipObjective(TenantModel):
    """One careers adviser objective of a partnership, for one target group (seed 000's lists
    are the defaults; editable), with its status and evidence."""

    plp_rls_parent_fields = ("partnership",)  # ... and the objectives it is asked to accept

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="objectives")
    target_group = models.CharField(max_length=32, choices=TargetGroup.choices)
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=SHORT_ANSWER_MAX)
    status = models.CharField(max_length=20, choices=ObjectiveStatus.choices, default=ObjectiveStatus.NOT_STARTED)
    evidence = models.CharField(max_length=NOTES_MAX, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["target_group", "order", "pk"]


# --- The school's rows about its learners -----------------------------------------------------


# The NEET list's sort key for a learner who has not left: after every leaver.
FOLLOW_UP_NOT_LEFT = datetime.date.max
FOLLOW_UP_FIELDS = ("needs_follow_up", "follow_up_name")


class LearnerGuidance(TenantModel):
    """A learner's current place in the guidance model: tier (core unless changed), the
    identified adviser (seed 004), the adviser the learner asked for, review date. History is in
    ``TierChange``. Owned by the learner's school; written only by services: ``tier_set`` (tier,
    review date and identified adviser) and ``referral_make`` (the adviser the learner asked for)."""

    profile = models.OneToOneField("learners.LearnerProfile", on_delete=models.CASCADE, related_name="guidance")
    tier = models.CharField(max_length=16, choices=Tier.choices, default=Tier.CORE)
    review_on = models.DateField(null=True, blank=True)
    adviser = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    preferred_adviser = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    left_on = models.DateField(null=True, blank=True, help_text="The day the learner left (leavers are followed up).")
    # On the NEET list: kept current by ``follow_up.follow_up_refresh`` (the rule is there).
    needs_follow_up = models.BooleanField(default=False, db_default=False)
    # The NEET list's order among the marked rows: the learner's name (``User.full_name``), copied
    # by ``follow_up_refresh`` and on a rename (``follow_up.follow_up_name_refresh``), so a page
    # is read from ``guidance_follow_up_order_idx`` instead of every marked row's person.
    follow_up_name = models.CharField(max_length=150, blank=True, default="", db_default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "profile"], name="guidance_one_per_learner"),
            plausible_date("review_on", null=True, name="guidance_learner_review_on_plausible"),
            plausible_date("left_on", null=True, name="guidance_learner_left_on_plausible"),
        ]
        indexes = [models.Index(fields=["organisation", "tier"]),
                   # The leavers of a year at the authority's schools (guidance.outcomes): only
                   # leavers are indexed, so the outcome figures never scan the whole roll.
                   models.Index(fields=["organisation", "left_on"], condition=Q(left_on__isnull=False),
                                name="guidance_leavers_by_org_idx"),
                   # The NEET list: the scope's learners to follow up, and only those, by index.
                   models.Index(fields=["organisation", "left_on"], condition=Q(needs_follow_up=True),
                                name="guidance_follow_up_idx"),
                   # The NEET list in its order (``selectors.NEET_KEYS``): oldest leavers first,
                   # then by name; a page reads its rows, not every marked row (issue 19).
                   models.Index(Coalesce("left_on", Value(FOLLOW_UP_NOT_LEFT)), "follow_up_name", "profile",
                                condition=Q(needs_follow_up=True), name="guidance_follow_up_order_idx")]

    def save(self, *args, **kwargs):
        # The marker and its name are written only by ``follow_up`` (UPDATEs, in the writer's
        # transaction): saving a row read earlier — a tier change beside a destination recorded
        # at the same moment — never writes their old values back.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [field.name for field in self._meta.concrete_fields
                                       if not field.primary_key and field.name not in FOLLOW_UP_FIELDS]
        super().save(*args, **kwargs)


class TierChange(AudienceMixin, TenantModel):
    """One move between tiers: who decided, when, why (the seed's reasons), review date."""

    profile = models.ForeignKey("learners.LearnerProfile", on_delete=models.CASCADE, related_name="tier_changes")
    plan = models.ForeignKey("learners.Plan", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    from_tier = models.CharField(max_length=16, choices=Tier.choices)
    to_tier = models.CharField(max_length=16, choices=Tier.choices)
    reasons = models.CharField(max_length=300, blank=True, default="")  # ",a,b," (see reason_list)
    note = models.CharField(max_length=NOTES_MAX, blank=True)
    review_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)
    referral = models.ForeignKey("Referral", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-decided_at", "-pk"]
        indexes = [models.Index(fields=["profile", "-decided_at"])]
        constraints = [plausible_date("review_on", null=True, name="guidance_tier_change_review_on_plausible")]

    @property
    def reason_labels(self) -> list[str]:
        labels = dict(ReferralReason.choices)
        return [labels.get(r, r) for r in split_codes(self.reasons)]


class GroupSession(TenantModel):
    """A group session an adviser ran in a school, with attendance (``GroupAttendance``)."""

    careers_service = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    adviser = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField()
    topic = models.CharField(max_length=NAME_MAX)
    learning_objectives = models.CharField(max_length=SHORT_ANSWER_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        constraints = [plausible_date("held_on", name="guidance_group_session_held_on_plausible")]

    def clean(self):
        super().clean()
        if self.held_on and self.held_on > clock.today():
            raise ValidationError({"held_on": "Enter the date the session was held: today or earlier"})

    def __str__(self):
        return f"{self.topic} ({self.held_on:%d %b %Y})"


class Referral(AudienceMixin, TenantModel):
    """A referral of a learner to specialist guidance, and its triage (``status`` follows
    ``services.REFERRAL_TRANSITIONS``; every step is a ``ReferralEvent``)."""

    profile = models.ForeignKey("learners.LearnerProfile", on_delete=models.CASCADE, related_name="referrals")
    plan = models.ForeignKey("learners.Plan", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=20, choices=ReferralSource.choices)
    referred_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    agency_name = models.CharField(max_length=NAME_MAX, blank=True, help_text="For a referral by another agency.")
    group_session = models.ForeignKey(GroupSession, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="referrals")
    reasons = models.CharField(max_length=300, blank=True, default="")  # ",a,b," (see reason_list)
    suggested_tier = models.CharField(max_length=16, choices=Tier.choices, blank=True)
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices, default=Urgency.ROUTINE)
    notes = models.CharField(max_length=NOTES_MAX, blank=True)
    consent = models.BooleanField(default=False)
    consent_wording = models.CharField(max_length=SHORT_ANSWER_MAX, blank=True)
    preferred_adviser = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.NEW)
    created_at = models.DateTimeField(default=timezone.now)
    triaged_at = models.DateTimeField(null=True, blank=True)
    triaged_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    triaged_by_service = models.ForeignKey("organisations.Organisation", null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=20, choices=TriageDecision.choices, blank=True)
    decision_note = models.CharField(max_length=NOTES_MAX, blank=True, help_text="Advice given, or why.")
    allocated_adviser = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    referred_on_to = models.CharField(max_length=NAME_MAX, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-urgency", "created_at", "pk"]
        indexes = [
            models.Index(fields=["organisation", "status", "-urgency", "created_at"]),
            # The triage queue across every partner school, in queue order: the first page is
            # read straight off the index, never sorted from all the waiting referrals.
            models.Index(fields=["status", "-urgency", "created_at", "id"], name="referral_queue_order_idx"),
            models.Index(fields=["-urgency", "created_at", "id"], name="referral_all_order_idx"),  # every status
            # The queue's keyset pages (selectors.REFERRAL_QUEUE_KEYS: the urgency negated, so the
            # keys all ascend and a row comparison starts the next page on the index).
            models.Index(F("status"), F("urgency") * -1, F("created_at"), F("id"), name="referral_queue_keyset_idx"),
            models.Index(F("urgency") * -1, F("created_at"), F("id"), name="referral_all_keyset_idx"),
            models.Index(fields=["profile", "-created_at"]),
        ]

    def __str__(self):
        return f"Referral {self.pk} ({self.get_source_display()})"

    @property
    def reason_list(self) -> list[str]:
        return split_codes(self.reasons)

    @property
    def reason_labels(self) -> list[str]:
        labels = dict(ReferralReason.choices)
        return [labels.get(r, r) for r in self.reason_list]


class ReferralEvent(TenantModel):
    """Every step of a referral, timestamped: made, triaged (with decision), feedback, closed."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, choices=ReferralStatus.choices)
    note = models.CharField(max_length=EVENT_NOTE_MAX, blank=True)
    by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]


class Interview(AudienceMixin, TenantModel):
    """A guidance interview with notes and an action plan (``ActionItem``s, each becoming a
    careers target on the learner's plan). Audience PLAN by default: learners can read their own
    guidance records (Gatsby Benchmark 3)."""

    profile = models.ForeignKey("learners.LearnerProfile", on_delete=models.CASCADE, related_name="interviews")
    plan = models.ForeignKey("learners.Plan", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    careers_service = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    adviser = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="interviews")
    group_session = models.ForeignKey(GroupSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=20, choices=InterviewKind.choices, default=InterviewKind.INDIVIDUAL)
    held_on = models.DateField()
    summary = models.CharField(max_length=NOTES_MAX, help_text="What was discussed and agreed.")
    feedback_to_key_worker = models.CharField(max_length=NOTES_MAX, blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)
    feedback_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["profile", "-held_on"])]
        constraints = [plausible_date("held_on", name="guidance_interview_held_on_plausible")]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.held_on:%d %b %Y}"

    def clean(self):
        super().clean()
        if self.held_on and self.held_on > clock.today():
            raise ValidationError({"held_on": "Enter the date the interview was held: today or earlier"})


class ActionItem(TenantModel):
    """One action of an interview's action plan; ``target`` is the careers target it became."""

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="actions")
    text = models.CharField(max_length=300)
    due_on = models.DateField()
    target = models.ForeignKey("learners.Target", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [plausible_date("due_on", name="guidance_action_due_on_plausible")]

    def clean(self):
        super().clean()
        # Only when it is set: an action becomes overdue later, it is never set already overdue.
        if self._state.adding and self.due_on and self.due_on < clock.today():
            raise ValidationError({"due_on": "Enter a due date for the action that is today or later"})


class GroupAttendance(TenantModel):
    session = models.ForeignKey(GroupSession, on_delete=models.CASCADE, related_name="attendance")
    profile = models.ForeignKey("learners.LearnerProfile", on_delete=models.CASCADE, related_name="+")
    attended = models.BooleanField(default=True)
    flag = models.CharField(max_length=16, choices=AttendanceFlag.choices, blank=True)
    referral = models.ForeignKey(Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "session", "profile"],
                                               name="guidance_attendance_once")]


class Destination(TenantModel):
    """An intended or actual destination of a learner, dated and confirmed by whom."""

    # No learner once the learner's record is erased (plp_portal/records/retention.py): the row
    # stays, anonymous, for the authority's destinations figures.
    profile = models.ForeignKey("learners.LearnerProfile", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="destinations")
    kind = models.CharField(max_length=10, choices=DestinationKind.choices)
    category = models.CharField(max_length=32, choices=DestinationCategory.choices)
    detail = models.CharField(max_length=300, blank=True, help_text="Course, provider or employer.")
    recorded_on = models.DateField()
    confirmed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    confirmed_how = models.CharField(max_length=NAME_MAX, blank=True, help_text="e.g. phone call with the learner")
    follow_up_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_on", "-pk"]
        indexes = [models.Index(fields=["profile", "kind", "-recorded_on"])]
        constraints = [
            plausible_date("recorded_on", name="guidance_destination_recorded_on_plausible"),
            plausible_date("follow_up_on", null=True, name="guidance_destination_follow_up_on_plausible"),
        ]

    def clean(self):
        super().clean()
        if not self.recorded_on or not self._state.adding:
            return
        today = clock.today()
        if self.kind == DestinationKind.ACTUAL and self.recorded_on > today:
            raise ValidationError({"recorded_on": "An actual destination has already happened: enter a date that "
                                                  "is today or earlier"})
        latest = today + datetime.timedelta(days=INTENDED_DESTINATION_DAYS_AHEAD)
        if self.kind == DestinationKind.INTENDED and self.recorded_on > latest:
            raise ValidationError({"recorded_on": "Enter a date for the intended destination that is on or before "
                                                  f"{latest.day}/{latest.month}/{latest.year}"})


__all__ = [
    "Audience", "ServiceSettings", "OutcomeSettings", "ExpectedTierShare", "Partnership", "PartnershipAdviser",
    "PartnershipObjective", "LearnerGuidance", "TierChange", "GroupSession", "Referral", "ReferralEvent",
    "Interview", "ActionItem", "GroupAttendance", "Destination",
]


class SchoolFigure(TenantModel):
    """One count of a school's careers guidance figures, which the careers service dashboard
    adds up over the schools it shows (``figures.py``, issue 19): the page reads O(schools) rows
    (a few dozen per school), never the learners, referrals or destinations themselves.

    ``organisation`` is the school. Kept current by ``figures.figures_refresh``: the events that
    change a school's figures mark it stale (``SchoolFiguresState``) and the worker recomputes
    its rows a minute later; a daily rollup recomputes every school."""

    kind = models.CharField(max_length=20, choices=FigureKind.choices)
    key = models.CharField(max_length=80, blank=True)
    n = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "kind", "key"], name="guidance_school_figure_key")]


class SchoolFiguresState(TenantModel):
    """When a school's ``SchoolFigure`` rows were computed, and since when they are out of date
    (None: current). One row per school."""

    refreshed_at = models.DateTimeField(null=True, blank=True)
    stale_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation"], name="guidance_school_figures_state_one")]
        indexes = [models.Index(fields=["stale_since"], condition=Q(stale_since__isnull=False),
                                name="guidance_figures_stale_idx")]
