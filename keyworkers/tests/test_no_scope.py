"""Issue 12, "no scope never means everything": a missing organisation or key worker raises in
the key-worker selectors; reading every organisation is an explicit, stated system job."""

import datetime

import pytest

from keyworkers import selectors, services
from keyworkers.tests.factories import learner_with_plan
from plp_portal.tenancy import UnscopedQueryError

pytestmark = pytest.mark.django_db


def test_plans_without_open_review_needs_an_organisation(org, other_org):
    mine, theirs = learner_with_plan(org), learner_with_plan(other_org)
    with pytest.raises(UnscopedQueryError):
        selectors.plans_without_open_review(org=None)
    assert {p.pk for p in selectors.plans_without_open_review(org=org)} == {mine.pk}
    everywhere = selectors.plans_without_open_review_everywhere(reason="test: the daily job")
    assert {mine.pk, theirs.pk} <= {p.pk for p in everywhere}
    # Scheduling for one school leaves the other school's plans alone.
    assert services.reviews_schedule_missing(org=org) == 1
    assert {p.pk for p in selectors.plans_without_open_review(org=other_org)} == {theirs.pk}
    with pytest.raises(TypeError):
        services.reviews_schedule_missing()  # the organisation is required


def test_caseload_needs_a_key_worker_or_says_every_key_worker(org):
    a, b = learner_with_plan(org), learner_with_plan(org)
    today = datetime.date(2026, 11, 23)
    with pytest.raises(UnscopedQueryError):
        selectors.caseload(org=org, key_worker=None, today=today)
    with pytest.raises(UnscopedQueryError):
        selectors.caseload(org=None, key_worker=selectors.EVERY_KEY_WORKER, today=today)
    assert [p.pk for p in selectors.caseload(org=org, key_worker=a.profile.key_worker, today=today)] == [a.pk]
    assert {p.pk for p in selectors.caseload(org=org, key_worker=selectors.EVERY_KEY_WORKER, today=today)} == {
        a.pk, b.pk}
