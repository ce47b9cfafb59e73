"""Writes of the learners app. Every service is keyword-only, takes the organisation first,
is audited (``audit_log``) and writes its timeline event (``timeline_record``).

Child rows take their organisation from ``org`` after checking that the parent belongs to it
(``_check_org``): a parent of another organisation raises ``ValueError``."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm
from django.contrib.auth.models import Permission

from plp_portal import clock, rls
from plp_portal.accounts.services import invited_account
from plp_portal.audit.services import audit_log, audit_log_many
from plp_portal.notifications.services import email_queue, notification_create
from plp_portal.organisations.models import Membership
from plp_portal.hooks import app_hook_modules
from plp_portal.organisations.choices import Role

from .choices import (
    DEFAULT_AT_RISK_LEVELS, DEFAULT_TARGET_AREAS, FINAL_OUTCOME_AREA_CODE, TARGET_OPEN_STATUSES,
    Audience, AuthorRole, ConcernStatus, LeavingReason, MovingOnShareWith, OpenTargetsOnLeaving,
    PlanStatus, SetByRole, ShareRelationship, TargetStatus, TargetTerm, TimelineKind,
    TransferStatus,
)
from .models import (
    NARRATIVE_MAX, AtRiskLevel, AtRiskStatus, Concern, EnrolmentEnd, LearnerProfile, LogBlock,
    LogEntry, MovingOnApplication, MovingOnPlan, NarrativeEntry, OffSiteReview, OffSiteReviewTarget,
    Plan, PlanContribution, PlanShare, PlanShareInvitation, PlanSignature, PlanUserObjectPermission,
    RecordTransfer, SubjectReport, Target, TargetArea, TargetProgress, TimelineEvent,
)
from .permissions import (
    can_offer_record_for_under_13, can_see, can_see_sensitive, plan_viewer, profile_viewer,
)


class StalePlanError(Exception):
    """The plan changed since the form was loaded: the save was refused (show the message)."""

    message = "Someone else changed this plan while you were editing it. Reload it and try again."


class LogBlockFiledError(Exception):
    """The six-week block was filed at a review: it is read-only."""


def _check_org(org, *objs):
    for obj in objs:
        if obj is not None and obj.organisation_id != org.pk:
            raise ValueError(f"{type(obj).__name__} {obj.pk} does not belong to {org}")


def _audience_fields(audience, restricted_roles):
    roles = sorted({str(r) for r in restricted_roles or ()})
    return {
        "audience": audience,
        "restricted_roles": f",{','.join(roles)}," if (roles and audience == Audience.RESTRICTED) else "",
    }


# --- Timeline --------------------------------------------------------------------------------


def timeline_record(
    *,
    org,
    plan,
    kind: str,
    summary: str,
    audience: str = Audience.PLAN,
    restricted_roles=(),
    actor=None,
    obj=None,
    url: str = "",
    occurred_at: datetime.datetime | None = None,
) -> TimelineEvent:
    """Add one event to ``plan``'s timeline. Public: keyworkers and guidance call it too.

    ``kind``: a stable dotted string (``choices.TimelineKind`` or the caller's own, e.g.
    "review.signed_off", "guidance.interview"). ``summary``: plain text, shown escaped, written
    so it may be seen by everyone in ``audience`` (no sensitive details in a PLAN event).
    ``audience``/``restricted_roles``: as the record it is about. ``obj``: the record (stored as
    label_lower + pk). ``url``: a path to the record, if it has a page."""
    _check_org(org, plan)
    event = TimelineEvent(
        organisation=org,
        plan=plan,
        kind=kind,
        summary=summary[:300],
        actor=actor,
        url=url,
        occurred_at=occurred_at or timezone.now(),
        **_audience_fields(audience, restricted_roles),
    )
    if obj is not None:
        event.object_type = obj._meta.label_lower
        event.object_id = str(obj.pk)
    event.save()
    return event


def _record_event(*, org, record, kind: str, by, summary: str, **extra) -> TimelineEvent:
    """The timeline event about one of a plan's records, seen by the record's own audience."""
    return timeline_record(org=org, plan=record.plan, kind=kind, actor=by, obj=record, summary=summary,
                           audience=record.audience, restricted_roles=record.restricted_role_list, **extra)


def _record_save(*, org, record, kind: str, by, summary: str) -> None:
    """Validate and save one of a plan's records, and put it on the plan's timeline."""
    record.full_clean()
    record.save()
    _record_event(org=org, record=record, kind=kind, by=by, summary=summary)


# --- Organisation configuration --------------------------------------------------------------


def target_areas_seed_defaults(*, org) -> list[TargetArea]:
    """Create the default target areas (issue 3) the organisation does not have yet. Idempotent."""
    areas = []
    for order, (code, name) in enumerate(DEFAULT_TARGET_AREAS):
        area, _ = TargetArea.objects.for_org(org).get_or_create(
            organisation=org, code=code, defaults={"name": name, "order": order}
        )
        areas.append(area)
    return areas


def at_risk_levels_seed_defaults(*, org) -> list[AtRiskLevel]:
    """Create the default at-risk scale (red/amber/green/silver/gold). Idempotent."""
    levels = []
    for order, (code, name, description) in enumerate(DEFAULT_AT_RISK_LEVELS):
        level, _ = AtRiskLevel.objects.for_org(org).get_or_create(
            organisation=org, code=code, defaults={"name": name, "description": description, "order": order}
        )
        levels.append(level)
    return levels


def target_area_get(*, org, code: str) -> TargetArea:
    """The organisation's area with ``code``, the defaults being seeded on first use."""
    try:
        return TargetArea.objects.for_org(org).get(code=code)
    except TargetArea.DoesNotExist:
        target_areas_seed_defaults(org=org)
        return TargetArea.objects.for_org(org).get(code=code)


# --- Profile ---------------------------------------------------------------------------------


def learner_profile_create(*, org, user, target_group, by, **fields) -> LearnerProfile:
    """Enrol ``user`` as a learner of ``org`` with the Stage 1 fields given (model field names)."""
    with transaction.atomic():
        profile = LearnerProfile(organisation=org, user=user, target_group=target_group, **fields)
        profile.full_clean()
        profile.save()
        target_areas_seed_defaults(org=org)
        at_risk_levels_seed_defaults(org=org)
        _transfers_reach_enrolments(org=org, profiles=[profile], by=by)
    audit_log("learners.profile.created", actor=by, org=org, obj=profile)
    return profile


def _transfers_reach_enrolments(*, org, profiles, by) -> None:
    """A learner who consented to a transfer of their record to ``org`` BEFORE being enrolled
    here: at enrolment the other apps carry on what they own, as at consent (guidance: the tier
    and adviser, if a careers service works with both organisations). One query for all."""
    by_user = {p.user_id: p for p in profiles}
    if not by_user:
        return
    transfers = (RecordTransfer.objects.system("consented transfers to the organisation enrolling these learners")
                 .filter(receiving_organisation_id=org.pk, learner_id__in=list(by_user),
                         status=TransferStatus.CONSENTED, profile__isnull=False)
                 .select_related("organisation", "profile"))
    for transfer in transfers:
        _enrolment_hooks("record_transfer_consented", transfer=transfer, receiving_profile=by_user[transfer.learner_id],
                         by=by)


def learner_profiles_create_bulk(*, org, rows: list[dict], by) -> list[LearnerProfile]:
    """``learner_profile_create`` for many new learners at once (the MIS import): each row has
    ``user``, ``target_group`` and Stage 1 fields. Fields are validated as one by one; the
    database's constraints check the rest in the same INSERT. Audited one row per learner."""
    target_areas_seed_defaults(org=org)
    at_risk_levels_seed_defaults(org=org)
    profiles = [LearnerProfile(organisation=org, **row) for row in rows]
    for profile in profiles:
        profile.full_clean(validate_unique=False, validate_constraints=False)
    LearnerProfile.objects.bulk_create(profiles)
    _transfers_reach_enrolments(org=org, profiles=profiles, by=by)
    audit_log_many("learners.profile.created", actor=by, org=org, objs=profiles)
    return profiles


def plans_create_bulk(*, org, profiles, by, programme_name: str, starts_on: datetime.date,
                      ends_on: datetime.date, final_outcome: str) -> list[Plan]:
    """``plan_create`` for many learners without an active plan of that name (the MIS import,
    the year rollover): the same plan, first target and timeline event each, in three INSERTs."""
    plans = [Plan(organisation=org, profile=profile, programme_name=programme_name, starts_on=starts_on,
                  ends_on=ends_on, created_by=by) for profile in profiles]
    for plan in plans:
        plan.full_clean(validate_unique=False, validate_constraints=False)
    Plan.objects.bulk_create(plans)
    now = timezone.now()
    area = target_area_get(org=org, code=FINAL_OUTCOME_AREA_CODE)
    Target.objects.bulk_create([
        Target(organisation=org, plan=plan, term=TargetTerm.LONG, is_final_outcome=True, area=area,
               title=final_outcome, due_on=ends_on, set_by=by, set_by_role=SetByRole.STAFF,
               approved_by=by, approved_at=now, audience=Audience.PLAN) for plan in plans])
    TimelineEvent.objects.bulk_create([
        TimelineEvent(organisation=org, plan=plan, kind=TimelineKind.PLAN_CREATED, actor=by,
                      summary=f"Plan started: {programme_name}"[:300], occurred_at=now,
                      object_type=plan._meta.label_lower, object_id=str(plan.pk),
                      **_audience_fields(Audience.PLAN, ())) for plan in plans])
    audit_log_many("learners.plan.created", actor=by, org=org, objs=plans)
    return plans


def learner_profiles_update_bulk(*, org, profiles, fields: list[str], by, summary: str = "") -> int:
    """Save ``fields`` of many profiles at once (the year rollover advances year groups): one
    UPDATE per batch, an audit row each naming the fields. Not for key worker / at-risk."""
    if {"key_worker", "at_risk_level", "user", "organisation"} & set(fields):
        raise ValueError("use learner_set_key_worker / at_risk_set for those fields")
    profiles = [p for p in profiles if p.organisation_id == org.pk]
    LearnerProfile.objects.for_org(org).bulk_update(profiles, fields, batch_size=500)
    audit_log_many("learners.profile.updated", actor=by, org=org, objs=profiles,
                   data={"fields": sorted(fields), "why": summary})
    return len(profiles)


def plans_close_bulk(*, org, plans, by, summary: str) -> int:
    """Close many active plans at once (the year rollover closes last year's): version bumped,
    a timeline event and an audit row each. Returns how many were closed."""
    plans = [p for p in plans if p.status == PlanStatus.ACTIVE and p.organisation_id == org.pk]
    now = timezone.now()
    closed = Plan.objects.for_org(org).filter(pk__in=[p.pk for p in plans], status=PlanStatus.ACTIVE).update(
        status=PlanStatus.CLOSED, version=F("version") + 1, updated_at=now)
    TimelineEvent.objects.bulk_create([
        TimelineEvent(organisation=org, plan=plan, kind=TimelineKind.PLAN_UPDATED, actor=by, summary=summary[:300],
                      occurred_at=now, object_type=plan._meta.label_lower, object_id=str(plan.pk),
                      **_audience_fields(Audience.PLAN, ())) for plan in plans])
    audit_log_many("learners.plan.updated", actor=by, org=org, objs=plans, data={"fields": ["status"]})
    return closed


def learner_profile_update(*, org, profile, by, **fields) -> LearnerProfile:
    """Update Stage 1 fields of ``profile``. ``key_worker`` and ``at_risk_level`` are refused:
    use ``learner_set_key_worker`` / ``at_risk_set``. The audit records which fields changed
    (names only, never sensitive values)."""
    _check_org(org, profile)
    if {"key_worker", "key_worker_id", "at_risk_level", "at_risk_level_id", "user", "organisation"} & set(fields):
        raise ValueError("use learner_set_key_worker / at_risk_set for those fields")
    induction_done = fields.pop("induction_completed", None)
    if induction_done and profile.induction_completed_at is None:
        profile.induction_completed_at = timezone.now()
        profile.induction_completed_by = by
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.full_clean()
    profile.save()
    audit_log("learners.profile.updated", actor=by, org=org, obj=profile, data={"fields": sorted(fields)})
    return profile


def learner_set_key_worker(*, org, learner: LearnerProfile, user, by=None) -> LearnerProfile:
    """Point ``learner.key_worker`` at ``user`` (None to clear). Called by the keyworkers app,
    which owns the assignment history, whenever the current assignment changes. ``user`` must be
    an active member of ``org``. Audited; writes a STAFF timeline event on active plans."""
    _check_org(org, learner)
    if user is not None and not Membership.objects.for_org(org).filter(user=user, is_active=True).exists():
        raise ValueError("the key worker must be an active member of the organisation")
    if learner.key_worker_id == (user.pk if user else None):
        return learner
    LearnerProfile.objects.for_org(org).filter(pk=learner.pk).update(key_worker=user)
    learner.key_worker = user
    audit_log("learners.profile.key_worker_set", actor=by, org=org, obj=learner,
              data={"key_worker": user.pk if user else None})
    for plan in learner.plans.filter(status=PlanStatus.ACTIVE):
        timeline_record(
            org=org, plan=plan, kind=TimelineKind.KEY_WORKER_CHANGED, actor=by, obj=learner,
            summary=f"Key worker: {user}" if user else "Key worker removed",
            audience=Audience.PLAN,
        )
    return learner


def at_risk_set(*, org, profile, level: AtRiskLevel, reason: str, by) -> AtRiskStatus:
    """Record a new at-risk level with its reason (history) and mirror it on the profile.
    The timeline event is STAFF-only."""
    _check_org(org, profile, level)
    with transaction.atomic():
        status = AtRiskStatus.objects.create(organisation=org, profile=profile, level=level, reason=reason, set_by=by)
        LearnerProfile.objects.for_org(org).filter(pk=profile.pk).update(at_risk_level=level)
        profile.at_risk_level = level
        for plan in profile.plans.filter(status=PlanStatus.ACTIVE):
            timeline_record(org=org, plan=plan, kind=TimelineKind.AT_RISK_CHANGED, actor=by, obj=status,
                            summary=f"At-risk status set to {level.name}", audience=Audience.STAFF)
    audit_log("learners.at_risk.set", actor=by, org=org, obj=profile, data={"level": level.code})
    return status


# --- Plan ------------------------------------------------------------------------------------


def plan_create(
    *,
    org,
    profile,
    by,
    programme_name: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    final_outcome: str,
    **fields,
) -> Plan:
    """Create an active plan, and its FIRST target: the agreed final grade / course outcome
    (``final_outcome`` text; long-term, ``is_final_outcome=True``, due ``ends_on``, area
    vocational, staff-set and approved). Raises IntegrityError/ValidationError if the learner
    already has an active plan for ``programme_name``. ``fields``: long_term_goal,
    anticipated_destination, qualifications, planned_placements, support_needed."""
    _check_org(org, profile)
    with transaction.atomic():
        plan = Plan(organisation=org, profile=profile, programme_name=programme_name,
                    starts_on=starts_on, ends_on=ends_on, created_by=by, **fields)
        plan.full_clean()
        plan.save()
        now = timezone.now()
        Target.objects.create(
            organisation=org, plan=plan, term=TargetTerm.LONG, is_final_outcome=True,
            area=target_area_get(org=org, code=FINAL_OUTCOME_AREA_CODE),
            title=final_outcome, due_on=ends_on, set_by=by, set_by_role=SetByRole.STAFF,
            approved_by=by, approved_at=now, audience=Audience.PLAN,
        )
        timeline_record(org=org, plan=plan, kind=TimelineKind.PLAN_CREATED, actor=by, obj=plan,
                        summary=f"Plan started: {programme_name}")
    audit_log("learners.plan.created", actor=by, org=org, obj=plan)
    return plan


PLAN_EDITABLE_FIELDS = frozenset(
    {"programme_name", "long_term_goal", "anticipated_destination", "qualifications",
     "planned_placements", "off_site_schedule", "support_needed", "starts_on", "ends_on", "status"}
)


def plan_update(*, org, plan, by, expected_version: int, **fields) -> Plan:
    """Change plan fields if the plan is still at ``expected_version`` (the version the form was
    loaded with); bumps ``version``. Raises ``StalePlanError`` otherwise — never overwrites.
    Existing signatures then show the plan as changed after signing."""
    _check_org(org, plan)
    unknown = set(fields) - PLAN_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not plan fields: {sorted(unknown)}")
    with transaction.atomic():
        updated = Plan.objects.for_org(org).filter(pk=plan.pk, version=expected_version).update(
            version=F("version") + 1, updated_at=timezone.now(), **fields
        )
        if not updated:
            raise StalePlanError(StalePlanError.message)
        plan.refresh_from_db()
        timeline_record(org=org, plan=plan, kind=TimelineKind.PLAN_UPDATED, actor=by, obj=plan,
                        summary="Plan updated")
    audit_log("learners.plan.updated", actor=by, org=org, obj=plan,
              data={"fields": sorted(fields), "version": plan.version})
    return plan


def plan_sign(*, org, plan, by, role, expected_version: int | None = None) -> PlanSignature:
    """``by`` signs the learning contract in ``role`` (SignerRole) at the plan's current version.
    With ``expected_version``, refuses (StalePlanError) if the plan changed since it was shown."""
    _check_org(org, plan)
    with transaction.atomic():
        current = Plan.objects.for_org(org).select_for_update().get(pk=plan.pk)
        if expected_version is not None and current.version != expected_version:
            raise StalePlanError(StalePlanError.message)
        signature = PlanSignature.objects.create(organisation=org, plan=plan, signer=by, role=role,
                                                 plan_version=current.version)
        timeline_record(org=org, plan=plan, kind=TimelineKind.PLAN_SIGNED, actor=by, obj=signature,
                        summary=f"Learning contract signed by {by} ({signature.get_role_display()})")
    audit_log("learners.plan.signed", actor=by, org=org, obj=plan, data={"role": role, "version": current.version})
    return signature


# --- Targets ---------------------------------------------------------------------------------


def target_create(
    *,
    org,
    plan,
    by,
    set_by_role: str,
    title: str,
    due_on: datetime.date,
    term: str = TargetTerm.SHORT,
    parent: Target | None = None,
    area: TargetArea | None = None,
    audience: str = Audience.PLAN,
    restricted_roles=(),
    source_type: str = "",
    source_id: str = "",
    **fields,
) -> Target:
    """Set a target. ``set_by_role``: SetByRole.LEARNER (awaits staff approval) or STAFF
    (approved by ``by`` at once). A short-term target may have a long-term ``parent`` on the same
    plan. ``fields``: success_criteria, skills_required, support_strategy,
    outside_classroom_assistance. ``source_type``/``source_id``: the creating record in another
    app (e.g. "guidance.interview", str(interview.pk))."""
    _check_org(org, plan, parent, area)
    if parent is not None and (parent.plan_id != plan.pk or parent.term != TargetTerm.LONG):
        raise ValueError("a parent must be a long-term target of the same plan")
    if term == TargetTerm.LONG and parent is not None:
        raise ValueError("a long-term target has no parent")
    staff_set = set_by_role == SetByRole.STAFF
    with transaction.atomic():
        target = Target(
            organisation=org, plan=plan, term=term, parent=parent, area=area, title=title, due_on=due_on,
            set_by=by, set_by_role=set_by_role,
            approved_by=by if staff_set else None, approved_at=timezone.now() if staff_set else None,
            source_type=source_type, source_id=str(source_id or ""),
            **_audience_fields(audience, restricted_roles), **fields,
        )
        _record_save(org=org, record=target, kind=TimelineKind.TARGET_SET, by=by, summary=f"Target set: {title}")
    audit_log("learners.target.created", actor=by, org=org, obj=target)
    return target


def target_approve(*, org, target, by) -> Target:
    """Staff approve a learner-set target (idempotent)."""
    _check_org(org, target)
    if target.approved_at is None:
        target.approved_by, target.approved_at = by, timezone.now()
        target.save(update_fields=["approved_by", "approved_at", "updated_at"])
        _record_event(org=org, record=target, kind=TimelineKind.TARGET_APPROVED, by=by,
                      summary=f"Target approved: {target.title}")
        audit_log("learners.target.approved", actor=by, org=org, obj=target)
    return target


def target_progress_update(*, org, target, by, status: str, note: str = "",
                           recorded_at: datetime.datetime | None = None) -> TargetProgress:
    """Add a dated progress note setting ``status`` (the history), and set the target's status.
    Timeline: "target.achieved" when achieved, else "target.updated"."""
    _check_org(org, target)
    with transaction.atomic():
        progress = TargetProgress.objects.create(organisation=org, target=target, status=status, note=note,
                                                 recorded_by=by, recorded_at=recorded_at or timezone.now())
        target.status = status
        target.save(update_fields=["status", "updated_at"])
        achieved = status == TargetStatus.ACHIEVED
        _record_event(
            org=org, record=target, by=by, occurred_at=progress.recorded_at,
            kind=TimelineKind.TARGET_ACHIEVED if achieved else TimelineKind.TARGET_UPDATED,
            summary=(f"Target achieved: {target.title}" if achieved
                     else f"Target {target.get_status_display().lower()}: {target.title}"),
        )
    audit_log("learners.target.progress", actor=by, org=org, obj=target, data={"status": status})
    return progress


# --- Narrative -------------------------------------------------------------------------------


def narrative_append(*, org, plan, by, author_role: str, text: str, audience: str = Audience.PLAN,
                     restricted_roles=(), corrects: NarrativeEntry | None = None) -> NarrativeEntry:
    """Add an entry to the append-only learning journey (also used by reviews in keyworkers)."""
    _check_org(org, plan, corrects)
    if corrects is not None and corrects.plan_id != plan.pk:
        raise ValueError("a correction must be on the same plan")
    with transaction.atomic():
        entry = NarrativeEntry(organisation=org, plan=plan, author=by, author_role=author_role, text=text,
                               corrects=corrects, **_audience_fields(audience, restricted_roles))
        _record_save(
            org=org, record=entry, by=by,
            kind=TimelineKind.NARRATIVE_CORRECTED if corrects else TimelineKind.NARRATIVE_ADDED,
            summary=f"{'Correction' if corrects else 'Learning journey entry'} by {by} ({entry.get_author_role_display()})",
        )
    audit_log("learners.narrative.added", actor=by, org=org, obj=entry)
    return entry


def narrative_correct(*, org, entry: NarrativeEntry, by, author_role: str, text: str) -> NarrativeEntry:
    """Correct ``entry``: a new entry pointing at it, with the same audience."""
    return narrative_append(org=org, plan=entry.plan, by=by, author_role=author_role, text=text,
                            audience=entry.audience, restricted_roles=entry.restricted_role_list, corrects=entry)


# --- Learning log ----------------------------------------------------------------------------


def _grid_start(plan, on: datetime.date) -> datetime.date:
    index = (on - plan.starts_on).days // LogBlock.LENGTH_DAYS
    return plan.starts_on + datetime.timedelta(days=index * LogBlock.LENGTH_DAYS)


def log_block_for(*, org, plan, on: datetime.date) -> LogBlock:
    """The open block of ``plan`` for an entry dated ``on``.

    Blocks count from ``plan.starts_on`` in 42-day steps. A block filed before its end was cut
    at the day it was filed, and the rest of its six weeks is an open block starting that day
    (``log_block_file``): an entry dated on or after the filing day goes there. Raises
    LogBlockFiledError when ``on`` lies only in a filed block (before the review that filed it)."""
    _check_org(org, plan)
    blocks = LogBlock.objects.for_org(org).filter(plan=plan, starts_on__lte=on, ends_on__gte=on)
    block = blocks.filter(filed_at__isnull=True).order_by("-starts_on").first()
    if block is not None:
        return block
    filed = blocks.order_by("-ends_on").first()
    if filed is not None:
        raise LogBlockFiledError(
            f"Your learning log up to {filed.ends_on:%-d %B %Y} was filed at a review and cannot change. "
            f"Enter a date from {filed.ends_on:%-d %B %Y} onwards.")
    starts_on = _grid_start(plan, on)
    block, _ = LogBlock.objects.for_org(org).get_or_create(
        organisation=org, plan=plan, starts_on=starts_on, filed_at__isnull=True,
        defaults={"ends_on": starts_on + datetime.timedelta(days=LogBlock.LENGTH_DAYS - 1)},
    )
    return block


def log_entry_add(*, org, plan, by, kind: str, written_on: datetime.date, audience: str = Audience.PLAN,
                  restricted_roles=(), file=None, file_content_type: str = "", **fields) -> LogEntry:
    """Add a learning-log entry to the open block for ``written_on`` (``log_block_for``).
    ``fields``: title, what_learned, how_learned, enjoyed, found_difficult, ecm_outcomes (list of
    EcmOutcome values). ``file`` must already be validated by the form with
    ``plp_portal.uploads.validate_upload`` and its returned content type passed as
    ``file_content_type``. Raises LogBlockFiledError if the date lies only in a filed block."""
    _check_org(org, plan)
    with transaction.atomic():
        # A review may file the block between the look-up and the lock: look again once (the
        # filing has then made the open block for the rest of the period).
        for _attempt in range(2):
            block = log_block_for(org=org, plan=plan, on=written_on)
            block = LogBlock.objects.for_org(org).select_for_update().get(pk=block.pk)
            if not block.is_filed:
                break
        else:
            raise LogBlockFiledError("This part of the learning log was filed at a review and cannot change.")
        entry = LogEntry(organisation=org, plan=plan, block=block, author=by, kind=kind, written_on=written_on,
                         file_content_type=file_content_type if file else "",
                         **_audience_fields(audience, restricted_roles), **fields)
        if file is not None:
            entry.file = file
        _record_save(org=org, record=entry, kind=TimelineKind.LOG_ENTRY_ADDED, by=by,
                     summary=f"Learning log: {entry.get_kind_display()}")
    audit_log("learners.log_entry.added", actor=by, org=org, obj=entry)
    return entry


def log_block_file(*, org, block: LogBlock, by) -> LogBlock:
    """File a six-week block (at a review): what was written in it becomes read-only. Idempotent.

    Filing closes what was written before the sign-off; it never stops the learner writing
    today. A block filed before it ends is cut at the filing day, and the rest of its period
    becomes a new open block starting that day, where later entries go."""
    _check_org(org, block)
    with transaction.atomic():
        block = LogBlock.objects.for_org(org).select_for_update().get(pk=block.pk)
        if block.filed_at is not None:
            return block
        block.filed_at, block.filed_by = timezone.now(), by
        today = clock.local_date(block.filed_at)
        rest_ends_on = None
        if block.ends_on >= today >= block.starts_on:
            block.ends_on, rest_ends_on = today, block.ends_on
        block.save(update_fields=["filed_at", "filed_by", "ends_on"])
        if rest_ends_on is not None:
            LogBlock.objects.for_org(org).get_or_create(
                organisation=org, plan=block.plan, starts_on=today, filed_at__isnull=True,
                defaults={"ends_on": rest_ends_on},
            )
        timeline_record(org=org, plan=block.plan, kind=TimelineKind.LOG_BLOCK_FILED, actor=by, obj=block,
                        summary=f"Learning log filed ({block.starts_on:%d %b} to {block.ends_on:%d %b %Y})")
    audit_log("learners.log_block.filed", actor=by, org=org, obj=block)
    return block


# --- Concerns and subject reports ------------------------------------------------------------


def concern_raise(*, org, plan, by, category: str, description: str, raised_by_learner: bool = False,
                  audience: str | None = None, restricted_roles=(), **fields) -> Concern:
    """Raise a concern. ``fields``: follow_up_how, follow_up_on, owner. Default audience: PLAN
    when the learner raised it (they see their own concern), STAFF otherwise."""
    _check_org(org, plan)
    if audience is None:
        audience = Audience.PLAN if raised_by_learner else Audience.STAFF
    with transaction.atomic():
        concern = Concern(organisation=org, plan=plan, raised_by=by, category=category, description=description,
                          raised_by_learner=raised_by_learner, **_audience_fields(audience, restricted_roles), **fields)
        _record_save(org=org, record=concern, kind=TimelineKind.CONCERN_RAISED, by=by,
                     summary=f"Concern raised: {concern.get_category_display()}")
    audit_log("learners.concern.raised", actor=by, org=org, obj=concern)
    return concern


def concern_update(*, org, concern, by, **fields) -> Concern:
    """Change follow_up_how, follow_up_on, owner, status (open/monitoring). Use concern_resolve
    to resolve."""
    _check_org(org, concern)
    allowed = {"follow_up_how", "follow_up_on", "owner", "status", "description"}
    if set(fields) - allowed or fields.get("status") == ConcernStatus.RESOLVED:
        raise ValueError("use concern_resolve to resolve; allowed fields: " + ", ".join(sorted(allowed)))
    for name, value in fields.items():
        setattr(concern, name, value)
    _record_save(org=org, record=concern, kind=TimelineKind.CONCERN_UPDATED, by=by,
                 summary=f"Concern updated: {concern.get_category_display()} ({concern.get_status_display()})")
    audit_log("learners.concern.updated", actor=by, org=org, obj=concern, data={"fields": sorted(fields)})
    return concern


def concern_resolve(*, org, concern, by, resolution: str = "") -> Concern:
    _check_org(org, concern)
    concern.status, concern.resolved_at, concern.resolved_by = ConcernStatus.RESOLVED, timezone.now(), by
    concern.resolution = resolution
    concern.save()
    _record_event(org=org, record=concern, kind=TimelineKind.CONCERN_RESOLVED, by=by,
                  summary=f"Concern resolved: {concern.get_category_display()}")
    audit_log("learners.concern.resolved", actor=by, org=org, obj=concern)
    return concern


def subject_report_add(*, org, plan, by, subject: str, reported_on: datetime.date, audience: str = Audience.PLAN,
                       restricted_roles=(), **fields) -> SubjectReport:
    """Add a subject/specialist report. ``fields``: is_specialist_advice, working_at_grade,
    target_grade, attendance_percent, effort, comment."""
    _check_org(org, plan)
    with transaction.atomic():
        report = SubjectReport(organisation=org, plan=plan, author=by, subject=subject, reported_on=reported_on,
                               **_audience_fields(audience, restricted_roles), **fields)
        _record_save(org=org, record=report, kind=TimelineKind.SUBJECT_REPORT_ADDED, by=by,
                     summary=f"{'Specialist advice' if report.is_specialist_advice else 'Subject report'}: {subject}")
    audit_log("learners.subject_report.added", actor=by, org=org, obj=report)
    return report


# --- Sharing ---------------------------------------------------------------------------------


def plan_share_grant(*, org, plan, grantee, relationship: str, by,
                     expires_at: datetime.datetime | None = None,
                     contributions_audience: str = Audience.PLAN) -> PlanShare:
    """Grant ``grantee`` (any user, any organisation) read access to ``plan``: a PlanShare row
    plus the guardian ``learners.view_plan`` object permission. Re-granting while an active
    share exists returns it (updating the expiry). Audited; timeline "share.granted" (PLAN)."""
    _check_org(org, plan)
    with transaction.atomic():
        share = PlanShare.objects.for_org(org).filter(PlanShare.active_q(), plan=plan, grantee=grantee).first()
        if share is None:
            share = PlanShare.objects.create(organisation=org, plan=plan, grantee=grantee, relationship=relationship,
                                             granted_by=by, expires_at=expires_at,
                                             contributions_audience=contributions_audience)
        else:
            share.expires_at, share.relationship = expires_at, relationship
            share.contributions_audience = contributions_audience
            share.save(update_fields=["expires_at", "relationship", "contributions_audience"])
        assign_perm("learners.view_plan", grantee, plan)
        timeline_record(org=org, plan=plan, kind=TimelineKind.SHARE_GRANTED, actor=by, obj=share,
                        summary=f"Plan shared with {grantee} ({share.get_relationship_display()})")
    audit_log("learners.share.granted", actor=by, org=org, obj=plan,
              data={"grantee": grantee.pk, "relationship": relationship,
                    "expires_at": expires_at.isoformat() if expires_at else None})
    return share


def plan_shares_grant_bulk(*, org, pairs, relationship: str, by) -> list[PlanShare]:
    """``plan_share_grant`` for many (plan, grantee) pairs that have no active share yet (the
    parents import): the shares, the guardian ``view_plan`` rows, the timeline events and the
    audit rows in one INSERT each. The caller leaves out pairs already shared."""
    pairs = [(plan, grantee) for plan, grantee in pairs if plan.organisation_id == org.pk]
    if not pairs:
        return []
    now = timezone.now()
    shares = PlanShare.objects.bulk_create([
        PlanShare(organisation=org, plan=plan, grantee=grantee, relationship=relationship, granted_by=by,
                  granted_at=now) for plan, grantee in pairs])
    permission = Permission.objects.get(content_type__app_label="learners", codename="view_plan")
    PlanUserObjectPermission.objects.bulk_create([
        PlanUserObjectPermission(content_object=plan, user=grantee, permission=permission)
        for plan, grantee in pairs], ignore_conflicts=True)
    label = ShareRelationship(relationship).label
    TimelineEvent.objects.bulk_create([
        TimelineEvent(organisation=org, plan=share.plan, kind=TimelineKind.SHARE_GRANTED, actor=by,
                      summary=f"Plan shared with {share.grantee} ({label})"[:300], occurred_at=now,
                      object_type=share._meta.label_lower, object_id=str(share.pk),
                      **_audience_fields(Audience.PLAN, ())) for share in shares])
    audit_log_many("learners.share.granted", actor=by, org=org, objs=[share.plan for share in shares],
                   data={"relationship": relationship, "bulk": True})
    return shares


def plan_share_revoke(*, org, share: PlanShare, by) -> PlanShare:
    """Revoke a share and remove the guardian permission. Audited; a timeline event. Idempotent:
    revoking a revoked share records nothing again (the permission is removed again, in case
    it lingered)."""
    _check_org(org, share)
    with transaction.atomic():
        revoking = share.revoked_at is None
        if revoking:
            share.revoked_at, share.revoked_by = timezone.now(), by
            share.save(update_fields=["revoked_at", "revoked_by"])
            timeline_record(org=org, plan=share.plan, kind=TimelineKind.SHARE_REVOKED, actor=by, obj=share,
                            summary=f"Access removed for {share.grantee}")
        remove_perm("learners.view_plan", share.grantee, share.plan)
    if revoking:
        audit_log("learners.share.revoked", actor=by, org=org, obj=share.plan,
                  data={"grantee": share.grantee_id})
    return share


def plan_shares_expire(*, now: datetime.datetime | None = None) -> int:
    """Job: remove the guardian permission of shares that expired (access already stopped at
    expiry: the selectors check ``expires_at``). Returns how many were cleaned."""
    now = now or timezone.now()
    count = 0
    for share in PlanShare.objects.system("expire plan shares of every organisation").filter(
        revoked_at__isnull=True, expires_at__lte=now
    ).select_related("plan", "grantee"):
        # A newer, still active grant of the same plan to the same person keeps the permission.
        if share.plan.shares.filter(PlanShare.active_q(now), grantee=share.grantee).exists():
            continue
        remove_perm("learners.view_plan", share.grantee, share.plan)
        count += 1
    return count


# --- Leaving and re-enrolment (issue 13) -----------------------------------------------------


class EnrolmentError(Exception):
    """The enrolment cannot change that way (already ended, not ended)."""


def _enrolment_hooks(name: str, **kwargs) -> None:
    """Let the other apps react (keyworkers: reviews and assignment end; guidance: the leaver is
    followed up), each through its own ``enrolment.py`` — learners imports neither."""
    for module in app_hook_modules("enrolment"):
        handler = getattr(module, name, None)
        if handler is not None:
            handler(**kwargs)


def learner_enrolment_end(*, org, profile, left_on: datetime.date, reason: str,
                          targets: str = OpenTargetsOnLeaving.WITHDRAW, by, closing_note: str = "",
                          reason_detail: str = "", request=None) -> EnrolmentEnd:
    """End ``profile``'s enrolment in ``org`` on ``left_on`` for ``reason`` (LeavingReason).

    Every active plan closes with a closing entry in its learning journey; its open targets are
    withdrawn (``targets="withdraw"``) or stay open with a note (``"keep"``); the profile stops
    being active, so the daily job schedules no review and sends no reminder for it. The other
    apps react through their ``enrolment.py`` hooks (open reviews cancelled and their reminders
    dropped, the key-worker assignment ended; the careers service follows the leaver up). The
    learner keeps read access to the closed plans in /me/. Raises EnrolmentError if the
    enrolment has already ended. Audited; timeline events on each plan."""
    _check_org(org, profile)
    if reason not in LeavingReason.values or targets not in OpenTargetsOnLeaving.values:
        raise ValueError("unknown leaving reason or choice for the open targets")
    reason_label = LeavingReason(reason).label
    note = closing_note.strip()
    with transaction.atomic():
        profile = LearnerProfile.objects.for_org(org).select_for_update().get(pk=profile.pk)
        if not profile.is_active:
            raise EnrolmentError(f"{profile.user} has already left.")
        ending = EnrolmentEnd(organisation=org, profile=profile, left_on=left_on, reason=reason,
                              reason_detail=reason_detail, open_targets=targets,
                              closing_note=note or f"Left: {reason_label.lower()}.", recorded_by=by)
        ending.full_clean()
        ending.save()
        author_role = AuthorRole.KEY_WORKER if profile.key_worker_id == by.pk else AuthorRole.OTHER
        left = f"{left_on:%-d %B %Y}"
        for plan in Plan.objects.for_org(org).filter(profile=profile, status=PlanStatus.ACTIVE):
            plan_close(org=org, plan=plan, by=by, author_role=author_role,
                       text=f"Left on {left} ({reason_label.lower()}). {ending.closing_note}",
                       targets=targets, target_note=f"The learner left on {left}.")
        LearnerProfile.objects.for_org(org).filter(pk=profile.pk).update(is_active=False)
        profile.is_active = False
        _enrolment_hooks("enrolment_ended", org=org, profile=profile, ending=ending, by=by)
    audit_log("learners.enrolment.ended", request=request, actor=by, org=org, obj=profile,
              data={"left_on": left_on.isoformat(), "reason": reason, "targets": targets})
    return ending


def plan_close(*, org, plan, by, author_role: str, text: str, targets: str = OpenTargetsOnLeaving.WITHDRAW,
               target_note: str = "") -> Plan:
    """Close an active plan: a closing entry in its learning journey (audience plan), its open
    targets withdrawn or kept with ``target_note``, status closed. Audited; timeline."""
    _check_org(org, plan)
    with transaction.atomic():
        narrative_append(org=org, plan=plan, by=by, author_role=author_role, text=text[:NARRATIVE_MAX])
        for target in Target.objects.for_org(org).filter(plan=plan, status__in=TARGET_OPEN_STATUSES):
            if targets == OpenTargetsOnLeaving.WITHDRAW:
                target_progress_update(org=org, target=target, by=by, status=TargetStatus.WITHDRAWN,
                                       note=f"Withdrawn: {target_note}".strip())
            else:
                TargetProgress.objects.create(organisation=org, target=target, status=target.status,
                                              note=f"Kept open: {target_note}".strip(), recorded_by=by)
        Plan.objects.for_org(org).filter(pk=plan.pk).update(
            status=PlanStatus.CLOSED, closed_at=timezone.now(), version=F("version") + 1, updated_at=timezone.now())
        plan.refresh_from_db()
        timeline_record(org=org, plan=plan, kind=TimelineKind.PLAN_CLOSED, actor=by, obj=plan,
                        summary=f"Plan closed: {plan.programme_name}")
    audit_log("learners.plan.closed", actor=by, org=org, obj=plan, data={"targets": targets})
    return plan


def learner_reenrol(*, org, profile, by, programme_name: str, starts_on: datetime.date, ends_on: datetime.date,
                    final_outcome: str, long_term_goal: str = "", request=None) -> Plan:
    """Enrol again a learner who left: the profile is active again, the enrolment end records
    the re-enrolment and a new plan starts, linked to the most recent closed plan (``follows``).
    Raises EnrolmentError if the learner has not left."""
    _check_org(org, profile)
    with transaction.atomic():
        profile = LearnerProfile.objects.for_org(org).select_for_update().get(pk=profile.pk)
        ending = EnrolmentEnd.objects.for_org(org).filter(profile=profile, reenrolled_at__isnull=True).first()
        if profile.is_active or ending is None:
            raise EnrolmentError(f"{profile.user} is enrolled already.")
        ending.reenrolled_at, ending.reenrolled_by = timezone.now(), by
        ending.save(update_fields=["reenrolled_at", "reenrolled_by"])
        LearnerProfile.objects.for_org(org).filter(pk=profile.pk).update(is_active=True)
        profile.is_active = True
        previous = Plan.objects.for_org(org).filter(profile=profile, status=PlanStatus.CLOSED).order_by(
            "-closed_at", "-pk").first()
        plan = plan_create(org=org, profile=profile, by=by, programme_name=programme_name, starts_on=starts_on,
                           ends_on=ends_on, final_outcome=final_outcome, long_term_goal=long_term_goal,
                           follows=previous)
        timeline_record(org=org, plan=plan, kind=TimelineKind.REENROLLED, actor=by, obj=plan,
                        summary=f"Enrolled again (left on {ending.left_on:%-d %B %Y})"
                        + (f"; continues {previous.programme_name}" if previous else ""))
        _enrolment_hooks("enrolment_restarted", org=org, profile=profile, ending=ending, by=by)
    audit_log("learners.enrolment.restarted", request=request, actor=by, org=org, obj=profile,
              data={"plan": plan.pk, "follows": previous.pk if previous else None})
    return plan


# --- Moving-on plan (issue 13) ---------------------------------------------------------------

MOVING_ON_FIELDS = frozenset({"destination_category", "destination_detail", "applications_note",
                              "next_organisation_should_know", "continuing_support", "share_with"})


class StaleMovingOnError(Exception):
    message = "Someone else changed this moving-on plan while you were editing it. Reload it and try again."


def moving_on_save(*, org, plan, by, expected_version: int | None, audience: str = Audience.PLAN,
                   **fields) -> MovingOnPlan:
    """Create the plan's moving-on plan (``expected_version`` None) or change it if it is still at
    ``expected_version`` (else ``StaleMovingOnError``: never overwrites). The learner's earlier
    agreement then no longer covers it. Audited; timeline (with the record's audience)."""
    _check_org(org, plan)
    if set(fields) - MOVING_ON_FIELDS:
        raise ValueError(f"not moving-on fields: {sorted(set(fields) - MOVING_ON_FIELDS)}")
    if audience == Audience.RESTRICTED:
        raise ValueError("a moving-on plan is for everyone on the plan or for staff")
    share_with = [c for c in MovingOnShareWith.values if c in set(fields.get("share_with") or ())]
    fields["share_with"] = share_with
    with transaction.atomic():
        Plan.objects.for_org(org).select_for_update().get(pk=plan.pk)
        current = MovingOnPlan.objects.for_org(org).filter(plan=plan).first()
        if current is None and expected_version is None:
            moving_on = MovingOnPlan(organisation=org, plan=plan, updated_by=by, **_audience_fields(audience, ()),
                                     **fields)
        elif current is not None and current.version == expected_version:
            moving_on = current
            for name, value in {**fields, **_audience_fields(audience, ())}.items():
                setattr(moving_on, name, value)
            moving_on.version += 1
            moving_on.updated_by = by
        else:
            raise StaleMovingOnError(StaleMovingOnError.message)
        moving_on.full_clean()
        moving_on.save()
        timeline_record(org=org, plan=plan, kind=TimelineKind.MOVING_ON_SAVED, actor=by, obj=moving_on,
                        summary=f"Moving-on plan {'written' if moving_on.version == 1 else 'updated'}: "
                                f"{moving_on.get_destination_category_display()}",
                        audience=moving_on.audience)
    audit_log("learners.moving_on.saved", actor=by, org=org, obj=plan,
              data={"version": moving_on.version, "fields": sorted(fields), "share_with": share_with})
    return moving_on


APPLICATION_FIELDS = frozenset({"provider", "course_or_role", "status", "applied_on", "decision_on", "note"})


def moving_on_application_save(*, org, moving_on, by, application=None, **fields):
    """Add an application to ``moving_on`` (``application`` None) or change one of its own.
    Audited; a timeline event with the moving-on plan's audience."""
    _check_org(org, moving_on)
    if set(fields) - APPLICATION_FIELDS:
        raise ValueError(f"not application fields: {sorted(set(fields) - APPLICATION_FIELDS)}")
    with transaction.atomic():
        if application is None:
            application = MovingOnApplication(organisation=org, moving_on=moving_on)
        elif application.moving_on_id != moving_on.pk:
            raise ValueError("the application belongs to another moving-on plan")
        for name, value in fields.items():
            setattr(application, name, value)
        created = application.pk is None
        application.updated_by = by
        application.full_clean()
        application.save()
        timeline_record(org=org, plan=moving_on.plan, kind=TimelineKind.MOVING_ON_SAVED, actor=by,
                        obj=application, audience=moving_on.audience,
                        summary=f"Application {'added' if created else 'updated'}: {application.course_or_role} "
                                f"at {application.provider} ({application.get_status_display().lower()})")
    audit_log("learners.moving_on.application_saved", actor=by, org=org, obj=moving_on.plan,
              data={"application": application.pk, "created": created, "status": application.status})
    return application


def moving_on_agree(*, org, moving_on, by, version: int) -> MovingOnPlan:
    """The learner agrees to the moving-on plan as they saw it (``version``); a plan changed
    since is refused (``StaleMovingOnError``). Only the plan's learner agrees."""
    _check_org(org, moving_on)
    if moving_on.plan.profile.user_id != by.pk:
        raise PermissionError("only the learner agrees to their moving-on plan")
    with transaction.atomic():
        current = MovingOnPlan.objects.for_org(org).select_for_update().get(pk=moving_on.pk)
        if current.version != version:
            raise StaleMovingOnError(StaleMovingOnError.message)
        current.learner_agreed_version, current.learner_agreed_at = version, timezone.now()
        current.save(update_fields=["learner_agreed_version", "learner_agreed_at", "updated_at"])
        timeline_record(org=org, plan=current.plan, kind=TimelineKind.MOVING_ON_AGREED, actor=by, obj=current,
                        summary="Moving-on plan agreed by the learner", audience=current.audience)
    audit_log("learners.moving_on.agreed", actor=by, org=org, obj=current.plan, data={"version": version})
    return current


# --- Sensitive reads -------------------------------------------------------------------------


def profile_sensitive_read(*, profile: LearnerProfile, viewer, actor=None, request=None) -> dict | None:
    """The sensitive Stage 1 fields of ``profile`` for ``viewer`` (a PlanViewer of one of the
    learner's plans), or None if ``can_see_sensitive(viewer)`` is False. Every non-empty read is
    audited ("learners.profile.sensitive_read") — pages, PDFs and exports must read the
    sensitive fields through this function, never from the model directly."""
    if not can_see_sensitive(viewer) or viewer.organisation_id != profile.organisation_id:
        return None
    values = {name: getattr(profile, name) for name in LearnerProfile.SENSITIVE_FIELDS}
    if any(values.values()):
        audit_log("learners.profile.sensitive_read", request=request, actor=actor,
                  org=profile.organisation, obj=profile, data={"relation": viewer.relation})
    return values


# --- Sharing by email invitation -------------------------------------------------------------


class ShareInvitationError(Exception):
    """The invitation cannot be accepted (expired, used, revoked, wrong person)."""


def plan_share_invite(*, org, plan, email: str, relationship: str, by,
                      expires_at: datetime.datetime | None = None, request=None,
                      contributions_audience: str = Audience.PLAN):
    """Share ``plan`` with the person at ``email``. If they have an account the grant is made at
    once (``plan_share_grant``) and they are emailed a link to the plan; otherwise a
    ``PlanShareInvitation`` is recorded and emailed — accepting it creates their account (no
    organisation membership) and the grant. Returns the PlanShare or the invitation.
    The caller checks ``permissions.can_manage_sharing`` first."""
    _check_org(org, plan)
    email = email.strip().lower()
    learner = plan.profile.user
    grantee = get_user_model().objects.filter(email__iexact=email).first()
    if grantee is not None:
        if grantee.pk == learner.pk:
            raise ValueError("A learner cannot share a plan with themself.")
        share = plan_share_grant(org=org, plan=plan, grantee=grantee, relationship=relationship, by=by,
                                 expires_at=expires_at, contributions_audience=contributions_audience)
        email_queue(
            to=grantee.email, subject=f"{learner.display_name} has shared their learning plan with you",
            template="learners/email/plan_shared",
            context={"learner": learner, "plan": plan, "share": share,
                     "view_path": reverse("me:shared_plan", kwargs={"learner_plan_id": plan.pk})},
            org=org, user=grantee, learner_profile_id=plan.profile_id,
        )
        return share
    token, token_hash = PlanShareInvitation.new_token()
    invitation = PlanShareInvitation.objects.create(
        organisation=org, plan=plan, email=email, relationship=relationship, share_expires_at=expires_at,
        contributions_audience=contributions_audience, token_hash=token_hash, invited_by=by, link_expires_at=timezone.now() + PlanShareInvitation.VALID_FOR,
    )
    email_queue(
        to=email, subject=f"{learner.display_name} has shared their learning plan with you",
        template="learners/email/plan_share_invitation",
        context={"learner": learner, "plan": plan, "invitation": invitation,
                 "accept_path": reverse("plan_share_invitation_accept", kwargs={"token": token})},
        org=org, learner_profile_id=plan.profile_id,
    )
    audit_log("learners.share.invited", request=request, actor=by, org=org, obj=plan,
              data={"invitation": invitation.pk, "relationship": relationship,
                    "expires_at": expires_at.isoformat() if expires_at else None})
    return invitation


def plan_share_invitation_by_token(*, token: str):
    """The invitation with this token (any organisation: the token is the bearer grant), or None."""
    return rls.bearer_get(lambda: (
        PlanShareInvitation.objects.system("an emailed plan-share link names its own invitation")
        .select_related("plan__profile__user", "organisation")
        .filter(token_hash=PlanShareInvitation.hash_token(token)).first()
    ), grant="a plan-share invitation link")


def plan_share_invitation_accept(*, invitation, user=None, full_name: str = "", password: str | None = None,
                                 request=None) -> PlanShare:
    """Accept an open invitation as ``user`` (signed in with the invited email) or by creating
    the account with ``password`` (no organisation membership). Grants the share."""
    if not invitation.is_open:
        raise ShareInvitationError("This invitation has expired, was withdrawn or has already been used.")
    user = invited_account(email=invitation.email, user=user, full_name=full_name, password=password,
                           error=ShareInvitationError)
    org = invitation.organisation
    with transaction.atomic():
        invitation.accepted_at, invitation.accepted_by = timezone.now(), user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        share = plan_share_grant(org=org, plan=invitation.plan, grantee=user, relationship=invitation.relationship,
                                 by=invitation.invited_by, expires_at=invitation.share_expires_at,
                                 contributions_audience=invitation.contributions_audience)
    audit_log("learners.share.invitation_accepted", request=request, actor=user, org=org, obj=invitation.plan,
              data={"invitation": invitation.pk})
    return share


def plan_share_invitation_revoke(*, org, invitation, by, request=None):
    """Withdraw an invitation not yet accepted (idempotent). Audited."""
    _check_org(org, invitation)
    if invitation.revoked_at is None and invitation.accepted_at is None:
        invitation.revoked_at, invitation.revoked_by = timezone.now(), by
        invitation.save(update_fields=["revoked_at", "revoked_by"])
        audit_log("learners.share.invitation_revoked", request=request, actor=by, org=org, obj=invitation.plan,
                  data={"invitation": invitation.pk})
    return invitation


# --- What people the plan is shared with add to it ------------------------------------------


class ContributionError(Exception):
    """The grant does not allow this contribution (e.g. a parent recording an off-site review)."""


# Who may record the four-weekly off-site review (seed 001): the off-site provider or employer.
OFF_SITE_REVIEWERS = frozenset({ShareRelationship.OFF_SITE_TUTOR, ShareRelationship.EMPLOYER})


def _contribution_tell(*, org, plan, obj, kind: str, title: str, text: str, url_name: str) -> int:
    """Tell the key worker and the learner — each only if THE permission function lets them see
    ``obj`` — in-app and by email, with a link to where they read it. Returns how many people."""

    profile = plan.profile
    told = 0
    for user, url in ((profile.key_worker, reverse(url_name, kwargs={"org_slug": org.slug,
                                                                      "learner_plan_id": plan.pk})),
                      (profile.user, reverse("me:plan_full", kwargs={"learner_plan_id": plan.pk}))):
        if user is None or not can_see(plan_viewer(plan=plan, user=user), obj):
            continue
        notification_create(org=org, user=user, kind=kind, title=title[:200], url=url,
                            dedupe_key=f"{kind}:{obj.pk}:{user.pk}", learner_profile_id=profile.pk)
        email_queue(to=user.email, subject=title[:200], template="learners/email/contribution",
                    context={"title": title, "text": text, "path": url}, org=org, user=user,
                    dedupe_key=f"{kind}:{obj.pk}:{user.pk}", learner_profile_id=profile.pk)
        told += 1
    return told


def _check_grant(*, share: PlanShare, plan, by) -> None:
    if share.plan_id != plan.pk or share.grantee_id != by.pk or not share.is_active:
        raise ContributionError("You can no longer add to this plan.")


def _contribution_announce(*, org, plan, by, obj, kind: str, title: str, text: str) -> None:
    """Audit a contribution and, once committed, tell who may read it (``_contribution_tell``)."""
    audit_log(f"{kind}.added", actor=by, org=org, obj=plan, data={"id": obj.pk})
    transaction.on_commit(lambda: _contribution_tell(org=org, plan=plan, obj=obj, kind=kind, title=title,
                                                     text=text, url_name="learners:plan"))


def plan_contribution_add(*, org, plan, share: PlanShare, by, text: str) -> "PlanContribution":
    """A note from the person ``share`` grants the plan to (a parent or carer, off-site tutor,
    employer). Audience: the grant's ``contributions_audience`` (chosen by the learner). Joins
    the timeline; the key worker (and the learner, if the audience lets them) are told."""
    _check_org(org, plan)
    _check_grant(share=share, plan=plan, by=by)
    with transaction.atomic():
        note = PlanContribution(organisation=org, plan=plan, share=share, author=by,
                                relationship=share.relationship, text=text, audience=share.contributions_audience)
        _record_save(org=org, record=note, kind=TimelineKind.CONTRIBUTION_ADDED, by=by,
                     summary=f"{by.display_name} ({share.get_relationship_display().lower()}) added a note")
    _contribution_announce(org=org, plan=plan, by=by, obj=note, kind="learners.contribution", text=text,
                           title=f"{by.display_name} added a note to {plan.profile.user.display_name}'s plan")
    return note


def off_site_review_record(*, org, plan, share: PlanShare, by, held_on: datetime.date, progress: str,
                           next_steps: str = "", target_rows=()) -> "OffSiteReview":
    """The off-site provider's or employer's four-weekly review, signed by them as they save it.
    ``target_rows``: (target, status, note) for targets of ``plan`` the grantee may see.
    Audience: the grant's ``contributions_audience``. Joins the timeline; the key worker reads it
    at the next review."""
    _check_org(org, plan)
    _check_grant(share=share, plan=plan, by=by)
    if share.relationship not in OFF_SITE_REVIEWERS:
        raise ContributionError("Only an off-site provider or an employer records off-site reviews.")
    viewer = plan_viewer(plan=plan, user=by)
    with transaction.atomic():
        review = OffSiteReview(organisation=org, plan=plan, share=share, author=by, relationship=share.relationship,
                               held_on=held_on, progress=progress, next_steps=next_steps,
                               audience=share.contributions_audience, signed_at=timezone.now())
        review.full_clean()
        review.save()
        rows = []
        for target, status, note in target_rows:
            if target.plan_id != plan.pk or not can_see(viewer, target):
                raise ContributionError("That target is not on this plan.")
            rows.append(OffSiteReviewTarget(organisation=org, review=review, target=target, status=status,
                                            note=note))
        OffSiteReviewTarget.objects.bulk_create(rows)
        _record_event(org=org, record=review, kind=TimelineKind.OFF_SITE_REVIEW, by=by,
                      summary=f"Off-site review of {held_on:%d %B %Y} signed by {by.display_name}")
    _contribution_announce(org=org, plan=plan, by=by, obj=review, kind="learners.off_site_review", text=progress,
                           title=f"{by.display_name} recorded an off-site review for {plan.profile.user.display_name}")
    return review


# --- Organisation configuration pages --------------------------------------------------------


def _setting_save(*, org, row, by, request, event: str):
    """Create or change one row of the organisation's own settings (a target area, an at-risk
    level), audited as ``<event>.created`` or ``<event>.updated``."""
    created = row.pk is None
    row.organisation = org
    _check_org(org, row)
    row.full_clean()
    row.save()
    audit_log(f"{event}." + ("created" if created else "updated"), request=request, actor=by,
              org=org, obj=row, data={"code": row.code})
    return row


def target_area_save(*, org, area: TargetArea, by, request=None) -> TargetArea:
    """Create or change one of the organisation's target areas (the code never changes once
    saved: other apps find areas by code). Audited."""
    return _setting_save(org=org, row=area, by=by, request=request, event="learners.target_area")


def at_risk_level_save(*, org, level: AtRiskLevel, by, request=None) -> AtRiskLevel:
    """Create or change a level of the organisation's at-risk scale. Audited."""
    return _setting_save(org=org, row=level, by=by, request=request, event="learners.at_risk_level")


def target_awaiting_approval_notify(*, org, target) -> int:
    """Tell the learner's key worker (in-app) that the learner set a target awaiting approval.
    The recipient must be able to see the target through THE permission function (the same
    rule as pages and PDFs). Returns the number of notifications created."""
    _check_org(org, target)
    key_worker = target.plan.profile.key_worker
    if key_worker is None or not can_see(plan_viewer(plan=target.plan, user=key_worker), target):
        return 0
    created = notification_create(
        org=org, user=key_worker, kind="learners.target_awaiting_approval",
        title=f"{target.plan.profile.user} set a target to approve: {target.title}"[:200],
        url=reverse("learners:target", kwargs={"org_slug": org.slug, "target_id": target.pk}),
        dedupe_key=f"learners.target_awaiting_approval:{target.pk}", learner_profile_id=target.plan.profile_id,
    )
    return 1 if created else 0


# --- Record transfer with consent (issue 13; DESIGN.md tenancy rule 5) ------------------------


class TransferError(Exception):
    """The transfer step is not possible now (message for the person)."""


def _transfer_audit(action: str, transfer, by, request=None, **data):
    """Audited on both sides: the sending organisation's log and the receiving one's."""
    data = {"transfer": transfer.pk, "learner": transfer.learner_id, "from": transfer.organisation_id,
            "to": transfer.receiving_organisation_id, **data}
    audit_log(action, request=request, actor=by, org=transfer.organisation, obj=transfer, data=data)
    audit_log(action, request=request, actor=by, org=transfer.receiving_organisation, obj=transfer, data=data)


STAGE_ONE_FIELDS = ("year_group", "attendance_percent", "attitude", "preferred_ways_of_learning",
                    "prior_achievements", "english_level", "maths_level", "ict_level",
                    "personal_social_development_needs", "vocational_interests", "hobbies_and_ambitions",
                    "strengths_own_words", "weaknesses_own_words")


def transferred_stage_one(*, plans, viewer_here, actor, request=None) -> None:
    """Give the first transferred plan of each transfer in ``plans`` (``selectors.transferred_plans``)
    its ``stage_one``: the learner's Stage 1 profile at that organisation as (label, value) rows,
    and ``sensitive`` rows only when the learner gave the separate consent
    (``include_sensitive``) AND ``viewer_here`` (the reader's relation to the learner HERE) may
    see sensitive fields here (``can_see_sensitive``: key worker, SENSITIVE_ROLES). A sensitive
    read is audited at both organisations."""
    seen = set()
    for plan in plans:
        plan.stage_one = None
        transfer = plan.transfer
        if transfer.pk in seen:
            continue
        seen.add(transfer.pk)
        profile = transfer.profile
        rows = [(LearnerProfile._meta.get_field(name).verbose_name.capitalize(), getattr(profile, name))
                for name in STAGE_ONE_FIELDS if getattr(profile, name) not in ("", None)]
        sensitive = []
        if transfer.include_sensitive and can_see_sensitive(viewer_here):
            sensitive = [(LearnerProfile._meta.get_field(name).verbose_name.capitalize(),
                          ", ".join(value) if isinstance(value, list) else value)
                         for name in LearnerProfile.SENSITIVE_FIELDS if (value := getattr(profile, name))]
            if sensitive:
                _transfer_audit("learners.profile.sensitive_read", transfer, actor, request,
                                relation=viewer_here.relation, profile=profile.pk)
        plan.stage_one = {"rows": rows, "sensitive": sensitive,
                          "sensitive_withheld": not transfer.include_sensitive}


def record_transfer_read(*, transfer, by, request=None, **data) -> None:
    """A read of transferred records: in both organisations' audit logs."""
    _transfer_audit("learners.transfer.read", transfer, by, request, **data)


def _transfer_notify(*, org, user_ids, transfer, title: str, url: str, key: str, to_learner=False) -> None:
    """In-app notifications about a transfer; staff are told, the learner only when asked."""

    people = get_user_model().objects.filter(pk__in=list(user_ids))
    if not to_learner:
        people = people.exclude(pk=transfer.learner_id)
    for user in people:
        notification_create(org=org, user=user, kind=f"learners.transfer.{key}", title=title[:200], url=url,
                            dedupe_key=f"learners.transfer.{key}:{transfer.pk}:{user.pk}",
                            learner_profile_id=transfer.profile_id)


def _leads(org):
    return Membership.objects.for_org(org).filter(role__in=(Role.CAREERS_LEAD, Role.ORG_ADMIN),
                                                  is_active=True).values_list("user_id", flat=True)


def _transfer_open_or_new(*, sending_org, learner_id, receiving_org, by, profile=None):
    """The learner's open (requested or consented) transfer from ``sending_org`` to
    ``receiving_org`` — there is at most one — else a new one, requested ``by``: (transfer, created)."""
    transfer = RecordTransfer.objects.for_org(sending_org).filter(
        learner_id=learner_id, receiving_organisation=receiving_org,
        status__in=[TransferStatus.REQUESTED, TransferStatus.CONSENTED]).first()
    if transfer is not None:
        return transfer, False
    return RecordTransfer.objects.create(organisation=sending_org, profile=profile, learner_id=learner_id,
                                         receiving_organisation=receiving_org, requested_by=by), True


def record_transfer_request(*, org, profile, sending_org, by, request=None):
    """``org`` (receiving) asks for the record of its learner ``profile`` at ``sending_org``.
    Nothing is read or copied: the learner is asked (in /me/) and decides. Audited on both sides."""
    _check_org(org, profile)
    if sending_org.pk == org.pk:
        raise TransferError("Choose the organisation the learner was at before.")
    with transaction.atomic():
        transfer, created = _transfer_open_or_new(sending_org=sending_org, learner_id=profile.user_id,
                                                  receiving_org=org, by=by)
        if not created:
            return transfer
    _transfer_audit("learners.transfer.requested", transfer, by, request)
    _transfer_notify(org=org, user_ids=[profile.user_id], transfer=transfer, key="requested", to_learner=True,
                     title=f"{org.name} asks for your record at {sending_org.name}: you decide",
                     url=reverse("me:transfer", kwargs={"transfer_id": transfer.pk}))
    return transfer


def record_transfer_offer(*, learner, sending_profile, receiving_org, include_staff_records: bool,
                          include_sensitive: bool = False, request=None):
    """The learner offers their record at ``sending_profile``'s organisation to
    ``receiving_org`` (having seen what goes): the grant is consented at once."""
    if sending_profile.user_id != learner.pk:
        raise PermissionError("a learner offers only their own record")
    if receiving_org.pk == sending_profile.organisation_id:
        raise TransferError("Choose the organisation you are moving to.")
    with transaction.atomic():
        transfer, created = _transfer_open_or_new(sending_org=sending_profile.organisation, learner_id=learner.pk,
                                                  receiving_org=receiving_org, by=learner)
        if created:
            _transfer_audit("learners.transfer.offered", transfer, learner, request)
    return record_transfer_consent(transfer=transfer, by=learner, include_staff_records=include_staff_records,
                                   include_sensitive=include_sensitive, request=request)


def record_transfer_offer_for_under_13(*, org, profile, receiving_org, by, include_staff_records: bool,
                                      include_sensitive: bool = False, request=None):
    """The school (``org``) offers the record of its learner ``profile``, under 13, to
    ``receiving_org``: a learner that young cannot consent alone, so the careers lead or the
    organisation admin decides for the school (``permissions.can_offer_record_for_under_13``,
    checked here). The grant is in force at once, through the same receiving-side flow as the
    learner's own consent; audited on both sides as an offer for an under-13."""
    _check_org(org, profile)
    membership = Membership.objects.for_org(org).filter(user_id=by.pk, is_active=True).first()
    if not can_offer_record_for_under_13(profile_viewer(profile=profile, user=by, membership=membership), profile):
        raise PermissionError("only the careers lead or the organisation admin offers an under-13's record")
    if receiving_org.pk == org.pk:
        raise TransferError("Choose the organisation the learner is moving to.")
    with transaction.atomic():
        transfer, _created = _transfer_open_or_new(sending_org=org, learner_id=profile.user_id,
                                                   receiving_org=receiving_org, by=by, profile=profile)
        _transfer_audit("learners.transfer.offered_for_under_13", transfer, by, request)
    return record_transfer_consent(transfer=transfer, by=by, include_staff_records=include_staff_records,
                                   include_sensitive=include_sensitive, request=request, on_behalf_of_under_13=True)


def record_transfer_consent(*, transfer, by, include_staff_records: bool, include_sensitive: bool = False,
                            request=None, on_behalf_of_under_13: bool = False):
    """The learner consents: the receiving organisation may read the record from now on
    (``selectors.transfer_grants``). ``include_sensitive`` is the learner's separate consent to
    the sensitive Stage 1 fields (without it they never go). The sending organisation's leads
    and the receiving one's are told. Audited on both sides. ``on_behalf_of_under_13``: only
    ``record_transfer_offer_for_under_13`` (the school's staff, who checked the rule)."""
    if transfer.learner_id != by.pk and not on_behalf_of_under_13:
        raise PermissionError("only the learner consents to the transfer of their record")
    sending = transfer.organisation
    with transaction.atomic():
        transfer = RecordTransfer.objects.for_org(sending).select_for_update().get(pk=transfer.pk)
        if transfer.status not in (TransferStatus.REQUESTED, TransferStatus.CONSENTED):
            raise TransferError("This request has been decided already.")
        profile = LearnerProfile.objects.for_org(sending).filter(user_id=transfer.learner_id).first()
        if profile is None:
            raise TransferError(f"You have no record at {sending.name} to transfer.")
        transfer.profile, transfer.status = profile, TransferStatus.CONSENTED
        transfer.include_staff_records, transfer.decided_at = include_staff_records, timezone.now()
        transfer.include_sensitive, transfer.consented_by = include_sensitive, by
        transfer.save(update_fields=["profile", "status", "include_staff_records", "include_sensitive",
                                     "consented_by", "decided_at"])
        whose = "the school's offer for a learner under 13" if on_behalf_of_under_13 else "the learner's consent"
        for plan in Plan.objects.for_org(sending).filter(profile=profile):
            timeline_record(org=sending, plan=plan, kind=TimelineKind.TRANSFER_CONSENTED, actor=by, obj=transfer,
                            summary=f"Record shared with {transfer.receiving_organisation.name} ({whose})")
    _transfer_audit("learners.transfer.consented", transfer, by, request,
                    include_staff_records=include_staff_records, include_sensitive=include_sensitive,
                    on_behalf_of_under_13=on_behalf_of_under_13)
    if include_sensitive:
        _transfer_audit("learners.transfer.sensitive_consented", transfer, by, request)
    receiving = transfer.receiving_organisation
    there = LearnerProfile.objects.for_org(receiving).filter(user_id=transfer.learner_id).first()
    # Other apps carry on what they own (guidance: the tier and adviser, if a careers service
    # works with both organisations).
    _enrolment_hooks("record_transfer_consented", transfer=transfer, receiving_profile=there, by=by)
    _transfer_notify(org=sending, user_ids=_leads(sending), transfer=transfer, key="consented_sending",
                     title=f"{by} consented to {receiving.name} reading their record here",
                     url=reverse("learners:transfer_out", kwargs={"org_slug": sending.slug,
                                                                  "transfer_id": transfer.pk}))
    _transfer_notify(org=receiving, user_ids=[*_leads(receiving), transfer.requested_by_id], transfer=transfer,
                     key="consented_receiving", title=f"{by} consented: their record at {sending.name} is readable",
                     url=reverse("learners:previous_record", kwargs={"org_slug": receiving.slug,
                                                                      "profile_id": there.pk}) if there else "")
    return transfer


def record_transfer_refuse(*, transfer, by, request=None):
    """The learner refuses a request: recorded (and audited on both sides), nothing goes."""
    return _transfer_end(transfer=transfer, by=by, request=request, status=TransferStatus.REFUSED,
                         allowed=(TransferStatus.REQUESTED,), verb="refused")


def record_transfer_withdraw(*, transfer, by, request=None):
    """The learner withdraws their consent: the receiving organisation reads nothing more (what
    its staff wrote in its own plans stays theirs). Audited on both sides."""
    return _transfer_end(transfer=transfer, by=by, request=request, status=TransferStatus.WITHDRAWN,
                         allowed=(TransferStatus.CONSENTED,), verb="withdrawn")


def _transfer_end(*, transfer, by, request, status, allowed, verb):
    if transfer.learner_id != by.pk:
        raise PermissionError("only the learner decides about their record")
    with transaction.atomic():
        transfer = RecordTransfer.objects.for_org(transfer.organisation_id).select_for_update().get(pk=transfer.pk)
        if transfer.status not in allowed:
            raise TransferError("This has changed since you loaded the page.")
        transfer.status = status
        now = timezone.now()
        if status == TransferStatus.WITHDRAWN:
            transfer.withdrawn_at = now
        else:
            transfer.decided_at = now
        transfer.save(update_fields=["status", "withdrawn_at", "decided_at"])
        if transfer.profile_id:
            for plan in Plan.objects.for_org(transfer.organisation_id).filter(profile_id=transfer.profile_id):
                timeline_record(org=transfer.organisation, plan=plan, kind=TimelineKind.TRANSFER_ENDED, actor=by,
                                obj=transfer, summary=f"Consent {verb} for {transfer.receiving_organisation.name}")
    _transfer_audit(f"learners.transfer.{verb}", transfer, by, request)
    receiving = transfer.receiving_organisation
    _transfer_notify(org=receiving, user_ids=[transfer.requested_by_id], transfer=transfer, key=verb,
                     title=f"{by} {verb} consent to read their record at {transfer.organisation.name}", url="")
    return transfer


def plan_continue_from_transfer(*, org, profile, transfer, previous_plan, by, programme_name: str,
                                starts_on: datetime.date, ends_on: datetime.date, final_outcome: str,
                                long_term_goal: str, targets=(), request=None) -> Plan:
    """At the receiving organisation: start ``profile``'s plan from a transferred plan — its
    long-term goal (as confirmed by the key worker) and the open targets chosen (``targets``:
    targets of ``previous_plan`` the transfer lets ``by`` see, from ``selectors``). The old plan
    stays at the sending organisation, read-only; nothing of it is changed. Audited on both sides."""
    _check_org(org, profile)
    if transfer.receiving_organisation_id != org.pk or not transfer.is_in_force \
            or previous_plan.profile_id != transfer.profile_id or transfer.learner_id != profile.user_id:
        raise TransferError("The learner's consent does not cover this plan.")
    with transaction.atomic():
        plan = plan_create(org=org, profile=profile, by=by, programme_name=programme_name, starts_on=starts_on,
                           ends_on=ends_on, final_outcome=final_outcome, long_term_goal=long_term_goal)
        for old in targets:
            if old.plan_id != previous_plan.pk or old.status not in TARGET_OPEN_STATUSES:
                raise TransferError("Only open targets of the previous plan can be carried over.")
            target_create(org=org, plan=plan, by=by, set_by_role=SetByRole.STAFF, title=old.title, term=old.term,
                          due_on=max(old.due_on, starts_on), success_criteria=old.success_criteria,
                          source_type="learners.transferred_target", source_id=str(old.pk))
        timeline_record(org=org, plan=plan, kind=TimelineKind.PLAN_CONTINUED, actor=by, obj=plan,
                        summary=f"Started from the plan “{previous_plan.programme_name}” at "
                                f"{transfer.organisation.name}")
    _transfer_audit("learners.transfer.plan_continued", transfer, by, request, plan=plan.pk,
                    previous_plan=previous_plan.pk, targets=[t.pk for t in targets])
    return plan


def record_transfer_note(*, org, transfer, by, note: str, request=None):
    """The sending organisation notes what it must keep by law (or anything it is required to
    record) about a transfer of one of its learners' records. Audited on both sides."""
    _check_org(org, transfer)
    RecordTransfer.objects.for_org(org).filter(pk=transfer.pk).update(sending_note=note)
    transfer.sending_note = note
    _transfer_audit("learners.transfer.noted", transfer, by, request)
    return transfer
