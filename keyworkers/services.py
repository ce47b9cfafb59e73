"""Writes of the keyworkers app: keyword-only, organisation first, audited; review events go
on the plan's timeline (``learners.services.timeline_record``).

Reviews are numbered with the plan row locked (``select_for_update``) and a unique constraint
on (organisation, plan, number), so two people starting a review at once get one review, and
numbers never repeat or skip. A cancelled review keeps its number."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from learners import services as learner_services
from learners.choices import AuthorRole, PlanStatus, SetByRole
from learners.models import LearnerProfile, LogBlock, Plan, PlanShare, Target
from plp_portal import clock
from plp_portal.audit.services import audit_log
from plp_portal.notifications.models import Reminder
from learners.services import record_transfer_read

from . import selectors
from .choices import OPEN_REVIEW_STATUSES, PROVIDER_RELATIONSHIPS, ReviewStatus, SignStage, TimelineKind
from .models import (
    KeyWorkerAssignment, KeyWorkerPreference, Review, ReviewNewTarget, ReviewSettings,
    ReviewTargetEvaluation, ScheduleOverride, TeamMember,
)

# At sign-off the log blocks of the period are filed: those that have ended, and the current
# one if it ends within two weeks (a block ending later stays open for the learner to write in).
FILE_BLOCK_ENDING_WITHIN = datetime.timedelta(days=14)


class ReviewError(Exception):
    """The review cannot do that now (signed, wrong order, cancelled…): show the message."""


class StaleReviewError(ReviewError):
    """Someone saved the draft since the form was loaded: nothing was written. ``current`` is
    the review as they left it (their values, their version)."""

    message = ("Someone else saved this review while you were writing. Nothing you wrote was lost: "
               "check their answers, then save again to keep yours.")

    def __init__(self, current: Review):
        super().__init__(self.message)
        self.current = current


def _check_org(org, *objs):
    for obj in objs:
        if obj is not None and obj.organisation_id != org.pk:
            raise ValueError(f"{type(obj).__name__} {obj.pk} does not belong to {org}")


def review_url(review) -> str:
    return reverse("keyworkers:review_detail", kwargs={"org_slug": review.organisation.slug, "review_id": review.pk})


# --- Settings and schedule -------------------------------------------------------------------


def review_settings_update(*, org, by, **fields) -> ReviewSettings:
    """Change the organisation's cadence / reminder settings, and re-date open SCHEDULED reviews
    that had no date agreed at a review."""
    allowed = {"cadence", "interval_weeks", "remind_days_before", "escalate_after_days"}
    if set(fields) - allowed:
        raise ValueError(f"unknown settings: {sorted(set(fields) - allowed)}")
    row, _ = ReviewSettings.objects.for_org(org).get_or_create(organisation=org)
    for name, value in fields.items():
        setattr(row, name, value)
    row.full_clean()
    row.save()
    audit_log("keyworkers.settings.updated", actor=by, org=org, obj=row, data=fields)
    _redate_scheduled(org=org)
    return row


def schedule_override_set(*, org, profile, by, cadence: str | None, interval_weeks: int = 4, reason: str = ""):
    """Set (or with ``cadence=None`` clear) the learner's own cadence; re-dates their open
    scheduled reviews."""
    _check_org(org, profile)
    if cadence is None:
        ScheduleOverride.objects.for_org(org).filter(profile=profile).delete()
        row = None
    else:
        row, _ = ScheduleOverride.objects.for_org(org).update_or_create(
            organisation=org, profile=profile,
            defaults={"cadence": cadence, "interval_weeks": interval_weeks, "reason": reason, "set_by": by,
                      "set_at": timezone.now()},
        )
    audit_log("keyworkers.schedule.override", actor=by, org=org, obj=profile,
              data={"cadence": cadence, "interval_weeks": interval_weeks})
    _redate_scheduled(org=org, profile=profile)
    return row


def reviews_redate_scheduled(*, org) -> None:
    """Re-date the organisation's open SCHEDULED reviews that had no date agreed (after the
    term dates changed: ``terms.terms_changed``)."""
    _redate_scheduled(org=org)


def _redate_scheduled(*, org, profile=None):
    qs = Review.objects.for_org(org).filter(status=ReviewStatus.SCHEDULED, due_on_agreed=False)
    if profile is not None:
        qs = qs.filter(plan__profile=profile)
    reviews = list(qs.select_related("plan"))
    if not reviews:
        return
    due = selectors.computed_due_dates(org=org, plans=[r.plan for r in reviews])
    for review in reviews:
        if review.plan_id in due and due[review.plan_id] != review.due_on:
            Review.objects.for_org(org).filter(pk=review.pk).update(due_on=due[review.plan_id])


# --- Key workers and teams -------------------------------------------------------------------


def key_worker_assign(*, org, profile: LearnerProfile, key_worker, worker_type: str, by,
                      starts_on: datetime.date | None = None, reason: str = "") -> KeyWorkerAssignment:
    """Make ``key_worker`` the learner's current key worker (``worker_type``: KeyWorkerType).
    The previous assignment ends (kept as history), ``LearnerProfile.key_worker`` follows
    (``learner_set_key_worker``), open reviews pass to the new key worker and so do their
    reminders not yet sent in a digest."""
    _check_org(org, profile)
    starts_on = starts_on or clock.today(org)
    with transaction.atomic():
        LearnerProfile.objects.for_org(org).select_for_update().get(pk=profile.pk)
        current = KeyWorkerAssignment.objects.for_org(org).filter(profile=profile, ends_on__isnull=True).first()
        previous_user_id = current.key_worker_id if current else profile.key_worker_id
        if current is not None:
            if current.key_worker_id == key_worker.pk and current.worker_type == worker_type:
                return current
            current.ends_on = max(starts_on, current.starts_on)
            current.save(update_fields=["ends_on"])
        assignment = KeyWorkerAssignment.objects.create(
            organisation=org, profile=profile, key_worker=key_worker, worker_type=worker_type,
            starts_on=starts_on, reason=reason, assigned_by=by,
        )
        learner_services.learner_set_key_worker(org=org, learner=profile, user=key_worker, by=by)
        Review.objects.for_org(org).filter(plan__profile=profile, status__in=OPEN_REVIEW_STATUSES).update(
            key_worker=key_worker
        )
        moved = 0
        if previous_user_id and previous_user_id != key_worker.pk:
            moved = reminders_move(org=org, profile=profile, from_user_id=previous_user_id, to_user=key_worker)
    audit_log("keyworkers.assignment.created", actor=by, org=org, obj=assignment,
              data={"profile": profile.pk, "key_worker": key_worker.pk, "type": worker_type,
                    "reminders_moved": moved})
    return assignment


def reminders_move(*, org, profile, from_user_id: int, to_user) -> int:
    """Pass the learner's undigested review/target reminders from one person to another. A
    reminder the new person already has is dropped instead (the unique key)."""
    plan_ids = list(profile.plans.values_list("pk", flat=True))
    keys = [f"review:{pk}" for pk in Review.objects.for_org(org).filter(plan_id__in=plan_ids).values_list("pk", flat=True)]
    keys += [f"target:{pk}" for pk in Target.objects.for_org(org).filter(plan_id__in=plan_ids).values_list("pk", flat=True)]
    if not keys:
        return 0
    reminders = Reminder.objects.for_org(org).filter(
        recipient_id=from_user_id, digested_at__isnull=True, subject_key__in=keys
    )
    existing = set(
        Reminder.objects.for_org(org).filter(recipient=to_user, subject_key__in=keys)
        .values_list("kind", "subject_key", "due_on")
    )
    clashing = [r.pk for r in reminders if (r.kind, r.subject_key, r.due_on) in existing]
    Reminder.objects.for_org(org).filter(pk__in=clashing).delete()
    return reminders.exclude(pk__in=clashing).update(recipient=to_user)


def team_member_add(*, org, profile, by, team_role: str, user=None, name: str = "", contact: str = "",
                    starts_on: datetime.date | None = None) -> TeamMember:
    _check_org(org, profile)
    if user is None and not name.strip():
        raise ValueError("a team member needs an account or a name")
    member = TeamMember(organisation=org, profile=profile, user=user, name=name, team_role=team_role,
                        contact=contact, starts_on=starts_on or clock.today(org), added_by=by)
    member.full_clean()
    member.save()
    audit_log("keyworkers.team.added", actor=by, org=org, obj=member, data={"profile": profile.pk, "role": team_role})
    return member


def team_member_end(*, org, member: TeamMember, by) -> TeamMember:
    _check_org(org, member)
    if member.ends_on is None:
        member.ends_on = clock.today(org)
        member.save(update_fields=["ends_on"])
        audit_log("keyworkers.team.ended", actor=by, org=org, obj=member)
    return member


def preference_record(*, org, profile, by, preference: str, preferred_user=None) -> KeyWorkerPreference:
    _check_org(org, profile)
    row = KeyWorkerPreference.objects.create(organisation=org, profile=profile, preference=preference,
                                             preferred_user=preferred_user, recorded_by=by)
    audit_log("keyworkers.preference.recorded", actor=by, org=org, obj=profile)
    return row


# --- Reviews ---------------------------------------------------------------------------------


def _lock_plan(org, plan) -> Plan:
    _check_org(org, plan)
    return Plan.objects.for_org(org).select_for_update().select_related("profile").get(pk=plan.pk)


def _next_number(org, plan) -> int:
    return (Review.objects.for_org(org).filter(plan=plan).aggregate(n=Max("number"))["n"] or 0) + 1


def _open_review(org, plan):
    return Review.objects.for_org(org).filter(plan=plan, status__in=OPEN_REVIEW_STATUSES).first()


def review_schedule_next(*, org, plan, by=None, due_on: datetime.date | None = None) -> Review:
    """The plan's open review, or a new SCHEDULED one (next number) due on ``due_on`` or the
    computed date. Idempotent under concurrency (plan row locked)."""
    with transaction.atomic():
        plan = _lock_plan(org, plan)
        review = _open_review(org, plan)
        if review is not None:
            return review
        agreed = due_on is not None
        if due_on is None:
            due_on = selectors.computed_due_dates(org=org, plans=[plan])[plan.pk]
        review = Review.objects.create(organisation=org, plan=plan, number=_next_number(org, plan), due_on=due_on,
                                       due_on_agreed=agreed,
                                       status=ReviewStatus.SCHEDULED, key_worker=plan.profile.key_worker)
        learner_services.timeline_record(
            org=org, plan=plan, kind=TimelineKind.REVIEW_SCHEDULED, actor=by, obj=review, url=review_url(review),
            summary=f"Review {review.number} scheduled for {due_on:%d %B %Y}",
        )
    audit_log("keyworkers.review.scheduled", actor=by, org=org, obj=review, data={"due_on": due_on.isoformat()})
    return review


def review_start(*, org, plan, by, held_on: datetime.date | None = None) -> Review:
    """Start the plan's review now (the open one, or a new one with the next number). Two people
    starting at once get the same review. ``held_on``: when it is (was) held, default today."""
    if plan.status != PlanStatus.ACTIVE:
        raise ReviewError("Reviews are held on active plans only.")
    today = held_on or clock.today(org)
    with transaction.atomic():
        plan = _lock_plan(org, plan)
        review = _open_review(org, plan)
        if review is None:
            review = review_schedule_next(org=org, plan=plan, by=by)
        if review.status == ReviewStatus.SCHEDULED:
            review.status, review.held_on = ReviewStatus.IN_PROGRESS, today
            review.key_worker = review.key_worker or by
            review.save(update_fields=["status", "held_on", "key_worker"])
            learner_services.timeline_record(
                org=org, plan=plan, kind=TimelineKind.REVIEW_STARTED, actor=by, obj=review, url=review_url(review),
                summary=f"Review {review.number} started",
            )
            audit_log("keyworkers.review.started", actor=by, org=org, obj=review)
    return review


def _lock_review(org, review) -> Review:
    _check_org(org, review)
    return Review.objects.for_org(org).select_for_update().select_related("plan__profile").get(pk=review.pk)


REVIEW_TEXT_FIELDS = ("overall_progress", "support", "learning_opportunities", "narrative_text")


def review_save_draft(*, org, review, by, expected_version: int, fields: dict, evaluations: dict | None = None,
                      new_targets: list | None = None, tab: str = "") -> Review:
    """Save what is written so far (the autosave and the plain "Save draft") if the draft is
    still at ``expected_version`` (the version the form was loaded with), and bump the version.
    Otherwise raise ``StaleReviewError`` and write nothing: two tabs or two people never
    silently overwrite each other. The review row is locked first, so of two saves from the same
    version exactly one wins. ``tab``: the token of the page saving; when the last save came
    from the same page, it had seen every earlier version (its autosave just answered after its
    "Save draft" was sent), so it is not refused. ``fields``: the review's text fields and ``next_review_on``.
    ``evaluations``: {target_id: (status, note)} for targets of the plan. ``new_targets``: list
    of dicts (title, due_on, parent, success_criteria) — replaces the draft list. Refused once
    the key worker has signed."""
    with transaction.atomic():
        review = _lock_review(org, review)
        if not review.is_editable:
            raise ReviewError("This review has been signed and can no longer be changed. Add an amendment instead.")
        if review.version != expected_version and not (tab and tab == review.draft_tab):
            raise StaleReviewError(review)
        review.version += 1
        review.draft_tab = tab
        if review.status == ReviewStatus.SCHEDULED:
            review.status, review.held_on = ReviewStatus.IN_PROGRESS, clock.today(org)
        for name in (*REVIEW_TEXT_FIELDS, "next_review_on"):
            if name in fields:
                setattr(review, name, fields[name])
        review.draft_saved_at = timezone.now()
        review.save()
        if evaluations is not None:
            target_ids = set(review.plan.targets.filter(pk__in=list(evaluations)).values_list("pk", flat=True))
            for target_id, (status, note) in evaluations.items():
                if target_id not in target_ids:
                    continue
                ReviewTargetEvaluation.objects.for_org(org).update_or_create(
                    organisation=org, review=review, target_id=target_id,
                    defaults={"status": status or "", "note": note or ""},
                )
        if new_targets is not None:
            review.new_targets.all().delete()
            for item in new_targets:
                parent = item.get("parent")
                _check_org(org, parent)
                if parent is not None and parent.plan_id != review.plan_id:
                    raise ValueError("the long-term target must be on the review's plan")
                ReviewNewTarget.objects.create(organisation=org, review=review, parent=parent, title=item["title"],
                                               due_on=item["due_on"],
                                               success_criteria=item.get("success_criteria", ""))
    audit_log("keyworkers.review.draft_saved", actor=by, org=org, obj=review)
    return review


class StalePreparationError(ReviewError):
    """The learner's answers were saved (another tab, another device) since this page loaded:
    nothing was written. ``current`` is the review with the answers as saved."""

    message = ("You saved these answers somewhere else (another tab or device) after this page "
               "opened. Nothing was lost: the saved answers are shown below; press Save again to "
               "keep the ones in the boxes.")

    def __init__(self, current: Review):
        super().__init__(self.message)
        self.current = current


def preparation_seen(review: Review) -> str:
    """The token of the learner's answers as saved: when they were last saved."""
    return review.prep_updated_at.isoformat() if review.prep_updated_at else ""


def review_prepare(*, org, review, by, learned: str, enjoyed: str, found_hard: str,
                   seen: str | None = None) -> Review:
    """The learner's preparation (before the review, until they sign). With ``seen`` (the
    ``preparation_seen`` token the page was loaded with), a save over answers saved since is
    refused with ``StalePreparationError`` and writes nothing."""
    with transaction.atomic():
        review = _lock_review(org, review)
        if by.pk != review.plan.profile.user_id:
            raise ReviewError("Only the learner prepares for their review.")
        if not review.is_open or review.learner_signed_at is not None:
            raise ReviewError("This review is closed.")
        if seen is not None and seen != preparation_seen(review):
            raise StalePreparationError(review)
        review.prep_learned, review.prep_enjoyed, review.prep_found_hard = learned, enjoyed, found_hard
        review.prep_updated_at = timezone.now()
        review.save(update_fields=["prep_learned", "prep_enjoyed", "prep_found_hard", "prep_updated_at"])
    audit_log("keyworkers.review.prepared", actor=by, org=org, obj=review)
    return review


def _signed_event(org, review, by, role_label):
    learner_services.timeline_record(
        org=org, plan=review.plan, kind=TimelineKind.REVIEW_SIGNED, actor=by, obj=review, url=review_url(review),
        summary=f"Review {review.number} signed by {by} ({role_label})",
    )
    audit_log("keyworkers.review.signed", actor=by, org=org, obj=review, data={"as": role_label})


def review_sign_key_worker(*, org, review, by) -> Review:
    """The key worker signs: the evaluations are applied to the targets (status history), the
    new targets are set, the narrative entry is added, the period's log blocks are filed, and
    the review becomes read-only. Next: the learner signs."""
    today = clock.today(org)
    with transaction.atomic():
        review = _lock_review(org, review)
        if review.sign_stage != SignStage.KEY_WORKER or not review.is_open:
            raise ReviewError("The key worker has already signed this review.")
        plan = review.plan
        if plan.profile.key_worker_id != by.pk:
            raise ReviewError("Only the learner's key worker signs first.")
        if review.next_review_on is None:
            raise ReviewError("Set the next review date before signing.")
        for evaluation in review.evaluations.select_related("target"):
            if evaluation.status:
                learner_services.target_progress_update(
                    org=org, target=evaluation.target, by=by, status=evaluation.status,
                    note=f"Review {review.number}: {evaluation.note}".strip(),
                )
        for item in review.new_targets.select_related("parent"):
            target = learner_services.target_create(
                org=org, plan=plan, by=by, set_by_role=SetByRole.STAFF, title=item.title, due_on=item.due_on,
                parent=item.parent, area=item.parent.area if item.parent else None,
                success_criteria=item.success_criteria, source_type="keyworkers.review", source_id=str(review.pk),
            )
            item.created_target = target
            item.save(update_fields=["created_target"])
        if review.narrative_text.strip():
            learner_services.narrative_append(org=org, plan=plan, by=by, author_role=AuthorRole.KEY_WORKER,
                                              text=f"Review {review.number}: {review.narrative_text}")
        held_on = review.held_on or today
        for block in LogBlock.objects.for_org(org).filter(
            plan=plan, filed_at__isnull=True, ends_on__lte=held_on + FILE_BLOCK_ENDING_WITHIN
        ):
            learner_services.log_block_file(org=org, block=block, by=by)
        review.kw_signed_by, review.kw_signed_at = by, timezone.now()
        review.held_on = held_on
        review.status = ReviewStatus.IN_PROGRESS
        review.needs_provider = PlanShare.objects.for_org(org).filter(
            PlanShare.active_q(), plan=plan, relationship__in=PROVIDER_RELATIONSHIPS
        ).exists()
        review.save()
        _signed_event(org, review, by, "key worker")
    return review


def review_sign_learner(*, org, review, by) -> Review:
    with transaction.atomic():
        review = _lock_review(org, review)
        if review.sign_stage != SignStage.LEARNER or not review.is_open:
            raise ReviewError("This review is not waiting for the learner's signature.")
        if by.pk != review.plan.profile.user_id:
            raise ReviewError("Only the learner signs here.")
        review.learner_signed_by, review.learner_signed_at = by, timezone.now()
        review.save(update_fields=["learner_signed_by", "learner_signed_at"])
        _signed_event(org, review, by, "learner")
        if not review.needs_provider:
            _complete(org, review, by)
    return review


def provider_can_sign(*, review, user) -> bool:
    return PlanShare.objects.for_org(review.organisation_id).filter(
        PlanShare.active_q(), plan_id=review.plan_id, grantee=user, relationship__in=PROVIDER_RELATIONSHIPS
    ).exists()


def review_sign_provider(*, org, review, by) -> Review:
    with transaction.atomic():
        review = _lock_review(org, review)
        if review.sign_stage != SignStage.PROVIDER or not review.is_open:
            raise ReviewError("This review is not waiting for the employer's or provider's signature.")
        if not provider_can_sign(review=review, user=by):
            raise ReviewError("Only the learner's employer or off-site provider signs here.")
        review.provider_signed_by, review.provider_signed_at = by, timezone.now()
        review.save(update_fields=["provider_signed_by", "provider_signed_at"])
        _signed_event(org, review, by, "employer or provider")
        _complete(org, review, by)
    return review


def _complete(org, review, by):
    review.status, review.completed_at = ReviewStatus.COMPLETED, timezone.now()
    review.save(update_fields=["status", "completed_at"])
    learner_services.timeline_record(
        org=org, plan=review.plan, kind=TimelineKind.REVIEW_COMPLETED, actor=by, obj=review, url=review_url(review),
        summary=f"Review {review.number} signed off",
    )
    audit_log("keyworkers.review.completed", actor=by, org=org, obj=review)
    _drop_reminders(org, review)
    if review.plan.status == PlanStatus.ACTIVE:
        review_schedule_next(org=org, plan=review.plan, by=by, due_on=review.next_review_on)


def _drop_reminders(org, review):
    Reminder.objects.for_org(org).filter(subject_key=f"review:{review.pk}", digested_at__isnull=True).delete()


def review_cancel(*, org, review, by, reason: str) -> Review:
    """Cancel an open review (not yet signed by the key worker) with a reason: it keeps its
    number; a new review is scheduled with the next number and the same due date."""
    if not reason.strip():
        raise ReviewError("Give a reason for cancelling the review.")
    with transaction.atomic():
        _lock_plan(org, review.plan)
        review = _lock_review(org, review)
        if not review.is_editable:
            raise ReviewError("Only a review that has not been signed can be cancelled.")
        review.status, review.cancelled_reason = ReviewStatus.CANCELLED, reason
        review.cancelled_at, review.cancelled_by = timezone.now(), by
        review.save(update_fields=["status", "cancelled_reason", "cancelled_at", "cancelled_by"])
        learner_services.timeline_record(
            org=org, plan=review.plan, kind=TimelineKind.REVIEW_CANCELLED, actor=by, obj=review,
            url=review_url(review), summary=f"Review {review.number} cancelled: {reason}",
        )
        _drop_reminders(org, review)
        if review.plan.status == PlanStatus.ACTIVE:
            # The review is still owed: its successor takes the next number and the same date.
            review_schedule_next(org=org, plan=review.plan, by=by, due_on=review.due_on)
    audit_log("keyworkers.review.cancelled", actor=by, org=org, obj=review, data={"reason": reason})
    return review


def review_amend(*, org, review, by, text: str):
    """An amendment after sign-off: a new entry of the learning journey, never an edit."""
    _check_org(org, review)
    if review.kw_signed_at is None:
        raise ReviewError("Change the draft instead: the review has not been signed.")
    if not text.strip():
        raise ReviewError("Write the amendment.")
    entry = learner_services.narrative_append(org=org, plan=review.plan, by=by, author_role=AuthorRole.KEY_WORKER,
                                              text=f"Amendment to review {review.number}: {text}")
    learner_services.timeline_record(
        org=org, plan=review.plan, kind=TimelineKind.REVIEW_AMENDED, actor=by, obj=review, url=review_url(review),
        summary=f"Amendment added to review {review.number}",
    )
    audit_log("keyworkers.review.amended", actor=by, org=org, obj=review)
    return entry


def reviews_schedule_missing(*, org) -> int:
    """Schedule a review for every active plan of ``org`` (required) that has none open."""
    return _schedule_missing(selectors.plans_without_open_review(org=org))


def reviews_schedule_missing_everywhere(*, reason: str) -> int:
    """The daily job's run over every organisation, saying why. Finding the plans is one query;
    each new review is then created with its plan locked."""
    return _schedule_missing(selectors.plans_without_open_review_everywhere(reason=reason))


def _schedule_missing(plans) -> int:
    made = 0
    for plan in plans:
        try:
            review_schedule_next(org=plan.organisation, plan=plan)
            made += 1
        except IntegrityError:  # scheduled at the same moment elsewhere
            continue
    return made



# --- Leaving (issue 13; called from keyworkers/enrolment.py) ----------------------------------


def learner_left(*, org, profile: LearnerProfile, left_on: datetime.date, by) -> dict:
    """Stop the key-worker work for a learner who left: open reviews are cancelled (a review the
    key worker already signed stays as it is, its plan being closed), undigested review and
    target reminders are dropped, the current key-worker assignment and team memberships end on
    ``left_on`` and the profile's key worker is cleared. Audited. Returns what was done."""
    _check_org(org, profile)
    reason = f"The learner left on {left_on:%-d %B %Y}."
    cancelled = 0
    with transaction.atomic():
        for review in Review.objects.for_org(org).filter(plan__profile=profile, status__in=OPEN_REVIEW_STATUSES):
            if review.is_editable:
                review_cancel(org=org, review=review, by=by, reason=reason)
                cancelled += 1
        plan_ids = list(Plan.objects.for_org(org).filter(profile=profile).values_list("pk", flat=True))
        keys = [f"review:{pk}" for pk in Review.objects.for_org(org).filter(plan_id__in=plan_ids)
                .values_list("pk", flat=True)]
        keys += [f"target:{pk}" for pk in Target.objects.for_org(org).filter(plan_id__in=plan_ids)
                 .values_list("pk", flat=True)]
        dropped, _ = Reminder.objects.for_org(org).filter(subject_key__in=keys, digested_at__isnull=True).delete()
        assignment = KeyWorkerAssignment.objects.for_org(org).filter(profile=profile, ends_on__isnull=True).first()
        if assignment is not None:
            assignment.ends_on = max(left_on, assignment.starts_on)
            assignment.save(update_fields=["ends_on"])
        for member in TeamMember.objects.for_org(org).filter(profile=profile, ends_on__isnull=True):
            member.ends_on = max(left_on, member.starts_on)
            member.save(update_fields=["ends_on"])
        learner_services.learner_set_key_worker(org=org, learner=profile, user=None, by=by)
    done = {"reviews_cancelled": cancelled, "reminders_dropped": dropped,
            "assignment_ended": assignment.pk if assignment else None}
    audit_log("keyworkers.learner.left", actor=by, org=org, obj=profile, data=done)
    return done


def transferred_review_read(*, transfer, review, by, request=None) -> None:
    """A read of a review moved with the learner (issue 13): in both organisations' logs."""
    record_transfer_read(transfer=transfer, by=by, request=request, review=review.pk, plans=[review.plan_id])
