"""The local authority's view across its schools: rows, sorting, CSV and the RAG chart.
Everything comes from two queries (the schools, their plans with aggregates) however many
schools there are — plus one for the filters (``filters.AuthorityFilterSet``); the rest is
arithmetic on those rows."""

from dataclasses import dataclass, field

from plp_portal import clock

from . import selectors
from .choices import Phase, Rag


def _score_and_rag(plan) -> tuple[int | None, str | None]:
    return (plan.score, plan.template.rag_for(plan.score)) if plan else (None, None)


@dataclass
class SchoolLine:
    org_id: int
    name: str
    kind: str
    plan: object | None
    last_plan: object | None
    late: bool = False  # the authority's approval deadline has passed and the plan is not approved
    # This year's plan and last year's: their scores and RAG, and this year's sections not done.
    score: int | None = field(init=False)
    rag: str | None = field(init=False)
    last_score: int | None = field(init=False)
    last_rag: str | None = field(init=False)
    sections_incomplete: int | None = field(init=False)

    def __post_init__(self):
        self.score, self.rag = _score_and_rag(self.plan)
        self.last_score, self.last_rag = _score_and_rag(self.last_plan)
        self.sections_incomplete = self.plan.sections_incomplete if self.plan else None

    @property
    def status(self) -> str:
        if self.plan is None:
            return "No plan"
        return "Approved" if self.plan.is_approved else "Not approved"

    @property
    def phase(self) -> str:
        return Phase(self.plan.phase).label if self.plan else ""


SORTS = {
    "name": lambda line: line.name.lower(),
    "score": lambda line: (line.score is None, -(line.score or 0)),
    "rag": lambda line: (line.rag is None, [Rag.RED, Rag.AMBER, Rag.GREEN].index(line.rag)
                         if line.rag else 0),
    "phase": lambda line: line.phase,
    "status": lambda line: line.status,
    "incomplete": lambda line: (line.sections_incomplete is None,
                                -(line.sections_incomplete or 0)),
}


def overview(*, authority, year: int, chart_years: int = 3, deadline_passed: bool = False):
    """``deadline_passed``: this year's approval deadline is behind us, so a school without an
    approved plan is late."""
    schools = list(selectors.authority_schools(authority=authority).values("pk", "name", "kind"))
    years = list(range(year - chart_years + 1, year + 1))
    by_org_year = {(p.organisation_id, p.academic_year): p
                   for p in selectors.authority_plans(authority=authority, years=years)}
    lines = [
        SchoolLine(s["pk"], s["name"], s["kind"], by_org_year.get((s["pk"], year)),
                   by_org_year.get((s["pk"], year - 1)))
        for s in schools
    ]
    if deadline_passed:
        for line in lines:
            line.late = not (line.plan and line.plan.is_approved)
    chart = []
    for y in years:
        counts = {Rag.RED: 0, Rag.AMBER: 0, Rag.GREEN: 0}
        none = 0
        for s in schools:
            plan = by_org_year.get((s["pk"], y))
            if plan is None:
                none += 1
            else:
                counts[plan.template.rag_for(plan.score)] += 1
        chart.append({"year": y, "label": clock.academic_year_label(y), "red": counts[Rag.RED],
                      "amber": counts[Rag.AMBER], "green": counts[Rag.GREEN], "none": none})
    return lines, chart


def sorted_lines(lines, *, sort="name", descending=False):
    """The rows in a column's order (the filters are ``filters.AuthorityFilterSet``'s, in SQL)."""
    key = SORTS.get(sort, SORTS["name"])
    return sorted(lines, key=key, reverse=descending)


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
