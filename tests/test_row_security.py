"""PostgreSQL row-level security, the second wall behind the fail-closed manager (issue 12;
plp_portal/rls.py). The suite connects as the owner (a superuser, which bypasses RLS); requests
and jobs switch to the application's role for their transactions (conftest), as the site runs."""

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from plp_portal import rls
from plp_portal.audit.models import AuditEvent
from plp_portal.organisations.choices import Role
from plp_portal.tenancy import TenantModel, TenantQuerySet
from tests.factories import member

pytestmark = pytest.mark.django_db

ROLE = "plp_app"


def test_the_suite_runs_requests_as_the_app_role():
    assert settings.PLP_APP_DB_ROLE == ROLE, "run the suite with PLP_APP_DB_ROLE=plp_app (make test does)"
    assert settings.PLP_RLS_SWITCH_ROLE == ROLE


def test_every_tenant_table_has_row_security_enabled_and_forced():
    from django.apps import apps

    tables = rls.tenant_tables()
    # Found by construction: every TenantModel, and every model scoped through a tenant parent.
    expected = {m._meta.db_table for m in apps.get_models()
                if issubclass(m, TenantModel) or getattr(m, "plp_scoped_through", None)}
    assert set(tables) == expected and len(tables) >= 60
    with connection.cursor() as cursor:
        cursor.execute("""SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                                 array(SELECT p.polname FROM pg_policy p WHERE p.polrelid = c.oid)
                            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                           WHERE n.nspname = current_schema() AND c.relname = ANY(%s)""", [tables])
        rows = {name: (enabled, forced, policies) for name, enabled, forced, policies in cursor.fetchall()}
    assert sorted(rows) == sorted(tables)
    missing = {t: r for t, r in rows.items()
               if not (r[0] and r[1] and len(r[2]) == 1 and r[2][0].startswith(rls.POLICY_PREFIX))}
    assert missing == {}, f"tables without RLS enabled+forced and one plp_tenant policy: {missing}"


def test_the_app_role_owns_nothing_and_cannot_bypass_row_security():
    with connection.cursor() as cursor:
        cursor.execute("""SELECT r.rolsuper, r.rolbypassrls,
                                 (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid),
                                 (SELECT count(*) FROM pg_proc p WHERE p.proowner = r.oid)
                            FROM pg_roles r WHERE r.rolname = %s""", [ROLE])
        assert cursor.fetchone() == (False, False, 0, 0)
        cursor.execute("SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class WHERE relname = ANY(%s)",
                       [rls.tenant_tables()])
        assert ROLE not in {row[0] for row in cursor.fetchall()}


def _as_app_role(statements, org_ids="", system=""):
    """Run SQL as the app role with the given settings; the last statement's rows, or the error."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT set_config('role', %s, true), set_config('plp.org_ids', %s, true), "
                           "set_config('plp.system', %s, true)", [ROLE, org_ids, system])
            for statement in statements:
                cursor.execute(statement)
            return cursor.fetchall()
    except DatabaseError as error:
        return error


def test_the_database_fails_closed_without_a_scope(org, other_org):
    from learners.tests.factories import plan_for

    plan_for(org=org)
    plan_for(org=other_org)
    count = "SELECT organisation_id, count(*) FROM learners_plan GROUP BY 1 ORDER BY 1"
    assert _as_app_role([count]) == []  # no setting: no rows
    assert _as_app_role([count], org_ids=str(org.pk)) == [(org.pk, 1)]
    assert _as_app_role([count], org_ids=f"{org.pk},{other_org.pk}") == [(org.pk, 1), (other_org.pk, 1)]
    assert _as_app_role([count], system="a test's system job") == [(org.pk, 1), (other_org.pk, 1)]
    # It cannot write another organisation's rows, nor switch the policies off.
    error = _as_app_role([f"UPDATE learners_plan SET organisation_id = {other_org.pk} RETURNING id"],
                         org_ids=str(org.pk))
    assert "row-level security" in str(error)
    assert "must be owner" in str(_as_app_role(["ALTER TABLE learners_plan DISABLE ROW LEVEL SECURITY"]))
    assert "row-level security" in str(_as_app_role(["SET LOCAL row_security = off", "SELECT * FROM learners_plan"]))


def _unscoped(self, *args, **kwargs):
    """The ORM scope deliberately removed: for_org/for_orgs return every organisation's rows."""
    return self._clone()._mark_scoped()


def test_with_the_orm_scope_removed_the_database_still_returns_no_other_organisations_rows(
        org, other_org, client, monkeypatch, settings):
    from learners.tests.factories import LearnerProfileFactory

    LearnerProfileFactory(organisation=org, user=member(org, Role.LEARNER, full_name="Alice Ourschool"))
    LearnerProfileFactory(organisation=other_org,
                          user=member(other_org, Role.LEARNER, full_name="Zebedee Otherschool"))
    admin = member(org, Role.ORG_ADMIN)
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("learners:index", kwargs={"org_slug": org.slug})

    monkeypatch.setattr(TenantQuerySet, "for_org", _unscoped)
    monkeypatch.setattr(TenantQuerySet, "for_orgs", _unscoped)
    # The control: without RLS (the owner, a superuser) the view now leaks the other school's
    # learner — so the ORM scope really is gone for this request...
    settings.PLP_RLS_SWITCH_ROLE = ""
    leaked = client.get(url)
    assert leaked.status_code == 200 and "Zebedee Otherschool" in leaked.content.decode()
    # ...and as the application's role the database returns only this organisation's rows.
    settings.PLP_RLS_SWITCH_ROLE = ROLE
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Alice Ourschool" in page
    assert "Zebedee Otherschool" not in page


def test_a_request_sees_its_organisation_and_what_its_grants_add(org, other_org, client):
    """The scope is applied once per transaction, as the app role, with row_security on."""
    seen = []

    def record(cursor, scope):
        cursor.execute("SELECT current_user, current_setting('row_security'), "
                       "current_setting('plp.org_ids'), current_setting('plp.system')")
        seen.append(cursor.fetchone())

    admin = member(org, Role.ORG_ADMIN)
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    with rls.observe(record):
        assert client.get(reverse("learners:index", kwargs={"org_slug": org.slug})).status_code == 200
    assert seen and {row[0] for row in seen} == {ROLE} and {row[1] for row in seen} == {"on"}
    assert (ROLE, "on", str(org.pk), "") in seen
    assert not any(str(other_org.pk) in row[2].split(",") for row in seen)


def test_every_task_of_ours_declares_its_system_scope():
    """A Celery task runs with the database's system scope only if it says why; one that does
    not sees no tenant rows at all (fail closed)."""
    from plp_portal.celery import app

    app.loader.import_default_modules()
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    assert ours
    undeclared = [name for name, task in ours.items() if not getattr(task, "plp_system_scope", "")]
    assert undeclared == []


def test_a_system_job_runs_in_an_audited_system_scope_as_the_app_role(org):
    from learners.tests.factories import plan_for
    from plp_portal.notifications.tasks import daily_reminders

    plan_for(org=org)
    seen = []

    def record(cursor, scope):
        cursor.execute("SELECT current_user, current_setting('plp.system'), "
                       "(SELECT count(*) FROM learners_plan)")
        seen.append(cursor.fetchone())

    with rls.observe(record):
        daily_reminders.apply()
    assert seen and seen[0][0] == ROLE and "daily reminder" in seen[0][1] and seen[0][2] >= 1
    event = AuditEvent.objects.filter(action="system.scope").order_by("-pk").first()
    assert event is not None and "notifications.daily_reminders" in event.data["reason"]
    assert rls.current_scope() is None  # and it ends with the job


def test_a_task_without_a_declared_scope_gets_none():
    class Undeclared:
        name = "tests.undeclared"

    rls._task_prerun(task_id="t-1", task=Undeclared())
    assert rls.current_scope() is None
    rls._task_postrun(task_id="t-1")


@pytest.mark.django_db(transaction=True)
def test_a_tenant_statement_outside_a_transaction_carries_its_scope_in_one_round_trip(org):
    """Outside a transaction (the organisation lookup, the read audit) the settings and the
    statement are pipelined into one implicit transaction (server-side binding, the default):
    the statement sees the scope, as the app role, and the scope ends with it."""
    import psycopg

    from learners.tests.factories import plan_for

    plan_for(org=org)
    assert connection.get_autocommit()
    with connection.cursor() as cursor:
        assert isinstance(cursor.cursor, psycopg.Cursor) and not isinstance(cursor.cursor, psycopg.ClientCursor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_setting('plp.system', true)")
        before = cursor.fetchone()
    sent = []

    def record(execute, sql, params, many, context):  # runs inside rls's wrapper
        sent.append((connection.get_autocommit(), connection.connection.pgconn.pipeline_status))
        return execute(sql, params, many, context)

    with rls.system_job_scope("a test outside any transaction", audit=False), connection.cursor() as cursor:
        with connection.execute_wrapper(record):
            cursor.execute('SELECT current_user, current_setting(%s), (SELECT count(*) FROM "learners_plan")',
                           ["plp.system"])
        assert cursor.fetchone() == (ROLE, "a test outside any transaction", 1)
        # Sent in the settings' pipeline, not in a transaction of its own (BEGIN, settings, COMMIT).
        assert sent == [(True, psycopg.pq.PipelineStatus.ON)]
        cursor.execute("SELECT current_user, current_setting('plp.system', true)")
        user, system = cursor.fetchone()
        assert user == before[0] and (system or None) == (before[1] or None)  # gone with it
        # An error in the pipelined statement is Django's, like any statement's, and the
        # connection goes on.
        with pytest.raises(DatabaseError):
            cursor.execute('SELECT 1 / 0 FROM "learners_plan"')
        cursor.execute('SELECT count(*) FROM "learners_plan"')
        assert cursor.fetchone() == (1,)
