"""A statement the site runs again is planned once (issue 19): parameters are bound by the
server and a statement a connection has run twice is kept prepared (settings: server-side
binding, DB_PREPARE_THRESHOLD), so PostgreSQL plans the staff plan page's queries once per
connection rather than on every page."""

import pytest
from django.db import connection
from django.urls import reverse

from plp_portal.organisations.choices import Role
from tests.factories import member

pytestmark = pytest.mark.django_db


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE NOT from_sql")
        return [row[0] for row in cursor.fetchall()]


def test_a_page_shown_again_runs_its_queries_as_prepared_statements(org, client):
    from learners import services
    from learners.tests.factories import LearnerProfileFactory, plan_for

    key_worker = member(org, Role.KEY_WORKER)
    profile = LearnerProfileFactory(organisation=org)
    services.learner_set_key_worker(org=org, learner=profile, user=key_worker)
    plan = plan_for(profile, by=key_worker)
    client.force_login(key_worker, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("learners:plan", kwargs={"org_slug": org.slug, "learner_plan_id": plan.pk})
    first = client.get(url)
    assert first.status_code == 200
    assert not any('FROM "learners_plan"' in s for s in _prepared())
    for _ in range(3):
        again = client.get(url)
        assert again.status_code == 200 and again.content.count(b"<h2") == first.content.count(b"<h2")
    prepared = _prepared()
    assert any('FROM "learners_plan"' in s and "$1" in s for s in prepared), prepared
    assert any('FROM "learners_target"' in s for s in prepared), prepared
