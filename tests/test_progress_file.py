"""The complete progress file (issue 16): what each audience's copy holds, read back from the PDF
as a person downloads it (rendered by the workers, eager in tests) — the learner, a parent with
a grant, the key worker, a careers adviser through a partnership, and the local authority
(refused) — its contents and bookmarks, and a render whose queries do not grow with the record."""

import datetime
import io

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from guidance import services as guidance_services
from guidance.tests.factories import careers_service, partnership
from keyworkers import services as kw_services
from keyworkers.tests.factories import learner_with_plan
from learners import services
from learners.choices import Audience, AuthorRole, PlanStatus, ShareRelationship
from learners.models import Plan
from learners.pdf import progress_file_context
from learners.permissions import plan_viewer
from learners.tests.factories import plan_for, target_for
from plp_portal.organisations.choices import OrganisationKind, Role
from tests.factories import OrganisationFactory, member
from tests.pdfs import fetch_pdf, pdf_bytes

pytestmark = pytest.mark.django_db

PLAN_NOTE = "Settled in well and set first targets"
STAFF_NOTE = "Discussed home circumstances privately"
SENSITIVE = "Reader in exams"
TARGET = "Read one book a month"
STAFF_TARGET = "Staff watch on punctuality"
PROGRESS = "Halfway through the second novel"
CONCERN = "Late to lessons on Mondays"
STAFF_CONCERN = "Worry noted by the pastoral team"
LOG_TEXT = "Learned to weld a straight seam"
REPORT = "Strong essays, keep drafting"
REVIEW_TEXT = "Good progress this half term"
EVALUATION = "Nearly there with reading"
INTERVIEW = "Talked about nursing courses"
STAFF_INTERVIEW = "Adviser note for staff only"
ACTION = "Visit the college open day"
DESTINATION = "Northgate College, Health and Social Care"
PAST_PLAN = "Year 9 options programme"
ALL_PLAN_TEXTS = (PLAN_NOTE, TARGET, PROGRESS, CONCERN, LOG_TEXT, REPORT)
STAFF_TEXTS = (STAFF_NOTE, STAFF_TARGET, STAFF_CONCERN, STAFF_INTERVIEW)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _record(org, plan, *, n=1):
    """A learner's record with ``n`` of every kind of row, PLAN and STAFF audiences."""
    kw, learner, profile = plan.profile.key_worker, plan.profile.user, plan.profile
    today = timezone.localdate()
    for i in range(n):
        suffix = "" if i == 0 else f" ({i})"
        services.narrative_append(org=org, plan=plan, by=kw, author_role=AuthorRole.TUTOR, text=PLAN_NOTE + suffix)
        services.narrative_append(org=org, plan=plan, by=kw, author_role=AuthorRole.TUTOR, text=STAFF_NOTE + suffix,
                                  audience=Audience.STAFF)
        target = target_for(plan, by=kw, title=TARGET + suffix)
        services.target_progress_update(org=org, target=target, by=kw, status="in_progress", note=PROGRESS + suffix)
        target_for(plan, by=kw, title=STAFF_TARGET + suffix, audience=Audience.STAFF)
        services.concern_raise(org=org, plan=plan, by=learner, category="attendance", description=CONCERN + suffix,
                               raised_by_learner=True)
        services.concern_raise(org=org, plan=plan, by=kw, category="wellbeing", description=STAFF_CONCERN + suffix)
        entry = services.log_entry_add(org=org, plan=plan, by=learner, kind="blog", written_on=today,
                                       what_learned=LOG_TEXT + suffix)
        entry.file.save("seam.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"0" * 20), save=False)
        entry.file_content_type = "image/png"
        entry.save()
        services.subject_report_add(org=org, plan=plan, by=kw, subject=f"English{suffix}", reported_on=today,
                                    comment=REPORT + suffix, working_at_grade="5", target_grade="6")
        review = kw_services.review_start(org=org, plan=plan, by=kw)
        kw_services.review_save_draft(
            org=org, review=review, by=kw, expected_version=review.version,
            fields={"overall_progress": REVIEW_TEXT + suffix, "next_review_on": today + datetime.timedelta(weeks=6)},
            evaluations={target.pk: ("in_progress", EVALUATION + suffix)})
        kw_services.review_sign_key_worker(org=org, review=review, by=kw)
        kw_services.review_sign_learner(org=org, review=review, by=learner)
    return target


@pytest.fixture
def world(org):
    org.parent = OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY)
    org.save(update_fields=["parent"])
    plan = learner_with_plan(org, support_needs=SENSITIVE)
    profile = plan.profile
    past = plan_for(profile, by=plan.profile.key_worker, programme_name=PAST_PLAN,
                    starts_on=datetime.date(2025, 9, 1), ends_on=datetime.date(2026, 7, 20))
    Plan.objects.for_org(org).filter(pk=past.pk).update(status=PlanStatus.CLOSED)
    _record(org, plan)
    service = careers_service()
    adviser = member(service, Role.CAREERS_ADVISER)
    partnership(service, org, advisers=[adviser])
    today = timezone.localdate()
    guidance_services.interview_record(profile=profile, org=service, adviser=adviser, kind="individual",
                                       held_on=today, summary=INTERVIEW,
                                       actions=[(ACTION, today + datetime.timedelta(days=30))])
    guidance_services.interview_record(profile=profile, org=service, adviser=adviser, kind="individual",
                                       held_on=today, summary=STAFF_INTERVIEW, audience=Audience.STAFF)
    guidance_services.destination_record(profile=profile, by=adviser, kind="intended", category="education",
                                         recorded_on=today, detail=DESTINATION, org=service)
    return {"org": org, "plan": plan, "profile": profile, "service": service, "adviser": adviser,
            "learner": profile.user, "key_worker": profile.key_worker}


def _pdf(response):
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf_bytes(response)))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    return reader, text


def _outline_titles(reader):
    titles = []

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    return titles


def test_the_learners_copy_holds_their_whole_record_but_no_staff_only_record(world, sign_in):
    reader, text = _pdf(fetch_pdf(sign_in(world["learner"]),
                                  reverse("me:plan_pdf", kwargs={"learner_plan_id": world["plan"].pk})))
    assert text.index("This is your progress file") < text.index("Contents")  # the summary page first
    for expected in (*ALL_PLAN_TEXTS, SENSITIVE, REVIEW_TEXT, EVALUATION, INTERVIEW, ACTION, DESTINATION,
                     PAST_PLAN, "A photo is attached to this entry"):
        assert expected in text, expected
    for hidden in STAFF_TEXTS:
        assert hidden not in text, hidden
    # Tagged PDF (PDF/UA) with bookmarks for every section.
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    titles = _outline_titles(reader)
    for section in ("Contents", "Starting point", "Plan and targets", "Learning journey", "Learning log",
                    "Concerns", "Subject reports and tracking", "Reviews", "Careers guidance and action plans",
                    "Destinations", "Past plans"):
        assert section in titles, section


def test_a_parent_with_a_grant_reads_the_plan_but_not_staff_records_sensitive_fields_or_reviews(world, sign_in):
    parent = member(world["org"], Role.PARENT_CARER)
    services.plan_share_grant(org=world["org"], plan=world["plan"], grantee=parent,
                              relationship=ShareRelationship.PARENT_CARER, by=world["learner"])
    _reader, text = _pdf(fetch_pdf(sign_in(parent),
                                   reverse("me:shared_plan_pdf", kwargs={"learner_plan_id": world["plan"].pk})))
    assert "This is the progress file of" in text
    for expected in (*ALL_PLAN_TEXTS, INTERVIEW, DESTINATION):
        assert expected in text, expected
    # Reviews are read by the learner, the staff and an employer or provider who signs them.
    for hidden in (*STAFF_TEXTS, SENSITIVE, REVIEW_TEXT, PAST_PLAN):
        assert hidden not in text, hidden


def test_the_key_worker_reads_every_record_with_the_sensitive_fields(world, sign_in):
    _reader, text = _pdf(fetch_pdf(sign_in(world["key_worker"]), reverse(
        "learners:plan_pdf", kwargs={"org_slug": world["org"].slug, "learner_plan_id": world["plan"].pk})))
    for expected in (*ALL_PLAN_TEXTS, *STAFF_TEXTS, SENSITIVE, REVIEW_TEXT, EVALUATION, INTERVIEW, DESTINATION,
                     PAST_PLAN):
        assert expected in text, expected


def test_an_adviser_through_a_partnership_reads_staff_records_but_not_the_sensitive_fields(world, sign_in):
    url = reverse("guidance:learner_progress_file",
                  kwargs={"org_slug": world["service"].slug, "profile_id": world["profile"].pk})
    _reader, text = _pdf(fetch_pdf(sign_in(world["adviser"]), url))
    for expected in (*ALL_PLAN_TEXTS, *STAFF_TEXTS, REVIEW_TEXT, INTERVIEW, ACTION, DESTINATION):
        assert expected in text, expected
    assert SENSITIVE not in text


def test_an_adviser_whose_partnership_ended_gets_nothing(world, sign_in):
    from guidance.models import Partnership

    Partnership.objects.for_org(world["service"]).update(ends_on=timezone.localdate() - datetime.timedelta(days=1),
                                                         starts_on=timezone.localdate() - datetime.timedelta(days=300))
    url = reverse("guidance:learner_progress_file",
                  kwargs={"org_slug": world["service"].slug, "profile_id": world["profile"].pk})
    assert sign_in(world["adviser"]).get(url).status_code == 404


def test_the_local_authority_is_refused_every_progress_file(world, sign_in):
    officer = member(world["org"].parent, Role.LA_OFFICER)
    client = sign_in(officer)
    plan, profile = world["plan"], world["profile"]
    for url in (reverse("learners:plan_pdf", kwargs={"org_slug": world["org"].parent.slug, "learner_plan_id": plan.pk}),
                reverse("learners:plan_pdf", kwargs={"org_slug": world["org"].slug, "learner_plan_id": plan.pk}),
                reverse("guidance:learner_progress_file", kwargs={"org_slug": world["org"].parent.slug,
                                                                   "profile_id": profile.pk}),
                reverse("me:plan_pdf", kwargs={"learner_plan_id": plan.pk}),
                reverse("me:shared_plan_pdf", kwargs={"learner_plan_id": plan.pk})):
        assert client.get(url).status_code in (403, 404), url


def test_a_new_review_or_guidance_record_makes_a_new_document(world):
    from plp_portal.pdfs.services import pdf_fingerprint

    org, plan = world["org"], world["plan"]

    def fingerprint():
        return pdf_fingerprint(org_id=org.pk, kind="learners.progress_file", object_id=plan.pk)

    before = fingerprint()
    review = kw_services.review_start(org=org, plan=plan, by=world["key_worker"])
    after_review = fingerprint()
    kw_services.review_cancel(org=org, review=review, by=world["key_worker"], reason="Learner absent")
    after_cancel = fingerprint()
    guidance_services.destination_record(profile=world["profile"], by=world["adviser"], kind="actual",
                                         category="education", recorded_on=timezone.localdate(),
                                         org=world["service"])
    after_destination = fingerprint()
    services.concern_raise(org=org, plan=plan, by=world["key_worker"], category="other", description="New")
    assert len({before, after_review, after_cancel, after_destination, fingerprint()}) == 5


def _render_queries(plan, user):
    viewer = plan_viewer(plan=plan, user=user)
    with CaptureQueriesContext(connection) as queries:
        progress_file_context(plan=plan, viewer=viewer, actor=user)
    return len(queries)


@pytest.mark.parametrize("who", ["learner", "key_worker"])
def test_the_render_costs_the_same_queries_with_five_times_the_record(world, who):
    plan, user = world["plan"], world[who]
    small = _render_queries(plan, user)
    _record(world["org"], plan, n=4)
    for i in range(4):
        guidance_services.interview_record(
            profile=world["profile"], org=world["service"], adviser=world["adviser"], kind="individual",
            held_on=timezone.localdate(), summary=f"{INTERVIEW} {i}",
            actions=[(f"{ACTION} {i}", timezone.localdate() + datetime.timedelta(days=30))])
    assert _render_queries(plan, user) == small
    assert small <= 25


# --- The review record (one review, the same workers and storage) -----------------------------


def test_the_review_record_pdf_for_the_learner_and_the_staff_and_no_one_else(world, sign_in):
    from keyworkers.choices import ReviewStatus
    from keyworkers.models import Review

    org, plan = world["org"], world["plan"]
    staff_target = plan.targets.get(title=STAFF_TARGET)
    review = Review.objects.for_org(org).get(plan=plan, status=ReviewStatus.COMPLETED)
    from keyworkers.models import ReviewTargetEvaluation

    ReviewTargetEvaluation.objects.create(organisation=org, review=review, target=staff_target, status="achieved",
                                          note="Staff-only evaluation note")
    _reader, text = _pdf(fetch_pdf(sign_in(world["learner"]),
                                   reverse("me_reviews:review_pdf", kwargs={"review_id": review.pk})))
    assert f"review {review.number}" in text and REVIEW_TEXT in text and EVALUATION in text
    assert "Staff-only evaluation note" not in text
    _reader, text = _pdf(fetch_pdf(sign_in(world["key_worker"]), reverse(
        "keyworkers:review_pdf", kwargs={"org_slug": org.slug, "review_id": review.pk})))
    assert REVIEW_TEXT in text and "Staff-only evaluation note" in text
    parent = member(org, Role.PARENT_CARER)
    services.plan_share_grant(org=org, plan=plan, grantee=parent, relationship=ShareRelationship.PARENT_CARER,
                              by=world["learner"])
    assert sign_in(parent).get(reverse("me_reviews:review_pdf", kwargs={"review_id": review.pk})).status_code == 404
    officer = member(org.parent, Role.LA_OFFICER)
    assert sign_in(officer).get(reverse(
        "keyworkers:review_pdf", kwargs={"org_slug": org.slug, "review_id": review.pk})).status_code in (403, 404)


# --- A caseload's progress files as one ZIP --------------------------------------------------


def test_a_key_worker_downloads_the_caseloads_progress_files_as_one_zip_and_is_emailed(world, sign_in):
    import zipfile

    from django.test import TestCase

    from plp_portal.notifications.models import OutboundEmail
    from plp_portal.pdfs.models import PdfBundle

    org, kw = world["org"], world["key_worker"]
    learner_with_plan(org, key_worker=kw)
    learner_with_plan(org)  # another key worker's learner: not in this caseload
    client = sign_in(kw)
    index = reverse("keyworkers:index", kwargs={"org_slug": org.slug})
    assert "Download the progress files of these 2 learners" in client.get(index).content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("keyworkers:caseload_bundle", kwargs={"org_slug": org.slug}))
    bundle = PdfBundle.objects.for_org(org).get(requested_by=kw)
    assert response["Location"] == bundle.page_path
    assert bundle.status == PdfBundle.Status.READY and bundle.included_count == 2 and bundle.done_count == 2
    page = client.get(bundle.page_path).content.decode()
    assert "Your ZIP is ready: 2 PDFs" in page
    download = client.get(reverse("keyworkers:bundle_download", kwargs={"org_slug": org.slug, "bundle_id": bundle.pk}))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert len(archive.namelist()) == 2
    assert all(archive.read(name).startswith(b"%PDF") for name in archive.namelist())
    texts = [" ".join(PdfReader(io.BytesIO(archive.read(n))).pages[2].extract_text().split())
             for n in archive.namelist()]
    assert any(SENSITIVE in text for text in texts)  # the key worker's own view of each learner
    # Each file rendered for the ZIP is stored: the next ZIP (and the key worker's own download of
    # any of these files) is served from storage, not rendered again.
    from plp_portal.pdfs.models import PdfRender

    stored = PdfRender.objects.for_org(org).filter(kind="learners.progress_file", status="done")
    assert stored.count() == 2
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(reverse("keyworkers:caseload_bundle", kwargs={"org_slug": org.slug}))
    assert stored.count() == 2
    assert PdfBundle.objects.for_org(org).filter(status="ready", included_count=2).count() == 2
    assert OutboundEmail.objects.filter(to=kw.email, subject__startswith="Your ZIP is ready",
                                        body_text__contains=f"{bundle.page_path}\n").exists()
    # Someone else's bundle is a 404.
    other = sign_in(member(org, Role.KEY_WORKER))
    assert other.get(bundle.page_path).status_code == 404
