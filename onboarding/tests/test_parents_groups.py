"""The parents and carers file (children by MIS id or UPN, read access to their plans through
the plan grant parents already use) and the separate tutor groups file: preview, errors named
per row, idempotent re-run, leavers only on confirmation."""

import datetime

import pytest
from django.urls import reverse

from learners.choices import ShareRelationship
from learners.models import LearnerProfile, Plan, PlanShare, TimelineEvent
from learners.selectors import plans_shared_with
from onboarding import samples, services
from onboarding.choices import ImportKind, Outcome, Preset, RunStatus
from onboarding.models import ImportRun, MisPerson, ParentLink, TutorGroup
from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Invitation, Membership
from tests.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(org):
    return member(org, Role.ORG_ADMIN)


def run_file(org, admin, data, *, kind, preset=Preset.SIMS, end_missing=False, apply=True):
    run = services.import_run_create(org=org, kind=kind, preset=preset, file_name="export.csv", data=data, by=admin)
    assert run.status == RunStatus.PREVIEWING, run.columns
    run = services.import_run_preview(org=org, run=run)
    if apply:
        run = services.import_run_confirm(org=org, run=run, by=admin, end_missing=end_missing)
        run = services.import_run_apply(org=org, run=run)
    return run


def counts(run):
    return {k: v for k, v in run.counts.items() if k != "applied"}


def by_outcome(run, outcome):
    return [i for i in run.preview if i["outcome"] == outcome]


@pytest.fixture
def pupils(org, admin):
    rows = samples.pupil_rows(4)
    run_file(org, admin, samples.to_csv(samples.PUPIL_HEADER, rows), kind=ImportKind.PUPILS)
    return rows


def test_parents_file_previews_then_gives_each_parent_their_childrens_plans(org, other_org, admin, pupils):
    rows = samples.parent_rows(pupils[:3])
    rows.append(rows[0][:5] + [pupils[3][1]])  # the first parent again, with a second child by UPN
    rows.append(["C0100", "Kim", "Nobody", "kim@home.example", "Carer", "9999"])
    rows.append(["C0101", "Lee", "Typo", "lee-at-home.example", "Carer", pupils[0][0]])
    data = samples.to_csv(samples.PARENT_HEADER, rows)
    run = run_file(org, admin, data, kind=ImportKind.PARENTS, apply=False)
    assert run.counts == {Outcome.CREATE: 3, Outcome.ERROR: 2}
    errors = {e["row"]: e["errors"] for e in by_outcome(run, Outcome.ERROR)}
    assert errors[6] == [["Pupils (MIS ids or UPNs)", "Pupil 9999 is not known here: check the MIS id or UPN, "
                                                      "or import the pupils first"]]
    assert "lee-at-home.example is not an email address" in errors[7][0][1]
    assert not ParentLink.objects.for_org(org).exists() and not PlanShare.objects.for_org(org).exists()

    run = services.import_run_apply(org=org, run=services.import_run_confirm(org=org, run=run, by=admin,
                                                                             end_missing=False))
    assert run.status == RunStatus.APPLIED
    parent = MisPerson.objects.for_org(org).get(kind=ImportKind.PARENTS, mis_id="C0000").user
    assert not parent.has_usable_password()
    assert Membership.objects.for_org(org).get(user=parent).role == Role.PARENT_CARER
    children = LearnerProfile.objects.for_org(org).filter(upn__in=[pupils[0][1], pupils[3][1]])
    assert set(ParentLink.objects.for_org(org).filter(parent=parent).values_list("profile_id", flat=True)) == {
        p.pk for p in children}
    shares = PlanShare.objects.for_org(org).filter(grantee=parent)
    assert shares.count() == 2 and {s.relationship for s in shares} == {ShareRelationship.PARENT_CARER}
    assert set(plans_shared_with(user=parent)) == set(Plan.objects.for_org(org).filter(profile__in=children))
    assert not ParentLink.objects.for_org(other_org).exists()

    # The same file again changes nothing: no second grant, no timeline entry.
    events = TimelineEvent.objects.for_org(org).count()
    again = run_file(org, admin, data, kind=ImportKind.PARENTS)
    assert counts(again) == {Outcome.UNCHANGED: 3, Outcome.ERROR: 2}
    assert PlanShare.objects.for_org(org).count() == 4
    assert TimelineEvent.objects.for_org(org).count() == events


def test_a_parent_losing_a_child_or_missing_from_the_file_loses_access_only_when_confirmed(org, admin, pupils):
    rows = samples.parent_rows(pupils[:2])
    rows[0][5] = f"{pupils[0][0]};{pupils[2][0]}"
    run_file(org, admin, samples.to_csv(samples.PARENT_HEADER, rows), kind=ImportKind.PARENTS)
    first = MisPerson.objects.for_org(org).get(kind=ImportKind.PARENTS, mis_id="C0000").user
    second = MisPerson.objects.for_org(org).get(kind=ImportKind.PARENTS, mis_id="C0001").user
    assert len(plans_shared_with(user=first)) == 2

    changed = [rows[0][:5] + [pupils[0][0]]]  # the second child gone; the second parent not in the file
    data = samples.to_csv(samples.PARENT_HEADER, changed)
    run = run_file(org, admin, data, kind=ImportKind.PARENTS, apply=False)
    (update,) = by_outcome(run, Outcome.UPDATE)
    assert update["changes"][0][0] == "Reads the plans of" and update["changes"][0][2] == "Amelia Smith"
    (end,) = by_outcome(run, Outcome.END)
    assert end["name"] == second.display_name
    services.import_run_apply(org=org, run=services.import_run_confirm(org=org, run=run, by=admin, end_missing=False))
    assert len(plans_shared_with(user=first)) == 1
    assert len(plans_shared_with(user=second)) == 1  # kept: not confirmed

    run_file(org, admin, data, kind=ImportKind.PARENTS, end_missing=True)
    assert plans_shared_with(user=second) == [] or not list(plans_shared_with(user=second))
    assert not Membership.objects.for_org(org).get(user=second).is_active


def test_parents_address_of_a_member_of_staff_is_refused(org, admin, pupils):
    member(org, Role.KEY_WORKER, email="teacher@school.example")
    rows = [["C1", "Tess", "Teacher", "teacher@school.example", "Mother", pupils[0][0]]]
    run = run_file(org, admin, samples.to_csv(samples.PARENT_HEADER, rows), kind=ImportKind.PARENTS, apply=False)
    (error,) = by_outcome(run, Outcome.ERROR)
    assert "belongs to a pupil or member of staff here" in error["errors"][0][1]


def test_imported_parents_are_invited_in_the_bulk_invitations(org, admin, pupils):
    run_file(org, admin, samples.to_csv(samples.PARENT_HEADER, samples.parent_rows(pupils[:2])),
             kind=ImportKind.PARENTS)
    assert services.invitations_send_batch(org=org, by=admin) == 2
    assert set(Invitation.objects.for_org(org).values_list("role", flat=True)) == {Role.PARENT_CARER}


def test_the_new_years_plans_are_shared_with_the_parents(org, admin, pupils):
    run_file(org, admin, samples.to_csv(samples.PARENT_HEADER, samples.parent_rows(pupils[:1])),
             kind=ImportKind.PARENTS)
    parent = MisPerson.objects.for_org(org).get(kind=ImportKind.PARENTS).user
    services.rollover_apply(org=org, starts_on=datetime.date(2027, 9, 2), leaving_years=["11"], end_leavers=False,
                            by=admin)
    assert len(plans_shared_with(user=parent)) == 2  # last year's (kept to read) and the new one


# --- The tutor groups file ---------------------------------------------------------------------


def staff_without_groups(org, admin, groups):
    rows = samples.staff_rows(groups)
    for row in rows:
        row[4], row[5] = "Teacher", ""
    run_file(org, admin, samples.to_csv(samples.STAFF_HEADER, rows), kind=ImportKind.STAFF)


def test_groups_file_sets_tutors_and_their_key_worker_role(org, admin):
    staff_without_groups(org, admin, ["7A", "7B"])
    rows = samples.group_rows(["7A", "7B"]) + [["8Z", "T999", "", "Year 8"], ["8Y", "", "", "Year 88"]]
    data = samples.to_csv(samples.GROUP_HEADER, rows)
    run = run_file(org, admin, data, kind=ImportKind.GROUPS, apply=False)
    assert run.counts == {Outcome.CREATE: 2, Outcome.ERROR: 2}
    errors = {e["row"]: e["errors"][0] for e in by_outcome(run, Outcome.ERROR)}
    assert errors[4] == ["Tutor's MIS id (staff code)", "Staff code T999 is not a member of staff here: import "
                                                        "the staff file first, or check the code"]
    assert errors[5][0] == "Year group" and "Year 88 is not known" in errors[5][1]
    assert not TutorGroup.objects.for_org(org).exists()
    services.import_run_apply(org=org, run=services.import_run_confirm(org=org, run=run, by=admin, end_missing=False))
    group = TutorGroup.objects.for_org(org).select_related("tutor").get(code="7A")
    assert group.tutor.email == "tutor0@school.example"
    assert Role.KEY_WORKER in Membership.objects.for_org(org).get(user=group.tutor).roles

    assert counts(run_file(org, admin, data, kind=ImportKind.GROUPS)) == {Outcome.UNCHANGED: 2, Outcome.ERROR: 2}

    # The tutors swap and 7B is no longer in the file.
    swapped = samples.to_csv(samples.GROUP_HEADER, [["7A", "T001", "", "Year 7"]])
    run = run_file(org, admin, swapped, kind=ImportKind.GROUPS, apply=False)
    (update,) = by_outcome(run, Outcome.UPDATE)
    assert update["changes"][0][0] == "Tutor" and update["changes"][0][1] != update["changes"][0][2]
    assert [e["name"] for e in by_outcome(run, Outcome.END)] == ["7B"]
    services.import_run_apply(org=org, run=services.import_run_confirm(org=org, run=run, by=admin, end_missing=True))
    assert list(TutorGroup.objects.for_org(org).values_list("code", "tutor__email")) == [
        ("7A", "tutor1@school.example")]


def test_groups_file_by_tutor_email_then_key_workers_in_one_step(org, admin):
    run_file(org, admin, samples.to_csv(samples.PUPIL_HEADER, samples.pupil_rows(4, years=(9,), forms=1)),
             kind=ImportKind.PUPILS)
    staff_without_groups(org, admin, ["9A"])
    run_file(org, admin, samples.to_csv(samples.GROUP_HEADER, [["9A", "", "TUTOR0@school.example", "9"]]),
             kind=ImportKind.GROUPS)
    assert services.tutor_groups_assign(org=org, by=admin) == 4
    tutor = TutorGroup.objects.for_org(org).get(code="9A").tutor
    assert set(LearnerProfile.objects.for_org(org).values_list("key_worker", flat=True)) == {tutor.pk}


def test_upload_pages_of_the_new_kinds(client, sign_in, org, admin, pupils):
    sign_in(admin)
    for kind in ("groups", "parents"):
        page = client.get(reverse(f"onboarding:upload_{kind}", kwargs={"org_slug": org.slug})).content.decode()
        assert "Which system is the file from?" in page
    response = client.post(reverse("onboarding:upload_parents", kwargs={"org_slug": org.slug}), {
        "preset": "sims", "file": _file(samples.to_csv(samples.PARENT_HEADER, samples.parent_rows(pupils[:2])))})
    run = ImportRun.objects.for_org(org).get(kind=ImportKind.PARENTS)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "To create: 2" in page and "Also end the access of the parents and carers not in the file" not in page
    client.post(reverse("onboarding:run_apply", kwargs={"org_slug": org.slug, "run_id": run.pk}), {})
    assert ParentLink.objects.for_org(org).count() == 2


def _file(data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("export.csv", data)


def test_presets_take_the_header_names_each_system_uses_for_contacts():
    from onboarding.presets import PRESETS, mapping_resolve, missing_required

    header = ["Admission Number", "Person ID", "Forename", "Surname", "Home Email", "Relationship to Student"]
    columns = mapping_resolve(kind=ImportKind.PARENTS, header=header, wanted=PRESETS[Preset.SIMS][ImportKind.PARENTS])
    assert missing_required(kind=ImportKind.PARENTS, columns=columns) == []
    assert columns == {"pupils": 0, "mis_id": 1, "forename": 2, "surname": 3, "email": 4, "relationship": 5}
    # The contact's own columns win over a pupil's in a file with both.
    both = ["Adno", "Forename", "Contact ID", "Contact Forename", "Contact Surname", "Contact Email"]
    columns = mapping_resolve(kind=ImportKind.PARENTS, header=both, wanted=PRESETS[Preset.SIMS][ImportKind.PARENTS])
    assert columns["forename"] == 3
