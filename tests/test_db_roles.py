"""The audit log cannot be wiped by the application's own database role (issue 20, item 5).

The application connects as an ordinary role that owns nothing; the tables' owner runs the
migrations and grants it what it needs (plp_portal.dbroles). Each of the four attacks of the
issue, tried as that role (``SET ROLE`` inside the test's transaction), now fails; and the site
still works as that role."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from plp_portal.audit.models import AuditEvent
from plp_portal.audit.services import audit_log
from plp_portal.dbroles import app_role_grant, post_migrate_grant
from plp_portal.organisations.choices import Role
from tests.factories import PASSWORD, member
from tests.pdfs import fetch_pdf

pytestmark = pytest.mark.django_db

ROLE = "plp_app"


@pytest.fixture
def app_role(db):
    """The application's role, with the privileges migrate gives it (created in this test's
    transaction if the cluster has none yet: scripts/ensure-services.sh makes it for `make test`)."""
    with connection.cursor() as cursor:
        cursor.execute(f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ROLE}') THEN
                CREATE ROLE {ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
            END IF; END $$""")
    append_only = app_role_grant(connection=connection, role=ROLE)
    assert "audit_auditevent" in append_only
    audit_log("test.kept", data={"n": 1})
    return ROLE


def as_app_role(sql, params=None):
    """Run ``sql`` as the application's role; returns the database error it raised, if any."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {ROLE}")
            for statement in sql if isinstance(sql, list) else [sql]:
                cursor.execute(statement, params)
    except DatabaseError as error:
        return error
    return None


def audit_rows():
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_auditevent")
        return cursor.fetchone()[0]


def test_the_app_role_cannot_truncate_the_audit_log(app_role):
    assert "permission denied" in str(as_app_role("TRUNCATE audit_auditevent"))
    assert audit_rows() >= 1


def test_the_app_role_cannot_disable_the_trigger_or_update(app_role):
    assert "must be owner" in str(as_app_role("ALTER TABLE audit_auditevent DISABLE TRIGGER ALL"))
    assert "permission denied" in str(as_app_role("UPDATE audit_auditevent SET action = 'x'"))


def test_the_app_role_cannot_drop_the_trigger_or_delete(app_role):
    assert "must be owner" in str(as_app_role(
        "DROP TRIGGER audit_auditevent_append_only_trigger ON audit_auditevent"))
    assert "permission denied" in str(as_app_role("DELETE FROM audit_auditevent"))


def test_the_app_role_cannot_switch_off_triggers_with_replication_role(app_role):
    assert "permission denied" in str(as_app_role("SET session_replication_role = replica"))
    assert "permission denied" in str(as_app_role("DELETE FROM audit_auditevent"))
    assert audit_rows() >= 1


def test_the_app_role_cannot_create_tables_but_reads_and_adds_to_the_log(app_role):
    # That it owns nothing and is no superuser: tests/test_row_security.py (the same role).
    assert as_app_role("CREATE TABLE sneaky (id int)") is not None
    # What it needs: read the log and add to it.
    assert as_app_role(["SELECT count(*) FROM audit_auditevent",
                        "INSERT INTO audit_auditevent (created_at, action, object_type, object_id, "
                        "object_repr, user_agent, path, data) VALUES (now(), 'x', '', '', '', '', '', '{}')"]) is None


def test_the_site_works_as_the_app_role(app_role, org, client):
    from learners.tests.factories import plan_for

    plan = plan_for(org=org)
    learner = plan.profile.user
    admin = member(org, Role.ORG_ADMIN)
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {app_role}")  # until the test's transaction is rolled back
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == app_role
    response = client.post(reverse("account_login"), {"login": learner.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("me:plan", kwargs={"learner_plan_id": plan.pk})).status_code == 200
    # The progress file is rendered and stored (PdfRender) and served under the app's role too.
    assert fetch_pdf(client, reverse("me:plan_pdf", kwargs={"learner_plan_id": plan.pk})).status_code == 200
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(reverse("audit:learner_record_reads",
                                  kwargs={"org_slug": org.slug, "profile_id": plan.profile_id}))
    assert response.status_code == 200
    assert {row["actor"] for row in response.context["readers"]} == {learner}
    assert AuditEvent.objects.filter(action="account.signed_in", actor=learner).exists()


def test_migrate_grants_the_configured_role(app_role, settings):
    from django.apps import apps

    settings.PLP_APP_DB_ROLE = app_role
    with connection.cursor() as cursor:
        cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {app_role}")
    assert as_app_role("SELECT count(*) FROM audit_auditevent") is not None
    post_migrate_grant(sender=apps.get_app_config("audit"), using="default")
    assert as_app_role("SELECT count(*) FROM audit_auditevent") is None
    assert as_app_role("DELETE FROM audit_auditevent") is not None


def test_a_superuser_is_refused_as_the_app_role(db):
    from django.core.exceptions import ImproperlyConfigured

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    with pytest.raises(ImproperlyConfigured):
        app_role_grant(connection=connection, role=owner)
