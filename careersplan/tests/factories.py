"""Factories for careersplan tests. Every row's organisation is derived from its plan."""

import datetime

from django.urls import reverse
from careersplan import services
from careersplan.choices import Phase, TemplateKind
from careersplan.models import CareersPlan, ChecklistItem, PlanTemplate
from plp_portal.organisations.choices import Role
from tests.factories import member


def shipped_templates():
    """The global templates of the data migration (re-created by the migration's own code if a
    transactional test flushed them)."""
    services.shipped_templates_ensure()
    kent = PlanTemplate.objects.get(owner__isnull=True, kind=TemplateKind.CAREERS_PLAN,
                                    name="Kent Annual Careers Plan", version=1)
    ilp = PlanTemplate.objects.get(owner__isnull=True, kind=TemplateKind.ILP_CHECKLIST, version=1)
    return kent, ilp


def kent_template():
    return shipped_templates()[0]


def lead(org, **fields):
    return member(org, Role.CAREERS_LEAD, **fields)


def make_plan(org, *, year=2026, phase=Phase.PLANNING, by=None, template=None) -> CareersPlan:
    shipped_templates()
    plan = services.plan_create(org=org, academic_year=year, by=by, template=template)
    if phase != Phase.PLANNING:
        CareersPlan.objects.for_org(org).filter(pk=plan.pk).update(phase=phase)
        plan.phase = phase
    return plan


def consultant_review(org, *, email, expires_on, today):
    """A careers lead's plan whose review they grant Cleo Consultant (no account yet, no
    membership): (the lead, the plan, the grant)."""
    person = lead(org)
    plan = make_plan(org, by=person)
    grant = services.reviewer_grant(org=org, plan=plan, email=email, full_name="Cleo Consultant",
                                    kind="consultant", expires_on=expires_on, by=person, today=today)
    return person, plan, grant


def tick(plan, count, *, by=None):
    """Tick the first ``count`` items other than the governing body's."""
    items = [i for i in ChecklistItem.objects.filter(template_id=plan.template_id)
             .order_by("number") if not i.is_governing_body_approval][:count]
    for item in items:
        services.checklist_set(org=plan.organisation, plan=plan, item=item, ticked=True, by=by,
                               ticked_on=datetime.date(plan.academic_year, 10, 1))
    return items


def url(name, org, **kwargs):
    """The careers plan page ``name`` of ``org``."""
    return reverse(f"careersplan:{name}", kwargs={"org_slug": org.slug, **kwargs})
