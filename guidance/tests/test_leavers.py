"""Leavers between the school and the careers service (issue 13): a learner whose enrolment the
school ends joins the service's destinations follow-up when their target group is followed up;
a leaver the adviser records is offered to the school, which decides whether to end the
enrolment; re-enrolment takes the learner off the follow-up."""

import datetime

import pytest
from django.urls import reverse

from guidance import selectors, services
from guidance.models import LearnerGuidance
from guidance.tests.factories import learner
from learners import services as learner_services
from learners.choices import LeavingReason, TargetGroup
from plp_portal.notifications.models import Notification
from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Membership
from tests.factories import member

pytestmark = pytest.mark.django_db
LEFT = datetime.date(2026, 7, 20)


def _scope(service, org, adviser):
    return selectors.GuidanceScope(org=service, side="service", org_ids=(org.pk,), user_id=adviser.pk)


def test_school_leavers_of_followed_up_groups_join_the_destinations_follow_up(service, org, other_org, adviser,
                                                                               partnered):
    ks4 = learner(org, target_group=TargetGroup.KEY_STAGE_4)
    adult = learner(org, target_group=TargetGroup.EMPLOYED_ADULT)
    stays = learner(org, target_group=TargetGroup.KEY_STAGE_4)
    lead = member(org, Role.CAREERS_LEAD)
    for profile in (ks4, adult):
        learner_services.learner_enrolment_end(org=org, profile=profile, left_on=LEFT,
                                               reason=LeavingReason.COMPLETED_PROGRAMME, by=lead)
    followed = {p["profile_id"] for p in selectors.neet_list(scope=_scope(service, org, adviser))}
    assert followed == {ks4.pk}
    assert stays.pk not in followed
    # Enrolled again: no longer a leaver to follow up.
    learner_services.learner_reenrol(org=org, profile=ks4, by=lead, programme_name="Sixth form",
                                     starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2027, 7, 20),
                                     final_outcome="Three A levels")
    assert LearnerGuidance.objects.for_org(org).get(profile=ks4).left_on is None
    assert not selectors.neet_list(scope=_scope(service, org, adviser)).filter(profile_id=ks4.pk).exists()


def test_a_leaver_recorded_by_the_adviser_is_offered_to_the_school(service, org, other_org, adviser, partnered,
                                                                   sign_in):
    kw = member(org, Role.KEY_WORKER)
    profile = learner(org, key_worker=kw)
    response = sign_in(adviser).post(
        reverse("guidance:destination_new", kwargs={"org_slug": service.slug, "profile_id": profile.pk}),
        {"kind": "actual", "category": "education", "recorded_on": "2026-07-21", "detail": "Demoshire College",
         "confirmed_how": "phone", "left_on": "2026-07-20"})
    assert response.status_code == 302
    note = Notification.objects.for_org(org).get(user=kw, kind="guidance.leaver_recorded")
    end_url = reverse("learners:enrolment_end", kwargs={"org_slug": org.slug, "profile_id": profile.pk})
    assert note.url == end_url + "?left_on=2026-07-20"
    profile.refresh_from_db()
    assert profile.is_active  # the school decides
    page = sign_in(kw).get(note.url).content.decode()
    assert 'value="2026-07-20"' in page
    # Recorded again (a retried post): one offer.
    services.leaver_record(profile=profile, left_on=LEFT, by=adviser, org=service)
    assert Notification.objects.for_org(org).filter(user=kw, kind="guidance.leaver_recorded").count() == 1


def test_without_a_key_worker_the_offer_goes_to_the_leads(service, org, other_org, adviser, partnered):
    lead, admin = member(org, Role.CAREERS_LEAD), member(org, Role.ORG_ADMIN)
    member(org, Role.SUBJECT_TUTOR)
    member(other_org, Role.CAREERS_LEAD)
    profile = learner(org)
    services.leaver_record(profile=profile, left_on=LEFT, by=adviser, org=service)
    leads = set(Membership.objects.for_org(org).filter(role__in=(Role.CAREERS_LEAD, Role.ORG_ADMIN))
                .values_list("user_id", flat=True))
    assert {lead.pk, admin.pk} <= leads
    assert set(Notification.objects.for_org(org).filter(kind="guidance.leaver_recorded")
               .values_list("user_id", flat=True)) == leads
    assert not Notification.objects.for_org(other_org).exists()


def _transfer_to(college, profile, by):
    there = learner_services.learner_profile_create(org=college, user=profile.user, target_group="post_16_full_time",
                                                    by=by)
    learner_services.record_transfer_offer(learner=profile.user, sending_profile=profile, receiving_org=college,
                                           include_staff_records=False)
    return there


def test_a_careers_service_working_with_both_continues_tier_and_adviser(service, org, other_org, adviser, partnered):
    from guidance.choices import Tier, TierReason
    from guidance.models import TierChange
    from guidance.tests.factories import partnership
    from tests.factories import OrganisationFactory

    college = OrganisationFactory(kind="college", slug="college")
    partnership(service, college, advisers=[adviser])
    profile = learner(org, target_group=TargetGroup.KEY_STAGE_4)
    services.tier_set(profile=profile, to_tier=Tier.INTENSIVE, reasons=[TierReason.MAJOR_CRISIS], by=adviser,
                      review_on=datetime.date(2027, 1, 15), org=service, adviser=adviser)
    there = _transfer_to(college, profile, member(college, Role.KEY_WORKER))
    continued = LearnerGuidance.objects.for_org(college).get(profile=there)
    assert continued.tier == Tier.INTENSIVE and continued.adviser == adviser
    assert continued.review_on == datetime.date(2027, 1, 15)
    change = TierChange.objects.for_org(college).get(profile=there)
    assert "record transfer" in change.note and change.audience == "staff"
    # The school's history stays where it is.
    assert TierChange.objects.for_org(org).filter(profile=profile).count() == 1


def test_without_a_service_working_with_both_nothing_moves(service, org, other_org, adviser, partnered):
    from guidance.choices import Tier, TierReason
    from tests.factories import OrganisationFactory

    college = OrganisationFactory(kind="college", slug="college")
    profile = learner(org, target_group=TargetGroup.KEY_STAGE_4)
    services.tier_set(profile=profile, to_tier=Tier.FILTERED, reasons=[TierReason.DEMOTIVATED], by=adviser,
                      review_on=datetime.date(2027, 1, 15), org=service)
    there = _transfer_to(college, profile, member(college, Role.KEY_WORKER))
    assert not LearnerGuidance.objects.for_org(college).filter(profile=there).exists()


def test_tier_continues_when_the_learner_is_enrolled_after_consenting(service, org, other_org, adviser, partnered):
    """The learner consents before the college has enrolled them: the tier and adviser carry over
    at enrolment (one by one and by the MIS import), once."""
    from guidance.choices import Tier, TierReason
    from guidance.models import TierChange
    from guidance.tests.factories import partnership
    from learners.models import RecordTransfer
    from tests.factories import OrganisationFactory

    college = OrganisationFactory(kind="college", slug="college")
    partnership(service, college, advisers=[adviser])
    college_kw = member(college, Role.KEY_WORKER)
    first, second = learner(org, target_group=TargetGroup.KEY_STAGE_4), learner(org, target_group=TargetGroup.KEY_STAGE_4)
    for profile in (first, second):
        services.tier_set(profile=profile, to_tier=Tier.INTENSIVE, reasons=[TierReason.MAJOR_CRISIS], by=adviser,
                          review_on=datetime.date(2027, 1, 15), org=service, adviser=adviser)
        learner_services.record_transfer_offer(learner=profile.user, sending_profile=profile, receiving_org=college,
                                               include_staff_records=False)
    assert not LearnerGuidance.objects.for_org(college).exists()  # nobody to carry it to yet

    there = learner_services.learner_profile_create(org=college, user=first.user, target_group="post_16_full_time",
                                                    by=college_kw)
    continued = LearnerGuidance.objects.for_org(college).get(profile=there)
    assert continued.tier == Tier.INTENSIVE
    assert continued.adviser == adviser
    (bulk,) = learner_services.learner_profiles_create_bulk(
        org=college, rows=[{"user": second.user, "target_group": "post_16_full_time"}], by=college_kw)
    assert LearnerGuidance.objects.for_org(college).get(profile=bulk).tier == Tier.INTENSIVE
    # Carried over once: the hook again (a later consent, a retry) adds nothing.
    transfer = RecordTransfer.objects.for_org(org).get(learner=first.user)
    assert services.guidance_continue_after_transfer(transfer=transfer, receiving_profile=there, by=college_kw) is None
    assert TierChange.objects.for_org(college).filter(profile=there).count() == 1
