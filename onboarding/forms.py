from django import forms
from django.core.exceptions import ValidationError

from plp_portal.forms import DateField, Form, check_new_password
from plp_portal import clock

from .choices import Preset
from .presets import FIELDS

import datetime

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class UploadForm(Form):
    preset = forms.ChoiceField(label="Which system is the file from?", choices=Preset.choices,
                               widget=forms.RadioSelect, initial=Preset.SIMS)
    file = forms.FileField(label="CSV file", help_text="A CSV export from your MIS, up to 5 MB.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError("The CSV file must be smaller than 5 MB")
        if upload.size == 0:
            raise ValidationError("The selected file is empty")
        name = (upload.name or "").lower()
        if not name.endswith((".csv", ".txt")):
            raise ValidationError("The selected file must be a CSV file (.csv)")
        return upload


class ColumnsForm(Form):
    """One choice per field: which header of the file holds it."""

    def __init__(self, *args, kind: str, header: list[str], initial_columns: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "Not in this file")] + [(h, h) for h in header if h]
        for name, (label, required) in FIELDS[kind].items():
            index = initial_columns.get(name)
            self.fields[name] = forms.ChoiceField(
                label=label, choices=choices, required=required,
                initial=header[index] if index is not None and index < len(header) else "")

    def columns(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}


END_MISSING_LABELS = {
    "groups": "Also remove the tutor groups not in the file (their pupils stay)",
    "parents": "Also end the access of the parents and carers not in the file",
}


class ConfirmForm(Form):
    end_missing = forms.BooleanField(
        label="Also end the enrolment of those not in the file", required=False,
        help_text="Leave this unticked to import the file and keep everyone else as they are.")

    def __init__(self, *args, kind: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if kind in END_MISSING_LABELS:
            self.fields["end_missing"].label = END_MISSING_LABELS[kind]


class AssignForm(Form):
    confirm = forms.BooleanField(label="Make each tutor the key worker of their tutor group's pupils")


YEAR_CHOICES = [("R", "Reception")] + [(str(y), f"Year {y}") for y in range(1, 15)]


class RolloverForm(Form):
    """The preview's question (a GET form: nothing is written)."""

    starts_on = DateField(label="First day of the new academic year", earliest=lambda: _today_shift(-400),
                          latest=lambda: _today_shift(400))
    leaving_years = forms.MultipleChoiceField(
        label="Year groups that leave", choices=YEAR_CHOICES, widget=forms.CheckboxSelectMultiple,
        initial=["11", "13"], required=False,
        help_text="Pupils in these year groups are proposed for ending their enrolment; everyone else moves up a year.")


class RolloverConfirmForm(RolloverForm):
    end_leavers = forms.BooleanField(label="End the enrolment of the leavers listed", required=False,
                                     help_text="Leave this unticked to keep them until you are sure.")


def _today_shift(days: int):
    return clock.today() + datetime.timedelta(days=days)


class SheetForm(Form):
    tutor_group = forms.ChoiceField(label="Tutor group")

    def __init__(self, *args, groups: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tutor_group"].choices = [(g, g) for g in groups]


class SignInCodeForm(Form):
    code = forms.CharField(label="Code from your sign-in sheet", max_length=12, help_text="For example ABCD-EFGH")
    password1 = forms.CharField(label="Choose a password", widget=forms.PasswordInput, max_length=128)
    password2 = forms.CharField(label="Type your password again", widget=forms.PasswordInput, max_length=128)

    def clean(self):
        cleaned = super().clean()
        check_new_password(self, cleaned)
        return cleaned
