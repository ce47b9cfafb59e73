"""The client's address, for sign-in limits and the audit log.

Taken from the trusted proxy's header when one is configured (settings
``PLP_TRUSTED_CLIENT_IP_HEADER`` or ``PLP_TRUSTED_PROXY_COUNT``, README "Configuration"),
otherwise from the connection. A request that did not come through the proxy (no such header,
fewer X-Forwarded-For hops than trusted proxies) falls back to the connection's address, and a
value that is not an IP address is ignored."""

import ipaddress

from django.conf import settings


def _ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request) -> str | None:
    header = settings.PLP_TRUSTED_CLIENT_IP_HEADER
    proxies = settings.PLP_TRUSTED_PROXY_COUNT
    ip = None
    if header:
        ip = _ip(request.headers.get(header))
    elif proxies > 0:
        hops = [hop for hop in request.headers.get("X-Forwarded-For", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            ip = _ip(hops[-proxies])
    return ip or _ip(request.META.get("REMOTE_ADDR"))
