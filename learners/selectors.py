"""Reads of the learners app: keyword-only, organisation (or viewer) first, with
select_related/prefetch_related so a page costs a fixed number of queries.

Everything shown to a person on a plan goes through ``permissions.audience_q`` /
``permissions.can_see`` with a ``PlanViewer``; selectors taking ``viewer`` already do."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from .choices import (
    TARGET_OPEN_STATUSES,
    ConcernStatus,
    LogEntryKind,
    PlanStatus,
    TargetStatus,
    TargetTerm,
)
from .models import (
    AtRiskLevel,
    Concern,
    LearnerProfile,
    LogBlock,
    LogEntry,
    NarrativeEntry,
    Plan,
    PlanShare,
    PlanShareInvitation,
    PlanSignature,
    PlanUserObjectPermission,
    SubjectReport,
    Target,
    TargetArea,
    TargetProgress,
)
from .permissions import PlanViewer, audience_q, can_see_sensitive


def learner_profile_get(*, org, profile_id: int) -> LearnerProfile:
    """404 for a missing profile and for another organisation's."""
    return get_object_or_404(
        LearnerProfile.objects.for_org(org).select_related("user", "key_worker", "at_risk_level"), pk=profile_id
    )


def learner_list(*, org, key_worker=None, active_only: bool = True):
    """The organisation's learners for staff lists (filter it with ``filters.LearnerFilterSet``,
    paginate it with Django's Paginator), with user, key worker, at-risk level and the active
    plan count loaded. ``key_worker`` (user or id) limits it to one key worker's learners."""
    qs = LearnerProfile.objects.for_org(org).select_related("user", "key_worker", "at_risk_level")
    if active_only:
        qs = qs.filter(is_active=True)
    if key_worker:
        qs = qs.filter(key_worker=key_worker)
    return qs.annotate(
        active_plans=Count("plans", filter=Q(plans__status=PlanStatus.ACTIVE))
    ).order_by("user__full_name", "pk")


def plan_get(*, org, plan_id: int) -> Plan:
    """A plan of ``org`` with profile, learner and key worker loaded; 404 if missing or foreign."""
    return get_object_or_404(
        Plan.objects.for_org(org).select_related("profile__user", "profile__key_worker", "profile__at_risk_level"),
        pk=plan_id,
    )


def plan_get_shared(*, user, plan_id: int) -> Plan:
    """A plan shared with ``user`` through an active grant (the parent's / off-site tutor's
    view); 404 otherwise."""
    return get_object_or_404(plans_shared_with(user=user), pk=plan_id)


def plan_detail(*, plan: Plan, viewer: PlanViewer) -> Plan:
    """``plan`` re-read with what its page shows, filtered by what ``viewer`` may see:
    ``plan.visible_targets`` (long-term first, with ``steps_visible`` and ``progress`` newest
    first, area, set_by), ``plan.signatures`` (signer). Fixed number of queries."""
    visible = audience_q(viewer)
    targets = (
        Target.objects.for_org(plan.organisation_id).filter(visible)
        .select_related("area", "set_by", "approved_by")
        .prefetch_related(
            Prefetch(
                "progress",
                queryset=TargetProgress.objects.for_org(plan.organisation_id).select_related("recorded_by"),
            )
        )
        .order_by("term", "due_on", "pk")
    )
    return (
        Plan.objects.for_org(plan.organisation_id)
        .select_related("profile__user", "profile__key_worker", "profile__at_risk_level")
        .prefetch_related(
            Prefetch("targets", queryset=targets, to_attr="visible_targets"),
            Prefetch(
                "signatures",
                queryset=PlanSignature.objects.for_org(plan.organisation_id).select_related("signer"),
            ),
        )
        .get(pk=plan.pk)
    )


def plans_shared_with(*, user, now=None):
    """Plans ``user`` may read through a grant: an ACTIVE PlanShare (not revoked, not expired at
    ``now``) AND the guardian ``view_plan`` permission — both required, so an expired grant gives
    no access even before the cleanup job removes the permission. Crosses organisations through
    the recorded grants only (``for_orgs`` of the grants' organisations)."""
    shares = PlanShare.objects.system("a person's own plan grants, across organisations").filter(
        PlanShare.active_q(now), grantee_id=user.pk
    )
    permitted = PlanUserObjectPermission.objects.filter(
        user_id=user.pk, permission__codename="view_plan", permission__content_type__app_label="learners"
    ).values("content_object_id")
    org_ids = set(shares.values_list("organisation_id", flat=True))
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
    first, with the organisation loaded."""
    org_ids = own_org_ids(user=user)
    return (
        Plan.objects.for_orgs(org_ids).filter(profile__user=user)
        .select_related("organisation", "profile")
        .order_by("status", "-starts_on")
    )


def timeline_for(*, plan: Plan, viewer: PlanViewer):
    """The plan's timeline events ``viewer`` may see, newest first, one query (a lazy queryset:
    paginate it). Uses index (plan, -occurred_at)."""
    return plan.timeline_events.filter(audience_q(viewer)).select_related("actor").order_by("-occurred_at", "-pk")


def tracking_table(*, plan: Plan, viewer: PlanViewer):
    """The latest report per subject that ``viewer`` may see, one query, ordered by subject."""
    visible = audience_q(viewer)
    latest = (
        SubjectReport.objects.for_org(plan.organisation_id)
        .filter(visible, plan_id=plan.pk, subject=OuterRef("subject"))
        .order_by("-reported_on", "-pk").values("pk")[:1]
    )
    return (
        plan.subject_reports.filter(visible).filter(pk=Subquery(latest))
        .select_related("author").order_by("is_specialist_advice", "subject")
    )


def concerns_for(*, plan: Plan, viewer: PlanViewer, open_only: bool = False):
    qs = plan.concerns.filter(audience_q(viewer)).select_related("raised_by", "owner", "resolved_by")
    if open_only:
        qs = qs.exclude(status=ConcernStatus.RESOLVED)
    return qs


def narrative_for(*, plan: Plan, viewer: PlanViewer):
    """The learning journey, oldest first, with authors and the entries each corrects."""
    return plan.narrative.filter(audience_q(viewer)).select_related("author", "corrects")


def log_entries_for(*, plan: Plan, viewer: PlanViewer):
    return plan.log_entries.filter(audience_q(viewer)).select_related("block", "author")


def me_headlines(*, plan: Plan, viewer: PlanViewer) -> dict:
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
                     "key_worker": user or None}"""
    visible = audience_q(viewer)
    targets = plan.targets.filter(visible).select_related("area")
    open_targets = targets.filter(status__in=TARGET_OPEN_STATUSES)
    profile = plan.profile
    counts = targets.exclude(status=TargetStatus.WITHDRAWN).aggregate(
        total=Count("pk"), achieved=Count("pk", filter=Q(status=TargetStatus.ACHIEVED))
    )
    return {
        "achieved": targets.filter(status=TargetStatus.ACHIEVED).order_by("-updated_at"),
        "good_at": {"own_words": profile.strengths_own_words, "subjects": tracking_table(plan=plan, viewer=viewer)},
        "help_with": {
            "own_words": profile.weaknesses_own_words,
            "concerns": concerns_for(plan=plan, viewer=viewer, open_only=True),
            "support_needs": profile.support_needs if can_see_sensitive(viewer) else "",
        },
        "progress_to": {"goal": plan.long_term_goal, "destination": plan.anticipated_destination},
        "skills_needed": open_targets.exclude(skills_required="").values_list("skills_required", flat=True),
        "progress_made": {
            "recent": TargetProgress.objects.for_org(plan.organisation_id)
            .filter(target__plan=plan).filter(audience_q(viewer, prefix="target__"))
            .select_related("target").order_by("-recorded_at")[:5],
            "achieved": counts["achieved"],
            "total": counts["total"],
        },
        "next_steps": open_targets.filter(term=TargetTerm.SHORT).order_by("due_on"),
        "supported_by": {
            "support_needed": plan.support_needed,
            "strategies": open_targets.exclude(support_strategy="").values_list("support_strategy", flat=True),
            "key_worker": profile.key_worker,
        },
    }


def targets_due(*, org, before, statuses=TARGET_OPEN_STATUSES):
    """Open targets of ``org`` due before a date (for reminders and caseload views)."""
    return (
        Target.objects.for_org(org).filter(due_on__lt=before, status__in=statuses, plan__status=PlanStatus.ACTIVE)
        .select_related("plan__profile__user")
    )


def support_needs_reflected(*, org) -> dict:
    """For the 'needs reflected in targets' quality figure: of active learners with support
    need areas, how many have an open or achieved target in each of those areas on an active
    plan. Returns {"with_needs": n, "reflected": n}."""
    profiles = list(
        LearnerProfile.objects.for_org(org).filter(is_active=True).exclude(support_need_areas=[])
        .values_list("pk", "support_need_areas")
    )
    areas_by_profile: dict[int, set] = {}
    for profile_id, code in Target.objects.for_org(org).filter(
        plan__status=PlanStatus.ACTIVE, plan__profile_id__in=[p for p, _ in profiles]
    ).exclude(status=TargetStatus.WITHDRAWN).values_list("plan__profile_id", "area__code"):
        areas_by_profile.setdefault(profile_id, set()).add(code)
    reflected = sum(1 for pk, needs in profiles if set(needs) <= areas_by_profile.get(pk, set()))
    return {"with_needs": len(profiles), "reflected": reflected}


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


def learner_plans(*, profile):
    return profile.plans.order_by("status", "-starts_on")


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
    return PlanShareInvitation.objects.system("a person's own invitations, across organisations").filter(
        email__iexact=user.email, accepted_at__isnull=True, revoked_at__isnull=True,
        link_expires_at__gt=timezone.now(),
    )
