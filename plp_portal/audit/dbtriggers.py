"""PostgreSQL triggers that make a table append-only at the database level."""

from django.db import migrations


def append_only_trigger(table: str) -> "PostgresOnlyRunSQL":
    """A migration operation: UPDATE and DELETE on ``table`` raise (PostgreSQL only).

    TRUNCATE is not blocked, so test databases can still be reset."""
    function = f"{table}_append_only"
    forward = f"""
        CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
        BEGIN
            RAISE EXCEPTION '% rows are append-only: % refused', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'integrity_constraint_violation';
        END;
        $$ LANGUAGE plpgsql;
        CREATE TRIGGER {function}_trigger BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION {function}();
    """
    backward = f"""
        DROP TRIGGER IF EXISTS {function}_trigger ON {table};
        DROP FUNCTION IF EXISTS {function}();
    """
    return PostgresOnlyRunSQL(forward, backward)


class PostgresOnlyRunSQL(migrations.RunSQL):
    """RunSQL that is skipped on other databases (the demo's SQLite)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
