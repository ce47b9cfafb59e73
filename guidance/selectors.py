"""Reads of the guidance app. Keyword-only, organisation (or scope) first.

THE partnership rule lives here, in one place: ``partner_school_ids(org=service)`` — the schools
with a CURRENT partnership with the careers service ``org``. Every read an adviser makes of a
school's rows goes through ``GuidanceScope.org_ids`` (``guidance_scope``), which for an adviser
is exactly those ids; an id taken from a URL is only ever looked up inside that scope, so an
object of a school without a current partnership is a 404 like a missing one."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404

from learners.choices import Audience, PlanStatus, TargetGroup
from learners import selectors as learner_selectors
from learners.models import LearnerProfile, Plan
from plp_portal import rls
from plp_portal.organisations.choices import OrganisationKind, Role
from plp_portal.organisations.models import Membership, Organisation

from .choices import (
    NOT_SETTLED_CATEGORIES,
    DestinationCategory,
    DestinationKind,
    FigureKind,
    ReferralReason,
    ReferralSource,
    ReferralStatus,
    Tier,
)
from .models import (
    ActionItem,
    Destination,
    ExpectedTierShare,
    GroupAttendance,
    GroupSession,
    Interview,
    FOLLOW_UP_NOT_LEFT,
    LearnerGuidance,
    Partnership,
    PartnershipAdviser,
    PartnershipObjective,
    Referral,
    ReferralEvent,
    ServiceSettings,
    TierChange,
)
from .objectives import DEFAULT_EXPECTED_PERCENT
from .figures import figures_for, percentile_of_histogram

SERVICE = "service"
SCHOOL = "school"


# --- The partnership grant --------------------------------------------------------------------


def partner_school_ids(*, org, today: datetime.date | None = None) -> list[int]:
    """Ids of the schools (colleges, providers) with a CURRENT partnership with the careers
    service ``org`` — not ended early, today within its dates. Last year's or an expired
    partnership grants nothing. The ONLY source of ids for ``.for_orgs`` on the adviser's side."""
    ids = sorted(set(
        Partnership.objects.for_org(org).filter(Partnership.current_q(today)).values_list("school_id", flat=True)
    ))
    rls.request_scope_widen(ids, grant="partnership")  # the request's row-level security scope
    return ids


@dataclass(frozen=True)
class GuidanceScope:
    """What a member may reach in the guidance app, computed once per request.

    ``side``: SERVICE (a careers adviser, or an admin of a careers service: partner schools'
    learners) or SCHOOL (key worker, careers lead, admin of the school: its own learners).
    ``org_ids``: the organisations whose guidance rows may be read. ``key_worker_id``: set for a
    key worker, who sees only their own learners and the referrals they made."""

    org: Organisation
    side: str
    org_ids: tuple[int, ...]
    user_id: int
    key_worker_id: int | None = None

    @property
    def is_service(self) -> bool:
        return self.side == SERVICE


def guidance_scope(*, org, membership, today=None) -> GuidanceScope:
    role = membership.role
    if role == Role.CAREERS_ADVISER or (role == Role.ORG_ADMIN and org.kind == OrganisationKind.CAREERS_SERVICE):
        return GuidanceScope(org=org, side=SERVICE, org_ids=tuple(partner_school_ids(org=org, today=today)),
                             user_id=membership.user_id)
    return GuidanceScope(org=org, side=SCHOOL, org_ids=(org.pk,), user_id=membership.user_id,
                         key_worker_id=membership.user_id if role == Role.KEY_WORKER else None)


def partner_schools(*, scope: GuidanceScope):
    return Organisation.objects.filter(pk__any=scope.org_ids).order_by("name")


def partner_school_choices(*, scope: GuidanceScope) -> list[tuple[int, str]]:
    """(id, name) of each partner school, by name: a school filter's choices (no organisation
    rows built for a list of names: a county service has dozens of schools, issue 19)."""
    return list(partner_schools(scope=scope).values_list("pk", "name"))


def service_settings_get(*, org) -> ServiceSettings:
    """The service's settings: the saved row, or an unsaved one with the defaults (a read never
    writes; ``services.service_settings_update`` saves it)."""
    return ServiceSettings.objects.for_org(org).first() or ServiceSettings(organisation=org)


def expected_shares(*, org) -> dict[str, ExpectedTierShare]:
    return {s.target_group: s for s in ExpectedTierShare.objects.for_org(org)}


def expected_percent_of(*, org) -> dict[str, tuple[int, int]]:
    """{target group: (filtered %, intensive %)} as the settings form shows them: the saved
    figures, else the defaults (``objectives.DEFAULT_EXPECTED_PERCENT``)."""
    saved = {group: (s.filtered_percent, s.intensive_percent) for group, s in expected_shares(org=org).items()}
    return {**DEFAULT_EXPECTED_PERCENT, **saved}


# --- Learners and their guidance --------------------------------------------------------------


def _learners(scope: GuidanceScope):
    qs = LearnerProfile.objects.for_orgs(scope.org_ids)
    if scope.key_worker_id:
        qs = qs.filter(key_worker_id=scope.key_worker_id)
    return qs


def learner_get(*, scope: GuidanceScope, profile_id: int) -> LearnerProfile:
    """A learner within the scope; 404 for a missing one, another organisation's, and a school's
    without a current partnership."""
    return get_object_or_404(
        _learners(scope).select_related("user", "key_worker", "organisation"), pk=profile_id
    )


def learner_search(*, scope: GuidanceScope, search: str = "", school_id=None, tier: str = ""):
    """Active learners of the scope in name order (``LEARNER_KEYS``: the learner list reads a
    keyset page of it through the users' name index, however many partner schools there are)."""
    qs = _learners(scope).filter(is_active=True).select_related("user", "organisation").annotate(
        current_tier=Coalesce(F("guidance__tier"), Value(Tier.CORE)), sort_name=F("user__full_name"),
    )
    if school_id:
        qs = qs.filter(organisation_id=school_id)
    if tier:
        qs = qs.filter(current_tier=tier)
    if search:
        qs = qs.filter(Q(user__full_name__icontains=search) | Q(upn=search))
    return qs.order_by(*LEARNER_KEYS)


# Name, then the user's id: the order of the users' (full_name, id) index, which PostgreSQL then
# walks for a page (the learner's id last: a learner enrolled at two partner schools).
LEARNER_KEYS = ("sort_name", "user_id", "pk")


def active_plan_for(*, profile) -> Plan | None:
    return (
        Plan.objects.for_org(profile.organisation_id).filter(profile=profile, status=PlanStatus.ACTIVE)
        .order_by("-starts_on", "-pk").first()
    )


def learner_guidance_get(*, profile) -> LearnerGuidance | None:
    return (
        LearnerGuidance.objects.for_org(profile.organisation_id).select_related("adviser", "preferred_adviser")
        .filter(profile=profile).first()
    )


def _audience(audience_filter: Q | None) -> Q:
    """The viewer's audience filter (``learners.permissions.audience_q``) — required: a missing
    viewer (a learner with no plan, say) never means every record."""
    if audience_filter is None:
        raise ValueError("an audience filter is required: compute the viewer, with or without a plan")
    return audience_filter


def tier_history(*, profile, audience_filter: Q):
    return (TierChange.objects.for_org(profile.organisation_id).filter(profile=profile)
            .filter(_audience(audience_filter)).select_related("decided_by"))


def referrals_for_learner(*, profile, audience_filter: Q):
    return (
        Referral.objects.for_org(profile.organisation_id).filter(profile=profile).filter(_audience(audience_filter))
        .select_related("referred_by", "triaged_by", "allocated_adviser").order_by("-created_at")
    )


def referral_in_progress(*, profile) -> Referral | None:
    """The learner's accepted referral an adviser is working on (the latest), if any."""
    return (
        Referral.objects.for_org(profile.organisation_id).filter(profile=profile, status=ReferralStatus.ACCEPTED)
        .order_by("-created_at", "-pk").first()
    )


def interviews_for_learner(*, profile, audience_filter: Q):
    actions = ActionItem.objects.for_org(profile.organisation_id).select_related("target")
    qs = Interview.objects.for_org(profile.organisation_id).filter(profile=profile).filter(_audience(audience_filter))
    return qs.select_related("adviser", "careers_service").prefetch_related(Prefetch("actions", queryset=actions))


def destinations_for_learner(*, profile):
    return Destination.objects.for_org(profile.organisation_id).filter(profile=profile).select_related("confirmed_by")


# --- Referrals --------------------------------------------------------------------------------


def referral_queue(*, scope: GuidanceScope):
    """Referrals in scope (every status), most urgent then oldest first, with learner, school,
    referrer and the learner's current tier loaded (one query per page, whatever the number of
    referrals). The queue page filters it with ``filters.ReferralQueueFilterSet``."""
    qs = Referral.objects.for_orgs(scope.org_ids)
    if scope.key_worker_id:
        qs = qs.filter(Q(profile__key_worker_id=scope.key_worker_id) | Q(referred_by_id=scope.user_id))
    # The learner's tier as a subquery, not a join: the paginator's COUNT(*) then drops it and
    # counts from the index alone; the page reads it for its 25 rows only.
    current_tier = (LearnerGuidance.objects.system("correlated subquery on an already scoped referral queryset")
                    .filter(profile_id=OuterRef("profile_id")).values("tier")[:1])
    return (
        qs.select_related("profile__user", "organisation", "referred_by", "allocated_adviser")
        .annotate(current_tier=Coalesce(Subquery(current_tier), Value(Tier.CORE)), queue_rank=QUEUE_RANK)
        .order_by(*REFERRAL_QUEUE_KEYS)
    )


# The queue's order — most urgent, then oldest — as ascending keys for keyset pagination
# (``plp_portal.pagination``): the urgency negated, with an index on that expression
# (``Referral.Meta.indexes``), so any page of the queue is one index range.
QUEUE_RANK = F("urgency") * -1
REFERRAL_QUEUE_KEYS = ("queue_rank", "created_at", "pk")


def referral_get(*, scope: GuidanceScope, referral_id: int) -> Referral:
    """A referral in scope; 404 if missing, another organisation's, outside the partnership, or
    (for a key worker) about someone else's learner."""
    return get_object_or_404(
        referral_queue(scope=scope).select_related("profile__key_worker", "triaged_by", "group_session"),
        pk=referral_id,
    )


def referral_events(*, referral):
    return ReferralEvent.objects.for_org(referral.organisation_id).filter(referral=referral).select_related("by")


def interview_get(*, scope: GuidanceScope, interview_id: int) -> Interview:
    qs = Interview.objects.for_orgs(scope.org_ids)
    if scope.key_worker_id:
        qs = qs.filter(profile__key_worker_id=scope.key_worker_id)
    return get_object_or_404(
        qs.select_related("profile__user", "profile__key_worker", "organisation", "adviser", "referral", "feedback_by")
        .prefetch_related(Prefetch("actions", queryset=ActionItem.objects.for_orgs(scope.org_ids).select_related("target"))),
        pk=interview_id,
    )


def group_session_list(*, scope: GuidanceScope):
    return GroupSession.objects.for_orgs(scope.org_ids).select_related("organisation", "adviser").annotate(
        attended=Count("attendance", filter=Q(attendance__attended=True), distinct=True),
        referred=Count("referrals", distinct=True),
    ).order_by("-held_on", "-pk")


# A page of the attendance register: enough for a tutor group, and a bounded form (2 fields a
# learner) whatever the size of the school — Django refuses a POST of more than 1,000 fields.
ATTENDANCE_PAGE_SIZE = 50


def attendance_candidates(*, scope: GuidanceScope, school_id: int):
    """The school's active learners in name order (the register a group session's attendance is
    chosen from, a page at a time; the page narrows it with ``filters.RegisterFilterSet``)."""
    return learner_search(scope=scope, school_id=school_id)


def _group_order(value: str):
    return (0, int(value), "") if value.isdigit() else (1, 0, value.lower())


def school_learner_groups(*, scope: GuidanceScope, school_id: int) -> dict[str, list[str]]:
    """The tutor groups and year groups of a school's active learners (for the register's
    filters), year 7 before year 10, then named years."""
    learners = _learners(scope).filter(organisation_id=school_id, is_active=True)
    return {
        "tutor_groups": sorted(set(learners.exclude(tutor_group="").values_list("tutor_group", flat=True)
                                   .distinct().order_by()), key=_group_order),
        "year_groups": sorted(set(learners.exclude(year_group="").values_list("year_group", flat=True)
                                  .distinct().order_by()), key=_group_order),
    }


def group_attendance_for(*, session, profile_ids) -> dict[int, GroupAttendance]:
    """The session's attendance rows of these learners, by learner id."""
    return {
        row.profile_id: row
        for row in GroupAttendance.objects.for_org(session.organisation_id)
        .filter(session=session, profile_id__in=list(profile_ids)).select_related("referral")
    }


def group_session_get(*, scope: GuidanceScope, session_id: int) -> GroupSession:
    return get_object_or_404(
        GroupSession.objects.for_orgs(scope.org_ids).select_related("organisation", "adviser").prefetch_related(
            Prefetch("attendance", queryset=GroupAttendance.objects.for_orgs(scope.org_ids)
                     .select_related("profile__user", "referral").order_by("profile__user__full_name"))
        ),
        pk=session_id,
    )


# --- Partnerships -----------------------------------------------------------------------------


def partnership_list(*, org):
    """The service's partnerships for its list, with only the columns the list shows (a page of
    rows loads no agreement, notes or who decided, issue 19); a page's advisers' names come from
    ``partnership_adviser_names``."""
    return (Partnership.objects.for_org(org).select_related("school")
            .only("organisation", "school__name", "academic_year", "starts_on", "ends_on", "status", "replaces",
                  "end_effective_on"))


def partnership_adviser_names(*, org, partnership_ids) -> dict[int, list[str]]:
    """{partnership id: its named advisers' names, alphabetical} for a page of
    ``partnership_list``: one query of names, not two model instances an adviser (issue 19)."""
    names: dict[int, list[str]] = {}
    for partnership_id, name in (PartnershipAdviser.objects.for_org(org).filter(partnership_id__any=partnership_ids)
                                 .order_by("adviser__full_name", "pk").values_list("partnership_id", "adviser__full_name")):
        names.setdefault(partnership_id, []).append(name)
    return names


def partnership_get(*, org, partnership_id: int) -> Partnership:
    return get_object_or_404(
        Partnership.objects.for_org(org).select_related("school").prefetch_related(
            Prefetch("advisers", queryset=PartnershipAdviser.objects.for_org(org).select_related("adviser")),
            Prefetch("objectives", queryset=PartnershipObjective.objects.for_org(org)),
        ),
        pk=partnership_id,
    )


def partnership_pending_change(*, org, partnership) -> Partnership | None:
    """The change to an accepted partnership waiting for the school, if any."""
    if partnership.status != Partnership.Status.ACCEPTED:
        return None
    return Partnership.objects.for_org(org).filter(replaces=partnership, status=Partnership.Status.PROPOSED).first()


def service_advisers(*, org):
    """The careers advisers of the service (for naming on partnerships and allocating)."""
    ids = Membership.objects.for_org(org).filter(role=Role.CAREERS_ADVISER, is_active=True).values("user_id")
    return get_user_model().objects.filter(pk__in=ids).order_by("full_name")


def partnerships_of_school(*, school_id: int, today=None):
    """Current partnerships naming ``school_id``, across careers services — for the school's
    own pages and the learner's choice of adviser (reads the grant from the school's side)."""
    return (
        Partnership.objects.system("a school's own partnerships, from the school's side")
        .filter(Partnership.current_q(today), school_id=school_id)
        .select_related("organisation")
        .prefetch_related(Prefetch("advisers", queryset=PartnershipAdviser.objects.system(
            "named advisers of a school's own partnerships").select_related("adviser")))
    )


def agreements_of_school(*, school):
    """Every partnership naming ``school`` — proposals waiting for it, accepted, declined, ended —
    newest year first (the school's side of the grant: it sees who asked for what)."""
    if school is None:
        raise ValueError("agreements_of_school needs the school")
    return (
        Partnership.objects.system("the partnerships naming a school, read by that school")
        .filter(school_id=school.pk).select_related("organisation", "replaces", "decided_by", "ended_by")
        .prefetch_related(Prefetch("advisers", queryset=PartnershipAdviser.objects.system(
            "named advisers of partnerships naming the school").select_related("adviser")))
        .order_by("-academic_year", "organisation__name", "-pk")
    )


def agreement_get(*, school, agreement_id: int) -> Partnership:
    """A partnership naming ``school``; 404 for one naming another school."""
    return get_object_or_404(agreements_of_school(school=school).prefetch_related(
        Prefetch("objectives", queryset=PartnershipObjective.objects.system(
            "objectives of a partnership naming the school")),
        Prefetch("replaces__advisers", queryset=PartnershipAdviser.objects.system(
            "named advisers of the partnership a change replaces").select_related("adviser")),
    ), pk=agreement_id)


# --- NEET list and dashboards -----------------------------------------------------------------


def latest_actual(field: str, *, outer: str = "pk") -> Subquery:
    """``field`` of the learner's latest actual destination (by date recorded, then id), looked
    up per row of the outer query (``outer``: the learner's profile id there)."""
    return Subquery(
        Destination.objects.system("correlated subquery on an already scoped queryset")
        .filter(profile_id=OuterRef(outer), kind=DestinationKind.ACTUAL)
        .order_by("-recorded_on", "-pk").values(field)[:1]
    )


def neet_list(*, scope: GuidanceScope):
    """Learners of the scope still to follow up until settled (``follow_up.py``: latest actual
    destination NEET, not known or other — or none for a leaver). Oldest leavers first, then by
    name (then id).

    Read from the scope's guidance rows marked ``needs_follow_up``, in the order of the partial
    index ``guidance_follow_up_order_idx`` (the day they left, the copy of the learner's name the
    row keeps, the learner's id): a page reads its rows from the index, not every marked row and
    its person (issue 19). The name shown, the school and the latest destination's category, date
    and follow-up date are looked up for the rows shown. Rows are dicts: profile_id, name, school,
    left_on, latest_category, latest_recorded_on, latest_follow_up_on (and the keys)."""
    rows = LearnerGuidance.objects.for_orgs(scope.org_ids).filter(needs_follow_up=True)
    if scope.key_worker_id:
        rows = rows.filter(profile__key_worker_id=scope.key_worker_id)
    return (
        # The keyset keys (``NEET_KEYS``), the index's expressions: learners who have not left last.
        rows.annotate(left_sort=Coalesce(F("left_on"), Value(FOLLOW_UP_NOT_LEFT)))
        .order_by(*NEET_KEYS)
        .values("profile_id", "left_sort", "follow_up_name", "left_on", name=F("profile__user__full_name"),
                school=F("organisation__name"), latest_category=latest_actual("category", outer="profile_id"),
                latest_recorded_on=latest_actual("recorded_on", outer="profile_id"),
                latest_follow_up_on=latest_actual("follow_up_on", outer="profile_id"))
    )


NEET_KEYS = ("left_sort", "follow_up_name", "profile_id")


def dashboard(*, scope: GuidanceScope, service=None, school_id=None) -> dict:
    """The guidance dashboard's figures, added up from the schools' summaries
    (``figures.py``: O(schools) rows, whatever the number of learners): tier distribution by
    target group (active learners; compared with the service's expected percentages), referrals
    by source and by reason, time to triage (median and 90th percentile of triaged referrals, in
    whole hours waited), destinations summary (latest actual destination per learner, leavers
    included), and when the figures were computed (``refreshed_at``). ``school_id`` narrows to
    one school of the scope (ignored if outside it)."""
    org_ids = scope.org_ids
    if school_id and int(school_id) in org_ids:
        org_ids = (int(school_id),)
    summary = figures_for(school_ids=org_ids)
    counts = summary["counts"]
    totals, above_core = counts[FigureKind.LEARNERS], counts[FigureKind.ABOVE_CORE]
    rows = [
        {"target_group": group, "total": total,
         "filtered": above_core.get(f"{group}:{Tier.FILTERED}", 0),
         "intensive": above_core.get(f"{group}:{Tier.INTENSIVE}", 0)}
        for group, total in sorted(totals.items())
    ]
    expected = expected_shares(org=service) if service is not None else {}
    group_labels = dict(TargetGroup.choices)
    tiers = []
    for row in rows:
        total = row["total"]
        core = total - row["filtered"] - row["intensive"]
        share = expected.get(row["target_group"])

        def pct(n):
            return round(100 * n / total, 1) if total else 0

        tiers.append({
            "target_group": row["target_group"],
            "label": group_labels.get(row["target_group"], row["target_group"]),
            "total": total,
            "core": core, "filtered": row["filtered"], "intensive": row["intensive"],
            "core_pct": pct(core), "filtered_pct": pct(row["filtered"]), "intensive_pct": pct(row["intensive"]),
            "expected": share,
        })

    by_source_counts = counts[FigureKind.SOURCE]
    by_source = [(label, by_source_counts.get(value, 0)) for value, label in ReferralSource.choices]
    by_reason = [(label, counts[FigureKind.REASON].get(value, 0)) for value, label in ReferralReason.choices]
    waited = {int(hours): n for hours, n in counts[FigureKind.TRIAGE_HOURS].items()}

    def hours(p):
        value = percentile_of_histogram(waited, p)
        return None if value is None else datetime.timedelta(hours=value)

    triage = {"n": sum(waited.values()), "median": hours(0.5), "p90": hours(0.9)}

    dest_counts = counts[FigureKind.DESTINATION]
    dest_total = sum(dest_counts.values())
    destinations = [
        (label, dest_counts.get(value, 0), round(100 * dest_counts.get(value, 0) / dest_total, 1) if dest_total else 0)
        for value, label in DestinationCategory.choices
    ]
    return {
        "tiers": tiers,
        "by_source": by_source,
        "by_reason": by_reason,
        "triage": triage,
        "destinations": destinations,
        "destinations_total": dest_total,
        "referrals_total": sum(by_source_counts.values()),
        "open_referrals": counts[FigureKind.OPEN].get("", 0),
        "refreshed_at": summary["refreshed_at"],
    }


# --- The learner's own space ------------------------------------------------------------------


def my_guidance(*, user) -> list[dict]:
    """For /me/guidance/: per school the learner is enrolled in — their identified adviser,
    referrals and interviews (action plans with their targets) whose audience is PLAN (what a
    learner may see, ``learners.permissions``), current partnerships (advisers to choose from).

    One query per kind of row for all the learner's enrolments together, each made whatever it
    finds (the action plans and the named advisers are read through a subquery of the
    interviews and partnerships, not prefetched from them, which would skip the query when
    there are none): the page's queries do not depend on the learner's records. Each interview
    carries its actions as ``plan_actions``, each partnership its advisers as ``adviser_list``."""
    profiles = list(learner_selectors.own_profiles(user=user).filter(is_active=True).select_related("organisation"))
    if not profiles:
        return []
    ids, org_ids = [p.pk for p in profiles], sorted({p.organisation_id for p in profiles})
    guidance = {g.profile_id: g for g in LearnerGuidance.objects.for_orgs(org_ids).filter(profile_id__in=ids)
                .select_related("adviser", "preferred_adviser")}
    referrals = list(Referral.objects.for_orgs(org_ids).filter(profile_id__in=ids, audience=Audience.PLAN)
                     .select_related("allocated_adviser").order_by("-created_at"))
    interviews = (Interview.objects.for_orgs(org_ids).filter(profile_id__in=ids)
                  .filter(_audience(Q(audience=Audience.PLAN))))
    actions: dict[int, list] = {}
    for action in (ActionItem.objects.for_orgs(org_ids).filter(interview__in=interviews.values("pk"))
                   .select_related("target")):
        actions.setdefault(action.interview_id, []).append(action)
    interviews = list(interviews.select_related("adviser", "careers_service"))
    for interview in interviews:
        interview.plan_actions = actions.get(interview.pk, [])
    destinations = list(Destination.objects.for_orgs(org_ids).filter(profile_id__in=ids))
    partnerships = (Partnership.objects.system("a learner's schools' own partnerships, from the schools' side")
                    .filter(Partnership.current_q(), school_id__in=org_ids).select_related("organisation"))
    advisers: dict[int, list] = {}
    for named in (PartnershipAdviser.objects.system("named advisers of a school's own partnerships")
                  .filter(partnership__in=partnerships.values("pk")).select_related("adviser")):
        advisers.setdefault(named.partnership_id, []).append(named)
    partnerships = list(partnerships)
    for partnership in partnerships:
        partnership.adviser_list = advisers.get(partnership.pk, [])

    def of(rows, profile):
        return [row for row in rows if row.profile_id == profile.pk]

    return [{
        "profile": profile,
        "guidance": guidance.get(profile.pk),
        "referrals": of(referrals, profile),
        "interviews": of(interviews, profile),
        "destinations": of(destinations, profile),
        "partnerships": [p for p in partnerships if p.school_id == profile.organisation_id],
    } for profile in profiles]


def my_profile_get(*, user, profile_id=None) -> LearnerProfile:
    profiles = learner_selectors.own_profiles(user=user).filter(is_active=True).select_related("organisation")
    if profile_id:
        profile = profiles.filter(pk=profile_id).first()
    else:
        profile = profiles.order_by("pk").first()
    if profile is None:
        raise Http404("No enrolment")
    return profile


def school_days_between(start: datetime.date, end: datetime.date) -> int:
    """Weekdays after ``start`` up to and including ``end`` (school holidays are not counted out:
    a simple, predictable rule for the triage target)."""
    if end <= start:
        return 0
    days = (end - start).days
    weeks, extra = divmod(days, 7)
    count = weeks * 5
    for i in range(1, extra + 1):
        if (start + datetime.timedelta(days=i)).weekday() < 5:
            count += 1
    return count


