"""The careers service dashboard's figures and the local authority's outcome figures, kept per
school as a summary (issue 19).

Why a summary table and not a materialised view: the figures are per school and a dashboard
adds up the schools it shows (a service's partner schools, or one school), so the natural unit
of refresh is one school. A materialised view can only be refreshed whole (every school of the
county for one referral triaged), cannot carry row-level security, and would still need the
worker; a table of counts per (school, kind, key) is recomputed for just the schools that
changed, with a handful of GROUP BY queries over that school's rows.

How it is kept current:
- every write that changes a school's figures (a referral made, triaged, withdrawn or closed; a
  tier set; a destination recorded; an enrolment ending or restarting; a transfer) calls
  ``figures_mark_stale(school_id=…)`` in its own transaction — one upsert of the school's state
  row, no broker, no request waiting;
- the worker's ``guidance.figures_refresh_stale`` (Celery beat, every minute) recomputes the
  stale schools set-based and clears their flag (so the dashboard lags a write by about a
  minute, and if Redis or the worker is down the figures are late, never wrong for long);
- ``guidance.figures_refresh_daily`` recomputes every school once a night: what changes a
  school's figures without a guidance event (a learner enrolled, a target group moved on at the
  new year) is caught there, and so is anything a marker missed;
- ``seed_county``/``seed_demo`` compute the figures of the data they generate.

The dashboard (``selectors.dashboard``) and the authority's outcomes (``outcomes.py``: leavers by
year, destination, age and year group; referrals made and triage waits by academic year; tiers
from the dashboard's learner counts) read the rows of the schools they show: O(schools), not
O(learners). Percentiles of the time to triage come from a histogram of whole hours waited
(exact for waits in whole hours; otherwise at most an hour short, i.e. under 0.05 of the days the
page shows)."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from learners.models import LearnerProfile
from plp_portal.clock import academic_year_of
from plp_portal.organisations.choices import OrganisationKind
from plp_portal.organisations.models import Organisation

from .choices import DestinationKind, FigureKind, ReferralReason, ReferralStatus, Tier
from .models import Destination, Referral, SchoolFigure, SchoolFiguresState

# The organisations whose learners have guidance figures.
SCHOOL_KINDS = (OrganisationKind.SCHOOL, OrganisationKind.COLLEGE, OrganisationKind.TRAINING_PROVIDER)
# A flag set less than this before a refresh began stays set: the refresh may not have seen the
# write that set it (not yet committed), so the next minute's job recomputes that school again.
_SETTLE = datetime.timedelta(seconds=60)


def figures_mark_stale(*, school_id: int) -> None:
    """Record (in the caller's transaction) that ``school_id``'s figures are out of date."""
    now = timezone.now()
    state, created = SchoolFiguresState.objects.for_org(school_id).get_or_create(
        organisation_id=school_id, defaults={"stale_since": now})
    if not created and state.stale_since is None:
        SchoolFiguresState.objects.for_org(school_id).filter(pk=state.pk, stale_since__isnull=True).update(
            stale_since=now)


def figures_compute(*, school_ids) -> list[SchoolFigure]:
    """The figure rows of ``school_ids``, computed set-based (one GROUP BY per kind for all the
    schools together; the triage histogram from the triaged referrals' two timestamps)."""
    ids = sorted(set(school_ids))
    rows: list[SchoolFigure] = []

    def add(org_id, kind, key, n):
        if n:
            rows.append(SchoolFigure(organisation_id=org_id, kind=kind, key=key or "", n=n))

    learners = LearnerProfile.objects.for_orgs(ids).filter(is_active=True)
    for org_id, group, n in learners.values_list("organisation_id", "target_group").annotate(n=Count("*")).order_by():
        add(org_id, FigureKind.LEARNERS, group, n)
    above_core = (learners.filter(guidance__tier__in=[Tier.FILTERED, Tier.INTENSIVE],
                                  guidance__organisation_id__any=ids)
                  .values_list("organisation_id", "guidance__organisation_id", "target_group", "guidance__tier")
                  .annotate(n=Count("pk")).order_by())
    for org_id, guidance_org_id, group, tier, n in above_core:
        if org_id == guidance_org_id:  # the learner's own school's guidance row
            add(org_id, FigureKind.ABOVE_CORE, f"{group}:{tier}", n)

    referrals = Referral.objects.for_orgs(ids)
    for org_id, source, n in referrals.values_list("organisation_id", "source").annotate(n=Count("pk")).order_by():
        add(org_id, FigureKind.SOURCE, source, n)
    reason_counts = referrals.values("organisation_id").annotate(**{
        value: Count("pk", filter=Q(reasons__contains=f",{value},")) for value in ReferralReason.values
    }).order_by()
    for row in reason_counts:
        for value in ReferralReason.values:
            add(row["organisation_id"], FigureKind.REASON, value, row[value])
    for org_id, n in (referrals.filter(status=ReferralStatus.NEW).values_list("organisation_id")
                      .annotate(n=Count("pk")).order_by()):
        add(org_id, FigureKind.OPEN, "", n)
    hours: dict[tuple[int, int], int] = defaultdict(int)
    made: dict[tuple[int, int], int] = defaultdict(int)  # (school, academic year made)
    hours_of_year: dict[tuple[int, int, int], int] = defaultdict(int)
    for org_id, created_at, triaged_at in (referrals.values_list("organisation_id", "created_at", "triaged_at")
                                           .iterator()):
        year = academic_year_of(timezone.localtime(created_at).date())
        made[(org_id, year)] += 1
        if triaged_at is not None:
            waited = max(0, int((triaged_at - created_at).total_seconds() // 3600))
            hours[(org_id, waited)] += 1
            hours_of_year[(org_id, year, waited)] += 1
    for (org_id, hour), n in hours.items():
        add(org_id, FigureKind.TRIAGE_HOURS, str(hour), n)
    for (org_id, year), n in made.items():
        add(org_id, FigureKind.REFERRALS_MADE, str(year), n)
    for (org_id, year, hour), n in hours_of_year.items():
        add(org_id, FigureKind.TRIAGE_HOURS_YEAR, f"{year}|{hour}", n)
    from .outcomes import leaver_counts  # (outcomes reads these figures: imported here, not above)

    for org_id, group, year, category, age, n in leaver_counts(school_ids=ids):
        add(org_id, FigureKind.LEAVERS, leavers_key(year=year, category=category, age=age, group=group), n)

    # Each learner's latest actual destination: the actual destinations with no later one for
    # the same learner (an anti-join over destinations, not a subquery per learner).
    later = Destination.objects.system("correlated anti-join on an already scoped queryset").filter(
        profile_id=OuterRef("profile_id"), kind=DestinationKind.ACTUAL,
    ).filter(Q(recorded_on__gt=OuterRef("recorded_on")) | Q(recorded_on=OuterRef("recorded_on"), pk__gt=OuterRef("pk")))
    latest = (Destination.objects.for_orgs(ids).filter(kind=DestinationKind.ACTUAL).filter(~Exists(later))
              .values_list("organisation_id", "category").annotate(n=Count("pk")).order_by())
    for org_id, category, n in latest:
        add(org_id, FigureKind.DESTINATION, category, n)
    return rows


def leavers_key(*, year: int, category: str, age: int | None, group: str) -> str:
    """A LEAVERS row's key: "year|category|age|year group" (the year first: a range of years is
    a range of keys; the year group last: it is free text)."""
    return f"{year}|{category}|{'' if age is None else age}|{group}"[:80]


def leaver_rows(*, school_ids, first_year: int, last_year: int) -> list[tuple]:
    """``leaver_counts``'s rows (school id, year group, academic year, destination category, age,
    leavers) for the years ``first_year``–``last_year``, read from the schools' LEAVERS figures."""
    result = []
    for org_id, key, n in (SchoolFigure.objects.for_orgs(school_ids)
                           .filter(kind=FigureKind.LEAVERS, key__gte=f"{first_year}|", key__lt=f"{last_year + 1}|")
                           .values_list("organisation_id", "key", "n")):
        year, category, age, group = key.split("|", 3)
        result.append((org_id, group, int(year), category, int(age) if age else None, n))
    return result


def figures_by_school(*, school_ids, kinds, key_prefix: str = "") -> dict[str, dict[int, dict[str, int]]]:
    """{kind: {school id: {key: n}}} of ``kinds`` (keys starting with ``key_prefix``, which is
    then left out of the key)."""
    result: dict[str, dict[int, dict[str, int]]] = {kind: defaultdict(dict) for kind in kinds}
    rows = SchoolFigure.objects.for_orgs(school_ids).filter(kind__in=kinds)
    if key_prefix:
        rows = rows.filter(key__startswith=key_prefix)
    for org_id, kind, key, n in rows.values_list("organisation_id", "kind", "key", "n"):
        result[kind][org_id][key[len(key_prefix):]] = n
    return result


def figures_refreshed_at(*, school_ids):
    """The oldest refresh of ``school_ids``' figures (None if one was never computed)."""
    states = list(SchoolFiguresState.objects.for_orgs(school_ids).values_list("refreshed_at", flat=True))
    return None if len(states) < len(set(school_ids)) or None in states else min(states)


def figures_refresh(*, school_ids=None) -> int:
    """Recompute the figures of ``school_ids`` (None: every school) and mark them current;
    returns the number of schools. One transaction: a dashboard reads the old rows or the new."""
    started = timezone.now()
    if school_ids is None:
        school_ids = list(Organisation.objects.filter(kind__in=SCHOOL_KINDS).values_list("pk", flat=True))
    ids = sorted(set(school_ids))
    for chunk in (ids[i:i + 200] for i in range(0, len(ids), 200)):
        with transaction.atomic():
            rows = figures_compute(school_ids=chunk)
            SchoolFigure.objects.for_orgs(chunk).delete()
            SchoolFigure.objects.bulk_create(rows, batch_size=2000)
            states = SchoolFiguresState.objects.for_orgs(chunk)
            have = set(states.values_list("organisation_id", flat=True))
            SchoolFiguresState.objects.bulk_create([
                SchoolFiguresState(organisation_id=org_id, refreshed_at=started) for org_id in chunk if org_id not in have
            ])
            states.update(refreshed_at=started)
            states.filter(stale_since__lt=started - _SETTLE).update(stale_since=None)
    return len(ids)


def figures_refresh_stale() -> int:
    """Recompute the schools marked stale (the worker, every minute); returns how many."""
    stale = list(SchoolFiguresState.objects.system("the worker refreshes every stale school's figures")
                 .filter(stale_since__isnull=False).values_list("organisation_id", flat=True))
    return figures_refresh(school_ids=stale) if stale else 0


# The kinds the careers service dashboard shows (the others are the authority's, by year).
DASHBOARD_KINDS = (FigureKind.LEARNERS, FigureKind.ABOVE_CORE, FigureKind.SOURCE, FigureKind.REASON,
                   FigureKind.OPEN, FigureKind.TRIAGE_HOURS, FigureKind.DESTINATION)


def figures_for(*, school_ids) -> dict:
    """The dashboard's figures of ``school_ids`` added up by PostgreSQL: {kind: {key: n}} (a
    row per kind and key, however many schools), and ``refreshed_at`` (the oldest refresh of
    those schools; None if one was never computed)."""
    totals: dict[str, dict[str, int]] = {kind: defaultdict(int) for kind in DASHBOARD_KINDS}
    for kind, key, n in (SchoolFigure.objects.for_orgs(school_ids).filter(kind__in=DASHBOARD_KINDS)
                         .values_list("kind", "key").annotate(n=Sum("n")).order_by()):
        totals[kind][key] = n
    return {"counts": totals, "refreshed_at": figures_refreshed_at(school_ids=school_ids)}


def percentile_of_histogram(histogram: dict[int, int], p: float) -> float | None:
    """PostgreSQL's ``percentile_cont(p)`` of the values in ``histogram`` ({value: count})."""
    total = sum(histogram.values())
    if not total:
        return None
    k = (total - 1) * p
    lo_index, frac = int(k), k - int(k)

    def value_at(index):
        seen = 0
        for value in sorted(histogram):
            seen += histogram[value]
            if index < seen:
                return value
        return max(histogram)

    lo = value_at(lo_index)
    hi = value_at(min(lo_index + 1, total - 1))
    return lo + (hi - lo) * frac
