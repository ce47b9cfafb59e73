"""Issue 13 in a real browser, with axe on every new page: a Year 11 pupil at a school agrees a
moving-on plan, leaves, starts at the college and consents to the transfer; the college's key
worker reads the school's reviews read-only and starts a plan from the old goal."""

import datetime
import re

import pytest
from django.utils import timezone

from keyworkers import services as kw_services
from keyworkers.choices import KeyWorkerType
from learners import services
from learners.choices import LeavingReason, TransferStatus
from learners.models import Plan, RecordTransfer
from plp_portal.organisations.choices import Role
from tests.browser import assert_accessible, sign_in, sign_out, submit_and_see_errors, wait_for_text
from tests.factories import MembershipFactory, OrganisationFactory, member

from .factories import LearnerProfileFactory, plan_for

pytestmark = pytest.mark.browser


def _school_pupil(org):
    kw = member(org, Role.KEY_WORKER, full_name="Kim Keyworker")
    profile = LearnerProfileFactory(organisation=org, year_group="11")
    kw_services.key_worker_assign(org=org, profile=profile, key_worker=kw, worker_type=KeyWorkerType.TUTOR, by=kw)
    profile.refresh_from_db()
    today = timezone.localdate()
    plan = plan_for(profile, by=kw, starts_on=today - datetime.timedelta(days=200),
                    ends_on=today + datetime.timedelta(days=60), long_term_goal="Become a chef")
    review = kw_services.review_start(org=org, plan=plan, by=kw, held_on=today - datetime.timedelta(days=5))
    review = kw_services.review_save_draft(
        org=org, review=review, by=kw, expected_version=review.version,
        fields={"overall_progress": "Strong practical work.", "support": "", "learning_opportunities": "",
                "narrative_text": "Cooked for the open evening: great teamwork.",
                "next_review_on": today + datetime.timedelta(days=30)})
    kw_services.review_sign_key_worker(org=org, review=review, by=kw)
    kw_services.review_sign_learner(org=org, review=review, by=profile.user)
    return kw, profile, plan


def _offer_record(page, college, *, field, shows, button):
    """The second step of offering a record: choose ``college`` in ``field``, continue to the
    page that says what would be shared (``shows``, audited) and press ``button``."""
    page.get_by_label(field).select_option(label=college.name)
    page.get_by_role("button", name="Continue").click()
    assert_accessible(page, shows=shows)
    page.get_by_role("button", name=button).click()


def test_year_11_pupil_moves_on_to_the_college_with_their_record(transactional_db, org, other_org, page,
                                                                   live_server):
    college = OrganisationFactory(name="Demoshire College", slug="college", kind="college")
    kw, profile, plan = _school_pupil(org)
    pupil = profile.user

    # The key worker writes the moving-on plan with the pupil.
    sign_in(page, kw.email, totp=True)
    page.goto(f"/o/{org.slug}/learners/plans/{plan.pk}/")
    page.get_by_role("link", name="Write the moving-on plan").click()
    assert_accessible(page)
    submit_and_see_errors(page, "Save the moving-on plan")  # nothing chosen: errors
    page.get_by_label("Education", exact=True).check()
    page.get_by_label("Course, provider or employer").fill("Demoshire College, Level 2 Professional Cookery")
    page.get_by_label("Notes on applications").fill("Went to the college's open evening.")
    page.get_by_label("The organisation I move on to").check()
    page.get_by_role("button", name="Save the moving-on plan").click()
    assert_accessible(page, shows="The moving-on plan is saved")
    # Applications one at a time, no JavaScript needed.
    page.get_by_role("link", name="Add an application").click()
    assert_accessible(page)
    submit_and_see_errors(page, "Save the application")  # nothing given: errors
    page.get_by_label("Provider").fill("Demoshire College")
    page.get_by_label("Course or role").fill("Level 2 Professional Cookery")
    page.get_by_label("Offer accepted").check()
    page.get_by_role("button", name="Save the application").click()
    wait_for_text(page, "The application is saved")
    wait_for_text(page, "Offer accepted")
    sign_out(page)

    # The pupil agrees to it.
    sign_in(page, pupil.email)
    page.goto(f"/me/plans/{plan.pk}/full/")
    page.get_by_role("button", name="I agree to this moving-on plan").click()
    assert_accessible(page, shows="You agreed to your moving-on plan")
    sign_out(page)

    # The key worker ends the enrolment, after confirming.
    sign_in(page, kw.email, totp=True)
    page.goto(f"/o/{org.slug}/learners/profiles/{profile.pk}/")
    page.get_by_role("link", name=re.compile("End enrolment")).click()
    assert_accessible(page)
    page.get_by_label("Left on").fill(timezone.localdate().isoformat())
    page.get_by_label("Completed programme").check()
    page.get_by_label("Withdraw them").check()
    page.get_by_label("Closing entry for the learning journey").fill("Off to college to train as a chef.")
    page.get_by_role("button", name="Continue").click()
    assert_accessible(page, shows="Are you sure you want to end this enrolment?")
    assert Plan.objects.for_org(org).get(pk=plan.pk).status == "active"
    page.get_by_role("button", name="End enrolment").click()
    page.wait_for_load_state()
    assert Plan.objects.for_org(org).get(pk=plan.pk).status == "closed"
    sign_out(page)

    # The pupil starts at the college; its key worker asks for the record.
    MembershipFactory(organisation=college, user=pupil, role=Role.LEARNER)
    college_kw = member(college, Role.KEY_WORKER, full_name="Colin Cole")
    there = services.learner_profile_create(org=college, user=pupil, target_group="post_16_full_time", by=college_kw)
    services.learner_set_key_worker(org=college, learner=there, user=college_kw, by=college_kw)
    sign_in(page, college_kw.email, totp=True)
    page.goto(f"/o/{college.slug}/learners/profiles/{there.pk}/")
    page.get_by_role("link", name="Records from previous organisations").click()
    assert_accessible(page, shows="No previous records are shared with you")
    page.get_by_role("link", name="Ask for the record at a previous organisation").click()
    assert_accessible(page)
    page.get_by_label("The learner's previous organisation").select_option(label=org.name)
    page.get_by_role("button", name="Ask the learner").click()
    wait_for_text(page, "is asked in their own space")
    sign_out(page)

    # The pupil sees exactly what goes and consents.
    sign_in(page, pupil.email)
    page.goto("/me/transfers/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Decide")).click()
    assert_accessible(page, shows="What would be shared")
    page.get_by_label("Yes, they may read it").check()
    page.get_by_role("button", name="Send my answer").click()
    wait_for_text(page, "can now read your record")
    assert RecordTransfer.objects.for_org(org).get().status == TransferStatus.CONSENTED
    sign_out(page)

    # The college key worker reads the school's review and starts a plan from the old goal.
    sign_in(page, college_kw.email, totp=True)
    page.goto(f"/o/{college.slug}/learners/profiles/{there.pk}/previous/")
    wait_for_text(page, "Review 1: Cooked for the open evening: great teamwork.")
    wait_for_text(page, "Demoshire College, Level 2 Professional Cookery")
    assert_accessible(page, shows="Off to college to train as a chef.")
    # The school's review, read-only, as a review page.
    page.get_by_role("link", name="Review 1 signed off", exact=True).click()
    wait_for_text(page, "Review 1 at " + org.name)
    assert_accessible(page, shows="Strong practical work.")
    page.go_back()
    page.get_by_role("link", name=re.compile("Start a plan here from this one")).click()
    assert_accessible(page)
    assert page.get_by_label("Long-term goal").input_value() == "Become a chef"
    page.get_by_label("Programme").fill("Level 2 Professional Cookery")
    page.get_by_label("Plan starts on").fill(timezone.localdate().isoformat())
    page.get_by_label("Plan ends on").fill((timezone.localdate() + datetime.timedelta(days=300)).isoformat())
    page.get_by_label("Agreed final grade or course outcome").fill("Level 2 Diploma")
    page.get_by_role("button", name="Start the plan").click()
    wait_for_text(page, "The plan is started from the previous one")
    new_plan = Plan.objects.for_org(college).get(profile=there)
    assert new_plan.long_term_goal == "Become a chef"
    # The learner's timeline here holds the school's, marked and read-only, with the review's page.
    page.get_by_role("link", name="The whole timeline").click()
    wait_for_text(page, f"From {org.name} (previous organisation, read-only)")
    assert_accessible(page, shows="Started from the plan")
    page.get_by_role("link", name=re.compile(r"Read it\W+Review 1 signed off")).click()
    wait_for_text(page, "Review 1 at " + org.name)


def test_reenrol_and_offer_pages_pass_axe(transactional_db, org, other_org, page, live_server):
    college = OrganisationFactory(name="Demoshire College", slug="college", kind="college")
    kw, profile, plan = _school_pupil(org)
    admin = member(org, Role.ORG_ADMIN)
    services.learner_enrolment_end(org=org, profile=profile, left_on=timezone.localdate(),
                                   reason=LeavingReason.EXCLUDED, by=admin)
    sign_in(page, admin.email, totp=True)
    page.goto(f"/o/{org.slug}/learners/profiles/{profile.pk}/")
    page.get_by_role("link", name=re.compile("again")).click()
    assert_accessible(page)
    sign_out(page)
    sign_in(page, profile.user.email)
    page.goto("/me/transfers/offer/")
    assert_accessible(page)
    _offer_record(page, college, field="The organisation I am moving to", shows="Share your record at",
                  button="I agree: share my record")
    wait_for_text(page, "can now read your record")
    assert RecordTransfer.objects.for_org(org).get().receiving_organisation == college


def test_the_school_offers_an_under_13s_record_pages_pass_axe(transactional_db, org, other_org, page, live_server):
    from learners.models import LearnerProfile

    college = OrganisationFactory(name="Demoshire College", slug="college", kind="college")
    _kw, profile, _plan = _school_pupil(org)
    LearnerProfile.objects.for_org(org).filter(pk=profile.pk).update(
        date_of_birth=timezone.localdate().replace(year=timezone.localdate().year - 11, day=1))
    lead = member(org, Role.CAREERS_LEAD)
    sign_in(page, lead.email, totp=True)
    page.goto(f"/o/{org.slug}/learners/profiles/{profile.pk}/")
    page.get_by_role("link", name=re.compile("Offer .* record to the organisation they move to")).click()
    assert_accessible(page)
    submit_and_see_errors(page, "Continue")  # no organisation chosen: errors
    _offer_record(page, college, field="The organisation the learner is moving to", shows="What would be shared",
                  button="Offer the record")
    wait_for_text(page, "can now read")
    transfer = RecordTransfer.objects.for_org(org).get()
    assert transfer.status == TransferStatus.CONSENTED and transfer.consented_by == lead
