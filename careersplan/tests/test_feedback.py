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


@pytest.fixture
def lead_and_plan(org):
    """The school's careers lead and the annual careers plan they made for 2026/27."""
    person = lead(org)
    return person, make_plan(org, year=2026, by=person)


def open_survey(org, plan, audience, *, by, named_allowed=False, closes_on=datetime.date(2026, 12, 1)):
    """The lead opens a feedback survey of ``audience`` on ``plan``."""
    return feedback.survey_open(org=org, plan=plan, audience=audience, named_allowed=named_allowed,
                                closes_on=closes_on, by=by)


def answer_url(survey):
    return reverse("careersplan_feedback:answer", kwargs={"token": survey.token})


def test_lead_opens_a_survey_a_student_answers_and_the_review_shows_it(org, client, sign_in, lead_and_plan):
    person, plan = lead_and_plan
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
    assert "Ticked by the students' feedback survey" in checklist and "1 answer so far" in checklist


def test_the_survey_refuses_answers_after_it_closes(org, lead_and_plan):
    person, plan = lead_and_plan
    survey = open_survey(org, plan, "parents", by=person, named_allowed=True, closes_on=datetime.date(2026, 11, 5))
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


def test_answers_are_rate_limited_per_address(org, lead_and_plan):
    person, plan = lead_and_plan
    survey = open_survey(org, plan, "employers", by=person)
    client = Client()
    for _ in range(feedback.RESPONSES_PER_ADDRESS):
        assert client.post(answer_url(survey), {"rating": "5"}).status_code == 302
    limited = client.post(answer_url(survey), {"rating": "5"})
    assert limited.status_code == 429 and "Too many answers" in limited.content.decode()
    assert FeedbackResponse.objects.for_org(org).count() == feedback.RESPONSES_PER_ADDRESS
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert other.post(answer_url(survey), {"rating": "5"}).status_code == 302


def test_unknown_tokens_and_other_schools_surveys(org, other_org, client, sign_in, lead_and_plan):
    assert Client().get(reverse("careersplan_feedback:answer", kwargs={"token": "nope"})).status_code == 404
    person, plan = lead_and_plan
    survey = open_survey(org, plan, "students", by=person)
    other_plan = make_plan(other_org, year=2026)
    sign_in(lead(other_org))
    assert client.get(url("survey", other_org, plan_id=other_plan.pk, survey_id=survey.pk)).status_code == 404
    sign_in(member(org, Role.ORG_ADMIN))
    assert client.get(url("survey", org, plan_id=plan.pk, survey_id=survey.pk)).status_code == 200
    assert client.post(url("surveys", org, plan_id=plan.pk),
                       {"audience": "parents", "closes_on": "2026-12-01"}).status_code == 403


def _feedback_line(html):
    start = html.index("Student feedback received on CEIAG")
    return html[start - 400:start + 900]


def test_the_first_students_answer_ticks_the_feedback_item_and_the_lead_sees_why(org, client, sign_in, lead_and_plan):
    from careersplan import selectors
    from careersplan.models import ChecklistTick

    person, plan = lead_and_plan
    parents = open_survey(org, plan, "parents", by=person)
    students = open_survey(org, plan, "students", by=person)
    before = selectors.checklist_summary(plan=plan).score
    assert Client().post(answer_url(parents), {"rating": "4"}).status_code == 302
    assert selectors.checklist_summary(plan=plan).score == before  # parents' answers: not item 20
    assert Client().post(answer_url(students), {"rating": "5"}).status_code == 302
    assert Client(REMOTE_ADDR="198.51.100.9").post(answer_url(students), {"rating": "3"}).status_code == 302
    summary = selectors.checklist_summary(plan=plan)
    assert summary.score == before + 1  # counted once, however many answers
    tick = ChecklistTick.objects.for_org(org).get(plan=plan, item__is_student_feedback=True)
    assert tick.by_survey and tick.ticked_on == datetime.date(2026, 11, 2) and tick.ticked_by is None
    assert plan.score_changes.last().items_ticked == str(tick.item.number)

    sign_in(person)
    html = client.get(url("checklist", org, plan_id=plan.pk)).content.decode()
    line = _feedback_line(html)
    assert "Ticked by the students' feedback survey" in line and "2 November 2026" in line
    assert "2 answers so far" in line
    review = TemplateSection.objects.get(template=plan.template, title="Annual Review")
    assert url("section", org, plan_id=plan.pk, section_id=review.pk) in line  # evidence: the summary
    assert f'name="tick-{tick.item.pk}"' not in html  # not on the form: the answers decide it
    # Saving the checklist (the form without item 20: a tick of item 1) leaves it ticked.
    first = plan.template.checklist_items.get(number=1)
    assert client.post(url("checklist", org, plan_id=plan.pk), {f"tick-{first.pk}": "on"}).status_code == 302
    assert ChecklistTick.objects.for_org(org).filter(plan=plan, item=tick.item).exists()
    assert selectors.checklist_summary(plan=plan).score == before + 2


def test_a_hand_tick_of_the_feedback_item_stays_the_leads(org, lead_and_plan):
    from careersplan import services
    from careersplan.models import ChecklistItem, ChecklistTick

    person, plan = lead_and_plan
    item = ChecklistItem.objects.get(template=plan.template, is_student_feedback=True)
    services.checklist_set(org=org, plan=plan, item=item, ticked=True, by=person,
                           evidence_link="https://example.org/feedback-forms")
    students = open_survey(org, plan, "students", by=person)
    feedback.response_add(survey=students, address="192.0.2.5", rating=4, worked_well="", improve="")
    tick = ChecklistTick.objects.for_org(org).get(plan=plan, item=item)
    assert not tick.by_survey and tick.ticked_by == person
    assert tick.evidence_link == "https://example.org/feedback-forms"


def test_the_lead_closes_a_survey_early_and_its_link_says_so(org, client, sign_in, lead_and_plan):
    person, plan = lead_and_plan
    survey = open_survey(org, plan, "employers", by=person)
    public = Client()
    assert public.post(answer_url(survey), {"rating": "4"}).status_code == 302
    sign_in(person)
    detail = client.get(url("survey", org, plan_id=plan.pk, survey_id=survey.pk)).content.decode()
    close_url = url("survey_close", org, plan_id=plan.pk, survey_id=survey.pk)
    assert close_url in detail
    confirm = client.get(close_url)
    assert confirm.status_code == 200 and "Close the survey of employers now?" in confirm.content.decode()
    assert "1 answer" in confirm.content.decode()
    assert FeedbackSurvey.objects.for_org(org).get().closed_early_on is None  # the GET changes nothing
    done = client.post(close_url)
    assert done.status_code == 302
    assert "Closed" in client.get(done["Location"]).content.decode()
    survey.refresh_from_db()
    assert survey.closed_early_on == datetime.date(2026, 11, 2) and survey.closed_by == person
    page = public.get(answer_url(survey)).content.decode()
    assert "This survey closed on 2 November 2026" in page and "Send my answer" not in page
    assert public.post(answer_url(survey), {"rating": "5"}).status_code == 410
    assert FeedbackResponse.objects.for_org(org).count() == 1
    # Closed already: the confirmation says so, and a second close changes nothing.
    assert "already closed on 2 November 2026" in client.get(close_url).content.decode()
    assert client.post(close_url).status_code == 302
    assert "Close this survey now" not in client.get(
        url("survey", org, plan_id=plan.pk, survey_id=survey.pk)).content.decode()


def test_only_the_lead_closes_a_survey(org, other_org, client, sign_in, lead_and_plan):
    person, plan = lead_and_plan
    survey = open_survey(org, plan, "students", by=person)
    close_url = url("survey_close", org, plan_id=plan.pk, survey_id=survey.pk)
    sign_in(member(org, Role.ORG_ADMIN))
    assert client.post(close_url).status_code == 403
    sign_in(lead(other_org))
    other_plan = make_plan(other_org, year=2026)
    assert client.post(url("survey_close", other_org, plan_id=other_plan.pk, survey_id=survey.pk)).status_code == 404
    assert FeedbackSurvey.objects.for_org(org).get().closed_early_on is None
