"""Issue 16 in a browser (headless Chromium on a live server, axe-core on each page): a parent
with parental responsibility asks for a young child's copy of their record from /me/records/,
and the organisation admin's records policy (with the parents' age) passes axe."""

import datetime

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from keyworkers.tests.factories import learner_with_plan
from learners import services
from learners.choices import ShareRelationship
from learners.models import LearnerProfile
from plp_portal import clock
from plp_portal.organisations.choices import Role
from plp_portal.records.models import SubjectAccessRequest
from tests.browser import assert_accessible, sign_in
from tests.factories import member

pytestmark = pytest.mark.browser


def test_a_parent_asks_for_a_young_childs_copy_and_the_pages_pass_axe(page, org):
    plan = learner_with_plan(org)
    LearnerProfile.objects.for_org(org).filter(pk=plan.profile_id).update(
        date_of_birth=clock.today(org) - datetime.timedelta(days=365 * 8))
    parent = member(org, Role.PARENT_CARER)
    services.plan_share_grant(org=org, plan=plan, grantee=parent, relationship=ShareRelationship.PARENT_CARER,
                              by=plan.profile.key_worker)
    sign_in(page, parent.email)
    page.goto(reverse("me_records:index"))
    expect(page.get_by_role("heading", name="Your children's records")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=f"Ask for a copy of {plan.profile.user.full_name}'s record at {org.name}").click()
    expect(page.get_by_text("Your request is recorded")).to_be_visible()
    assert_accessible(page)
    assert SubjectAccessRequest.objects.for_org(org).get().requested_by == parent


def test_the_records_policy_page_passes_axe_with_an_error(page, org):
    admin = member(org, Role.ORG_ADMIN)
    sign_in(page, admin.email, totp=True)
    page.goto(reverse("records:retention", kwargs={"org_slug": org.slug}))
    page.get_by_label("A parent or carer may ask for a copy of the record of a child younger than (years)").fill("40")
    page.get_by_role("button", name="Save the records policy").click()
    expect(page.get_by_text("There is a problem").first).to_be_visible()
    assert_accessible(page)
