import pytest
from django.contrib.admin.sites import site
from django.db import IntegrityError, connection, transaction
from django.test import RequestFactory
from django.urls import reverse

from plp_portal.audit.models import AuditEvent
from plp_portal.audit.services import audit_log
from plp_portal.organisations.choices import Role
from tests.append_only import assert_append_only
from tests.factories import member

pytestmark = pytest.mark.django_db


def test_audit_log_records_who_what_where_when(org):
    user = member(org, Role.ORG_ADMIN)
    request = RequestFactory().get("/o/northgate/members/", REMOTE_ADDR="192.0.2.7",
                                   HTTP_USER_AGENT="Test browser")
    request.user = user
    request.org = org
    event = audit_log("membership.viewed", request=request, obj=user, data={"n": 1})
    event.refresh_from_db()
    assert (event.actor, event.organisation, event.action) == (user, org, "membership.viewed")
    assert event.object_type == "accounts.user" and event.object_id == str(user.pk)
    assert event.ip_address == "192.0.2.7" and event.user_agent == "Test browser"
    assert event.created_at is not None


def test_audit_events_cannot_be_changed_or_deleted_through_the_orm(org):
    event = audit_log("something.happened", org=org)
    event.action = "something.else"
    assert_append_only(event, AuditEvent.objects.filter(pk=event.pk), action="rewritten")


def test_the_database_refuses_to_update_or_delete_audit_rows(org):
    event = audit_log("something.happened", org=org)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", [event.pk])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "something.happened"


def test_the_admin_cannot_add_change_or_delete_audit_events(admin_user):
    model_admin = site._registry[AuditEvent]
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_a_permission_refusal_is_audited(org, sign_in):
    learner = member(org, Role.LEARNER)
    client = sign_in(learner)
    response = client.get(reverse("organisations:members", kwargs={"org_slug": org.slug}))
    assert response.status_code == 403
    event = AuditEvent.objects.get(action="permission.refused")
    assert event.actor == learner and event.organisation == org
    assert event.path == f"/o/{org.slug}/members/"


def test_asking_for_another_organisation_is_audited(org, other_org, sign_in):
    client = sign_in(member(org, Role.KEY_WORKER))
    response = client.get(reverse("organisations:home", kwargs={"org_slug": other_org.slug}))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="organisation.access_refused").count() == 1
