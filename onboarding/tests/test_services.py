"""Preview per category, idempotent re-run, errors named per row, staff roles, tutor groups →
key-worker assignments."""

import pytest

from keyworkers.models import KeyWorkerAssignment
from learners.choices import LeavingReason, PlanStatus
from learners.models import EnrolmentEnd, LearnerProfile, Plan
from onboarding import samples, services
from onboarding.choices import ImportKind, Outcome, Preset, RunStatus
from onboarding.models import ImportRun, MisPerson, TutorGroup
from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Membership
from tests.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(org):
    return member(org, Role.ORG_ADMIN)


def run_file(org, admin, data, *, kind=ImportKind.PUPILS, preset=Preset.SIMS, end_missing=False, apply=True):
    run = services.import_run_create(org=org, kind=kind, preset=preset, file_name="export.csv", data=data, by=admin)
    assert run.status == RunStatus.PREVIEWING
    run = services.import_run_preview(org=org, run=run)
    if apply:
        run = services.import_run_confirm(org=org, run=run, by=admin, end_missing=end_missing)
        run = services.import_run_apply(org=org, run=run)
    return run


def by_outcome(run, outcome):
    return [i for i in run.preview if i["outcome"] == outcome]


def pupils(n=10, **kwargs):
    return samples.pupil_rows(n, **kwargs)


def test_first_import_creates_pupils_profiles_and_plans(org, other_org, admin):
    run = run_file(org, admin, samples.to_csv(samples.PUPIL_HEADER, pupils(10)))
    assert run.counts[Outcome.CREATE] == 10
    assert run.status == RunStatus.APPLIED and run.applied_by == admin and run.file_sha256
    profiles = LearnerProfile.objects.for_org(org)
    assert profiles.count() == 10
    first = profiles.select_related("user").get(upn=samples.upn(0))
    assert (first.year_group, first.tutor_group, first.target_group) == ("7", "7A", "year_9")
    assert first.user.full_name == "Amelia Smith" and first.user.email.endswith("@pupils.invalid")
    assert not first.user.has_usable_password()
    assert Plan.objects.for_org(org).filter(profile=first, status="active").count() == 1
    assert Membership.objects.for_org(org).filter(user=first.user, role=Role.LEARNER).exists()
    assert MisPerson.objects.for_org(org).get(mis_id="1000").sen_status == "K"
    assert LearnerProfile.objects.for_org(other_org).count() == 0


def test_same_file_again_changes_nothing(org, admin):
    data = samples.to_csv(samples.PUPIL_HEADER, pupils(10))
    run_file(org, admin, data)
    before = (LearnerProfile.objects.for_org(org).count(), Plan.objects.for_org(org).count())
    again = run_file(org, admin, data)
    assert again.counts == {Outcome.UNCHANGED: 10, "applied": {}}
    assert (LearnerProfile.objects.for_org(org).count(), Plan.objects.for_org(org).count()) == before


def test_preview_lists_updates_field_by_field_and_proposed_leavers(org, admin):
    rows = pupils(10)
    run_file(org, admin, samples.to_csv(samples.PUPIL_HEADER, rows))
    rows[3][9] = "10B"  # tutor group changed
    left = rows.pop(5), rows.pop(5)  # two leavers
    rows.append(pupils(11)[10])  # a new pupil
    run = run_file(org, admin, samples.to_csv(samples.PUPIL_HEADER, rows), apply=False)
    assert {k: v for k, v in run.counts.items()} == {Outcome.UNCHANGED: 7, Outcome.UPDATE: 1, Outcome.END: 2,
                                                     Outcome.CREATE: 1}
    [update] = by_outcome(run, Outcome.UPDATE)
    assert update["row"] == 5 and update["changes"] == [["Tutor group", "10A", "10B"]]
    assert {i["mis_id"] for i in by_outcome(run, Outcome.END)} == {left[0][0], left[1][0]}
    # The preview wrote nothing.
    assert LearnerProfile.objects.for_org(org).get(upn=rows[3][1]).tutor_group == "10A"
    assert LearnerProfile.objects.for_org(org).count() == 10


def test_proposed_leavers_stay_unless_the_admin_confirms_ending(org, admin):
    rows = pupils(6)
    run_file(org, admin, samples.to_csv(samples.PUPIL_HEADER, rows))
    shorter = samples.to_csv(samples.PUPIL_HEADER, rows[:5])
    run_file(org, admin, shorter)
    assert LearnerProfile.objects.for_org(org).filter(is_active=True).count() == 6
    run_file(org, admin, shorter, end_missing=True)
    left = LearnerProfile.objects.for_org(org).get(upn=rows[5][1])
    assert not left.is_active
    # Through the leaving flow: recorded with its reason, the plan closed, and the learner keeps
    # their membership to read their closed plans in /me/.
    ending = EnrolmentEnd.objects.for_org(org).get(profile=left)
    assert ending.reason == LeavingReason.OTHER and "MIS" in ending.reason_detail
    assert not Plan.objects.for_org(org).filter(profile=left, status=PlanStatus.ACTIVE).exists()
    assert Membership.objects.for_org(org).get(user_id=left.user_id).is_active
    run_file(org, admin, shorter, end_missing=True)  # again: nothing more
    assert EnrolmentEnd.objects.for_org(org).filter(profile=left).count() == 1


def test_errors_are_named_per_row_with_what_to_fix(org, admin):
    rows = pupils(6)
    rows[0][7] = "31/02/2012"  # impossible date → row 2
    rows[1][8] = "Year 19"  # unknown year group → row 3
    rows[3][1] = rows[2][1]  # duplicate UPN → rows 4 and 5
    other = member(org, Role.KEY_WORKER)
    rows[4][11] = other.email  # email of another person → row 6
    run = run_file(org, admin, samples.to_csv(samples.PUPIL_HEADER, rows), apply=False)
    errors = {i["row"]: i["errors"] for i in by_outcome(run, Outcome.ERROR)}
    assert errors[2] == [["Date of birth", "Date of birth 31/02/2012 is not a date: write it as 03/09/2012 or 2012-09-03"]]
    assert "Year group Year 19 is not known" in errors[3][0][1]
    assert errors[4][0][1].startswith(f"UPN {rows[2][1]} is also on row 5")
    assert errors[5][0][1].startswith(f"UPN {rows[2][1]} is also on row 4")
    assert any("used by another person" in message for _label, message in errors[6])
    run = services.import_run_confirm(org=org, run=run, by=admin, end_missing=False)
    services.import_run_apply(org=org, run=run)
    assert LearnerProfile.objects.for_org(org).count() == 1  # only the good row


def test_upn_of_a_pupil_enrolled_by_hand_links_instead_of_duplicating(org, admin):
    from learners.tests.factories import LearnerProfileFactory

    existing = LearnerProfileFactory(organisation=org, upn=samples.upn(0), year_group="7", tutor_group="7A")
    run = run_file(org, admin, samples.to_csv(samples.PUPIL_HEADER, pupils(1)), apply=False)
    [item] = run.preview
    assert item["outcome"] == Outcome.UPDATE and ["MIS id", "", "1000"] in item["changes"]


def test_a_confirmed_run_cannot_be_confirmed_twice(org, admin):
    run = run_file(org, admin, samples.to_csv(samples.PUPIL_HEADER, pupils(2)))
    with pytest.raises(services.ImportError_):
        services.import_run_confirm(org=org, run=run, by=admin, end_missing=False)


def test_staff_get_memberships_with_several_roles_and_tutor_groups(org, admin):
    data = samples.to_csv(samples.STAFF_HEADER, samples.staff_rows(["7A", "7B"]))
    run = run_file(org, admin, data, kind=ImportKind.STAFF)
    assert run.counts[Outcome.CREATE] == 2
    lead = Membership.objects.for_org(org).select_related("user").get(user__email="tutor0@school.example")
    assert lead.role == Role.CAREERS_LEAD and lead.extra_roles == [Role.KEY_WORKER]
    assert lead.has_role(Role.KEY_WORKER) and lead.has_role(Role.CAREERS_LEAD) and not lead.has_role(Role.SENCO)
    assert TutorGroup.objects.for_org(org).get(code="7A").tutor == lead.user
    again = run_file(org, admin, data, kind=ImportKind.STAFF)
    assert again.counts[Outcome.UNCHANGED] == 2


def test_staff_file_never_demotes_the_admin_and_names_unknown_roles(org, admin):
    rows = [["T1", "Ada", "Admin", admin.email, "SENCO", ""], ["T2", "Bo", "Bee", "bo@school.example", "Wizard", ""]]
    run = run_file(org, admin, samples.to_csv(samples.STAFF_HEADER, rows), kind=ImportKind.STAFF)
    [error] = by_outcome(run, Outcome.ERROR)
    assert error["row"] == 3 and "Role wizard is not known" in error["errors"][0][1]
    membership = Membership.objects.for_org(org).get(user=admin)
    assert membership.role == Role.ORG_ADMIN and membership.extra_roles == [Role.SENCO]


def test_tutor_groups_become_key_worker_assignments_once(org, admin):
    rows = pupils(8, years=(7,), forms=2)
    run_file(org, admin, samples.to_csv(samples.PUPIL_HEADER, rows))
    run_file(org, admin, samples.to_csv(samples.STAFF_HEADER, samples.staff_rows(["7A", "7B"])), kind=ImportKind.STAFF)
    plans = services.tutor_groups_plan(org=org)
    assert [(p.group.code, p.pupils, p.to_change) for p in plans] == [("7A", 4, 4), ("7B", 4, 4)]
    assert services.tutor_groups_assign(org=org, by=admin) == 8
    tutor = TutorGroup.objects.for_org(org).get(code="7A").tutor
    caseload = LearnerProfile.objects.for_org(org).filter(key_worker=tutor)
    assert sorted(caseload.values_list("tutor_group", flat=True)) == ["7A"] * 4
    assert KeyWorkerAssignment.objects.for_org(org).filter(key_worker=tutor, ends_on__isnull=True).count() == 4
    assert services.tutor_groups_assign(org=org, by=admin) == 0


def test_a_file_with_other_headers_waits_for_columns_then_remembers_them(org, admin):
    data = b"Pupil ref;First;Last;Yr\r\n77;Ann;Lee;10\r\n"
    run = services.import_run_create(org=org, kind=ImportKind.PUPILS, preset=Preset.OTHER, file_name="x.csv",
                                     data=data, by=admin)
    assert run.status == RunStatus.NEEDS_COLUMNS
    run = services.import_run_set_columns(org=org, run=run, by=admin, columns={
        "mis_id": "Pupil ref", "legal_forename": "First", "legal_surname": "Last", "year_group": "Yr"})
    assert run.status == RunStatus.PREVIEWING
    run = services.import_run_preview(org=org, run=run)
    assert run.counts == {Outcome.CREATE: 1}
    second = services.import_run_create(org=org, kind=ImportKind.PUPILS, preset=Preset.OTHER, file_name="y.csv",
                                        data=data, by=admin)
    assert second.status == RunStatus.PREVIEWING


def test_runs_of_another_organisation_are_not_reachable(org, other_org, admin):
    run = run_file(org, admin, samples.to_csv(samples.PUPIL_HEADER, pupils(1)), apply=False)
    assert not ImportRun.objects.for_org(other_org).filter(pk=run.pk).exists()
    with pytest.raises(ValueError):
        services.import_run_preview(org=other_org, run=run)
