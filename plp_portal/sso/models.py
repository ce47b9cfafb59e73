"""An organisation's sign-in with its Microsoft Entra ID or Google Workspace accounts.

Each enabled ``IdentityProvider`` becomes one django-allauth OpenID Connect app (built in memory
by ``plp_portal.sso.adapter``, never a ``SocialApp`` row), with ``provider_id`` ``o<org id>-<kind>``.
The identity provider's address is not typed by the organisation: it comes from
``settings.PLP_SSO_ISSUERS`` (Microsoft's with the directory tenant filled in), so the server
only ever fetches the two providers' well-known documents."""

from django.conf import settings
from django.db import models

from plp_portal.tenancy import TenantModel

from .crypto import secret_decrypt, secret_encrypt


class ProviderKind(models.TextChoices):
    MICROSOFT = "microsoft", "Microsoft Entra ID"
    GOOGLE = "google", "Google Workspace"


class IdentityProvider(TenantModel):
    kind = models.CharField(max_length=20, choices=ProviderKind.choices)
    enabled = models.BooleanField(default=False)
    # Microsoft Entra ID: the directory (tenant) id or a verified domain of the directory.
    tenant = models.CharField(max_length=100, blank=True)
    client_id = models.CharField(max_length=255)
    # Encrypted (plp_portal.sso.crypto): set with ``secret_set``, read with ``secret``. Shown back
    # to nobody: forms leave it blank, and blank keeps the stored one.
    client_secret = models.CharField(max_length=1000)
    # Lower-case email domains, one per line; sign-in is refused for any other domain.
    allowed_domains = models.TextField(max_length=2000)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind"], name="sso_one_provider_kind_per_org"),
        ]

    def __str__(self):
        return self.get_kind_display()

    def secret_set(self, plain: str) -> None:
        self.client_secret = secret_encrypt(plain)

    def secret(self) -> str:
        """The client secret, decrypted (only to send it to the identity provider)."""
        return secret_decrypt(self.client_secret)

    @property
    def provider_id(self) -> str:
        return provider_id_for(organisation_id=self.organisation_id, kind=self.kind)

    @property
    def domains(self) -> list[str]:
        return [line.strip() for line in self.allowed_domains.splitlines() if line.strip()]

    @property
    def server_url(self) -> str:
        return settings.PLP_SSO_ISSUERS[self.kind].format(tenant=self.tenant)


def provider_id_for(*, organisation_id: int, kind: str) -> str:
    return f"o{organisation_id}-{kind}"


def parse_provider_id(provider_id: str) -> tuple[int, str] | None:
    """``(organisation id, kind)`` of an allauth provider id made by ``provider_id_for``."""
    head, _, kind = str(provider_id).partition("-")
    if not head.startswith("o") or not head[1:].isdigit() or kind not in ProviderKind.values:
        return None
    return int(head[1:]), kind
