import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from careersplan import phases, reminders, selectors, services
from careersplan.choices import Phase, Rag
from plp_portal import clock
from careersplan.models import ChecklistItem, GoverningBodyApproval, PlanRow, ScoreChange
from plp_portal.notifications.models import Reminder
from plp_portal.organisations.choices import OrganisationKind, Role
from plp_portal.organisations.models import Membership
from tests.factories import OrganisationFactory, member

from .factories import consultant_review, lead, make_plan, tick

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


# --- phases ------------------------------------------------------------------------------------
def test_phase_rules_decide_which_columns_can_be_written(org, other_org):
    person = lead(org)
    plan = make_plan(org, by=person)
    row = plan.rows.first()
    services.plan_row_save(org=org, row=row, version=row.version, by=person, planned="Fair")
    with pytest.raises(services.PlanError):
        services.plan_row_save(org=org, row=row, version=row.version, by=person,
                               actions_next_year="Too early")
    with pytest.raises(services.PlanError):
        services.evidence_add(org=org, row=row, by=person, text="Too early")


def test_phases_advance_only_from_their_start_date(org, other_org):
    person = lead(org)
    plan = make_plan(org, year=2026, by=person)
    with pytest.raises(services.PlanError, match="starts on 1 September 2026"):
        services.plan_advance_phase(org=org, plan=plan, by=person,
                                    today=datetime.date(2026, 7, 10))
    services.plan_advance_phase(org=org, plan=plan, by=person, today=datetime.date(2026, 9, 1))
    assert plan.phase == Phase.MONITORING
    with pytest.raises(services.PlanError, match="1 April 2027"):
        services.plan_advance_phase(org=org, plan=plan, by=person,
                                    today=datetime.date(2027, 3, 31))
    services.plan_advance_phase(org=org, plan=plan, by=person, today=datetime.date(2027, 4, 1))
    assert plan.phase == Phase.REVIEW
    row = plan.rows.first()
    with pytest.raises(services.PlanError):
        services.plan_row_save(org=org, row=row, version=row.version, by=person, planned="Late")
    services.plan_row_save(org=org, row=row, version=row.version, by=person,
                           actions_next_year="Invite governors to the fair")
    with pytest.raises(services.PlanError):
        services.plan_advance_phase(org=org, plan=plan, by=person,
                                    today=datetime.date(2027, 6, 1))


def test_academic_year_and_planning_year():
    assert clock.academic_year_of(datetime.date(2026, 8, 31)) == 2025
    assert clock.academic_year_of(datetime.date(2026, 9, 1)) == 2026
    assert phases.planning_year_of(datetime.date(2026, 6, 1)) == 2026
    assert phases.planning_year_of(datetime.date(2026, 5, 31)) == 2025


# --- roll-forward and concurrency -----------------------------------------------------------
def test_roll_forward_carries_actions_for_next_year_into_planned(org, other_org):
    person = lead(org)
    last = make_plan(org, year=2025, phase=Phase.REVIEW, by=person)
    rows = list(last.rows.select_related("template_row"))
    for i, row in enumerate(rows[:3]):
        services.plan_row_save(org=org, row=row, version=row.version, by=person,
                               actions_next_year=f"Action {i}")
    plan = services.plan_create(org=org, academic_year=2026, by=person)
    assert plan.rolled_forward_from_id == last.pk
    carried = {r.template_row_id: r.planned for r in plan.rows.all()}
    for i, row in enumerate(rows[:3]):
        assert carried[row.template_row_id] == f"Action {i}"
    assert carried[rows[3].template_row_id] == ""
    assert plan.rows.count() == len(rows)
    # Another organisation's plan is untouched by and does not feed this roll-forward.
    other = make_plan(other_org, year=2026)
    assert all(r.planned == "" for r in other.rows.all())
    with pytest.raises(services.PlanError):
        services.plan_create(org=org, academic_year=2026, by=person)


def test_a_stale_row_save_is_refused_and_nothing_is_overwritten(org, other_org):
    first, second = lead(org), lead(org)
    plan = make_plan(org, by=first)
    row = plan.rows.first()
    read_version = row.version
    services.plan_row_save(org=org, row=row, version=read_version, by=first, planned="Mine")
    stale_copy = PlanRow.objects.for_org(org).get(pk=row.pk)
    stale_copy.version = read_version
    with pytest.raises(services.StaleRowError) as error:
        services.plan_row_save(org=org, row=stale_copy, version=read_version, by=second,
                               planned="Theirs")
    assert error.value.current.planned == "Mine"
    assert error.value.current.updated_by == first
    assert PlanRow.objects.for_org(org).get(pk=row.pk).planned == "Mine"


# --- evidence -----------------------------------------------------------------------------------
def test_evidence_is_checked_by_content(org, other_org, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path)}}}
    person = lead(org)
    plan = make_plan(org, phase=Phase.MONITORING, by=person)
    row = plan.rows.first()
    evidence = services.evidence_add(org=org, row=row, by=person, text="Fair photo",
                                     upload=SimpleUploadedFile("fair.png", PNG))
    assert evidence.content_type == "image/png"
    assert evidence.organisation == org
    assert not evidence.file.name.endswith("fair.png")
    with pytest.raises(Exception, match="must be one of"):
        services.evidence_add(org=org, row=row, by=person,
                              upload=SimpleUploadedFile("x.png", b"<script>alert(1)</script>"))


# --- checklist, approval, history ---------------------------------------------------------------
def test_score_rag_and_history(org, other_org):
    person = lead(org)
    plan = make_plan(org, by=person)
    assert selectors.checklist_summary(plan=plan).rag == Rag.RED
    items = tick(plan, 11, by=person)
    summary = selectors.checklist_summary(plan=plan)
    assert (summary.score, summary.total, summary.rag) == (11, 20, Rag.AMBER)
    history = list(ScoreChange.objects.for_org(org).filter(plan=plan))
    assert [h.score for h in history] == list(range(1, 12))
    assert history[9].rag == Rag.RED and history[10].rag == Rag.AMBER
    assert history[0].description() == "Item 1 ticked"
    item = items[0]
    services.checklist_set(org=org, plan=plan, item=item, ticked=False, by=person)
    assert ScoreChange.objects.for_org(org).filter(plan=plan).last().score == 10


def test_governing_body_item_is_tied_to_the_approval_record(org, other_org):
    person = lead(org)
    plan = make_plan(org, by=person)
    item4 = ChecklistItem.objects.get(template=plan.template, number=4)
    with pytest.raises(services.PlanError):
        services.checklist_set(org=org, plan=plan, item=item4, ticked=True, by=person)
    services.approval_record(org=org, plan=plan, approved_on=datetime.date(2026, 10, 14),
                             minute_reference="GB/26/7", by=person)
    summary = selectors.checklist_summary(plan=plan)
    assert summary.score == 1 and summary.lines[3].tick is not None
    services.approval_remove(org=org, plan=plan, by=person)
    assert not GoverningBodyApproval.objects.for_org(org).exists()
    assert selectors.checklist_summary(plan=plan).score == 0


# --- external review ---------------------------------------------------------------------------
def test_reviewer_sees_the_granted_plan_only_until_the_grant_ends(org, other_org):
    person = lead(org)
    plan = make_plan(org, by=person)
    other_plan = make_plan(org, year=2025)
    foreign_plan = make_plan(other_org)
    peer = lead(other_org)
    today = datetime.date(2026, 11, 1)
    services.reviewer_grant(org=org, plan=plan, email=peer.email, full_name="", kind="peer",
                            expires_on=datetime.date(2026, 11, 30), by=person, today=today)
    assert selectors.reviewer_plan_get(user=peer, plan_id=plan.pk, today=today) == plan
    from django.http import Http404

    for plan_id in (other_plan.pk, foreign_plan.pk):
        with pytest.raises(Http404):
            selectors.reviewer_plan_get(user=peer, plan_id=plan_id, today=today)
    # Expired: no access, though nothing has cleaned the permission up.
    with pytest.raises(Http404):
        selectors.reviewer_plan_get(user=peer, plan_id=plan.pk, today=datetime.date(2026, 12, 1))
    # A guardian permission alone (no grant) is not enough either.
    from guardian.shortcuts import assign_perm

    assign_perm("careersplan.review_careersplan", peer, other_plan)
    with pytest.raises(Http404):
        selectors.reviewer_plan_get(user=peer, plan_id=other_plan.pk, today=today)


def test_consultant_without_an_account_is_invited_by_email(org, other_org, mailoutbox):
    person, plan, grant = consultant_review(org, email="Consultant@Example.test", expires_on=datetime.date(2099, 1, 1),
                                            today=datetime.date(2026, 11, 1))
    assert grant.reviewer.email == "consultant@example.test"
    assert not grant.reviewer.has_usable_password()
    assert not Membership.objects.system("test").filter(user=grant.reviewer).exists()
    from plp_portal.notifications.models import OutboundEmail

    email = OutboundEmail.objects.get(to="consultant@example.test")
    assert f"/careers-plan-reviews/{plan.pk}/" in email.body_text
    services.reviewer_revoke(org=org, grant=grant, by=person)
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.reviewer_plan_get(user=grant.reviewer, plan_id=plan.pk,
                                    today=datetime.date(2026, 11, 2))


# --- authority ---------------------------------------------------------------------------------
def test_authority_sees_its_schools_and_not_others(org, other_org):
    authority = OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY)
    org.parent = authority
    org.save()
    make_plan(org, year=2026)
    make_plan(other_org, year=2026)
    plans = list(selectors.authority_plans(authority=authority, years=[2026]))
    assert [p.organisation_id for p in plans] == [org.pk]
    assert list(selectors.authority_schools(authority=authority)) == [org]


# --- reminders ---------------------------------------------------------------------------------
def test_phase_reminders_are_set_based_and_idempotent(org, other_org):
    person = lead(org)
    other_lead = lead(other_org)
    make_plan(other_org, year=2026, phase=Phase.MONITORING)
    assert reminders.collect(today=datetime.date(2026, 5, 20)) == 0
    reminders.collect(today=datetime.date(2026, 6, 2))
    reminders.collect(today=datetime.date(2026, 6, 3))
    june = Reminder.objects.system("test").filter(kind="careersplan.planning")
    # org has no plan: reminded once; other_org already monitors: not reminded.
    assert [(r.recipient_id, r.due_on) for r in june] == [(person.pk, datetime.date(2026, 6, 1))]
    make_plan(org, year=2026, by=person)
    reminders.collect(today=datetime.date(2026, 9, 3))
    september = Reminder.objects.system("test").filter(kind="careersplan.monitoring")
    assert [r.recipient_id for r in september] == [person.pk]
    reminders.collect(today=datetime.date(2027, 4, 2))
    april = Reminder.objects.system("test").filter(kind="careersplan.review")
    assert sorted(r.recipient_id for r in april) == sorted([person.pk, other_lead.pk])


def test_approval_deadline_reminder(org, other_org):
    authority = OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY)
    org.parent = authority
    org.save()
    other_org.parent = authority
    other_org.save()
    officer = member(authority, Role.LA_OFFICER)
    late, on_time = lead(org), lead(other_org)
    make_plan(org, year=2026)
    approved = make_plan(other_org, year=2026)
    services.approval_record(org=other_org, plan=approved, approved_on=datetime.date(2026, 11, 1),
                             minute_reference="7", by=on_time)
    services.approval_deadline_set(authority=authority, academic_year=2026,
                                   approve_by=datetime.date(2026, 12, 1), by=officer)
    assert reminders.collect(today=datetime.date(2026, 11, 30)) == 0
    for _ in range(2):
        reminders.collect(today=datetime.date(2026, 12, 2))
    due = Reminder.objects.system("test").filter(kind="careersplan.approval_overdue")
    assert [(r.recipient_id, r.due_on) for r in due] == [(late.pk, datetime.date(2026, 12, 1))]


def test_daily_job_runs_the_careersplan_collector(org, other_org):
    lead(org)
    from plp_portal.notifications.tasks import daily_reminders

    with time_machine.travel(datetime.datetime(2026, 6, 5, 7, 0), tick=False):
        result = daily_reminders()
    # Keyed by app label or hook module name, depending on the core version.
    assert sum(n for key, n in result["added"].items() if key.startswith("careersplan")) == 1


# --- ILP self-assessment ------------------------------------------------------------------------
def test_ilp_priorities(org, other_org):
    person = lead(org)
    make_plan(org)  # loads the shipped templates
    assessment = services.ilp_assessment_create(org=org, academic_year=2026, by=person)
    sections, _ = selectors.ilp_sections(assessment=assessment)
    rows = [r for s in sections for r in s.rows.all()]
    services.ilp_answers_save(org=org, assessment=assessment, by=person,
                              answers={rows[0].pk: "yes", rows[5].pk: "priority"})
    _, answers = selectors.ilp_sections(assessment=assessment)
    assert answers == {rows[0].pk: "yes", rows[5].pk: "priority"}


def test_a_peer_reviewer_must_lead_another_school(org, other_org):
    person = lead(org)
    plan = make_plan(org, by=person)
    colleague = member(other_org, Role.KEY_WORKER)
    with pytest.raises(services.PlanError, match="peer reviewer"):
        services.reviewer_grant(org=org, plan=plan, email=colleague.email, full_name="",
                                kind="peer", expires_on=datetime.date(2099, 1, 1), by=person,
                                today=datetime.date(2026, 11, 1))
