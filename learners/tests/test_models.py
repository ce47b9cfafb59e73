import datetime

import pytest
from django.db import IntegrityError, connection, transaction

from learners import services
from learners.choices import AuthorRole, PlanStatus, SignerRole, TargetStatus
from learners.models import NarrativeEntry, Plan, Target
from plp_portal.audit.models import AppendOnlyError, AuditEvent
from plp_portal.organisations.choices import Role
from tests.append_only import assert_append_only
from tests.factories import member

from .factories import LearnerProfileFactory, plan_for, target_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(org):
    return plan_for(org=org)


def _entry(plan):
    return services.narrative_append(org=plan.organisation, plan=plan, by=plan.created_by,
                                     author_role=AuthorRole.TUTOR, text="Settled in well.")


def test_narrative_entry_cannot_be_edited_or_deleted_through_the_model(plan, other_org):
    entry = _entry(plan)
    entry.text = "Rewritten"
    assert_append_only(entry, NarrativeEntry.objects.for_org(plan.organisation), text="x")
    assert NarrativeEntry.objects.for_org(plan.organisation).get().text == "Settled in well."


def test_narrative_entry_is_refused_by_the_database_trigger(plan, other_org):
    entry = _entry(plan)
    with pytest.raises(Exception, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE learners_narrativeentry SET text = 'x' WHERE id = %s", [entry.pk])
    with pytest.raises(Exception, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM learners_narrativeentry WHERE id = %s", [entry.pk])


def test_a_correction_is_a_new_entry_pointing_at_the_old(plan, other_org):
    entry = _entry(plan)
    correction = services.narrative_correct(org=plan.organisation, entry=entry, by=plan.created_by,
                                            author_role=AuthorRole.TUTOR, text="Settled in well after week 2.")
    assert correction.corrects == entry
    assert list(plan.narrative.all()) == [entry, correction]


def test_audit_events_stay_append_only(org, other_org):
    event = AuditEvent.objects.create(action="x")
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_only_one_active_plan_per_learner_per_programme(plan, other_org):
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.create(organisation=plan.organisation, profile=plan.profile, programme_name=plan.programme_name,
                            starts_on=plan.starts_on, ends_on=plan.ends_on, created_by=plan.created_by)
    services.plan_update(org=plan.organisation, plan=plan, by=plan.created_by, expected_version=1,
                         status=PlanStatus.CLOSED)
    second = plan_for(plan.profile)  # allowed once the first is closed
    assert second.status == PlanStatus.ACTIVE
    # Another programme may run alongside.
    plan_for(plan.profile, programme_name="Duke of Edinburgh")


def test_plan_create_makes_the_final_outcome_the_first_target(plan, other_org):
    (target,) = plan.targets.all()
    assert target.is_final_outcome and target.due_on == plan.ends_on and target.is_approved


def test_stale_plan_save_is_refused(plan, other_org):
    org = plan.organisation
    services.plan_update(org=org, plan=plan, by=plan.created_by, expected_version=1, long_term_goal="Nurse")
    assert plan.version == 2
    with pytest.raises(services.StalePlanError):
        services.plan_update(org=org, plan=plan, by=plan.created_by, expected_version=1, long_term_goal="Vet")
    plan.refresh_from_db()
    assert plan.long_term_goal == "Nurse"


def test_signatures_and_change_after_signing(plan, other_org):
    org = plan.organisation
    learner = plan.profile.user
    services.plan_sign(org=org, plan=plan, by=learner, role=SignerRole.LEARNER)
    services.plan_sign(org=org, plan=plan, by=plan.created_by, role=SignerRole.TUTOR, expected_version=1)
    plan = Plan.objects.for_org(org).get(pk=plan.pk)
    assert not plan.is_changed_after_signing
    services.plan_update(org=org, plan=plan, by=plan.created_by, expected_version=1, qualifications="BTEC")
    assert plan.is_changed_after_signing
    with pytest.raises(services.StalePlanError):
        services.plan_sign(org=org, plan=plan, by=learner, role=SignerRole.LEARNER, expected_version=1)


def test_target_status_history(plan, other_org):
    org = plan.organisation
    target = target_for(plan)
    services.target_progress_update(org=org, target=target, by=plan.profile.user,
                                    status=TargetStatus.IN_PROGRESS, note="Started")
    services.target_progress_update(org=org, target=target, by=plan.profile.user,
                                    status=TargetStatus.ACHIEVED, note="Done")
    target.refresh_from_db()
    assert target.status == TargetStatus.ACHIEVED
    assert [p.status for p in target.progress.all()] == [TargetStatus.ACHIEVED, TargetStatus.IN_PROGRESS]
    kinds = list(plan.timeline_events.values_list("kind", flat=True))
    assert "target.achieved" in kinds and "target.updated" in kinds


def test_learner_set_target_awaits_approval(plan, other_org):
    org = plan.organisation
    target = target_for(plan, by=plan.profile.user, set_by_role="learner")
    assert not target.is_approved
    services.target_approve(org=org, target=target, by=plan.created_by)
    assert Target.objects.for_org(org).get(pk=target.pk).is_approved


def test_short_term_target_links_to_a_long_term_one(plan, other_org):
    long_term = target_for(plan, term="long", title="Become a confident reader")
    step = target_for(plan, parent=long_term)
    assert list(long_term.steps.all()) == [step]
    with pytest.raises(ValueError):
        target_for(plan, parent=step)


def test_child_rows_cannot_be_attached_to_another_organisations_parent(plan, other_org):
    with pytest.raises(ValueError):
        services.narrative_append(org=other_org, plan=plan, by=plan.created_by,
                                  author_role=AuthorRole.TUTOR, text="x")


def test_filed_log_block_is_read_only(plan, other_org):
    org = plan.organisation
    day = plan.starts_on + datetime.timedelta(days=3)
    entry = services.log_entry_add(org=org, plan=plan, by=plan.profile.user, kind="activity_diary",
                                   written_on=day, what_learned="Fractions", ecm_outcomes=["enjoy_and_achieve"])
    assert entry.block.starts_on == plan.starts_on
    later = services.log_block_for(org=org, plan=plan, on=plan.starts_on + datetime.timedelta(days=43))
    assert later.starts_on == plan.starts_on + datetime.timedelta(days=42)
    services.log_block_file(org=org, block=entry.block, by=plan.created_by)
    with pytest.raises(services.LogBlockFiledError):
        services.log_entry_add(org=org, plan=plan, by=plan.profile.user, kind="blog", written_on=day)


def test_at_risk_history_and_current_level(org, other_org):
    profile = LearnerProfileFactory(organisation=org)
    plan = plan_for(profile)
    red, amber = services.at_risk_levels_seed_defaults(org=org)[:2]
    tutor = member(org, Role.KEY_WORKER)
    services.at_risk_set(org=org, profile=profile, level=red, reason="Attendance 70%", by=tutor)
    services.at_risk_set(org=org, profile=profile, level=amber, reason="Improving", by=tutor)
    profile.refresh_from_db()
    assert profile.at_risk_level == amber
    assert [s.level.code for s in profile.at_risk_history.all()] == ["amber", "red"]
    assert plan.timeline_events.filter(kind="at_risk.changed").count() == 2


def test_key_worker_pointer_is_set_by_the_service_only(org, other_org):
    profile = LearnerProfileFactory(organisation=org)
    tutor = member(org, Role.KEY_WORKER)
    services.learner_set_key_worker(org=org, learner=profile, user=tutor)
    profile.refresh_from_db()
    assert profile.key_worker == tutor
    with pytest.raises(ValueError):
        services.learner_set_key_worker(org=org, learner=profile, user=member(other_org, Role.KEY_WORKER))
    with pytest.raises(ValueError):
        services.learner_profile_update(org=org, profile=profile, by=tutor, key_worker=None)


def test_guidance_can_add_a_careers_target_linked_to_its_interview(plan, other_org):
    org = plan.organisation
    careers = services.target_area_get(org=org, code="careers")
    target = target_for(plan, area=careers, title="Visit the college open evening",
                        source_type="guidance.interview", source_id=42)
    assert (target.area.code, target.source_type, target.source_id) == ("careers", "guidance.interview", "42")
    assert plan.timeline_events.filter(kind="target.set", object_id=str(target.pk)).exists()
