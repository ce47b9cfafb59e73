"""Demo annual careers plans for Demoshire: Northgate (lead@) has last year's approved plan and
this year's in monitoring; the authority (la@) sees its schools in all three RAG bands."""

import datetime

from plp_portal import clock

from .. import services
from ..choices import Phase
from ..models import ApprovalDeadline, CareersPlan, ChecklistItem
from ..selectors import template_default

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
    _recommendations(demo, year)
    _programme(demo, year)
    _surveys(demo, year)
    # ``_fill`` writes rows directly: the plans' stored summaries are recomputed from them.
    services.plan_summaries_refresh(plans=CareersPlan.objects.for_orgs(demo.orgs[key].pk for key in PLANS))
    if not ApprovalDeadline.objects.for_org(demo.orgs["la"]).filter(academic_year=year).exists():
        services.approval_deadline_set(authority=demo.orgs["la"], academic_year=year,
                                       approve_by=datetime.date(year, 12, 1),
                                       by=demo.users["la@demoshire.test"])
    demo.log.append(f"careers plans for {len(PLANS)} schools and colleges, {year - 1} and {year}")


def _recommendations(demo, year):
    """The authority's recommendations (issue 15) on Northgate's and Riverside's plans: one
    answered, two waiting for the school. Skipped when Northgate's plan has any."""
    from ..models import CareersPlan, Recommendation

    officer, la = demo.users["la@demoshire.test"], demo.orgs["la"]
    plans = {key: CareersPlan.objects.for_org(demo.orgs[key]).filter(academic_year=year).first()
             for key in ("northgate", "riverside")}
    if plans["northgate"] is None or Recommendation.objects.for_org(demo.orgs["northgate"]).filter(
            plan=plans["northgate"]).exists():
        return
    answered = services.recommendation_add(
        authority=la, plan=plans["northgate"], kind="priority", by=officer,
        text="Bring employers into Year 10 lessons at least once a term (checklist item 8).",
        due_on=demo.today + datetime.timedelta(days=45))
    services.recommendation_answer(org=demo.orgs["northgate"], recommendation=answered, by=demo.users["lead@demoshire.test"],
                                   response="Two employer talks booked for the spring term; the STEM ambassador "
                                            "network is helping us find a third.")
    services.recommendation_add(
        authority=la, plan=plans["northgate"], kind="recommendation", by=officer,
        text="Ask parents for their views of the careers programme before the April review.",
        due_on=demo.today + datetime.timedelta(days=10))
    if plans["riverside"] is not None:
        services.recommendation_add(
            authority=la, plan=plans["riverside"], kind="recommendation", by=officer,
            text="Record the destinations of last year's leavers who are not known.",
            due_on=demo.today + datetime.timedelta(days=30))


def _programme(demo, year):
    """Northgate's published careers programme: its first three planned rows public."""
    from .. import selectors

    org, person = demo.orgs["northgate"], demo.users["lead@demoshire.test"]
    programme = selectors.programme_get(org=org)
    plan = CareersPlan.objects.for_org(org).filter(academic_year=year).first()
    if programme.published_at is not None or plan is None:
        return
    rows = [r.pk for r in selectors.programme_rows(plan=plan)[:3]]
    services.programme_save(
        org=org, programme=programme, plan=plan, public_row_ids=rows, by=person, careers_lead_name="Lee Lead",
        careers_lead_contact="careers@northgate.demoshire.test",
        how_to_get_guidance="Pupils can book a guidance interview with the careers adviser at the library on "
                            "Tuesday lunchtimes; parents can email the careers lead or ask at parents' evenings.",
        next_review_on=datetime.date(year + 1, 4, 30))
    services.programme_publish(org=org, programme=programme, by=person)


def _surveys(demo, year):
    """Northgate's feedback surveys for the annual review: students (four answers) and parents
    (named allowed, one answer). Skipped when the plan has any."""
    from .. import feedback
    from ..models import CareersPlan, FeedbackSurvey

    org, person = demo.orgs["northgate"], demo.users["lead@demoshire.test"]
    plan = CareersPlan.objects.for_org(org).filter(academic_year=year).first()
    if plan is None or FeedbackSurvey.objects.for_org(org).filter(plan=plan).exists():
        return
    closes = demo.today + datetime.timedelta(days=60)
    students = feedback.survey_open(org=org, plan=plan, audience="students", named_allowed=False,
                                    closes_on=closes, by=person)
    for n, (rating, good, better) in enumerate([
            (5, "The careers fair: I met an engineering apprentice.", "More time with the adviser."),
            (4, "Mock interviews helped me.", ""),
            (3, "", "Tell us about apprenticeships earlier, in Year 9."),
            (4, "Work experience week.", "More local employers.")]):
        feedback.response_add(survey=students, address=f"demo-{n}", rating=rating, worked_well=good, improve=better,
                              today=demo.today)
    parents = feedback.survey_open(org=org, plan=plan, audience="parents", named_allowed=True, closes_on=closes,
                                   by=person)
    feedback.response_add(survey=parents, address="demo-parent", rating=4, respondent_name="Pat Parent",
                          worked_well="The options evening was clear.", improve="Send the dates earlier.",
                          today=demo.today)


def _peer_review(demo, year):
    """Riverside's careers lead peer-reviews Northgate's plan this year, with one comment."""
    from guardian.shortcuts import assign_perm

    from ..models import ReviewComment, ReviewerGrant

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
