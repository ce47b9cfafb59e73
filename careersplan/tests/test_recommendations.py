"""The authority's recommendations on a school's plan (seed 002, issue 15): recorded by the
officer, answered by the lead, carried into next year's plan, reminded to both sides, listed
across the authority's schools — and nobody else's."""

import datetime

import pytest

from careersplan import reminders, services
from careersplan.choices import RecommendationStatus
from careersplan.models import CareersPlan, Recommendation
from plp_portal.notifications.models import Reminder
from plp_portal.organisations.choices import OrganisationKind, Role
from tests.factories import OrganisationFactory, member

from .factories import lead, make_plan, url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("november_2026")]


@pytest.fixture
def authority(org):
    la = OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY, slug="shire", name="Shire County Council")
    org.parent = la
    org.save()
    return la


def test_officer_recommends_lead_answers_officer_sees_it_across_schools(authority, org, other_org, client,
                                                                          sign_in):
    plan = make_plan(org, year=2026)
    person = lead(org)
    officer = member(authority, Role.LA_OFFICER)
    sign_in(officer)
    page = client.get(url("authority_plan", authority, plan_id=plan.pk)).content.decode()
    assert "No recommendations on this plan" in page
    new = url("authority_recommendation_new", authority, plan_id=plan.pk)
    refused = client.post(new, {"kind": "priority", "text": "Invite employers", "due_on": "2026-10-01"})
    assert refused.status_code == 200 and "Due by" in refused.content.decode()
    assert not Recommendation.objects.for_org(org).exists()
    response = client.post(new, {"kind": "priority", "text": "Invite <b>employers</b> into Year 10",
                                 "due_on": "2026-11-10"})
    assert response.status_code == 302
    listing = client.get(url("authority_recommendations", authority)).content.decode()
    assert org.name in listing and "Invite &lt;b&gt;employers&lt;/b&gt;" in listing
    # Another authority's plan is not this officer's to recommend on.
    foreign = make_plan(other_org, year=2026)
    assert client.get(url("authority_recommendation_new", authority, plan_id=foreign.pk)).status_code == 404

    sign_in(person)
    detail = client.get(url("plan", org, plan_id=plan.pk)).content.decode()
    assert "Invite &lt;b&gt;employers&lt;/b&gt; into Year 10" in detail and "Waiting for the school" in detail
    recommendation = Recommendation.objects.for_org(org).get()
    answer_url = url("recommendation_answer", org, plan_id=plan.pk, recommendation_id=recommendation.pk)
    assert client.post(answer_url, {"response": ""}).status_code == 200
    assert client.post(answer_url, {"response": "Careers fair booked for 4 December"}).status_code == 302
    recommendation.refresh_from_db()
    assert recommendation.status == RecommendationStatus.ANSWERED and recommendation.responded_by == person

    sign_in(officer)
    assert "Careers fair booked" in client.get(url("authority_recommendations", authority)
                                               + "?status=answered").content.decode()
    assert org.name not in client.get(url("authority_recommendations", authority)).content.decode()  # none open
    assert client.get(url("authority_recommendation_close", authority,
                          recommendation_id=recommendation.pk)).status_code == 405
    client.post(url("authority_recommendation_close", authority, recommendation_id=recommendation.pk))
    recommendation.refresh_from_db()
    assert recommendation.status == RecommendationStatus.CLOSED


def test_other_schools_and_authorities_cannot_reach_a_recommendation(authority, org, other_org, client, sign_in):
    plan = make_plan(org, year=2026)
    officer = member(authority, Role.LA_OFFICER)
    recommendation = services.recommendation_add(authority=authority, plan=plan, kind="recommendation",
                                                 text="Review the careers policy", due_on=datetime.date(2026, 12, 1),
                                                 by=officer)
    other_lead = lead(other_org)
    sign_in(other_lead)
    other_plan = make_plan(other_org, year=2026)
    assert client.get(url("recommendation_answer", other_org, plan_id=other_plan.pk,
                          recommendation_id=recommendation.pk)).status_code == 404
    other_authority = OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY, slug="wold")
    sign_in(member(other_authority, Role.LA_OFFICER))
    assert client.post(url("authority_recommendation_close", other_authority,
                           recommendation_id=recommendation.pk)).status_code == 404
    with pytest.raises(services.PlanError):
        services.recommendation_add(authority=other_authority, plan=plan, kind="recommendation", text="x",
                                    due_on=datetime.date(2026, 12, 1), by=officer)


def test_the_status_tabs_list_each_status_and_open_is_the_default(authority, org, client, sign_in):
    plan = make_plan(org, year=2026)
    officer = member(authority, Role.LA_OFFICER)

    def add(text):
        return services.recommendation_add(authority=authority, plan=plan, kind="priority", text=text,
                                           due_on=datetime.date(2026, 12, 1), by=officer)

    add("Still waiting")
    services.recommendation_answer(org=org, recommendation=add("Got an answer"), response="Yes", by=lead(org))
    services.recommendation_close(authority=authority, recommendation=add("Over and done"), by=officer)
    sign_in(officer)

    def listed(query=""):
        page = client.get(url("authority_recommendations", authority) + query).content.decode()
        return [text for text in ("Still waiting", "Got an answer", "Over and done") if text in page]

    assert listed() == listed("?status=open") == listed("?status=made-up") == ["Still waiting"]
    assert listed("?status=answered") == ["Got an answer"]
    assert listed("?status=closed") == ["Over and done"]
    assert listed("?status=all") == ["Still waiting", "Got an answer", "Over and done"]
    page = client.get(url("authority_recommendations", authority) + "?status=closed").content.decode()
    assert "<strong>Closed</strong>" in page and 'href="?status=open">Waiting for the school</a>' in page


def test_open_and_answered_recommendations_are_carried_into_next_years_plan(authority, org):
    plan = make_plan(org, year=2025)
    officer = member(authority, Role.LA_OFFICER)
    person = lead(org)

    def add(text):
        return services.recommendation_add(authority=authority, plan=plan, kind="priority", text=text,
                                           due_on=datetime.date(2026, 12, 1), by=officer)

    add("Still open")
    answered = add("Answered")
    services.recommendation_answer(org=org, recommendation=answered, response="Done in part", by=person)
    closed = add("Closed")
    services.recommendation_close(authority=authority, recommendation=closed, by=officer)
    next_year = make_plan(org, year=2026, by=person)
    carried = list(Recommendation.objects.for_org(org).filter(plan=next_year).order_by("text"))
    assert [(r.text, r.status, r.response) for r in carried] == [("Answered", "open", ""), ("Still open", "open", "")]
    assert all(r.carried_from.plan_id == plan.pk for r in carried)
    assert CareersPlan.objects.for_org(org).count() == 2


def test_reminders_go_to_the_lead_before_and_the_officer_after_the_due_date(authority, org):
    plan = make_plan(org, year=2026)
    officer = member(authority, Role.LA_OFFICER)
    person = lead(org)
    soon = services.recommendation_add(authority=authority, plan=plan, kind="priority", text="Soon",
                                       due_on=datetime.date(2026, 11, 10), by=officer)
    services.recommendation_add(authority=authority, plan=plan, kind="priority", text="Later",
                                due_on=datetime.date(2027, 3, 1), by=officer)
    reminders.collect(today=datetime.date(2026, 11, 2))
    mine = Reminder.objects.for_org(org).filter(kind="careersplan.recommendation_due")
    assert [(r.recipient_id, r.subject_key) for r in mine] == [(person.pk, f"careersplan:recommendation:{soon.pk}")]
    assert not Reminder.objects.for_org(authority).filter(kind="careersplan.recommendation_overdue").exists()
    reminders.collect(today=datetime.date(2026, 11, 12))
    reminders.collect(today=datetime.date(2026, 11, 13))  # idempotent
    overdue = Reminder.objects.for_org(authority).filter(kind="careersplan.recommendation_overdue")
    assert [(r.recipient_id, r.due_on) for r in overdue] == [(officer.pk, datetime.date(2026, 11, 10))]
    assert Reminder.objects.for_org(org).filter(kind="careersplan.recommendation_due").count() == 1
    services.recommendation_answer(org=org, recommendation=soon, response="Done", by=person)
    assert reminders._recommendation_reminders(datetime.date(2026, 11, 14)) == []


def test_authority_pages_queries_do_not_grow_with_five_times_the_recommendations(authority, org, client, sign_in):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    officer = member(authority, Role.LA_OFFICER)
    sign_in(officer)

    def add(school, n):
        plan = make_plan(school, year=2026)
        for i in range(n):
            services.recommendation_add(authority=authority, plan=plan, kind="priority", text=f"Do {i}",
                                        due_on=datetime.date(2026, 12, i % 28 + 1), by=officer)
        return plan

    def count(path):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        return len(ctx.captured_queries)

    plan = add(org, 2)
    pages = [url("authority_recommendations", authority), url("authority_recommendations", authority) + "?status=all",
             url("authority_plan", authority, plan_id=plan.pk)]
    client.get(pages[0])  # the session's first-request writes
    small = [count(p) for p in pages]
    for school in [OrganisationFactory(parent=authority) for _ in range(4)]:
        add(school, 2)
    services.recommendation_add(authority=authority, plan=plan, kind="priority", text="More",
                                due_on=datetime.date(2026, 12, 20), by=officer)
    assert [count(p) for p in pages] == small
    assert max(small) <= 25
