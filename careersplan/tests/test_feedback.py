"""Feedback surveys for the annual review (seed 002, issue 15): opened by the lead per audience,
answered from the public link without signing in, refused after closing, no HTML, rate-limited,
summarised beside the Annual Review rows and counted on the checklist's feedback item."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from careersplan import feedback
from careersplan.models import FeedbackResponse, FeedbackSurvey, TemplateSection
from plp_portal.organisations.choices import Role
from tests.factories import member

from .factories import lead, make_plan, url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("november_2026")]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def answer_url(survey):
    return reverse("careersplan_feedback:answer", kwargs={"token": survey.token})


def test_lead_opens_a_survey_a_student_answers_and_the_review_shows_it(org, client, sign_in):
    person = lead(org)
    plan = make_plan(org, year=2026, by=person)
    sign_in(person)
    assert client.post(url("surveys", org, plan_id=plan.pk),
                       {"audience": "students", "closes_on": "2026-10-01"}).status_code == 200  # past date
    response = client.post(url("surveys", org, plan_id=plan.pk), {"audience": "students", "closes_on": "2026-12-01"})
    assert response.status_code == 302
    survey = FeedbackSurvey.objects.for_org(org).get()
    detail = client.get(response["Location"]).content.decode()
    assert answer_url(survey) in detail and "<svg" in detail and "plp-qr" in detail
    # Only one survey per audience: students is no longer offered.
    assert 'value="students"' not in client.get(url("surveys", org, plan_id=plan.pk)).content.decode()

    student = Client()
    page = student.get(answer_url(survey))
    assert page.status_code == 200 and "Your name" not in page.content.decode()  # anonymous survey
    refused = student.post(answer_url(survey), {"rating": "5", "worked_well": "<script>alert(1)</script>"})
    assert refused.status_code == 200 and "cannot contain HTML" in refused.content.decode()
    assert not FeedbackResponse.objects.for_org(org).exists()
    sent = student.post(answer_url(survey), {"rating": "4", "worked_well": "The careers fair 3 < 4 stars",
                                             "improve": "More apprenticeships", "respondent_name": "Sneaky"})
    assert sent.status_code == 302
    assert "Thank you" in student.get(sent["Location"]).content.decode()
    saved = FeedbackResponse.objects.for_org(org).get()
    assert saved.rating == 4 and saved.respondent_name == "" and saved.worked_well == "The careers fair 3 < 4 stars"

    review = TemplateSection.objects.get(template=plan.template, title="Annual Review")
    section = client.get(url("section", org, plan_id=plan.pk, section_id=review.pk)).content.decode()
    assert "1 answer, average rating 4.0 of 5" in section and "More apprenticeships" in section
    checklist = client.get(url("checklist", org, plan_id=plan.pk)).content.decode()
    assert "1 answer to the students' feedback survey so far" in checklist


def test_the_survey_refuses_answers_after_it_closes(org):
    person = lead(org)
    plan = make_plan(org, year=2026, by=person)
    survey = feedback.survey_open(org=org, plan=plan, audience="parents", named_allowed=True,
                                  closes_on=datetime.date(2026, 11, 5), by=person)
    client = Client()
    assert client.post(answer_url(survey), {"rating": "3", "respondent_name": "Pat Parent"}).status_code == 302
    assert FeedbackResponse.objects.for_org(org).get().respondent_name == "Pat Parent"
    with time_machine.travel(datetime.datetime(2026, 11, 6, 9, 0), tick=False):
        page = client.get(answer_url(survey))
        assert "closed on 5 November 2026" in page.content.decode()
        assert client.post(answer_url(survey), {"rating": "3"}).status_code == 410
        with pytest.raises(feedback.SurveyError):
            feedback.response_add(survey=survey, address="192.0.2.1", rating=3, worked_well="", improve="")
    assert FeedbackResponse.objects.for_org(org).count() == 1


def test_answers_are_rate_limited_per_address(org):
    person = lead(org)
    plan = make_plan(org, year=2026, by=person)
    survey = feedback.survey_open(org=org, plan=plan, audience="employers", named_allowed=False,
                                  closes_on=datetime.date(2026, 12, 1), by=person)
    client = Client()
    for _ in range(feedback.RESPONSES_PER_ADDRESS):
        assert client.post(answer_url(survey), {"rating": "5"}).status_code == 302
    limited = client.post(answer_url(survey), {"rating": "5"})
    assert limited.status_code == 429 and "Too many answers" in limited.content.decode()
    assert FeedbackResponse.objects.for_org(org).count() == feedback.RESPONSES_PER_ADDRESS
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert other.post(answer_url(survey), {"rating": "5"}).status_code == 302


def test_unknown_tokens_and_other_schools_surveys(org, other_org, client, sign_in):
    assert Client().get(reverse("careersplan_feedback:answer", kwargs={"token": "nope"})).status_code == 404
    person = lead(org)
    plan = make_plan(org, year=2026, by=person)
    survey = feedback.survey_open(org=org, plan=plan, audience="students", named_allowed=False,
                                  closes_on=datetime.date(2026, 12, 1), by=person)
    other_plan = make_plan(other_org, year=2026)
    sign_in(lead(other_org))
    assert client.get(url("survey", other_org, plan_id=other_plan.pk, survey_id=survey.pk)).status_code == 404
    sign_in(member(org, Role.ORG_ADMIN))
    assert client.get(url("survey", org, plan_id=plan.pk, survey_id=survey.pk)).status_code == 200
    assert client.post(url("surveys", org, plan_id=plan.pk),
                       {"audience": "parents", "closes_on": "2026-12-01"}).status_code == 403
