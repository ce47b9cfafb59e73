"""The pages' forms through HTTP: triage, interview with action plan, destination, group session,
partnership with agreement upload, objectives, settings, the learner's own request."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from guidance.models import Destination, GroupAttendance, Interview, Partnership, Referral
from guidance.tests.factories import current_year, learner, partnership, referral
from learners.models import Target
from plp_portal.audit.models import AuditEvent
from plp_portal.organisations.choices import Role
from tests.factories import member

pytestmark = pytest.mark.django_db

# A due date the forms accept whatever day the suite runs (new targets are due today or later).
SOON = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()


def url(service, name, **kw):
    return reverse(f"guidance:{name}", kwargs={"org_slug": service.slug, **kw})


def test_triage_form_accepts_into_intensive(service, org, other_org, adviser, sign_in):
    partnership(service, org)
    ref = referral(learner(org), reasons=["social_exclusion"])
    client = sign_in(adviser)
    response = client.post(url(service, "referral_triage", referral_id=ref.pk), {
        "decision": "accept_intensive", "allocated_adviser": adviser.pk, "review_on": "2027-01-10", "note": "Weekly"})
    assert response.status_code == 302
    ref.refresh_from_db()
    assert ref.status == "accepted" and ref.profile.guidance.tier == "intensive"
    assert AuditEvent.objects.filter(action="guidance.referral.triaged", object_id=str(ref.pk)).exists()


def test_triage_form_errors_are_shown(service, org, other_org, adviser, sign_in):
    partnership(service, org)
    ref = referral(learner(org))
    response = sign_in(adviser).post(url(service, "referral_triage", referral_id=ref.pk), {"decision": "refer_on"})
    assert response.status_code == 200 and "Enter the agency" in response.content.decode()


def test_interview_form_creates_targets(service, org, other_org, adviser, sign_in):
    partnership(service, org)
    profile = learner(org)
    response = sign_in(adviser).post(url(service, "interview_new", profile_id=profile.pk), {
        "kind": "clinic", "held_on": "2026-11-02", "summary": "Drop-in", "audience": "plan",
        "action_1": "Book a taster day", "action_1_due": SOON})
    assert response.status_code == 302
    interview = Interview.objects.for_org(org).get(profile=profile)
    assert Target.objects.for_org(org).filter(source_id=str(interview.pk), title="Book a taster day").exists()


def test_destination_form_records_leaver(service, org, other_org, adviser, sign_in):
    partnership(service, org)
    profile = learner(org, with_plan=False)
    response = sign_in(adviser).post(url(service, "destination_new", profile_id=profile.pk), {
        "kind": "actual", "category": "neet", "recorded_on": "2026-10-01", "left_on": "2026-07-20"})
    assert response.status_code == 302
    assert Destination.objects.for_org(org).filter(profile=profile, category="neet").exists()
    assert profile.user.full_name in sign_in(adviser).get(url(service, "neet_list")).content.decode()


def test_group_session_form_refers_flagged_learners(service, org, other_org, adviser, sign_in):
    partnership(service, org)
    a, b = learner(org, with_plan=False), learner(org, with_plan=False)
    response = sign_in(adviser).post(url(service, "group_session_new") + f"?school={org.pk}", {
        "topic": "Work experience", "held_on": "2026-11-02", "shown": [a.pk, b.pk], f"attended_{a.pk}": "on",
        f"flag_{a.pk}": "unfocused", f"attended_{b.pk}": "on", f"flag_{b.pk}": ""})
    assert response.status_code == 302
    assert GroupAttendance.objects.for_org(org).count() == 2
    assert list(Referral.objects.for_org(org).values_list("profile_id", flat=True)) == [a.pk]


def test_group_session_for_a_school_without_partnership_is_404(service, org, other_org, adviser, sign_in):
    partnership(service, org)
    assert sign_in(adviser).get(url(service, "group_session_new") + f"?school={other_org.pk}").status_code == 404


def test_partnership_create_upload_and_download(service, org, other_org, adviser, sign_in):
    client = sign_in(adviser)
    response = client.post(url(service, "partnership_new"), {
        "school": org.pk, "academic_year": current_year(), "advisers": [adviser.pk], "referral_process": "Via tutors"})
    assert response.status_code == 302
    p = Partnership.objects.for_org(service).get(school=org)
    assert p.objectives.count() > 0 and [a.adviser for a in p.advisers.all()] == [adviser]
    pdf = SimpleUploadedFile("agreement.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client.post(url(service, "partnership_detail", partnership_id=p.pk), {
        "advisers": [adviser.pk], "referral_process": "Via tutors", "clinic_sessions": "Tuesdays", "agreement": pdf})
    assert response.status_code == 302
    download = client.get(url(service, "partnership_agreement", partnership_id=p.pk))
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    bad = SimpleUploadedFile("agreement.pdf", b"<html>", content_type="application/pdf")
    response = client.post(url(service, "partnership_detail", partnership_id=p.pk), {"agreement": bad})
    assert response.status_code == 200 and "must be one of" in response.content.decode()


def test_objective_status_and_evidence(service, org, other_org, adviser, sign_in):
    p = partnership(service, org)
    objective = p.objectives.first()
    response = sign_in(adviser).post(url(service, "objective_update", partnership_id=p.pk, objective_id=objective.pk),
                                     {"text": objective.text, "status": "met", "evidence": "INSET on 3 Oct"})
    assert response.status_code == 302
    objective.refresh_from_db()
    assert (objective.status, objective.evidence) == ("met", "INSET on 3 Oct")


def test_settings_save_target_days_and_expected_shares(service, org, other_org, adviser, sign_in):
    data = {"triage_target_school_days": 3}
    from guidance.objectives import PARTNERSHIP_GROUPS

    for group in PARTNERSHIP_GROUPS:  # key stage 3 and the statutory groups
        data[f"{group}_filtered"] = 20
        data[f"{group}_intensive"] = 5
    assert sign_in(adviser).post(url(service, "settings"), data).status_code == 302
    from guidance.selectors import service_settings_get

    assert service_settings_get(org=service).triage_target_school_days == 3


def test_learner_self_referral_form(service, org, other_org, adviser, sign_in):
    partnership(service, org, advisers=[adviser])
    profile = learner(org)
    client = sign_in(profile.user)
    assert client.get(reverse("me_guidance:self_refer")).status_code == 200
    response = client.post(reverse("me_guidance:self_refer"), {
        "reasons": ["information"], "notes": "Apprenticeships?", "preferred_adviser": adviser.pk, "consent": "on"})
    assert response.status_code == 302
    ref = Referral.objects.for_org(org).get(profile=profile)
    assert ref.source == "self" and ref.preferred_adviser == adviser and ref.audience == "plan"
    # Without consent nothing is sent.
    response = client.post(reverse("me_guidance:self_refer"), {"reasons": ["information"]})
    assert response.status_code == 200 and Referral.objects.for_org(org).count() == 1


def test_learner_sees_only_plan_audience_records(service, org, other_org, adviser, sign_in):
    from guidance import services

    partnership(service, org)
    profile = learner(org)
    services.interview_record(profile=profile, org=service, adviser=adviser, kind="individual",
                              held_on=datetime.date(2026, 10, 1), summary="Shared notes", audience="plan")
    services.interview_record(profile=profile, org=service, adviser=adviser, kind="individual",
                              held_on=datetime.date(2026, 10, 2), summary="Staff-only notes", audience="staff")
    body = sign_in(profile.user).get(reverse("me_guidance:index")).content.decode()
    assert "Shared notes" in body and "Staff-only notes" not in body


def test_school_dashboard_for_the_careers_lead(service, org, other_org, sign_in):
    partnership(service, org)
    learner(org, with_plan=False)
    response = sign_in(member(org, Role.CAREERS_LEAD)).get(reverse("guidance:dashboard", kwargs={"org_slug": org.slug}))
    assert response.status_code == 200


def test_my_guidance_costs_the_same_queries_with_no_records_and_with_many(service, org, other_org, adviser, sign_in):
    """The learner's own guidance page reads each kind of record once, whatever they hold: none,
    or interviews with action plans, referrals, destinations and partnerships with named
    advisers (it made one query fewer without an interview: the action plans were prefetched
    from the interviews, and Django skips a prefetch with nothing to attach it to)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from guidance import services
    from guidance.tests.factories import careers_service

    profile = learner(org)
    client = sign_in(profile.user)

    def count():
        client.get(reverse("me_guidance:index"))
        with CaptureQueriesContext(connection) as ctx:
            body = client.get(reverse("me_guidance:index")).content.decode()
        return len(ctx.captured_queries), body

    none, body = count()
    assert "No guidance records yet" in body and "Not named yet" in body
    second = member(service, Role.CAREERS_ADVISER)
    partnership(service, org, advisers=[adviser, second])
    other_service = careers_service(slug="other-careers")
    partnership(other_service, org, advisers=[member(other_service, Role.CAREERS_ADVISER)])
    for day in (1, 2, 3):
        services.interview_record(profile=profile, org=service, adviser=adviser, kind="individual",
                                  held_on=datetime.date(2026, 10, day), summary=f"Notes of day {day}",
                                  audience="plan", actions=[("Visit the open day", SOON), ("Ask about bursaries", SOON)])
    for category in ("education", "apprenticeship"):
        services.destination_record(profile=profile, by=adviser, kind="intended", category=category,
                                    recorded_on=datetime.date(2027, 3, 1), detail=f"Plan: {category}", org=service)
    referral(profile, source="self", by=profile.user)
    many, body = count()
    assert body.count("Visit the open day") == 3 and body.count("Ask about bursaries") == 3
    assert "Notes of day 3" in body and body.count("Plan: ") == 2
    assert second.full_name in body and other_service.name in body  # the partnerships' named advisers
    assert many == none <= 20
