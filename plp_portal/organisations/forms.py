from django import forms
from django.contrib.auth import get_user_model
from plp_portal.forms import DateField, Form, ModelForm, check_new_password

from .choices import Role
from .models import Term


class InvitationForm(Form):
    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class AcceptInvitationForm(Form):
    full_name = forms.CharField(label="Your full name", max_length=150)
    password1 = forms.CharField(label="Create a password", widget=forms.PasswordInput)
    password2 = forms.CharField(label="Confirm your password", widget=forms.PasswordInput)

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        check_new_password(self, cleaned, user=get_user_model()(email=self.email, full_name=cleaned.get("full_name", "")))
        return cleaned


# Roles a member may hold besides the main one: working roles only (a learner or a parent is
# never also staff through this, and the admin role is given as a main role, deliberately).
EXTRA_ROLE_CHOICES = [(r.value, r.label) for r in Role
                      if r not in (Role.LEARNER, Role.PARENT_CARER, Role.ORG_ADMIN, Role.LA_OFFICER)]


class MembershipRoleForm(Form):
    role = forms.ChoiceField(label="Main role", choices=Role.choices)
    extra_roles = forms.MultipleChoiceField(
        label="Other roles", choices=EXTRA_ROLE_CHOICES, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="For example a careers lead who is also a form tutor.")


class TermForm(ModelForm):
    """A term's name and dates. The rules that look at the organisation's other terms (a name
    used twice in a year, overlapping dates) are checked by ``services.term_create`` /
    ``term_update``, whose messages the view puts on the fields."""

    starts_on = DateField(label="Term starts")
    half_term_starts_on = DateField(label="Half-term break starts")
    half_term_ends_on = DateField(label="Half-term break ends")
    ends_on = DateField(label="Term ends")

    class Meta:
        model = Term
        fields = [
            "academic_year",
            "name",
            "starts_on",
            "half_term_starts_on",
            "half_term_ends_on",
            "ends_on",
        ]
        labels = {
            "academic_year": "Academic year (the year it starts)",
            "name": "Term name",
        }
        help_texts = {
            "academic_year": "For example, 2026 for the 2026/27 school year.",
            "name": "For example, Autumn.",
        }

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.organisation = org

    def clean(self):
        cleaned = super().clean()
        # Dates out of order get a message on the field; a field with an error is left out of
        # the model's constraint check, which would otherwise name the database constraint.
        dates = ("starts_on", "half_term_starts_on", "half_term_ends_on", "ends_on")
        probe = Term(**{name: cleaned.get(name) for name in dates})
        for name, message in probe.date_order_problems().items():
            self.add_error(name, message)
        return cleaned

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
