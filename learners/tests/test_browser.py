"""Browser journeys for the learners pages in headless Chromium, with the axe-core audit of
every new page: the learner on a phone-sized screen (target, progress, log entry with an audio
file, progress-file PDF), and staff/parent/invitee pages."""

import datetime
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from learners import services
from learners.choices import AuthorRole, ShareRelationship
from plp_portal.organisations.choices import Role
from tests.browser import assert_accessible, sign_in, sign_out, submit_and_see_errors, wait_for_text
from tests.factories import member

from .factories import LearnerProfileFactory, plan_for, target_for

pytestmark = pytest.mark.browser


def _fits_phone(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways on a 375px screen ({overflow}px)"


def _from_home(page, link):
    """Back to the learner's home page (/me/), then the link named ``link`` on it."""
    page.goto("/me/")
    page.get_by_role("link", name=link).click()


def _world(org, *, under_13=False):
    key_worker = member(org, Role.KEY_WORKER, full_name="Kim Keyworker")
    dob = timezone.localdate() - datetime.timedelta(days=365 * (11 if under_13 else 15))
    profile = LearnerProfileFactory(organisation=org, date_of_birth=dob, support_needs="Reader in exams")
    services.learner_set_key_worker(org=org, learner=profile, user=key_worker)
    today = timezone.localdate()
    plan = plan_for(profile, by=key_worker, starts_on=today - datetime.timedelta(days=20),
                    ends_on=today + datetime.timedelta(days=300), long_term_goal="Become a nurse")
    long_term = plan.targets.get(is_final_outcome=True)
    target_for(plan, by=key_worker, title="Read one book a month", parent=long_term, due_on=today)
    services.narrative_append(org=org, plan=plan, by=key_worker, author_role=AuthorRole.TUTOR, text="Settled in.")
    services.concern_raise(org=org, plan=plan, by=key_worker, category="attendance", description="Late twice")
    services.subject_report_add(org=org, plan=plan, by=key_worker, subject="English", reported_on=today,
                                working_at_grade="4", target_grade="5")
    services.at_risk_set(org=org, profile=profile, level=services.at_risk_levels_seed_defaults(org=org)[2],
                         reason="Start of year", by=key_worker)
    return {"key_worker": key_worker, "profile": profile, "plan": plan, "learner": profile.user}


def test_learner_on_a_phone_adds_a_target_updates_it_writes_a_log_entry_and_downloads_the_pdf(
        transactional_db, org, other_org, page, live_server, tmp_path):
    world = _world(org)
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, world["learner"].email)
    page.goto("/me/")
    expect(page.get_by_role("heading", name="What do I do next?")).to_be_visible()
    page.get_by_text("Show my answers").click()  # the ten questions are folded on the home
    expect(page.get_by_role("heading", name="What do I need to do next?")).to_be_visible()
    assert_accessible(page, shows="Become a nurse")
    _fits_phone(page)

    page.get_by_role("link", name="My targets").click()
    assert_accessible(page)
    page.get_by_role("link", name="Set myself a target").click()
    submit_and_see_errors(page, "Save my target")  # empty: the error summary
    page.get_by_label("What do you want to achieve?").fill("Run 5k without stopping")
    page.get_by_label("Due date").fill((timezone.localdate() + datetime.timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Save my target").click()
    wait_for_text(page, "Your key worker will approve it")
    wait_for_text(page, "Awaiting approval")
    _fits_phone(page)

    page.get_by_role("link", name="Update progress on Run 5k without stopping").click()
    assert_accessible(page)
    _fits_phone(page)
    page.get_by_label("In progress").check()
    page.get_by_label("Progress note").fill("Ran 3k on Saturday")
    page.get_by_role("button", name="Save my progress").click()
    wait_for_text(page, "Your progress is saved")

    _from_home(page, "My learning log")
    assert_accessible(page, shows="The learning log is empty")
    page.get_by_role("link", name="Add to my learning log").click()
    page.get_by_role("button", name="Record my voice").wait_for(state="visible")  # MediaRecorder enhancement
    assert_accessible(page)
    _fits_phone(page)
    page.get_by_label("Voice recording", exact=True).check()
    page.get_by_label("Title").fill("My first week")
    page.get_by_label("What did I learn?").fill("How to plan an essay")
    page.get_by_label("Enjoy and achieve").check()
    audio = tmp_path / "note.ogg"
    audio.write_bytes(b"OggS" + b"\0" * 200)
    page.get_by_label("Photo or voice recording").set_input_files(str(audio))
    page.get_by_role("button", name="Save entry").click()
    wait_for_text(page, "Your log entry is saved")
    assert page.locator("audio[src^='/me/log/']").count() == 1
    assert_accessible(page)

    page.goto("/me/")
    for link in ("My whole plan and learning journey", "Who can see my plan"):
        _from_home(page, link)
        assert_accessible(page)
    page.get_by_role("link", name="Share my plan with someone").click()
    assert_accessible(page)
    page.goto("/me/")
    page.get_by_text("Show my answers").click()
    page.get_by_role("link", name="Tell us about something that is getting in the way").click()
    assert_accessible(page)
    page.goto(f"/me/plans/{world['plan'].pk}/full/")
    page.get_by_role("link", name="Add to my learning journey").click()
    assert_accessible(page)
    page.get_by_label("Add to my learning journey").fill("I feel more confident now.")
    page.get_by_role("button", name="Add entry").click()
    wait_for_text(page, "I feel more confident now.")
    page.get_by_role("button", name="Sign my learning contract").click()
    wait_for_text(page, "You signed your learning contract")

    _from_home(page, "Download my progress file (PDF)")
    # Rendered by the workers (eager here, as in the demo): the page offers it at once.
    assert_accessible(page, shows="Your PDF is ready.")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the PDF").click()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(open(download.value.path(), "rb").read())).pages)
    assert "Run 5k without stopping" in text and "In progress" in text
    assert "Voice recording" in text  # the learning log summary
    assert "Page 1 of" in text


def test_staff_parent_and_invitee_pages_pass_axe(transactional_db, org, other_org, page, live_server, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    world = _world(org, under_13=True)
    plan, profile = world["plan"], world["profile"]
    admin = member(org, Role.ORG_ADMIN)
    parent = member(org, Role.PARENT_CARER)
    share = services.plan_share_grant(org=org, plan=plan, grantee=parent, relationship=ShareRelationship.PARENT_CARER,
                                      by=world["learner"])
    invitation = services.plan_share_invite(org=org, plan=plan, email="gran@example.test",
                                            relationship=ShareRelationship.PARENT_CARER, by=world["key_worker"])
    target = plan.targets.get(title="Read one book a month")
    entry = plan.narrative.first()
    concern = plan.concerns.first()

    sign_in(page, admin.email, totp=True)
    base = f"/o/{org.slug}/learners"
    paths = [
        "/", "add/", f"profiles/{profile.pk}/", f"profiles/{profile.pk}/edit/", f"profiles/{profile.pk}/at-risk/",
        f"plans/{plan.pk}/", f"plans/{plan.pk}/edit/", f"plans/{plan.pk}/timeline/", f"plans/{plan.pk}/targets/add/",
        f"plans/{plan.pk}/journey/add/", f"plans/{plan.pk}/concerns/add/", f"plans/{plan.pk}/reports/",
        f"plans/{plan.pk}/reports/add/", f"plans/{plan.pk}/log/", f"plans/{plan.pk}/sharing/",
        f"targets/{target.pk}/", f"journey/{entry.pk}/correct/", f"concerns/{concern.pk}/",
        f"shares/{share.pk}/revoke/", f"share-invitations/{invitation.pk}/revoke/",
        "settings/target-areas/", "settings/at-risk/",
    ]
    for path in paths:
        response = page.goto(base + "/" + path.lstrip("/") if path != "/" else base + "/")
        assert response.status == 200, path
        assert_accessible(page)
    # A form with errors, and the stale-edit message.
    page.goto(f"{base}/plans/{plan.pk}/targets/add/")
    submit_and_see_errors(page, "Set target")
    page.goto(f"{base}/plans/{plan.pk}/edit/")
    services.plan_update(org=org, plan=plan, by=world["key_worker"], expected_version=plan.version,
                         long_term_goal="Their version of the goal")
    page.get_by_label("Long-term goal").fill("My version of the goal")
    page.get_by_role("button", name="Save the plan").click()
    wait_for_text(page, "Someone else changed this plan")
    wait_for_text(page, "Their version of the goal")
    assert page.get_by_label("Long-term goal").input_value() == "My version of the goal"
    assert_accessible(page)
    page.goto(f"{base}/settings/target-areas/")
    page.get_by_role("link", name="Careers").click()
    assert_accessible(page)
    sign_out(page)

    sign_in(page, parent.email)
    page.goto("/me/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(plan.programme_name)).click()
    wait_for_text(page, "Settled in.")
    assert "Late twice" not in page.content()
    assert_accessible(page)
    sign_out(page)

    # The invitation link, for a person with no account.
    from learners.models import PlanShareInvitation

    token, token_hash = PlanShareInvitation.new_token()
    PlanShareInvitation.objects.for_org(org).filter(pk=invitation.pk).update(token_hash=token_hash)
    page.goto(f"/invitations/plan/{token}/")
    assert_accessible(page)
    page.get_by_label("Your full name").fill("Gran Smith")
    page.get_by_label("Create a password").fill("a long passphrase 42")
    page.get_by_label("Confirm your password").fill("a long passphrase 42")
    page.get_by_role("button", name="Create account and see the plan").click()
    wait_for_text(page, "Settled in.")
    page.goto(f"/invitations/plan/{token}/")
    assert_accessible(page, shows="This link does not work")


def test_voice_recording_in_the_browser_under_the_pages_csp(transactional_db, org, other_org, browser, live_server):
    """recorder.js records with MediaRecorder (Chromium's fake microphone), with the page's own
    Content-Security-Policy enforced (no bypass): no inline script is needed."""
    from conftest import CHROMIUM_ARGS

    world = _world(org)
    media_browser = browser.browser_type.launch(
        executable_path="/usr/bin/chromium", headless=True,
        args=CHROMIUM_ARGS + ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"])
    try:
        context = media_browser.new_context(base_url=live_server.url, permissions=["microphone"])
        context.set_default_timeout(10_000)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda msg: errors.append(msg.text) if "Content Security Policy" in msg.text else None)
        sign_in(page, world["learner"].email)
        page.goto(f"/me/plans/{world['plan'].pk}/log/add/")
        page.get_by_role("button", name="Record my voice").click()
        page.locator("[data-plp-recorder][data-chunks]:not([data-chunks='0'])").wait_for(state="attached")
        page.get_by_role("button", name="Stop recording").click()
        try:
            page.get_by_text("Recording ready").wait_for()
        except Exception:
            raise AssertionError((errors, page.locator("[role=status]").all_inner_texts()))
        assert page.get_by_label("Voice recording", exact=True).is_checked()
        page.get_by_role("button", name="Save entry").click()
        wait_for_text(page, "Your log entry is saved")
        assert page.locator("audio[src^='/me/log/']").count() == 1
        assert errors == []
    finally:
        media_browser.close()


def test_learner_ticks_two_every_child_matters_outcomes_and_both_are_kept(
        transactional_db, org, other_org, page, live_server):
    from learners.models import LogEntry

    world = _world(org)
    sign_in(page, world["learner"].email)
    page.goto(f"/me/plans/{world['plan'].pk}/log/add/")
    outcomes = page.get_by_role("group", name="Every Child Matters outcomes")
    expect(outcomes.get_by_role("checkbox")).to_have_count(5)
    page.get_by_label("Title").fill("First aid course")
    page.get_by_label("What did I learn?").fill("The recovery position")
    page.get_by_label("Be healthy").check()
    page.get_by_label("Stay safe").check()
    expect(page.get_by_label("Be healthy")).to_be_checked()  # ticking the second kept the first
    page.get_by_role("button", name="Save entry").click()
    wait_for_text(page, "Your log entry is saved")
    entry = page.locator(".govuk-summary-list__row", has_text="Every Child Matters")
    expect(entry.get_by_text("Be healthy")).to_be_visible()
    expect(entry.get_by_text("Stay safe")).to_be_visible()
    saved = LogEntry.objects.for_org(org).get(plan=world["plan"], title="First aid course")
    assert sorted(saved.ecm_outcomes) == ["be_healthy", "stay_safe"]
