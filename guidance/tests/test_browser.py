"""Browser journey: a learner asks for guidance, the adviser triages it into filtered, records
an interview with an action plan, and the learner sees the new targets. Every new page passes
axe (WCAG 2.2 AA)."""

import datetime
import re

import pytest

from guidance.models import Referral
from guidance.tests.factories import careers_service, learner, partnership
from guidance.tests.factories import referral as referral_factory
from learners.models import Target
from plp_portal.organisations.choices import Role
from tests.browser import assert_accessible, sign_in, sign_out, submit_and_see_errors, wait_for_text
from tests.factories import OrganisationFactory, member

pytestmark = pytest.mark.browser


def in_days(days: int) -> str:
    return (datetime.date.today() + datetime.timedelta(days=days)).isoformat()


def test_self_referral_triage_interview_and_targets_in_the_learners_space(page, live_server, transactional_db):
    school = OrganisationFactory(name="Northgate School", slug="northgate")
    service = careers_service(name="Demoshire Careers", slug="careers")
    adviser = member(service, Role.CAREERS_ADVISER, full_name="Ada Adviser")
    kw = member(school, Role.KEY_WORKER, full_name="Tom Tutor")
    partnership(service, school, advisers=[adviser], referral_process="Refer through PLP Portal.")
    profile = learner(school, key_worker=kw)
    learner_email = profile.user.email

    # The learner asks for guidance.
    sign_in(page, learner_email)
    page.goto("/me/guidance/")
    assert_accessible(page)
    page.get_by_role("link", name="Ask for careers guidance").click()
    assert_accessible(page)
    submit_and_see_errors(page, "Send my request")  # nothing chosen: errors
    page.get_by_label("I'm not sure what to do next").check()
    page.get_by_label("I'd like information about my options").check()  # several answers
    page.get_by_label("Tell us a bit more").fill("I don't know whether to stay on for sixth form.")
    page.get_by_label("Would you like to see a particular adviser?").select_option(label="Ada Adviser")
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Send my request").click()
    wait_for_text(page, "Your request has been sent")
    sign_out(page)
    referral = Referral.objects.for_org(school).get(profile=profile)
    assert referral.source == "self" and referral.consent and "careers adviser" in referral.consent_wording
    assert sorted(referral.reason_list) == ["information", "transition_unclear"]

    # The adviser triages it into filtered.
    sign_in(page, adviser.email, totp=True)
    page.goto("/o/careers/guidance/")
    assert_accessible(page)
    page.get_by_role("link", name=profile.user.full_name).click()
    assert_accessible(page)
    page.get_by_label("Accept into filtered guidance").check()
    page.get_by_label("Adviser (for filtered or intensive)").select_option(label="Ada Adviser")
    page.get_by_label("Advice or notes").fill("Interview booked for Tuesday.")
    page.get_by_role("button", name="Record decision").click()
    assert_accessible(page, shows="Referral triaged")

    # ... records an interview with an action plan.
    page.get_by_role("link", name="Record an interview for this referral").click()
    assert_accessible(page)
    page.get_by_label("Notes").fill("Talked through sixth form and college courses.")
    page.get_by_label("Action 1 (optional)", exact=True).fill("Visit the college open evening")
    page.get_by_label("Action 1: due by (optional)").fill(in_days(45))
    page.get_by_label("Action 2 (optional)", exact=True).fill("Talk to my tutor about A-level choices")
    page.get_by_label("Action 2: due by (optional)").fill(in_days(60))
    page.get_by_role("button", name="Save interview and action plan").click()
    assert_accessible(page, shows="2 action(s) added to the plan")
    page.get_by_label("Feedback to the key worker").fill("Now focused on college; please support the open evening.")
    page.get_by_role("button", name="Send feedback").click()
    wait_for_text(page, "Feedback recorded")

    # Every other new page of the adviser's side passes axe.
    for path in ["/o/careers/guidance/learners/", f"/o/careers/guidance/learners/{profile.pk}/",
                 f"/o/careers/guidance/learners/{profile.pk}/tier/",
                 f"/o/careers/guidance/learners/{profile.pk}/refer/",
                 f"/o/careers/guidance/learners/{profile.pk}/destinations/new/",
                 "/o/careers/guidance/dashboard/", "/o/careers/guidance/neet/", "/o/careers/guidance/group-sessions/",
                 f"/o/careers/guidance/group-sessions/new/?school={school.pk}", "/o/careers/guidance/partnerships/",
                 "/o/careers/guidance/partnerships/new/", "/o/careers/guidance/settings/",
                 f"/o/careers/guidance/referrals/{referral.pk}/"]:
        page.goto(path)
        assert_accessible(page)
    page.goto("/o/careers/guidance/partnerships/")
    page.get_by_role("link", name="Northgate School").click()
    assert_accessible(page)
    page.goto(f"/o/careers/guidance/group-sessions/new/?school={school.pk}")
    page.get_by_label("Topic").fill("Post-16 options")
    page.get_by_label(f"{profile.user.full_name} attended").check()
    page.get_by_label(f"{profile.user.full_name}: concern").select_option("unclear")
    page.get_by_role("button", name="Save session and refer flagged learners").click()
    # Already in filtered guidance (the referral above): flagged, but not referred twice.
    assert_accessible(page, shows=f"Not referred again: {profile.user.full_name} (already has filtered guidance)")
    # The register is chosen a page at a time (by tutor group, year group or name) and can be
    # added to after the session is saved.
    page.get_by_role("link", name="Add or change attendance").click()
    page.get_by_label("Name or UPN").fill(profile.user.full_name)
    page.get_by_role("button", name="Show learners").click()
    assert_accessible(page, shows="1 learner matches")
    sign_out(page)

    # The key worker sees the referral and the outcome from the school's side.
    sign_in(page, kw.email, totp=True)
    page.goto("/o/northgate/guidance/?status=")
    assert_accessible(page)
    wait_for_text(page, profile.user.full_name)
    sign_out(page)

    # The learner sees the new targets in their guidance records.
    targets = Target.objects.for_org(school).filter(source_type="guidance.interview")
    assert sorted(targets.values_list("title", flat=True)) == [
        "Talk to my tutor about A-level choices", "Visit the college open evening"]
    sign_in(page, learner_email)
    page.goto("/me/guidance/")
    content = page.content()
    assert "Visit the college open evening" in content and "in my plan's targets" in content
    assert "your adviser is Ada Adviser" in content
    assert_accessible(page)


def test_the_school_accepts_a_proposed_partnership_and_later_ends_it(page, live_server, transactional_db):
    """Issue 12: the service proposes, the school accepts, the adviser sees the school's referrals;
    the school ends it, and the adviser's next look at the referral is a 404."""
    school = OrganisationFactory(name="Northgate School", slug="northgate")
    service = careers_service(name="Demoshire Careers", slug="careers")
    adviser = member(service, Role.CAREERS_ADVISER, full_name="Ada Adviser")
    head = member(school, Role.ORG_ADMIN, full_name="Hana Head")
    profile = learner(school)
    ref = referral_factory(profile)

    # The adviser proposes; until the school accepts, the referral is not theirs to see.
    sign_in(page, adviser.email, totp=True)
    page.goto("/o/careers/guidance/partnerships/new/")
    assert_accessible(page)
    page.get_by_label("School, college or provider").select_option(label="Northgate School")
    page.get_by_label("Ada Adviser").check()
    page.get_by_label("Referral process").fill("Key workers refer through PLP Portal.")
    page.get_by_role("button", name="Send the proposal to the school").click()
    assert_accessible(page, shows="Partnership proposed")
    response = page.goto(f"/o/careers/guidance/referrals/{ref.pk}/")
    assert response.status == 404
    sign_out_anywhere(page)

    # The school's head reads what the service would see, and accepts.
    sign_in(page, head.email, totp=True)
    page.goto("/o/northgate/guidance/agreements/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Demoshire Careers")).click()
    wait_for_text(page, "What Demoshire Careers will be able to see")
    assert "Ada Adviser" in page.content()
    assert_accessible(page)
    page.get_by_label("Yes, accept it").check()
    page.get_by_role("button", name="Send my decision").click()
    wait_for_text(page, "Partnership accepted")
    page.goto("/o/northgate/access/")
    assert_accessible(page, shows="Demoshire Careers")
    sign_out_anywhere(page)

    # Now the adviser sees the school's referral.
    sign_in(page, adviser.email, totp=True)
    page.goto("/o/careers/guidance/")
    wait_for_text(page, profile.user.full_name)
    assert page.goto(f"/o/careers/guidance/referrals/{ref.pk}/").status == 200
    sign_out_anywhere(page)

    # The school ends it, with a reason, on a confirmation page.
    sign_in(page, head.email, totp=True)
    page.goto("/o/northgate/access/")
    page.get_by_role("link", name=re.compile("End")).click()
    assert_accessible(page, shows="End the partnership with Demoshire Careers")
    page.get_by_label("Why is the partnership ending?").fill("We are moving to another careers service.")
    page.get_by_role("button", name="End the partnership").click()
    wait_for_text(page, "Partnership ended")
    sign_out_anywhere(page)

    sign_in(page, adviser.email, totp=True)
    assert page.goto(f"/o/careers/guidance/referrals/{ref.pk}/").status == 404


def sign_out_anywhere(page):
    """Sign out from any page (a 404 page has no header button: go home first)."""
    page.goto("/")
    sign_out(page)
