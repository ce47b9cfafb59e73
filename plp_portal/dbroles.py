"""The application's database role (issue 20, item 5).

The site connects as an ordinary role (``PLP_APP_DB_ROLE``) that owns nothing: migrations run
as the owner of the tables (``MIGRATION_DATABASE_URL`` / the owner's ``DATABASE_URL``), and after
every ``migrate`` the owner gives the app role exactly what it needs — read and write the
tables, use the sequences — except on append-only tables (the audit log, the plan narrative),
where it may only read and add. It owns no table and no trigger, so it cannot disable or drop
the triggers; TRUNCATE is never granted; ``session_replication_role`` is for superusers only."""

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connections

logger = logging.getLogger(__name__)

APPEND_ONLY_TRIGGER_SUFFIX = "_append_only_trigger"  # plp_portal.audit.dbtriggers


def app_role_grant(*, connection, role: str) -> list[str]:
    """Grant ``role`` the application's privileges on every table of the current schema, as
    the owner connected on ``connection``; returns the append-only tables it may only read and
    add to. Idempotent. Refuses a superuser role (it would bypass every privilege)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [role])
        found = cursor.fetchone()
        if found is None:
            raise ImproperlyConfigured(f"PLP_APP_DB_ROLE: the database role {role!r} does not exist")
        if found[0]:
            raise ImproperlyConfigured(
                f"PLP_APP_DB_ROLE: {role!r} is a superuser; the application's role must be an "
                "ordinary role (see README, Production)"
            )
        cursor.execute(
            "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE %s",
            ["%" + APPEND_ONLY_TRIGGER_SUFFIX.replace("_", r"\_")],
        )
        append_only = sorted(row[0] for row in cursor.fetchall())
        r = quote(role)
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {r}")
        cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {r}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}")
        for table in append_only:
            cursor.execute(f"REVOKE UPDATE, DELETE ON {table} FROM {r}")
        # The one exception to append-only: a confirmed erasure (plp_portal/records/erasure_sql.py).
        cursor.execute("SELECT to_regprocedure('records_erase_learner(bigint, bigint)') IS NOT NULL")
        if cursor.fetchone()[0]:
            cursor.execute(f"GRANT EXECUTE ON FUNCTION records_erase_learner(bigint, bigint) TO {r}")
    return append_only


def post_migrate_grant(sender, using="default", **kwargs):
    """After ``migrate`` (as the owner): the cache table exists and the app role has its
    privileges on every table, new ones included."""
    role = getattr(settings, "PLP_APP_DB_ROLE", "")
    connection = connections[using]
    if not role or connection.vendor != "postgresql":
        return
    call_command("createcachetable", database=using, verbosity=0)
    app_role_grant(connection=connection, role=role)
