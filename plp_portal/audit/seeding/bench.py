"""What `manage.py bench` measures for the audit log (see plp_portal/seeding/bench.py): the cost of
auditing a read of a learner's record (issue 20, item 4), i.e. the one INSERT … SELECT that
``RecordReadAuditMiddleware`` adds to each such request, on the county's audit table."""

import time

from django.db import connection, transaction
from django.test import RequestFactory
from django.urls import resolve

from plp_portal.seeding.bench import BenchJob

READS = 1000


class _RollBack(Exception):
    pass


def _record_read_inserts():
    from django.apps import apps

    from ..models import AuditEvent
    from ..reads import record_read_audit

    Plan = apps.get_model("learners", "Plan")
    plan = Plan.objects.system("bench picks a seeded plan").select_related("profile__user").order_by("id").first()
    if plan is None:
        return "no plan to read"
    path = f"/me/plans/{plan.pk}/"
    request = RequestFactory().get(path)
    request.user = plan.profile.user
    request.resolver_match = resolve(path)
    rows = AuditEvent.objects.count()
    try:
        with transaction.atomic():
            started = time.perf_counter()
            for _ in range(READS):
                record_read_audit(request)
            seconds = time.perf_counter() - started
            raise _RollBack
    except _RollBack:
        pass
    return {
        "seconds": seconds,
        "note": f"{READS} record.read inserts on an audit table of {rows:,} rows: "
                f"{seconds / READS * 1000:.3f} ms each ({connection.vendor})",
    }


def jobs():
    return [BenchJob(f"audit a record read (x{READS})", _record_read_inserts)]
