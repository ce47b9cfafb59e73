"""The base of every form in the project: error messages that name their field and say what to
do, in plain words (GOV.UK: "Enter your long-term goal", not "This field is required.").

Every app's forms subclass ``Form`` or ``ModelForm`` from here. A message a form or field sets
itself is kept; only Django's generic defaults are replaced.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from plp_portal import clock


def _label(field_name: str, field: forms.Field) -> str:
    label = str(field.label or field_name.replace("_", " ")).strip().rstrip(":?")
    # "Long-term goal" reads "long-term goal" inside a sentence; "UPN" stays "UPN".
    if len(label) > 1 and label[0].isupper() and not label[1].isupper():
        label = label[0].lower() + label[1:]
    return label.replace("%", "%%")


def _is_choice(field: forms.Field) -> bool:
    return isinstance(field, (forms.ChoiceField, forms.ModelChoiceField, forms.BooleanField))


def _messages(name: str, field: forms.Field) -> dict[str, str]:
    label = _label(name, field)
    capital = label[0].upper() + label[1:] if label else label
    if isinstance(field, forms.FileField):
        required = f"Choose a file for {label}"
    elif _is_choice(field):
        required = f"Select {label}"
    else:
        required = f"Enter {label}"
    messages = {
        "required": required,
        "max_length": f"{capital} must be %(limit_value)d characters or fewer (it has %(show_value)d)",
        "min_length": f"{capital} must be at least %(limit_value)d characters",
        "null_characters_not_allowed": f"{capital} must not contain a null character",
        "invalid_choice": f"Select {label} from the list",
        "invalid_list": f"Select {label} from the list",
        "invalid_pk_value": f"Select {label} from the list",
        "max_value": f"{capital} must be %(limit_value)s or less",
        "min_value": f"{capital} must be %(limit_value)s or more",
        "max_digits": f"{capital} must have no more than %(max)s digits",
        "max_decimal_places": f"{capital} must have no more than %(max)s decimal places",
        "step_size": f"{capital} must be a multiple of %(limit_value)s",
    }
    if isinstance(field, (forms.DateField, forms.DateTimeField)):
        messages["invalid"] = f"Enter {label} as a real date, for example 27/3/2026"
    elif isinstance(field, forms.IntegerField):
        messages["invalid"] = f"Enter {label} as a whole number, like 12"
    elif isinstance(field, (forms.DecimalField, forms.FloatField)):
        messages["invalid"] = f"Enter {label} as a number, like 12.5"
    elif isinstance(field, forms.URLField):
        messages["invalid"] = f"Enter {label} as a web address, like https://example.org/careers-fair"
    elif isinstance(field, forms.EmailField):
        messages["invalid"] = f"Enter {label} as an email address, like name@example.com"
    elif isinstance(field, forms.FileField):
        messages["invalid"] = f"The file for {label} could not be read: choose it again"
        messages["empty"] = f"The file for {label} is empty: choose another"
    return messages


def _defaults(field: forms.Field) -> dict[str, str]:
    """Django's own messages for this field class (what a form did not set itself)."""
    defaults: dict[str, str] = {}
    for cls in reversed(type(field).__mro__):
        defaults.update(getattr(cls, "default_error_messages", {}))
    return defaults


# Messages Django raises from validators (not in default_error_messages) but maps through
# Field.error_messages by their code.
_VALIDATOR_DEFAULTS = {"max_length", "min_length", "null_characters_not_allowed", "max_value",
                       "min_value", "step_size", "max_digits", "max_decimal_places"}


class GovukMessagesMixin:
    """Replaces Django's generic error messages with ones that name the field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.name_the_fields()

    def full_clean(self):
        # Again here, for fields a subclass adds in its __init__ after ours ran.
        self.name_the_fields()
        super().full_clean()

    def name_the_fields(self):
        for name, field in self.fields.items():
            defaults = _defaults(field)
            for code, message in _messages(name, field).items():
                current = field.error_messages.get(code)
                if current is None and code not in _VALIDATOR_DEFAULTS and code != "required":
                    continue
                if current is None or current == defaults.get(code):
                    field.error_messages[code] = message


class Form(GovukMessagesMixin, forms.Form):
    pass


class ModelForm(GovukMessagesMixin, forms.ModelForm):
    pass


def check_new_password(form: forms.Form, cleaned: dict, *, user=None) -> None:
    """A password chosen (``password1``) and typed again (``password2``): they must match and pass
    Django's password validators (``user``, unsaved if need be, lets them compare it with the
    person's name and email). Each error is added to its field."""
    first, again = cleaned.get("password1"), cleaned.get("password2")
    if first and again and first != again:
        form.add_error("password2", "The passwords do not match")
    if first:
        try:
            password_validation.validate_password(first, user)
        except ValidationError as error:
            form.add_error("password1", error)


# --- Dates ------------------------------------------------------------------------------------

class DateInput(forms.DateInput):
    """The browser's date picker; the value round-trips as YYYY-MM-DD."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_YEARS_AHEAD = 10


def _format(day: datetime.date) -> str:
    return f"{day.day}/{day.month}/{day.year}"


class DateField(forms.DateField):
    """A date in a plausible range, with a message that says what to enter.

    By default from 1/1/2000 to ten years from today (no year 0001, no 9999). It
    refuses dates after today with ``not_after_today=True`` (an interview that happened, an
    approval given) and dates before today with ``not_before_today=True`` (a new target's due
    date); ``earliest``/``latest`` are dates or callables returning one, or ``days_ahead`` caps the
    future at today + N days (an expected destination)."""

    widget = DateInput

    def __init__(self, *, earliest=None, latest=None, not_after_today=False,
                 not_before_today=False, days_ahead=None, **kwargs):
        super().__init__(**kwargs)
        self.earliest = earliest
        self.latest = latest
        self.not_after_today = not_after_today
        self.not_before_today = not_before_today
        self.days_ahead = days_ahead

    def bounds(self) -> tuple[datetime.date, datetime.date]:
        today = clock.today()
        earliest = self.earliest() if callable(self.earliest) else self.earliest
        latest = self.latest() if callable(self.latest) else self.latest
        earliest = earliest or EARLIEST_DATE
        latest = latest or today.replace(year=today.year + LATEST_YEARS_AHEAD)
        if self.not_before_today:
            earliest = max(earliest, today)
        if self.not_after_today:
            latest = min(latest, today)
        if self.days_ahead is not None:
            latest = min(latest, today + datetime.timedelta(days=self.days_ahead))
        return earliest, latest

    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        earliest, latest = self.bounds()
        label = _label("date", self)
        today = clock.today()
        if value < earliest:
            when = "today or later" if earliest == today else f"on or after {_format(earliest)}"
            raise ValidationError(f"{label[0].upper()}{label[1:]} must be {when}", code="too_early")
        if value > latest:
            when = "today or earlier" if latest == today else f"on or before {_format(latest)}"
            raise ValidationError(f"{label[0].upper()}{label[1:]} must be {when}", code="too_late")

    def picker_bounds(self) -> dict[str, str]:
        """The date picker's min/max, as the form checks them."""
        earliest, latest = self.bounds()
        return {"min": earliest.isoformat(), "max": latest.isoformat()}

    def get_bound_field(self, form, field_name):
        return _DateBoundField(form, self, field_name)


class _DateBoundField(forms.BoundField):
    """Puts the field's bounds on the date picker when it renders: today moves, and a form may
    set ``earliest``/``latest`` in its ``__init__``, so they are read then, not at start-up."""

    def build_widget_attrs(self, attrs, widget=None):
        return {**self.field.picker_bounds(), **super().build_widget_attrs(attrs, widget)}
