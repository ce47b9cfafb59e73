"""Forms of the guidance app. Each takes ``org``/``scope`` in ``__init__`` and scopes every choice
queryset (advisers of the service, partner schools, learners in scope)."""

from __future__ import annotations

from django import forms

from learners.choices import Audience, TargetGroup
from plp_portal import clock
from plp_portal.forms import DateField, Form
from plp_portal.organisations.choices import OrganisationKind
from plp_portal.organisations.selectors import organisations_of_kinds
from plp_portal.uploads import DOCUMENTS, validate_upload

from . import selectors
from .choices import (
    FILTERED_REASONS,
    INTENSIVE_REASONS,
    LEARNER_REASON_LABELS,
    AttendanceFlag,
    DestinationCategory,
    DestinationKind,
    InterviewKind,
    ObjectiveStatus,
    ReferralReason,
    ReferralSource,
    Tier,
    TierReason,
    TriageDecision,
    Urgency,
)
from .models import (
    INTENDED_DESTINATION_DAYS_AHEAD,
    NAME_MAX,
    NOTES_MAX,
    PROCESS_MAX,
    SHORT_ANSWER_MAX,
)
from .objectives import PARTNERSHIP_GROUPS
from .services import CONSENT_WORDING


def _notes(label, *, required=False, rows=4, max_length=NOTES_MAX, **kw):
    """A text area with a maximum length checked on the server (the page shows a character
    count and no ``maxlength``: see plp_portal/templatetags/govuk.py)."""
    return forms.CharField(label=label, required=required, max_length=max_length,
                           widget=forms.Textarea(attrs={"rows": rows}), **kw)


class _UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name or obj.email


AUDIENCE_CHOICES = [
    (Audience.PLAN, "The learner and everyone working with them"),
    (Audience.STAFF, "Staff working with the learner only"),
]


class ReferralForm(Form):
    """A referral by staff: the key worker (school side), or an adviser after a group session or
    clinic, or on behalf of another agency (service side)."""

    source = forms.ChoiceField(label="Who is making the referral", widget=forms.RadioSelect)
    agency_name = forms.CharField(label="Name of the agency", required=False, max_length=NAME_MAX,
                                  help_text="Only for a referral by another agency")
    reasons = forms.MultipleChoiceField(label="Reasons", choices=ReferralReason.choices,
                                        widget=forms.CheckboxSelectMultiple)
    suggested_tier = forms.ChoiceField(label="Suggested tier", choices=Tier.choices, widget=forms.RadioSelect,
                                       initial=Tier.FILTERED)
    urgency = forms.TypedChoiceField(label="Urgency", choices=Urgency.choices, coerce=int,
                                     widget=forms.RadioSelect, initial=Urgency.ROUTINE)
    notes = _notes("Notes")
    consent = forms.BooleanField(label="The learner agrees to this referral", required=False,
                                 help_text="They know what will be shared with the careers adviser, and why.")
    audience = forms.ChoiceField(label="Who can see this referral", choices=AUDIENCE_CHOICES,
                                 widget=forms.RadioSelect, initial=Audience.STAFF)

    def __init__(self, *args, scope, **kwargs):
        super().__init__(*args, **kwargs)
        if scope.is_service:
            self.fields["source"].choices = [(ReferralSource.ADVISER, ReferralSource.ADVISER.label),
                                             (ReferralSource.OTHER_AGENCY, ReferralSource.OTHER_AGENCY.label)]
            self.fields["source"].initial = ReferralSource.ADVISER
        else:
            self.fields["source"].choices = [(ReferralSource.KEY_WORKER, ReferralSource.KEY_WORKER.label),
                                             (ReferralSource.OTHER_AGENCY, ReferralSource.OTHER_AGENCY.label)]
            self.fields["source"].initial = ReferralSource.KEY_WORKER

    def clean(self):
        data = super().clean()
        if data.get("source") == ReferralSource.OTHER_AGENCY and not data.get("agency_name"):
            self.add_error("agency_name", "Enter the name of the agency")
        return data


class SelfReferralForm(Form):
    """The learner's own request: friendly words, consent with its wording, choice of adviser."""

    reasons = forms.MultipleChoiceField(
        label="What would you like help with?", help_text="Choose all that apply.",
        choices=[(value, LEARNER_REASON_LABELS[value]) for value in ReferralReason.values],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose what you would like help with"},
    )
    notes = _notes("Tell us a bit more", max_length=2_000,
                   help_text="For example, what you are thinking of doing next, or what is worrying you.")
    urgent = forms.BooleanField(label="I need help soon", required=False,
                                help_text="Tick this if something is happening now or a deadline is close.")
    preferred_adviser = _UserChoice(label="Would you like to see a particular adviser?", required=False,
                                    queryset=None, empty_label="No preference")
    consent = forms.BooleanField(label="I agree", error_messages={"required": "Tick “I agree” so we can pass on your request"},
                                 help_text=CONSENT_WORDING)

    def __init__(self, *args, advisers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_adviser"].queryset = advisers


class TriageForm(Form):
    decision = forms.ChoiceField(label="Decision", choices=TriageDecision.choices, widget=forms.RadioSelect)
    allocated_adviser = _UserChoice(label="Adviser (for filtered or intensive)", queryset=None, required=False)
    tier_reasons = forms.MultipleChoiceField(
        label="Why (for filtered or intensive)", required=False, choices=TierReason.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave empty to use the referral's reasons that fit the tier.")
    review_on = DateField(label="Review date (for filtered or intensive)", required=False, not_before_today=True)
    referred_on_to = forms.CharField(label="Agency referred on to", required=False, max_length=NAME_MAX)
    note = _notes("Advice or notes", rows=3)

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["allocated_adviser"].queryset = selectors.service_advisers(org=org)

    def clean(self):
        data = super().clean()
        decision = data.get("decision")
        if decision in (TriageDecision.ACCEPT_FILTERED, TriageDecision.ACCEPT_INTENSIVE):
            if not data.get("allocated_adviser"):
                self.add_error("allocated_adviser", "Choose the adviser who will work with the learner")
            allowed = FILTERED_REASONS if decision == TriageDecision.ACCEPT_FILTERED else INTENSIVE_REASONS
            if data.get("tier_reasons") and not set(data["tier_reasons"]) <= {str(r) for r in allowed}:
                self.add_error("tier_reasons", "Choose reasons that belong to the tier")
        if decision == TriageDecision.REFER_ON and not data.get("referred_on_to"):
            self.add_error("referred_on_to", "Enter the agency the learner is referred on to")
        if decision == TriageDecision.KEEP_IN_CORE and not data.get("note"):
            self.add_error("note", "Write the advice given")
        return data


class FeedbackForm(Form):
    feedback = _notes("Feedback to the key worker", required=True)


class TierForm(Form):
    tier = forms.ChoiceField(label="Tier", choices=Tier.choices, widget=forms.RadioSelect)
    reasons = forms.MultipleChoiceField(label="Why", required=False, choices=TierReason.choices,
                                        widget=forms.CheckboxSelectMultiple,
                                        help_text="Filtered: one of the first three. Intensive: one of the last two.")
    review_on = DateField(label="Review date", required=False, not_before_today=True)
    note = _notes("Notes", rows=3)

    def clean(self):
        data = super().clean()
        tier = data.get("tier")
        if tier and tier != Tier.CORE:
            allowed = {str(r) for r in (FILTERED_REASONS if tier == Tier.FILTERED else INTENSIVE_REASONS)}
            if not data.get("reasons"):
                self.add_error("reasons", "Choose why the learner needs this tier")
            elif not set(data["reasons"]) <= allowed:
                self.add_error("reasons", "Choose reasons that belong to the tier")
            if not data.get("review_on"):
                self.add_error("review_on", "Enter a review date")
        return data


class InterviewForm(Form):
    ACTIONS = 3

    kind = forms.ChoiceField(label="Kind of interview", choices=InterviewKind.choices, widget=forms.RadioSelect,
                             initial=InterviewKind.INDIVIDUAL)
    held_on = DateField(label="Date of the interview", not_after_today=True)
    summary = _notes("Notes", required=True, rows=5, help_text="What was discussed and agreed.")
    audience = forms.ChoiceField(label="Who can see these notes and the action plan", choices=AUDIENCE_CHOICES,
                                 widget=forms.RadioSelect, initial=Audience.PLAN)

    def __init__(self, *args, **kwargs):
        # The action fields join the declared ones before the base form copies them, so their
        # messages name them too (plp_portal.forms).
        fields = dict(type(self).base_fields)
        for n in range(1, self.ACTIONS + 1):
            fields[f"action_{n}"] = forms.CharField(
                label=f"Action {n}", required=False, max_length=300,
                help_text="Becomes a careers target in the learner's plan." if n == 1 else "")
            fields[f"action_{n}_due"] = DateField(label=f"Action {n}: due by", required=False, not_before_today=True)
        self.base_fields = fields
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        actions = []
        for n in range(1, self.ACTIONS + 1):
            text, due = data.get(f"action_{n}"), data.get(f"action_{n}_due")
            if text and not due:
                self.add_error(f"action_{n}_due", f"Enter when action {n} is due")
            elif due and not text:
                self.add_error(f"action_{n}", f"Enter action {n}")
            elif text:
                actions.append((text, due))
        data["actions"] = actions
        return data


class DestinationForm(Form):
    kind = forms.ChoiceField(label="Destination", choices=DestinationKind.choices, widget=forms.RadioSelect)
    category = forms.ChoiceField(label="Category", choices=DestinationCategory.choices, widget=forms.RadioSelect)
    detail = forms.CharField(label="Course, provider or employer", required=False, max_length=300)
    recorded_on = DateField(label="Date", days_ahead=INTENDED_DESTINATION_DAYS_AHEAD,
                            help_text="For an actual destination, the day it was confirmed: today or earlier. For an "
                                      "intended one, when it should start.")
    confirmed_how = forms.CharField(label="How it was confirmed", required=False, max_length=NAME_MAX,
                                    help_text="For example, phone call with the learner")
    follow_up_on = DateField(label="Follow up on", required=False)
    left_on = DateField(label="Date the learner left (for leavers)", required=False, not_after_today=True)

    def clean(self):
        data = super().clean()
        recorded_on = data.get("recorded_on")
        if data.get("kind") == DestinationKind.ACTUAL and recorded_on and recorded_on > clock.today():
            self.add_error("recorded_on", "An actual destination has already happened: enter a date that is today "
                                          "or earlier")
        return data


class PartnershipForm(Form):
    school = forms.ModelChoiceField(label="School, college or provider", queryset=None)
    academic_year = forms.TypedChoiceField(label="Academic year", coerce=int)
    advisers = forms.ModelMultipleChoiceField(label="Named advisers", queryset=None,
                                              widget=forms.CheckboxSelectMultiple, required=False)
    referral_process = _notes("Referral process", max_length=PROCESS_MAX)
    clinic_sessions = _notes("Clinic sessions", rows=3, max_length=SHORT_ANSWER_MAX)

    def __init__(self, *args, org, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = organisations_of_kinds(
            kinds=[OrganisationKind.SCHOOL, OrganisationKind.COLLEGE, OrganisationKind.TRAINING_PROVIDER])
        year = clock.academic_year_of(today)
        self.fields["academic_year"].choices = [(y, clock.academic_year_label(y)) for y in (year - 1, year, year + 1)]
        self.fields["academic_year"].initial = year
        self.fields["advisers"].queryset = selectors.service_advisers(org=org)
        self.fields["advisers"].label_from_instance = lambda u: u.full_name or u.email


class PartnershipEditForm(Form):
    advisers = forms.ModelMultipleChoiceField(label="Named advisers", queryset=None,
                                              widget=forms.CheckboxSelectMultiple, required=False)
    referral_process = _notes("Referral process", max_length=PROCESS_MAX)
    clinic_sessions = _notes("Clinic sessions", rows=3, max_length=SHORT_ANSWER_MAX)
    agreement = forms.FileField(label="Agreement document", required=False, help_text="PDF or Word document")

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["advisers"].queryset = selectors.service_advisers(org=org)
        self.fields["advisers"].label_from_instance = lambda u: u.full_name or u.email

    def clean_agreement(self):
        upload = self.cleaned_data.get("agreement")
        if upload:
            self.agreement_content_type = validate_upload(upload, kinds=DOCUMENTS)
        return upload


class PartnershipDecisionForm(Form):
    decision = forms.ChoiceField(label="Do you agree to this partnership?", widget=forms.RadioSelect,
                                 choices=[("accept", "Yes, accept it"), ("decline", "No, decline it")])
    note = _notes("A note for the careers service (optional)", rows=3, max_length=SHORT_ANSWER_MAX)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].error_messages["required"] = "Choose whether you accept or decline the partnership"


class PartnershipEndForm(Form):
    reason = _notes("Why is the partnership ending?", required=True, rows=3, max_length=SHORT_ANSWER_MAX)
    effective_on = DateField(label="Date the partnership ends", not_before_today=True,
                             help_text="From this day the careers service's advisers see nothing of the "
                                       "school's learners. For example, 27 3 2027")

    def __init__(self, *args, last_day, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["effective_on"].latest = last_day
        self.fields["reason"].error_messages["required"] = "Write why the partnership is ending"


class ObjectiveForm(Form):
    text = _notes("Objective", required=True, rows=3, max_length=SHORT_ANSWER_MAX)
    status = forms.ChoiceField(label="Status", choices=ObjectiveStatus.choices)
    evidence = _notes("Evidence", rows=3)


class SettingsForm(Form):
    triage_target_school_days = forms.IntegerField(label="Target time to triage (school days)", min_value=1,
                                                   max_value=60)

    def __init__(self, *args, **kwargs):
        # Added before the base form copies the fields, so their messages name them too.
        fields = dict(type(self).base_fields)
        labels = dict(TargetGroup.choices)
        for group in PARTNERSHIP_GROUPS:
            for tier in ("filtered", "intensive"):
                fields[f"{group}_{tier}"] = forms.DecimalField(
                    label=f"{labels[group]}: expected % {tier}", min_value=0, max_value=100, decimal_places=1)
        self.base_fields = fields
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        for group in PARTNERSHIP_GROUPS:
            f, i = data.get(f"{group}_filtered"), data.get(f"{group}_intensive")
            if f is not None and i is not None and f + i > 100:
                self.add_error(f"{group}_intensive", "Filtered and intensive together cannot be over 100%")
        return data


class GroupSessionForm(Form):
    topic = forms.CharField(label="Topic", max_length=NAME_MAX,
                            help_text="For example, post-16 options, work experience")
    held_on = DateField(label="Date of the session", not_after_today=True)
    learning_objectives = _notes("Learning objectives", rows=3, max_length=SHORT_ANSWER_MAX)


class AttendanceForm(Form):
    """One page of a group session's register: for each learner shown, attended (a tick) and a
    concern (unclear, unfocused, unrealistic). Only the learners on the page are posted, so the
    form stays small whatever the size of the school. ``locked``: learners already referred from
    this session — shown, not editable."""

    def __init__(self, *args, learners, recorded=None, **kwargs):
        recorded = recorded or {}
        self.learners = list(learners)
        self.recorded = recorded
        self.locked = {pk for pk, row in recorded.items() if row.referral_id}
        fields = dict(type(self).base_fields)
        for profile in self.learners:
            if profile.pk in self.locked:
                continue
            row = recorded.get(profile.pk)
            name = profile.user.full_name
            fields[f"attended_{profile.pk}"] = forms.BooleanField(
                required=False, label=f"{name} attended", initial=row is not None and row.attended)
            fields[f"flag_{profile.pk}"] = forms.ChoiceField(
                required=False, choices=AttendanceFlag.choices, label=f"{name}: concern",
                initial=row.flag if row is not None else "")
        self.base_fields = fields
        super().__init__(*args, **kwargs)

    def rows(self):
        return [
            (p, None, None, self.recorded.get(p.pk)) if p.pk in self.locked
            else (p, self[f"attended_{p.pk}"], self[f"flag_{p.pk}"], self.recorded.get(p.pk))
            for p in self.learners
        ]

    def attendance(self):
        """``[(profile, attended, flag), ...]`` for every editable learner on the page (an
        unticked learner comes off the register)."""
        data = self.cleaned_data
        return [(p, bool(data.get(f"attended_{p.pk}")), data.get(f"flag_{p.pk}") or "")
                for p in self.learners if p.pk not in self.locked]

    def clean(self):
        data = super().clean()
        for p in self.learners:
            if p.pk not in self.locked and data.get(f"flag_{p.pk}") and not data.get(f"attended_{p.pk}"):
                self.add_error(f"flag_{p.pk}", f"{p.user.full_name} did not attend: remove the concern or tick "
                                               "attended")
        return data


class OutcomeSettingsForm(Form):
    """A local authority's disclosure threshold and targets for its outcome figures."""

    suppression_threshold = forms.IntegerField(
        label="Smallest count shown", min_value=3, max_value=20,
        help_text="Counts from 1 up to one less than this are withheld (suppressed), with any figure that "
                  "would let them be worked out. 5 is the usual choice.")
    neet_target_percent = forms.DecimalField(label="Target: NEET leavers at most (%)", min_value=0, max_value=100,
                                             decimal_places=1, max_digits=4)
    not_known_target_percent = forms.DecimalField(label="Target: leavers whose activity is not known at most (%)",
                                                  min_value=0, max_value=100, decimal_places=1, max_digits=4)
    first_band_from = forms.IntegerField(label="First age band: from age", min_value=14, max_value=30)
    first_band_to = forms.IntegerField(label="First age band: to age", min_value=14, max_value=30)
    first_band_neet_target_percent = forms.DecimalField(
        label="First age band: NEET at most (%)", required=False, min_value=0, max_value=100, decimal_places=1,
        max_digits=4, help_text="Leave empty for the target “lower than the year before”.")
    second_band_from = forms.IntegerField(label="Second age band: from age", min_value=14, max_value=30)
    second_band_to = forms.IntegerField(label="Second age band: to age", min_value=14, max_value=30)
    second_band_neet_target_percent = forms.DecimalField(
        label="Second age band: NEET at most (%)", required=False, min_value=0, max_value=100, decimal_places=1,
        max_digits=4, help_text="Leave empty for the target “lower than the year before”.")

    def clean(self):
        data = super().clean()
        bands = []
        for band in ("first", "second"):
            low, high = data.get(f"{band}_band_from"), data.get(f"{band}_band_to")
            if low is None or high is None:
                continue
            if low > high:
                self.add_error(f"{band}_band_to", f"The {band} age band's “to age” must be at least its “from age”")
            else:
                bands.append((low, high))
        if len(bands) == 2 and not (bands[1][0] > bands[0][1] or bands[1][1] < bands[0][0]):
            self.add_error("second_band_from", "The age bands must not overlap (an age in both would let one "
                                               "band's figures give another's suppressed count back)")
        return data
