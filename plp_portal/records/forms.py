from django import forms as django_forms

from plp_portal import forms
from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Membership

from .models import PARENT_AGE_MAX, WITHHOLD_REASON_MAX, YEARS_MAX, YEARS_MIN


class ProduceForm(forms.Form):
    """An organisation admin produces the record of one of the organisation's learners."""

    email = django_forms.EmailField(label="Learner's email address", max_length=254)

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.org = org

    def clean_email(self):
        email = self.cleaned_data["email"]
        membership = (Membership.objects.for_org(self.org).filter(role=Role.LEARNER, user__email__iexact=email)
                      .select_related("user").first())
        if membership is None:
            raise django_forms.ValidationError("Enter the email address of a learner of your organisation")
        self.learner = membership.user
        return email


class ReviewForm(forms.Form):
    """For each restricted record: withhold it (with the reason), or include it."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for i, (label, row) in enumerate(rows):
            self.fields[f"withhold_{i}"] = django_forms.BooleanField(
                label=f"Withhold {label} {row['id']}", required=False)
            self.fields[f"reason_{i}"] = django_forms.CharField(
                label=f"Reason for withholding {label} {row['id']}", required=False, max_length=WITHHOLD_REASON_MAX)

    def clean(self):
        cleaned = super().clean()
        for i, (_label, _row) in enumerate(self.rows):
            if cleaned.get(f"withhold_{i}") and not (cleaned.get(f"reason_{i}") or "").strip():
                self.add_error(f"reason_{i}", "Enter the reason for withholding this record")
        return cleaned

    def withheld(self) -> list[dict]:
        return [{"model": label, "id": row["id"], "reason": self.cleaned_data[f"reason_{i}"].strip()}
                for i, (label, row) in enumerate(self.rows) if self.cleaned_data.get(f"withhold_{i}")]


class RetentionPolicyForm(forms.Form):
    years_after_leaving = django_forms.IntegerField(
        label="Years a learner's record is kept after they leave", min_value=YEARS_MIN, max_value=YEARS_MAX)
    years_with_support_needs = django_forms.IntegerField(
        label="Years kept after they leave where support needs are recorded", min_value=YEARS_MIN,
        max_value=YEARS_MAX)
    parent_request_below_age = django_forms.IntegerField(
        label="A parent or carer may ask for a copy of the record of a child younger than (years)",
        help_text="0: parents cannot ask; children ask for their own copy", min_value=0, max_value=PARENT_AGE_MAX)

    def clean(self):
        cleaned = super().clean()
        short, long = cleaned.get("years_after_leaving"), cleaned.get("years_with_support_needs")
        if short is not None and long is not None and long < short:
            self.add_error("years_with_support_needs", "Enter years kept where support needs are recorded that are "
                                                       "at least the years kept for other learners")
        return cleaned


class ErasureRequestForm(ProduceForm):
    """The first admin asks to erase a learner's record now (a second admin confirms)."""

    confirm = django_forms.BooleanField(
        label="The law requires this learner's record to be erased before its retention date")

    def clean_confirm(self):
        if not self.cleaned_data.get("confirm"):
            raise django_forms.ValidationError("Confirm that the law requires the erasure")
        return True
