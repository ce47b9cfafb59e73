"""Every read of a learner's record is audited (issue 20, item 4), in one place.

A successful GET of a URL that names an object of a learner's record — a plan, a target, a
concern, a log entry's photo or recording, a review, a referral, a progress-file PDF, a parent's
shared view — writes one ``record.read`` audit row: who, the learner's organisation, what (the
object named in the URL, the view) and when. It costs one INSERT per request; the learner and
the organisation are found by that same statement (``INSERT … SELECT`` through subqueries), not
by extra queries or per record shown.

Which URL keyword arguments name a learner's record is declared by each feature app in its
``record_reads`` hook module (core imports no feature app):

    RECORD_KWARGS = {
        "learner_plan_id": ("learners.Plan", "profile_id"),          # any namespace
        "keyworkers:plan_id": ("learners.Plan", "profile_id"),       # only that namespace's URLs
    }

each value being the model and the lookup from it to the learner's ``LearnerProfile`` id. New
views taking such an argument are audited without further work."""

from __future__ import annotations

import functools

from django.apps import apps
from django.db.models import Subquery

from plp_portal.hooks import app_hook_modules

from .models import AuditEvent

ACTION = "record.read"
# URL namespaces whose pages name a learner but are not reads of the record: the audit's own
# "who looked" page (its viewing is audited as "audit.record_reads_viewed").
NOT_READS = {"audit"}


@functools.cache
def record_kwargs() -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for module in app_hook_modules("record_reads"):
        found.update(module.RECORD_KWARGS)
    return found


def _record_named(match) -> tuple[str, object, str] | None:
    """(kwarg, model, learner lookup) of the learner-record object the resolved URL names."""
    declared = record_kwargs()
    for name in match.kwargs:
        spec = declared.get(f"{match.namespace}:{name}") or declared.get(name)
        if spec is not None:
            label, lookup = spec
            return name, apps.get_model(label), lookup
    return None


def record_read_audit(request) -> AuditEvent | None:
    """Write the audit row for this request if it read a learner's record (see module doc)."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.kwargs or match.namespace in NOT_READS:
        return None
    named = _record_named(match)
    if named is None:
        return None
    kwarg, model, lookup = named
    object_id = match.kwargs[kwarg]
    row = model._base_manager.filter(pk=object_id)
    from .services import _client_ip

    org = getattr(request, "org", None)
    event = AuditEvent(
        action=ACTION,
        actor=request.user,
        # The learner's organisation (whose record it is), not the reader's: a partner careers
        # service's adviser or a parent reading a shared plan shows in the school's answer.
        organisation_id=Subquery(row.values("organisation_id")[:1]),
        learner_profile_id=Subquery(row.values(lookup)[:1]),
        object_type=model._meta.label_lower,
        object_id=str(object_id),
        ip_address=_client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        path=request.path[:300],
        data={"view": match.view_name, **({"via_org": org.pk} if org is not None else {})},
    )
    event.save()
    return event


def learner_get(*, org, profile_id: int):
    """The learner (profile) ``profile_id`` of ``org``, from the app that owns learners (its
    ``record_reads.learner_get``), or None if there is none in ``org``."""
    for module in app_hook_modules("record_reads"):
        if hasattr(module, "learner_get"):
            return module.learner_get(org=org, profile_id=profile_id)
    return None
