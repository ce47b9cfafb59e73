"""Demo annual careers plans for Demoshire: Northgate (lead@) has last year's approved plan and
this year's in monitoring; the authority (la@) sees its schools in all three RAG bands."""

import datetime

from plp_portal import clock

from . import services
from .choices import Phase
from .models import ApprovalDeadline, CareersPlan, ChecklistItem
from .selectors import template_default

# org key -> (ticks last year, ticks this year, approved this year, phase this year)
PLANS = {
    "northgate": (17, 13, True, Phase.MONITORING),     # green last year, amber now
    "riverside": (12, 17, True, Phase.MONITORING),     # green
    "hillcrest": (6, 7, False, Phase.PLANNING),        # red
    "college": (14, 12, False, Phase.MONITORING),      # amber
}

PLANNED = {
    "Role of the Governing Body": "Link governor for careers reports to the full governing "
    "body each term.",
    "Role of the Senior Management Team": "Deputy head (curriculum) holds overall "
    "responsibility for CEIAG.",
    "Role of the teaching staff": "Every department links one unit a year to careers.",
    "Careers Education": "Careers lessons in PSHE for Years 7-11; careers fair in March.",
    "Work Related Learning / Employability Skills": "Year 10 work experience week in July.",
    "Labour Market Information": "LMI displays in the library, refreshed each term.",
}
EVIDENCE = {
    "Role of the Governing Body": "Governors' minutes of 14 October: careers report received.",
    "Careers Education": "Careers fair held with 24 employers; student survey attached.",
}
ACTIONS = {
    "Role of the Governing Body": "Invite the link governor to the careers fair.",
    "Careers Education": "Add a Year 8 options session with parents.",
    "Work Related Learning / Employability Skills": "Extend work experience to Year 12.",
}


def _fill(plan, lead, *, evidence: bool, actions: bool):
    rows = list(plan.rows.select_related("template_row"))
    for row in rows:
        label = row.template_row.label
        changed = False
        if label in PLANNED and not row.planned:
            row.planned = PLANNED[label]
            changed = True
        if actions and label in ACTIONS and not row.actions_next_year:
            row.actions_next_year = ACTIONS[label]
            changed = True
        if changed:
            row.save(update_fields=["planned", "actions_next_year"])
        if evidence and label in EVIDENCE and not row.evidence.exists():
            row.evidence.create(organisation=plan.organisation, text=EVIDENCE[label],
                                added_by=lead)


def _plan(org, lead, year, ticks, approved, phase, today):
    plan = CareersPlan.objects.for_org(org).filter(academic_year=year).first()
    if plan is None:
        plan = services.plan_create(org=org, academic_year=year, by=lead,
                                    template=template_default(org=org))
    items = [i for i in ChecklistItem.objects.filter(template_id=plan.template_id)
             .order_by("number") if not i.is_governing_body_approval]
    wanted = ticks - (1 if approved else 0)
    # One save of the checklist (one event in the score history), dated no later than today.
    ticked_on = min(today, datetime.date(year, 10, 1))
    services.checklist_save(org=org, plan=plan, by=lead,
                            changes=[(item, True, "", ticked_on) for item in items[:wanted]])
    if approved:
        services.approval_record(org=org, plan=plan,
                                 approved_on=min(today, datetime.date(year, 10, 14)),
                                 minute_reference=f"GB/{year}/07", by=lead)
    if plan.phase != phase:
        CareersPlan.objects.for_org(org).filter(pk=plan.pk).update(phase=phase)
        plan.phase = phase
    return plan


def seed(demo) -> None:
    services.shipped_templates_ensure()
    today = demo.today
    year = clock.academic_year_of(today)
    leads = {"northgate": "lead@demoshire.test", "riverside": "lead.riverside@demoshire.test",
             "hillcrest": "lead.hillcrest@demoshire.test"}
    if "lead.college@demoshire.test" not in demo.users:
        from plp_portal.organisations.choices import Role

        demo.user("lead.college@demoshire.test", "Cara Lead", demo.orgs["college"],
                  Role.CAREERS_LEAD)
    leads["college"] = "lead.college@demoshire.test"
    for key, (last_ticks, ticks, approved, phase) in PLANS.items():
        org, lead = demo.orgs[key], demo.users[leads[key]]
        last = _plan(org, lead, year - 1, last_ticks, True, Phase.REVIEW, today)
        _fill(last, lead, evidence=True, actions=True)
        current = _plan(org, lead, year, ticks, approved, phase, today)
        _fill(current, lead, evidence=phase != Phase.PLANNING, actions=False)
    _peer_review(demo, year)
    if not ApprovalDeadline.objects.for_org(demo.orgs["la"]).filter(academic_year=year).exists():
        services.approval_deadline_set(authority=demo.orgs["la"], academic_year=year,
                                       approve_by=datetime.date(year, 12, 1),
                                       by=demo.users["la@demoshire.test"])
    demo.log.append(f"careers plans for {len(PLANS)} schools and colleges, {year - 1} and {year}")


def _peer_review(demo, year):
    """Riverside's careers lead peer-reviews Northgate's plan this year, with one comment."""
    from guardian.shortcuts import assign_perm

    from .models import ReviewComment, ReviewerGrant

    org = demo.orgs["northgate"]
    plan = CareersPlan.objects.for_org(org).get(academic_year=year)
    reviewer = demo.users["lead.riverside@demoshire.test"]
    if ReviewerGrant.objects.for_org(org).filter(plan=plan, reviewer=reviewer).exists():
        return
    ReviewerGrant.objects.create(organisation=org, plan=plan, reviewer=reviewer, kind="peer",
                                 expires_on=datetime.date(year + 1, 7, 31),
                                 granted_by=demo.users["lead@demoshire.test"])
    assign_perm("careersplan.review_careersplan", reviewer, plan)
    section = plan.rows.select_related("template_row__section").first().template_row.section
    ReviewComment.objects.create(
        organisation=org, plan=plan, section=section, author=reviewer,
        author_name=reviewer.full_name,
        text="Clear ownership by the senior team; consider a named careers link governor.")
