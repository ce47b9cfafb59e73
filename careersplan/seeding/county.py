"""County-scale data for the careersplan app (``manage.py seed_county``).

For every school and college, an annual careers plan for each academic year of history, on the
default (Kent) template, rolled forward from the year before: past years in their review phase
with every row planned and actions for next year written, this year's in planning (some rows
still empty) or monitoring; evidence on some rows; checklist ticks giving scores spread over
0–20 so every RAG band is present every year (the governing body item ticked only through an
approval record); the score history those ticks made; an approval deadline per year for the
authority. Set-based (COPY); the plans, rows and ticks derive their organisation from the
school."""

from __future__ import annotations

import datetime

from plp_portal.seeding.county import at
from plp_portal.organisations.choices import OrganisationKind as Kind
from plp_portal.organisations.choices import Role

from .. import models as m
from .. import services
from ..choices import Phase, TemplateKind

PLAN_ORG_KINDS = (Kind.SCHOOL, Kind.COLLEGE)
# Score bands chosen in turn so every band appears in every year (inclusive ranges of 0..20).
BANDS = [(0, 10), (11, 15), (16, 20)]


def _at(day: datetime.date, hour=12) -> datetime.datetime:
    return at(day, hour)


def seed(county) -> None:
    rng, w, today = county.rng, county.writer, county.today
    services.shipped_templates_ensure()
    template = (m.PlanTemplate.objects.filter(kind=TemplateKind.CAREERS_PLAN, is_published=True, owner__isnull=True)
                .order_by("-version").first())
    if template is None:
        county.log("careersplan: no published careers plan template; skipped")
        return
    template_rows = list(m.TemplateRow.objects.filter(section__template=template)
                         .order_by("section__position", "position").values_list("pk", "section_id"))
    items = list(m.ChecklistItem.objects.filter(template=template).order_by("number")
                 .values_list("pk", "is_governing_body_approval"))
    approval_item = next((pk for pk, is_gb in items if is_gb), None)
    number_of = dict(m.ChecklistItem.objects.filter(template=template).values_list("pk", "number"))
    other_items = [pk for pk, is_gb in items if not is_gb]
    schools = [org_id for org_id, kind in county.providers.items() if kind in PLAN_ORG_KINDS]
    for year in county.years:
        m.ApprovalDeadline.objects.for_org(county.la_id).get_or_create(
            organisation_id=county.la_id, academic_year=year,
            defaults={"approve_by": datetime.date(year, 11, 30)})
    tables = {model: [] for model in (m.CareersPlan, m.PlanRow, m.Evidence, m.ChecklistTick, m.ScoreChange,
                                      m.GoverningBodyApproval)}
    plan_ids = iter(w.ids(m.CareersPlan, len(schools) * len(county.years)))
    row_ids = iter(w.ids(m.PlanRow, len(schools) * len(county.years) * len(template_rows)))
    for n, org_id in enumerate(schools):
        lead = (county.staff_of(org_id, Role.CAREERS_LEAD) or county.staff_of(org_id, Role.ORG_ADMIN))[0]
        base = {"organisation_id": org_id}
        previous = None
        for y, year in enumerate(county.years):
            current = year == county.years[-1]
            start = datetime.date(year, 9, 1)
            phase = (Phase.MONITORING if rng.random() < 0.7 else Phase.PLANNING) if current else Phase.REVIEW
            plan_id = next(plan_ids)
            tables[m.CareersPlan].append({**base, "id": plan_id, "academic_year": year, "template_id": template.pk,
                                          "phase": phase, "rolled_forward_from_id": previous, "created_by_id": lead,
                                          "created_at": _at(datetime.date(year, 6, 20))})
            previous = plan_id
            for k, (template_row_id, _section) in enumerate(template_rows):
                filled = phase != Phase.PLANNING or rng.random() < 0.6
                row_id = next(row_ids)
                tables[m.PlanRow].append({
                    **base, "id": row_id, "plan_id": plan_id, "template_row_id": template_row_id,
                    "planned": "Planned with the department heads; reported to governors." if filled else "",
                    "actions_next_year": "Extend to the next year group." if phase == Phase.REVIEW else "",
                    "version": 2 if filled else 1, "updated_by_id": lead,
                    "updated_at": _at(datetime.date(year, 7, 1) if filled else datetime.date(year, 6, 20)),
                })
                if phase != Phase.PLANNING and k % 4 == 0:
                    tables[m.Evidence].append({**base, "row_id": row_id,
                                               "text": "Careers fair held with local employers; feedback attached.",
                                               "added_by_id": lead, "added_at": _at(start + datetime.timedelta(days=40 + k))})
            # The score: a band in turn (so each year has red, amber and green plans), a value in it.
            low, high = BANDS[(n + y) % len(BANDS)]
            score = rng.randint(low, min(high, len(items)))
            approved = approval_item is not None and score >= 4 and (not current or rng.random() < 0.6)
            ticked = rng.sample(other_items, min(len(other_items), score - (1 if approved else 0)))
            ticked.sort()
            moments = []
            for i, item in enumerate(ticked):
                day = min(today, start + datetime.timedelta(days=14 + 7 * i))
                moments.append((day, item, False))
            if approved:
                approved_on = min(today, start + datetime.timedelta(days=45))
                moments.append((approved_on, approval_item, True))
                tables[m.GoverningBodyApproval].append({
                    **base, "plan_id": plan_id, "approved_on": approved_on, "minute_reference": f"GB/{year}/{n + 1:03d}",
                    "recorded_by_id": lead, "recorded_at": _at(approved_on, 17)})
            moments.sort(key=lambda m: m[0])
            for count, (day, item, _is_gb) in enumerate(moments, start=1):
                tables[m.ChecklistTick].append({**base, "plan_id": plan_id, "item_id": item,
                                                "evidence_link": "https://example.org/evidence", "ticked_on": day,
                                                "ticked_by_id": lead})
                tables[m.ScoreChange].append({**base, "plan_id": plan_id, "items_ticked": str(number_of[item]),
                                              "score": count, "rag": template.rag_for(count), "changed_by_id": lead,
                                              "changed_at": _at(day, 16)})
    for model, rows in tables.items():
        if rows and "id" not in rows[0]:
            for row, row_id in zip(rows, w.ids(model, len(rows))):
                row["id"] = row_id
        w.copy(model, rows)
    # Written by COPY: the plans' stored summaries, set-based from the rows just written.
    services.plan_summaries_refresh(plans=m.CareersPlan.objects.for_orgs(schools))
    county.log(f"careersplan: {len(tables[m.CareersPlan]):,} annual careers plans, "
               f"{len(tables[m.ChecklistTick]):,} checklist ticks")
