"""The issue's "Done when", in a browser: an admin uploads a 300-pupil SIMS-style CSV, sees two
row errors, fixes the file, imports, assigns key workers from tutor groups; a tutor signs in to
a caseload of their form; a second upload with two leavers and one changed tutor group
previews exactly those changes. Every new page passes axe."""

import re

import pytest

from onboarding import samples
from plp_portal.organisations.choices import Role
from tests.browser import assert_accessible, wait_for_text
from tests.browser import staff_sign_in as _staff_sign_in
from tests.factories import PASSWORD, member

pytestmark = pytest.mark.browser

SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLV"


def staff_sign_in(page, user):
    _staff_sign_in(page, user, SECRET)


def upload(page, org, kind_link, path):
    page.goto(f"/o/{org.slug}/set-up/")
    page.get_by_role("link", name=kind_link).click()
    assert_accessible(page)
    page.get_by_label("SIMS").check()
    page.get_by_label("CSV file").set_input_files(str(path))
    with page.expect_navigation(url=re.compile(r"/set-up/runs/\d+/$"), timeout=60_000):
        page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state("load")
    assert "What the import would do" in page.content()


def test_a_school_starts_in_an_afternoon(page, live_server, transactional_db, org, other_org, tmp_path):
    admin = member(org, Role.ORG_ADMIN, full_name="Alex Admin")
    rows = samples.pupil_rows(300)
    good = [list(r) for r in rows]
    rows[9][7] = "31/02/2011"  # row 11: impossible date
    rows[99][8] = "Year 19"  # row 101: unknown year group
    bad_file, good_file = tmp_path / "pupils-bad.csv", tmp_path / "pupils.csv"
    bad_file.write_bytes(samples.to_csv(samples.PUPIL_HEADER, rows))
    good_file.write_bytes(samples.to_csv(samples.PUPIL_HEADER, good))
    forms = samples.forms_of(good)
    staff_file = tmp_path / "staff.csv"
    staff_file.write_bytes(samples.to_csv(samples.STAFF_HEADER, samples.staff_rows(forms)))

    staff_sign_in(page, admin)
    page.goto(f"/o/{org.slug}/set-up/")
    assert_accessible(page)
    upload(page, org, "Import pupils", bad_file)
    assert_accessible(page)
    assert "Errors: 2" in page.content() and "To create: 298" in page.content()
    table = page.locator("table").last.inner_text()
    # Each error on its row (Excel's numbering: the header is row 1), naming the column and the fix.
    first, second = table.index("\n11\t"), table.index("\n101\t")
    assert first < table.index("Date of birth: Date of birth 31/02/2011 is not a date") < second
    assert second < table.index("Year group: Year group Year 19 is not known")
    with page.expect_navigation(url=re.compile(r"/set-up/$")):
        page.get_by_role("button", name="Discard this file").click()

    upload(page, org, "Import pupils", good_file)
    assert "To create: 300" in page.content() and "Errors: 0" in page.content()
    page.get_by_role("button", name="Import 300 changes").click()
    assert_accessible(page, shows="What the import did")

    upload(page, org, "Import staff and tutor groups", staff_file)
    page.get_by_role("button", name=re.compile(r"Import \d+ change")).click()
    wait_for_text(page, "What the import did")

    page.goto(f"/o/{org.slug}/set-up/key-workers/")
    assert_accessible(page)
    page.get_by_label(re.compile("Make each tutor the key worker")).check()
    # 300 assignments, each with its history, timeline and audit: slow on a busy machine.
    with page.expect_navigation(timeout=120_000):
        page.get_by_role("button", name="Assign 300 key workers").click(no_wait_after=True)
    wait_for_text(page, "300 pupils now have their form tutor as key worker")

    page.goto(f"/o/{org.slug}/set-up/new-year/")
    assert_accessible(page)

    # The tutor of 7B signs in to a caseload of their form (7A's tutor is also the careers lead,
    # whose caseload page shows everyone's).
    from django.contrib.auth import get_user_model

    from onboarding.models import TutorGroup

    tutor = TutorGroup.objects.for_org(org).select_related("tutor").get(code="7B").tutor
    # As accepting their invitation does: a password, and the address the link went to verified.
    from allauth.account.models import EmailAddress

    tutor.set_password(PASSWORD)
    tutor.save()
    EmailAddress.objects.create(user=tutor, email=tutor.email, verified=True, primary=True)
    page.context.clear_cookies()
    staff_sign_in(page, get_user_model().objects.get(pk=tutor.pk))
    page.goto(f"/o/{org.slug}/keyworkers/?sort=name")
    caseload = page.content()
    form_7b = [r for r in good if r[9] == "7B"]
    names = {f"{r[4]} {r[3]}" for r in form_7b}
    assert f"Learners and their next reviews ({len(form_7b)})" in caseload
    for name in sorted(names)[:10]:
        assert name in caseload, name
    others = {f"{r[4]} {r[3]}" for r in good if r[9] != "7B"} - names
    assert not [name for name in others if f">{name}<" in caseload]

    # A second upload: two leavers and one changed tutor group preview exactly those changes.
    page.context.clear_cookies()
    staff_sign_in(page, admin)
    second = [list(r) for r in good]
    second[0][9] = "7B"
    leavers = second.pop(50), second.pop(50)
    second_file = tmp_path / "pupils-spring.csv"
    second_file.write_bytes(samples.to_csv(samples.PUPIL_HEADER, second, delimiter=";"))
    upload(page, org, "Import pupils", second_file)
    content = page.content()
    for expected in ("To create: 0", "To update: 1", "Unchanged: 297", "To end (not in the file): 2", "Errors: 0"):
        assert expected in content, expected
    page.get_by_role("link", name="To update: 1").click()
    assert "Tutor group: 7A → 7B" in page.content()
    page.get_by_role("link", name="To end (not in the file): 2").click()
    for leaver in leavers:
        assert f"MIS id {leaver[0]}" in page.content()
    assert_accessible(page)

    # Accounts: invitations for imported staff, and a class sign-in sheet a pupil uses.
    page.goto(f"/o/{org.slug}/set-up/invitations/")
    assert_accessible(page)
    page.goto(f"/o/{org.slug}/set-up/sign-in-sheets/")
    assert_accessible(page)
    page.get_by_label("Tutor group").select_option("8A")
    page.get_by_role("button", name="Make the sheet").click()
    assert_accessible(page, shows="Sign-in sheet for 8A")
    code = page.locator("td code.govuk-\\!-font-size-24").first.inner_text()
    sign_in_name = page.locator("td code").first.inner_text()
    page.context.clear_cookies()
    page.goto("/sign-in/code/")
    assert_accessible(page)
    page.get_by_label("Code from your sign-in sheet").fill(code)
    page.get_by_label("Choose a password").fill("a-long-pass-phrase-7")
    page.get_by_label("Type your password again").fill("a-long-pass-phrase-7")
    page.get_by_role("button", name="Set my password").click()
    wait_for_text(page, f"Next time, sign in with {sign_in_name}")


def test_parents_groups_and_a_queued_job_in_the_browser(page, live_server, transactional_db, org, tmp_path,
                                                         monkeypatch):
    """The parents and groups files and a key-worker job through the worker: every new page
    passes axe."""
    from onboarding import services
    from onboarding.choices import ImportKind
    from onboarding.models import ParentLink

    admin = member(org, Role.ORG_ADMIN, full_name="Alex Admin")
    pupils = samples.pupil_rows(6, years=(9,), forms=1)
    for kind, data in ((ImportKind.PUPILS, samples.to_csv(samples.PUPIL_HEADER, pupils)),
                       (ImportKind.STAFF, samples.to_csv(samples.STAFF_HEADER, [
                           r[:5] + [""] for r in samples.staff_rows(["9A"])]))):
        run = services.import_run_preview(org=org, run=services.import_run_create(
            org=org, kind=kind, preset="sims", file_name="f.csv", by=admin, data=data))
        services.import_run_apply(org=org, run=services.import_run_confirm(org=org, run=run, by=admin,
                                                                           end_missing=False))
    parents = samples.parent_rows(pupils[:3]) + [["C9", "Kim", "Nobody", "kim@home.example", "Carer", "9999"]]
    parents_file, groups_file = tmp_path / "parents.csv", tmp_path / "groups.csv"
    parents_file.write_bytes(samples.to_csv(samples.PARENT_HEADER, parents))
    groups_file.write_bytes(samples.to_csv(samples.GROUP_HEADER, samples.group_rows(["9A"])))

    staff_sign_in(page, admin)
    upload(page, org, "Import parents and carers", parents_file)
    assert_accessible(page)
    assert "To create: 3" in page.content() and "Pupil 9999 is not known here" in page.content()
    page.get_by_role("button", name=re.compile(r"^Import \d+ change")).click()
    wait_for_text(page, "What the import did")
    assert ParentLink.objects.for_org(org).count() == 3

    upload(page, org, "Import tutor groups", groups_file)
    assert "To create: 1" in page.content()
    page.get_by_role("button", name=re.compile(r"^Import \d+ change")).click()
    wait_for_text(page, "What the import did")

    monkeypatch.setattr(services, "JOB_SYNC_SIZE", 0)  # as for a whole school: the worker does it
    page.goto(f"/o/{org.slug}/set-up/key-workers/")
    page.get_by_label("Make each tutor the key worker of their tutor group's pupils").check()
    page.get_by_role("button", name=re.compile("Assign 6 key workers")).click()
    page.wait_for_url(re.compile(r"/set-up/jobs/\d+/$"))
    assert_accessible(page, shows="6 pupils now have their form tutor as key worker")
