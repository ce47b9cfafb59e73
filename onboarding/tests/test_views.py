"""The admin's pages as a browser uses them: upload, preview, confirm, read back; bounded
queries on the preview and key-worker pages however many rows."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from learners.models import LearnerProfile
from onboarding import samples, services
from onboarding.choices import ImportKind, RunStatus
from onboarding.models import ImportRun
from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Membership
from tests.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(org):
    return member(org, Role.ORG_ADMIN)


def url(name, org, **kwargs):
    return reverse(f"onboarding:{name}", kwargs={"org_slug": org.slug, **kwargs})


def upload(client, org, data, *, kind="pupils", preset="sims", name="pupils.csv"):
    return client.post(url(f"upload_{kind}", org), {"preset": preset, "file": SimpleUploadedFile(name, data)})


def test_admin_uploads_previews_confirms_and_reads_the_result(client, sign_in, org, admin):
    sign_in(admin)
    rows = samples.pupil_rows(5)
    rows[2][7] = "2012-13-40"
    response = upload(client, org, samples.to_csv(samples.PUPIL_HEADER, rows))
    run = ImportRun.objects.for_org(org).get()
    assert response.status_code == 302 and response["Location"] == url("run", org, run_id=run.pk)
    page = client.get(response["Location"]).content.decode()
    assert "To create: 4" in page and "Errors: 1" in page
    assert "Date of birth 2012-13-40 is not a date" in page and ">4<" in page  # row 4
    assert LearnerProfile.objects.for_org(org).count() == 0
    response = client.post(url("run_apply", org, run_id=run.pk), {})
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.APPLIED and run.applied_by == admin
    assert LearnerProfile.objects.for_org(org).count() == 4
    page = client.get(url("run", org, run_id=run.pk)).content.decode()
    assert "What the import did" in page
    # Confirming again changes nothing and says why.
    client.post(url("run_apply", org, run_id=run.pk), {})
    assert LearnerProfile.objects.for_org(org).count() == 4


def test_upload_refuses_a_file_that_is_not_csv_naming_the_field(client, sign_in, org, admin):
    sign_in(admin)
    response = upload(client, org, b"%PDF-1.7", name="pupils.pdf")
    assert response.status_code == 200
    assert "The selected file must be a CSV file (.csv)" in response.content.decode()
    response = upload(client, org, b"Adno\n")
    assert "The file has a header row but no data rows." in response.content.decode()
    assert not ImportRun.objects.for_org(org).exists()


def test_unknown_columns_go_through_the_mapping_page(client, sign_in, org, admin):
    sign_in(admin)
    response = upload(client, org, b"Ref,First,Last,Yr\n1,Ann,Lee,9\n", preset="other")
    run = ImportRun.objects.for_org(org).get()
    assert response["Location"] == url("run_columns", org, run_id=run.pk)
    page = client.get(response["Location"]).content.decode()
    assert "Which column is which?" in page
    response = client.post(response["Location"], {"mis_id": "Ref", "legal_forename": "First",
                                                  "legal_surname": "Last", "year_group": ""})
    assert "Select Year group" in response.content.decode() or "Year group" in response.content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.NEEDS_COLUMNS
    response = client.post(url("run_columns", org, run_id=run.pk), {
        "mis_id": "Ref", "legal_forename": "First", "legal_surname": "Last", "year_group": "Yr"})
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == RunStatus.READY and run.counts == {"create": 1}


def test_discard_keeps_nothing(client, sign_in, org, admin):
    sign_in(admin)
    upload(client, org, samples.to_csv(samples.PUPIL_HEADER, samples.pupil_rows(2)))
    run = ImportRun.objects.for_org(org).get()
    client.post(url("run_discard", org, run_id=run.pk))
    run.refresh_from_db()
    assert run.status == RunStatus.DISCARDED and run.rows == []
    assert LearnerProfile.objects.for_org(org).count() == 0


def test_key_workers_page_assigns_on_confirmation_only(client, sign_in, org, admin):
    sign_in(admin)
    for kind, data in (("pupils", samples.to_csv(samples.PUPIL_HEADER, samples.pupil_rows(4, years=(9,)))),
                       ("staff", samples.to_csv(samples.STAFF_HEADER, samples.staff_rows(["9A", "9B"])))):
        upload(client, org, data, kind=kind)
        run = ImportRun.objects.for_org(org).latest("pk")
        client.post(url("run_apply", org, run_id=run.pk), {})
    page = client.get(url("key_workers", org)).content.decode()
    assert "Assign 4 key workers" in page
    response = client.post(url("key_workers", org), {})
    assert "There is a problem" in response.content.decode()
    assert not LearnerProfile.objects.for_org(org).filter(key_worker__isnull=False).exists()
    client.post(url("key_workers", org), {"confirm": "on"})
    assert LearnerProfile.objects.for_org(org).filter(key_worker__isnull=False).count() == 4


def test_other_roles_are_refused(client, sign_in, org):
    sign_in(member(org, Role.CAREERS_LEAD))
    assert client.get(url("index", org)).status_code == 403


def test_multi_role_member_reaches_the_pages_of_each_role(client, sign_in, org):
    lead = member(org, Role.CAREERS_LEAD)
    Membership.objects.for_org(org).filter(user=lead).update(extra_roles=[Role.KEY_WORKER])
    sign_in(lead)
    assert client.get(reverse("keyworkers:index", kwargs={"org_slug": org.slug})).status_code == 200
    page = client.get(reverse("organisations:home", kwargs={"org_slug": org.slug})).content.decode()
    assert "Careers plan" in page and "Caseload" in page


def test_admin_gives_a_member_extra_roles(client, sign_in, org, admin):
    lead = member(org, Role.CAREERS_LEAD)
    membership = Membership.objects.for_org(org).get(user=lead)
    sign_in(admin)
    response = client.post(reverse("organisations:membership_edit", kwargs={"org_slug": org.slug,
                                                                            "membership_id": membership.pk}),
                           {"role": Role.CAREERS_LEAD, "extra_roles": [Role.KEY_WORKER, Role.SENCO], "action": "role"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.extra_roles == [Role.KEY_WORKER, Role.SENCO]
    response = client.post(reverse("organisations:membership_edit", kwargs={"org_slug": org.slug,
                                                                            "membership_id": membership.pk}),
                           {"role": Role.CAREERS_LEAD, "extra_roles": [Role.ORG_ADMIN], "action": "role"})
    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.extra_roles == [Role.KEY_WORKER, Role.SENCO]


@pytest.mark.parametrize("pupils", [3, 600])
def test_preview_page_queries_do_not_grow_with_rows(client, sign_in, org, admin, pupils, django_assert_max_num_queries):
    run = services.import_run_create(org=org, kind=ImportKind.PUPILS, preset="sims", file_name="p.csv", by=admin,
                                     data=samples.to_csv(samples.PUPIL_HEADER, samples.pupil_rows(pupils)))
    services.import_run_preview(org=org, run=run)
    sign_in(admin)
    with django_assert_max_num_queries(12):
        response = client.get(url("run", org, run_id=run.pk) + "?outcome=create&page=2")
    assert response.status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(url("index", org)).status_code == 200


@pytest.mark.parametrize("groups", [1, 8])
def test_key_workers_page_queries_do_not_grow_with_groups(client, sign_in, org, admin, groups,
                                                           django_assert_max_num_queries):
    codes = [f"9{chr(65 + i)}" for i in range(groups)]
    for kind, data in ((ImportKind.PUPILS, samples.to_csv(samples.PUPIL_HEADER, samples.pupil_rows(
            groups * 3, years=(9,), forms=groups))), (ImportKind.STAFF, samples.to_csv(samples.STAFF_HEADER,
                                                                                       samples.staff_rows(codes)))):
        run = services.import_run_create(org=org, kind=kind, preset="sims", file_name="f.csv", by=admin, data=data)
        run = services.import_run_preview(org=org, run=run)
        services.import_run_apply(org=org, run=services.import_run_confirm(org=org, run=run, by=admin,
                                                                           end_missing=False))
    sign_in(admin)
    with django_assert_max_num_queries(16):
        assert client.get(url("key_workers", org)).status_code == 200


def test_bulk_invitations_batch_withdraw_and_accept_sets_the_password(client, sign_in, org, admin, settings):
    from django.test import Client

    from onboarding.models import MisPerson
    from plp_portal.organisations.models import Invitation

    data = samples.to_csv(samples.STAFF_HEADER, samples.staff_rows([f"9{c}" for c in "ABC"]))
    run = services.import_run_preview(org=org, run=services.import_run_create(
        org=org, kind=ImportKind.STAFF, preset="sims", file_name="s.csv", by=admin, data=data))
    services.import_run_apply(org=org, run=services.import_run_confirm(org=org, run=run, by=admin, end_missing=False))
    settings_batch = services.INVITE_BATCH
    services.INVITE_BATCH = 2
    try:
        sign_in(admin)
        page = client.get(url("invitations", org)).content.decode()
        assert "3 imported people have not been invited" in page
        client.post(url("invitations", org), {"action": "send"})
        assert Invitation.objects.for_org(org).count() == 2
        client.post(url("invitations", org), {"action": "send"})
        client.post(url("invitations", org), {"action": "send"})
        assert Invitation.objects.for_org(org).count() == 3
        page = client.get(url("invitations", org)).content.decode()
        assert "Not accepted yet (3)" in page
        client.post(url("invitations", org), {"action": "withdraw"})
        assert not Invitation.objects.for_org(org).filter(revoked_at__isnull=True).exists()
        client.post(url("invitations", org), {"action": "send"})
    finally:
        services.INVITE_BATCH = settings_batch
    # The imported tutor accepts through the link and sets their password.
    invitation = Invitation.objects.for_org(org).filter(revoked_at__isnull=True).order_by("email").first()
    token, token_hash = Invitation.new_token()
    Invitation.objects.for_org(org).filter(pk=invitation.pk).update(token_hash=token_hash)
    visitor = Client()
    response = visitor.post(reverse("invitation_accept", kwargs={"token": token}), {
        "full_name": "Amelia Tutor", "password1": "a-long-pass-phrase-9", "password2": "a-long-pass-phrase-9"})
    assert response.status_code == 302
    user = MisPerson.objects.for_org(org).select_related("user").get(user__email=invitation.email).user
    assert user.check_password("a-long-pass-phrase-9")
    assert Membership.objects.for_org(org).get(user=user).role == invitation.role


def test_a_long_file_is_checked_and_imported_by_the_worker_with_progress(client, sign_in, org, admin,
                                                                         django_capture_on_commit_callbacks):
    sign_in(admin)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, org, samples.to_csv(samples.PUPIL_HEADER, samples.pupil_rows(services.SYNC_ROWS + 1)))
    run = ImportRun.objects.for_org(org).get()
    assert run.status == RunStatus.READY  # the (eager) worker task checked it after commit
    ImportRun.objects.for_org(org).filter(pk=run.pk).update(status=RunStatus.APPLYING, progress_done=200,
                                                            progress_total=501)
    page = client.get(url("run", org, run_id=run.pk)).content.decode()
    assert 'http-equiv="refresh"' in page and "200 of 501 done" in page and "<progress" in page
    partial = client.get(url("run", org, run_id=run.pk), HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('<div id="import-progress"') and 'hx-trigger="every 2s"' in partial
    ImportRun.objects.for_org(org).filter(pk=run.pk).update(status=RunStatus.READY)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("run_apply", org, run_id=run.pk), {})
    run.refresh_from_db()
    assert run.status == RunStatus.APPLIED and LearnerProfile.objects.for_org(org).count() == services.SYNC_ROWS + 1
    done = client.get(url("run", org, run_id=run.pk), HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"
