"""The local authority's view across its schools: rows, the RAG chart and its bars. The rows are
``selectors.authority_school_rows`` (filtered by ``filters.AuthorityFilterSet``, sorted and sliced
in SQL: a page reads its 25 schools) with their plans' stored summaries
(``selectors.authority_plan_summaries``, one query for the page); the chart is
``selectors.authority_rag_counts`` (GROUP BY, a row a year) — a bounded number of queries however
many schools."""

from dataclasses import dataclass

from plp_portal import clock

from . import selectors
from .choices import Phase, Rag

RAG_TAGS = {Rag.RED: "red", Rag.AMBER: "orange", Rag.GREEN: "green", None: "grey"}  # partials/rag_tag.html
PHASE_LABELS, RAG_LABELS = dict(Phase.choices), dict(Rag.choices)  # by value: no enum built per row


@dataclass(slots=True)
class SchoolLine:
    """One school's row: this year's plan (``plan_id`` None: no plan) and last year's score, and
    what the row shows of them, worked out once here: the template prints them in one filter
    (``careersplan_tags.school_line_cells``; a row costs a fifth of one that tests, looks up and
    formats in the template; issue 19)."""

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
    url: str = ""  # the authority's view of this year's plan
    status: str = "No plan"
    phase: str = ""
    rag_label: str = ""
    rag_tag: str = RAG_TAGS[None]
    last_rag_label: str = ""
    last_rag_tag: str = RAG_TAGS[None]

    @classmethod
    def of(cls, school: dict, plan: dict | None, last: dict | None, *, deadline_passed: bool,
           plan_url=None) -> "SchoolLine":
        """``plan_url``: a plan's address from its id (``plp_portal.urlpaths.row_url``); no link without it."""
        plan, last = plan or {}, last or {}
        approved = bool(plan.get("is_approved"))
        rag, last_rag, plan_id, phase = plan.get("rag"), last.get("rag"), plan.get("pk"), plan.get("phase")
        return cls(
            school["pk"], school["name"], school["kind"], plan_id, phase, plan.get("score"), rag,
            plan.get("sections_incomplete"), approved, last.get("score"), last_rag,
            late=deadline_passed and not approved, url=plan_url(plan_id) if plan_id and plan_url else "",
            status="No plan" if plan_id is None else "Approved" if approved else "Not approved",
            phase=PHASE_LABELS.get(phase, ""), rag_label=RAG_LABELS.get(rag, ""), rag_tag=RAG_TAGS[rag],
            last_rag_label=RAG_LABELS.get(last_rag, ""), last_rag_tag=RAG_TAGS[last_rag])


def lines(schools, *, authority, year: int, deadline_passed: bool = False, plan_url=None) -> list[SchoolLine]:
    """``schools`` (a page of ``selectors.authority_school_rows``, or all of them) as lines, with
    their plans of this year and last (one query for all of them)."""
    schools = list(schools)
    plans = {(p["organisation_id"], p["academic_year"]): p for p in selectors.authority_plan_summaries(
        authority=authority, school_ids=[s["pk"] for s in schools], years=[year - 1, year])} if schools else {}
    return [SchoolLine.of(s, plans.get((s["pk"], year)), plans.get((s["pk"], year - 1)),
                          deadline_passed=deadline_passed, plan_url=plan_url) for s in schools]


def chart(*, authority, school_ids, year: int, chart_years: int = 3) -> list[dict]:
    """Schools per RAG band (and without a plan) for this year and the ones before."""
    years = list(range(year - chart_years + 1, year + 1))
    counts = {(row["academic_year"], row["rag"]): row["n"] for row in selectors.authority_rag_counts(
        authority=authority, school_ids=school_ids, years=years)}
    result = []
    for y in years:
        red, amber, green = (counts.get((y, rag), 0) for rag in (Rag.RED, Rag.AMBER, Rag.GREEN))
        result.append({"year": y, "label": clock.academic_year_label(y), "red": red, "amber": amber,
                       "green": green, "none": len(school_ids) - red - amber - green})
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
