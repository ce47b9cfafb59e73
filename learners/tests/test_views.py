"""The learners pages through the test client: permissions per role (learner, parent with and
without a grant, key worker, another organisation's staff with and without a grant, expired
grant), the write flows, the progress-file PDF and the query budgets."""

import datetime
import io

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from learners import services
from learners.choices import Audience, AuthorRole, ShareRelationship, TargetStatus
from learners.models import LearnerProfile, LogEntry, PlanShare, PlanShareInvitation
from plp_portal.audit.models import AuditEvent
from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Membership
from tests.factories import UserFactory, member
from tests.pdfs import fetch_pdf

from .factories import LearnerProfileFactory, plan_for, target_for

pytestmark = pytest.mark.django_db

# A due date the forms accept whatever day the suite runs (new targets are due today or later).
SOON = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

STAFF_SECRET = "Discussed home circumstances privately"
PLAN_TEXT = "Settled in well and set first targets"


@pytest.fixture
def world(org, other_org):
    key_worker = member(org, Role.KEY_WORKER, full_name="Kim Keyworker")
    profile = LearnerProfileFactory(organisation=org, support_needs="Reader in exams")
    services.learner_set_key_worker(org=org, learner=profile, user=key_worker)
    plan = plan_for(profile, by=key_worker, long_term_goal="Become a nurse")
    services.narrative_append(org=org, plan=plan, by=key_worker, author_role=AuthorRole.TUTOR, text=PLAN_TEXT)
    services.narrative_append(org=org, plan=plan, by=key_worker, author_role=AuthorRole.TUTOR, text=STAFF_SECRET,
                              audience=Audience.STAFF)
    target = target_for(plan, by=key_worker, title="Read one book a month")
    return {"org": org, "other_org": other_org, "key_worker": key_worker, "profile": profile, "plan": plan,
            "learner": profile.user, "target": target}


def _o(world, name, **kwargs):
    return reverse(f"learners:{name}", kwargs={"org_slug": world["org"].slug, **kwargs})


def _share(world, grantee, **kwargs):
    return services.plan_share_grant(org=world["org"], plan=world["plan"], grantee=grantee,
                                     relationship=ShareRelationship.PARENT_CARER, by=world["learner"], **kwargs)


# --- Permissions per role ----------------------------------------------------------------------


def test_key_worker_sees_every_staff_page_of_their_learner(world, sign_in):
    client = sign_in(world["key_worker"])
    plan, target = world["plan"], world["target"]
    entry = plan.narrative.first()
    concern = services.concern_raise(org=world["org"], plan=plan, by=world["key_worker"], category="other",
                                     description="Late")
    pages = [
        _o(world, "index"), _o(world, "profile", profile_id=world["profile"].pk),
        _o(world, "profile_edit", profile_id=world["profile"].pk),
        _o(world, "at_risk_set", profile_id=world["profile"].pk), _o(world, "plan", learner_plan_id=plan.pk),
        _o(world, "plan_edit", learner_plan_id=plan.pk), _o(world, "timeline", learner_plan_id=plan.pk),
        _o(world, "target_add", learner_plan_id=plan.pk), _o(world, "target", target_id=target.pk),
        _o(world, "narrative_add", learner_plan_id=plan.pk), _o(world, "narrative_correct", narrative_id=entry.pk),
        _o(world, "concern_add", learner_plan_id=plan.pk), _o(world, "concern", concern_id=concern.pk),
        _o(world, "report_add", learner_plan_id=plan.pk), _o(world, "reports", learner_plan_id=plan.pk),
        _o(world, "log", learner_plan_id=plan.pk),
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url
    body = client.get(_o(world, "plan", learner_plan_id=plan.pk)).content.decode()
    assert STAFF_SECRET in body and PLAN_TEXT in body


def test_sensitive_fields_shown_to_key_worker_and_audited(world, sign_in):
    client = sign_in(world["key_worker"])
    body = client.get(_o(world, "profile", profile_id=world["profile"].pk)).content.decode()
    assert "Reader in exams" in body
    assert AuditEvent.objects.filter(action="learners.profile.sensitive_read").exists()


def test_careers_lead_sees_plan_but_not_sensitive_fields(world, sign_in):
    client = sign_in(member(world["org"], Role.CAREERS_LEAD))
    body = client.get(_o(world, "profile", profile_id=world["profile"].pk)).content.decode()
    assert "Reader in exams" not in body
    form = client.get(_o(world, "profile_edit", profile_id=world["profile"].pk)).content.decode()
    assert "support_needs" not in form
    assert client.get(_o(world, "plan", learner_plan_id=world["plan"].pk)).status_code == 200


def test_another_key_worker_cannot_see_the_plan(world, sign_in):
    client = sign_in(member(world["org"], Role.KEY_WORKER))
    assert client.get(_o(world, "plan", learner_plan_id=world["plan"].pk)).status_code == 404
    assert client.get(_o(world, "target", target_id=world["target"].pk)).status_code == 404
    assert world["profile"].user.display_name not in client.get(_o(world, "index")).content.decode()


def test_learner_and_parent_cannot_use_staff_pages(world, sign_in):
    for user in (world["learner"], member(world["org"], Role.PARENT_CARER)):
        client = sign_in(user)
        assert client.get(_o(world, "plan", learner_plan_id=world["plan"].pk)).status_code == 403


def test_learner_sees_own_plan_without_staff_records(world, sign_in):
    client = sign_in(world["learner"])
    home = client.get(reverse("me:home")).content.decode()
    assert "Become a nurse" in home and "Read one book a month" in home
    full = client.get(reverse("me:plan_full", kwargs={"learner_plan_id": world["plan"].pk})).content.decode()
    assert PLAN_TEXT in full and STAFF_SECRET not in full


def test_parent_without_grant_sees_nothing(world, sign_in):
    parent = member(world["org"], Role.PARENT_CARER)
    client = sign_in(parent)
    assert client.get(reverse("me:shared_plan", kwargs={"learner_plan_id": world["plan"].pk})).status_code == 404
    assert world["learner"].display_name not in client.get(reverse("me:home")).content.decode()


def test_parent_with_grant_reads_plan_records_only(world, sign_in):
    parent = member(world["org"], Role.PARENT_CARER)
    _share(world, parent)
    client = sign_in(parent)
    assert world["learner"].display_name in client.get(reverse("me:home")).content.decode()
    body = client.get(reverse("me:shared_plan", kwargs={"learner_plan_id": world["plan"].pk})).content.decode()
    assert PLAN_TEXT in body and STAFF_SECRET not in body and "Reader in exams" not in body
    # Read-only: no sign button for a parent, and the learner's pages are not theirs.
    assert "Sign as" not in body
    assert client.get(reverse("me:plan", kwargs={"learner_plan_id": world["plan"].pk})).status_code == 404


def test_expired_grant_gives_nothing(world, sign_in):
    parent = member(world["org"], Role.PARENT_CARER)
    _share(world, parent, expires_at=timezone.now() - datetime.timedelta(minutes=1))
    client = sign_in(parent)
    assert client.get(reverse("me:shared_plan", kwargs={"learner_plan_id": world["plan"].pk})).status_code == 404
    assert client.get(reverse("me:shared_plan_pdf", kwargs={"learner_plan_id": world["plan"].pk})).status_code == 404


def test_other_organisation_staff_with_and_without_grant(world, sign_in):
    tutor = member(world["other_org"], Role.SUBJECT_TUTOR)
    client = sign_in(tutor)
    shared_url = reverse("me:shared_plan", kwargs={"learner_plan_id": world["plan"].pk})
    assert client.get(shared_url).status_code == 404
    assert client.get(_o(world, "plan", learner_plan_id=world["plan"].pk)).status_code == 404
    services.plan_share_grant(org=world["org"], plan=world["plan"], grantee=tutor,
                              relationship=ShareRelationship.OFF_SITE_TUTOR, by=world["learner"])
    body = client.get(shared_url).content.decode()
    assert PLAN_TEXT in body and STAFF_SECRET not in body
    # The off-site tutor may sign the learning contract as the off-site provider.
    client.post(reverse("me:shared_plan_sign", kwargs={"learner_plan_id": world["plan"].pk}),
                {"version": world["plan"].version})
    assert world["plan"].signatures.filter(signer=tutor, role="off_site_provider").exists()
    # Still nothing through the organisation's pages.
    assert client.get(_o(world, "plan", learner_plan_id=world["plan"].pk)).status_code == 404


def test_me_urls_404_for_another_learners_objects(world, sign_in):
    other = LearnerProfileFactory(organisation=world["org"])
    other_plan = plan_for(other)
    other_target = other_plan.targets.first()
    share = services.plan_share_grant(org=world["org"], plan=other_plan, grantee=UserFactory(),
                                      relationship="employer", by=other.user)
    client = sign_in(world["learner"])
    for url in (
        reverse("me:plan", kwargs={"learner_plan_id": other_plan.pk}),
        reverse("me:targets", kwargs={"learner_plan_id": other_plan.pk}),
        reverse("me:log", kwargs={"learner_plan_id": other_plan.pk}),
        reverse("me:plan_pdf", kwargs={"learner_plan_id": other_plan.pk}),
        reverse("me:sharing", kwargs={"learner_plan_id": other_plan.pk}),
        reverse("me:target", kwargs={"target_id": other_target.pk}),
        reverse("me:share_revoke", kwargs={"share_id": share.pk}),
        reverse("me:shared_plan", kwargs={"learner_plan_id": other_plan.pk}),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code in (404, 405), url


# --- Staff write flows -------------------------------------------------------------------------


def test_staff_target_progress_approval_narrative_concern_report_and_at_risk(world, sign_in):
    org, plan, kw = world["org"], world["plan"], world["key_worker"]
    client = sign_in(kw)
    long_term = plan.targets.get(is_final_outcome=True)
    response = client.post(_o(world, "target_add", learner_plan_id=plan.pk), {
        "title": "Finish the coursework", "term": "short", "parent": long_term.pk, "due_on": SOON,
        "audience": "plan"})
    assert response.status_code == 302
    target = plan.targets.get(title="Finish the coursework")
    assert target.parent == long_term and target.is_approved
    client.post(_o(world, "target", target_id=target.pk), {"status": "in_progress", "note": "Half done"})
    target.refresh_from_db()
    assert target.status == TargetStatus.IN_PROGRESS and target.progress.get().note == "Half done"

    learner_target = services.target_create(org=org, plan=plan, by=world["learner"], set_by_role="learner",
                                            title="Learn to drive", due_on=datetime.date(2027, 1, 1))
    client.post(_o(world, "target_approve", target_id=learner_target.pk))
    learner_target.refresh_from_db()
    assert learner_target.approved_by == kw

    client.post(_o(world, "narrative_add", learner_plan_id=plan.pk), {"author_role": "tutor", "text": "First", "audience": "plan"})
    entry = plan.narrative.get(text="First")
    client.post(_o(world, "narrative_correct", narrative_id=entry.pk), {"author_role": "tutor", "text": "Fixed"})
    assert plan.narrative.get(text="Fixed").corrects == entry

    client.post(_o(world, "concern_add", learner_plan_id=plan.pk), {"category": "attendance", "description": "Late",
                                                            "audience": "restricted", "restricted_roles": ["subject_tutor"]})
    concern = plan.concerns.get()
    assert concern.audience == "restricted" and concern.restricted_role_list == ["subject_tutor"]
    client.post(_o(world, "concern", concern_id=concern.pk), {"action": "update", "update-status": "monitoring"})
    concern.refresh_from_db()
    assert concern.status == "monitoring"
    client.post(_o(world, "concern", concern_id=concern.pk), {"action": "resolve", "resolve-resolution": "Better"})
    concern.refresh_from_db()
    assert concern.status == "resolved"

    client.post(_o(world, "report_add", learner_plan_id=plan.pk), {"subject": "Maths", "working_at_grade": "4",
                                                           "target_grade": "5", "reported_on": "2026-10-01",
                                                           "audience": "plan"})
    assert "Maths" in client.get(_o(world, "plan", learner_plan_id=plan.pk)).content.decode()

    level = services.at_risk_levels_seed_defaults(org=org)[1]
    client.post(_o(world, "at_risk_set", profile_id=world["profile"].pk), {"level": level.pk, "reason": "Attendance"})
    world["profile"].refresh_from_db()
    assert world["profile"].at_risk_level == level
    # The plan page names why and when the current status was set (the latest of the history).
    set_at = world["profile"].at_risk_history.first().set_at
    assert (f"(Attendance, {timezone.localtime(set_at):%-d %b %Y})"
            in client.get(_o(world, "plan", learner_plan_id=plan.pk)).content.decode())
    listing = client.get(_o(world, "index") + f"?at_risk_level={level.pk}").content.decode()
    assert world["learner"].display_name in listing
    # The row: the learner's profile link and their level as a tag of its colour.
    assert f'href="{_o(world, "profile", profile_id=world["profile"].pk)}">{world["learner"].display_name}</a>' in listing
    colour = {"red": "red", "amber": "orange", "green": "green", "gold": "yellow"}.get(level.code, "grey")
    assert f'<strong class="govuk-tag govuk-tag--{colour}">{level.name}</strong>' in listing
    caseload = client.get(reverse("keyworkers:index", kwargs={"org_slug": org.slug})).content.decode()
    assert f'<strong class="govuk-tag govuk-tag--{colour}">{level.name}</strong>' in caseload
    other_level = services.at_risk_levels_seed_defaults(org=org)[0]
    listing = client.get(_o(world, "index") + f"?at_risk_level={other_level.pk}").content.decode()
    assert world["learner"].display_name not in listing


def test_stale_plan_edit_keeps_input_and_shows_their_values(world, sign_in):
    plan = world["plan"]
    client = sign_in(world["key_worker"])
    services.plan_update(org=world["org"], plan=plan, by=world["key_worker"], expected_version=plan.version,
                         long_term_goal="Their goal")
    response = client.post(_o(world, "plan_edit", learner_plan_id=plan.pk), {
        "version": 1, "programme_name": plan.programme_name, "long_term_goal": "My goal",
        "starts_on": "2026-09-01", "ends_on": "2027-07-20"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this plan" in body and "Their goal" in body and "My goal" in body
    plan.refresh_from_db()
    assert plan.long_term_goal == "Their goal"


def test_staff_sign_shows_changed_after_signing(world, sign_in):
    plan = world["plan"]
    client = sign_in(world["key_worker"])
    client.post(_o(world, "plan_sign", learner_plan_id=plan.pk), {"version": plan.version})
    services.plan_update(org=world["org"], plan=plan, by=world["key_worker"], expected_version=plan.version,
                         qualifications="GCSEs")
    assert "Changed after signing" in client.get(_o(world, "plan", learner_plan_id=plan.pk)).content.decode()


def test_enrol_learner_then_initial_assessment(world, sign_in):
    org = world["org"]
    newcomer = member(org, Role.LEARNER, full_name="Nia Newcomer")
    client = sign_in(member(org, Role.SUBJECT_TUTOR))
    response = client.post(_o(world, "add"), {
        "learner": newcomer.pk, "target_group": "key_stage_4", "programme_name": "GCSEs",
        "starts_on": "2026-09-01", "ends_on": "2027-07-20", "final_outcome": "Five GCSEs"})
    assert response.status_code == 302
    profile = LearnerProfile.objects.system("test").get(user=newcomer)
    assert profile.plans.get().targets.get(is_final_outcome=True).title == "Five GCSEs"
    client.post(_o(world, "profile_edit", profile_id=profile.pk), {
        "target_group": "key_stage_4", "support_needs": "Extra time", "induction_completed": "on",
        "strengths_own_words": "Kind"})
    profile.refresh_from_db()
    assert profile.support_needs == "Extra time" and profile.induction_completed_at is not None


def test_org_admin_configures_target_areas_and_at_risk_levels(world, sign_in):
    client = sign_in(member(world["org"], Role.ORG_ADMIN))
    assert client.get(_o(world, "settings_areas")).status_code == 200
    client.post(_o(world, "settings_areas"), {"name": "Enterprise", "code": "enterprise", "order": 20, "is_active": "on"})
    client.post(_o(world, "settings_levels"), {"name": "Purple", "code": "purple", "order": 9})
    assert "Enterprise" in client.get(_o(world, "settings_areas")).content.decode()
    assert "Purple" in client.get(_o(world, "settings_levels")).content.decode()
    assert sign_in(world["key_worker"]).get(_o(world, "settings_areas")).status_code == 403


# --- The learner's space -----------------------------------------------------------------------


def test_learner_sets_target_updates_progress_and_writes_log(world, sign_in):
    plan = world["plan"]
    client = sign_in(world["learner"])
    client.post(reverse("me:target_add", kwargs={"learner_plan_id": plan.pk}), {"title": "Run 5k", "due_on": SOON})
    target = plan.targets.get(title="Run 5k")
    assert target.set_by_role == "learner" and not target.is_approved
    client.post(reverse("me:target", kwargs={"target_id": target.pk}), {"status": "achieved", "note": "Did it"})
    target.refresh_from_db()
    assert target.status == "achieved"
    today = timezone.localdate()
    response = client.post(reverse("me:log_add", kwargs={"learner_plan_id": plan.pk}), {
        "kind": "activity_diary", "written_on": today.isoformat(), "what_learned": "Fractions",
        "ecm_outcomes": ["enjoy_and_achieve"]})
    assert response.status_code == 302
    assert "Fractions" in client.get(reverse("me:log", kwargs={"learner_plan_id": plan.pk})).content.decode()


def test_voice_recording_upload_is_served_only_to_people_who_may_see_it(world, sign_in):
    plan = world["plan"]
    client = sign_in(world["learner"])
    audio = SimpleUploadedFile("note.ogg", b"OggS" + b"\0" * 100, content_type="audio/ogg")
    client.post(reverse("me:log_add", kwargs={"learner_plan_id": plan.pk}), {
        "kind": "voice_recording", "written_on": timezone.localdate().isoformat(), "file": audio})
    entry = LogEntry.objects.for_org(world["org"]).get(kind="voice_recording")
    assert not entry.file.name.endswith("note.ogg")
    url = reverse("me:log_file", kwargs={"log_entry_id": entry.pk})
    assert "<audio" in client.get(reverse("me:log", kwargs={"learner_plan_id": plan.pk})).content.decode()
    response = client.get(url)
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert sign_in(member(world["org"], Role.PARENT_CARER)).get(url).status_code == 404
    staff_url = _o(world, "log_file", log_entry_id=entry.pk)
    assert sign_in(world["key_worker"]).get(staff_url).status_code == 200


def test_log_upload_type_and_size_errors_are_clear(world, sign_in, settings):
    client = sign_in(world["learner"])
    url = reverse("me:log_add", kwargs={"learner_plan_id": world["plan"].pk})
    fake = SimpleUploadedFile("photo.png", b"not a png at all", content_type="image/png")
    body = client.post(url, {"kind": "photo", "written_on": timezone.localdate().isoformat(), "file": fake})
    assert "The selected file must be one of" in body.content.decode()
    settings.PLP_UPLOAD_MAX_BYTES = 50
    big = SimpleUploadedFile("a.ogg", b"OggS" + b"\0" * 100, content_type="audio/ogg")
    body = client.post(url, {"kind": "voice_recording", "written_on": timezone.localdate().isoformat(), "file": big})
    assert "The file must be smaller than" in body.content.decode()
    body = client.post(url, {"kind": "voice_recording", "written_on": timezone.localdate().isoformat()})
    assert "Record your voice or select an audio file" in body.content.decode()


def test_filed_block_is_read_only(world, sign_in):
    plan = world["plan"]
    block = services.log_block_for(org=world["org"], plan=plan, on=plan.starts_on)
    services.log_block_file(org=world["org"], block=block, by=world["key_worker"])
    client = sign_in(world["learner"])
    body = client.post(reverse("me:log_add", kwargs={"learner_plan_id": plan.pk}), {
        "kind": "blog", "written_on": plan.starts_on.isoformat(), "what_learned": "x"}).content.decode()
    assert "filed at a review" in body


# --- Sharing -----------------------------------------------------------------------------------


def test_learner_shares_with_existing_user_then_revokes_with_confirmation(world, sign_in):
    plan = world["plan"]
    parent = member(world["org"], Role.PARENT_CARER)
    client = sign_in(world["learner"])
    client.post(reverse("me:share_add", kwargs={"learner_plan_id": plan.pk}),
                {"email": parent.email, "relationship": "parent_carer"})
    share = PlanShare.objects.for_org(world["org"]).get(grantee=parent)
    assert share.is_active
    sharing = client.get(reverse("me:sharing", kwargs={"learner_plan_id": plan.pk})).content.decode()
    assert parent.display_name in sharing
    revoke = reverse("me:share_revoke", kwargs={"share_id": share.pk})
    assert "Stop sharing with" in client.get(revoke).content.decode()
    client.post(revoke)
    share.refresh_from_db()
    assert share.revoked_at is not None
    assert AuditEvent.objects.filter(action="learners.share.revoked").exists()
    assert sign_in(parent).get(reverse("me:shared_plan", kwargs={"learner_plan_id": plan.pk})).status_code == 404


def test_invitation_creates_an_account_without_membership(world, client, sign_in, django_capture_on_commit_callbacks):
    plan = world["plan"]
    learner_client = sign_in(world["learner"])
    with django_capture_on_commit_callbacks(execute=True):
        learner_client.post(reverse("me:share_add", kwargs={"learner_plan_id": plan.pk}),
                            {"email": "gran@example.test", "relationship": "parent_carer", "ends_on": "2030-01-01"})
    invitation = PlanShareInvitation.objects.for_org(world["org"]).get()
    assert invitation.share_expires_at is not None
    message = next(m for m in mail.outbox if "gran@example.test" in m.to)
    path = next(word for word in message.body.split() if "/invitations/plan/" in word)
    path = path[path.index("/invitations/"):]
    client.logout()
    assert client.get(path).status_code == 200
    response = client.post(path, {"full_name": "Gran", "password1": "a long passphrase 42",
                                  "password2": "a long passphrase 42"})
    assert response.status_code == 302
    gran = PlanShare.objects.for_org(world["org"]).get(plan=plan, revoked_at__isnull=True, grantee__email="gran@example.test").grantee
    assert not Membership.objects.system("test").filter(user=gran).exists()
    assert PLAN_TEXT in client.get(reverse("me:shared_plan", kwargs={"learner_plan_id": plan.pk})).content.decode()
    assert client.get(path).status_code == 410


def test_staff_manage_sharing_only_for_under_13s(world, sign_in):
    plan, profile = world["plan"], world["profile"]
    client = sign_in(world["key_worker"])
    url = _o(world, "sharing", learner_plan_id=plan.pk)
    profile.date_of_birth = timezone.localdate() - datetime.timedelta(days=365 * 15)
    profile.save()
    assert client.get(url).status_code == 403
    profile.date_of_birth = timezone.localdate() - datetime.timedelta(days=365 * 11)
    profile.save()
    assert client.get(url).status_code == 200
    parent = UserFactory()
    client.post(url, {"email": parent.email, "relationship": "parent_carer"})
    assert PlanShare.objects.for_org(world["org"]).filter(grantee=parent, granted_by=world["key_worker"]).exists()


# --- Progress file PDF -------------------------------------------------------------------------


def _pdf_text(response):
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_progress_file_respects_the_viewers_audience(world, sign_in):
    plan = world["plan"]
    learner_text = _pdf_text(fetch_pdf(sign_in(world["learner"]), reverse("me:plan_pdf", kwargs={"learner_plan_id": plan.pk})))
    assert "Read one book a month" in learner_text and PLAN_TEXT in learner_text and STAFF_SECRET not in learner_text
    assert "Page 1 of" in learner_text
    staff_text = _pdf_text(fetch_pdf(sign_in(world["key_worker"]), _o(world, "plan_pdf", learner_plan_id=plan.pk)))
    assert STAFF_SECRET in staff_text
    parent = member(world["org"], Role.PARENT_CARER)
    _share(world, parent)
    parent_text = _pdf_text(fetch_pdf(sign_in(parent), reverse("me:shared_plan_pdf", kwargs={"learner_plan_id": plan.pk})))
    assert PLAN_TEXT in parent_text and STAFF_SECRET not in parent_text and "Reader in exams" not in parent_text


# --- Query budgets -----------------------------------------------------------------------------


def _grow(world, n):
    org, plan, kw = world["org"], world["plan"], world["key_worker"]
    long_term = plan.targets.get(is_final_outcome=True)
    for i in range(n):
        target = target_for(plan, by=kw, title=f"Target {i}", parent=long_term if i % 2 else None)
        services.target_progress_update(org=org, target=target, by=kw, status="in_progress", note="n")
        services.narrative_append(org=org, plan=plan, by=kw, author_role="tutor", text=f"Entry {i}")
        services.concern_raise(org=org, plan=plan, by=kw, category="other", description=f"C{i}")
        services.subject_report_add(org=org, plan=plan, by=kw, subject=f"Subject {i}",
                                    reported_on=datetime.date(2026, 10, 1))
        services.log_entry_add(org=org, plan=plan, by=world["learner"], kind="blog",
                               written_on=plan.starts_on + datetime.timedelta(days=i * 3), what_learned="x")
        other = LearnerProfileFactory(organisation=org)
        services.learner_set_key_worker(org=org, learner=other, user=kw)


def test_pages_stay_within_a_fixed_query_budget(world, sign_in, django_assert_max_num_queries):
    """Every list-like page costs the same number of queries with N and with 5×N rows."""
    plan = world["plan"]
    parent = member(world["org"], Role.PARENT_CARER)
    _share(world, parent)
    pages = [
        ("plan", world["key_worker"], _o(world, "plan", learner_plan_id=plan.pk)),
        ("index", world["key_worker"], _o(world, "index")),
        ("log", world["key_worker"], _o(world, "log", learner_plan_id=plan.pk)),
        ("timeline", world["key_worker"], _o(world, "timeline", learner_plan_id=plan.pk)),
        ("reports", world["key_worker"], _o(world, "reports", learner_plan_id=plan.pk)),
        ("profile", world["key_worker"], _o(world, "profile", profile_id=world["profile"].pk)),
        ("me_home", world["learner"], reverse("me:home")),
        ("me_targets", world["learner"], reverse("me:targets", kwargs={"learner_plan_id": plan.pk})),
        ("me_log", world["learner"], reverse("me:log", kwargs={"learner_plan_id": plan.pk})),
        ("me_full", world["learner"], reverse("me:plan_full", kwargs={"learner_plan_id": plan.pk})),
        ("me_sharing", world["learner"], reverse("me:sharing", kwargs={"learner_plan_id": plan.pk})),
        ("shared", parent, reverse("me:shared_plan", kwargs={"learner_plan_id": plan.pk})),
    ]
    counts = {}
    for more in (3, 12):  # N rows, then 5×N
        _grow(world, more)
        for name, user, url in pages:
            client = sign_in(user)
            with django_assert_max_num_queries(QUERY_BUDGET) as captured:
                assert client.get(url).status_code == 200, name
            counts.setdefault(name, []).append(len(captured.captured_queries))
    assert {name: c for name, c in counts.items() if c[0] != c[1]} == {}, counts


QUERY_BUDGET = 40


def test_expiry_job_is_scheduled_and_removes_the_permission(world):
    from django.conf import settings
    from guardian.shortcuts import get_perms

    from learners.tasks import plan_shares_expire

    assert settings.CELERY_BEAT_SCHEDULE["learners-plan-shares-expire"]["task"] == "learners.plan_shares_expire"
    parent = member(world["org"], Role.PARENT_CARER)
    _share(world, parent, expires_at=timezone.now() - datetime.timedelta(hours=1))
    assert plan_shares_expire.delay().get() == 1
    assert "view_plan" not in get_perms(parent, world["plan"])


def test_key_worker_is_notified_of_a_learner_set_target(world, sign_in):
    from plp_portal.notifications.models import Notification

    client = sign_in(world["learner"])
    client.post(reverse("me:target_add", kwargs={"learner_plan_id": world["plan"].pk}),
                {"title": "Learn to swim", "due_on": SOON})
    note = Notification.objects.for_org(world["org"]).get(user=world["key_worker"])
    assert "Learn to swim" in note.title
    assert sign_in(world["key_worker"]).get(note.url).status_code == 200


def test_whole_school_list_counts_each_learners_active_plans_at_the_same_cost_for_1_and_30(org, other_org, sign_in):
    """The organisation admin's whole-school list: each row's active-plan count is that
    learner's own (closed plans and other organisations' plans not counted), and the page makes
    the same queries for one learner as for a page of thirty (issue 19: the count is computed for
    the page's rows, not joined over every plan)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from learners.models import Plan

    admin = member(org, Role.ORG_ADMIN)
    client = sign_in(admin)
    url = reverse("learners:index", kwargs={"org_slug": org.slug})
    first = plan_for(org=org)
    second = plan_for(first.profile, programme_name="Duke of Edinburgh")
    plan_for(org=other_org)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        body = client.get(url).content.decode()
    assert "2 active" in body
    Plan.objects.for_org(org).filter(pk=second.pk).update(status="closed")
    assert "1 active" in client.get(url).content.decode()
    for _ in range(29):
        LearnerProfileFactory(organisation=org)
    with CaptureQueriesContext(connection) as thirty:
        body = client.get(url).content.decode()
    assert body.count(" active</td>") == 25 and "0 active" in body  # the first page of 30
    assert len(thirty.captured_queries) == len(one.captured_queries)


def test_learners_home_counts_own_targets_waiting_for_the_key_worker(world, sign_in):
    """/me/ says how many of the learner's own targets wait for the key worker to agree (counted
    from the targets the page has read), and stops saying it once the key worker approves."""
    plan = world["plan"]
    learner = sign_in(world["learner"])
    for title in ("Run 5k", "Learn to swim"):
        learner.post(reverse("me:target_add", kwargs={"learner_plan_id": plan.pk}), {"title": title, "due_on": SOON})
    assert "2 of your own targets are waiting for your key worker to agree" in learner.get("/me/").content.decode()
    key_worker = sign_in(world["key_worker"])
    for target in plan.targets.filter(set_by_role="learner", title__in=["Run 5k", "Learn to swim"]):
        response = key_worker.post(reverse("learners:target_approve",
                                           kwargs={"org_slug": world["org"].slug, "target_id": target.pk}))
        assert response.status_code == 302
    assert "waiting for your key worker to agree" not in learner.get("/me/").content.decode()
