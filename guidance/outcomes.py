"""Outcome figures of a local authority's schools (issue 15; DESIGN.md tenancy rule 4 and "where the
next capabilities live": guidance owns destinations and tiers, so it owns their aggregates).

Aggregates only. Every count is computed in SQL (GROUP BY), so the number of queries does not
grow with schools, leavers or years; Python only pivots the grouped rows into tables and applies
disclosure control (``guidance.disclosure``) before anything reaches a page or a CSV. Nothing here
returns a learner, a name or an id of a learner.

Who is a leaver: a learner whose guidance record has ``left_on`` (the school recorded the day they
left); their year is the academic year (1 September–31 August) of that day, their year group the
one on their profile, their destination the latest ACTUAL destination recorded (none: not known).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Case, Count, DurationField, ExpressionWrapper, F, IntegerField, OuterRef, Subquery, Value, When,
)
from django.db.models.functions import Coalesce, ExtractYear

from learners.models import LearnerProfile
from plp_portal import clock
from plp_portal.organisations.choices import OrganisationKind
from plp_portal.organisations import selectors as organisation_selectors
from plp_portal.organisations.models import Organisation

from .choices import DestinationCategory, DestinationKind, Tier
from .disclosure import SuppressedTable, rate, suppress
from .models import Destination, LearnerGuidance, OutcomeSettings, Referral

SCHOOL_KINDS = (OrganisationKind.SCHOOL, OrganisationKind.COLLEGE, OrganisationKind.TRAINING_PROVIDER)
TREND_YEARS = 4
NO_YEAR_GROUP = "Not recorded"

# The columns of every destination table, in the order the issue and NCCIS group them.
CATEGORIES = [
    (DestinationCategory.EDUCATION, "Education"),
    (DestinationCategory.EMPLOYMENT_WITH_TRAINING, "Employment with training"),
    (DestinationCategory.APPRENTICESHIP, "Apprenticeship"),
    (DestinationCategory.EMPLOYMENT_WITHOUT_TRAINING, "Employment without training"),
    (DestinationCategory.NEET, "NEET"),
    (DestinationCategory.UNKNOWN, "Not known"),
    (DestinationCategory.MOVED_AWAY, "Moved away"),
    (DestinationCategory.OTHER, "Other"),
]
_COLUMN = {value: i for i, (value, _) in enumerate(CATEGORIES)}
_NEET = _COLUMN[DestinationCategory.NEET]
_NOT_KNOWN = _COLUMN[DestinationCategory.UNKNOWN]
_MOVED = _COLUMN[DestinationCategory.MOVED_AWAY]


year_label = clock.academic_year_label
academic_year_of = clock.academic_year_of


def authority_school_ids(*, authority) -> list[int]:
    """The schools, colleges and providers whose ``parent`` is ``authority`` (the recorded grant;
    its one selector is core's ``authority_school_ids``)."""
    return organisation_selectors.authority_school_ids(authority=authority)


def authority_schools(*, authority) -> dict[int, str]:
    return dict(Organisation.objects.filter(pk__in=authority_school_ids(authority=authority))
                .order_by("name").values_list("pk", "name"))


def outcome_settings_get(*, authority) -> OutcomeSettings:
    settings, _ = OutcomeSettings.objects.for_org(authority).get_or_create(organisation=authority)
    return settings


def leaver_counts(*, school_ids, first_year: int, last_year: int):
    """One grouped query: (school id, year group, academic year, destination category, leavers)."""
    latest = (Destination.objects.for_orgs(school_ids)
              .filter(profile_id=OuterRef("profile_id"), kind=DestinationKind.ACTUAL)
              .order_by("-recorded_on", "-pk").values("category")[:1])
    academic_year = Case(When(left_on__month__gte=9, then=ExtractYear("left_on")),
                         default=ExtractYear("left_on") - 1, output_field=IntegerField())
    rows = (
        LearnerGuidance.objects.for_orgs(school_ids)
        .filter(left_on__gte=datetime.date(first_year, 9, 1), left_on__lte=datetime.date(last_year + 1, 8, 31))
        .annotate(year=academic_year,
                  category=Coalesce(Subquery(latest), Value(DestinationCategory.UNKNOWN.value)),
                  group=F("profile__year_group"))
        .values("organisation_id", "group", "year", "category").annotate(n=Count("pk")).order_by()
    )
    return [(r["organisation_id"], r["group"] or NO_YEAR_GROUP, r["year"], r["category"], r["n"]) for r in rows]


@dataclass
class OutcomeTable:
    """A table of counts after disclosure control, ready for a template or a CSV."""

    title: str
    row_header: str
    row_labels: list[str]
    column_labels: list[str]
    table: SuppressedTable

    @property
    def rows(self):
        return [(label, cells, total) for label, cells, total in
                zip(self.row_labels, self.table.cells, self.table.row_totals)]

    @property
    def has_suppressed(self) -> bool:
        return self.table.suppressed_count > 0


def _table(title, row_header, keyed_rows: dict, column_labels, *, threshold) -> OutcomeTable:
    labels = list(keyed_rows)
    return OutcomeTable(title, row_header, labels, column_labels,
                        suppress([keyed_rows[label] for label in labels], threshold=threshold))


def _rates(table: OutcomeTable):
    """NEET and not-known rates per row, as a percentage of the row's leavers who did not move
    away. Withheld when a figure they come from is withheld (a rate of a withheld count gives the
    count back)."""
    result = []
    for label, cells, total in table.rows:
        moved = cells[_MOVED]
        cohort = None if total is None or moved is None else total - moved
        result.append({"label": label, "cohort": cohort, "neet": rate(cells[_NEET], cohort),
                       "not_known": rate(cells[_NOT_KNOWN], cohort)})
    return result


def authority_outcomes(*, authority, year: int, year_group: str = "", school_id: int | None = None) -> dict:
    """Every figure of the authority's outcome dashboard for academic ``year``.

    ``year_group`` narrows the table by school; ``school_id`` (one of the authority's schools;
    anything else is ignored) narrows the tables by year group and the trend."""
    settings = outcome_settings_get(authority=authority)
    threshold = settings.suppression_threshold
    schools = authority_schools(authority=authority)
    school_ids = list(schools)
    if school_id not in schools:
        school_id = None
    first_year = year - TREND_YEARS + 1
    counts = leaver_counts(school_ids=school_ids, first_year=first_year, last_year=year)
    n_cols = len(CATEGORIES)

    def empty():
        return [0] * n_cols

    by_school, by_group, by_year = {}, {}, {y: empty() for y in range(first_year, year + 1)}
    year_groups = set()
    for org_id, group, y, category, n in counts:
        column = _COLUMN.get(category, _COLUMN[DestinationCategory.OTHER])
        if y == year:
            year_groups.add(group)
            if not year_group or group == year_group:
                by_school.setdefault(schools[org_id], empty())[column] += n
            if school_id is None or org_id == school_id:
                by_group.setdefault(group, empty())[column] += n
        if (school_id is None or org_id == school_id) and y in by_year:
            by_year[y][column] += n
    columns = [label for _, label in CATEGORIES]
    school_table = _table("Destinations of leavers by school", "School or college",
                          dict(sorted(by_school.items())), columns, threshold=threshold)
    group_table = _table("Destinations of leavers by year group", "Year group",
                         dict(sorted(by_group.items(), key=lambda kv: _year_group_key(kv[0]))), columns,
                         threshold=threshold)
    trend_table = _table("Destinations of leavers year on year", "Academic year",
                         {year_label(y): row for y, row in by_year.items()}, columns, threshold=threshold)
    return {
        "settings": settings,
        "threshold": threshold,
        "year": year,
        "year_label": year_label(year),
        "schools": schools,
        "school_id": school_id,
        "school_name": schools.get(school_id, ""),
        "year_group": year_group,
        "year_groups": sorted(year_groups, key=_year_group_key),
        "by_school": school_table,
        "by_year_group": group_table,
        "trend": trend_table,
        "trend_rates": _rates(trend_table),
        "school_rates": _rates(school_table),
        "tiers": tier_table(school_ids=school_ids, schools=schools, threshold=threshold),
        "referrals": referral_figures(school_ids=school_ids, schools=schools, year=year, threshold=threshold),
    }


def _year_group_key(group: str):
    return (0, int(group), "") if group.isdigit() else (1, 0, group)


def tier_table(*, school_ids, schools, threshold) -> OutcomeTable:
    """Active learners in each guidance tier, by school (two grouped queries)."""
    learners = LearnerProfile.objects.for_orgs(school_ids).filter(is_active=True)
    totals = dict(learners.values_list("organisation_id").annotate(n=Count("pk")).order_by())
    above_core = {
        (org_id, tier): n for org_id, tier, n in
        learners.filter(guidance__tier__in=[Tier.FILTERED, Tier.INTENSIVE], guidance__organisation_id__in=school_ids)
        .values_list("organisation_id", "guidance__tier").annotate(n=Count("pk")).order_by()
    }
    rows = {}
    for org_id, name in schools.items():
        total = totals.get(org_id, 0)
        if not total:
            continue
        filtered, intensive = above_core.get((org_id, Tier.FILTERED), 0), above_core.get((org_id, Tier.INTENSIVE), 0)
        rows[name] = [total - filtered - intensive, filtered, intensive]
    return _table("Learners in each guidance tier by school", "School or college", rows,
                  [label for _, label in Tier.choices], threshold=threshold)


def referral_figures(*, school_ids, schools, year: int, threshold: int) -> dict:
    """Referrals made in academic ``year`` by school (counts suppressed like any other), and the
    median time to triage of those triaged — shown only where at least ``threshold`` were triaged
    (a median of two referrals is nearly one learner's story)."""
    start, end = datetime.date(year, 9, 1), datetime.date(year + 1, 9, 1)
    referrals = Referral.objects.for_orgs(school_ids).filter(created_at__date__gte=start, created_at__date__lt=end)
    waited = ExpressionWrapper(F("triaged_at") - F("created_at"), output_field=DurationField())
    made = dict(referrals.values_list("organisation_id").annotate(n=Count("pk")).order_by())
    triaged_qs = referrals.filter(triaged_at__isnull=False)
    if connection.vendor == "postgresql":
        from .selectors import _Percentile

        triage = {r["organisation_id"]: (r["n"], r["median"]) for r in
                  triaged_qs.values("organisation_id").annotate(n=Count("pk"), median=_Percentile(waited, 0.5))
                  .order_by()}
        overall = triaged_qs.aggregate(n=Count("pk"), median=_Percentile(waited, 0.5))
    else:  # the SQLite demo has no percentile_cont
        from .selectors import _percentile_python

        values: dict[int, list] = {}
        for org_id, w in triaged_qs.annotate(w=waited).values_list("organisation_id", "w"):
            values.setdefault(org_id, []).append(w)
        triage = {org_id: (len(v), _percentile_python(v, 0.5)) for org_id, v in values.items()}
        every = [w for v in values.values() for w in v]
        overall = {"n": len(every), "median": _percentile_python(every, 0.5)}
    by_service = {
        name or "No careers service recorded": [n] for name, n in
        triaged_qs.values_list("triaged_by_service__name").annotate(n=Count("pk")).order_by("triaged_by_service__name")
    }
    names = {org_id: name for org_id, name in schools.items() if made.get(org_id)}
    table = _table("Referrals for guidance by school", "School or college",
                   {name: [made[org_id], triage.get(org_id, (0, None))[0]] for org_id, name in names.items()},
                   ["Referrals made", "Triaged"], threshold=threshold)
    medians = {name: (triage[org_id][1] if triage.get(org_id, (0,))[0] >= threshold else None)
               for org_id, name in names.items()}
    service_table = _table("Referrals triaged by each careers service working with the schools", "Careers service",
                           by_service, ["Triaged"], threshold=threshold)
    return {"table": table, "medians": medians, "by_service": service_table,
            "overall_median": overall["median"] if overall["n"] >= threshold else None,
            "overall_triaged": overall["n"]}


def outcomes_csv_rows(figures: dict):
    """The dashboard's figures as CSV rows (table, row, column, value); a withheld figure is
    written as "suppressed", never as a number."""
    yield ["Table", "Row", "Column", "Value"]
    tables = [figures["by_school"], figures["by_year_group"], figures["trend"], figures["tiers"],
              figures["referrals"]["table"], figures["referrals"]["by_service"]]
    for table in tables:
        for label, cells, total in table.rows:
            for column, value in zip(table.column_labels, cells):
                yield [table.title, label, column, _csv_value(value)]
            yield [table.title, label, "Total", _csv_value(total)]
        for column, value in zip(table.column_labels, table.table.column_totals):
            yield [table.title, "Total", column, _csv_value(value)]
        yield [table.title, "Total", "Total", _csv_value(table.table.grand_total)]
    for row in figures["trend_rates"]:
        yield ["NEET and not known rates", row["label"], "NEET %", _csv_value(row["neet"])]
        yield ["NEET and not known rates", row["label"], "Not known %", _csv_value(row["not_known"])]


def _csv_value(value):
    return "suppressed" if value is None else value


