"""Forms of the learners app. Every form that offers records as choices takes ``org`` (and the
plan where it matters) and scopes its querysets to them."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from plp_portal.forms import DateField, Form, ModelForm

from plp_portal import clock
from plp_portal.organisations.choices import STAFF_ROLES, Role
from plp_portal.organisations.selectors import member_users, organisations_of_kinds
from plp_portal.uploads import AUDIO, IMAGES, validate_upload

from .choices import (
    ApplicationStatus,
    Audience,
    AuthorRole,
    ConcernCategory,
    ConcernStatus,
    DestinationCategory,
    EcmOutcome,
    Effort,
    LeavingReason,
    LogEntryKind,
    MovingOnShareWith,
    OpenTargetsOnLeaving,
    ShareRelationship,
    TargetGroup,
    TargetStatus,
    TargetTerm,
)
from .models import (
    CONTRIBUTION_AUDIENCES,
    CONTRIBUTION_MAX,
    EARLIEST_BIRTH,
    EARLIEST_PLAN_DATE,
    LEAVING_DETAIL_MAX,
    LEAVING_NOTE_MAX,
    LOG_ANSWER_MAX,
    MOVING_ON_TEXT_MAX,
    NARRATIVE_MAX,
    PROGRESS_NOTE_MAX,
    AtRiskLevel,
    AtRiskStatus,
    Concern,
    LearnerProfile,
    Plan,
    SubjectReport,
    Target,
    TargetArea,
)
from .permissions import WORKING_STAFF_ROLES


def _max(model, field_name: str) -> int:
    """The model field's maximum length: form and model refuse the same text."""
    return model._meta.get_field(field_name).max_length


def _percent(label="Attendance (%)"):
    return forms.DecimalField(label=label, required=False, min_value=0, max_value=100, max_digits=5,
                              decimal_places=2)


def _date_of_birth():
    return DateField(label="Date of birth", required=False, earliest=EARLIEST_BIRTH, not_after_today=True)


def _blank(choices, label="Any"):
    return [("", label), *choices]


class AudienceFormMixin(Form):
    """Who may see the record (staff forms only: the learner's own records are PLAN)."""

    audience = forms.ChoiceField(label="Who can see this", choices=Audience.choices, initial=Audience.PLAN,
                                 widget=forms.RadioSelect)
    restricted_roles = forms.MultipleChoiceField(
        label="Roles that can see it (with the key worker)", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(r.value, r.label) for r in Role if r in WORKING_STAFF_ROLES],
        help_text="Only for “Named roles and the key worker only”.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("audience") == Audience.RESTRICTED and not cleaned.get("restricted_roles"):
            self.add_error("restricted_roles", "Select the roles that can see it")
        return cleaned

    def audience_kwargs(self) -> dict:
        audience = self.cleaned_data["audience"]
        roles = self.cleaned_data.get("restricted_roles") or [] if audience == Audience.RESTRICTED else []
        return {"audience": audience, "restricted_roles": roles}

    def record_kwargs(self) -> dict:
        """The record's own fields, then its audience: the service's keyword arguments."""
        fields = {k: v for k, v in self.cleaned_data.items() if k not in ("audience", "restricted_roles")}
        return {**fields, **self.audience_kwargs()}


# --- Lists and configuration -----------------------------------------------------------------


class _OrganisationListForm(ModelForm):
    """A row of one of the organisation's own lists (target areas, at-risk levels): its ``code``
    is unique in the organisation and fixed once saved."""

    code_taken = "This code is in use"

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.org = org
        if not self.instance.pk:
            self.instance.organisation = org
        if self.instance.pk:
            self.fields["code"].disabled = True

    def clean_code(self):
        code = self.cleaned_data["code"]
        rows = self._meta.model.objects.for_org(self.org)
        if rows.filter(code=code).exclude(pk=self.instance.pk).exists():
            raise ValidationError(self.code_taken)
        return code


class TargetAreaForm(_OrganisationListForm):
    class Meta:
        model = TargetArea
        fields = ["name", "code", "order", "is_active"]
        labels = {"code": "Code", "is_active": "In use"}
        help_texts = {"code": "Short, lower case, no spaces; it does not change once in use."}

    code_taken = "An area with this code exists"


class AtRiskLevelForm(_OrganisationListForm):
    class Meta:
        model = AtRiskLevel
        fields = ["name", "code", "description", "order"]

    code_taken = "A status with this code exists"


# --- Profile and plan ------------------------------------------------------------------------


def _dates_in_order(form, cleaned):
    if cleaned.get("starts_on") and cleaned.get("ends_on") and cleaned["ends_on"] < cleaned["starts_on"]:
        form.add_error("ends_on", "The end date must be after the start date")
    return cleaned


class EnrolForm(Form):
    learner = forms.ModelChoiceField(label="Learner", queryset=get_user_model().objects.none(),
                                     help_text="Learners of the organisation without a profile yet. "
                                               "Invite a new learner from Members first.")
    target_group = forms.ChoiceField(label="Target group", choices=TargetGroup.choices)
    year_group = forms.CharField(label="Year group", required=False, max_length=20)
    tutor_group = forms.CharField(label="Tutor group", required=False, max_length=40)
    date_of_birth = _date_of_birth()
    upn = forms.CharField(label="UPN", required=False, max_length=13)
    uln = forms.CharField(label="ULN", required=False, max_length=10)
    programme_name = forms.CharField(label="Programme", max_length=200)
    starts_on = DateField(label="Plan starts on")
    ends_on = DateField(label="Plan ends on")
    final_outcome = forms.CharField(label="Agreed final grade or course outcome", max_length=300,
                                    help_text="Recorded as the plan's first target, due at the end of the course.")
    long_term_goal = forms.CharField(label="Long-term goal", required=False, max_length=_max(Plan, "long_term_goal"),
                                     widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        enrolled = LearnerProfile.objects.for_org(org).values("user_id")
        self.fields["learner"].queryset = member_users(org=org, roles=[Role.LEARNER]).exclude(pk__in=enrolled)

    def clean(self):
        return _dates_in_order(self, super().clean())


class EnrolmentEndForm(Form):
    """End a learner's enrolment (issue 13). Posted twice: first to check, then with
    ``confirmed`` from the confirmation page (nothing changes before that)."""

    left_on = DateField(label="Left on", earliest=EARLIEST_PLAN_DATE, not_after_today=True)
    reason = forms.ChoiceField(label="Reason for leaving", choices=LeavingReason.choices, widget=forms.RadioSelect)
    reason_detail = forms.CharField(label="More about the reason (optional)", required=False,
                                    max_length=LEAVING_DETAIL_MAX)
    targets = forms.ChoiceField(label="Open targets", choices=OpenTargetsOnLeaving.choices,
                                initial=OpenTargetsOnLeaving.WITHDRAW, widget=forms.RadioSelect,
                                help_text="Targets not yet achieved, partly achieved, not achieved or withdrawn.")
    closing_note = forms.CharField(label="Closing entry for the learning journey", max_length=LEAVING_NOTE_MAX,
                                   widget=forms.Textarea(attrs={"rows": 4}),
                                   help_text="Added to each plan that closes. The learner can read it.")
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


def _moving_on_text(label, help_text=""):
    return forms.CharField(label=label, required=False, max_length=MOVING_ON_TEXT_MAX, help_text=help_text,
                           widget=forms.Textarea(attrs={"rows": 3}))


# Where a learner may intend to go ("moved away" is a destination recorded after leaving).
INTENDED_DESTINATIONS = [(value, label) for value, label in DestinationCategory.choices
                         if value != DestinationCategory.MOVED_AWAY]


class MovingOnForm(Form):
    """The moving-on plan (issue 13), written by staff with the learner."""

    destination_category = forms.ChoiceField(label="Intended destination", choices=INTENDED_DESTINATIONS,
                                             widget=forms.RadioSelect)
    destination_detail = forms.CharField(label="Course, provider or employer", required=False, max_length=300)
    applications_note = _moving_on_text("Notes on applications",
                                        "Anything about applications that is not one of them: add each "
                                        "application (provider, course or role, where it stands) on the plan.")
    next_organisation_should_know = _moving_on_text("What the next organisation should know")
    continuing_support = _moving_on_text("Support that must continue")
    share_with = forms.MultipleChoiceField(label="Who the learner agrees to share it with", required=False,
                                           choices=MovingOnShareWith.choices, widget=forms.CheckboxSelectMultiple)
    audience = forms.ChoiceField(label="Who can see it here", widget=forms.RadioSelect, initial=Audience.PLAN,
                                 choices=[(Audience.PLAN, Audience.PLAN.label), (Audience.STAFF, Audience.STAFF.label)])
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=1_000_000)


class MovingOnApplicationForm(Form):
    """One application of the moving-on plan (issue 13), added or changed one at a time."""

    provider = forms.CharField(label="Provider", max_length=200,
                               help_text="The college, employer, training provider or university.")
    course_or_role = forms.CharField(label="Course or role", max_length=200)
    status = forms.ChoiceField(label="Where it stands", widget=forms.RadioSelect,
                               choices=ApplicationStatus.choices, initial=ApplicationStatus.PLANNING)
    applied_on = DateField(label="Applied on (optional)", required=False, not_after_today=True)
    decision_on = DateField(label="Offer or decision date (optional)", required=False)
    note = forms.CharField(label="Note (optional)", required=False, max_length=1000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        cleaned = super().clean()
        applied, decided = cleaned.get("applied_on"), cleaned.get("decision_on")
        if applied and decided and decided < applied:
            self.add_error("decision_on", "The offer or decision date must be on or after the date applied")
        return cleaned


LEARNING_ORGANISATION_KINDS = ("school", "college", "training_provider", "employer")


def _learning_organisations(*, exclude_ids):
    return organisations_of_kinds(kinds=LEARNING_ORGANISATION_KINDS, exclude_ids=exclude_ids)


class TransferRequestForm(Form):
    """The receiving organisation asks for a learner's record at their previous organisation."""

    sending_org = forms.ModelChoiceField(label="The learner's previous organisation", queryset=None,
                                         help_text="The learner is asked and decides. Nothing is read before.")

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sending_org"].queryset = _learning_organisations(exclude_ids=[org.pk])


def _what_else_to_share(*, staff_records, sensitive, sensitive_help):
    """A record transfer's two choices beyond the plan (staff-only records; the sensitive
    information, a separate consent), in the words of who decides: the learner, or the school
    for a learner under 13."""
    return (
        forms.BooleanField(label=f"Also share {staff_records} for staff only", required=False,
                           help_text="Records kept for named roles only never go."),
        forms.BooleanField(label=f"Also share {sensitive}: support needs, disabilities or learning difficulties, "
                                 "personal circumstances", required=False, help_text=sensitive_help),
    )


_LEARNER_WORDS = {
    "staff_records": "the records my teachers wrote", "sensitive": "my sensitive information",
    "sensitive_help": "A separate choice. If you tick it, only the staff who may see it there (your key worker "
                      "and specialist staff) can read it. If you do not, it is never shared.",
}


class TransferOfferForm(Form):
    """The learner offers their record at one of their organisations to the next one."""

    from_org = forms.ChoiceField(label="My record at")
    to_org = forms.ModelChoiceField(label="The organisation I am moving to", queryset=None)
    include_staff_records, include_sensitive = _what_else_to_share(**_LEARNER_WORDS)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, profiles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_org"].choices = [(str(p.organisation_id), p.organisation.name) for p in profiles]
        self.fields["to_org"].queryset = _learning_organisations(exclude_ids=[])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("to_org") and cleaned.get("from_org") and str(cleaned["to_org"].pk) == cleaned["from_org"]:
            self.add_error("to_org", "Choose the organisation you are moving to, not the one you are leaving")
        return cleaned


class TransferOfferForUnder13Form(Form):
    """The school offers the record of a learner under 13 to the organisation they move to."""

    to_org = forms.ModelChoiceField(label="The organisation the learner is moving to", queryset=None)
    include_staff_records, include_sensitive = _what_else_to_share(
        staff_records="the records written", sensitive="the sensitive information",
        sensitive_help="A separate decision. Only the staff who may see it there (the key worker and specialist "
                       "staff) can read it. If you do not tick it, it is never shared.")
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_org"].queryset = _learning_organisations(exclude_ids=[org.pk])


class TransferDecisionForm(Form):
    decision = forms.ChoiceField(label="Your decision", widget=forms.RadioSelect, choices=[
        ("consent", "Yes, they may read it"), ("refuse", "No, do not share it")])
    include_staff_records, include_sensitive = _what_else_to_share(**_LEARNER_WORDS)


class ReenrolForm(Form):
    """Enrol again a learner who left: a new plan, linked to the closed one."""

    programme_name = forms.CharField(label="Programme", max_length=200)
    starts_on = DateField(label="Plan starts on", earliest=EARLIEST_PLAN_DATE)
    ends_on = DateField(label="Plan ends on", earliest=EARLIEST_PLAN_DATE)
    final_outcome = forms.CharField(label="Agreed final grade or course outcome", max_length=300)
    long_term_goal = forms.CharField(label="Long-term goal", required=False, max_length=_max(Plan, "long_term_goal"),
                                     widget=forms.Textarea(attrs={"rows": 3}),
                                     help_text="Carried over from the closed plan: change it if it has changed.")

    def clean(self):
        return _dates_in_order(self, super().clean())


class PlanFromPreviousForm(ReenrolForm):
    """At the new organisation: a plan starting from the transferred one (the key worker confirms
    the goal and chooses the open targets to carry over)."""

    previous_plan = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    targets = forms.ModelMultipleChoiceField(label="Open targets to carry over", required=False, queryset=None,
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["targets"].queryset = targets
        self.fields["long_term_goal"].help_text = "From the previous plan: confirm it with the learner or change it."


class TransferNoteForm(Form):
    sending_note = forms.CharField(label="What you must keep, or anything you are required to note", required=False,
                                   max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                                   help_text="Seen by your organisation only.")




STAGE1_FIELDS = [
    "target_group", "year_group", "tutor_group", "date_of_birth", "upn", "uln",
    "attendance_percent", "attitude", "preferred_ways_of_learning", "prior_achievements",
    "english_level", "maths_level", "ict_level", "personal_social_development_needs",
    "vocational_interests", "hobbies_and_ambitions", "strengths_own_words", "weaknesses_own_words",
]


class ProfileForm(ModelForm):
    """Stage 1 initial assessment. The sensitive fields are included only when the caller says
    the viewer ``can_see_sensitive`` (and then reads them through ``profile_sensitive_read``)."""

    date_of_birth = _date_of_birth()
    attendance_percent = _percent()
    induction_completed = forms.BooleanField(label="Induction completed", required=False)
    support_need_areas = forms.MultipleChoiceField(label="Areas the support needs concern", required=False,
                                                   widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = LearnerProfile
        fields = STAGE1_FIELDS + list(LearnerProfile.SENSITIVE_FIELDS)
        widgets = {**{
            f: forms.Textarea(attrs={"rows": 3}) for f in (
                "attitude", "preferred_ways_of_learning", "prior_achievements", "personal_social_development_needs",
                "vocational_interests", "hobbies_and_ambitions", "strengths_own_words", "weaknesses_own_words",
                "learning_difficulties_disabilities", "personal_circumstances", "support_needs")}}
        labels = {
            "attendance_percent": "Attendance (%)",
            "strengths_own_words": "Strengths, in the learner's own words",
            "weaknesses_own_words": "Weaknesses, in the learner's own words",
            "personal_social_development_needs": "Personal and social development needs",
            "learning_difficulties_disabilities": "Learning difficulties or disabilities",
            "personal_circumstances": "Personal circumstances",
            "support_needs": "Support needs",
            "english_level": "Current English level",
            "maths_level": "Current maths level",
            "ict_level": "Current ICT level",
        }

    def __init__(self, *args, org, include_sensitive: bool, sensitive_values: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.include_sensitive = include_sensitive
        if include_sensitive:
            self.fields["support_need_areas"].choices = list(
                TargetArea.objects.for_org(org).values_list("code", "name"))
            for name, value in (sensitive_values or {}).items():
                self.initial[name] = value
        else:
            for name in LearnerProfile.SENSITIVE_FIELDS:
                del self.fields[name]
            self.initial = {k: v for k, v in self.initial.items() if k not in LearnerProfile.SENSITIVE_FIELDS}
        self.fields["induction_completed"].initial = self.instance.induction_completed
        if self.instance.induction_completed:
            self.fields["induction_completed"].disabled = True
            self.fields["induction_completed"].help_text = (
                f"Ticked by {self.instance.induction_completed_by} on "
                f"{timezone.localtime(self.instance.induction_completed_at):%d %B %Y}")

    def sensitive_field_names(self):
        return [n for n in LearnerProfile.SENSITIVE_FIELDS if n in self.fields]

    def changes(self) -> dict:
        fields = {name: self.cleaned_data[name] for name in self.fields
                  if name != "induction_completed" and not self.fields[name].disabled}
        fields["induction_completed"] = self.cleaned_data.get("induction_completed")
        return fields


class PlanForm(ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    starts_on = DateField(label="Starts on")
    ends_on = DateField(label="Ends on")

    class Meta:
        model = Plan
        fields = ["programme_name", "long_term_goal", "anticipated_destination", "qualifications",
                  "planned_placements", "off_site_schedule", "support_needed", "starts_on", "ends_on"]
        widgets = {**{f: forms.Textarea(attrs={"rows": 3}) for f in (
                       "long_term_goal", "anticipated_destination", "qualifications", "planned_placements",
                       "off_site_schedule", "support_needed")}}
        labels = {"programme_name": "Programme", "long_term_goal": "Long-term goal", "planned_placements": "Planned work placements or tasters",
                  "support_needed": "Support the learner is likely to need",
                  "anticipated_destination": "Anticipated progression destination",
                  "qualifications": "Qualifications being worked towards",
                  "off_site_schedule": "Days and times of off-site learning"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = self.instance.version

    def _post_clean(self):
        # The plan is saved by services.plan_update (version check), not by the ModelForm.
        pass

    def clean(self):
        return _dates_in_order(self, super().clean())

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class AtRiskForm(Form):
    level = forms.ModelChoiceField(label="At-risk status", queryset=AtRiskLevel.objects.none(),
                                   widget=forms.RadioSelect, empty_label=None)
    reason = forms.CharField(label="Reason", max_length=_max(AtRiskStatus, "reason"),
                             widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["level"].queryset = AtRiskLevel.objects.for_org(org)


# --- Targets ---------------------------------------------------------------------------------


def _target_text(field_name, label):
    """One of a target's optional texts, as long as the model allows."""
    return forms.CharField(label=label, required=False, max_length=_max(Target, field_name),
                           widget=forms.Textarea(attrs={"rows": 2}))


class TargetForm(Form):
    """A target; learners get the same form without term/parent/audience choices."""

    title = forms.CharField(label="Target", max_length=300)
    term = forms.ChoiceField(label="Term", choices=TargetTerm.choices, initial=TargetTerm.SHORT,
                             widget=forms.RadioSelect)
    parent = forms.ModelChoiceField(label="Stepping stone towards (long-term target)", required=False,
                                    queryset=None, empty_label="None")
    area = forms.ModelChoiceField(label="Area", queryset=None, required=False, empty_label="Choose an area")
    success_criteria = _target_text("success_criteria", "What success looks like")
    skills_required = _target_text("skills_required", "Skills required")
    support_strategy = _target_text("support_strategy", "Support strategy")
    outside_classroom_assistance = _target_text("outside_classroom_assistance", "Assistance needed outside the classroom")
    # A new target is due today or later (an existing overdue one is never re-validated here:
    # this form only creates targets).
    due_on = DateField(label="Due date", not_before_today=True)

    def __init__(self, *args, plan, learner=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = TargetArea.objects.for_org(plan.organisation_id).filter(is_active=True)
        self.fields["parent"].queryset = plan.targets.filter(term=TargetTerm.LONG, audience=Audience.PLAN) if learner \
            else plan.targets.filter(term=TargetTerm.LONG)
        if learner:
            del self.fields["term"]
            self.fields["title"].label = "What do you want to achieve?"
            self.fields["success_criteria"].label = "How will you know you have done it?"
            self.fields["support_strategy"].label = "What help do you need?"
            del self.fields["outside_classroom_assistance"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("term") == TargetTerm.LONG and cleaned.get("parent"):
            self.add_error("parent", "A long-term target is not a stepping stone towards another")
        return cleaned

    def target_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("audience", None)
        data.pop("restricted_roles", None)
        data.setdefault("term", TargetTerm.SHORT)
        return data


class StaffTargetForm(AudienceFormMixin, TargetForm):
    pass


class ProgressForm(Form):
    status = forms.ChoiceField(label="Status", choices=TargetStatus.choices, widget=forms.RadioSelect)
    note = forms.CharField(label="Progress note", required=False, max_length=PROGRESS_NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="What has happened since the last update?")


# --- Narrative, concerns, reports ------------------------------------------------------------


class NarrativeForm(AudienceFormMixin):
    author_role = forms.ChoiceField(label="Writing as", choices=[c for c in AuthorRole.choices if c[0] != "learner"])
    text = forms.CharField(label="Entry", max_length=NARRATIVE_MAX, widget=forms.Textarea(attrs={"rows": 5}))

    field_order = ["author_role", "text", "audience", "restricted_roles"]


class CorrectionForm(Form):
    author_role = forms.ChoiceField(label="Writing as", choices=[c for c in AuthorRole.choices if c[0] != "learner"])
    text = forms.CharField(label="Correction", max_length=NARRATIVE_MAX, widget=forms.Textarea(attrs={"rows": 5}),
                           help_text="The original entry stays; this correction is shown with it.")


class LearnerNarrativeForm(Form):
    text = forms.CharField(label="Add to my learning journey", max_length=NARRATIVE_MAX,
                           widget=forms.Textarea(attrs={"rows": 4}))


def _staff_users(org):
    return member_users(org=org, roles=STAFF_ROLES)


class ConcernForm(AudienceFormMixin):
    category = forms.ChoiceField(label="Category", choices=ConcernCategory.choices)
    description = forms.CharField(label="What is the concern?", max_length=_max(Concern, "description"),
                                  widget=forms.Textarea(attrs={"rows": 4}))
    follow_up_how = forms.CharField(label="How it will be followed up", required=False,
                                    max_length=_max(Concern, "follow_up_how"), widget=forms.Textarea(attrs={"rows": 2}))
    follow_up_on = DateField(label="Follow up by", required=False, not_before_today=True)
    owner = forms.ModelChoiceField(label="Owner", queryset=None, required=False, empty_label="Nobody yet")

    field_order = ["category", "description", "follow_up_how", "follow_up_on", "owner", "audience",
                   "restricted_roles"]

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff_users(org)
        self.fields["audience"].initial = Audience.STAFF


class ConcernUpdateForm(Form):
    status = forms.ChoiceField(label="Status", widget=forms.RadioSelect,
                               choices=[c for c in ConcernStatus.choices if c[0] != ConcernStatus.RESOLVED])
    follow_up_how = forms.CharField(label="How it will be followed up", required=False,
                                    max_length=_max(Concern, "follow_up_how"), widget=forms.Textarea(attrs={"rows": 2}))
    follow_up_on = DateField(label="Follow up by", required=False)
    owner = forms.ModelChoiceField(label="Owner", queryset=None, required=False, empty_label="Nobody yet")

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff_users(org)

    def clean_follow_up_on(self):
        # A follow-up date already passed may stay as it is (the concern is being updated, not
        # re-planned); a new or changed date must be today or later.
        value = self.cleaned_data.get("follow_up_on")
        if value and value != self.initial.get("follow_up_on") and value < clock.today():
            raise ValidationError("Follow up by must be today or later", code="too_early")
        return value


class ConcernResolveForm(Form):
    resolution = forms.CharField(label="How was it resolved?", max_length=_max(Concern, "resolution"),
                                 widget=forms.Textarea(attrs={"rows": 3}))


class LearnerConcernForm(Form):
    category = forms.ChoiceField(label="What is it about?", choices=ConcernCategory.choices)
    description = forms.CharField(label="Tell us what is getting in the way", max_length=_max(Concern, "description"),
                                  widget=forms.Textarea(attrs={"rows": 4}))


class SubjectReportForm(AudienceFormMixin):
    subject = forms.CharField(label="Subject or specialism", max_length=100)
    is_specialist_advice = forms.BooleanField(label="Specialist advice (for example dyslexia support)", required=False)
    working_at_grade = forms.CharField(label="Working at grade", required=False, max_length=20)
    target_grade = forms.CharField(label="Target grade", required=False, max_length=20)
    attendance_percent = _percent()
    effort = forms.ChoiceField(label="Effort", required=False, choices=_blank(Effort.choices, "Not given"))
    comment = forms.CharField(label="Comment or advice", required=False, max_length=_max(SubjectReport, "comment"),
                              widget=forms.Textarea(attrs={"rows": 3}))
    reported_on = DateField(label="Date", initial=timezone.localdate)

    field_order = ["subject", "is_specialist_advice", "working_at_grade", "target_grade", "attendance_percent",
                   "effort", "comment", "reported_on", "audience", "restricted_roles"]


# --- Learning log ----------------------------------------------------------------------------


class LogEntryForm(Form):
    kind = forms.ChoiceField(label="Type of entry", choices=LogEntryKind.choices, widget=forms.RadioSelect,
                             initial=LogEntryKind.ACTIVITY_DIARY)
    written_on = DateField(label="Date", not_after_today=True)
    title = forms.CharField(label="Title", required=False, max_length=200)
    what_learned = forms.CharField(label="What did I learn?", required=False, max_length=LOG_ANSWER_MAX,
                                   widget=forms.Textarea(attrs={"rows": 3}))
    how_learned = forms.CharField(label="How did I learn it?", required=False, max_length=LOG_ANSWER_MAX,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    enjoyed = forms.CharField(label="What went well, and why?", required=False, max_length=LOG_ANSWER_MAX,
                              widget=forms.Textarea(attrs={"rows": 3}))
    found_difficult = forms.CharField(label="What was hard, and why?", required=False, max_length=LOG_ANSWER_MAX,
                                      widget=forms.Textarea(attrs={"rows": 3}))
    use_again = forms.CharField(label="Where could I use this again?", required=False, max_length=LOG_ANSWER_MAX,
                                widget=forms.Textarea(attrs={"rows": 3}),
                                help_text="For example at home, at work or in another lesson.")
    ecm_outcomes = forms.MultipleChoiceField(label="Every Child Matters outcomes", required=False,
                                             choices=EcmOutcome.choices, widget=forms.CheckboxSelectMultiple)
    file = forms.FileField(label="Photo or voice recording", required=False,
                           help_text="A photo (JPG, PNG, GIF, WebP) or an audio file (WebM, OGG, MP3, WAV, M4A), "
                                     "up to 20 MB. For a voice recording you can also record in the browser.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("written_on", clock.today())

    def clean(self):
        cleaned = super().clean()
        kind, upload = cleaned.get("kind"), cleaned.get("file")
        self.content_type = ""
        if upload:
            kinds = IMAGES if kind == LogEntryKind.PHOTO else AUDIO if kind == LogEntryKind.VOICE_RECORDING \
                else IMAGES + AUDIO
            try:
                self.content_type = validate_upload(upload, kinds=kinds)
            except ValidationError as error:
                self.add_error("file", error)
        elif kind == LogEntryKind.PHOTO:
            self.add_error("file", "Select a photo to upload")
        elif kind == LogEntryKind.VOICE_RECORDING:
            self.add_error("file", "Record your voice or select an audio file to upload")
        if kind in (LogEntryKind.ACTIVITY_DIARY, LogEntryKind.WORK_PLACEMENT_DIARY, LogEntryKind.BLOG) and not any(
            cleaned.get(f) for f in ("title", "what_learned", "how_learned", "enjoyed", "found_difficult", "use_again")
        ):
            self.add_error("what_learned", "Write something in at least one of the boxes")
        return cleaned

    def entry_kwargs(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "file"}
        if self.cleaned_data.get("file"):
            data["file"] = self.cleaned_data["file"]
            data["file_content_type"] = self.content_type
        return data


# --- Sharing ---------------------------------------------------------------------------------


class ShareForm(Form):
    email = forms.EmailField(label="Their email address",
                             help_text="We will email them a link. If they have no account, the link lets them "
                                       "set a password.")
    relationship = forms.ChoiceField(label="Who are they?", choices=ShareRelationship.choices,
                                     widget=forms.RadioSelect)
    ends_on = DateField(label="End date", required=False, help_text="Leave empty to share until you stop it.")
    contributions_audience = forms.ChoiceField(
        label="If they write something on your plan, who can read it?", choices=CONTRIBUTION_AUDIENCES,
        initial=Audience.PLAN, widget=forms.RadioSelect, required=False,
        help_text="For example a note from a parent, or a review from your off-site tutor.")

    def chosen_contributions_audience(self) -> str:
        return self.cleaned_data.get("contributions_audience") or Audience.PLAN

    def __init__(self, *args, learner_email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.learner_email = learner_email.lower()

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if email == self.learner_email:
            raise ValidationError("Enter the email address of the person you want to share with, not your own")
        return email

    def clean_ends_on(self):
        ends_on = self.cleaned_data.get("ends_on")
        if ends_on and ends_on <= clock.today():
            raise ValidationError("Enter an end date after today, or leave it empty")
        return ends_on

    def expires_at(self):
        ends_on = self.cleaned_data.get("ends_on")
        if not ends_on:
            return None
        return timezone.make_aware(datetime.datetime.combine(ends_on + datetime.timedelta(days=1), datetime.time()))


class SignForm(Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class MyTargetsFilterForm(Form):
    """The learner's target list filter (GET, works without JavaScript): what state, which area."""

    status = forms.ChoiceField(label="Show", required=False, choices=[
        ("", "All my targets"), ("open", "Still to do"), ("late", "Late"),
        (TargetStatus.ACHIEVED, "Done"), (TargetStatus.PARTLY_ACHIEVED, "Partly done"),
        (TargetStatus.NOT_ACHIEVED, "Not done"), (TargetStatus.WITHDRAWN, "Stopped"),
    ])
    area = forms.ModelChoiceField(label="Area", required=False, queryset=None, empty_label="All areas")

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = TargetArea.objects.for_org(org).filter(is_active=True).order_by("order", "name")

    def filters(self) -> dict:
        """The valid filters (an unknown value is ignored, not an error page)."""
        if not self.is_valid():
            return {"status": "", "area": None}
        return {"status": self.cleaned_data["status"], "area": self.cleaned_data["area"]}


class ContributionForm(Form):
    text = forms.CharField(label="Your note", max_length=CONTRIBUTION_MAX, widget=forms.Textarea(attrs={"rows": 5}),
                           help_text="For example how things are going at home or at work, or a question for "
                                     "the key worker.")


class OffSiteReviewForm(Form):
    """The off-site provider's four-weekly review: the date, how the learner is doing, what next,
    and how each open target they can see is going. Saving it is signing it."""

    held_on = DateField(label="Date of the review", not_after_today=True)
    progress = forms.CharField(label="Progress and achievements since the last review", max_length=CONTRIBUTION_MAX,
                               widget=forms.Textarea(attrs={"rows": 5}))
    next_steps = forms.CharField(label="Short-term action plan to the next review", max_length=CONTRIBUTION_MAX,
                                 required=False, widget=forms.Textarea(attrs={"rows": 4}))
    confirm = forms.BooleanField(label="I confirm this review and sign it", required=True)

    STATUS_CHOICES = [("", "Not looked at")] + [
        (s, label) for s, label in TargetStatus.choices if s != TargetStatus.WITHDRAWN]

    def __init__(self, *args, plan, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = list(targets)
        self.fields["held_on"].earliest = plan.starts_on
        for target in self.targets:
            self.fields[f"target_{target.pk}_status"] = forms.ChoiceField(
                label=f"How is “{target.title}” going?", choices=self.STATUS_CHOICES, required=False)
            self.fields[f"target_{target.pk}_note"] = forms.CharField(
                label=f"Note on “{target.title}”", max_length=500, required=False)

    def target_rows(self):
        return [(t, self.cleaned_data[f"target_{t.pk}_status"], self.cleaned_data[f"target_{t.pk}_note"])
                for t in self.targets if self.cleaned_data.get(f"target_{t.pk}_status")]
