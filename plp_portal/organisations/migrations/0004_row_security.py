"""Row-level security on every tenant table (issue 12; plp_portal/rls.py).

The tables are found from the model registry, not listed here, so this migration covers the
tables that exist when it runs and the ``post_migrate`` handler (``rls.post_migrate_row_security``)
covers any added by later migrations, on every ``migrate``. Reversible: the reverse disables RLS
and drops the policies."""

from django.db import migrations


def forwards(apps, schema_editor):
    from plp_portal import rls

    rls.apply_row_security(schema_editor.connection)


def backwards(apps, schema_editor):
    from plp_portal import rls

    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname, p.polname FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid "
                       "WHERE p.polname LIKE 'plp\\_tenant\\_%%'")
        for table, policy in cursor.fetchall():
            cursor.execute(f'DROP POLICY "{policy}" ON "{table}"')
        for table in rls.tenant_tables():
            cursor.execute(f"ALTER TABLE IF EXISTS \"{table}\" NO FORCE ROW LEVEL SECURITY")
            cursor.execute(f"ALTER TABLE IF EXISTS \"{table}\" DISABLE ROW LEVEL SECURITY")


class Migration(migrations.Migration):
    dependencies = [("organisations", "0003_membership_extra_roles_and_school_roles")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
