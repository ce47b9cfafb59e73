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

from django.db.models import Case, Count, F, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce, ExtractYear

from plp_portal import clock
from plp_portal.organisations.choices import OrganisationKind
from plp_portal.organisations import selectors as organisation_selectors
from plp_portal.organisations.models import Organisation

from . import figures
from .choices import DestinationCategory, DestinationKind, FigureKind, PartnershipStatus, Tier
from .disclosure import SuppressedTable, rate, suppress, suppress_grouped
from .models import Destination, LearnerGuidance, OutcomeSettings, Partnership

SCHOOL_KINDS = (OrganisationKind.SCHOOL, OrganisationKind.COLLEGE, OrganisationKind.TRAINING_PROVIDER)
TREND_YEARS = 4
NO_YEAR_GROUP = "Not recorded"
NO_SERVICE = "No careers service recorded"
# A partnership the school accepted at some point of the year (ended early, or changed by an
# accepted change, still means the service worked with the school that year).
WORKED_WITH = (PartnershipStatus.ACCEPTED, PartnershipStatus.ENDED, PartnershipStatus.REPLACED)

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
    return dict(Organisation.objects.filter(pk__any=authority_school_ids(authority=authority))
                .order_by("name").values_list("pk", "name"))


def school_services_of_years(*, school_ids, years) -> dict[int, dict[int, str]]:
    """The careers service that worked with each school in each of ``years`` (one query):
    year → school → service name. The service is the one whose partnership for that year the
    school accepted, the latest to start if there were two; schools with none are left out (they
    count under ``NO_SERVICE``).

    Partnerships are the careers services' rows; the authority reads only which service worked
    with which of ITS schools (a name per school), never a partnership's terms."""
    result: dict[int, dict[int, str]] = {year: {} for year in years}
    rows = (Partnership.objects.system("the authority's outcomes: which careers service worked with its schools")
            .filter(school_id__any=school_ids, academic_year__in=list(years), status__in=WORKED_WITH)
            .order_by("academic_year", "school_id", "starts_on", "pk")
            .values_list("academic_year", "school_id", "organisation__name"))
    for year, school_id, name in rows:
        result[year][school_id] = name  # the last per school (latest start) wins
    return result


def outcome_settings_get(*, authority) -> OutcomeSettings:
    """The authority's settings, or the defaults (unsaved: a read never writes; the settings
    page's save makes the row)."""
    return (OutcomeSettings.objects.for_org(authority).filter(organisation=authority).first()
            or OutcomeSettings(organisation=authority))


def leaver_counts(*, school_ids, first_year: int | None = None, last_year: int | None = None):
    """One grouped query: (school id, year group, academic year, destination category, age,
    leavers), of every year or of ``first_year``–``last_year``. ``age``: on the 31 August that
    ends the academic year they left (None: no date of birth recorded). The live computation
    behind the schools' LEAVERS figures (``figures.py``), which the dashboard reads."""
    latest = (Destination.objects.for_orgs(school_ids)
              .filter(profile_id=OuterRef("profile_id"), kind=DestinationKind.ACTUAL)
              .order_by("-recorded_on", "-pk").values("category")[:1])
    academic_year = Case(When(left_on__month__gte=9, then=ExtractYear("left_on")),
                         default=ExtractYear("left_on") - 1, output_field=IntegerField())
    leavers = LearnerGuidance.objects.for_orgs(school_ids).filter(left_on__isnull=False)
    if first_year is not None:
        leavers = leavers.filter(left_on__gte=datetime.date(first_year, 9, 1))
    if last_year is not None:
        leavers = leavers.filter(left_on__lte=datetime.date(last_year + 1, 8, 31))
    rows = (
        leavers
        .annotate(year=academic_year,
                  category=Coalesce(Subquery(latest), Value(DestinationCategory.UNKNOWN.value)),
                  group=F("profile__year_group"))
        .annotate(age=F("year") + 1 - ExtractYear("profile__date_of_birth")
                  - Case(When(profile__date_of_birth__month__gte=9, then=Value(1)), default=Value(0),
                         output_field=IntegerField()))
        .values("organisation_id", "group", "year", "category", "age").annotate(n=Count("pk")).order_by()
    )
    return [(r["organisation_id"], r["group"] or NO_YEAR_GROUP, r["year"], r["category"], r["age"], r["n"])
            for r in rows]


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


def _grouped_tables(title, row_header, keyed_rows: dict, column_labels, *, group_of: dict, group_title,
                    threshold) -> tuple[OutcomeTable, OutcomeTable]:
    """The table of ``keyed_rows`` (label → counts) and the same rows added up by
    ``group_of[label]`` (the careers service), protected together (``suppress_grouped``)."""
    labels = list(keyed_rows)
    group_labels = sorted({group_of.get(label, NO_SERVICE) for label in labels},
                          key=lambda g: (g == NO_SERVICE, g))
    index = {g: i for i, g in enumerate(group_labels)}
    by_row, by_group = suppress_grouped([keyed_rows[label] for label in labels],
                                        [index[group_of.get(label, NO_SERVICE)] for label in labels],
                                        threshold=threshold)
    return (OutcomeTable(title, row_header, labels, column_labels, by_row),
            OutcomeTable(group_title, "Careers service", group_labels, column_labels, by_group))


def _band_label(bands, b) -> str:
    if b == len(bands):
        return "other ages or date of birth not recorded"
    low, high, _ = bands[b]
    return f"aged {low}–{high}"


def _linked_tables(counts, groups, *, row_labels, group_labels, columns, threshold, title, row_header,
                   group_title, group_header) -> tuple[OutcomeTable, OutcomeTable]:
    by_row, by_group = suppress_grouped(counts, groups, threshold=threshold)
    return (OutcomeTable(title, row_header, row_labels, columns, by_row),
            OutcomeTable(group_title, group_header, group_labels, columns, by_group))


def _band_rates(band_table: OutcomeTable, band_keys, bands, years) -> list[dict]:
    """Per age band: its NEET rate each year against the band's target ("at most" a percentage,
    or, with none, lower than the year before; None where a figure is withheld)."""
    rates = dict(zip(band_keys, _rates(band_table)))
    result = []
    for b, (low, high, target) in enumerate(bands):
        rows = []
        previous = None
        for y in years:
            r = rates[(y, b)]
            if r["neet"] is None:
                met = None
            elif target is not None:
                met = r["neet"] <= float(target)
            else:
                met = None if previous is None else r["neet"] < previous
            rows.append({"year": y, "label": year_label(y), "cohort": r["cohort"], "neet": r["neet"], "met": met})
            previous = r["neet"]
        result.append({"label": f"Aged {low}–{high}", "low": low, "high": high, "target": target, "years": rows,
                       "latest": rows[-1]})
    return result


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
    counts = figures.leaver_rows(school_ids=school_ids, first_year=first_year, last_year=year)
    n_cols = len(CATEGORIES)

    def empty():
        return [0] * n_cols

    bands = settings.age_bands
    years = list(range(first_year, year + 1))
    # (year, band) → counts; band len(bands) is every other age (or no date of birth recorded).
    by_year_band = {(y, b): empty() for y in years for b in range(len(bands) + 1)}
    by_school, by_group = {}, {}
    year_groups = set()
    for org_id, group, y, category, age, n in counts:
        column = _COLUMN.get(category, _COLUMN[DestinationCategory.OTHER])
        if y == year:
            year_groups.add(group)
            if not year_group or group == year_group:
                by_school.setdefault(schools[org_id], empty())[column] += n
            if school_id is None or org_id == school_id:
                by_group.setdefault(group, empty())[column] += n
        if (school_id is None or org_id == school_id) and (y, 0) in by_year_band:
            band = next((b for b, (low, high, _) in enumerate(bands) if age is not None and low <= age <= high),
                        len(bands))
            by_year_band[(y, band)][column] += n
    columns = [label for _, label in CATEGORIES]
    this_year = academic_year_of(clock.today(authority))
    services_of = school_services_of_years(school_ids=school_ids, years={year, this_year})
    services_then = services_of[year]
    school_table, service_table = _grouped_tables(
        "Destinations of leavers by school", "School or college", dict(sorted(by_school.items())), columns,
        group_of={schools[pk]: name for pk, name in services_then.items()},
        group_title="Destinations of leavers by careers service", threshold=threshold)
    group_table = _table("Destinations of leavers by year group", "Year group",
                         dict(sorted(by_group.items(), key=lambda kv: _year_group_key(kv[0]))), columns,
                         threshold=threshold)
    # The year-on-year table and its age bands are protected together (a year's leavers are
    # the sum of its bands: a band's figures minus the others' must not give a suppressed one).
    band_keys = list(by_year_band)
    band_table, trend_table = _linked_tables(
        [by_year_band[key] for key in band_keys], [years.index(y) for y, _ in band_keys],
        row_labels=[f"{year_label(y)}, {_band_label(bands, b)}" for y, b in band_keys],
        group_labels=[year_label(y) for y in years], columns=columns, threshold=threshold,
        title="Destinations of leavers by age band, year on year", row_header="Academic year and age band",
        group_title="Destinations of leavers year on year", group_header="Academic year")
    return {
        "settings": settings,
        "threshold": threshold,
        "refreshed_at": figures.figures_refreshed_at(school_ids=school_ids),
        "year": year,
        "year_label": year_label(year),
        "schools": schools,
        "school_id": school_id,
        "school_name": schools.get(school_id, ""),
        "year_group": year_group,
        "year_groups": sorted(year_groups, key=_year_group_key),
        "by_school": school_table,
        "by_service": service_table,
        "service_rates": _rates(service_table),
        "by_year_group": group_table,
        "trend": trend_table,
        "trend_rates": _rates(trend_table),
        "by_age_band": band_table,
        "age_bands": _band_rates(band_table, band_keys, bands, years),
        "school_rates": _rates(school_table),
        **tier_tables(school_ids=school_ids, schools=schools, threshold=threshold,
                      services=services_of[this_year]),
        "referrals": referral_figures(school_ids=school_ids, schools=schools, year=year, threshold=threshold,
                                      services=services_then),
    }


def _year_group_key(group: str):
    return (0, int(group), "") if group.isdigit() else (1, 0, group)


def tier_tables(*, school_ids, schools, threshold, services: dict[int, str]) -> dict:
    """Active learners in each guidance tier now, by school and by the careers service working
    with the school this year (from the schools' LEARNERS and ABOVE_CORE figures: one query)."""
    counts = figures.figures_by_school(school_ids=school_ids, kinds=[FigureKind.LEARNERS, FigureKind.ABOVE_CORE])
    totals = {org_id: sum(by_group.values()) for org_id, by_group in counts[FigureKind.LEARNERS].items()}
    above_core: dict[tuple[int, str], int] = {}
    for org_id, by_key in counts[FigureKind.ABOVE_CORE].items():
        for key, n in by_key.items():  # "target group:tier"
            tier = key.rsplit(":", 1)[-1]
            above_core[(org_id, tier)] = above_core.get((org_id, tier), 0) + n
    rows = {}
    for org_id, name in schools.items():
        total = totals.get(org_id, 0)
        if not total:
            continue
        filtered, intensive = above_core.get((org_id, Tier.FILTERED), 0), above_core.get((org_id, Tier.INTENSIVE), 0)
        rows[name] = [total - filtered - intensive, filtered, intensive]
    by_school, by_service = _grouped_tables(
        "Learners in each guidance tier by school", "School or college", rows, [label for _, label in Tier.choices],
        group_of={schools[pk]: name for pk, name in services.items()},
        group_title="Learners in each guidance tier by careers service", threshold=threshold)
    return {"tiers": by_school, "tiers_by_service": by_service}


def referral_figures(*, school_ids, schools, year: int, threshold: int, services: dict[int, str] | None = None) -> dict:
    """Referrals made in academic ``year`` by school and by the careers service that worked with
    the school that year (counts suppressed like any other, the two tables together), and the
    median time to triage of those triaged — shown only where at least ``threshold`` were triaged
    (a median of two referrals is nearly one learner's story). From the schools' REFERRALS_MADE
    and TRIAGE_HOURS_YEAR figures (``figures.py``)."""
    services = services or {}
    counts = figures.figures_by_school(school_ids=school_ids, kinds=[FigureKind.REFERRALS_MADE])
    made = {org_id: by_year[str(year)] for org_id, by_year in counts[FigureKind.REFERRALS_MADE].items()
            if str(year) in by_year}
    # Waits in whole hours, as the careers service dashboard's (``figures.py``): a median at most
    # an hour short of the exact one, under 0.05 of the days the page shows.
    waited = figures.figures_by_school(school_ids=school_ids, kinds=[FigureKind.TRIAGE_HOURS_YEAR],
                                       key_prefix=f"{year}|")[FigureKind.TRIAGE_HOURS_YEAR]

    def summed(histograms) -> tuple[int, datetime.timedelta | None]:
        total: dict[int, int] = {}
        for histogram in histograms:
            for hours, n in histogram.items():
                total[int(hours)] = total.get(int(hours), 0) + n
        median = figures.percentile_of_histogram(total, 0.5)
        return sum(total.values()), None if median is None else datetime.timedelta(hours=median)

    triage = {org_id: summed([histogram]) for org_id, histogram in waited.items()}
    members: dict[str, list[int]] = {}
    for org_id in waited:
        members.setdefault(services.get(org_id, NO_SERVICE), []).append(org_id)
    service_triage = {name: summed([waited[org_id] for org_id in ids]) for name, ids in members.items()}
    n, median = summed(waited.values())
    overall = {"n": n, "median": median}
    names = {org_id: name for org_id, name in schools.items() if made.get(org_id)}
    table, service_table = _grouped_tables(
        "Referrals for guidance by school", "School or college",
        {name: [made[org_id], triage.get(org_id, (0, None))[0]] for org_id, name in names.items()},
        ["Referrals made", "Triaged"], group_of={schools[pk]: name for pk, name in services.items()},
        group_title="Referrals for guidance by careers service", threshold=threshold)
    medians = {name: (triage[org_id][1] if triage.get(org_id, (0,))[0] >= threshold else None)
               for org_id, name in names.items()}
    service_medians = {name: (service_triage[name][1] if service_triage.get(name, (0,))[0] >= threshold else None)
                       for name in service_table.row_labels}
    return {"table": table, "medians": medians, "by_service": service_table, "service_medians": service_medians,
            "overall_median": overall["median"] if overall["n"] >= threshold else None,
            "overall_triaged": overall["n"]}


def outcomes_csv_rows(figures: dict):
    """The dashboard's figures as CSV rows (table, row, column, value); a withheld figure is
    written as "suppressed", never as a number."""
    yield ["Table", "Row", "Column", "Value"]
    tables = [figures["by_school"], figures["by_service"], figures["by_year_group"], figures["trend"],
              figures["by_age_band"],
              figures["tiers"], figures["tiers_by_service"], figures["referrals"]["table"],
              figures["referrals"]["by_service"]]
    for table in tables:
        for label, cells, total in table.rows:
            for column, value in zip(table.column_labels, cells):
                yield [table.title, label, column, _csv_value(value)]
            yield [table.title, label, "Total", _csv_value(total)]
        for column, value in zip(table.column_labels, table.table.column_totals):
            yield [table.title, "Total", column, _csv_value(value)]
        yield [table.title, "Total", "Total", _csv_value(table.table.grand_total)]
    for title, rates in (("NEET and not known rates", figures["trend_rates"]),
                         ("NEET and not known rates by careers service", figures["service_rates"])):
        for row in rates:
            yield [title, row["label"], "NEET %", _csv_value(row["neet"])]
            yield [title, row["label"], "Not known %", _csv_value(row["not_known"])]
    for band in figures["age_bands"]:
        target = (f"at most {float(band['target']):.1f}%" if band["target"] is not None
                  else "lower than the year before")
        for row in band["years"]:
            yield [f"NEET {band['label'].lower()} (target {target})", row["label"], "NEET %", _csv_value(row["neet"])]
    for title, medians in (("Median days to triage by school", figures["referrals"]["medians"]),
                           ("Median days to triage by careers service", figures["referrals"]["service_medians"])):
        for label, median in medians.items():
            yield [title, label, "Median days", _csv_value(None if median is None else
                                                           round(median.total_seconds() / 86400, 1))]


def _csv_value(value):
    return "suppressed" if value is None else value


