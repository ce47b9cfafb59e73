"""The review workflow: numbering under concurrency, sign-off order and immutability,
cancellation, amendments, the log filed, timeline events; assignments and reminders moving."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection, connections

from keyworkers import services
from keyworkers.choices import KeyWorkerType, ReviewStatus
from keyworkers.models import KeyWorkerAssignment, Review
from keyworkers.services import ReviewError
from keyworkers.tests.factories import learner_with_plan, school_year
from learners import services as learner_services
from learners.choices import LogEntryKind, ShareRelationship, TargetStatus
from learners.models import LogBlock, NarrativeEntry, Target, TimelineEvent
from learners.tests.factories import target_for
from plp_portal.notifications.models import Reminder
from plp_portal.organisations.choices import Role
from tests.factories import UserFactory, member

d = datetime.date


def _run_review(org, plan, kw, next_on=None):
    review = services.review_start(org=org, plan=plan, by=kw)
    next_on = next_on or review.held_on + datetime.timedelta(weeks=6)
    services.review_save_draft(org=org, review=review, by=kw, expected_version=review.version, fields={"next_review_on": next_on})
    services.review_sign_key_worker(org=org, review=review, by=kw)
    services.review_sign_learner(org=org, review=review, by=plan.profile.user)
    return review


@pytest.mark.django_db(transaction=True)
def test_two_people_starting_reviews_at_once_get_no_gaps_and_no_duplicates(org, other_org):
    plan = learner_with_plan(org)
    kw = plan.profile.key_worker
    barrier = threading.Barrier(2)
    started, errors = [], []

    def worker():
        try:
            for _ in range(4):
                barrier.wait(timeout=20)
                review = services.review_start(org=org, plan=plan, by=kw)
                started.append(review.pk)
                barrier.wait(timeout=20)
                if review.status != ReviewStatus.CANCELLED:
                    try:
                        services.review_cancel(org=org, review=review, by=kw, reason="Learner absent")
                    except ReviewError:
                        pass  # the other thread cancelled the same review first
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    numbers = list(Review.objects.for_org(org).filter(plan=plan).order_by("number").values_list("number", flat=True))
    # Each round both threads got the SAME review (one per round), then a new one was scheduled
    # when it was cancelled: numbers 1..n, no gap, no duplicate.
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(set(started)) == 4
    assert Review.objects.for_org(org).filter(plan=plan, status__in=["scheduled", "in_progress"]).count() == 1
    connection.close()


@pytest.mark.django_db
@time_machine.travel(datetime.datetime(2026, 12, 1, 10, tzinfo=datetime.UTC), tick=True)  # held before 18 Dec
def test_sign_off_order_then_read_only_and_amendment_is_a_new_entry(org, other_org):
    school_year(org)
    plan = learner_with_plan(org)
    kw, learner = plan.profile.key_worker, plan.profile.user
    employer = UserFactory()
    learner_services.plan_share_grant(org=org, plan=plan, grantee=employer, relationship=ShareRelationship.EMPLOYER,
                                      by=learner)
    long_term = target_for(plan, term="long", title="Become a mechanic", due_on=d(2027, 7, 1))
    short = target_for(plan, title="Attend every lesson", parent=long_term, due_on=d(2026, 10, 1))
    learner_services.log_entry_add(org=org, plan=plan, by=learner, kind=LogEntryKind.BLOG,
                                   written_on=d(2026, 9, 10), what_learned="Brakes")
    review = services.review_start(org=org, plan=plan, by=kw)
    services.review_prepare(org=org, review=review, by=learner, learned="Brakes", enjoyed="Workshop",
                            found_hard="Essays")
    with pytest.raises(ReviewError):
        services.review_sign_learner(org=org, review=review, by=learner)  # key worker first
    with pytest.raises(ReviewError):
        services.review_sign_key_worker(org=org, review=review, by=kw)  # next date needed
    services.review_save_draft(
        org=org, review=review, by=kw, expected_version=review.version,
        fields={"overall_progress": "Good", "narrative_text": "A good half term.", "next_review_on": d(2026, 12, 18)},
        evaluations={short.pk: (TargetStatus.ACHIEVED, "Full attendance")},
        new_targets=[{"title": "Read a manual chapter a week", "due_on": d(2026, 12, 1), "parent": long_term}],
    )
    other_kw = member(org, Role.KEY_WORKER)
    with pytest.raises(ReviewError):
        services.review_sign_key_worker(org=org, review=review, by=other_kw)
    services.review_sign_key_worker(org=org, review=review, by=kw)
    review.refresh_from_db()
    assert review.needs_provider and not review.is_editable
    short.refresh_from_db()
    assert short.status == TargetStatus.ACHIEVED
    new = Target.objects.for_org(org).get(source_type="keyworkers.review", source_id=str(review.pk))
    assert new.parent == long_term and new.term == "short"
    assert NarrativeEntry.objects.for_org(org).filter(plan=plan, text__contains="A good half term.").exists()
    assert LogBlock.objects.for_org(org).get(plan=plan, starts_on=plan.starts_on).is_filed
    # Read-only from now on.
    with pytest.raises(ReviewError):
        services.review_save_draft(org=org, review=review, by=kw, expected_version=review.version, fields={"overall_progress": "Changed"})
    with pytest.raises(ReviewError):
        services.review_cancel(org=org, review=review, by=kw, reason="no")
    with pytest.raises(ReviewError):
        services.review_sign_provider(org=org, review=review, by=employer)  # learner before employer
    with pytest.raises(ReviewError):
        services.review_sign_learner(org=org, review=review, by=employer)
    services.review_sign_learner(org=org, review=review, by=learner)
    review.refresh_from_db()
    assert review.status == ReviewStatus.IN_PROGRESS
    with pytest.raises(ReviewError):
        services.review_sign_provider(org=org, review=review, by=UserFactory())
    services.review_sign_provider(org=org, review=review, by=employer)
    review.refresh_from_db()
    assert review.status == ReviewStatus.COMPLETED and review.overall_progress == "Good"
    with pytest.raises(ReviewError):
        services.review_sign_provider(org=org, review=review, by=employer)
    entries = NarrativeEntry.objects.for_org(org).filter(plan=plan).count()
    services.review_amend(org=org, review=review, by=kw, text="Also agreed: a taster day.")
    assert NarrativeEntry.objects.for_org(org).filter(plan=plan).count() == entries + 1
    review.refresh_from_db()
    assert review.overall_progress == "Good"
    kinds = set(TimelineEvent.objects.for_org(org).filter(plan=plan).values_list("kind", flat=True))
    assert {"review.scheduled", "review.signed", "review.completed", "review.amended"} <= kinds
    nxt = Review.objects.for_org(org).get(plan=plan, number=2)
    assert nxt.status == ReviewStatus.SCHEDULED and nxt.due_on == d(2026, 12, 18)


@pytest.mark.django_db
def test_cancelled_review_keeps_its_number_and_reason(org, other_org):
    plan = learner_with_plan(org)
    kw = plan.profile.key_worker
    first = services.review_start(org=org, plan=plan, by=kw)
    with pytest.raises(ReviewError):
        services.review_cancel(org=org, review=first, by=kw, reason="  ")
    services.review_cancel(org=org, review=first, by=kw, reason="Learner on work experience")
    second = services.review_start(org=org, plan=plan, by=kw)
    assert (first.number, second.number) == (1, 2)
    first.refresh_from_db()
    assert first.status == ReviewStatus.CANCELLED and first.cancelled_reason == "Learner on work experience"
    assert TimelineEvent.objects.for_org(org).filter(plan=plan, kind="review.cancelled").count() == 1


@pytest.mark.django_db
def test_reassignment_keeps_history_and_moves_open_reminders(org, other_org):
    plan = learner_with_plan(org)
    profile, old = plan.profile, plan.profile.key_worker
    review = services.review_schedule_next(org=org, plan=plan, by=old)
    pending = Reminder.objects.create(organisation=org, recipient=old, kind="review.overdue",
                                      subject_key=f"review:{review.pk}", due_on=review.due_on, title="Overdue")
    sent = Reminder.objects.create(organisation=org, recipient=old, kind="review.due_soon",
                                   subject_key=f"review:{review.pk}", due_on=review.due_on, title="Soon",
                                   digested_at=datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC))
    new = member(org, Role.KEY_WORKER)
    services.key_worker_assign(org=org, profile=profile, key_worker=new, worker_type=KeyWorkerType.YOUTH_WORKER,
                               by=new, reason="Moved tutor group")
    profile.refresh_from_db()
    assert profile.key_worker == new
    history = list(KeyWorkerAssignment.objects.for_org(org).filter(profile=profile).order_by("pk"))
    assert [(a.key_worker, a.ends_on is None) for a in history] == [(old, False), (new, True)]
    pending.refresh_from_db()
    sent.refresh_from_db()
    assert pending.recipient == new and sent.recipient == old
    review.refresh_from_db()
    assert review.key_worker == new
    # The old key worker can no longer run the review.
    with pytest.raises(ReviewError):
        services.review_start(org=org, plan=plan, by=old) and services.review_sign_key_worker(
            org=org, review=review, by=old)


@pytest.mark.django_db
def test_team_members_and_preference(org, other_org):
    plan = learner_with_plan(org)
    kw = plan.profile.key_worker
    m = services.team_member_add(org=org, profile=plan.profile, by=kw, team_role="social_worker", name="S. Worker")
    services.team_member_end(org=org, member=m, by=kw)
    m.refresh_from_db()
    assert m.ends_on is not None
    pref = services.preference_record(org=org, profile=plan.profile, by=kw, preference="Ms Jones please")
    assert pref.organisation == org
    with pytest.raises(ValueError):
        services.team_member_add(org=other_org, profile=plan.profile, by=kw, team_role="other", name="X")
