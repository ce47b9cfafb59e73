"""Issue 15 in a browser (headless Chromium on a live server, axe-core on every new page): the
lead publishes the careers programme and opens a students' survey; a student answers from the
public link (without JavaScript, without signing in); the officer sees the school's destinations
with a suppressed cell and records a recommendation that the lead answers."""

import datetime
import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from plp_portal import clock
from careersplan.choices import Phase
from careersplan.models import FeedbackSurvey, PlanRow, Recommendation
from careersplan.tests.factories import lead, make_plan
from guidance.choices import DestinationCategory as C
from guidance import figures as school_figures
from guidance.choices import DestinationKind
from guidance.models import Destination, LearnerGuidance
from guidance.tests.factories import learner
from plp_portal.organisations.choices import OrganisationKind, Role
from tests.browser import assert_accessible
from tests.browser import sign_in as _sign_in
from tests.factories import OrganisationFactory, member

pytestmark = pytest.mark.browser


def sign_in(page, email):
    left = 30 - time.time() % 30  # keep clear of a TOTP window boundary
    if left < 4:
        page.wait_for_timeout((left + 0.5) * 1000)
    _sign_in(page, email, totp=True)


def _leavers(school, year, counts, by):
    for category, n in counts.items():
        for _ in range(n):
            profile = learner(school, with_plan=False)
            LearnerGuidance.objects.for_org(school).update_or_create(
                organisation=school, profile=profile, defaults={"left_on": datetime.date(year + 1, 7, 20)})
            Destination.objects.for_org(school).create(
                organisation=school, profile=profile, kind=DestinationKind.ACTUAL, category=category,
                recorded_on=datetime.date(year + 1, 9, 20), confirmed_by=by)


def test_programme_survey_outcomes_and_recommendation_journey(page, browser, live_server, org):
    authority = OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY, slug="shire", name="Shire County Council")
    org.parent = authority
    org.save()
    person = lead(org, email="lead@northgate.test", full_name="Lee Lead")
    officer = member(authority, Role.LA_OFFICER, email="officer@shire.test")
    year = clock.academic_year_of(clock.today())
    plan = make_plan(org, year=year, phase=Phase.MONITORING, by=person)
    rows = list(PlanRow.objects.for_org(org).filter(plan=plan).select_related("template_row__section")
                .order_by("pk")[:2])
    rows[0].planned = "Careers fair for Years 9 to 11 in March"
    rows[1].planned = "PRIVATE: budget negotiation with the governors"
    for row in rows:
        row.save()
    _leavers(org, year - 1, {C.EDUCATION: 10, C.NEET: 3, C.APPRENTICESHIP: 7}, person)

    # --- The lead publishes the programme, with a preview first.
    sign_in(page, person.email)
    page.goto(reverse("careersplan:plan", kwargs={"org_slug": org.slug, "plan_id": plan.pk}))
    page.get_by_role("link", name="Publish the careers programme").click()
    assert_accessible(page)
    page.get_by_label(f"{rows[0].template_row.section.title}: {rows[0].template_row.label}").check()
    page.get_by_label("How to contact the careers lead").fill("careers@northgate.test")
    page.get_by_label("How pupils and parents can get careers guidance").fill("Book at the library.")
    page.get_by_label("Date of the next review").fill(f"{year + 1}-04-30")
    page.get_by_role("button", name="Save and preview").click()
    expect(page.get_by_text("Careers fair for Years 9 to 11 in March")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Publish this version").click()
    expect(page.get_by_text("Published:")).to_be_visible()
    page.get_by_role("link", name="Take the public page down").click()
    expect(page.get_by_role("button", name="Take the page down")).to_be_visible()
    assert_accessible(page)  # (the confirmation only: the page stays up)

    # --- and opens a students' survey.
    page.goto(reverse("careersplan:surveys", kwargs={"org_slug": org.slug, "plan_id": plan.pk}))
    assert_accessible(page)
    page.get_by_label("Students").check()
    page.get_by_label("Closing date").fill((clock.today() + datetime.timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Open the survey").click()
    expect(page.get_by_role("heading", name="QR code")).to_be_visible()
    assert_accessible(page)
    survey_link = page.locator("main a[href*='/public/feedback/']").first.get_attribute("href")

    # --- The public pages work without JavaScript and without signing in.
    anonymous = browser.new_context(base_url=live_server.url, bypass_csp=True, java_script_enabled=False)
    public = anonymous.new_page()
    public.goto(reverse("careersplan_public:programme", kwargs={"programme_slug": org.slug}))
    expect(public.get_by_text("Careers fair for Years 9 to 11 in March")).to_be_visible()
    assert "PRIVATE" not in public.content()
    public.goto(survey_link)
    public.get_by_label("Useful", exact=True).check()
    public.get_by_label("What works well?").fill("Meeting an apprentice at the careers fair")
    public.get_by_role("button", name="Send my answer").click()
    expect(public.get_by_text("Thank you")).to_be_visible()
    anonymous.close()
    axe_context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    axe_page = axe_context.new_page()
    for path in (reverse("careersplan_public:programme", kwargs={"programme_slug": org.slug}), survey_link):
        axe_page.goto(path)
        assert_accessible(axe_page)
    axe_context.close()

    # --- The student's answer ticks the checklist's feedback item (the lead sees why); the lead
    # then closes the survey early, and its link says so.
    page.goto(reverse("careersplan:checklist", kwargs={"org_slug": org.slug, "plan_id": plan.pk}))
    expect(page.get_by_text("Ticked by the students' feedback survey")).to_be_visible()
    assert_accessible(page)
    survey = FeedbackSurvey.objects.for_org(org).get(audience="students")
    page.goto(reverse("careersplan:survey", kwargs={"org_slug": org.slug, "plan_id": plan.pk, "survey_id": survey.pk}))
    page.get_by_role("link", name="Close this survey now").click()
    expect(page.get_by_role("heading", name="Close the survey of students now?")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Close the survey").click()
    expect(page.get_by_text("Closed", exact=True)).to_be_visible()
    closed_context = browser.new_context(base_url=live_server.url, bypass_csp=True, java_script_enabled=False)
    closed = closed_context.new_page()
    closed.goto(survey_link)
    expect(closed.get_by_text("This survey closed on")).to_be_visible()
    expect(closed.get_by_role("button", name="Send my answer")).to_have_count(0)
    closed_context.close()

    # --- The officer sees the destinations with a suppressed cell, and recommends. The outcomes
    # page reads the per-school figures the worker keeps (every minute for stale schools): run
    # the worker's refresh, as it would have by now.
    school_figures.figures_refresh()
    officer_context = browser.new_context(base_url=live_server.url, bypass_csp=True)
    la = officer_context.new_page()
    sign_in(la, officer.email)
    la.goto(reverse("careersplan:authority", kwargs={"org_slug": authority.slug}))
    la.get_by_role("link", name="Outcomes: destinations, NEET, tiers and referrals").click()
    table = la.get_by_role("table", name="Destinations of leavers by school")
    expect(table.get_by_role("row", name="Northgate School")).to_contain_text("suppressed")
    expect(table.get_by_role("row", name="Northgate School")).to_contain_text("10")
    expect(la.get_by_role("table", name="Destinations of leavers by careers service")).to_be_visible()
    expect(la.get_by_role("heading", name="NEET by age band against the authority's targets")).to_be_visible()
    assert_accessible(la)
    la.goto(reverse("guidance:authority_outcome_settings", kwargs={"org_slug": authority.slug}))
    assert_accessible(la)
    la.goto(reverse("careersplan:authority_plan", kwargs={"org_slug": authority.slug, "plan_id": plan.pk}))
    la.get_by_role("link", name="Record a recommendation").click()
    assert_accessible(la)
    la.get_by_label("Priority for improvement").check()
    la.get_by_label("What the school should do").fill("Ask parents for their views before the April review")
    la.get_by_label("Due by").fill((clock.today() + datetime.timedelta(days=20)).isoformat())
    la.get_by_role("button", name="Record the recommendation").click()
    expect(la.get_by_text("Ask parents for their views before the April review")).to_be_visible()

    # --- The lead answers it.
    page.goto(reverse("careersplan:plan", kwargs={"org_slug": org.slug, "plan_id": plan.pk}))
    page.get_by_role("link", name="Answer").click()
    assert_accessible(page)
    page.get_by_label("Your answer").fill("Parents' survey goes out with the January newsletter")
    page.get_by_role("button", name="Save the answer").click()
    expect(page.get_by_text("Answered by the school")).to_be_visible()

    # --- The officer sees the answer among the recommendations across schools.
    la.goto(reverse("careersplan:authority_recommendations", kwargs={"org_slug": authority.slug}) + "?status=answered")
    expect(la.get_by_text("Parents' survey goes out with the January newsletter")).to_be_visible()
    assert_accessible(la)
    officer_context.close()
    assert Recommendation.objects.for_org(org).get().status == "answered"


def test_the_leavers_export_page_passes_axe(page, org):
    from guidance.tests.factories import careers_service, partnership

    service = careers_service(slug="careers")
    adviser = member(service, Role.CAREERS_ADVISER)
    partnership(service, org, advisers=[adviser])
    sign_in(page, adviser.email)
    page.goto(reverse("guidance:leavers_export", kwargs={"org_slug": service.slug}))
    expect(page.get_by_role("button", name="Download the leavers' activity (CSV)")).to_be_visible()
    assert_accessible(page)
