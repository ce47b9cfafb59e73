"""The local authority's view across its schools: rows, the RAG chart and its bars. The rows are
``selectors.authority_school_rows`` (filtered by ``filters.AuthorityFilterSet``, sorted and sliced
in SQL: a page reads its 25 rows), the chart ``selectors.authority_rag_counts`` (GROUP BY, a row a
year), both from the plans' stored summaries — a bounded number of queries however many schools."""

from dataclasses import dataclass

from plp_portal import clock

from . import selectors
from .choices import Phase, Rag

RAGS = [Rag.RED, Rag.AMBER, Rag.GREEN]  # the rank ``selectors.authority_school_rows`` gives each
RAG_TAGS = {Rag.RED: "red", Rag.AMBER: "orange", Rag.GREEN: "green", None: "grey"}  # partials/rag_tag.html


@dataclass(slots=True)
class SchoolLine:
    """One school's row: this year's plan (``plan_id`` None: no plan) and last year's score."""

    org_id: int
    name: str
    kind: str
    plan_id: int | None
    phase_value: str | None
    score: int | None
    rag: str | None
    sections_incomplete: int | None
    is_approved: bool
    last_score: int | None
    last_rag: str | None
    late: bool = False  # the authority's approval deadline has passed and the plan is not approved

    @classmethod
    def of(cls, row: dict, *, deadline_passed: bool) -> "SchoolLine":
        approved = bool(row["plan_approved"])
        return cls(row["pk"], row["name"], row["kind"], row["plan_id"], row["plan_phase"], row["plan_score"],
                   _rag(row["plan_rag"]), row["plan_incomplete"], approved, row["last_score"],
                   _rag(row["last_rag"]), late=deadline_passed and not approved)

    @property
    def status(self) -> str:
        if self.plan_id is None:
            return "No plan"
        return "Approved" if self.is_approved else "Not approved"

    @property
    def phase(self) -> str:
        return Phase(self.phase_value).label if self.phase_value else ""

    @property
    def rag_label(self) -> str:
        return Rag(self.rag).label if self.rag else ""

    @property
    def rag_tag(self) -> str:
        return RAG_TAGS[self.rag]

    @property
    def last_rag_label(self) -> str:
        return Rag(self.last_rag).label if self.last_rag else ""

    @property
    def last_rag_tag(self) -> str:
        return RAG_TAGS[self.last_rag]


def _rag(rank: int | None) -> str | None:
    return None if rank is None else RAGS[rank]


def lines(rows, *, deadline_passed: bool = False) -> list[SchoolLine]:
    """``rows`` (a page of ``selectors.authority_school_rows``, or all of them) as lines."""
    return [SchoolLine.of(row, deadline_passed=deadline_passed) for row in rows]


def chart(*, authority, school_ids, year: int, chart_years: int = 3) -> list[dict]:
    """Schools per RAG band (and without a plan) for this year and the ones before."""
    years = list(range(year - chart_years + 1, year + 1))
    counts = {row["academic_year"]: row for row in selectors.authority_rag_counts(
        authority=authority, school_ids=school_ids, years=years)}
    result = []
    for y in years:
        row = counts.get(y, {"red": 0, "amber": 0, "green": 0})
        result.append({"year": y, "label": clock.academic_year_label(y), "red": row["red"], "amber": row["amber"],
                       "green": row["green"], "none": len(school_ids) - row["red"] - row["amber"] - row["green"]})
    return result


def chart_svg_bars(chart, *, height=160, bar=18, gap=4, group_gap=28):
    """Bar geometry for the server-rendered SVG (no JavaScript)."""
    peak = max([max(c["red"], c["amber"], c["green"], c["none"]) for c in chart] + [1])
    bars = []
    x = 40
    for c in chart:
        for key, label in (("red", "Red"), ("amber", "Amber"), ("green", "Green"),
                           ("none", "No plan")):
            h = round(c[key] / peak * (height - 20))
            bars.append({"x": x, "y": height - h, "h": h, "w": bar, "key": key,
                         "label": label, "value": c[key], "year": c["label"],
                         "text_y": height - h - 4})
            x += bar + gap
        c["label_x"] = x - 2 * (bar + gap)
        x += group_gap
    return {"bars": bars, "width": x + 10, "height": height, "axis_y": height + 16}
