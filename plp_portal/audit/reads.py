"""Every read of a learner's record is audited (issue 20, item 4), in one place.

A successful GET of a URL that names an object of a learner's record — a plan, a target, a
concern, a log entry's photo or recording, a review, a referral, a progress-file PDF, a parent's
shared view — writes one ``record.read`` audit row: who, the learner's organisation, what (the
object named in the URL, the view) and when. It costs one INSERT per request; the learner and
the organisation are found by that same statement (``INSERT … SELECT`` from the named row, its
SQL compiled once per kind of record), not by extra queries or per record shown. Measured on an
audit table of 3 million rows: ~0.4 ms per read inside a transaction, ~0.6 ms with its commit
(``manage.py bench`` times it: plp_portal/audit/seeding/bench.py).

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
from django.db import connection
from django.db.models import F
from django.utils import timezone

from plp_portal.hooks import app_hook_modules

from .models import AuditEvent
from .services import _client_ip

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


@functools.cache
def _insert_sql(label: str, lookup: str) -> tuple[str, str, list]:
    """(object type, SQL, params of its SELECT part with None for the object id) of the one
    statement that records a read of a ``label`` row: ``INSERT … SELECT`` taking the learner and
    the organisation from that row. Compiled once per kind of record, by the ORM."""
    model = apps.get_model(label)
    marker = -4242
    select_sql, select_params = (
        model._base_manager.filter(pk=marker).order_by()
        .values(o=F("organisation_id"), l=F(lookup)).query.sql_with_params()
    )
    columns = ["created_at", "actor_id", "action", "object_type", "object_id", "object_repr",
               "ip_address", "user_agent", "path", "data"]
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}, "
        f"{quote('organisation_id')}, {quote('learner_profile_id')}) "
        f"SELECT {', '.join(['%s'] * len(columns))}, r.{quote('o')}, r.{quote('l')} "
        f"FROM ({select_sql}) r"
    )
    return model._meta.label_lower, sql, [None if p == marker else p for p in select_params]


def record_read_audit(request) -> bool:
    """Write the audit row for this request if it read a learner's record (see module doc);
    whether it did."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.kwargs or match.namespace in NOT_READS:
        return False
    if getattr(request, "record_read", True) is False:  # a view that shows none of the record
        return False
    declared = record_kwargs()
    for kwarg in match.kwargs:
        spec = declared.get(f"{match.namespace}:{kwarg}") or declared.get(kwarg)
        if spec is not None:
            break
    else:
        return False
    object_type, sql, select_params = _insert_sql(*spec)
    object_id = match.kwargs[kwarg]
    org = getattr(request, "org", None)
    # The organisation is the learner's (whose record it is), not the reader's: a partner
    # careers service's adviser or a parent reading a shared plan shows in the school's answer.
    values = {
        "created_at": timezone.now(),
        "actor_id": request.user.pk,
        "action": ACTION,
        "object_type": object_type,
        "object_id": str(object_id),
        "object_repr": "",
        "ip_address": _client_ip(request),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
        "path": request.path[:300],
        "data": {"view": match.view_name, **({"via_org": org.pk} if org is not None else {})},
    }
    params = [
        AuditEvent._meta.get_field(name).get_db_prep_save(value, connection)
        for name, value in values.items()
    ] + [object_id if p is None else p for p in select_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    return True


def learner_get(*, org, profile_id: int):
    """The learner (profile) ``profile_id`` of ``org``, from the app that owns learners (its
    ``record_reads.learner_get``), or None if there is none in ``org``."""
    for module in app_hook_modules("record_reads"):
        if hasattr(module, "learner_get"):
            return module.learner_get(org=org, profile_id=profile_id)
    return None
