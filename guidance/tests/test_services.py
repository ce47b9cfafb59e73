"""Tier history, the triage state machine, action plan → careers targets, notifications,
group sessions creating referrals, the seed's defaults."""

import datetime

import pytest
from django.utils import timezone

from guidance import services
from guidance.choices import (
    AttendanceFlag,
    ReferralReason,
    ReferralSource,
    ReferralStatus,
    Tier,
    TierReason,
    TriageDecision,
)
from guidance.models import LearnerGuidance, Referral, ReferralEvent, TierChange
from guidance.objectives import DEFAULT_OBJECTIVES
from guidance.tests.factories import learner, partnership, referral
from learners.choices import Audience, TargetGroup
from learners.models import Target, TimelineEvent
from plp_portal.notifications.models import Notification, OutboundEmail
from plp_portal.organisations.choices import Role
from tests.factories import member

pytestmark = pytest.mark.django_db


def test_every_learner_is_core_by_default_and_tier_changes_keep_history(service, org, other_org, adviser, partnered):
    profile = learner(org)
    assert not LearnerGuidance.objects.for_org(org).filter(profile=profile).exists()
    review = datetime.date(2026, 12, 1)
    services.tier_set(profile=profile, to_tier=Tier.FILTERED, reasons=[TierReason.DEMOTIVATED], by=adviser,
                      review_on=review, org=service)
    services.tier_set(profile=profile, to_tier=Tier.INTENSIVE, reasons=[TierReason.MAJOR_CRISIS], by=adviser,
                      review_on=review, org=service, note="Family crisis")
    services.tier_set(profile=profile, to_tier=Tier.CORE, reasons=[], by=adviser, org=service)
    history = list(TierChange.objects.for_org(org).filter(profile=profile).order_by("decided_at", "pk"))
    assert [(c.from_tier, c.to_tier) for c in history] == [
        ("core", "filtered"), ("filtered", "intensive"), ("intensive", "core")]
    assert history[1].reason_labels == [TierReason.MAJOR_CRISIS.label]
    assert history[1].decided_by == adviser and history[1].review_on == review
    assert LearnerGuidance.objects.for_org(org).get(profile=profile).tier == Tier.CORE
    assert TimelineEvent.objects.for_org(org).filter(kind="guidance.tier.changed").count() == 3


def test_filtered_needs_a_filtered_reason_and_a_review_date(service, org, other_org, adviser, partnered):
    profile = learner(org)
    with pytest.raises(ValueError):
        services.tier_set(profile=profile, to_tier=Tier.FILTERED, reasons=[TierReason.MAJOR_CRISIS], by=adviser,
                          review_on=datetime.date(2026, 12, 1), org=service)
    with pytest.raises(ValueError):
        services.tier_set(profile=profile, to_tier=Tier.FILTERED, reasons=[TierReason.DEMOTIVATED], by=adviser,
                          org=service)


def test_triage_accept_into_filtered_moves_tier_allocates_adviser_and_timestamps(service, org, other_org, adviser,
                                                                                   partnered):
    kw = member(org, Role.KEY_WORKER)
    profile = learner(org, key_worker=kw)
    ref = referral(profile, by=kw)
    services.referral_triage(referral=ref, by=adviser, org=service, decision=TriageDecision.ACCEPT_FILTERED,
                             allocated_adviser=adviser, note="Interview next week")
    ref.refresh_from_db()
    assert ref.status == ReferralStatus.ACCEPTED and ref.triaged_at and ref.triaged_by == adviser
    guidance = LearnerGuidance.objects.for_org(org).get(profile=profile)
    assert guidance.tier == Tier.FILTERED and guidance.adviser == adviser and guidance.review_on
    events = list(ReferralEvent.objects.for_org(org).filter(referral=ref).order_by("at", "pk"))
    assert [(e.from_status, e.to_status) for e in events] == [("", "new"), ("new", "accepted")]
    assert all(e.at for e in events)


def test_triage_state_machine_refuses_a_second_decision_and_closes_after_feedback(service, org, other_org, adviser,
                                                                                   partnered):
    ref = referral(learner(org))
    services.referral_triage(referral=ref, by=adviser, org=service, decision=TriageDecision.KEEP_IN_CORE,
                             note="Use the careers library")
    with pytest.raises(services.InvalidTransition):
        services.referral_triage(referral=ref, by=adviser, org=service, decision=TriageDecision.REFER_ON,
                                 referred_on_to="CAMHS")
    services.referral_close(referral=ref, by=adviser, feedback="Seen at clinic", org=service)
    ref.refresh_from_db()
    assert ref.status == ReferralStatus.CLOSED and ref.closed_at
    with pytest.raises(services.InvalidTransition):
        services.referral_close(referral=ref, by=adviser, feedback="again", org=service)
    assert services.REFERRAL_TRANSITIONS[ReferralStatus.CLOSED] == set()


def test_refer_on_records_the_agency(service, org, other_org, adviser, partnered):
    ref = referral(learner(org))
    with pytest.raises(ValueError):
        services.referral_triage(referral=ref, by=adviser, org=service, decision=TriageDecision.REFER_ON)
    services.referral_triage(referral=ref, by=adviser, org=service, decision=TriageDecision.REFER_ON,
                             referred_on_to="Youth Offending Team")
    ref.refresh_from_db()
    assert ref.status == ReferralStatus.REFERRED_ON and ref.referred_on_to == "Youth Offending Team"


def test_referrer_and_key_worker_are_notified_of_the_outcome(service, org, other_org, adviser, partnered):
    kw = member(org, Role.KEY_WORKER)
    profile = learner(org, key_worker=kw)
    ref = referral(profile, source=ReferralSource.SELF, by=profile.user)
    services.referral_triage(referral=ref, by=adviser, org=service, decision=TriageDecision.KEEP_IN_CORE,
                             note="Advice given")
    notified = set(Notification.objects.for_org(org).filter(kind="guidance.referral").values_list("user_id", flat=True))
    assert notified == {kw.pk, profile.user_id}
    assert set(OutboundEmail.objects.values_list("to", flat=True)) >= {kw.email, profile.user.email}


def test_learner_is_not_told_about_a_staff_only_referral(service, org, other_org, adviser, partnered):
    kw = member(org, Role.KEY_WORKER)
    profile = learner(org, key_worker=kw)
    ref = referral(profile, by=kw)  # key worker's referral: audience STAFF
    assert ref.audience == Audience.STAFF
    services.referral_triage(referral=ref, by=adviser, org=service, decision=TriageDecision.KEEP_IN_CORE,
                             note="Advice given")
    notified = set(Notification.objects.for_org(org).filter(kind="guidance.referral").values_list("user_id", flat=True))
    assert notified == {kw.pk}


def test_action_plan_becomes_careers_targets_linked_to_the_interview(service, org, other_org, adviser, partnered):
    profile = learner(org)
    today = timezone.localdate()
    interview = services.interview_record(
        profile=profile, org=service, adviser=adviser, kind="individual", held_on=datetime.date(2026, 10, 1),
        summary="Options discussed", actions=[("Visit the college open day", today + datetime.timedelta(days=7)),
                                              ("Write a CV", today + datetime.timedelta(days=30))])
    targets = Target.objects.for_org(org).filter(source_type="guidance.interview", source_id=str(interview.pk))
    assert sorted(t.title for t in targets) == ["Visit the college open day", "Write a CV"]
    assert {t.area.code for t in targets} == {"careers"}
    assert all(t.is_approved for t in targets)
    assert [a.target_id for a in interview.actions.all()] == [t.pk for t in targets.order_by("due_on")]
    assert TimelineEvent.objects.for_org(org).filter(kind="guidance.interview", object_id=str(interview.pk)).exists()


def test_feedback_to_key_worker_is_recorded_and_closes_the_referral(service, org, other_org, adviser, partnered):
    kw = member(org, Role.KEY_WORKER)
    profile = learner(org, key_worker=kw)
    ref = referral(profile, by=kw)
    services.referral_triage(referral=ref, by=adviser, org=service, decision=TriageDecision.ACCEPT_FILTERED,
                             allocated_adviser=adviser)
    interview = services.interview_record(profile=profile, org=service, adviser=adviser, kind="individual",
                                          held_on=datetime.date(2026, 10, 1), summary="x", referral=ref)
    services.interview_feedback(interview=interview, by=adviser, org=service, feedback="Focused now")
    ref.refresh_from_db()
    assert ref.status == ReferralStatus.CLOSED
    assert interview.feedback_at and interview.feedback_to_key_worker == "Focused now"


def test_group_session_flags_create_referrals_in_one_action(service, org, other_org, adviser, partnered):
    a, b, c = learner(org), learner(org), learner(org)
    session = services.group_session_record(
        school=org, org=service, adviser=adviser, held_on=datetime.date(2026, 10, 1), topic="Post-16 options",
        attendance=[(a, True, AttendanceFlag.UNCLEAR), (b, True, ""), (c, True, AttendanceFlag.UNREALISTIC)])
    refs = Referral.objects.for_org(org).filter(group_session=session)
    assert {r.profile_id for r in refs} == {a.pk, c.pk}
    assert {r.source for r in refs} == {ReferralSource.ADVISER}
    assert all(r.reason_list == [ReferralReason.TRANSITION_UNCLEAR] for r in refs)


def test_partnership_copies_the_seed_objectives_for_the_schools_groups(service, org, other_org, adviser):
    learner(org, with_plan=False, target_group=TargetGroup.YEAR_9)
    p = partnership(service, org)
    texts = list(p.objectives.order_by("order").values_list("text", flat=True))
    assert texts == DEFAULT_OBJECTIVES[TargetGroup.YEAR_9]
    assert texts[0] == "Ensure all Year 9 students know who their Careers Adviser is and understand his/her role."


def test_self_referral_needs_consent(service, org, other_org):
    profile = learner(org)
    with pytest.raises(ValueError):
        services.referral_make(profile=profile, source=ReferralSource.SELF, by=profile.user,
                               reasons=[ReferralReason.INFORMATION], consent=False, org=org)
