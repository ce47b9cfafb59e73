import re

from django import forms

from plp_portal.forms import Form

from .models import ProviderKind

_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_TENANT_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._~:/@+-]+$")
# Anyone can have an address at these: an organisation's own domain only.
_PUBLIC_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "live.com",
    "live.co.uk", "msn.com", "yahoo.com", "yahoo.co.uk", "icloud.com", "me.com", "aol.com",
    "protonmail.com", "proton.me", "btinternet.com", "sky.com", "gmx.com", "mail.com",
})
MAX_DOMAINS = 20


class IdentityProviderForm(Form):
    """An organisation's settings for signing in with one identity provider. The client secret
    is never shown back: left blank, the stored one is kept."""

    enabled = forms.BooleanField(label="Let people sign in this way", required=False)
    tenant = forms.CharField(
        label="Directory (tenant) ID", max_length=100, required=False,
        help_text="From Microsoft Entra admin centre, Overview: a value like "
        "72f988bf-86f1-41af-91ab-2d7cd011db47, or a verified domain of your directory.",
    )
    client_id = forms.CharField(label="Client ID", max_length=255)
    client_secret = forms.CharField(
        label="Client secret", max_length=512, required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    allowed_domains = forms.CharField(
        label="Email domains allowed to sign in", max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line, like school.sch.uk. Only accounts your organisation already has "
        "(imported or invited) with an address at these domains can sign in this way.",
    )

    def __init__(self, *args, kind: str, has_secret: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.has_secret = has_secret
        if kind != ProviderKind.MICROSOFT:
            del self.fields["tenant"]
        if has_secret:
            self.fields["client_secret"].help_text = (
                "A secret is saved. Leave this blank to keep it, or enter a new one to replace it."
            )
        else:
            self.fields["client_secret"].required = True

    def clean_tenant(self):
        tenant = self.cleaned_data["tenant"].strip().lower()
        if not tenant:
            raise forms.ValidationError("Enter the directory (tenant) ID")
        if tenant in {"common", "organizations", "consumers"}:
            raise forms.ValidationError(
                "Enter your own directory (tenant) ID, not “common”, “organizations” or “consumers”"
            )
        if not (_TENANT_GUID.match(tenant) or _DOMAIN.match(tenant)):
            raise forms.ValidationError(
                "Enter the directory (tenant) ID as shown in Microsoft Entra, like "
                "72f988bf-86f1-41af-91ab-2d7cd011db47, or a domain like school.sch.uk"
            )
        return tenant

    def clean_client_id(self):
        client_id = self.cleaned_data["client_id"].strip()
        if not _CLIENT_ID.match(client_id):
            raise forms.ValidationError(
                "Enter the client ID as the identity provider shows it: letters, numbers and . - _ : only"
            )
        return client_id

    def clean_client_secret(self):
        secret = self.cleaned_data["client_secret"]
        if secret and (secret != secret.strip() or not secret.isprintable()):
            raise forms.ValidationError("Enter the client secret without spaces at either end")
        return secret or None

    def clean_allowed_domains(self):
        domains = []
        for line in re.split(r"[\s,;]+", self.cleaned_data["allowed_domains"].lower()):
            domain = line.strip().lstrip("@")
            if not domain:
                continue
            if not _DOMAIN.match(domain):
                raise forms.ValidationError(
                    f"“{domain[:60]}” is not an email domain: enter domains like school.sch.uk, one per line"
                )
            if domain in _PUBLIC_DOMAINS:
                raise forms.ValidationError(
                    f"{domain} is a public email service: enter your organisation's own domain"
                )
            if domain not in domains:
                domains.append(domain)
        if not domains:
            raise forms.ValidationError("Enter at least one email domain, like school.sch.uk")
        if len(domains) > MAX_DOMAINS:
            raise forms.ValidationError(f"Enter {MAX_DOMAINS} email domains or fewer")
        return domains


class SignInEmailForm(Form):
    email = forms.EmailField(label="Your organisation email address", max_length=254)
