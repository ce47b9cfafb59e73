"""The audience rule per viewer kind, and that the timeline, tracking table and shared-plan
selectors apply it."""

import datetime

import pytest
from django.utils import timezone
from guardian.shortcuts import get_perms

from learners import selectors, services
from learners.choices import Audience, AuthorRole, ShareRelationship, TimelineKind
from learners.filters import LearnerFilterSet
from learners.models import AtRiskLevel, TimelineEvent
from learners.permissions import audience_q, can_see, can_see_sensitive, plan_viewer
from plp_portal.audit.models import AuditEvent
from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Membership
from plp_portal.tenancy import UnscopedQueryError
from tests.factories import UserFactory, member

from .factories import LearnerProfileFactory, plan_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(org, other_org):
    profile = LearnerProfileFactory(organisation=org)
    key_worker = member(org, Role.KEY_WORKER)
    services.learner_set_key_worker(org=org, learner=profile, user=key_worker)
    plan = plan_for(profile, by=key_worker)
    by = key_worker
    records = {
        audience: services.narrative_append(
            org=org, plan=plan, by=by, author_role=AuthorRole.TUTOR, text=audience, audience=audience,
            restricted_roles=[Role.SUBJECT_TUTOR] if audience == Audience.RESTRICTED else (),
        )
        for audience in Audience
    }
    parent = member(org, Role.PARENT_CARER)
    return {"org": org, "plan": plan, "profile": profile, "key_worker": key_worker, "records": records,
            "parent": parent}


def _visible(world, user, membership=None):
    plan = world["plan"]
    viewer = plan_viewer(plan=plan, user=user, membership=membership)
    by_function = {a for a, r in world["records"].items() if can_see(viewer, r)}
    in_sql = set(plan.narrative.filter(audience_q(viewer)).values_list("audience", flat=True))
    assert by_function == in_sql, "can_see and audience_q disagree"
    return viewer, by_function


def test_learner_sees_plan_records_and_own_sensitive_fields(world):
    viewer, seen = _visible(world, world["profile"].user)
    assert viewer.relation == "learner" and seen == {Audience.PLAN} and can_see_sensitive(viewer)


def test_parent_with_grant_sees_plan_records_only(world):
    services.plan_share_grant(org=world["org"], plan=world["plan"], grantee=world["parent"],
                              relationship=ShareRelationship.PARENT_CARER, by=world["profile"].user)
    viewer, seen = _visible(world, world["parent"])
    assert viewer.relation == "grantee" and seen == {Audience.PLAN} and not can_see_sensitive(viewer)


def test_parent_without_grant_sees_nothing(world):
    viewer, seen = _visible(world, world["parent"])
    assert not viewer.can_view_plan and seen == set()


def test_expired_grant_gives_nothing_even_with_the_permission_still_assigned(world):
    share = services.plan_share_grant(
        org=world["org"], plan=world["plan"], grantee=world["parent"], relationship=ShareRelationship.PARENT_CARER,
        by=world["profile"].user, expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    share.expires_at = timezone.now() - datetime.timedelta(minutes=1)
    share.save()
    assert "view_plan" in get_perms(world["parent"], world["plan"])
    viewer, seen = _visible(world, world["parent"])
    assert not viewer.can_view_plan and seen == set()
    assert list(selectors.plans_shared_with(user=world["parent"])) == []
    assert services.plan_shares_expire() == 1
    assert "view_plan" not in get_perms(world["parent"], world["plan"])


def test_revoked_grant_gives_nothing(world):
    share = services.plan_share_grant(org=world["org"], plan=world["plan"], grantee=world["parent"],
                                      relationship=ShareRelationship.PARENT_CARER, by=world["profile"].user)
    assert list(selectors.plans_shared_with(user=world["parent"])) == [world["plan"]]
    services.plan_share_revoke(org=world["org"], share=share, by=world["profile"].user)
    assert "view_plan" not in get_perms(world["parent"], world["plan"])
    viewer, seen = _visible(world, world["parent"])
    assert not viewer.can_view_plan and seen == set()
    assert list(selectors.plans_shared_with(user=world["parent"])) == []


def test_revoking_twice_records_the_revocation_once(world):
    share = services.plan_share_grant(org=world["org"], plan=world["plan"], grantee=world["parent"],
                                      relationship=ShareRelationship.PARENT_CARER, by=world["profile"].user)
    for _ in range(2):
        services.plan_share_revoke(org=world["org"], share=share, by=world["profile"].user)
    share.refresh_from_db()
    assert share.revoked_at is not None
    assert TimelineEvent.objects.for_org(world["org"]).filter(kind=TimelineKind.SHARE_REVOKED).count() == 1
    assert AuditEvent.objects.filter(action="learners.share.revoked").count() == 1
    assert "view_plan" not in get_perms(world["parent"], world["plan"])


def test_key_worker_sees_everything(world):
    viewer, seen = _visible(world, world["key_worker"])
    assert viewer.relation == "key_worker" and seen == set(Audience) and can_see_sensitive(viewer)


def test_named_role_sees_restricted_records_other_staff_roles_do_not(world):
    senco = member(world["org"], Role.SUBJECT_TUTOR)
    viewer, seen = _visible(world, senco)
    assert seen == set(Audience) and can_see_sensitive(viewer)
    lead = member(world["org"], Role.CAREERS_LEAD)
    viewer, seen = _visible(world, lead, Membership.objects.for_org(world["org"]).get(user=lead))
    assert seen == {Audience.PLAN, Audience.STAFF} and not can_see_sensitive(viewer)


def test_unrelated_key_worker_of_the_organisation_sees_nothing(world):
    viewer, seen = _visible(world, member(world["org"], Role.KEY_WORKER))
    assert not viewer.can_view_plan and seen == set()


def test_other_organisations_staff_see_nothing(world, other_org):
    for role in (Role.KEY_WORKER, Role.SUBJECT_TUTOR, Role.ORG_ADMIN):
        viewer, seen = _visible(world, member(other_org, role))
        assert not viewer.can_view_plan and seen == set()


def test_other_organisations_tutor_with_a_grant_sees_plan_records(world, other_org):
    tutor = member(other_org, Role.KEY_WORKER)
    services.plan_share_grant(org=world["org"], plan=world["plan"], grantee=tutor,
                              relationship=ShareRelationship.OFF_SITE_TUTOR, by=world["key_worker"])
    viewer, seen = _visible(world, tutor)
    assert viewer.is_grantee and seen == {Audience.PLAN}
    assert list(selectors.plans_shared_with(user=tutor)) == [world["plan"]]


def test_a_stranger_sees_nothing(world):
    viewer, seen = _visible(world, UserFactory())
    assert viewer.relation == "none" and seen == set()


def test_timeline_is_filtered_by_audience(world):
    org, plan = world["org"], world["plan"]
    services.concern_raise(org=org, plan=plan, by=world["key_worker"], category="wellbeing",
                           description="Worried about sleep", audience=Audience.RESTRICTED,
                           restricted_roles=[Role.SUBJECT_TUTOR])
    learner_view = plan_viewer(plan=plan, user=world["profile"].user)
    kinds_for_learner = [e.kind for e in selectors.timeline_for(plan=plan, viewer=learner_view)]
    assert "concern.raised" not in kinds_for_learner
    assert kinds_for_learner.count("narrative.added") == 1
    kw_view = plan_viewer(plan=plan, user=world["key_worker"])
    kinds_for_kw = [e.kind for e in selectors.timeline_for(plan=plan, viewer=kw_view)]
    assert "concern.raised" in kinds_for_kw and kinds_for_kw.count("narrative.added") == 3
    lead_view = plan_viewer(plan=plan, user=member(org, Role.CAREERS_LEAD))
    assert "concern.raised" not in [e.kind for e in selectors.timeline_for(plan=plan, viewer=lead_view)]


def test_timeline_for_is_one_query_newest_first(world, django_assert_num_queries):
    viewer = plan_viewer(plan=world["plan"], user=world["key_worker"])
    with django_assert_num_queries(1):
        events = list(selectors.timeline_for(plan=world["plan"], viewer=viewer))
    assert [e.occurred_at for e in events] == sorted((e.occurred_at for e in events), reverse=True)


def test_tracking_table_shows_latest_visible_report_per_subject(world, django_assert_num_queries):
    org, plan, by = world["org"], world["plan"], world["key_worker"]
    d = datetime.date
    services.subject_report_add(org=org, plan=plan, by=by, subject="Maths", reported_on=d(2026, 10, 1), working_at_grade="3")
    services.subject_report_add(org=org, plan=plan, by=by, subject="Maths", reported_on=d(2026, 12, 1), working_at_grade="4")
    services.subject_report_add(org=org, plan=plan, by=by, subject="English", reported_on=d(2026, 12, 1),
                                working_at_grade="5", audience=Audience.STAFF)
    learner_view = plan_viewer(plan=plan, user=world["profile"].user)
    with django_assert_num_queries(1):
        rows = [(r.subject, r.working_at_grade) for r in selectors.tracking_table(plan=plan, viewer=learner_view)]
    assert rows == [("Maths", "4")]
    kw_view = plan_viewer(plan=plan, user=by)
    assert [r.subject for r in selectors.tracking_table(plan=plan, viewer=kw_view)] == ["English", "Maths"]


def test_share_grant_and_revoke_are_audited(world):
    from plp_portal.audit.models import AuditEvent

    share = services.plan_share_grant(org=world["org"], plan=world["plan"], grantee=world["parent"],
                                      relationship=ShareRelationship.PARENT_CARER, by=world["profile"].user)
    services.plan_share_revoke(org=world["org"], share=share, by=world["profile"].user)
    actions = set(AuditEvent.objects.filter(organisation=world["org"]).values_list("action", flat=True))
    assert {"learners.share.granted", "learners.share.revoked"} <= actions


def test_headlines_and_my_plans(world, other_org):
    plan = world["plan"]
    learner = world["profile"].user
    viewer = plan_viewer(plan=plan, user=learner)
    headlines = selectors.me_headlines(plan=plan, viewer=viewer)
    assert set(headlines) == {"achieved", "good_at", "help_with", "progress_to", "skills_needed",
                              "progress_made", "next_steps", "supported_by"}
    assert headlines["progress_made"]["total"] == 1
    assert list(selectors.my_plans(user=learner)) == [plan]


def test_learner_list_filters(world, django_assert_max_num_queries):
    org = world["org"]
    LearnerProfileFactory(organisation=org, year_group="9")
    # The rows, then their people and key workers prefetched after the LIMIT (issue 19): three
    # queries whatever the number of rows.
    with django_assert_max_num_queries(3):
        rows = list(selectors.learner_list(org=org, key_worker=world["key_worker"]))
    assert [r.pk for r in rows] == [world["profile"].pk]
    nines = LearnerFilterSet({"year_group": "9"}, queryset=selectors.learner_list(org=org), org=org).qs
    assert nines.count() == 1


def test_learner_filters_offer_and_accept_only_the_organisations_own_choices(world, other_org):
    org = world["org"]
    foreign = AtRiskLevel.objects.for_org(other_org).create(organisation=other_org, code="foreign", name="Foreign")
    filterset = LearnerFilterSet({"at_risk_level": str(foreign.pk)}, queryset=selectors.learner_list(org=org), org=org)
    assert foreign not in filterset.form.fields["at_risk_level"].queryset
    assert not filterset.is_valid() and "at_risk_level" in filterset.errors
    assert filterset.qs.count() == selectors.learner_list(org=org).count()  # the bad filter is not applied
    with pytest.raises(UnscopedQueryError):
        LearnerFilterSet({}, queryset=selectors.learner_list(org=org), org=None)


def test_sensitive_fields_are_read_through_an_audited_function(world):
    from plp_portal.audit.models import AuditEvent

    profile = world["profile"]
    services.learner_profile_update(org=world["org"], profile=profile, by=world["key_worker"],
                                    support_needs="Reader in exams")
    kw_view = plan_viewer(plan=world["plan"], user=world["key_worker"])
    assert services.profile_sensitive_read(profile=profile, viewer=kw_view, actor=world["key_worker"])[
        "support_needs"] == "Reader in exams"
    assert AuditEvent.objects.filter(action="learners.profile.sensitive_read").count() == 1
    services.plan_share_grant(org=world["org"], plan=world["plan"], grantee=world["parent"],
                              relationship=ShareRelationship.PARENT_CARER, by=profile.user)
    parent_view = plan_viewer(plan=world["plan"], user=world["parent"])
    assert services.profile_sensitive_read(profile=profile, viewer=parent_view, actor=world["parent"]) is None


@pytest.mark.parametrize("factor", [1, 5])
def test_plan_detail_costs_a_fixed_number_of_queries(world, factor, django_assert_num_queries):
    from .factories import target_for

    plan = world["plan"]
    for n in range(3 * factor):
        target = target_for(plan, title=f"Target {n}")
        services.target_progress_update(org=world["org"], target=target, by=world["key_worker"],
                                        status="in_progress", note="going")
    viewer = plan_viewer(plan=plan, user=world["key_worker"])
    with django_assert_num_queries(4):
        detail = selectors.plan_detail(plan=plan, viewer=viewer)
        rows = [(t.title, t.area, t.set_by, [p.recorded_by for p in t.progress.all()]) for t in detail.visible_targets]
        signers = [s.signer for s in detail.signatures.all()]
    assert len(rows) == 3 * factor + 1 and signers == []
