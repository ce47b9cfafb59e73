"""Nothing a user enters is lost or silently changed (issue 11) — the guidance app's forms:
impossible dates and numbers refused with messages that say what to enter (item 6), free text
with a maximum length in the form and the database (item 8), one behaviour for an interview's
feedback whichever page it was recorded from, the referral link where the learner's staff pages
are, and no "Ask for careers guidance" for a parent (item 9), and every multiple-choice field
keeping several answers (item 1)."""

import datetime
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from guidance import services
from guidance.choices import ReferralStatus, TierReason, TriageDecision
from guidance.models import (
    NOTES_MAX,
    Destination,
    ExpectedTierShare,
    GroupSession,
    Interview,
    Partnership,
    Referral,
    ServiceSettings,
    TierChange,
)
from guidance.objectives import DEFAULT_OBJECTIVES, STATUTORY_GROUPS
from tests.crawler import form_data
from guidance.tests.factories import current_year, learner, referral
from learners.selectors import learner_plans
from plp_portal.organisations.choices import Role
from tests.factories import member

pytestmark = pytest.mark.django_db


def url(org, name, **kw):
    return reverse(f"guidance:{name}", kwargs={"org_slug": org.slug, **kw})


def today(days=0) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def refused(response, *messages):
    """A bad submission: the page again (200) with the error summary and each message."""
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    assert "govuk-error-summary" in html
    for message in messages:
        assert message in html, message
    return html


# --- Item 6: impossible values ------------------------------------------------------------------


def interview(**fields):
    return {"kind": "individual", "held_on": today(), "summary": "Options", "audience": "plan", **fields}


def test_interview_dated_in_the_future_is_refused(service, org, other_org, adviser, partnered, sign_in):
    profile = learner(org)
    client = sign_in(adviser)
    page = url(service, "interview_new", profile_id=profile.pk)
    refused(client.post(page, interview(held_on=today(1))), "Date of the interview must be today or earlier")
    refused(client.post(page, interview(held_on="9999-12-31")), "Date of the interview must be today or earlier")
    refused(client.post(page, interview(held_on="0001-01-01")), "Date of the interview must be on or after 1/1/2000")
    refused(client.post(page, interview(held_on="2024-02-30")), "Enter date of the interview as a real date")
    assert not Interview.objects.for_org(org).exists()
    with pytest.raises(ValidationError, match="today or earlier"):
        services.interview_record(profile=profile, org=service, adviser=adviser, kind="individual",
                                  held_on=timezone.localdate() + datetime.timedelta(days=1), summary="x")


def test_action_due_in_the_past_when_it_is_set_is_refused(service, org, other_org, adviser, partnered, sign_in):
    profile = learner(org)
    client = sign_in(adviser)
    page = url(service, "interview_new", profile_id=profile.pk)
    refused(client.post(page, interview(action_1="Visit the college", action_1_due=today(-1))),
            "Action 1: due by must be today or later")
    refused(client.post(page, interview(action_1="Visit the college", action_1_due="9999-12-31")),
            "Action 1: due by must be on or before")
    assert not Interview.objects.for_org(org).exists()
    assert client.post(page, interview(action_1="Visit the college", action_1_due=today())).status_code == 302
    with pytest.raises(ValidationError, match="today or later"):
        services.interview_record(profile=profile, org=service, adviser=adviser, kind="individual",
                                  held_on=timezone.localdate(), summary="x",
                                  actions=[("Late already", timezone.localdate() - datetime.timedelta(days=1))])


def destination(**fields):
    return {"kind": "actual", "category": "education", "recorded_on": today(), **fields}


def test_actual_destination_ahead_is_refused_and_an_intended_one_within_reach_is_kept(service, org, other_org,
                                                                                         adviser, partnered, sign_in):
    profile = learner(org, with_plan=False)
    client = sign_in(adviser)
    page = url(service, "destination_new", profile_id=profile.pk)
    for ahead in (1, 300):
        refused(client.post(page, destination(recorded_on=today(ahead))),
                "An actual destination has already happened: enter a date that is today or earlier")
    refused(client.post(page, destination(kind="intended", recorded_on=today(5 * 366))), "Date must be on or before")
    refused(client.post(page, destination(recorded_on="0001-01-01")), "Date must be on or after 1/1/2000")
    refused(client.post(page, destination(left_on=today(30))), "Date the learner left (for leavers) must be today or")
    assert not Destination.objects.for_org(org).exists()
    assert client.post(page, destination(kind="intended", recorded_on=today(300))).status_code == 302
    assert client.post(page, destination(recorded_on=today())).status_code == 302
    assert Destination.objects.for_org(org).count() == 2


def test_review_dates_in_the_past_or_year_9999_are_refused(service, org, other_org, adviser, partnered, sign_in):
    profile = learner(org)
    ref = referral(profile)
    client = sign_in(adviser)
    triage = url(service, "referral_triage", referral_id=ref.pk)
    for bad in ("9999-12-31", today(-1)):
        response = client.post(triage, {"decision": "accept_filtered", "allocated_adviser": adviser.pk,
                                         "review_on": bad})
        refused(response, "Review date (for filtered or intensive) must be")
    tier = url(service, "tier_change", profile_id=profile.pk)
    refused(client.post(tier, {"tier": "filtered", "reasons": ["demotivated"], "review_on": "0001-01-01"}),
            "Review date must be today or later")
    ref.refresh_from_db()
    assert ref.status == ReferralStatus.NEW and not TierChange.objects.for_org(org).exists()


def test_group_session_in_the_future_is_refused(service, org, other_org, adviser, partnered, sign_in):
    client = sign_in(adviser)
    page = url(service, "group_session_new") + f"?school={org.pk}"
    for bad in (today(1), "9999-12-31"):
        refused(client.post(page, {"topic": "Options", "held_on": bad}), "Date of the session must be today or earlier")
    assert not GroupSession.objects.for_org(org).exists()


def test_negative_and_impossible_numbers_in_settings_are_refused(service, org, other_org, adviser, sign_in):
    data = {"triage_target_school_days": -1}
    for group in STATUTORY_GROUPS:
        data[f"{group}_filtered"] = -1
        data[f"{group}_intensive"] = 150
    html = refused(sign_in(adviser).post(url(service, "settings"), data),
                   "Target time to triage (school days) must be 1 or more")
    assert "Year 9: expected % filtered must be 0 or more" in html
    assert "Year 9: expected % intensive must be 100 or less" in html
    assert not ServiceSettings.objects.for_org(service).filter(triage_target_school_days=-1).exists()


@pytest.mark.parametrize("make", [
    lambda service, school, by: ServiceSettings.objects.create(organisation=service, triage_target_school_days=0),
    lambda service, school, by: ExpectedTierShare.objects.create(organisation=service, target_group="key_stage_4",
                                                                 filtered_percent=-1, intensive_percent=5),
    lambda service, school, by: ExpectedTierShare.objects.create(organisation=service, target_group="key_stage_4",
                                                                 filtered_percent=60, intensive_percent=50),
    lambda service, school, by: Partnership.objects.create(
        organisation=service, school=school, academic_year=1, starts_on=datetime.date(2001, 9, 1),
        ends_on=datetime.date(2002, 8, 31), created_by=by),
    lambda service, school, by: GroupSession.objects.create(
        organisation=school, careers_service=service, adviser=by, held_on=datetime.date(1, 1, 1), topic="x"),
    lambda service, school, by: GroupSession.objects.create(
        organisation=school, careers_service=service, adviser=by, held_on=datetime.date(9999, 12, 31), topic="x"),
], ids=["triage-days-0", "negative-share", "shares-over-100", "year-1", "date-0001", "date-9999"])
def test_database_refuses_impossible_values(service, org, adviser, make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make(service, org, adviser)


# --- Item 8: maximum lengths --------------------------------------------------------------------


def test_over_long_free_text_is_refused_with_a_message_naming_the_field(service, org, other_org, adviser,
                                                                        partnered, sign_in):
    kw = member(org, Role.KEY_WORKER)
    profile = learner(org, key_worker=kw)
    long = "x" * (NOTES_MAX + 1)
    client = sign_in(adviser)
    html = refused(client.post(url(service, "interview_new", profile_id=profile.pk), interview(summary=long)),
                   "Notes must be 5000 characters or fewer (it has 5001)")
    # What was typed comes back whole, and the browser is not told to cut a paste short.
    assert f">\n{long}</textarea>" in html or f">{long}</textarea>" in html
    assert not re.search(r'\smaxlength=', html)
    refused(client.post(url(service, "interview_new", profile_id=profile.pk),
                        interview(action_1="y" * 301, action_1_due=today(7))),
            "Action 1 must be 300 characters or fewer")
    refused(client.post(url(service, "group_session_new") + f"?school={org.pk}",
                        {"topic": "t" * 201, "held_on": today(), "learning_objectives": "o" * 1001}),
            "Topic must be 200 characters or fewer", "Learning objectives must be 1000 characters or fewer")
    refused(client.post(url(service, "partnership_detail", partnership_id=partnered.pk),
                        {"advisers": [adviser.pk], "referral_process": "r" * 2001, "clinic_sessions": "c" * 1001}),
            "Referral process must be 2000 characters or fewer", "Clinic sessions must be 1000 characters or fewer")
    ref = referral(profile, by=kw)
    refused(client.post(url(service, "referral_triage", referral_id=ref.pk), {"decision": "keep_in_core", "note": long}),
            "Advice or notes must be 5000 characters or fewer")
    refused(sign_in(kw).post(url(org, "referral_new", profile_id=profile.pk),
                             {"source": "key_worker", "reasons": ["information"], "suggested_tier": "filtered",
                              "urgency": 1, "audience": "staff", "notes": long}),
            "Notes must be 5000 characters or fewer")
    assert not Interview.objects.for_org(org).exists() and Referral.objects.for_org(org).count() == 1
    partnered.refresh_from_db()
    assert partnered.referral_process == ""


def test_over_long_or_empty_feedback_comes_back_with_what_was_typed(service, org, other_org, adviser, partnered,
                                                                   sign_in):
    kw, profile, ref = accepted_referral(service, org, adviser)
    client = sign_in(adviser)
    long = "Focused on college. " * 300
    html = refused(client.post(url(service, "referral_close", referral_id=ref.pk), {"feedback": long}),
                   "Feedback to the key worker must be 5000 characters or fewer")
    assert long.strip() in html
    refused(client.post(url(service, "referral_close", referral_id=ref.pk), {"feedback": ""}),
            "Enter feedback to the key worker")
    recorded = services.interview_record(profile=profile, org=service, adviser=adviser, kind="individual",
                                         held_on=timezone.localdate(), summary="Options")
    html = refused(client.post(url(service, "interview_feedback", interview_id=recorded.pk), {"feedback": long}),
                   "Feedback to the key worker must be 5000 characters or fewer")
    assert long.strip() in html
    ref.refresh_from_db()
    recorded.refresh_from_db()
    assert ref.status == ReferralStatus.ACCEPTED and recorded.feedback_at is None


def test_refused_objective_comes_back_with_what_was_typed(service, org, other_org, adviser, partnered, sign_in):
    objective = partnered.objectives.first()
    evidence = "Tutor briefing held on 3 October. " * 200
    response = sign_in(adviser).post(
        url(service, "objective_update", partnership_id=partnered.pk, objective_id=objective.pk),
        {"text": objective.text, "status": "met", "evidence": evidence})
    html = refused(response, "Evidence must be 5000 characters or fewer")
    assert evidence.strip() in html and f'href="#o-{objective.pk}-evidence"' in html
    objective.refresh_from_db()
    assert objective.evidence == "" and objective.status == "not_started"


def test_database_refuses_over_long_free_text(service, org, adviser, partnered):
    profile = learner(org)
    interview = services.interview_record(profile=profile, org=service, adviser=adviser, kind="individual",
                                          held_on=timezone.localdate(), summary="Options")
    with pytest.raises(DataError), transaction.atomic():
        Interview.objects.for_org(org).filter(pk=interview.pk).update(summary="x" * (NOTES_MAX + 1))
    with pytest.raises(ValidationError, match="at most 5000 characters"):
        services.interview_record(profile=profile, org=service, adviser=adviser, kind="individual",
                                  held_on=timezone.localdate(), summary="x" * (NOTES_MAX + 1))


def test_shipped_objectives_and_consent_wording_fit_their_fields():
    from guidance.models import PartnershipObjective, Referral as ReferralModel

    longest = max(len(text) for texts in DEFAULT_OBJECTIVES.values() for text in texts)
    assert longest <= PartnershipObjective._meta.get_field("text").max_length
    assert len(services.CONSENT_WORDING) <= ReferralModel._meta.get_field("consent_wording").max_length


# --- Item 9: one behaviour for an interview's feedback, links where they are promised -------------


def accepted_referral(service, org, adviser):
    kw = member(org, Role.KEY_WORKER)
    profile = learner(org, key_worker=kw)
    ref = referral(profile, by=kw)
    services.referral_triage(referral=ref, by=adviser, org=service, decision=TriageDecision.ACCEPT_FILTERED,
                             allocated_adviser=adviser)
    return kw, profile, ref


@pytest.mark.parametrize("recorded_from", ["learner's page", "referral"])
def test_interview_feedback_closes_the_referral_and_emails_the_key_worker(
        recorded_from, service, org, other_org, adviser, partnered, sign_in, django_capture_on_commit_callbacks):
    kw, profile, ref = accepted_referral(service, org, adviser)
    client = sign_in(adviser)
    if recorded_from == "referral":
        detail = client.get(url(service, "referral_detail", referral_id=ref.pk)).content.decode()
        new = url(service, "interview_new", profile_id=profile.pk) + f"?referral={ref.pk}"
        assert f'href="{new}"' in detail
    else:
        detail = client.get(url(service, "learner_detail", profile_id=profile.pk)).content.decode()
        new = url(service, "interview_new", profile_id=profile.pk)
        assert f'href="{new}"' in detail
    form = client.get(new).content.decode()
    assert f"For the referral of {timezone.localtime(ref.created_at):%-d %B %Y}" in form
    assert client.post(new, interview(summary="Talked through college courses")).status_code == 302
    recorded = Interview.objects.for_org(org).get(profile=profile)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url(service, "interview_feedback", interview_id=recorded.pk),
                               {"feedback": "Focused on college now"})
    assert response.status_code == 302
    ref.refresh_from_db()
    assert ref.status == ReferralStatus.CLOSED
    assert [m.subject for m in mail.outbox if kw.email in m.to] == ["Careers guidance: feedback from the adviser"]


def test_feedback_on_an_interview_without_a_referral_emails_the_key_worker(
        service, org, other_org, adviser, partnered, sign_in, django_capture_on_commit_callbacks):
    kw = member(org, Role.KEY_WORKER)
    profile = learner(org, key_worker=kw)
    client = sign_in(adviser)
    client.post(url(service, "interview_new", profile_id=profile.pk), interview())
    recorded = Interview.objects.for_org(org).get(profile=profile)
    assert recorded.referral is None
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(service, "interview_feedback", interview_id=recorded.pk), {"feedback": "All good"})
    assert any(kw.email in m.to and "feedback from the adviser" in m.subject for m in mail.outbox)


def test_learners_staff_pages_carry_the_promised_referral_link(org, other_org, sign_in):
    kw, other_kw = member(org, Role.KEY_WORKER), member(org, Role.KEY_WORKER)
    profile = learner(org, key_worker=kw)
    plan = learner_plans(profile=profile).first()
    refer = url(org, "referral_new", profile_id=profile.pk)
    profile_page = reverse("learners:profile", kwargs={"org_slug": org.slug, "profile_id": profile.pk})
    plan_page = reverse("learners:plan", kwargs={"org_slug": org.slug, "learner_plan_id": plan.pk})
    # The guidance page says where to find it...
    promise = sign_in(kw).get(url(org, "index")).content.decode()
    assert "choose “Refer to the careers adviser”" in promise
    # ...and the learner's profile and plan have it, for the people who may refer this learner.
    for person in (kw, member(org, Role.CAREERS_LEAD)):
        client = sign_in(person)
        for page in (profile_page, plan_page):
            html = client.get(page).content.decode()
            assert f'href="{refer}">Refer to the careers adviser' in html, (person, page)
        assert client.get(refer).status_code == 200
    for person in (other_kw, member(org, Role.SUBJECT_TUTOR)):
        html = sign_in(person).get(profile_page).content.decode()
        assert refer not in html


def test_only_the_learner_is_offered_ask_for_careers_guidance(service, org, other_org, partnered, sign_in):
    profile = learner(org)
    parent = member(org, Role.PARENT_CARER)
    html = sign_in(parent).get(reverse("me_guidance:index")).content.decode()
    assert "Ask for careers guidance" not in html
    assert sign_in(parent).get(reverse("me_guidance:self_refer")).status_code == 404
    html = sign_in(profile.user).get(reverse("me_guidance:index")).content.decode()
    assert f'href="{reverse("me_guidance:self_refer")}">Ask for careers guidance' in html


# --- Item 1: every multiple-choice field keeps several answers ------------------------------------


def test_staff_referral_keeps_two_reasons(org, other_org, sign_in):
    kw = member(org, Role.KEY_WORKER)
    profile = learner(org, key_worker=kw)
    client = sign_in(kw)
    page = url(org, "referral_new", profile_id=profile.pk)
    data = form_data(client.get(page).content.decode(), "source")
    data["reasons"] = ["demotivated", "information"]
    assert client.post(page, data).status_code == 302
    ref = Referral.objects.for_org(org).get(profile=profile)
    assert ref.reason_list == ["demotivated", "information"]
    html = client.get(url(org, "referral_detail", referral_id=ref.pk)).content.decode()
    assert all(label in html for label in ref.reason_labels)


def test_self_referral_keeps_two_reasons(service, org, other_org, adviser, partnered, sign_in):
    profile = learner(org)
    client = sign_in(profile.user)
    data = form_data(client.get(reverse("me_guidance:self_refer")).content.decode(), "notes")
    data.update({"reasons": ["major_change", "information"], "consent": ["on"]})
    assert client.post(reverse("me_guidance:self_refer"), data).status_code == 302
    assert Referral.objects.for_org(org).get(profile=profile).reason_list == ["major_change", "information"]


def test_triage_and_tier_change_keep_two_reasons(service, org, other_org, adviser, partnered, sign_in):
    profile = learner(org)
    ref = referral(profile, reasons=["transition_unclear", "demotivated", "information"])
    client = sign_in(adviser)
    data = form_data(client.get(url(service, "referral_detail", referral_id=ref.pk)).content.decode(), "note")
    data.update({"decision": ["accept_filtered"], "allocated_adviser": [str(adviser.pk)],
                 "tier_reasons": [TierReason.TRANSITION_UNCLEAR, TierReason.MAJOR_CHANGE], "review_on": [today(42)]})
    assert client.post(url(service, "referral_triage", referral_id=ref.pk), data).status_code == 302
    change = TierChange.objects.for_org(org).get(profile=profile)
    assert sorted(change.reason_labels) == sorted([TierReason.TRANSITION_UNCLEAR.label, TierReason.MAJOR_CHANGE.label])

    page = url(service, "tier_change", profile_id=profile.pk)
    data = form_data(client.get(page).content.decode(), "tier")
    data.update({"tier": ["intensive"], "reasons": [TierReason.MAJOR_CRISIS, TierReason.SOCIAL_EXCLUSION],
                 "review_on": [today(28)]})
    assert client.post(page, data).status_code == 302
    latest = TierChange.objects.for_org(org).filter(profile=profile).first()
    assert latest.to_tier == "intensive" and sorted(latest.reasons.strip(",").split(",")) == [
        TierReason.MAJOR_CRISIS, TierReason.SOCIAL_EXCLUSION]


def test_saving_a_partnership_keeps_all_its_named_advisers(service, org, other_org, adviser, sign_in):
    second = member(service, Role.CAREERS_ADVISER)
    client = sign_in(adviser)
    data = form_data(client.get(url(service, "partnership_new")).content.decode(), "school")
    data.update({"school": [str(org.pk)], "academic_year": [str(current_year())],
                 "advisers": [str(adviser.pk), str(second.pk)]})
    assert client.post(url(service, "partnership_new"), data).status_code == 302
    p = Partnership.objects.for_org(service).get(school=org)
    assert {a.adviser_id for a in p.advisers.all()} == {adviser.pk, second.pk}
    # Saved again for another reason, as the page offers it: both advisers are still named.
    page = url(service, "partnership_detail", partnership_id=p.pk)
    data = form_data(client.get(page).content.decode(), "advisers")
    assert sorted(data["advisers"]) == sorted([str(adviser.pk), str(second.pk)])
    data["clinic_sessions"] = ["Thursdays in the library"]
    assert client.post(page, data).status_code == 302
    p.refresh_from_db()
    assert p.clinic_sessions == "Thursdays in the library"
    assert {a.adviser_id for a in p.advisers.all()} == {adviser.pk, second.pk}
