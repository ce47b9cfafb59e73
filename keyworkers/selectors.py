"""Reads of the keyworkers app (keyword-only, organisation first). Lists cost a fixed number of
queries whatever their length: per-row figures are annotated subqueries."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.db.models import (
    Case, Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, Subquery, Sum, Value, When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404

from learners.choices import TARGET_OPEN_STATUSES, ConcernStatus, PlanStatus, TargetStatus, TargetTerm
from learners import selectors as learner_selectors
from learners.models import Concern, LearnerProfile, Plan, PlanShare, PlanSignature, Target
from learners.permissions import PlanViewer, audience_q
from learners.selectors import support_needs_not_reflected, support_needs_reflected
from plp_portal.organisations.models import Term
from plp_portal.tenancy import UnscopedQueryError

from . import schedule
from .choices import OPEN_REVIEW_STATUSES, PROVIDER_RELATIONSHIPS, ReviewStatus
from .models import (
    KeyWorkerAssignment,
    KeyWorkerPreference,
    Review,
    ReviewNewTarget,
    ReviewSettings,
    ReviewTargetEvaluation,
    ScheduleOverride,
    TeamMember,
)


def review_settings_for(*, org) -> ReviewSettings:
    """The organisation's settings (an unsaved row with the defaults if none was saved)."""
    return ReviewSettings.objects.for_org(org).first() or ReviewSettings(organisation=org)


def terms_for(*, org):
    return list(Term.objects.for_org(org).order_by("starts_on"))


def computed_due_dates(*, org, plans) -> dict[int, datetime.date]:
    """{plan id: next review due date} computed from the schedule (last completed review, the
    date agreed at it, the learner's override or the organisation's cadence, the term dates).
    Four queries whatever the number of plans."""
    plans = list(plans)
    if not plans:
        return {}
    settings_row = review_settings_for(org=org)
    terms = terms_for(org=org)
    overrides = {
        o.profile_id: schedule.Rule(o.cadence, o.interval_weeks)
        for o in ScheduleOverride.objects.for_org(org).filter(profile_id__in={p.profile_id for p in plans})
    }
    last = {}
    for plan_id, held_on, due_on, next_on in (
        Review.objects.for_org(org).filter(plan_id__in=[p.pk for p in plans], status=ReviewStatus.COMPLETED)
        .order_by("plan_id", "number").values_list("plan_id", "held_on", "due_on", "next_review_on")
    ):
        last[plan_id] = (held_on, due_on, next_on)
    default = schedule.Rule(settings_row.cadence, settings_row.interval_weeks)
    result = {}
    for plan in plans:
        held_on, due_on, next_on = last.get(plan.pk, (None, None, None))
        result[plan.pk] = schedule.next_due(
            rule=overrides.get(plan.profile_id, default), terms=terms, last_review_on=held_on,
            last_due_on=due_on, plan_starts_on=plan.starts_on, explicit=next_on,
        )
    return result


def review_next_due(*, org, review, today: datetime.date) -> datetime.date:
    """When the review AFTER ``review`` falls due by the learner's schedule: counted from this
    review (its due date and the day it is held, ``today`` if not held yet) — what the review
    form suggests as the next review date. (``computed_due_dates`` counts from the last
    completed review, so for an open review it gives that review's own due date.)"""
    rule, _own = rule_for(org=org, profile=review.plan.profile)
    return schedule.next_due(
        rule=rule, terms=terms_for(org=org), last_review_on=review.held_on or today, last_due_on=review.due_on,
        plan_starts_on=review.plan.starts_on,
    )


def rule_for(*, org, profile) -> tuple[schedule.Rule, bool]:
    """(the learner's review rule, whether it is their own override)."""
    override = ScheduleOverride.objects.for_org(org).filter(profile=profile).first()
    if override:
        return schedule.Rule(override.cadence, override.interval_weeks), True
    row = review_settings_for(org=org)
    return schedule.Rule(row.cadence, row.interval_weeks), False


# --- Caseload --------------------------------------------------------------------------------


def _count(qs):
    return Coalesce(Subquery(qs.order_by().values("plan_id").annotate(n=Count("pk")).values("n")[:1],
                             output_field=IntegerField()), Value(0))


CASELOAD_SORTS = {
    "due": ("open_due_on", "profile__user__full_name", "pk"),
    "name": ("profile__user__full_name", "pk"),
    "risk": ("profile__at_risk_level__order", "open_due_on", "pk"),
    "targets": ("-targets_overdue", "open_due_on", "pk"),
}


EVERY_KEY_WORKER = "every key worker"


def caseload(*, org, key_worker, today: datetime.date, days_ahead: int = 7, viewer_role: str | None = None):
    """The active plans of ``key_worker``'s learners (a user or id; ``EVERY_KEY_WORKER`` for a
    lead's view of everyone's — said explicitly: None raises), annotated with
    the open review (``open_review_id``, ``open_review_number``, ``open_due_on``), the last
    completed review date, open concerns, concern follow-ups overdue, targets due within
    ``days_ahead`` days and overdue, ordered by the next review (``caseload_sorted``). The page
    filters it with ``filters.CaseloadFilterSet``.
    ``viewer_role``: None when the viewer is the key worker of every row (sees every record);
    else the viewer's membership role — the counts then include only records that role may see
    (``learners.permissions.audience_q`` of working staff). One query (plus Paginator's count)."""
    if org is None or key_worker is None:
        raise UnscopedQueryError("caseload needs the organisation and a key worker (or EVERY_KEY_WORKER)")
    visible = Q()
    if viewer_role is not None:
        visible = audience_q(PlanViewer(plan_id=0, organisation_id=org.pk, user_id=0, staff_role=viewer_role))
    open_reviews = Review.objects.for_org(org).filter(plan=OuterRef("pk"), status__in=OPEN_REVIEW_STATUSES)
    open_targets = Target.objects.for_org(org).filter(visible, plan=OuterRef("pk"), status__in=TARGET_OPEN_STATUSES)
    qs = (
        # (the profile's organisation is the plan's: saying so lets PostgreSQL read only this
        # school's learners, not scan every learner of the county to join them)
        Plan.objects.for_org(org).filter(status=PlanStatus.ACTIVE, profile__is_active=True, profile__organisation=org)
        .select_related("profile__user", "profile__at_risk_level", "profile__key_worker")
        .annotate(
            open_review_id=Subquery(open_reviews.values("pk")[:1]),
            open_review_number=Subquery(open_reviews.values("number")[:1]),
            open_review_status=Subquery(open_reviews.values("status")[:1]),
            open_due_on=Subquery(open_reviews.values("due_on")[:1]),
            last_review_on=Subquery(
                Review.objects.for_org(org).filter(plan=OuterRef("pk"), status=ReviewStatus.COMPLETED)
                .order_by("-number").values("held_on")[:1]
            ),
            open_concerns=_count(Concern.objects.for_org(org).filter(visible, plan=OuterRef("pk")).exclude(
                status=ConcernStatus.RESOLVED)),
            targets_due=_count(open_targets.filter(due_on__gte=today, due_on__lte=today + datetime.timedelta(days=days_ahead))),
            targets_overdue=_count(open_targets.filter(due_on__lt=today)),
            # concerns whose follow-up date has passed (the daily job reminds their owner too)
            follow_ups_overdue=_count(Concern.objects.for_org(org).filter(
                visible, plan=OuterRef("pk"), follow_up_on__lt=today).exclude(status=ConcernStatus.RESOLVED)),
        )
    )
    if key_worker != EVERY_KEY_WORKER:
        qs = qs.filter(profile__key_worker=key_worker)
    return caseload_sorted(qs, "due")


def caseload_sorted(qs, sort: str):
    """``qs`` (a ``caseload``) in one of the ``CASELOAD_SORTS`` orders (an unknown one: "due")."""
    order = CASELOAD_SORTS.get(sort, CASELOAD_SORTS["due"])
    first, *rest = order
    if first.lstrip("-") in ("open_due_on",):
        first_expr = F("open_due_on").asc(nulls_first=True)
    elif first.startswith("-"):
        first_expr = F(first[1:]).desc()
    elif first == "profile__at_risk_level__order":
        first_expr = F(first).asc(nulls_last=True)
    else:
        first_expr = F(first).asc()
    return qs.order_by(first_expr, *rest)


def caseload_rows(*, org, plans, today: datetime.date):
    """Add ``next_due_on`` (the open review's date, else computed) and ``is_overdue`` to a page
    of ``caseload`` rows. Four queries at most, whatever the page size."""
    plans = list(plans)
    missing = [p for p in plans if p.open_due_on is None]
    computed = computed_due_dates(org=org, plans=missing) if missing else {}
    for plan in plans:
        plan.next_due_on = plan.open_due_on or computed.get(plan.pk)
        plan.is_estimated = plan.open_due_on is None
        plan.is_overdue = plan.next_due_on is not None and plan.next_due_on < today
        plan.due_this_week = plan.next_due_on is not None and today <= plan.next_due_on <= today + datetime.timedelta(days=7)
    return plans


def learners_without_plan(*, org, key_worker):
    return (
        LearnerProfile.objects.for_org(org).filter(key_worker=key_worker, is_active=True)
        .exclude(plans__status=PlanStatus.ACTIVE).select_related("user")
    )


def plans_without_open_review(*, org):
    """Active plans of ``org`` with no scheduled or in-progress review (one query). ``org`` is
    required: a missing organisation raises, it never means every organisation's plans (the
    daily job says so explicitly with ``plans_without_open_review_everywhere``)."""
    if org is None:
        raise UnscopedQueryError("plans_without_open_review(org=None): no organisation was resolved")
    reviews = Review.objects.for_org(org).filter(plan=OuterRef("pk"), status__in=OPEN_REVIEW_STATUSES)
    return _without_open_review(Plan.objects.for_org(org), reviews)


def plans_without_open_review_everywhere(*, reason: str):
    """Every organisation's active plans with no open review — system work that states why."""
    reviews = Review.objects.system(reason).filter(plan=OuterRef("pk"), status__in=OPEN_REVIEW_STATUSES)
    return _without_open_review(Plan.objects.system(reason), reviews)


def _without_open_review(plans, reviews):
    return (
        plans.filter(status=PlanStatus.ACTIVE, profile__is_active=True, profile__key_worker__isnull=False)
        .filter(~Exists(reviews)).select_related("organisation", "profile")
    )


# --- Team ------------------------------------------------------------------------------------


def preference_current(*, org, profile):
    """The learner's current key-worker preference (the newest), or None."""
    return (KeyWorkerPreference.objects.for_org(org).filter(profile=profile)
            .select_related("preferred_user", "recorded_by").first())


def team_for(*, org, profile) -> dict:
    return {
        "assignments": list(KeyWorkerAssignment.objects.for_org(org).filter(profile=profile)
                            .select_related("key_worker", "assigned_by")),
        "members": list(TeamMember.objects.for_org(org).filter(profile=profile).select_related("user")),
        "preferences": list(KeyWorkerPreference.objects.for_org(org).filter(profile=profile)
                            .select_related("preferred_user", "recorded_by")),
        "override": ScheduleOverride.objects.for_org(org).filter(profile=profile).first(),
    }


def team_member_get(*, org, team_member_id: int) -> TeamMember:
    return get_object_or_404(TeamMember.objects.for_org(org).select_related("profile"), pk=team_member_id)


# --- Reviews ---------------------------------------------------------------------------------


def review_get(*, org, review_id: int) -> Review:
    return get_object_or_404(
        Review.objects.for_org(org).select_related(
            "plan__profile__user", "plan__profile__key_worker", "organisation", "key_worker",
            "kw_signed_by", "learner_signed_by", "provider_signed_by", "cancelled_by",
        ),
        pk=review_id,
    )


def reviews_for_plan(*, plan):
    """Every review of the plan, in order (cancelled ones included, with their reason)."""
    return plan.reviews.select_related("kw_signed_by", "learner_signed_by", "provider_signed_by",
                                       "cancelled_by").order_by("number")


def review_targets(*, review, viewer):
    """(evaluations as a list of (target, evaluation or None) for the plan's open short-term
    targets visible to ``viewer`` — plus those already evaluated —, the new draft targets,
    the plan's long-term targets for the new targets' parents)."""
    evaluations = {e.target_id: e for e in review.evaluations.all()}
    targets = (
        review.plan.targets.filter(audience_q(viewer))
        .filter(Q(term=TargetTerm.SHORT, status__in=TARGET_OPEN_STATUSES, created_at__lt=review.kw_signed_at or datetime.datetime.max.replace(tzinfo=datetime.UTC))
                | Q(pk__in=list(evaluations)))
        .exclude(source_type="keyworkers.review", source_id=str(review.pk))
        .select_related("area", "parent").order_by("due_on", "pk")
    )
    long_term = review.plan.targets.filter(audience_q(viewer), term=TargetTerm.LONG).order_by("due_on", "pk")
    return (
        [(t, evaluations.get(t.pk)) for t in targets],
        list(review.new_targets.select_related("parent", "created_target")),
        list(long_term),
    )


def reviews_of_record(*, plan, viewer, review_id: int | None = None) -> list:
    """The plan's reviews (or the one ``review_id``) with what ``viewer`` may see of them:
    evaluations of visible targets, agreed targets, signers. Four queries whatever the number
    of reviews. Callers check ``can_read_reviews`` first."""

    org_id = plan.organisation_id
    evaluations = (ReviewTargetEvaluation.objects.for_org(org_id)
                   .filter(audience_q(viewer, prefix="target__")).select_related("target"))
    new_targets = ReviewNewTarget.objects.for_org(org_id)
    visible_created = audience_q(viewer, prefix="created_target__")
    if visible_created:  # Q() (the key worker sees every target) is falsy: no filter then
        new_targets = new_targets.filter(Q(created_target__isnull=True) | visible_created)
    reviews = Review.objects.for_org(org_id).filter(plan_id=plan.pk)
    if review_id is not None:
        reviews = reviews.filter(pk=review_id)
    return list(
        reviews.select_related("key_worker", "kw_signed_by", "learner_signed_by", "provider_signed_by",
                               "cancelled_by")
        .prefetch_related(Prefetch("evaluations", queryset=evaluations),
                          Prefetch("new_targets", queryset=new_targets.select_related("created_target")))
        .order_by("number")
    )


def review_period_start(*, review) -> datetime.date:
    """The start of the period a review looks back on: the previous completed review's date,
    or the plan's start."""
    previous = (
        review.plan.reviews.filter(status=ReviewStatus.COMPLETED, number__lt=review.number)
        .order_by("-number").values_list("held_on", flat=True).first()
    )
    return previous or review.plan.starts_on


def my_reviews(*, user):
    """The learner's own reviews across their organisations, newest first."""
    org_ids = learner_selectors.own_org_ids(user=user)
    return (
        Review.objects.for_orgs(org_ids).filter(plan__profile__user=user)
        .select_related("plan", "organisation", "key_worker").order_by("-due_on", "-number")
    )


def reviews_to_sign_as_provider(*, user):
    """Reviews waiting for ``user``'s signature as the learner's employer / off-site provider
    (through an active share of the plan)."""
    shares = PlanShare.objects.system("a person's own plan grants, across organisations").filter(
        PlanShare.active_q(), grantee_id=user.pk, relationship__in=PROVIDER_RELATIONSHIPS
    )
    org_ids = set(shares.values_list("organisation_id", flat=True))
    return (
        Review.objects.for_orgs(org_ids)
        .filter(plan_id__in=shares.values("plan_id"), needs_provider=True, learner_signed_at__isnull=False,
                status=ReviewStatus.IN_PROGRESS)
        .select_related("plan__profile__user", "organisation")
    )


def review_for_me(*, user, review_id: int) -> Review:
    """A review the signed-in person may open in /me/reviews/: their own, or one shared with
    them as the learner's employer/provider. 404 otherwise."""
    org_ids = set(learner_selectors.own_org_ids(user=user))
    review = Review.objects.for_orgs(org_ids).filter(plan__profile__user=user, pk=review_id).select_related(
        "plan__profile__user", "organisation", "key_worker").first()
    if review is None:
        review = get_object_or_404(reviews_to_sign_as_provider(user=user).select_related("key_worker"), pk=review_id)
    return review


# --- Reviews that moved with the learner (issue 13) ----------------------------------------


def transferred_review(*, org, profile, user, review_id: int):
    """A completed review of ``profile``'s learner at a previous organisation that a consented
    record transfer lets ``user`` (staff of ``org``) read, with what the transfer lets them see
    of it (``reviews_of_record`` through the transfer's viewer: evaluations and agreed targets of
    plan-audience targets, staff ones only with consent, restricted never). Returns
    ``(review, viewer, transfer)``; 404 for anything else (no grant, a draft, another learner's).
    Reached only through ``learners.selectors.transfer_grants``."""
    for transfer in learner_selectors.transfer_grants(org=org, profile=profile):
        review = (Review.objects.for_org(transfer.organisation_id)
                  .filter(pk=review_id, plan__profile_id=transfer.profile_id, status=ReviewStatus.COMPLETED)
                  .select_related("plan__organisation", "plan__profile__user").first())
        if review is not None:
            viewer = learner_selectors.transfer_viewer(transfer=transfer, plan=review.plan, user=user)
            full = reviews_of_record(plan=review.plan, viewer=viewer, review_id=review.pk)[0]
            full.plan = review.plan
            return full, viewer, transfer
    raise Http404("No such review")


def transferred_reviews(*, org, profile, user) -> list:
    """Every completed review of the learner's plans at previous organisations that consented
    transfers let ``user`` read, oldest first per plan (for the progress file), each with its
    ``plan`` and ``transfer``. A few queries per transfer (a learner's few)."""
    rows = []
    for transfer in learner_selectors.transfer_grants(org=org, profile=profile):
        plans = learner_selectors.plans_of_transfer(transfer=transfer)
        for plan in plans:
            viewer = learner_selectors.transfer_viewer(transfer=transfer, plan=plan, user=user)
            for review in reviews_of_record(plan=plan, viewer=viewer):
                if review.status == ReviewStatus.COMPLETED:
                    review.plan, review.transfer = plan, transfer
                    rows.append(review)
    return rows


# --- Quality of the ILP process --------------------------------------------------------------

NONE = "none"  # the quality links' value for "no tutor group" / "no key worker"
QUALITY_METRICS = {
    "learners": "Learners",
    "with_plan": "With a plan",
    "contract_signed": "Learning contract signed",
    "reviewed_on_time": "Reviewed on time this half term",
    "with_achieved": "With a target achieved",
    "with_overdue": "With a target overdue",
    "needs_not_reflected": "Support needs not reflected in targets",
}


def _quality_conditions(*, org, today, period) -> dict:
    """name -> Exists(...) over a LearnerProfile row (OuterRef "pk")."""
    active_plans = Plan.objects.for_org(org).filter(profile=OuterRef("pk"), status=PlanStatus.ACTIVE)
    targets = Target.objects.for_org(org).filter(plan__profile=OuterRef("pk"), plan__status=PlanStatus.ACTIVE)
    on_time = Review.objects.for_org(org).filter(plan__profile=OuterRef("pk"), status=ReviewStatus.COMPLETED)
    if period:
        on_time = on_time.filter(held_on__gte=period[0], held_on__lte=period[1]).filter(held_on__lte=F("due_on"))
    else:
        on_time = on_time.filter(pk__in=[])
    return {
        "with_plan": Exists(active_plans),
        "contract_signed": Exists(Plan.objects.for_org(org).filter(
            profile=OuterRef("pk"), status=PlanStatus.ACTIVE,
            pk__in=PlanSignature.objects.for_org(org).filter(role="learner").values("plan_id"),
        ).filter(pk__in=PlanSignature.objects.for_org(org).filter(role="tutor").values("plan_id"))),
        "reviewed_on_time": Exists(on_time),
        "with_achieved": Exists(targets.filter(status=TargetStatus.ACHIEVED)),
        "with_overdue": Exists(targets.filter(status__in=TARGET_OPEN_STATUSES, due_on__lt=today)),
    }


def quality_overview(*, org, today: datetime.date) -> dict:
    """The quality-of-ILP figures, aggregated in SQL: overall, by tutor group and by key worker
    (three aggregate queries), plus the organisation's "needs reflected" figure
    (``learners.selectors.support_needs_reflected``)."""
    period = schedule.current_period(terms=terms_for(org=org), today=today)
    conditions = _quality_conditions(org=org, today=today, period=period)

    def sums():
        return {name: Sum(Case(When(condition, then=1), default=0, output_field=IntegerField()))
                for name, condition in conditions.items()}

    profiles = LearnerProfile.objects.for_org(org).filter(is_active=True)
    overall = profiles.aggregate(learners=Count("pk"), **sums())
    by_group = list(profiles.values("tutor_group").annotate(learners=Count("pk"), **sums()).order_by("tutor_group"))
    by_worker = list(
        profiles.values("key_worker_id", "key_worker__full_name").annotate(learners=Count("pk"), **sums())
        .order_by("key_worker__full_name")
    )
    not_reflected = list(LearnerProfile.objects.for_org(org).filter(pk__in=_needs_not_reflected_ids(org=org))
                         .values_list("tutor_group", "key_worker_id"))
    for row in by_group:
        row["filter"] = urlencode({"group": row["tutor_group"] or NONE})
        row["needs_not_reflected"] = sum(1 for group, _ in not_reflected if group == row["tutor_group"])
    for row in by_worker:
        row["filter"] = urlencode({"worker": row["key_worker_id"] or NONE})
        row["needs_not_reflected"] = sum(1 for _, kw in not_reflected if kw == row["key_worker_id"])
    reflected = support_needs_reflected(org=org)
    return {
        "period": period,
        "overall": overall,
        "by_group": by_group,
        "by_worker": by_worker,
        "needs": {**reflected, "not_reflected": reflected["with_needs"] - reflected["reflected"]},
    }


def quality_learners(*, org):
    """The active learners the quality figures count, by name; ``filters.QualityLearnersFilterSet``
    narrows them to those behind one figure (``quality_narrowed``). The learner list's query
    (``learners.selectors.learner_list``): names read per learner of the school, the page's users
    after the LIMIT — a join would read every user of the county for one school's page (issue 19)."""
    return learner_selectors.learner_list(org=org)


def quality_narrowed(queryset, *, org, today: datetime.date, metric: str, value: bool = True):
    """Those of ``queryset`` behind one figure of the quality page (``value=False``: those without)."""
    if metric == "needs_not_reflected":
        ids = _needs_not_reflected_ids(org=org)
        return queryset.filter(pk__in=ids) if value else queryset.exclude(pk__in=ids)
    if metric in QUALITY_METRICS and metric != "learners":
        period = schedule.current_period(terms=terms_for(org=org), today=today)
        condition = _quality_conditions(org=org, today=today, period=period)[metric]
        return queryset.filter(condition if value else ~condition)
    return queryset


def _needs_not_reflected_ids(*, org) -> list[int]:
    """Learners with recorded support need areas and no target (not withdrawn) in one of them on
    an active plan (``learners.selectors.support_needs_not_reflected``)."""
    return support_needs_not_reflected(org=org)[1]
