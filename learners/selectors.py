"""Reads of the learners app: keyword-only, organisation (or viewer) first, with
select_related/prefetch_related so a page costs a fixed number of queries.

Everything shown to a person on a plan goes through ``permissions.audience_q`` /
``permissions.can_see`` with a ``PlanViewer``; selectors taking ``viewer`` already do."""

from __future__ import annotations
import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery, Value, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.http import Http404

from plp_portal import clock, rls
from plp_portal.tenancy import TenantQuerySet, UnscopedQueryError
from plp_portal.audit.models import AuditEvent
from plp_portal.audit.reads import ACTION
from plp_portal.hooks import app_hook_modules

from .choices import (
    TARGET_OPEN_STATUSES, Audience, ConcernStatus, LogEntryKind, MovingOnShareWith, PlanStatus,
    ShareRelationship, TargetStatus, TargetTerm, TransferStatus,
)
from .models import (
    AtRiskLevel, Concern, EnrolmentEnd, LearnerProfile, LogBlock, LogEntry, MovingOnApplication,
    NarrativeEntry, OffSiteReview, OffSiteReviewTarget, Plan, PlanContribution, PlanShare,
    PlanShareInvitation, PlanSignature, PlanUserObjectPermission, RecordTransfer, SubjectReport,
    Target, TargetArea, TargetProgress, TimelineEvent,
)
from .permissions import PlanViewer, audience_q, can_see, can_see_sensitive


def learner_profile_get(*, org, profile_id: int) -> LearnerProfile:
    """404 for a missing profile and for another organisation's."""
    return get_object_or_404(
        LearnerProfile.objects.for_org(org).select_related("user", "key_worker", "at_risk_level"), pk=profile_id
    )


def learner_list(*, org, key_worker=None, active_only: bool = True):
    """The organisation's learners for staff lists (filter it with ``filters.LearnerFilterSet``,
    paginate it with Django's Paginator), with user, key worker, at-risk level and the active
    plan count loaded. ``key_worker`` (user or id) limits it to one key worker's learners."""
    # The learners' names are read for sorting through a correlated look-up per learner of the
    # organisation (an index probe each), and the page's users and key workers are read after
    # the LIMIT (two prefetch queries): a join would let PostgreSQL hash every user of the county
    # for one school's page (issue 19).
    name = get_user_model().objects.filter(pk=OuterRef("user_id")).order_by().values("full_name")[:1]
    qs = (LearnerProfile.objects.for_org(org).select_related("at_risk_level")
          .prefetch_related("user", "key_worker").annotate(sort_name=Subquery(name)))
    if active_only:
        qs = qs.filter(is_active=True)
    if key_worker:
        qs = qs.filter(key_worker=key_worker)
    # A correlated count per listed learner, not a join and GROUP BY over plans: PostgreSQL
    # computes it after the sort and LIMIT, for the page's rows only, through the plan's
    # (organisation, profile, …) index, and the paginator's COUNT(*) drops it (issue 19: the
    # join read every plan in the database for one school's 25-row page).
    active = (Plan.objects.for_org(org).filter(profile=OuterRef("pk"), status=PlanStatus.ACTIVE)
              .order_by().values("profile").annotate(n=Count("pk")).values("n"))
    return qs.annotate(
        active_plans=Coalesce(Subquery(active, output_field=IntegerField()), Value(0))
    ).order_by("sort_name", "pk")


def plan_get(*, org, plan_id: int, list_flags: bool = False) -> Plan:
    """A plan of ``org`` with profile, learner and key worker loaded; 404 if missing or foreign.
    ``list_flags``: also whether it has any concerns or contributions at all (``_list_flags``),
    for the plan page, which then skips the queries of the lists it has none of."""
    plans = Plan.objects.for_org(org).select_related(*_PLAN_PAGE_RELATIONS)
    return get_object_or_404(plans.annotate(**_list_flags(org)) if list_flags else plans, pk=plan_id)


def _list_flags(org) -> dict:
    """``has_<list>``: whether the plan has any rows of a list the plan page shows that most plans
    do not have (three in four have no concern; only a shared plan has contributions). Read with
    the plan (EXISTS), so the page skips those lists' queries when they are empty (issue 19);
    the selectors of those lists honour them (``_list_is_empty``)."""
    return {
        "has_concerns": Exists(Concern.objects.for_org(org).filter(plan=OuterRef("pk"))),
        "has_plan_contributions": Exists(PlanContribution.objects.for_org(org).filter(plan=OuterRef("pk"))),
        "has_off_site_reviews": Exists(OffSiteReview.objects.for_org(org).filter(plan=OuterRef("pk"))),
    }


def _list_is_empty(plan: Plan, flag: str) -> bool:
    """True only if ``plan`` was read with ``_list_flags`` and has no rows of that list at all."""
    return getattr(plan, flag, True) is False


# What the plan page shows of a plan's relations: ``plan_get`` loads them with the plan, so
# ``plan_detail`` need not read the plan again (issue 19: one query fewer on every plan page).
_PLAN_PAGE_RELATIONS = ("profile__user", "profile__key_worker", "profile__at_risk_level", "moving_on")


def _has_plan_page_relations(plan: Plan) -> bool:
    loaded = plan._state.fields_cache
    profile = loaded.get("profile")
    return ("moving_on" in loaded and profile is not None
            and all(name in profile._state.fields_cache for name in ("user", "key_worker", "at_risk_level")))


def plan_get_shared(*, user, plan_id: int) -> Plan:
    """A plan shared with ``user`` through an active grant (the parent's / off-site tutor's
    view); 404 otherwise."""
    return get_object_or_404(plans_shared_with(user=user), pk=plan_id)


def _visible_targets(*, plan: Plan, viewer: PlanViewer):
    """Targets of ``plan`` that ``viewer`` may see, with what a target card shows (area, set_by,
    progress newest first) in a fixed number of queries."""
    return (
        Target.objects.for_org(plan.organisation_id).filter(audience_q(viewer), plan=plan)
        .select_related("area", "set_by")
        .prefetch_related(
            Prefetch(
                "progress",
                queryset=TargetProgress.objects.for_org(plan.organisation_id).select_related("recorded_by"),
            )
        )
    )


# The learner's target filter: "what is left to do", "late", or one status.
TARGET_FILTER_OPEN, TARGET_FILTER_LATE = "open", "late"


def my_targets(*, plan: Plan, viewer: PlanViewer, today, status: str = "", area=None):
    """The targets the learner's list shows, late first, then soonest due: ``status`` is
    "open" (still to do), "late" (still to do and past the due date), a ``TargetStatus`` value,
    or "" (all); ``area`` a ``TargetArea`` (or id) of the plan's organisation, or None. Lazy:
    the view paginates it."""
    targets = _visible_targets(plan=plan, viewer=viewer)
    if status == TARGET_FILTER_OPEN:
        targets = targets.filter(status__in=TARGET_OPEN_STATUSES)
    elif status == TARGET_FILTER_LATE:
        targets = targets.filter(status__in=TARGET_OPEN_STATUSES, due_on__lt=today)
    elif status in TargetStatus.values:
        targets = targets.filter(status=status)
    if area:
        targets = targets.filter(area=area)
    return targets.order_by("due_on", "pk")


def me_visible_targets(*, plan: Plan, viewer: PlanViewer) -> list[Target]:
    """The targets of ``plan`` that ``viewer`` may see, soonest due first: one query, read once
    for the learner's home (a plan's own few dozen), whose headlines and "what do I do next" are
    answered from it in Python (``me_headlines``, ``me_next``; neither names a target's area)."""
    return list(plan.targets.filter(audience_q(viewer)).order_by("due_on", "pk"))


def me_next(*, targets: list[Target], today, week_days: int = 7) -> dict:
    """What the learner does next, from their visible ``targets`` (``me_visible_targets``, soonest
    due first): the open ones that are late (``overdue``) and due within ``week_days`` days
    (``due_this_week``), at most 20 of each. No query."""
    week_end = today + datetime.timedelta(days=week_days)
    open_targets = [t for t in targets if t.status in TARGET_OPEN_STATUSES]
    return {
        "overdue": [t for t in open_targets if t.due_on < today][:20],
        "due_this_week": [t for t in open_targets if today <= t.due_on <= week_end][:20],
    }


# Reads of one's own record within this long of each other are one visit.
VISIT_GAP_MINUTES = 30


def me_last_visit(*, user, plan: Plan, now=None):
    """When the learner last looked at their plan before this visit: the newest audited read of
    their own record (``audit.reads``, written for every page of the plan) older than
    ``VISIT_GAP_MINUTES`` before now — so opening the targets page a minute ago does not empty
    "new since your last visit". None on a first visit. One query."""
    now = now or clock.now()
    return (
        AuditEvent.objects.filter(action=ACTION, actor_id=user.pk, learner_profile_id=plan.profile_id,
                                  created_at__lt=now - datetime.timedelta(minutes=VISIT_GAP_MINUTES))
        .order_by("-created_at").values_list("created_at", flat=True).first()
    )


def me_new_since(*, plan: Plan, viewer: PlanViewer, since, limit: int = 10):
    """Timeline events of ``plan`` that ``viewer`` may see, added by someone else after
    ``since`` (newest first, at most ``limit``). ``since`` None (first visit): the latest few."""
    events = (TimelineEvent.objects.for_org(plan.organisation_id).filter(audience_q(viewer), plan=plan)
              .exclude(actor_id=viewer.user_id).order_by("-occurred_at", "-pk"))
    if since is not None:
        events = events.filter(occurred_at__gt=since)
    return list(events[:limit])


def plan_detail(*, plan: Plan, viewer: PlanViewer) -> Plan:
    """``plan`` re-read with what its page shows, filtered by what ``viewer`` may see:
    ``plan.visible_targets`` (long-term first, with ``steps_visible`` and ``progress`` newest
    first, area, set_by), ``plan.signatures`` (signer). Fixed number of queries."""
    targets = _visible_targets(plan=plan, viewer=viewer).order_by("term", "due_on", "pk")
    prefetches = (
        Prefetch("targets", queryset=targets, to_attr="visible_targets"),
        Prefetch("signatures", queryset=PlanSignature.objects.for_org(plan.organisation_id).select_related("signer")),
        Prefetch("moving_on__applications",
                 queryset=MovingOnApplication.objects.for_org(plan.organisation_id).order_by("created_at", "pk")),
    )
    if _has_plan_page_relations(plan):  # from plan_get: add the lists to the plan already read
        detail = plan
        prefetch_related_objects([detail], *prefetches)
    else:
        detail = (Plan.objects.for_org(plan.organisation_id).select_related(*_PLAN_PAGE_RELATIONS)
                  .prefetch_related(*prefetches).get(pk=plan.pk))
    detail.visible_moving_on = visible_moving_on(plan=detail, viewer=viewer)
    return detail


def visible_moving_on(*, plan: Plan, viewer: PlanViewer):
    """The plan's moving-on plan if ``viewer`` may see it, else None. Every channel (page, review,
    PDF, the parent's view) reads it through here: the audience rule (``can_see``) and, for a
    person the plan is shared with, the learner's consent — a parent or carer sees it only if
    the learner agreed to share it with them, the next organisation (a record transfer) only if
    they agreed to share it with it; other grantees never."""
    moving_on = plan.moving_on_or_none
    if moving_on is None or not can_see(viewer, moving_on):
        return None
    if viewer.is_learner or viewer.is_staff_side:
        return moving_on
    if viewer.is_transfer_reader:  # the next organisation, if the learner agreed to share it with them
        return moving_on if MovingOnShareWith.NEXT_ORGANISATION in moving_on.share_with else None
    if MovingOnShareWith.PARENT_CARER not in moving_on.share_with or viewer.share_id is None:
        return None
    relationship = PlanShare.objects.for_org(plan.organisation_id).filter(pk=viewer.share_id).values_list(
        "relationship", flat=True).first()
    return moving_on if relationship == ShareRelationship.PARENT_CARER else None


def _active_shares_of(*, user, now=None):
    return PlanShare.objects.system("a person's own plan grants, across organisations").filter(
        PlanShare.active_q(now), grantee_id=user.pk
    )


def plan_share_org_ids(*, user, now=None) -> set[int]:
    """The organisations whose plans ``user`` may read through an ACTIVE share (granted by the
    learner or their school, not revoked, not expired at ``now``) — the ONLY source of those ids,
    for the views (``plans_shared_with``) and the request's row-level security scope. The grantee
    cannot make a share: only the plan's side can (``services.plan_share_*``)."""
    org_ids = set(_active_shares_of(user=user, now=now).values_list("organisation_id", flat=True))
    rls.request_scope_widen(org_ids, grant="plan share")
    return org_ids


def moving_on_application_get(*, moving_on, application_id: int):
    """One application of ``moving_on`` (404 for any other)."""
    return get_object_or_404(MovingOnApplication.objects.for_org(moving_on.organisation_id)
                             .filter(moving_on=moving_on), pk=application_id)


def plans_shared_with(*, user, now=None):
    """Plans ``user`` may read through a grant: an ACTIVE PlanShare (not revoked, not expired at
    ``now``) AND the guardian ``view_plan`` permission — both required, so an expired grant gives
    no access even before the cleanup job removes the permission. Crosses organisations through
    the recorded grants only (``for_orgs`` of the grants' organisations)."""
    org_ids = plan_share_org_ids(user=user, now=now)
    if not org_ids:  # no active grant (most people): nothing to read, nor a query to build
        return Plan.objects.for_orgs(org_ids).none()
    shares = _active_shares_of(user=user, now=now)
    permitted = PlanUserObjectPermission.objects.filter(
        user_id=user.pk, permission__codename="view_plan", permission__content_type__app_label="learners"
    ).values("content_object_id")
    return (
        Plan.objects.for_orgs(org_ids)
        .filter(pk__in=shares.values("plan_id"))
        .filter(pk__in=permitted)
        .select_related("profile__user", "organisation")
        .order_by("profile__user__full_name", "-starts_on")
    )


def plan_shares_list(*, org, plan):
    """Who can see this plan (the "Who can see my plan" page): active shares first."""
    return PlanShare.objects.for_org(org).filter(plan=plan).select_related("grantee", "granted_by", "revoked_by")


def own_profiles(*, user):
    """A learner's own profiles, across the organisations they are enrolled in (the /me/ space).
    Reached from the person, they span organisations: a stated system read, never
    ``user.learner_profiles`` (which is no scope, plp_portal/tenancy.py)."""
    return LearnerProfile.objects.system("a learner's own profiles, across organisations").filter(user=user)


def own_org_ids(*, user) -> list[int]:
    """The organisations whose plans and records are the learner's own."""
    return list(own_profiles(user=user).values_list("organisation_id", flat=True))


def my_plans(*, user):
    """The learner's own plans across the organisations they are enrolled in (/me/), newest
    first, with the organisation, the profile and its key worker (the home names them) loaded."""
    org_ids = own_org_ids(user=user)
    return (
        Plan.objects.for_orgs(org_ids).filter(profile__user=user)
        .select_related("organisation", "profile__key_worker")
        .order_by("status", "-starts_on")
    )


def timeline_for(*, plan: Plan, viewer: PlanViewer):
    """The plan's timeline events ``viewer`` may see, newest first, one query (a lazy queryset:
    paginate it). Uses index (plan, -occurred_at)."""
    return plan.timeline_events.filter(audience_q(viewer)).select_related("actor").order_by("-occurred_at", "-pk")


def tracking_table(*, plan: Plan, viewer: PlanViewer):
    """The latest report per subject that ``viewer`` may see, one query, ordered by subject (the
    tracking table, the learner's "good at"; none of them names the author, so no join to them)."""
    visible = audience_q(viewer)
    latest = (
        SubjectReport.objects.for_org(plan.organisation_id)
        .filter(visible, plan_id=plan.pk, subject=OuterRef("subject"))
        .order_by("-reported_on", "-pk").values("pk")[:1]
    )
    return (
        plan.subject_reports.filter(visible).filter(pk=Subquery(latest))
        .order_by("is_specialist_advice", "subject")
    )


def concerns_for(*, plan: Plan, viewer: PlanViewer):
    """The plan's concerns ``viewer`` may see, with who raised each and who follows it up (the
    plan page, the PDF; neither names who resolved it)."""
    if _list_is_empty(plan, "has_concerns"):
        return plan.concerns.none()
    return plan.concerns.filter(audience_q(viewer)).select_related("raised_by", "owner")


def narrative_for(*, plan: Plan, viewer: PlanViewer):
    """The learning journey, oldest first, with authors and the entries each corrects."""
    return plan.narrative.filter(audience_q(viewer)).select_related("author", "corrects")


def log_entries_for(*, plan: Plan, viewer: PlanViewer):
    return plan.log_entries.filter(audience_q(viewer)).select_related("block", "author")


def me_headlines(*, plan: Plan, viewer: PlanViewer, targets: list[Target] | None = None) -> dict:
    """The ILP headlines of seed 001, answered from the plan's data (lazy querysets / values):

    achieved      — targets achieved (newest first)
    good_at       — {"own_words": strengths, "subjects": latest reports at or above target}
    help_with     — {"own_words": weaknesses, "concerns": open visible concerns,
                     "support_needs": text only if can_see_sensitive else ""}
    progress_to   — {"goal": long_term_goal, "destination": anticipated_destination}
    skills_needed — open targets with skills_required filled in
    progress_made — {"recent": last 5 progress notes, "achieved": n, "total": n}
    next_steps    — open short-term targets, soonest first
    supported_by  — {"support_needed": plan text, "strategies": open targets' support_strategy,
                     "key_worker": user or None}

    ``targets``: the plan's visible targets if already read (``me_visible_targets``); the page
    asks six questions of them, answered in Python."""
    if targets is None:
        targets = me_visible_targets(plan=plan, viewer=viewer)
    open_targets = [t for t in targets if t.status in TARGET_OPEN_STATUSES]
    profile = plan.profile
    return {
        "achieved": sorted((t for t in targets if t.status == TargetStatus.ACHIEVED),
                           key=lambda t: t.updated_at, reverse=True),
        "good_at": {"own_words": profile.strengths_own_words, "subjects": tracking_table(plan=plan, viewer=viewer)},
        "help_with": {
            "own_words": profile.weaknesses_own_words,
            # Category and description only: not the three people ``concerns_for`` joins.
            "concerns": plan.concerns.filter(audience_q(viewer)).exclude(status=ConcernStatus.RESOLVED),
            "support_needs": profile.support_needs if can_see_sensitive(viewer) else "",
        },
        "progress_to": {"goal": plan.long_term_goal, "destination": plan.anticipated_destination},
        "skills_needed": [t.skills_required for t in open_targets if t.skills_required],
        "progress_made": {
            "recent": _with_targets(TargetProgress.objects.for_org(plan.organisation_id)
                                    .filter(target__plan=plan).filter(audience_q(viewer, prefix="target__"))
                                    .order_by("-recorded_at")[:5], targets),
            "achieved": sum(t.status == TargetStatus.ACHIEVED for t in targets),
            "total": sum(t.status != TargetStatus.WITHDRAWN for t in targets),
        },
        "next_steps": [t for t in open_targets if t.term == TargetTerm.SHORT],
        "supported_by": {
            "support_needed": plan.support_needed,
            "strategies": [t.support_strategy for t in open_targets if t.support_strategy],
            "key_worker": profile.key_worker,
        },
    }


def _with_targets(progress, targets: list[Target]) -> list[TargetProgress]:
    """``progress`` notes with their targets taken from ``targets`` (the same visible targets,
    already read) rather than joined again."""
    by_id = {t.pk: t for t in targets}
    notes = list(progress)
    for note in notes:
        note.target = by_id[note.target_id]
    return notes


def targets_due(*, org, before, statuses=TARGET_OPEN_STATUSES):
    """Open targets of ``org`` due before a date (for reminders and caseload views)."""
    return (
        Target.objects.for_org(org).filter(due_on__lt=before, status__in=statuses, plan__status=PlanStatus.ACTIVE)
        .select_related("plan__profile__user")
    )


def support_needs_not_reflected(*, org) -> tuple[int, list[int]]:
    """Of active learners with support need areas: how many there are, and the ids of those
    without an open or achieved target in each of those areas on an active plan."""
    profiles = list(
        LearnerProfile.objects.for_org(org).filter(is_active=True).exclude(support_need_areas=[])
        .values_list("pk", "support_need_areas")
    )
    areas_by_profile: dict[int, set] = {}
    for profile_id, code in Target.objects.for_org(org).filter(
        plan__status=PlanStatus.ACTIVE, plan__profile_id__in=[p for p, _ in profiles]
    ).exclude(status=TargetStatus.WITHDRAWN).values_list("plan__profile_id", "area__code"):
        areas_by_profile.setdefault(profile_id, set()).add(code)
    return len(profiles), [pk for pk, needs in profiles if not set(needs) <= areas_by_profile.get(pk, set())]


def support_needs_reflected(*, org) -> dict:
    """For the 'needs reflected in targets' quality figure (``support_needs_not_reflected``).
    Returns {"with_needs": n, "reflected": n}."""
    with_needs, not_reflected = support_needs_not_reflected(org=org)
    return {"with_needs": with_needs, "reflected": with_needs - len(not_reflected)}


# --- Phase 2: pages --------------------------------------------------------------------------


def _get_visible(qs, pk):
    return get_object_or_404(qs, pk=pk)


def target_get(*, org, target_id: int):
    """A target of ``org`` with its plan; 404 if missing or foreign (check ``can_see`` next)."""
    return _get_visible(Target.objects.for_org(org).select_related("plan__profile__user", "area", "parent"), target_id)


def concern_get(*, org, concern_id: int):
    return _get_visible(Concern.objects.for_org(org).select_related("plan__profile__user", "owner"), concern_id)


def narrative_entry_get(*, org, narrative_id: int):
    return _get_visible(NarrativeEntry.objects.for_org(org).select_related("plan__profile__user", "author"),
                        narrative_id)


def log_entry_get(*, org, log_entry_id: int):
    return _get_visible(LogEntry.objects.for_org(org).select_related("plan__profile__user", "block"), log_entry_id)


def plan_share_get(*, org, share_id: int):
    return _get_visible(PlanShare.objects.for_org(org).select_related("plan__profile__user", "grantee"), share_id)


def share_invitation_get(*, org, share_invitation_id: int):
    return _get_visible(PlanShareInvitation.objects.for_org(org).select_related("plan__profile__user"),
                        share_invitation_id)


def share_invitations_open(*, org, plan):
    return PlanShareInvitation.objects.for_org(org).filter(
        plan=plan, accepted_at__isnull=True, revoked_at__isnull=True, link_expires_at__gt=timezone.now()
    ).select_related("invited_by")


def target_areas(*, org, active_only=False):
    qs = TargetArea.objects.for_org(org)
    return qs.filter(is_active=True) if active_only else qs


def at_risk_levels(*, org):
    return AtRiskLevel.objects.for_org(org)


def at_risk_history(*, profile):
    return profile.at_risk_history.select_related("level", "set_by")


def at_risk_latest(*, profile) -> dict | None:
    """Why and when the learner's current at-risk status was set ({"reason", "set_at"}), or None:
    the plan page's one line, without the joins the history's table needs."""
    return profile.at_risk_history.values("reason", "set_at").first()


def learner_plans(*, profile):
    return profile.plans.order_by("status", "-starts_on")


def enrolment_current_end(*, profile):
    """The end of the learner's enrolment not followed by a re-enrolment (None while enrolled)."""
    return (EnrolmentEnd.objects.for_org(profile.organisation_id).filter(profile=profile, reenrolled_at__isnull=True)
            .select_related("recorded_by").first())


def enrolment_end_summary(*, profile) -> dict:
    """What ending the enrolment will change, for the confirmation page (two queries)."""
    plans = list(Plan.objects.for_org(profile.organisation_id).filter(profile=profile, status=PlanStatus.ACTIVE))
    open_targets = Target.objects.for_org(profile.organisation_id).filter(
        plan__in=plans, status__in=TARGET_OPEN_STATUSES).count() if plans else 0
    return {"plans": plans, "open_targets": open_targets}


def log_blocks_for(*, plan: Plan, viewer: PlanViewer):
    """The plan's six-week blocks, newest first, each with ``visible_entries`` (what ``viewer``
    may see, newest first). Two queries."""
    entries = LogEntry.objects.for_org(plan.organisation_id).filter(audience_q(viewer)).select_related("author")
    return (
        LogBlock.objects.for_org(plan.organisation_id).filter(plan_id=plan.pk)
        .select_related("filed_by")
        .prefetch_related(Prefetch("entries", queryset=entries, to_attr="visible_entries"))
        # A block filed on the day it started shares its start with the open block after it.
        .order_by("-starts_on", "-pk")
    )


def log_summary(*, plan: Plan, viewer: PlanViewer):
    """Per block: dates, filed or not, entry counts by kind the viewer may see (one query)."""
    rows = list(
        LogEntry.objects.for_org(plan.organisation_id).filter(audience_q(viewer), plan_id=plan.pk)
        .values("block__starts_on", "block__ends_on", "block__filed_at", "kind")
        .annotate(n=Count("pk")).order_by("-block__starts_on", "-block__ends_on", "kind")
    )
    labels = dict(LogEntryKind.choices)
    for row in rows:
        row["kind_label"] = labels.get(row["kind"], row["kind"])
    return rows


def subject_reports_for(*, plan: Plan, viewer: PlanViewer):
    return plan.subject_reports.filter(audience_q(viewer)).select_related("author").order_by("-reported_on", "-pk")


def my_plan_get(*, user, plan_id: int) -> Plan:
    """One of the learner's own plans (any organisation they are enrolled in); 404 otherwise —
    including another learner's plan."""
    org_ids = own_org_ids(user=user)
    return get_object_or_404(
        Plan.objects.for_orgs(org_ids).filter(profile__user=user)
        .select_related("organisation", "profile__user", "profile__key_worker"),
        pk=plan_id,
    )


def my_target_get(*, user, target_id: int) -> Target:
    org_ids = own_org_ids(user=user)
    return get_object_or_404(
        Target.objects.for_orgs(org_ids).filter(plan__profile__user=user)
        .select_related("plan__profile__user", "plan__organisation", "area", "parent"),
        pk=target_id,
    )


def share_invitations_for_user(*, user):
    """Open invitations addressed to ``user``'s email (they may accept while signed in)."""
    # Addressed to the person's (verified) email, in any organisation: found in a narrow system
    # scope, then those organisations join the request's row-level security scope.
    with rls.bearer_lookup("open plan-share invitations addressed to the person's email"):
        invitations = list(PlanShareInvitation.objects.system("a person's own invitations, across organisations")
                           .filter(email__iexact=user.email, accepted_at__isnull=True, revoked_at__isnull=True,
                                   link_expires_at__gt=timezone.now()).select_related("plan__profile__user"))
    rls.request_scope_widen({i.organisation_id for i in invitations}, grant="a plan-share invitation")
    return invitations


# --- Record transfer (issue 13): the ONE selector of cross-organisation reads by transfer ----


def transfer_grants(*, org, profile):
    """The consented record-transfer grants that let ``org`` read ``profile``'s learner's records
    at other organisations. Every read of another organisation's plan by a transfer goes
    through here: a grant not consented, refused or withdrawn gives nothing. ``org`` required."""
    if org is None or profile is None or profile.organisation_id != org.pk:
        raise UnscopedQueryError("transfer_grants needs the receiving organisation and its learner")
    grants = (RecordTransfer.objects.system("record-transfer grants naming this organisation, learner consented")
              .filter(receiving_organisation_id=org.pk, learner_id=profile.user_id,
                      status=TransferStatus.CONSENTED, profile__isnull=False)
              .select_related("organisation").prefetch_related("profile").order_by("-decided_at", "-pk"))
    grants.__class__ = _TransferGrantsQuerySet
    return grants


class _TransferGrantsQuerySet(TenantQuerySet):
    """The sending organisations of the fetched grants join the request's row-level security
    scope before their rows (each grant's profile, then its plans) are read: between the grants'
    query and the profiles' prefetch. No extra query; none at all when there is no grant."""

    def _prefetch_related_objects(self):
        rls.request_scope_widen({t.organisation_id for t in self._result_cache}, grant="record transfer")
        super()._prefetch_related_objects()


def transfer_viewer(*, transfer, plan, user) -> PlanViewer:
    """The reader's relation to a transferred plan: plan-audience records, staff-audience ones
    only with the learner's consent, restricted never (``permissions.can_see``/``audience_q``)."""
    return PlanViewer(plan_id=plan.pk, organisation_id=plan.organisation_id, user_id=user.pk,
                      transfer_id=transfer.pk, transfer_staff_records=transfer.include_staff_records)


def plans_of_transfer(*, transfer) -> list:
    """The plans a consented ``transfer`` covers (the learner's at the sending organisation),
    newest first, with their organisation."""
    return list(Plan.objects.for_org(transfer.organisation_id).filter(profile_id=transfer.profile_id)
                .select_related("organisation", "profile__user").order_by("-starts_on", "-pk"))


def transferred_plans(*, org, profile, user):
    """Every plan the transfers let ``user`` (staff of ``org``) read, each with what its page
    shows (``plan_detail`` through the transfer viewer, ``journey`` and ``events``) and its
    ``transfer``. Queries grow with the number of transferred plans (a learner's few), not with
    their records."""
    rows = []
    for transfer in transfer_grants(org=org, profile=profile):
        for plan in Plan.objects.for_org(transfer.organisation_id).filter(profile_id=transfer.profile_id) \
                .order_by("-starts_on", "-pk"):
            viewer = transfer_viewer(transfer=transfer, plan=plan, user=user)
            detail = plan_detail(plan=plan, viewer=viewer)
            detail.transfer, detail.viewer = transfer, viewer
            detail.journey = list(narrative_for(plan=detail, viewer=viewer))
            detail.events = list(timeline_for(plan=detail, viewer=viewer)[:20])
            # Reviews move as read-only review pages (keyworkers' ``transfer_links`` hook).
            detail.review_events = list(timeline_for(plan=detail, viewer=viewer).filter(kind="review.completed")
                                  .order_by("occurred_at", "pk"))
            _transferred_record_links([*detail.events, *detail.review_events], org=org, profile=profile)
            rows.append(detail)
    return rows


def transfer_reader(*, transfer, user) -> PlanViewer:
    """A transfer reader of any of the learner's plans under ``transfer`` (``plan_id`` 0: for
    ``audience_q`` over several plans, never for ``can_see`` on one record)."""
    return PlanViewer(plan_id=0, organisation_id=transfer.organisation_id, user_id=user.pk,
                      transfer_id=transfer.pk, transfer_staff_records=transfer.include_staff_records)


def _transferred_record_links(events, *, org, profile) -> None:
    """Give each event of a previous organisation ``previous_url``: the page here that shows its
    record read-only (an app's ``transfer_links`` hook: keyworkers' reviews), or ""."""
    modules = list(app_hook_modules("transfer_links"))
    for event in events:
        event.previous_url = ""
        for module in modules:
            url = module.previous_record_url(org=org, profile=profile, event=event)
            if url:
                event.previous_url = url
                break


def timeline_merged(*, plan: Plan, viewer: PlanViewer, user):
    """The plan's timeline for the staff of its organisation, merged with the events of the
    learner's plans at previous organisations that consented transfers let them read (each
    through that transfer's audience rule: plan records, staff ones only with consent,
    restricted never), newest first, as ONE lazy queryset (paginate it) — and the transfers
    that contributed (their reads are audited). An event of a previous organisation has
    ``organisation_id`` other than the plan's; ``mark_previous`` sets ``previous_url``.
    Anyone but the staff side gets the plan's own timeline (``timeline_for``)."""
    own = Q(plan_id=plan.pk) & audience_q(viewer)
    transfers = list(transfer_grants(org=plan.organisation, profile=plan.profile)) if viewer.is_staff_side else []
    if not transfers:
        return timeline_for(plan=plan, viewer=viewer), []
    merged = own
    for transfer in transfers:
        merged |= (Q(organisation_id=transfer.organisation_id, plan__profile_id=transfer.profile_id)
                   & audience_q(transfer_reader(transfer=transfer, user=user)))
    org_ids = [plan.organisation_id, *{t.organisation_id for t in transfers}]
    events = (TimelineEvent.objects.for_orgs(org_ids).filter(merged)
              .select_related("actor", "organisation").order_by("-occurred_at", "-pk"))
    return events, transfers


def mark_previous(events, *, plan: Plan) -> list:
    """``events`` (a page of ``timeline_merged``) with ``is_previous`` and ``previous_url``."""
    events = list(events)
    for event in events:
        event.is_previous = event.organisation_id != plan.organisation_id
    _transferred_record_links([e for e in events if e.is_previous], org=plan.organisation, profile=plan.profile)
    return events


def transferred_plan_get(*, org, profile, plan_id: int):
    """One transferred plan of ``profile``'s learner with its grant; 404 otherwise."""
    for transfer in transfer_grants(org=org, profile=profile):
        plan = Plan.objects.for_org(transfer.organisation_id).filter(
            profile_id=transfer.profile_id, pk=plan_id).select_related("organisation").first()
        if plan is not None:
            return transfer, plan
    raise Http404


def my_transfers(*, user):
    """A learner's own record transfers (requested, consented, refused, withdrawn), across the
    organisations: they are the data subject of each."""
    return (RecordTransfer.objects.system("a learner's own record transfers, across organisations")
            .filter(learner_id=user.pk).select_related("organisation", "receiving_organisation", "requested_by")
            .order_by("-requested_at", "-pk"))


def my_transfer_get(*, user, transfer_id: int):
    return get_object_or_404(my_transfers(user=user), pk=transfer_id)


def transfer_preview(*, user, sending_org_id: int) -> dict:
    """Exactly what a transfer of ``user``'s record at ``sending_org_id`` would let the next
    organisation read: the plans, and per plan the records of audience plan and those of
    audience staff (which go only if the learner ticks them); restricted records never go."""

    profile = own_profiles(user=user).filter(organisation_id=sending_org_id).first()
    if profile is None:
        return {"profile": None, "plans": []}
    plans = list(Plan.objects.for_org(sending_org_id).filter(profile=profile).order_by("-starts_on", "-pk"))
    plan_ids = [p.pk for p in plans]

    def counts(model):
        rows = model.objects.for_org(sending_org_id).filter(plan_id__in=plan_ids).values("audience").annotate(
            n=Count("pk"))
        return {row["audience"]: row["n"] for row in rows}

    kinds = {"targets": counts(Target), "journey": counts(NarrativeEntry), "log": counts(LogEntry)}
    review_count = TimelineEvent.objects.for_org(sending_org_id).filter(
        plan_id__in=plan_ids, kind="review.completed", audience=Audience.PLAN).count()
    rows = [(label, kinds[key].get(Audience.PLAN, 0), kinds[key].get(Audience.STAFF, 0),
             kinds[key].get(Audience.RESTRICTED, 0))
            for key, label in (("targets", "Targets"), ("journey", "Learning journey entries (reviews included)"),
                               ("log", "Learning log entries"))]
    return {"profile": profile, "plans": plans, "rows": rows, "reviews": review_count}


def transferred_open_targets(*, plan, viewer: PlanViewer):
    """The open targets of a transferred plan its reader may see (to carry over)."""
    return Target.objects.for_org(plan.organisation_id).filter(
        audience_q(viewer), plan=plan, status__in=TARGET_OPEN_STATUSES).order_by("term", "due_on", "pk")


def transfer_out_get(*, org, transfer_id: int):
    """A transfer of one of ``org``'s learners' records (``org`` the sending organisation); 404
    for another organisation's."""
    return get_object_or_404(RecordTransfer.objects.for_org(org).select_related("learner", "receiving_organisation"),
                             pk=transfer_id)


def contributions_for(*, plan: Plan, viewer: PlanViewer, since=None, limit: int = 50) -> dict:
    """What the people the plan is shared with added, that ``viewer`` may see (THE audience
    rule): {"notes": newest first, "off_site_reviews": newest first, with their target rows the
    viewer may see}. ``since`` (a datetime): only those added after it (the key worker's "since
    the last review"). Three queries; none for a list the plan was read without (``_list_flags``)."""
    org_id = plan.organisation_id
    notes = PlanContribution.objects.for_org(org_id).filter(audience_q(viewer), plan=plan).select_related("author")
    reviews = OffSiteReview.objects.for_org(org_id).filter(audience_q(viewer), plan=plan).select_related("author")
    if since is not None:
        notes, reviews = notes.filter(created_at__gt=since), reviews.filter(created_at__gt=since)
    rows = OffSiteReviewTarget.objects.for_org(org_id).filter(audience_q(viewer, prefix="target__")) \
        .select_related("target")
    return {
        "notes": [] if _list_is_empty(plan, "has_plan_contributions") else list(
            notes.order_by("-created_at", "-pk")[:limit]),
        "off_site_reviews": [] if _list_is_empty(plan, "has_off_site_reviews") else list(
            reviews.prefetch_related(Prefetch("target_rows", queryset=rows)).order_by("-held_on", "-pk")[:limit]),
    }


def my_share_of(*, plan: Plan, viewer: PlanViewer):
    """The active grant that lets ``viewer`` see ``plan`` (None if they see it otherwise)."""
    if not viewer.share_id:
        return None
    return PlanShare.objects.for_org(plan.organisation_id).filter(PlanShare.active_q(), pk=viewer.share_id) \
        .select_related("plan").first()


def contributions_by(*, plan: Plan, user) -> dict:
    """What ``user`` added to ``plan`` that only staff may read (the grant said so): its author
    still sees it, marked "staff only". {"notes": [...], "off_site_reviews": [...]}, newest
    first, the last 20. Three queries."""
    org_id = plan.organisation_id
    rows = OffSiteReviewTarget.objects.for_org(org_id).select_related("target")
    return {
        "notes": list(PlanContribution.objects.for_org(org_id).filter(plan=plan, author=user)
                      .exclude(audience=Audience.PLAN).select_related("author").order_by("-created_at", "-pk")[:20]),
        "off_site_reviews": list(OffSiteReview.objects.for_org(org_id).filter(plan=plan, author=user)
                                 .exclude(audience=Audience.PLAN).select_related("author")
                                 .prefetch_related(Prefetch("target_rows", queryset=rows))
                                 .order_by("-held_on", "-pk")[:20]),
    }
