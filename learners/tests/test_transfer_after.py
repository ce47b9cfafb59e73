"""After a record transfer (issue 13): the new organisation's staff see the learner's timeline at
the previous organisation merged into the plan's timeline (marked, audience rules per transfer),
its reviews as read-only review pages, the previous plans in the progress file, and the
sensitive Stage 1 fields only under the learner's separate consent and only in the roles that
see them there — never on a parent's view. The moving-on plan's applications are structured;
the school offers the record of a learner under 13."""

import datetime
import shutil
import subprocess

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from keyworkers import services as kw_services
from keyworkers.models import Review
from learners import services
from learners.choices import ApplicationStatus, Audience, TransferStatus
from learners.models import MovingOnApplication, Plan, RecordTransfer, Target
from learners.pdf import progress_file_context, progress_file_pdf
from learners.permissions import plan_viewer
from learners.tests.factories import LearnerProfileFactory, plan_for, target_for
from learners.tests.test_transfer import college, world  # noqa: F401 (fixtures)
from plp_portal.audit.models import AuditEvent
from plp_portal.organisations.choices import Role
from tests.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed(org, world):
    """The school plan's review 1, signed by the key worker and the learner, evaluating a target
    for everyone and a staff-only one; plus timeline events for staff and for named roles."""
    plan, kw = world["plan"], world["school_kw"]
    services.learner_set_key_worker(org=org, learner=plan.profile, user=kw, by=kw)
    plan = Plan.objects.for_org(org).select_related("profile").get(pk=plan.pk)
    everyone = Target.objects.for_org(org).get(title="Visit the college kitchen")
    staff_only = Target.objects.for_org(org).get(title="Staff-only target")
    review = kw_services.review_start(org=org, plan=plan, by=kw, held_on=datetime.date(2026, 11, 2))
    kw_services.review_save_draft(
        org=org, review=review, by=kw, expected_version=review.version,
        fields={"overall_progress": "Cooks confidently; visited two kitchens.", "next_review_on": datetime.date(2027, 1, 11)},
        evaluations={everyone.pk: ("in_progress", "One visit booked"),
                     staff_only.pk: ("in_progress", "Staff evaluation hidden")})
    kw_services.review_sign_key_worker(org=org, review=Review.objects.for_org(org).get(pk=review.pk), by=kw)
    kw_services.review_sign_learner(org=org, review=Review.objects.for_org(org).get(pk=review.pk), by=world["learner"])
    services.timeline_record(org=org, plan=plan, kind="note", summary="Staff event at school", audience=Audience.STAFF)
    services.timeline_record(org=org, plan=plan, kind="note", summary="Restricted event at school",
                             audience=Audience.RESTRICTED, restricted_roles=[Role.CAREERS_LEAD])
    return Review.objects.for_org(org).get(pk=review.pk)


def _college_plan(world):
    return plan_for(world["college_profile"], by=world["college_kw"], programme_name="Level 2 Catering")


def _offer(world, college, **consent):
    return services.record_transfer_offer(learner=world["learner"], sending_profile=world["plan"].profile,
                                          receiving_org=college, **{"include_staff_records": False, **consent})


def test_the_college_timeline_merges_the_school_timeline_marked_and_audience_filtered(
        org, other_org, college, world, reviewed, sign_in):
    college_plan = _college_plan(world)
    client = sign_in(world["college_kw"])
    url = reverse("learners:timeline", kwargs={"org_slug": college.slug, "learner_plan_id": college_plan.pk})
    before = client.get(url).content.decode()
    assert "Review 1 signed off" not in before and "previous organisation" not in before  # no consent yet

    _offer(world, college)
    page = client.get(url).content.decode()
    assert "Plan started: Level 2 Catering" in page  # the college's own events
    assert "From Northgate School (previous organisation, read-only)" in page
    assert "Staff event at school" not in page and "Restricted event at school" not in page
    review_url = reverse("keyworkers:previous_review", kwargs={"org_slug": college.slug,
                                                               "profile_id": world["college_profile"].pk,
                                                               "review_id": reviewed.pk})
    assert review_url in page
    for side in (org, college):
        assert AuditEvent.objects.filter(organisation=side, action="learners.transfer.read").exists()

    # Staff records only with the learner's consent; restricted never.
    RecordTransfer.objects.for_org(org).update(include_staff_records=True)
    page = client.get(url).content.decode()
    assert "Staff event at school" in page and "Restricted event at school" not in page
    # The school's own timeline is not changed, and shows nothing of the college's.
    school = sign_in(world["school_kw"]).get(reverse("learners:timeline", kwargs={
        "org_slug": org.slug, "learner_plan_id": world["plan"].pk})).content.decode()
    assert "Plan started: Level 2 Catering" not in school and "previous organisation" not in school


def test_school_reviews_open_read_only_at_the_college(org, other_org, college, world, reviewed, sign_in):
    _offer(world, college)
    url = reverse("keyworkers:previous_review", kwargs={"org_slug": college.slug,
                                                        "profile_id": world["college_profile"].pk,
                                                        "review_id": reviewed.pk})
    page = sign_in(world["college_kw"]).get(url)
    body = page.content.decode()
    assert page.status_code == 200
    assert "Review 1 at Northgate School" in body and "Cooks confidently" in body and "One visit booked" in body
    assert "Staff evaluation hidden" not in body  # a staff-only target's evaluation needs consent
    assert "<form" not in body.split('id="main-content"')[-1]  # read-only: nothing to post
    for side in (org, college):
        assert AuditEvent.objects.filter(organisation=side, action="learners.transfer.read",
                                         data__review=reviewed.pk).exists()
    # Listed on the previous record page with its link.
    previous = sign_in(world["college_kw"]).get(reverse("learners:previous_record", kwargs={
        "org_slug": college.slug, "profile_id": world["college_profile"].pk})).content.decode()
    assert url in previous

    # Nobody else reaches it: another organisation, the college's staff after withdrawal, a draft.
    stranger = member(other_org, Role.ORG_ADMIN)
    foreign = reverse("keyworkers:previous_review", kwargs={"org_slug": other_org.slug,
                                                            "profile_id": world["college_profile"].pk,
                                                            "review_id": reviewed.pk})
    assert sign_in(stranger).get(foreign).status_code == 404
    draft = kw_services.review_schedule_next(org=org, plan=world["plan"], by=world["school_kw"])
    draft_url = reverse("keyworkers:previous_review", kwargs={"org_slug": college.slug,
                                                              "profile_id": world["college_profile"].pk,
                                                              "review_id": draft.pk})
    assert sign_in(world["college_kw"]).get(draft_url).status_code == 404
    services.record_transfer_withdraw(transfer=RecordTransfer.objects.for_org(org).get(), by=world["learner"])
    assert sign_in(world["college_kw"]).get(url).status_code == 404


def _file_html(plan, user):
    viewer = plan_viewer(plan=plan, user=user)
    return render_to_string("learners/pdf/progress_file.html", progress_file_context(plan=plan, viewer=viewer,
                                                                                     actor=user))


def test_previous_plans_and_reviews_in_the_college_progress_file(org, other_org, college, world, reviewed):
    college_plan = _college_plan(world)
    assert "Plans at previous organisations" not in _file_html(college_plan, world["college_kw"])
    _offer(world, college)
    html = _file_html(college_plan, world["college_kw"])
    assert "Plans at previous organisations (read-only)" in html and "Become a chef" in html
    assert "Reviews at previous organisations (read-only)" in html and "Cooks confidently" in html
    assert "Staff note" not in html and "safeguarding" not in html and "Staff evaluation hidden" not in html
    pdf = progress_file_pdf(plan=college_plan, viewer=plan_viewer(plan=college_plan, user=world["college_kw"]),
                            actor=world["college_kw"])
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        assert "Become a chef" in text and "Cooks confidently" in text
    # The learner's and a parent's copies at the college carry no section of another organisation.
    parent = member(college, Role.PARENT_CARER)
    services.plan_share_grant(org=college, plan=college_plan, grantee=parent, relationship="parent_carer",
                              by=world["learner"])
    assert "Plans at previous organisations" not in _file_html(college_plan, parent)


def _sensitive_world(org, world):
    from learners.models import LearnerProfile

    LearnerProfile.objects.for_org(org).filter(pk=world["plan"].profile_id).update(
        support_needs="Dyslexia: coloured overlays", attitude="Keen and curious")


def test_sensitive_fields_never_go_without_the_separate_consent(org, other_org, college, world, sign_in):
    _sensitive_world(org, world)
    college_plan = _college_plan(world)
    _offer(world, college, include_staff_records=True)
    url = reverse("learners:previous_record", kwargs={"org_slug": college.slug,
                                                      "profile_id": world["college_profile"].pk})
    page = sign_in(world["college_kw"]).get(url).content.decode()
    assert "Keen and curious" in page  # the Stage 1 profile goes
    assert "Dyslexia" not in page and "the learner did not consent to them" in page
    assert "Dyslexia" not in _file_html(college_plan, world["college_kw"])
    assert not AuditEvent.objects.filter(organisation=college, action="learners.profile.sensitive_read").exists()


def test_sensitive_fields_go_with_consent_only_to_the_roles_that_see_them(org, other_org, college, world, sign_in):
    _sensitive_world(org, world)
    college_plan = _college_plan(world)
    transfer = services.record_transfer_request(org=college, profile=world["college_profile"], sending_org=org,
                                                by=world["college_kw"])
    me = sign_in(world["learner"])
    consent_page = me.get(reverse("me:transfer", kwargs={"transfer_id": transfer.pk})).content.decode()
    assert 'name="include_sensitive"' in consent_page and 'name="include_staff_records"' in consent_page
    assert me.post(reverse("me:transfer", kwargs={"transfer_id": transfer.pk}),
                   {"decision": "consent", "include_sensitive": "on"}).status_code == 302
    transfer.refresh_from_db()
    assert transfer.include_sensitive and not transfer.include_staff_records and transfer.consented_by == world["learner"]
    for side in (org, college):
        assert AuditEvent.objects.filter(organisation=side, action="learners.transfer.sensitive_consented").exists()

    url = reverse("learners:previous_record", kwargs={"org_slug": college.slug,
                                                      "profile_id": world["college_profile"].pk})
    assert "Dyslexia: coloured overlays" in sign_in(world["college_kw"]).get(url).content.decode()
    for side in (org, college):
        assert AuditEvent.objects.filter(organisation=side, action="learners.profile.sensitive_read").exists()
    specialist = member(college, Role.SUBJECT_TUTOR)  # SENSITIVE_ROLES: sees it here, so there
    assert "Dyslexia" in sign_in(specialist).get(url).content.decode()
    lead = member(college, Role.CAREERS_LEAD)  # works with the learner, but not a sensitive role
    lead_page = sign_in(lead).get(url).content.decode()
    assert "Keen and curious" in lead_page and "Dyslexia" not in lead_page
    # PDF: the key worker's copy has it, the lead's does not; a parent's view never.
    assert "Dyslexia: coloured overlays" in _file_html(college_plan, world["college_kw"])
    assert "Dyslexia" not in _file_html(college_plan, lead)
    parent = member(college, Role.PARENT_CARER)
    services.plan_share_grant(org=college, plan=college_plan, grantee=parent, relationship="parent_carer",
                              by=world["learner"])
    assert "Dyslexia" not in _file_html(college_plan, parent)
    shared = sign_in(parent).get(reverse("me:shared_plan", kwargs={"learner_plan_id": college_plan.pk}))
    assert shared.status_code == 200 and "Dyslexia" not in shared.content.decode()


def test_applications_are_added_and_changed_one_at_a_time_without_javascript(org, other_org, world, sign_in):
    plan = world["plan"]
    kw = world["school_kw"]
    services.learner_set_key_worker(org=org, learner=plan.profile, user=kw, by=kw)
    client = sign_in(world["school_kw"])
    add = reverse("learners:moving_on_application_add", kwargs={"org_slug": org.slug, "learner_plan_id": plan.pk})
    assert "Write the moving-on plan first" in client.get(add).content.decode()
    services.moving_on_save(org=org, plan=plan, by=kw, expected_version=None, destination_category="education",
                            applications_note="Went to the open evening")
    response = client.post(add, {"provider": "Demoshire College", "course_or_role": "Level 2 Cookery",
                                 "status": ApplicationStatus.APPLIED, "applied_on": "2026-11-02"})
    assert response.status_code == 302
    application = MovingOnApplication.objects.for_org(org).get()
    assert application.status == ApplicationStatus.APPLIED and application.applied_on == datetime.date(2026, 11, 2)
    edit = reverse("learners:moving_on_application_edit", kwargs={"org_slug": org.slug, "learner_plan_id": plan.pk,
                                                                  "application_id": application.pk})
    bad = client.post(edit, {"provider": "Demoshire College", "course_or_role": "Level 2 Cookery",
                             "status": ApplicationStatus.OFFER, "applied_on": "2026-11-02",
                             "decision_on": "2026-10-01"})
    assert bad.status_code == 200 and "Offer or decision date" in bad.content.decode()
    assert client.post(edit, {"provider": "Demoshire College", "course_or_role": "Level 2 Cookery",
                              "status": ApplicationStatus.ACCEPTED, "applied_on": "2026-11-02",
                              "decision_on": "2027-02-01"}).status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ACCEPTED
    page = client.get(reverse("learners:plan", kwargs={"org_slug": org.slug, "learner_plan_id": plan.pk}))
    body = page.content.decode()
    assert "Demoshire College" in body and "Offer accepted" in body and "Went to the open evening" in body
    # Another plan's application is not reachable through this plan.
    other_plan = plan_for(LearnerProfileFactory(organisation=org))
    foreign = reverse("learners:moving_on_application_edit", kwargs={
        "org_slug": org.slug, "learner_plan_id": other_plan.pk, "application_id": application.pk})
    assert client.get(foreign).status_code == 404
    # The learner sees the applications in their own plan.
    mine = sign_in(world["learner"]).get(reverse("me:plan_full", kwargs={"learner_plan_id": plan.pk}))
    assert "Level 2 Cookery" in mine.content.decode()


def test_the_school_offers_the_record_of_a_learner_under_13(org, other_org, college, world, sign_in):
    from learners.models import LearnerProfile

    profile = world["plan"].profile
    LearnerProfile.objects.for_org(org).filter(pk=profile.pk).update(date_of_birth=datetime.date(2015, 3, 1))
    lead = world["lead"]
    client = sign_in(lead)
    url = reverse("learners:transfer_offer_for_under_13", kwargs={"org_slug": org.slug, "profile_id": profile.pk})
    profile_page = client.get(reverse("learners:profile", kwargs={"org_slug": org.slug, "profile_id": profile.pk}))
    assert url in profile_page.content.decode()
    confirm = client.post(url, {"to_org": college.pk})
    assert confirm.status_code == 200 and "What would be shared" in confirm.content.decode()
    assert not RecordTransfer.objects.for_org(org).exists()  # nothing before the confirmation
    assert client.post(url, {"to_org": college.pk, "confirmed": "on"}).status_code == 302
    transfer = RecordTransfer.objects.for_org(org).get()
    assert transfer.status == TransferStatus.CONSENTED and transfer.consented_by == lead
    assert not transfer.include_sensitive
    for side in (org, college):
        assert AuditEvent.objects.filter(organisation=side, action="learners.transfer.offered_for_under_13").exists()
    previous = sign_in(world["college_kw"]).get(reverse("learners:previous_record", kwargs={
        "org_slug": college.slug, "profile_id": world["college_profile"].pk})).content.decode()
    assert "Become a chef" in previous
    # The key worker may not offer it; nor may anyone for a learner of 13 or over.
    assert sign_in(world["school_kw"]).get(url).status_code in (403, 404)
    LearnerProfile.objects.for_org(org).filter(pk=profile.pk).update(date_of_birth=datetime.date(2010, 3, 1))
    assert client.get(url).status_code == 403
    with pytest.raises(PermissionError):
        services.record_transfer_offer_for_under_13(org=org, profile=LearnerProfile.objects.for_org(org).get(
            pk=profile.pk), receiving_org=college, by=lead, include_staff_records=False)


def test_merged_timeline_and_review_page_queries_do_not_grow(org, other_org, college, world, reviewed, sign_in,
                                                             django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    college_plan = _college_plan(world)
    _offer(world, college)
    client = sign_in(world["college_kw"])
    timeline = reverse("learners:timeline", kwargs={"org_slug": college.slug, "learner_plan_id": college_plan.pk})
    review = reverse("keyworkers:previous_review", kwargs={"org_slug": college.slug,
                                                           "profile_id": world["college_profile"].pk,
                                                           "review_id": reviewed.pk})
    client.get(timeline), client.get(review)
    with CaptureQueriesContext(connection) as timeline_few:
        assert client.get(timeline).status_code == 200
    with CaptureQueriesContext(connection) as review_few:
        assert client.get(review).status_code == 200
    for n in range(12):
        services.timeline_record(org=org, plan=world["plan"], kind="note", summary=f"School event {n}")
        target_for(world["plan"], title=f"More {n}")
    with django_assert_max_num_queries(len(timeline_few.captured_queries)):
        assert client.get(timeline).status_code == 200
    with django_assert_max_num_queries(len(review_few.captured_queries)):
        assert client.get(review).status_code == 200
