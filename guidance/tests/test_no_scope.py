"""Issue 12, "no scope never means everything": every guidance write about a learner names the
organisation the actor works for (None raises; a careers service needs a current, accepted
partnership; adviser-only work needs a careers service), and the guidance pages check every
record's audience whether or not the learner has a plan."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from guidance import selectors, services
from guidance.choices import ReferralReason, ReferralSource, Tier, TierReason, TriageDecision
from guidance.tests.factories import learner, partnership, referral
from learners.choices import Audience
from plp_portal.organisations.choices import Role
from plp_portal.tenancy import UnscopedQueryError
from tests.factories import member

pytestmark = pytest.mark.django_db


def _writes(profile, ref, adviser, service):
    today = timezone.localdate()
    return {
        "referral_make": lambda: services.referral_make(
            profile=profile, source=ReferralSource.KEY_WORKER, by=adviser, reasons=[ReferralReason.INFORMATION],
            org=service),
        "tier_set": lambda: services.tier_set(profile=profile, to_tier=Tier.FILTERED, by=adviser, org=service,
                                              reasons=[TierReason.DEMOTIVATED], review_on=today),
        "destination_record": lambda: services.destination_record(
            profile=profile, by=adviser, kind="intended", category="education", recorded_on=today, org=service),
        "referral_triage": lambda: services.referral_triage(
            referral=ref, by=adviser, org=service, decision=TriageDecision.KEEP_IN_CORE),
        "referral_close": lambda: services.referral_close(referral=ref, by=adviser, feedback="x", org=service),
        "interview_record": lambda: services.interview_record(
            profile=profile, org=service, adviser=adviser, kind="individual", held_on=today, summary="x"),
        "group_session_create": lambda: services.group_session_create(
            school=profile.organisation, org=service, adviser=adviser, held_on=today, topic="x"),
        "leaver_record": lambda: services.leaver_record(profile=profile, left_on=today, by=adviser, org=service),
        "referral_withdraw": lambda: services.referral_withdraw(referral=ref, by=adviser, org=service),
    }


@pytest.mark.parametrize("write", ["referral_make", "tier_set", "destination_record", "referral_triage",
                                   "referral_close", "interview_record", "group_session_create",
                                   "leaver_record", "referral_withdraw"])
def test_a_write_without_an_organisation_raises(service, org, adviser, write):
    partnership(service, org, advisers=[adviser])
    profile = learner(org)
    ref = referral(profile)
    with pytest.raises(UnscopedQueryError):
        _writes(profile, ref, adviser, None)[write]()


@pytest.mark.parametrize("write", ["referral_make", "tier_set", "destination_record", "referral_triage",
                                   "referral_close", "interview_record", "group_session_create",
                                   "leaver_record", "referral_withdraw"])
def test_a_careers_service_without_an_accepted_partnership_is_refused(service, org, adviser, write):
    from guidance.tests.factories import proposal

    proposal(service, org, advisers=[adviser])  # proposed, never accepted
    profile = learner(org)
    ref = referral(profile)
    with pytest.raises(PermissionError):
        _writes(profile, ref, adviser, service)[write]()


@pytest.mark.parametrize("write", ["tier_set", "referral_triage", "referral_close", "interview_record",
                                   "group_session_create"])
def test_adviser_only_work_needs_a_careers_service_not_the_school(org, write):
    profile = learner(org)
    ref = referral(profile)
    with pytest.raises(PermissionError):
        _writes(profile, ref, member(org, Role.CAREERS_LEAD), org)[write]()


def test_another_school_cannot_write_about_this_schools_learner(org, other_org):
    profile = learner(org)
    with pytest.raises(PermissionError):
        services.referral_make(profile=profile, source=ReferralSource.KEY_WORKER, by=member(other_org, Role.KEY_WORKER),
                               reasons=[ReferralReason.INFORMATION], org=other_org)


def test_the_selectors_need_an_audience_filter(org):
    profile = learner(org, with_plan=False)
    for read in (selectors.interviews_for_learner, selectors.referrals_for_learner, selectors.tier_history):
        with pytest.raises(ValueError):
            read(profile=profile, audience_filter=None)
        with pytest.raises(TypeError):
            read(profile=profile)


def test_a_learner_without_a_plan_still_has_their_records_audiences_checked(service, org, adviser, client, sign_in):
    """Before: with no plan, the learner's page showed every interview and referral and the
    interview page skipped ``can_see``."""
    partnership(service, org, advisers=[adviser])
    profile = learner(org, with_plan=False)
    restricted = services.interview_record(
        profile=profile, org=service, adviser=adviser, kind="individual", held_on=timezone.localdate(),
        summary="Disclosed a family crisis", audience=Audience.RESTRICTED)
    hidden_referral = services.referral_make(
        profile=profile, source=ReferralSource.KEY_WORKER, by=member(org, Role.KEY_WORKER),
        reasons=[ReferralReason.MAJOR_CRISIS], notes="Restricted referral note", audience=Audience.RESTRICTED,
        org=org)
    shared = services.interview_record(
        profile=profile, org=service, adviser=adviser, kind="individual",
        held_on=timezone.localdate() - datetime.timedelta(days=1), summary="Talked about college",
        audience=Audience.STAFF)
    lead = member(org, Role.CAREERS_LEAD)
    sign_in(lead)
    page = client.get(reverse("guidance:learner_detail", kwargs={"org_slug": org.slug, "profile_id": profile.pk}))
    body = page.content.decode()
    assert page.status_code == 200
    detail = "guidance:interview_detail"
    assert reverse(detail, kwargs={"org_slug": org.slug, "interview_id": shared.pk}) in body
    assert reverse(detail, kwargs={"org_slug": org.slug, "interview_id": restricted.pk}) not in body
    assert reverse("guidance:referral_detail", kwargs={"org_slug": org.slug,
                                                       "referral_id": hidden_referral.pk}) not in body
    assert client.get(reverse(detail, kwargs={"org_slug": org.slug, "interview_id": restricted.pk})).status_code == 404
    assert client.get(reverse(detail, kwargs={"org_slug": org.slug, "interview_id": shared.pk})).status_code == 200
    # The learner's key worker sees everything about their learner.
    kw = member(org, Role.KEY_WORKER)
    from learners.services import learner_set_key_worker

    learner_set_key_worker(org=org, learner=profile, user=kw, by=kw)
    sign_in(kw)
    assert client.get(reverse(detail, kwargs={"org_slug": org.slug, "interview_id": restricted.pk})).status_code == 200
