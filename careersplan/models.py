"""The annual careers plan (seed 002) and the ILP self-assessment (seed 001, section 5).

Templates are data shared between organisations (global, or owned by a local authority that
adapted them for its schools): they are not tenant-owned (tests/test_tenancy.py lists them).
Everything a school writes — plans, rows, evidence, ticks, approvals, grants, comments,
self-assessments — is a ``TenantModel`` whose organisation is derived from its plan."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from guardian.models import UserObjectPermissionBase

from plp_portal import clock
from plp_portal.bounds import limited_text, text_limit
from plp_portal.tenancy import TenantModel
from plp_portal.uploads import UploadTo

from .choices import (
    Aim, FeedbackAudience, FeedbackRating, IlpAnswer, Phase, Rag, RecommendationKind, RecommendationStatus,
    ReviewerKind, TemplateKind,
)

# Generated, unguessable names (module-level: the migrations refer to it).
evidence_upload_to = UploadTo("careersplan/evidence")

# The longest text each free-text field keeps (the forms use the same numbers, so the message
# names the field). A plan's PDF stays a few pages per row whatever people type.
INDICATORS_MAX = 5_000      # a section's evidence indicators (Kent's longest: about 1,100)
PLANNED_MAX = 2_000         # a row's "Planned" (about 350 words in one table cell)
ACTIONS_MAX = 2_000         # a row's "Actions for next year"
EVIDENCE_TEXT_MAX = 5_000   # one evidence note
COMMENT_MAX = 2_000         # a reviewer's comment on a section
RECOMMENDATION_MAX = 1_000  # an authority's recommendation or priority
RESPONSE_MAX = 2_000        # the school's answer to it
EVIDENCE_PER_ROW_MAX = 20   # pieces of evidence one row holds (the PDF stays bounded)

# Dates a plan can hold: never year 1 or 9999 (the forms narrow this to what makes sense now).
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2099, 12, 31)


def _date_range(field: str, name: str, *, nullable: bool = False) -> models.CheckConstraint:
    condition = models.Q(**{f"{field}__range": (EARLIEST_DATE, LATEST_DATE)})
    if nullable:
        condition |= models.Q(**{f"{field}__isnull": True})
    return models.CheckConstraint(condition=condition, name=name)


# --- Templates (shared data) -------------------------------------------------------------------
class PlanTemplate(models.Model):
    """A versioned template. ``owner`` None = global (the Kent template of the data migration);
    otherwise the local authority that copied and adapted it. A published template is frozen:
    changing it means copying it into a new version."""

    Kind = TemplateKind

    kind = models.CharField(max_length=20, choices=TemplateKind.choices)
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    owner = models.ForeignKey(
        "organisations.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The local authority that owns this template; empty for a global template.",
    )
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=200, blank=True, help_text="Where the text comes from.")
    is_published = models.BooleanField(default=False)
    # RAG bands of the checklist score: 0..red_max red, ..amber_max amber, above green.
    rag_red_max = models.PositiveSmallIntegerField(default=10)
    rag_amber_max = models.PositiveSmallIntegerField(default=15)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "kind", "name", "version"], name="plantemplate_unique_version",
            ),
            models.UniqueConstraint(
                fields=["kind", "name", "version"], condition=models.Q(owner__isnull=True),
                name="plantemplate_unique_global_version",
            ),
        ]

    def __str__(self):
        return f"{self.name} (version {self.version})"

    def rag_for(self, score: int) -> str:
        if score <= self.rag_red_max:
            return Rag.RED
        if score <= self.rag_amber_max:
            return Rag.AMBER
        return Rag.GREEN

    def rag_bands(self, total: int) -> list[tuple[str, int, int]]:
        return [
            (Rag.RED, 0, self.rag_red_max),
            (Rag.AMBER, self.rag_red_max + 1, self.rag_amber_max),
            (Rag.GREEN, self.rag_amber_max + 1, total),
        ]


class TemplateSection(models.Model):
    """A table of the plan (e.g. "Internal Support" under "Review of Careers Education") with
    its evidence indicators: one per line; a line starting with "- " is a sub-item of the
    line above."""

    template = models.ForeignKey(PlanTemplate, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField()
    group = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200)
    evidence_indicators = limited_text(max_length=INDICATORS_MAX, blank=True)

    class Meta:
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "position"], name="section_position"),
            text_limit("evidence_indicators", INDICATORS_MAX, name="section_indicators_length"),
        ]

    def __str__(self):
        return self.title

    def indicator_list(self) -> list[tuple[str, list[str]]]:
        items: list[tuple[str, list[str]]] = []
        for line in self.evidence_indicators.splitlines():
            line = line.rstrip()
            if not line:
                continue
            if line.startswith("- ") and items:
                items[-1][1].append(line[2:])
            else:
                items.append((line, []))
        return items


class TemplateRow(models.Model):
    """A row of a section (careers plan) or a statement (ILP checklist). ``aims``: the Triple A
    aims the seed relates to the row, comma-separated values of ``Aim``."""

    section = models.ForeignKey(TemplateSection, on_delete=models.CASCADE, related_name="rows")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=400)
    aims = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["section__position", "position"]
        constraints = [models.UniqueConstraint(fields=["section", "position"], name="row_position")]

    def __str__(self):
        return self.label

    def aim_list(self) -> list[str]:
        return [Aim(a).label for a in self.aims.split(",") if a]


class ChecklistItem(models.Model):
    """One of the checklist items (20 in the Kent template). ``is_governing_body_approval``
    marks item 4: ticking it is tied to the plan's approval record. ``is_student_feedback``
    marks item 20: the students' feedback survey's first answer ticks it (issue 15)."""

    template = models.ForeignKey(
        PlanTemplate, on_delete=models.CASCADE, related_name="checklist_items"
    )
    number = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=400)
    is_governing_body_approval = models.BooleanField(default=False)
    is_student_feedback = models.BooleanField(
        default=False, help_text="Ticked, and counted, once the plan's students' feedback survey has an answer "
                                 "(Kent item 20, \"Student feedback received on CEIAG\").")

    class Meta:
        ordering = ["template", "number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="checklist_item_number")
        ]

    def __str__(self):
        return f"{self.number}. {self.text}"


class YearFromTemplate(TenantModel):
    """What a school fills in from a template for one academic year (the year it starts in:
    2026 = 2026/27), newest year first. One per organisation and year: each subclass names its
    unique constraint."""

    academic_year = models.PositiveIntegerField()
    template = models.ForeignKey(PlanTemplate, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-academic_year"]

    @property
    def year_label(self) -> str:
        return clock.academic_year_label(self.academic_year)


# --- The plan -----------------------------------------------------------------------------------
class CareersPlan(YearFromTemplate):
    """One school's or college's annual careers plan for one academic year."""

    Phase = Phase

    phase = models.CharField(max_length=12, choices=Phase.choices, default=Phase.PLANNING)
    rolled_forward_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The plan's summary, kept current by the services that change its ticks, rows and approval
    # (``services.plan_summaries_refresh``, the one recompute): what the authority dashboard
    # filters, sorts and counts without reading every plan's ticks and rows (issue 19).
    score = models.PositiveSmallIntegerField(default=0, editable=False,
                                             help_text="Checklist items ticked.")
    sections_incomplete = models.PositiveSmallIntegerField(
        default=0, editable=False, help_text="Sections with a row nothing is planned in.")
    is_approved = models.BooleanField(default=False, editable=False,
                                      help_text="The governing body's approval is recorded.")

    class Meta(YearFromTemplate.Meta):
        constraints = [
            models.UniqueConstraint(fields=["organisation", "academic_year"], name="careersplan_one_per_org_year")
        ]
        permissions = [("review_careersplan", "Review this annual careers plan")]

    def __str__(self):
        return f"Annual careers plan {self.year_label}"


class CareersPlanUserObjectPermission(UserObjectPermissionBase):
    """django-guardian's direct-foreign-key grant on one plan (the external reviewer's access).
    Always checked together with an unexpired ``ReviewerGrant``."""

    plp_scoped_through = "content_object"

    content_object = models.ForeignKey(CareersPlan, on_delete=models.CASCADE)


class PlanRow(TenantModel):
    """The lead's entries for one template row: Planned, Actions for next year (Evidence is a
    list of ``Evidence``). ``version`` is the optimistic-concurrency counter."""

    plan = models.ForeignKey(CareersPlan, on_delete=models.CASCADE, related_name="rows")
    template_row = models.ForeignKey(TemplateRow, on_delete=models.PROTECT, related_name="+")
    planned = limited_text(max_length=PLANNED_MAX, blank=True)
    actions_next_year = limited_text(max_length=ACTIONS_MAX, blank=True)
    # Marked by the lead for the published careers programme (only its "Planned" text is shown).
    is_public = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["template_row__section__position", "template_row__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "plan", "template_row"], name="planrow_once_per_row"
            ),
            text_limit("planned", PLANNED_MAX, name="planrow_planned_length"),
            text_limit("actions_next_year", ACTIONS_MAX, name="planrow_actions_length"),
        ]

    def __str__(self):
        return str(self.template_row)


class Evidence(TenantModel):
    """Evidence of implementation recorded against a row: text and/or a document, photo or
    video."""

    row = models.ForeignKey(PlanRow, on_delete=models.CASCADE, related_name="evidence")
    text = limited_text(max_length=EVIDENCE_TEXT_MAX, blank=True)
    file = models.FileField(upload_to=evidence_upload_to, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    original_name = models.CharField(max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [text_limit("text", EVIDENCE_TEXT_MAX, name="evidence_text_length")]

    def __str__(self):
        return self.original_name or self.text[:60]


class ChecklistTick(TenantModel):
    """A ticked checklist item of a plan (no row = not ticked)."""

    plan = models.ForeignKey(CareersPlan, on_delete=models.CASCADE, related_name="ticks")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    evidence_link = models.URLField(blank=True, max_length=500)
    ticked_on = models.DateField(null=True, blank=True)
    ticked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_survey = models.BooleanField(default=False, help_text="Ticked by the students' feedback survey's answers.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "plan", "item"], name="tick_once_per_item"
            ),
            _date_range("ticked_on", "tick_ticked_on_plausible", nullable=True),
        ]


class ScoreChange(TenantModel):
    """History of the checklist score through the year: one row per save of the checklist
    (however many items it ticked or unticked), with the score and RAG after it.
    ``items_ticked``/``items_unticked``: the item numbers, comma-separated."""

    plan = models.ForeignKey(CareersPlan, on_delete=models.CASCADE, related_name="score_changes")
    items_ticked = models.CharField(max_length=400, blank=True)
    items_unticked = models.CharField(max_length=400, blank=True)
    score = models.PositiveSmallIntegerField()
    rag = models.CharField(max_length=5, choices=Rag.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at", "id"]

    @staticmethod
    def numbers(items) -> str:
        return ",".join(str(n) for n in sorted(items))

    def description(self) -> str:
        """"Items 1, 2 ticked; item 5 unticked"."""
        parts = []
        for numbers, verb in ((self.items_ticked, "ticked"), (self.items_unticked, "unticked")):
            found = [n for n in numbers.split(",") if n]
            if found:
                noun = "item" if len(found) == 1 else "items"
                parts.append(f"{noun} {', '.join(found)} {verb}")
        text = "; ".join(parts)
        return text[:1].upper() + text[1:]


class GoverningBodyApproval(TenantModel):
    """The governing body's agreement of the plan (checklist item 4)."""

    plan = models.OneToOneField(CareersPlan, on_delete=models.CASCADE, related_name="approval")
    approved_on = models.DateField()
    minute_reference = models.CharField(max_length=100)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [_date_range("approved_on", "approval_approved_on_plausible")]


class ReviewerGrant(TenantModel):
    """A careers lead's grant of one plan to a named external reviewer, until a date. Access
    needs this grant unexpired and unrevoked AND the guardian object permission."""

    plp_rls_person_fields = ("reviewer",)  # row-level security: the reviewer finds their grants

    Kind = ReviewerKind

    plan = models.ForeignKey(CareersPlan, on_delete=models.CASCADE, related_name="reviewer_grants")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=ReviewerKind.choices)
    expires_on = models.DateField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at"]
        constraints = [_date_range("expires_on", "reviewer_grant_expires_on_plausible")]

    def is_current(self, today) -> bool:
        return self.revoked_at is None and self.expires_on >= today


class ReviewComment(TenantModel):
    """A reviewer's comment on one section of a plan; kept with the plan."""

    plan = models.ForeignKey(CareersPlan, on_delete=models.CASCADE, related_name="comments")
    section = models.ForeignKey(TemplateSection, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=200)
    text = limited_text(max_length=COMMENT_MAX)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [text_limit("text", COMMENT_MAX, name="review_comment_text_length")]


class ApprovalDeadline(TenantModel):
    """The date by which an authority expects its schools' plans approved (organisation = the
    local authority)."""

    academic_year = models.PositiveIntegerField()
    approve_by = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "academic_year"], name="approval_deadline_per_year"
            ),
            _date_range("approve_by", "approval_deadline_plausible"),
        ]


class Recommendation(TenantModel):
    """A recommendation or priority for improvement the authority records on one of its schools'
    plans (seed 002), with a due date; the school's careers lead answers it. Owned by the SCHOOL
    (``organisation``; it is about the school's plan and follows it), written by the authority
    (``authority``) through its recorded grant (the school's ``parent``). Open and answered ones
    are carried into next year's plan (``carried_from``) until the authority closes them."""

    plan = models.ForeignKey(CareersPlan, on_delete=models.CASCADE, related_name="recommendations")
    authority = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=RecommendationKind.choices,
                            default=RecommendationKind.RECOMMENDATION)
    text = limited_text(max_length=RECOMMENDATION_MAX)
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=RecommendationStatus.choices,
                              default=RecommendationStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    response = limited_text(max_length=RESPONSE_MAX, blank=True, default="")
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+")
    responded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    carried_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["authority", "status", "due_on"])]
        constraints = [
            text_limit("text", RECOMMENDATION_MAX, name="recommendation_text_length"),
            text_limit("response", RESPONSE_MAX, name="recommendation_response_length"),
            _date_range("due_on", "recommendation_due_on_plausible"),
        ]


PROGRAMME_TEXT_MAX = 2_000


class PublishedProgramme(TenantModel):
    """A school's published careers programme (seed 002: schools "publish an annual careers
    plan"): the lead's draft details, and the snapshot taken when they last published. The public
    page shows the SNAPSHOT only, so nothing typed after publishing, and no row not marked
    public at that moment, is ever shown without a new, explicit publish."""

    plan = models.ForeignKey(CareersPlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    careers_lead_name = models.CharField(max_length=200, blank=True)
    careers_lead_contact = models.CharField(max_length=200, blank=True,
                                            help_text="A work email address or telephone number.")
    how_to_get_guidance = limited_text(max_length=PROGRAMME_TEXT_MAX, blank=True, default="")
    next_review_on = models.DateField(null=True, blank=True)
    published_content = models.JSONField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="published_programme_one_per_org"),
            text_limit("how_to_get_guidance", PROGRAMME_TEXT_MAX, name="published_programme_guidance_length"),
            _date_range("next_review_on", "published_programme_review_plausible", nullable=True),
        ]


FEEDBACK_TEXT_MAX = 1_000


class FeedbackSurvey(TenantModel):
    """A short feedback survey of one audience for a plan's annual review. Reached by anyone
    holding its link (``token``: the bearer grant, like a plan-share invitation) until it
    closes; responses are not tied to any account."""

    plan = models.ForeignKey(CareersPlan, on_delete=models.CASCADE, related_name="surveys")
    audience = models.CharField(max_length=12, choices=FeedbackAudience.choices)
    token = models.CharField(max_length=64, unique=True)
    named_allowed = models.BooleanField(default=False, help_text="Respondents may give their name.")
    closes_on = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Closed by the lead before its closing date (the day, by whom): it takes no more answers.
    closed_early_on = models.DateField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Meta:
        ordering = ["audience"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "plan", "audience"], name="feedback_survey_per_audience"),
            _date_range("closes_on", "feedback_survey_closes_on_plausible"),
            _date_range("closed_early_on", "feedback_survey_closed_early_on_plausible", nullable=True),
        ]

    def is_open(self, today: datetime.date) -> bool:
        return self.closed_early_on is None and today <= self.closes_on

    @property
    def closed_on(self) -> datetime.date:
        """The day it stopped taking answers: the day the lead closed it, else its closing date."""
        return self.closed_early_on or self.closes_on


class FeedbackResponse(TenantModel):
    """One answer to a survey: a rating and two optional comments; a name only if the survey
    allows it and the respondent typed one."""

    survey = models.ForeignKey(FeedbackSurvey, on_delete=models.CASCADE, related_name="responses")
    rating = models.PositiveSmallIntegerField(choices=FeedbackRating.choices)
    worked_well = limited_text(max_length=FEEDBACK_TEXT_MAX, blank=True, default="")
    improve = limited_text(max_length=FEEDBACK_TEXT_MAX, blank=True, default="")
    respondent_name = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(rating__gte=1, rating__lte=5), name="feedback_rating_1_to_5"),
            text_limit("worked_well", FEEDBACK_TEXT_MAX, name="feedback_worked_well_length"),
            text_limit("improve", FEEDBACK_TEXT_MAX, name="feedback_improve_length"),
        ]


# --- ILP self-assessment (seed 001) -----------------------------------------------------------
class IlpSelfAssessment(YearFromTemplate):
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta(YearFromTemplate.Meta):
        constraints = [
            models.UniqueConstraint(fields=["organisation", "academic_year"], name="ilp_assessment_per_year")
        ]


class IlpResponse(TenantModel):
    assessment = models.ForeignKey(
        IlpSelfAssessment, on_delete=models.CASCADE, related_name="responses"
    )
    template_row = models.ForeignKey(TemplateRow, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(max_length=10, choices=IlpAnswer.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "assessment", "template_row"], name="ilp_response_once"
            )
        ]
