"""The local authority dashboard (issue 19): the schools filtered, sorted and paginated in SQL from
each plan's stored summary, the RAG chart counted in SQL. The tests read the page the officer
sees and check it against figures computed here from scratch (ticks, rows, approvals)."""

import csv
import datetime
import io
import re
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from careersplan import services
from careersplan.choices import Phase, Rag
from careersplan.filters import SORT_COLUMNS
from careersplan.models import CareersPlan, ChecklistItem, ChecklistTick, GoverningBodyApproval, PlanRow
from plp_portal.organisations.choices import OrganisationKind, Role
from tests.factories import OrganisationFactory, member

from .factories import lead, make_plan, tick, url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("november_2026")]

YEAR = 2026


class _Tables(HTMLParser):
    """Every table of a page: its caption and its body rows (the cells' text)."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell, self._in_caption = [], None, False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]["rows"]:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._in_caption:
            self.tables[-1]["caption"] += data
        elif self._cell is not None:
            self._cell.append(data)


def _table(html, caption_has):
    parser = _Tables()
    parser.feed(html)
    table = next(t for t in parser.tables if caption_has in t["caption"])
    return [row for row in table["rows"] if row and not row[0].startswith(("School or college", "Year"))]


def schools_table(html):
    """The schools' rows as the officer reads them: name, approval, phase, score, RAG, last year,
    sections incomplete."""
    return _table(html, "shown of")


def chart_table(html):
    return {row[0]: [int(n) for n in row[1:]] for row in _table(html, "Schools by RAG rating")}


def _county(n, *, authority=None):
    """An authority with ``n`` schools and plans of every kind: scores over 0–19, some approved,
    some with rows still to plan, the three phases, a few without a plan this year or last."""
    authority = authority or OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY)
    for i in range(n):
        school = OrganisationFactory(parent=authority, name=f"School {i % 7} {chr(65 + i % 26)}{i}")
        if i % 9 != 4:
            make_plan(school, year=YEAR - 1, phase=Phase.REVIEW)
        if i % 8 == 3:
            continue  # no plan this year
        plan = make_plan(school, year=YEAR, phase=[Phase.PLANNING, Phase.MONITORING, Phase.REVIEW][i % 3])
        person = lead(school)
        items = [it for it in ChecklistItem.objects.filter(template_id=plan.template_id).order_by("number")
                 if not it.is_governing_body_approval]
        services.checklist_save(org=school, plan=plan, by=person, changes=[
            (item, True, "", datetime.date(YEAR, 10, 1)) for item in items[:(i * 7) % 20]])
        if i % 3 == 1:
            services.approval_record(org=school, plan=plan, approved_on=datetime.date(YEAR, 10, 14),
                                     minute_reference="GB/1", by=person)
        # All rows planned but the first 0, 5, 10 or 15 (written directly, as the seeders do).
        PlanRow.objects.for_org(school).filter(plan=plan).exclude(pk__in=list(
            plan.rows.order_by("pk").values_list("pk", flat=True)[:(i % 4) * 5])).update(planned="Done")
    services.plan_summaries_refresh(plans=CareersPlan.objects.system("test: the rows written directly"))
    return authority


def _expected(authority, *, deadline_passed=False):
    """The dashboard's lines computed from scratch, in the schools' name order: what the old
    in-Python dashboard built (name, status, phase, score, RAG, last year, incomplete)."""
    schools = sorted(OrganisationFactory._meta.model.objects.filter(parent=authority),
                     key=lambda s: (s.name.lower(), s.name, s.pk))
    result = []
    for school in schools:
        plans = {p.academic_year: p for p in CareersPlan.objects.for_org(school).select_related("template")}

        def score(plan):
            return ChecklistTick.objects.for_org(school).filter(plan=plan).count()

        plan, last = plans.get(YEAR), plans.get(YEAR - 1)
        line = {"name": school.name, "status": "No plan", "phase": "", "score": None, "rag": None,
                "last": None, "incomplete": None, "late": deadline_passed}
        if plan is not None:
            approved = GoverningBodyApproval.objects.for_org(school).filter(plan=plan).exists()
            line.update(status="Approved" if approved else "Not approved", phase=Phase(plan.phase).label,
                        score=score(plan), rag=plan.template.rag_for(score(plan)),
                        incomplete=len({r.template_row.section_id for r in PlanRow.objects.for_org(school)
                                        .filter(plan=plan, planned="").select_related("template_row")}),
                        late=deadline_passed and not approved)
        if last is not None:
            line["last"] = (score(last), last.template.rag_for(score(last)))
        result.append(line)
    return result


# The old dashboard's sort keys (``sorted(..., reverse=descending)`` of the lines in name order).
SORTS = {
    "name": lambda line: line["name"].lower(),
    "score": lambda line: (line["score"] is None, -(line["score"] or 0)),
    "rag": lambda line: (line["rag"] is None, [Rag.RED, Rag.AMBER, Rag.GREEN].index(line["rag"])
                         if line["rag"] else 0),
    "phase": lambda line: line["phase"],
    "status": lambda line: line["status"],
    "incomplete": lambda line: (line["incomplete"] is None, -(line["incomplete"] or 0)),
}


def _as_cells(line):
    rag = Rag(line["rag"]).label if line["rag"] else "No plan"
    last = f"{line['last'][0]} {Rag(line['last'][1]).label}" if line["last"] else "—"
    return [line["name"], line["status"] + (" Late" if line["late"] else ""), line["phase"] or "—",
            "—" if line["score"] is None else str(line["score"]), rag, last,
            "—" if line["incomplete"] is None else str(line["incomplete"])]


def test_the_officer_reads_every_sort_a_page_at_a_time(client, sign_in):
    authority = _county(30)
    sign_in(member(authority, Role.LA_OFFICER))
    expected = _expected(authority)
    for sort in SORT_COLUMNS:
        for descending in (False, True):
            query = f"?sort={sort}" + ("&dir=desc" if descending else "")
            first = client.get(url("authority", authority) + query).content.decode()
            second = client.get(url("authority", authority) + query + "&page=2").content.decode()
            shown = schools_table(first) + schools_table(second)
            wanted = [_as_cells(line) for line in sorted(expected, key=SORTS[sort], reverse=descending)]
            assert shown == wanted, (sort, descending)
            assert len(schools_table(first)) == 25
            assert f'aria-sort="{"descending" if descending else "ascending"}"' in first
            assert "30 shown of 30" in first and "Page 1 of 2" in first
    # Each plan's name links to its page (the authority's view of it).
    plan = CareersPlan.objects.for_orgs(OrganisationFactory._meta.model.objects.filter(parent=authority)
                                        .values_list("pk", flat=True)).filter(academic_year=YEAR).first()
    page = client.get(url("authority", authority) + "?sort=name").content.decode() + client.get(
        url("authority", authority) + "?sort=name&page=2").content.decode()
    assert f'href="{url("authority_plan", authority, plan_id=plan.pk)}"' in page


def test_the_chart_filters_late_tag_pagination_links_and_csv(client, sign_in):
    authority = _county(30)
    officer = member(authority, Role.LA_OFFICER)
    sign_in(officer)
    expected = _expected(authority)
    html = client.get(url("authority", authority)).content.decode()
    # The chart: schools per RAG band and without a plan, this year and last (none the year before).
    chart = chart_table(html)
    for year, key in ((YEAR, None), (YEAR - 1, "last")):
        rags = [line["rag"] if key is None else (line["last"] or (None, None))[1] for line in expected]
        assert chart[f"{year}/{str(year + 1)[2:]}"] == [rags.count(Rag.RED), rags.count(Rag.AMBER),
                                                       rags.count(Rag.GREEN), rags.count(None)]
    assert chart[f"{YEAR - 2}/{str(YEAR - 1)[2:]}"] == [0, 0, 0, 30]
    # A filter: the rows of that RAG, their pages' links keep the filter and the sort.
    red = [line for line in expected if line["rag"] == Rag.RED]
    filtered = client.get(url("authority", authority) + "?rag=red&sort=score").content.decode()
    assert schools_table(filtered) == [_as_cells(line) for line in sorted(red, key=SORTS["score"])]
    assert f"{len(red)} shown of 30" in filtered
    no_plan = client.get(url("authority", authority) + "?status=no_plan").content.decode()
    no_plan_names = [line["name"] for line in expected if line["status"] == "No plan"]
    assert [row[0] for row in schools_table(no_plan)] == no_plan_names
    # The empty state.
    none = client.get(url("authority", authority) + "?rag=green&status=no_plan").content.decode()
    assert "No school matches these filters" in none
    # Late: once the deadline has passed, every school without an approved plan.
    services.approval_deadline_set(authority=authority, academic_year=YEAR, approve_by=datetime.date(YEAR, 11, 1),
                                   by=officer)
    late = _expected(authority, deadline_passed=True)
    html = client.get(url("authority", authority) + "?sort=name").content.decode()
    assert schools_table(html) == [_as_cells(line) for line in late[:25]]
    late_only = client.get(url("authority", authority) + "?status=late").content.decode()
    assert f"{sum(line['late'] for line in late)} shown of 30" in late_only
    # The CSV: every matching row (no page), in the page's order.
    response = client.get(url("authority_csv", authority) + "?sort=incomplete&dir=desc")
    rows = list(csv.reader(io.StringIO(response.content.decode())))[1:]
    assert [(row[0], row[9]) for row in rows] == [
        (line["name"], "" if line["incomplete"] is None else str(line["incomplete"]))
        for line in sorted(late, key=SORTS["incomplete"], reverse=True)]
    # Pagination keeps the filter and the sort: 26 more schools without a plan make two pages of them.
    for i in range(26):
        OrganisationFactory(parent=authority, name=f"New school {i:02d}")
    no_plans = client.get(url("authority", authority) + "?status=no_plan&sort=name&dir=desc").content.decode()
    assert "Page 1 of 2" in no_plans
    next_link = re.search(r'href="([^"]*)" rel="next"', no_plans).group(1)
    assert next_link == "?status=no_plan&amp;sort=name&amp;dir=desc&amp;page=2"
    second = client.get(url("authority", authority) + "?status=no_plan&sort=name&dir=desc&page=2").content.decode()
    names = [row[0] for row in schools_table(no_plans) + schools_table(second)]
    assert names == sorted(names, key=str.lower, reverse=True) and len(names) == 26 + len(no_plan_names)


def _stored(plan):
    plan = CareersPlan.objects.for_org(plan.organisation_id).get(pk=plan.pk)
    return plan.score, plan.sections_incomplete, plan.is_approved


def _from_scratch(plan):
    org = plan.organisation_id
    return (ChecklistTick.objects.for_org(org).filter(plan=plan).count(),
            len({r.template_row.section_id for r in PlanRow.objects.for_org(org).filter(plan=plan, planned="")
                 .select_related("template_row")}),
            GoverningBodyApproval.objects.for_org(org).filter(plan=plan).exists())


def test_the_stored_summary_follows_every_service_and_equals_a_recompute(org, other_org):
    person = lead(org)
    plan = make_plan(org, year=YEAR, phase=Phase.MONITORING, by=person)
    other = make_plan(other_org, year=YEAR)
    tick(other, 5)
    steps = []

    def check(what):
        assert _stored(plan) == _from_scratch(plan), what
        steps.append(_stored(plan))

    check("created: nothing planned")
    items = list(ChecklistItem.objects.filter(template_id=plan.template_id, is_governing_body_approval=False,
                                              is_student_feedback=False).order_by("number"))
    on = datetime.date(YEAR, 10, 1)
    services.checklist_save(org=org, plan=plan, by=person, changes=[(i, True, "", on) for i in items[:9]])
    check("nine ticked")
    services.checklist_save(org=org, plan=plan, by=person,
                            changes=[(i, False, "", None) for i in items[:3]] + [(items[12], True, "", on)])
    check("three unticked, one ticked")
    services.checklist_set(org=org, plan=plan, item=items[4], ticked=False, by=person)
    check("one unticked")
    rows = list(plan.rows.order_by("pk"))
    for row in rows[:-2]:
        services.plan_row_save(org=org, row=row, version=row.version, by=person, planned="Planned")
    check("all but two rows planned")
    services.plan_row_save(org=org, row=rows[0], version=rows[0].version, by=person, planned="")
    check("a row emptied again")
    for row in [rows[0], *rows[-2:]]:
        row.refresh_from_db()
        services.plan_row_save(org=org, row=row, version=row.version, by=person, planned="Planned")
    check("every row planned")
    services.approval_record(org=org, plan=plan, approved_on=datetime.date(YEAR, 10, 14), minute_reference="GB/1",
                             by=person)
    check("approved")
    services.approval_remove(org=org, plan=plan, by=person)
    check("approval removed")
    services.approval_record(org=org, plan=plan, approved_on=datetime.date(YEAR, 10, 20), minute_reference="GB/2",
                             by=person)
    check("approved again")
    services.checklist_tick_from_survey(org=org, plan=plan, first_answer_on=on)
    check("the students' survey ticked its item")
    assert steps[1][0] == 9 and steps[-1][2] and steps[0][1] > 0 and steps[6][1] == 0
    # The set-based recompute finds nothing to change: the summary was kept current.
    before = {p.pk: (p.score, p.sections_incomplete, p.is_approved) for p in CareersPlan.objects.system("test")}
    CareersPlan.objects.system("test").update(score=0, sections_incomplete=0, is_approved=False)
    services.plan_summaries_refresh(plans=CareersPlan.objects.system("test"))
    assert {p.pk: (p.score, p.sections_incomplete, p.is_approved) for p in CareersPlan.objects.system("test")} \
        == before
    assert before[other.pk] == _from_scratch(other) and before[other.pk][0] == 5


def _count(client, path):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_dashboard_and_its_csv_read_as_many_queries_for_2_schools_as_for_30(client, sign_in):
    counts = []
    for n in (2, 30):
        authority = _county(n)
        services.approval_deadline_set(authority=authority, academic_year=YEAR,
                                       approve_by=datetime.date(YEAR, 11, 1), by=None)
        sign_in(member(authority, Role.LA_OFFICER))
        client.get(url("authority", authority))  # the session's first-request writes
        counts.append([_count(client, url("authority", authority) + query) for query in (
            "", "?sort=rag&dir=desc&page=2", "?status=late&phase=planning", "?rag=red&sort=incomplete")]
            + [_count(client, url("authority_csv", authority) + "?sort=score")])
    assert counts[0] == counts[1]
    assert max(counts[0]) <= 20
