"""Leaving and re-enrolment (issue 13): the service end to end (plans close with a closing
entry, targets withdrawn or kept, reviews and reminders stop, the key-worker assignment ends),
the staff pages with their confirmation step, and the learner's read access afterwards."""

import datetime

import pytest
from django.urls import reverse

from keyworkers import reminders
from keyworkers import services as kw_services
from keyworkers.models import KeyWorkerAssignment, Review
from keyworkers.selectors import plans_without_open_review
from keyworkers.tests.factories import learner_with_plan
from learners import services
from learners.choices import LeavingReason, OpenTargetsOnLeaving, PlanStatus, TargetStatus
from learners.models import EnrolmentEnd, LearnerProfile, NarrativeEntry, Plan, Target, TargetProgress
from learners.tests.factories import target_for
from plp_portal.audit.models import AuditEvent
from plp_portal.notifications.models import Reminder
from plp_portal.organisations.choices import Role
from tests.factories import member

pytestmark = pytest.mark.django_db
LEFT = datetime.date(2026, 11, 20)
TODAY = datetime.date(2026, 11, 23)


def _with_goal(plan, goal="Become a paramedic"):
    Plan.objects.for_org(plan.organisation).filter(pk=plan.pk).update(long_term_goal=goal)
    plan.refresh_from_db()
    return plan


def _leaver_plan(org, kw=None):
    plan = learner_with_plan(org, kw)
    kw_services.review_schedule_next(org=org, plan=plan, by=plan.created_by, due_on=TODAY)
    target_for(plan, title="Finish the CV", due_on=TODAY + datetime.timedelta(days=2))
    return plan


def test_end_enrolment_closes_plans_withdraws_targets_and_stops_reviews(org, other_org):
    plan = _leaver_plan(org)
    kw = plan.profile.key_worker
    reminders.collect(today=TODAY)
    assert Reminder.objects.for_org(org).filter(recipient=kw).exists()

    ending = services.learner_enrolment_end(org=org, profile=plan.profile, left_on=LEFT,
                                            reason=LeavingReason.MOVED_AREA, by=kw,
                                            closing_note="Moved to Leeds with family; wished well.")

    plan.refresh_from_db()
    profile = LearnerProfile.objects.for_org(org).get(pk=plan.profile_id)
    assert ending.open_targets == OpenTargetsOnLeaving.WITHDRAW
    assert plan.status == PlanStatus.CLOSED and plan.closed_at is not None
    assert not profile.is_active and profile.key_worker is None
    closing = NarrativeEntry.objects.for_org(org).filter(plan=plan).last()
    assert "Left on 20 November 2026 (moved area)" in closing.text and "Moved to Leeds" in closing.text
    statuses = set(Target.objects.for_org(org).filter(plan=plan).values_list("status", flat=True))
    assert statuses == {TargetStatus.WITHDRAWN}
    assert not Review.objects.for_org(org).filter(plan=plan, status__in=("scheduled", "in_progress")).exists()
    assert Review.objects.for_org(org).filter(plan=plan, status="cancelled").count() == 1
    assignment = KeyWorkerAssignment.objects.for_org(org).get(profile=profile)
    assert assignment.ends_on == LEFT
    assert not Reminder.objects.for_org(org).filter(digested_at__isnull=True, recipient=kw).exists()
    kinds = set(plan.timeline_events.values_list("kind", flat=True))
    assert {"plan.closed", "review.cancelled", "target.updated"} <= kinds
    assert AuditEvent.objects.filter(action="learners.enrolment.ended", organisation=org).exists()
    assert AuditEvent.objects.filter(action="keyworkers.learner.left", organisation=org).exists()


def test_keep_open_targets_leaves_their_status_with_a_note(org, other_org):
    plan = _leaver_plan(org)
    services.learner_enrolment_end(org=org, profile=plan.profile, left_on=LEFT, reason=LeavingReason.OTHER,
                                   targets=OpenTargetsOnLeaving.KEEP, by=plan.profile.key_worker)
    target = Target.objects.for_org(org).get(plan=plan, title="Finish the CV")
    assert target.status == TargetStatus.NOT_STARTED
    note = TargetProgress.objects.for_org(org).filter(target=target).first()
    assert note.note == "Kept open: The learner left on 20 November 2026."


def test_the_daily_job_schedules_and_reminds_nothing_for_a_leaver(org, other_org):
    plan = _leaver_plan(org)
    stayer = _leaver_plan(org)
    services.learner_enrolment_end(org=org, profile=plan.profile, left_on=LEFT,
                                   reason=LeavingReason.COMPLETED_PROGRAMME, by=plan.profile.key_worker)
    Reminder.objects.for_org(org).delete()
    reminders.collect(today=TODAY)
    reminders.collect(today=TODAY + datetime.timedelta(days=1))
    assert not Reminder.objects.for_org(org).filter(recipient=plan.profile.user).exists()
    assert Reminder.objects.for_org(org).filter(recipient=stayer.profile.user).exists()
    assert plan.pk not in {p.pk for p in plans_without_open_review(org=org)}
    assert not Review.objects.for_org(org).filter(plan=plan, status="scheduled").exists()


def test_ending_twice_or_in_another_organisation_is_refused(org, other_org):
    plan = _leaver_plan(org)
    kw = plan.profile.key_worker
    with pytest.raises(ValueError):
        services.learner_enrolment_end(org=other_org, profile=plan.profile, left_on=LEFT,
                                       reason=LeavingReason.OTHER, by=kw)
    services.learner_enrolment_end(org=org, profile=plan.profile, left_on=LEFT, reason=LeavingReason.OTHER, by=kw)
    with pytest.raises(services.EnrolmentError):
        services.learner_enrolment_end(org=org, profile=plan.profile, left_on=LEFT, reason=LeavingReason.OTHER, by=kw)
    assert EnrolmentEnd.objects.for_org(org).count() == 1


def test_reenrolment_starts_a_new_plan_linked_to_the_old(org, other_org):
    plan = _with_goal(learner_with_plan(org))
    admin = member(org, Role.ORG_ADMIN)
    with pytest.raises(services.EnrolmentError):
        services.learner_reenrol(org=org, profile=plan.profile, by=admin, programme_name="Return",
                                 starts_on=TODAY, ends_on=TODAY + datetime.timedelta(days=200), final_outcome="x")
    services.learner_enrolment_end(org=org, profile=plan.profile, left_on=LEFT, reason=LeavingReason.EXCLUDED,
                                   by=admin)
    new = services.learner_reenrol(org=org, profile=plan.profile, by=admin, programme_name="Return to school",
                                   starts_on=TODAY, ends_on=TODAY + datetime.timedelta(days=200),
                                   final_outcome="Five GCSEs", long_term_goal="Become a paramedic")
    assert new.follows_id == plan.pk and new.status == PlanStatus.ACTIVE
    assert LearnerProfile.objects.for_org(org).get(pk=plan.profile_id).is_active
    assert EnrolmentEnd.objects.for_org(org).get().reenrolled_by == admin
    assert new.timeline_events.filter(kind="enrolment.restarted").exists()


# --- Pages -----------------------------------------------------------------------------------


def _url(org, name, profile):
    return reverse(f"learners:{name}", kwargs={"org_slug": org.slug, "profile_id": profile.pk})


def test_key_worker_ends_an_enrolment_after_confirming(org, other_org, sign_in):
    plan = _leaver_plan(org)
    profile, kw = plan.profile, plan.profile.key_worker
    client = sign_in(kw)
    page = client.get(_url(org, "profile", profile)).content.decode()
    assert _url(org, "enrolment_end", profile) in page
    form = client.get(_url(org, "enrolment_end", profile) + "?left_on=2026-11-20")
    assert form.status_code == 200 and 'value="2026-11-20"' in form.content.decode()
    data = {"left_on": "2026-11-20", "reason": "moved_school", "reason_detail": "Southgate <b>Academy</b>",
            "targets": "withdraw", "closing_note": "Good luck at the new school."}
    confirm = client.post(_url(org, "enrolment_end", profile), data)
    body = confirm.content.decode()
    assert confirm.status_code == 200 and "Are you sure you want to end this enrolment?" in body
    assert "Southgate &lt;b&gt;Academy&lt;/b&gt;" in body and 'name="confirmed" value="on"' in body
    assert Plan.objects.for_org(org).get(pk=plan.pk).status == PlanStatus.ACTIVE  # nothing yet
    done = client.post(_url(org, "enrolment_end", profile), {**data, "confirmed": "on"})
    assert done.status_code == 302
    assert Plan.objects.for_org(org).get(pk=plan.pk).status == PlanStatus.CLOSED
    # The former key worker no longer works with the learner: the profile is no longer theirs.
    assert client.get(_url(org, "profile", profile)).status_code == 404
    admin_page = sign_in(member(org, Role.ORG_ADMIN)).get(_url(org, "profile", profile)).content.decode()
    assert "Left" in admin_page and "moved school" in admin_page and _url(org, "reenrol", profile) in admin_page


def test_end_enrolment_form_errors_name_the_field_and_change_nothing(org, other_org, sign_in):
    plan = _leaver_plan(org)
    client = sign_in(plan.profile.key_worker)
    response = client.post(_url(org, "enrolment_end", plan.profile),
                           {"left_on": "2999-01-01", "reason": "bogus", "targets": "keep", "closing_note": "x" * 2001,
                            "confirmed": "on"})
    body = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in body
    assert "Left on" in body and "Closing entry for the learning journey" in body
    assert Plan.objects.for_org(org).get(pk=plan.pk).status == PlanStatus.ACTIVE


def test_who_may_end_an_enrolment(org, other_org, sign_in):
    plan = _leaver_plan(org)
    profile = plan.profile
    assert sign_in(member(org, Role.SUBJECT_TUTOR)).get(_url(org, "enrolment_end", profile)).status_code == 403
    assert sign_in(member(org, Role.KEY_WORKER)).get(_url(org, "enrolment_end", profile)).status_code == 404
    assert sign_in(member(org, Role.CAREERS_LEAD)).get(_url(org, "enrolment_end", profile)).status_code == 200
    foreign = reverse("learners:enrolment_end", kwargs={"org_slug": other_org.slug, "profile_id": profile.pk})
    assert sign_in(member(other_org, Role.ORG_ADMIN)).get(foreign).status_code == 404


def test_reenrol_page_carries_the_goal_over(org, other_org, sign_in):
    plan = _with_goal(learner_with_plan(org))
    admin = member(org, Role.ORG_ADMIN)
    client = sign_in(admin)
    assert client.get(_url(org, "reenrol", plan.profile)).status_code == 302  # still enrolled
    services.learner_enrolment_end(org=org, profile=plan.profile, left_on=LEFT, reason=LeavingReason.OTHER, by=admin)
    page = client.get(_url(org, "reenrol", plan.profile)).content.decode()
    assert "Become a paramedic" in plan.long_term_goal and "Become a paramedic" in page
    response = client.post(_url(org, "reenrol", plan.profile), {
        "programme_name": "Return", "starts_on": "2026-11-23", "ends_on": "2027-07-20",
        "final_outcome": "Five GCSEs", "long_term_goal": "Become a paramedic"})
    assert response.status_code == 302
    assert Plan.objects.for_org(org).get(status=PlanStatus.ACTIVE, profile=plan.profile).follows_id == plan.pk


def test_learner_keeps_read_access_to_closed_plans(org, other_org, sign_in):
    plan = _leaver_plan(org)
    services.learner_enrolment_end(org=org, profile=plan.profile, left_on=LEFT, reason=LeavingReason.OTHER,
                                   by=plan.profile.key_worker, closing_note="All the best for the future.")
    client = sign_in(plan.profile.user)
    assert client.get(reverse("me:home")).status_code == 200
    full = client.get(reverse("me:plan_full", kwargs={"learner_plan_id": plan.pk}))
    assert full.status_code == 200 and "All the best for the future." in full.content.decode()
    assert client.get(reverse("me:plan_pdf", kwargs={"learner_plan_id": plan.pk})).status_code in (200, 302)


def test_end_enrolment_page_queries_do_not_grow_with_targets(org, other_org, sign_in, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plan = _leaver_plan(org)
    client = sign_in(plan.profile.key_worker)
    url = _url(org, "enrolment_end", plan.profile)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(10):
        target_for(plan, title=f"Target {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200
