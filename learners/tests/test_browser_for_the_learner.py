"""Issue 18 in headless Chromium: the learner's home, targets and log on 320 px and 375 px
screens (no sideways scroll, the target filter works without JavaScript), axe on every new page,
the read-aloud control under the real CSP, and the parent's and off-site tutor's new forms."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from learners import services
from learners.choices import Audience, ShareRelationship
from learners.models import OffSiteReview, PlanContribution, TargetArea
from plp_portal.organisations.choices import Role
from tests.browser import assert_accessible, sign_in, submit_and_see_errors, wait_for_text
from tests.factories import UserFactory, member

from .factories import LearnerProfileFactory, plan_for, target_for

pytestmark = pytest.mark.browser


def _no_sideways_scroll(page, width):
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, f"{page.url} scrolls sideways on a {width}px screen ({scroll} > {inner})"


def _world(org):
    key_worker = member(org, Role.KEY_WORKER, full_name="Kim Keyworker")
    profile = LearnerProfileFactory(organisation=org, strengths_own_words="Drawing and animals")
    services.learner_set_key_worker(org=org, learner=profile, user=key_worker)
    today = timezone.localdate()
    plan = plan_for(profile, by=key_worker, starts_on=today - datetime.timedelta(days=60),
                    ends_on=today + datetime.timedelta(days=300), long_term_goal="Work with animals",
                    qualifications="Level 1 Animal Care")
    maths = TargetArea.objects.for_org(org).get(code="maths")
    for n in range(25):
        target_for(plan, by=key_worker, title=f"Practise fractions, sheet {n + 1}", area=maths,
                   success_criteria="All answers checked with a partner " * 3,
                   due_on=today + datetime.timedelta(days=n - 2))
    target_for(plan, by=key_worker, title="Write a letter to a local farm", due_on=today + datetime.timedelta(days=2))
    services.log_entry_add(org=org, plan=plan, by=profile.user, audience=Audience.PLAN, kind="activity_diary",
                           written_on=today, title="Farm visit", what_learned="How to feed calves",
                           use_again="When I look after my neighbour's dog")
    return {"key_worker": key_worker, "plan": plan, "learner": profile.user}


@pytest.mark.parametrize("width", [320, 375])
def test_learner_home_targets_and_log_fit_a_small_phone(transactional_db, org, other_org, page, width):
    world = _world(org)
    plan = world["plan"]
    page.set_viewport_size({"width": width, "height": 740})
    sign_in(page, world["learner"].email)
    page.goto("/me/")
    expect(page.get_by_role("heading", name="What do I do next?")).to_be_visible()
    wait_for_text(page, "2 days late")
    wait_for_text(page, "due in 2 days")
    _no_sideways_scroll(page, width)
    # A few screens: the ten questions are folded until asked for.
    home_height = page.evaluate("document.documentElement.scrollHeight")
    assert home_height < 6 * 740, home_height
    page.get_by_text("Show my answers").click()
    expect(page.get_by_role("heading", name="1. What have I achieved?")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="My targets").first.click()
    expect(page.get_by_role("heading", name="My targets", exact=True)).to_be_visible()
    _no_sideways_scroll(page, width)
    # Ten to a page: a few screens, not a 15,000-pixel scroll.
    assert page.locator(".govuk-summary-card").count() == 10
    assert page.evaluate("document.documentElement.scrollHeight") < 12 * 740
    assert_accessible(page)
    # The filter is a plain GET form.
    page.get_by_label("Show").select_option(label="Late")
    page.get_by_role("button", name="Show targets").click()
    wait_for_text(page, "2 targets.")
    assert "status=late" in page.url
    assert page.locator(".govuk-summary-card").count() == 2
    _no_sideways_scroll(page, width)

    page.goto(f"/me/plans/{plan.pk}/log/")
    wait_for_text(page, "When I look after my neighbour")
    _no_sideways_scroll(page, width)
    assert_accessible(page)
    page.goto(f"/me/plans/{plan.pk}/log/add/")
    expect(page.get_by_label("Where could I use this again?")).to_be_visible()
    _no_sideways_scroll(page, width)

    if width == 320:  # the other new learner pages, once
        for url, heading in ((f"/me/plans/{plan.pk}/starting-point/", "Where I started from"),
                             ("/me/words/", "What the words mean"),
                             ("/me/guidance/how-it-works/", "How careers help works"),
                             ("/me/guidance/for-parents/", "Careers guidance: a guide for parents and carers"),
                             ("/me/reviews/key-worker/", "My key worker")):
            page.goto(url)
            expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
            _no_sideways_scroll(page, width)
            assert_accessible(page)
        submit_and_see_errors(page, "Send")


SPEECH_STUB = """
window.__spoken = [];
Object.defineProperty(window, "speechSynthesis", {value: {
  speak(utterance) { window.__spoken.push(utterance.text); },
  cancel() { window.__cancelled = true; },
}});
"""


def test_read_aloud_speaks_the_page_with_the_csp_enforced(transactional_db, org, other_org, browser, live_server):
    world = _world(org)
    # A context WITHOUT bypass_csp: the page's own Content-Security-Policy applies. Headless
    # Chromium has no voices, so speechSynthesis is replaced before the page's scripts run
    # (an init script, not page script) and records what it is asked to say.
    context = browser.new_context(base_url=live_server.url)
    context.add_init_script(SPEECH_STUB)
    page = context.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        sign_in(page, world["learner"].email)
        response = page.goto(f"/me/plans/{world['plan'].pk}/targets/")
        assert "script-src" in response.headers["content-security-policy"]
        button = page.get_by_role("button", name="Read this page aloud")
        expect(button).to_be_visible()
        button.click()
        expect(page.get_by_role("button", name="Stop reading")).to_be_visible()
        spoken = page.evaluate("window.__spoken")
        assert spoken[0] == "My targets"
        assert "Practise fractions, sheet 1" in spoken
        assert not any("Read this page aloud" in text for text in spoken)
        page.get_by_role("button", name="Stop reading").click()
        assert page.evaluate("window.__cancelled") is True
        assert problems == [], problems
    finally:
        context.close()


def test_read_aloud_is_hidden_where_the_browser_cannot_speak(transactional_db, org, other_org, browser,
                                                            live_server):
    world = _world(org)
    context = browser.new_context(base_url=live_server.url)
    context.add_init_script('Object.defineProperty(window, "speechSynthesis", {value: undefined});')
    page = context.new_page()
    try:
        sign_in(page, world["learner"].email)
        page.goto("/me/words/")
        expect(page.get_by_role("heading", name="What the words mean")).to_be_visible()
        expect(page.get_by_role("button", name="Read this page aloud")).to_be_hidden()
    finally:
        context.close()


def test_parent_adds_a_note_and_off_site_tutor_signs_a_review(transactional_db, org, other_org, page):
    world = _world(org)
    plan = world["plan"]
    parent, tutor = UserFactory(full_name="Pam Parent"), UserFactory(full_name="Otto Offsite")
    services.plan_share_grant(org=org, plan=plan, grantee=parent, relationship=ShareRelationship.PARENT_CARER,
                              by=world["learner"])
    services.plan_share_grant(org=org, plan=plan, grantee=tutor, relationship=ShareRelationship.OFF_SITE_TUTOR,
                              by=world["learner"], contributions_audience=Audience.STAFF)
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, parent.email)
    page.goto(f"/me/shared/{plan.pk}/")
    assert_accessible(page, shows="No reviews have been completed yet")
    page.get_by_role("link", name="Add a note to the plan").click()
    submit_and_see_errors(page, "Add note")
    page.get_by_label("Your note").fill("Reading every night this week")
    page.get_by_role("button", name="Add note").click()
    wait_for_text(page, "Your note is added to the plan")
    wait_for_text(page, "Reading every night this week")
    assert PlanContribution.objects.for_org(org).count() == 1
    page.context.clear_cookies()  # the next person, on their own phone

    sign_in(page, tutor.email)
    page.goto(f"/me/shared/{plan.pk}/")
    page.get_by_role("link", name="Record a four-weekly off-site review").click()
    expect(page.get_by_role("heading", name="Four-weekly off-site review")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Date of the review").fill(timezone.localdate().isoformat())
    page.get_by_label("Progress and achievements since the last review").fill("Safe in the workshop")
    page.get_by_label("How is “Write a letter to a local farm” going?").select_option(label="In progress")
    submit_and_see_errors(page, "Save and sign the review")  # not confirmed
    page.get_by_label("I confirm this review and sign it").check()
    page.get_by_role("button", name="Save and sign the review").click()
    wait_for_text(page, "Your review is saved and signed")
    wait_for_text(page, "What you added for the staff only")
    review = OffSiteReview.objects.for_org(org).get()
    assert review.audience == Audience.STAFF and review.target_rows.count() == 1
