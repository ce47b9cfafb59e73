from django import forms
from plp_portal.forms import Form

from .choices import IlpAnswer, ReviewerKind


class DateField(forms.DateField):
    widget = forms.DateInput(attrs={"type": "date"})


class PlanCreateForm(Form):
    academic_year = forms.TypedChoiceField(label="Academic year", coerce=int)

    def __init__(self, *args, org, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.org = org
        self.fields["academic_year"].choices = [
            (y, f"{y}/{(y + 1) % 100:02d}") for y in years
        ]


class RowForm(Form):
    """One row's Planned and Actions for next year, with the version it was read at."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    planned = forms.CharField(label="Planned", required=False, widget=forms.Textarea(
        attrs={"rows": 3}))
    actions_next_year = forms.CharField(label="Actions for next year", required=False,
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
    text = forms.CharField(label="Evidence", required=False, widget=forms.Textarea(
        attrs={"rows": 2}), help_text="What was done, when, and with whom.")
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
    approved_on = DateField(label="Date the governing body agreed the plan")
    minute_reference = forms.CharField(label="Minute reference", max_length=100,
                                       help_text="For example, GB/2026/14")


class ReviewerGrantForm(Form):
    full_name = forms.CharField(label="Reviewer's full name", max_length=150)
    email = forms.EmailField(label="Reviewer's email address",
                             help_text="They do not need to be a member of this school.")
    kind = forms.ChoiceField(label="Kind of review", choices=ReviewerKind.choices,
                             widget=forms.RadioSelect)
    expires_on = DateField(label="Access ends on")


class CommentForm(Form):
    section = forms.TypedChoiceField(label="Section", coerce=int)
    text = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, plan, sections, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["section"].choices = [(s.pk, s.title) for s in sections]


class DeadlineForm(Form):
    approve_by = DateField(label="Plans to be approved by governing bodies by")


class TemplateSectionForm(Form):
    title = forms.CharField(label="Section title", max_length=200)
    rows = forms.CharField(label="Rows", widget=forms.Textarea(attrs={"rows": 8}),
                           help_text="One row per line.")
    evidence_indicators = forms.CharField(
        label="Evidence indicators", required=False, widget=forms.Textarea(attrs={"rows": 8}),
        help_text="One indicator per line; start a line with '- ' for a sub-item.")


class TemplateChecklistForm(Form):
    items = forms.CharField(label="Checklist items", widget=forms.Textarea(attrs={"rows": 20}),
                            help_text="One item per line, in order.")
    rag_red_max = forms.IntegerField(label="Red up to (score)", min_value=0)
    rag_amber_max = forms.IntegerField(label="Amber up to (score)", min_value=1)


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
                    widget=forms.RadioSelect, initial=answers.get(row.pk))
                names.append(name)
            self.groups.append((section, [self[n] for n in names]))

    def answers(self) -> dict[int, str]:
        return {int(name[1:]): value for name, value in self.cleaned_data.items() if value}


class ChecklistForm(Form):
    """Every checklist item but the governing body's (ticked through its approval record):
    a tick, an optional evidence link and date."""

    def __init__(self, *args, summary, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = []
        for line in summary.lines:
            item, tick = line.item, line.tick
            if item.is_governing_body_approval:
                self.lines.append((line, None, None, None))
                continue
            n = item.pk
            self.fields[f"tick-{n}"] = forms.BooleanField(
                label=f"{item.number}. {item.text}", required=False, initial=tick is not None)
            self.fields[f"link-{n}"] = forms.URLField(
                label="Evidence link", required=False, assume_scheme="https",
                initial=tick.evidence_link if tick else "")
            self.fields[f"date-{n}"] = DateField(
                label="Date", required=False, initial=tick.ticked_on if tick else None)
            self.lines.append((line, self[f"tick-{n}"], self[f"link-{n}"], self[f"date-{n}"]))

    def changes(self):
        for line, tick, _link, _date in self.lines:
            if tick is None:
                continue
            n = line.item.pk
            yield (line.item, self.cleaned_data[f"tick-{n}"],
                   self.cleaned_data[f"link-{n}"] or "", self.cleaned_data[f"date-{n}"])
