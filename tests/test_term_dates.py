"""Term dates (issue 11, item 5): a name used twice in a year, overlapping terms and dates out of
order are refused with messages that say what to do (never a 500 or a constraint name); a term
can be corrected, and deleted after a confirmation — not while reviews depend on it."""

import datetime
import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from keyworkers import services as keyworker_services
from keyworkers.models import Review
from keyworkers.tests.factories import learner_with_plan, school_year
from plp_portal.audit.models import AuditEvent
from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Term
from tests.factories import member

pytestmark = pytest.mark.django_db
d = datetime.date
AUTUMN = {"academic_year": 2026, "name": "Autumn", "starts_on": "2026-09-03", "half_term_starts_on": "2026-10-26",
          "half_term_ends_on": "2026-10-30", "ends_on": "2026-12-18"}
SPRING = {"academic_year": 2026, "name": "Spring", "starts_on": "2027-01-05", "half_term_starts_on": "2027-02-15",
          "half_term_ends_on": "2027-02-19", "ends_on": "2027-03-26"}


def org_url(name, org, **kwargs):
    return reverse(f"organisations:{name}", kwargs={"org_slug": org.slug, **kwargs})


@pytest.fixture
def admin(org, sign_in):
    return sign_in(member(org, Role.ORG_ADMIN))


def _refused(response, *messages):
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page, page[:300]
    for message in messages:
        assert message in page, message
    assert "term_dates_in_order" not in page and "term_unique_name_per_year" not in page
    return page


def test_a_second_term_with_the_same_name_in_a_year_is_refused_with_a_message(org, other_org, admin):
    assert admin.post(org_url("terms", org), AUTUMN).status_code == 302
    response = admin.post(org_url("terms", org), {**SPRING, "name": "autumn "})
    _refused(response, "There is already a term called autumn in 2026/27: enter another name")
    assert Term.objects.for_org(org).count() == 1
    # The same name in another year, and in another organisation, is fine.
    next_year = {**AUTUMN, "academic_year": 2027, "starts_on": "2027-09-02", "half_term_starts_on": "2027-10-25",
                 "half_term_ends_on": "2027-10-29", "ends_on": "2027-12-17"}
    assert admin.post(org_url("terms", org), next_year).status_code == 302
    Term.objects.create(organisation=other_org, **{**AUTUMN, "name": "Autumn"})
    assert Term.objects.for_org(org).count() == 2


def test_an_overlapping_term_is_refused_naming_the_other_term(org, other_org, admin):
    admin.post(org_url("terms", org), AUTUMN)
    overlapping = {**SPRING, "starts_on": "2026-12-01"}
    _refused(admin.post(org_url("terms", org), overlapping),
             "These dates overlap Autumn 2026/27 (3/9/2026 to 18/12/2026)")
    assert not Term.objects.for_org(org).filter(name="Spring").exists()


@pytest.mark.parametrize("changes, message", [
    ({"ends_on": "2026-09-01"}, "Enter a date the term ends after the day it starts (3/9/2026)"),
    ({"half_term_starts_on": "2027-01-10"}, "Enter a date the half-term break starts between the day the term starts"),
    ({"half_term_ends_on": "2026-10-20"}, "Enter a date the half-term break ends on or after the day it starts"),
    ({"half_term_ends_on": "2026-12-20"}, "Enter a date the half-term break ends before the term ends"),
    ({"starts_on": "0001-01-01"}, "Term starts must be on or after 1/1/2000"),
    ({"ends_on": "9999-12-31"}, "Term ends must be on or before"),
    ({"ends_on": "2024-02-30"}, "Enter term ends as a real date"),
    ({"academic_year": 2025}, "Enter term dates in the 2025/26 academic year, from 1/8/2025 to 31/7/2026"),
    ({"academic_year": 0}, "Academic year (the year it starts) must be 2000 or more"),
])
def test_impossible_term_dates_are_explained_and_nothing_is_saved(org, other_org, admin, changes, message):
    _refused(admin.post(org_url("terms", org), {**AUTUMN, **changes}), message)
    assert not Term.objects.for_org(org).exists()


def test_the_database_refuses_an_impossible_academic_year(org, other_org):
    with pytest.raises(IntegrityError), transaction.atomic():
        Term.objects.create(organisation=org, **{**AUTUMN, "academic_year": 0})


def test_admin_corrects_a_term_and_the_reviews_scheduled_from_it_follow(org, other_org, admin):
    autumn, spring, _summer = school_year(org)
    plan = learner_with_plan(org)
    review = keyworker_services.review_schedule_next(org=org, plan=plan)
    assert review.due_on == d(2026, 10, 26)
    edit = org_url("term_edit", org, term_id=autumn.pk)
    page = admin.get(edit).content.decode()
    assert 'value="2026-10-26"' in page and "Change Autumn 2026/27" in page
    response = admin.post(edit, {**AUTUMN, "half_term_starts_on": "2026-10-23"})
    assert response.status_code == 302
    autumn.refresh_from_db()
    assert autumn.half_term_starts_on == d(2026, 10, 23)
    review.refresh_from_db()
    assert review.due_on == d(2026, 10, 23)
    assert AuditEvent.objects.filter(action="term.updated", object_id=str(autumn.pk)).exists()
    # A correction that clashes is refused like a new term, and changes nothing.
    _refused(admin.post(edit, {**AUTUMN, "name": "Spring"}), "There is already a term called Spring in 2026/27")
    _refused(admin.post(edit, {**AUTUMN, "ends_on": "2027-01-06"}), "These dates overlap Spring 2026/27")
    autumn.refresh_from_db()
    assert (autumn.name, autumn.ends_on) == ("Autumn", d(2026, 12, 18))


def test_deleting_a_term_asks_first_and_deletes_only_on_post(org, other_org, admin):
    autumn, _spring, _summer = school_year(org)
    plan = learner_with_plan(org)
    review = keyworker_services.review_schedule_next(org=org, plan=plan)  # scheduled from Autumn's dates
    delete = org_url("term_delete", org, term_id=autumn.pk)
    page = admin.get(delete).content.decode()
    assert "Delete Autumn 2026/27?" in page and "Delete Autumn 2026/27</button>" in page
    assert Term.objects.for_org(org).filter(pk=autumn.pk).exists()
    assert admin.post(delete).status_code == 302
    assert not Term.objects.for_org(org).filter(pk=autumn.pk).exists()
    review.refresh_from_db()
    assert review.due_on == d(2027, 2, 15)  # now scheduled from the terms that remain


def test_a_term_reviews_depend_on_cannot_be_deleted(org, other_org, admin):
    autumn, _spring, _summer = school_year(org)
    plan = learner_with_plan(org)
    kw = plan.profile.key_worker
    keyworker_services.review_schedule_next(org=org, plan=plan)
    review = keyworker_services.review_start(org=org, plan=plan, by=kw)  # held: due 26 October
    assert review.due_on == d(2026, 10, 26)
    delete = org_url("term_delete", org, term_id=autumn.pk)
    page = admin.get(delete).content.decode()
    assert "Autumn 2026/27 cannot be deleted" in page and "1 progress review is due in it" in page
    assert "Delete Autumn 2026/27</button>" not in page
    response = admin.post(delete)
    assert response.status_code == 200 and "Autumn 2026/27 cannot be deleted" in response.content.decode()
    assert Term.objects.for_org(org).filter(pk=autumn.pk).exists()
    assert Review.objects.for_org(org).get(pk=review.pk).due_on == d(2026, 10, 26)


def test_only_the_admin_changes_term_dates(org, other_org, sign_in):
    autumn, _spring, _summer = school_year(org)
    client = sign_in(member(org, Role.CAREERS_LEAD))
    assert client.get(org_url("term_edit", org, term_id=autumn.pk)).status_code == 403
    assert client.post(org_url("term_delete", org, term_id=autumn.pk)).status_code == 403
    assert Term.objects.for_org(org).filter(pk=autumn.pk).exists()


@pytest.mark.browser
def test_term_pages_pass_axe_and_explain_in_words(page, live_server, transactional_db, org, other_org):
    from tests.browser import assert_accessible, staff_sign_in, wait_for_text

    autumn, spring, _summer = school_year(org)
    plan = learner_with_plan(org)
    keyworker_services.review_start(org=org, plan=plan, by=plan.profile.key_worker)  # Autumn is in use
    staff_sign_in(page, member(org, Role.ORG_ADMIN), "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLV")

    page.goto(org_url("terms", org))
    assert_accessible(page)
    page.get_by_role("link", name="Change Spring 2026/27").click()
    page.wait_for_url(re.compile(r"/terms/\d+/edit/$"))
    page.get_by_label("Term ends").fill("2027-01-01")
    page.get_by_role("button", name="Save the term").click()
    page.wait_for_load_state()
    assert_accessible(page, shows="Enter a date the term ends after the day it starts (5/1/2027)")
    page.goto(org_url("term_delete", org, term_id=autumn.pk))
    assert_accessible(page, shows="Autumn 2026/27 cannot be deleted")
    page.goto(org_url("term_delete", org, term_id=spring.pk))
    assert_accessible(page, shows="Delete Spring 2026/27?")
    page.get_by_role("button", name="Delete Spring 2026/27").click()
    page.wait_for_url(re.compile(r"/terms/$"))
    wait_for_text(page, "Spring 2026/27 deleted.")
    assert not Term.objects.for_org(org).filter(pk=spring.pk).exists()


def test_the_term_services_return_the_saved_term(org, other_org):
    from plp_portal.organisations import services

    fields = {**AUTUMN, **{k: datetime.date.fromisoformat(v) for k, v in AUTUMN.items() if k.endswith("_on")}}
    term = services.term_create(org=org, **fields)
    assert term.pk and Term.objects.for_org(org).get(pk=term.pk).name == "Autumn"
    renamed = services.term_update(org=org, term=term, by=None, name="Autumn term")
    assert renamed.pk == term.pk and renamed.name == "Autumn term"
