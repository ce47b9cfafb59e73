import datetime
import re

from django import forms

from plp_portal import clock
from plp_portal.forms import DateField, Form

from .choices import FeedbackAudience, FeedbackRating, IlpAnswer, RecommendationKind, ReviewerKind
from .models import (
    ACTIONS_MAX,
    COMMENT_MAX,
    FEEDBACK_TEXT_MAX,
    EVIDENCE_TEXT_MAX,
    INDICATORS_MAX,
    PLANNED_MAX,
    PROGRAMME_TEXT_MAX,
    RECOMMENDATION_MAX,
    RESPONSE_MAX,
)

# A template's row labels and checklist items are kept one per line (models: 400 characters).
LINE_MAX = 400
LINES_MAX = 60
LIST_MAX = LINE_MAX * LINES_MAX


def _lines(form, name: str, what: str) -> list[str]:
    """A one-per-line list: each line at most LINE_MAX characters, at most LINES_MAX lines. The
    lines as typed (the service drops the blank ones)."""
    text = form.cleaned_data[name]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) > LINES_MAX:
        raise forms.ValidationError(f"{what} can have {LINES_MAX} lines at most "
                                    f"(it has {len(lines)})")
    for number, line in enumerate(lines, start=1):
        if len(line) > LINE_MAX:
            raise forms.ValidationError(f"Line {number} of {what.lower()} must be {LINE_MAX} "
                                        f"characters or fewer (it has {len(line)})")
    return text.splitlines()


class PlanCreateForm(Form):
    academic_year = forms.TypedChoiceField(label="Academic year", coerce=int)

    def __init__(self, *args, org, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.org = org
        self.fields["academic_year"].choices = [
            (y, clock.academic_year_label(y)) for y in years
        ]


class RowForm(Form):
    """One row's Planned and Actions for next year, with the version it was read at."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    planned = forms.CharField(label="Planned", required=False, max_length=PLANNED_MAX,
                              widget=forms.Textarea(attrs={"rows": 3}))
    actions_next_year = forms.CharField(label="Actions for next year", required=False,
                                        max_length=ACTIONS_MAX,
                                        widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, org, row, editable, **kwargs):
        kwargs.setdefault("prefix", f"row-{row.pk}")
        kwargs.setdefault("initial", {"version": row.version, "planned": row.planned,
                                      "actions_next_year": row.actions_next_year})
        super().__init__(*args, **kwargs)
        self.org, self.row, self.editable = org, row, editable
        for name in ("planned", "actions_next_year"):
            if name not in editable:
                del self.fields[name]


class EvidenceForm(Form):
    text = forms.CharField(label="Evidence", required=False, max_length=EVIDENCE_TEXT_MAX,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text="What was done, when, and with whom.")
    file = forms.FileField(label="Document, photo or video", required=False,
                           help_text="PDF, Word, Excel, PowerPoint, PNG, JPEG, GIF, WebP or MP4.")

    def __init__(self, *args, org, row, **kwargs):
        kwargs.setdefault("prefix", f"evidence-{row.pk}")
        super().__init__(*args, **kwargs)
        self.org, self.row = org, row

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip() and not data.get("file"):
            raise forms.ValidationError("Describe the evidence or choose a file.")
        return data


class ApprovalForm(Form):
    approved_on = DateField(label="Date the governing body agreed the plan", not_after_today=True)
    minute_reference = forms.CharField(label="Minute reference", max_length=100,
                                       help_text="For example, GB/2026/14")


class ReviewerGrantForm(Form):
    full_name = forms.CharField(label="Reviewer's full name", max_length=150)
    email = forms.EmailField(label="Reviewer's email address",
                             help_text="They do not need to be a member of this school.")
    kind = forms.ChoiceField(label="Kind of review", choices=ReviewerKind.choices,
                             widget=forms.RadioSelect)
    expires_on = DateField(label="Date their access ends", not_before_today=True, days_ahead=400,
                           help_text="Today or later, and within about a year.")


class CommentForm(Form):
    section = forms.TypedChoiceField(label="Section", coerce=int)
    text = forms.CharField(label="Comment", max_length=COMMENT_MAX,
                           widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, plan, sections, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["section"].choices = [(s.pk, s.title) for s in sections]


class DeadlineForm(Form):
    """The date must fall in the academic year the deadline is for (1 September to 31 August)."""

    approve_by = DateField(label="Approval deadline",
                           help_text="The date by which governing bodies should agree their "
                                     "school's plan, in this academic year.")

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["approve_by"]
        field.earliest = datetime.date(year, 9, 1)
        field.latest = datetime.date(year + 1, 8, 31)


class TemplateSectionForm(Form):
    title = forms.CharField(label="Section title", max_length=200)
    rows = forms.CharField(label="Rows", max_length=LIST_MAX,
                           widget=forms.Textarea(attrs={"rows": 8}),
                           help_text=f"One row per line, {LINE_MAX} characters at most.")
    evidence_indicators = forms.CharField(
        label="Evidence indicators", required=False, max_length=INDICATORS_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="One indicator per line; start a line with '- ' for a sub-item.")

    def clean_rows(self):
        return _lines(self, "rows", "Rows")


class TemplateChecklistForm(Form):
    items = forms.CharField(label="Checklist items", max_length=LIST_MAX,
                            widget=forms.Textarea(attrs={"rows": 20}),
                            help_text=f"One item per line, in order, {LINE_MAX} characters at most.")
    rag_red_max = forms.IntegerField(label="Red up to (score)", min_value=0)
    rag_amber_max = forms.IntegerField(label="Amber up to (score)", min_value=1,
                                       max_value=LINES_MAX)

    def clean_items(self):
        return _lines(self, "items", "Checklist items")


class IlpAssessmentForm(Form):
    """One radio group per statement of the ILP checklist."""

    def __init__(self, *args, sections, answers, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = []
        for section in sections:
            names = []
            for row in section.rows.all():
                name = f"s{row.pk}"
                self.fields[name] = forms.ChoiceField(
                    label=row.label, choices=IlpAnswer.choices, required=False,
                    widget=forms.RadioSelect, initial=answers.get(row.pk), error_messages={
                        "invalid_choice": f"Select an answer for “{row.label}” from the list"})
                names.append(name)
            self.groups.append((section, [self[n] for n in names]))

    def answers(self) -> dict[int, str]:
        return {int(name[1:]): value for name, value in self.cleaned_data.items() if value}


class ChecklistForm(Form):
    """Every checklist item but the governing body's (ticked through its approval record) and one
    the students' feedback survey ticked:
    a tick, an optional evidence link and the date it was in place (today or earlier)."""

    def __init__(self, *args, summary, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = []
        for line in summary.lines:
            item, tick = line.item, line.tick
            if line.locked:
                self.lines.append((line, None, None, None))
                continue
            n = item.pk
            self.fields[f"tick-{n}"] = forms.BooleanField(
                label=f"{item.number}. {item.text}", required=False, initial=tick is not None)
            self.fields[f"link-{n}"] = forms.URLField(
                label=f"Evidence link for item {item.number}", required=False,
                assume_scheme="https", max_length=500,
                initial=tick.evidence_link if tick else "")
            self.fields[f"date-{n}"] = DateField(
                label=f"Date for item {item.number}", required=False, not_after_today=True,
                error_messages={
                    "invalid": f"Enter the date for item {item.number} as a real date, "
                               f"for example 27/3/2026"},
                initial=tick.ticked_on if tick else None)
            self.lines.append((line, self[f"tick-{n}"], self[f"link-{n}"], self[f"date-{n}"]))

    def changes(self, *, today: datetime.date):
        """(item, ticked, evidence link, date) for every item on the form; a tick without a
        date is dated today."""
        changes = []
        for line, tick, _link, _date in self.lines:
            if tick is None:
                continue
            n = line.item.pk
            ticked = self.cleaned_data[f"tick-{n}"]
            day = self.cleaned_data[f"date-{n}"] or (today if ticked else None)
            changes.append((line.item, ticked, self.cleaned_data[f"link-{n}"] or "", day))
        return changes

    def ticked_item_ids(self) -> set[int]:
        """The items ticked on the form (read even when another field has an error: the
        preview of the score needs only the ticks)."""
        return {line.item.pk for line, tick, _link, _date in self.lines
                if tick is not None and self.cleaned_data.get(f"tick-{line.item.pk}")}


class RecommendationForm(Form):
    """The authority's recommendation or priority for improvement on a school's plan."""

    kind = forms.ChoiceField(label="Kind", choices=RecommendationKind.choices, widget=forms.RadioSelect,
                             initial=RecommendationKind.RECOMMENDATION)
    text = forms.CharField(label="What the school should do", max_length=RECOMMENDATION_MAX,
                           widget=forms.Textarea(attrs={"rows": 5}),
                           help_text="Specific enough to check next time.")
    due_on = DateField(label="Due by", not_before_today=True, days_ahead=2 * 366,
                       help_text="When the school should have acted on it (within two years).")


class RecommendationAnswerForm(Form):
    response = forms.CharField(label="Your answer", max_length=RESPONSE_MAX,
                               widget=forms.Textarea(attrs={"rows": 5}),
                               help_text="What the school has done or will do, and by when.")


class ProgrammeForm(Form):
    """The published careers programme's draft: which rows, and what a pupil or parent needs."""

    rows = forms.MultipleChoiceField(
        label="Rows of the plan to publish", required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Only the “Planned” text of the rows you tick is published; evidence, actions and "
                  "anything else stay private.")
    careers_lead_name = forms.CharField(label="Name of the careers lead", max_length=200)
    careers_lead_contact = forms.CharField(label="How to contact the careers lead", max_length=200,
                                           help_text="A work email address or telephone number.")
    how_to_get_guidance = forms.CharField(
        label="How pupils and parents can get careers guidance", max_length=PROGRAMME_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}))
    next_review_on = DateField(label="Date of the next review", not_before_today=True, days_ahead=2 * 366)

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rows"].choices = [
            (str(row.pk), f"{row.template_row.section.title}: {row.template_row.label}") for row in rows]


class SurveyForm(Form):
    audience = forms.ChoiceField(label="Who is the survey for?", widget=forms.RadioSelect)
    named_allowed = forms.BooleanField(label="Let respondents give their name (otherwise answers are anonymous)",
                                       required=False)
    closes_on = DateField(label="Closing date", not_before_today=True, days_ahead=366,
                          help_text="The last day answers are taken.")

    def __init__(self, *args, taken=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["audience"].choices = [(v, label) for v, label in FeedbackAudience.choices if v not in taken]


_HTML = re.compile(r"<\s*[a-zA-Z/!?]")


def _no_html(value: str, label: str) -> str:
    if _HTML.search(value or ""):
        raise forms.ValidationError(f"{label} cannot contain HTML: remove the < and > characters")
    return value


class SurveyResponseForm(Form):
    """A respondent's answer (no sign-in). Plain text only: HTML is refused, not cleaned."""

    rating = forms.TypedChoiceField(label="How useful is our careers programme to you?", coerce=int,
                                    choices=FeedbackRating.choices, widget=forms.RadioSelect)
    worked_well = forms.CharField(label="What works well?", required=False, max_length=FEEDBACK_TEXT_MAX,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    improve = forms.CharField(label="What should we improve?", required=False, max_length=FEEDBACK_TEXT_MAX,
                              widget=forms.Textarea(attrs={"rows": 4}))
    respondent_name = forms.CharField(label="Your name (optional)", required=False, max_length=200,
                                      help_text="Leave it empty to answer anonymously.")

    def __init__(self, *args, named_allowed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not named_allowed:
            del self.fields["respondent_name"]

    def clean_worked_well(self):
        return _no_html(self.cleaned_data["worked_well"], "What works well")

    def clean_improve(self):
        return _no_html(self.cleaned_data["improve"], "What should we improve")

    def clean_respondent_name(self):
        return _no_html(self.cleaned_data["respondent_name"], "Your name")
