from plp_portal.audit.services import audit_log

from .models import IdentityProvider


def identity_provider_save(*, org, kind: str, enabled: bool, tenant: str, client_id: str,
                           client_secret: str | None, allowed_domains: list[str], by,
                           request=None) -> IdentityProvider:
    """Create or update the organisation's settings for one identity provider. A
    ``client_secret`` of None keeps the stored secret (it is never shown back to be re-sent)."""
    idp = IdentityProvider.objects.for_org(org).filter(kind=kind).first() or IdentityProvider(
        organisation=org, kind=kind
    )
    idp.enabled = enabled
    idp.tenant = tenant
    idp.client_id = client_id
    if client_secret is not None:
        idp.secret_set(client_secret)
    idp.allowed_domains = "\n".join(allowed_domains)
    idp.updated_by = by
    idp.full_clean()
    idp.save()
    audit_log(
        "sso.provider_saved", request=request, actor=by, org=org, obj=idp,
        data={"kind": kind, "enabled": enabled, "domains": allowed_domains,
              "secret_changed": client_secret is not None},
    )
    return idp
