from django import forms
from plp_portal.forms import Form, ModelForm

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
        from django.contrib.auth import get_user_model, password_validation

        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", "The passwords do not match")
        if p1:
            probe = get_user_model()(email=self.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class MembershipRoleForm(Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class TermForm(ModelForm):
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
        widgets = {
            f: forms.DateInput(attrs={"type": "date"})
            for f in ["starts_on", "half_term_starts_on", "half_term_ends_on", "ends_on"]
        }
        labels = {
            "academic_year": "Academic year (the year it starts)",
            "name": "Term name",
            "starts_on": "Term starts",
            "half_term_starts_on": "Half-term break starts",
            "half_term_ends_on": "Half-term break ends",
            "ends_on": "Term ends",
        }

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.organisation = org
