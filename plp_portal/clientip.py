"""The client's address, for sign-in limits and the audit log.

Taken from the trusted proxy's header when one is configured (settings: PLP_TRUSTED_CLIENT_IP_HEADER
or PLP_TRUSTED_PROXY_COUNT, README "Configuration"), otherwise from the connection. A request that
did not come through the proxy (no such header) falls back to the connection's address."""

from allauth.core.internal.httpkit import clean_client_ip, get_client_ip
from django.core.exceptions import ImproperlyConfigured


def client_address(request) -> str | None:
    try:
        ip = get_client_ip(request)
    except ImproperlyConfigured:  # fewer X-Forwarded-For hops than trusted proxies: not proxied
        ip = None
    if not ip:
        remote = request.META.get("REMOTE_ADDR")
        ip = clean_client_ip(remote) if remote else None
    return ip
