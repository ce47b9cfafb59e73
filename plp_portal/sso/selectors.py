import re

from plp_portal import rls

from .models import IdentityProvider, ProviderKind, parse_provider_id


def identity_provider_list(*, org) -> list[tuple[str, str, IdentityProvider | None]]:
    """Each kind of identity provider with this organisation's settings for it (or None)."""
    saved = {idp.kind: idp for idp in IdentityProvider.objects.for_org(org)}
    return [(kind, label, saved.get(kind)) for kind, label in ProviderKind.choices]


def identity_provider_get(*, org, kind: str) -> IdentityProvider | None:
    return IdentityProvider.objects.for_org(org).filter(kind=kind).first()


def identity_provider_enabled_by_provider_id(*, provider_id: str) -> IdentityProvider | None:
    """The enabled settings behind an allauth provider id (``o<org id>-<kind>``), or None."""
    parsed = parse_provider_id(provider_id)
    if parsed is None:
        return None
    organisation_id, kind = parsed
    return rls.bearer_get(lambda: (
        IdentityProvider.objects.for_org(organisation_id)
        .filter(kind=kind, enabled=True)
        .select_related("organisation")
        .first()
    ), grant="an organisation's sign-in provider")


def identity_providers_for_domain(*, domain: str) -> list[IdentityProvider]:
    """Enabled identity providers, of any organisation, that accept email addresses at
    ``domain`` (the public "sign in with your school account" page asks before it knows who)."""
    line = rf"(^|\n){re.escape(domain.lower())}(\r?\n|$)"
    with rls.bearer_lookup("sign-in: which organisations accept this email domain"):
        return list(
            IdentityProvider.objects.system("sign-in: which organisations accept this email domain")
            .filter(enabled=True, allowed_domains__regex=line)
            .select_related("organisation")
            .order_by("organisation__name", "kind")[:10]
        )
