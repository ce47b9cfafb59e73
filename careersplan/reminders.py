"""Reminders of the annual careers plan cycle, computed set-based from the database each day
(called by ``notifications.daily_reminders``) and recorded idempotently with
``reminders_add`` — the due date is fixed per phase, so re-runs add nothing.

- planning (from 1 June): next academic year's plan is to be written — leads whose school has
  no plan for it yet, or whose plan is still being planned;
- monitoring (from 1 September): leads whose plan for the year is still in planning;
- review (from 1 April): leads whose plan for the year is not yet in review;
- approval: after the authority's deadline, leads whose plan is not approved;
- recommendations (issue 15): the school's leads, from two weeks before an unanswered
  recommendation of the authority is due; the authority's officers once it is overdue.

Each phase reminder is offered during its first month only (June, September, April)."""

import datetime

from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse

from plp_portal import clock
from plp_portal.clock import academic_year_of
from plp_portal.notifications.models import Reminder
from plp_portal.notifications.services import reminders_add
from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Membership

from .choices import Phase, RecommendationStatus
from .models import ApprovalDeadline, CareersPlan, GoverningBodyApproval, Recommendation
from .selectors import PLAN_KINDS

SYSTEM = "careers plan reminders: the daily job across organisations"


def _leads():
    return Membership.objects.system(SYSTEM).filter(
        role=Role.CAREERS_LEAD, is_active=True, organisation__kind__in=PLAN_KINDS
    ).select_related("organisation")


def _url(org_slug):
    return reverse("careersplan:index", kwargs={"org_slug": org_slug})


def _phase_due(today: datetime.date):
    """(kind, academic year, due date, plan phases that still need the reminder, title)."""
    if today.month == 6:
        year = today.year
        return ("careersplan.planning", year, datetime.date(year, 6, 1),
                [Phase.PLANNING], f"Plan next year's careers programme: annual careers plan "
                f"{clock.academic_year_label(year)} (June / July)")
    if today.month == 9:
        year = today.year
        return ("careersplan.monitoring", year, datetime.date(year, 9, 1), [Phase.PLANNING],
                f"Start monitoring the annual careers plan {clock.academic_year_label(year)}: "
                f"record evidence of implementation")
    if today.month == 4:
        year = today.year - 1
        return ("careersplan.review", year, datetime.date(today.year, 4, 1),
                [Phase.PLANNING, Phase.MONITORING],
                f"Review the annual careers plan {clock.academic_year_label(year)}: views of "
                f"students, parents, employers and providers; actions for next year")
    return None


def collect(*, today: datetime.date) -> int:
    reminders = []
    due = _phase_due(today)
    if due is not None:
        kind, year, due_on, open_phases, title = due
        plan_done = CareersPlan.objects.system(SYSTEM).filter(
            organisation_id=OuterRef("organisation_id"), academic_year=year
        ).exclude(phase__in=open_phases)
        leads = _leads().annotate(done=Exists(plan_done)).filter(done=False)
        if kind == "careersplan.monitoring" or kind == "careersplan.review":
            # Only schools that have a plan for the year to move on.
            leads = leads.filter(Exists(CareersPlan.objects.system(SYSTEM).filter(
                organisation_id=OuterRef("organisation_id"), academic_year=year)))
        reminders += [
            Reminder(organisation_id=m.organisation_id, recipient_id=m.user_id, kind=kind,
                     subject_key=f"careersplan:{m.organisation_id}:{year}", due_on=due_on,
                     title=title, url=_url(m.organisation.slug))
            for m in leads
        ]
    # The authority's approval deadline has passed and the plan is not approved.
    deadline = ApprovalDeadline.objects.system(SYSTEM).filter(
        organisation_id=OuterRef("organisation__parent_id"), approve_by__lte=today,
        academic_year=academic_year_of(today),
    )
    approved = GoverningBodyApproval.objects.system(SYSTEM).filter(
        organisation_id=OuterRef("organisation_id"), plan__academic_year=OuterRef("year"),
    )
    late = (
        _leads().filter(organisation__parent__isnull=False)
        .annotate(year=Subquery(deadline.order_by("-academic_year").values("academic_year")[:1]),
                  approve_by=Subquery(deadline.order_by("-academic_year")
                                      .values("approve_by")[:1]))
        .filter(~Q(year=None))
        .annotate(approved=Exists(approved)).filter(approved=False)
    )
    reminders += [
        Reminder(organisation_id=m.organisation_id, recipient_id=m.user_id,
                 kind="careersplan.approval_overdue",
                 subject_key=f"careersplan:{m.organisation_id}:{m.year}", due_on=m.approve_by,
                 title=f"The governing body's approval of the annual careers plan "
                       f"{clock.academic_year_label(m.year)} was due by {m.approve_by:%-d %B %Y}",
                 url=_url(m.organisation.slug))
        for m in late
    ]
    reminders += _recommendation_reminders(today)
    if reminders:
        reminders_add(reminders)
    return len(reminders)


RECOMMENDATION_NOTICE_DAYS = 14


def _recommendation_reminders(today: datetime.date) -> list[Reminder]:
    """Three queries whatever the number of recommendations: the unanswered ones due within the
    notice period, and the leads of their schools and the officers of their authorities."""
    due = list(Recommendation.objects.system(SYSTEM)
               .filter(status=RecommendationStatus.OPEN,
                       due_on__lte=today + datetime.timedelta(days=RECOMMENDATION_NOTICE_DAYS))
               .select_related("organisation", "authority", "plan"))
    if not due:
        return []
    people: dict[tuple[int, str], list[int]] = {}
    for m in Membership.objects.system(SYSTEM).filter(
            is_active=True, role__in=[Role.CAREERS_LEAD, Role.LA_OFFICER],
            organisation_id__in={r.organisation_id for r in due} | {r.authority_id for r in due}):
        people.setdefault((m.organisation_id, m.role), []).append(m.user_id)
    result = []
    for r in due:
        url = reverse("careersplan:recommendation_answer", kwargs={
            "org_slug": r.organisation.slug, "plan_id": r.plan_id, "recommendation_id": r.pk})
        result += [
            Reminder(organisation_id=r.organisation_id, recipient_id=user_id, kind="careersplan.recommendation_due",
                     subject_key=f"careersplan:recommendation:{r.pk}", due_on=r.due_on,
                     title=f"{r.authority.name}'s recommendation on the careers plan {r.plan.year_label} is due by "
                           f"{r.due_on:%-d %B %Y}: answer it on the plan", url=url)
            for user_id in people.get((r.organisation_id, Role.CAREERS_LEAD), [])
        ]
        if r.due_on < today:
            result += [
                Reminder(organisation_id=r.authority_id, recipient_id=user_id,
                         kind="careersplan.recommendation_overdue",
                         subject_key=f"careersplan:recommendation:{r.pk}", due_on=r.due_on,
                         title=f"{r.organisation.name} has not answered your recommendation due "
                               f"{r.due_on:%-d %B %Y}",
                         url=reverse("careersplan:authority_recommendations",
                                     kwargs={"org_slug": r.authority.slug}))
                for user_id in people.get((r.authority_id, Role.LA_OFFICER), [])
            ]
    return result
