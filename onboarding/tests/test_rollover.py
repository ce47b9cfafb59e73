"""Year rollover: preview changes nothing, confirm once, leavers end only when confirmed,
tutor groups and key workers move up together."""

import datetime

import pytest
from django.urls import reverse

from learners.models import LearnerProfile, Plan
from onboarding import samples, services
from onboarding.choices import ImportKind
from onboarding.models import TutorGroup, YearRollover
from plp_portal.organisations.choices import Role
from tests.factories import member

pytestmark = pytest.mark.django_db

NEW_YEAR = datetime.date(2027, 9, 2)


@pytest.fixture
def school(org):
    admin = member(org, Role.ORG_ADMIN)
    for kind, data in ((ImportKind.PUPILS, samples.to_csv(samples.PUPIL_HEADER, samples.pupil_rows(6, years=(10, 11),
                                                                                                      forms=1))),
                       (ImportKind.STAFF, samples.to_csv(samples.STAFF_HEADER, samples.staff_rows(["10A", "11A"])))):
        run = services.import_run_create(org=org, kind=kind, preset="sims", file_name="f.csv", by=admin, data=data)
        run = services.import_run_preview(org=org, run=run)
        services.import_run_apply(org=org, run=services.import_run_confirm(org=org, run=run, by=admin, end_missing=False))
    services.tutor_groups_assign(org=org, by=admin)
    return admin


def test_preview_proposes_year_11_leavers_and_changes_nothing(org, school):
    plan = services.rollover_plan(org=org, starts_on=NEW_YEAR, leaving_years=["11", "13"])
    assert plan.advancing == [("10", "11", 3)]
    assert sorted(p.tutor_group for p in plan.leavers) == ["11A"] * 3
    assert LearnerProfile.objects.for_org(org).filter(year_group="10").count() == 3
    assert not YearRollover.objects.for_org(org).exists()


def test_rollover_moves_pupils_groups_and_key_workers_up_once(org, school):
    tutor_10a = TutorGroup.objects.for_org(org).get(code="10A").tutor
    year_10 = list(LearnerProfile.objects.for_org(org).filter(year_group="10").values_list("pk", flat=True))
    record = services.rollover_apply(org=org, starts_on=NEW_YEAR, leaving_years=["11"], end_leavers=False, by=school)
    assert record.counts == {"advanced": 3, "leavers": 3, "ended": 0, "plans_closed": 3}
    moved = LearnerProfile.objects.for_org(org).filter(pk__in=year_10)
    assert set(moved.values_list("year_group", "tutor_group")) == {("11", "11A")} and set(moved.values_list("key_worker", flat=True)) == {tutor_10a.pk}
    assert TutorGroup.objects.for_org(org).get(code="11A").tutor == tutor_10a
    assert not TutorGroup.objects.for_org(org).filter(code="10A").exists()
    assert services.tutor_groups_plan(org=org)[0].to_change == 0
    new_plans = Plan.objects.for_org(org).filter(status="active", programme_name="Personal learning plan 2027/28")
    assert new_plans.count() == 3
    # Leavers were not confirmed: they stay enrolled, marked as their form's leavers.
    assert LearnerProfile.objects.for_org(org).filter(is_active=True).count() == 6
    assert LearnerProfile.objects.for_org(org).filter(tutor_group="11A leavers", year_group="11").count() == 3
    with pytest.raises(services.ImportError_):
        services.rollover_apply(org=org, starts_on=NEW_YEAR, leaving_years=["11"], end_leavers=True, by=school)
    assert LearnerProfile.objects.for_org(org).filter(is_active=True).count() == 6


def test_confirmed_leavers_end_their_enrolment(org, school):
    services.rollover_apply(org=org, starts_on=NEW_YEAR, leaving_years=["11"], end_leavers=True, by=school)
    assert LearnerProfile.objects.for_org(org).filter(is_active=False).count() == 3
    assert LearnerProfile.objects.for_org(org).filter(is_active=True, year_group="11").count() == 3


def test_rollover_page_previews_on_get_and_confirms_on_post(client, sign_in, org, school,
                                                            django_assert_max_num_queries):
    sign_in(school)
    url = reverse("onboarding:rollover", kwargs={"org_slug": org.slug})
    with django_assert_max_num_queries(16):
        page = client.get(url, {"starts_on": NEW_YEAR.isoformat(), "leaving_years": ["11"]}).content.decode()
    assert "Proposed leavers (3)" in page and "Year 10" in page
    assert not YearRollover.objects.for_org(org).exists()
    refused = client.get(url, {"starts_on": "1900-01-01"}).content.decode()
    assert "There is a problem" in refused
    client.post(url, {"starts_on": NEW_YEAR.isoformat(), "leaving_years": ["11"], "end_leavers": "on"})
    assert YearRollover.objects.for_org(org).get().ended_leavers
    assert LearnerProfile.objects.for_org(org).filter(is_active=False).count() == 3
