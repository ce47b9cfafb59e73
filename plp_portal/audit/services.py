import logging

from django.db import models

from plp_portal.clientip import client_address

from .models import AuditEvent

logger = logging.getLogger(__name__)


def _client_ip(request) -> str | None:
    # The trusted proxy's header when one is configured, else the connection (plp_portal.clientip).
    return client_address(request)


def audit_log_many(action: str, *, actor, org, objs, data: dict | None = None) -> None:
    """``audit_log`` for many objects at once (a bulk import): one row each, one INSERT."""
    AuditEvent.objects.bulk_create([
        AuditEvent(action=action, actor=actor, organisation=org, data=data or {},
                   object_type=obj._meta.label_lower, object_id=str(obj.pk), object_repr=str(obj)[:200])
        for obj in objs])


def audit_log(
    action: str,
    *,
    request=None,
    actor=None,
    org=None,
    obj: models.Model | None = None,
    data: dict | None = None,
    learner_profile_id: int | None = None,
) -> AuditEvent:
    """Record who did ``action``, in which organisation, to which object, when, from where.

    ``actor`` and ``org`` default to the request's user and resolved organisation."""
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    if org is None and request is not None:
        org = getattr(request, "org", None)
    event = AuditEvent(
        action=action,
        actor=actor,
        organisation=org,
        data=data or {},
        learner_profile_id=learner_profile_id,
    )
    if obj is not None:
        event.object_type = obj._meta.label_lower
        event.object_id = str(obj.pk)
        event.object_repr = str(obj)[:200]
    if request is not None:
        event.ip_address = _client_ip(request)
        event.user_agent = request.META.get("HTTP_USER_AGENT", "")[:300]
        event.path = request.path[:300]
    event.save()
    return event
