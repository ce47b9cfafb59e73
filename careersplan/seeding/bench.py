"""Benchmark hook (``manage.py bench``): a school's annual careers plan page (this year's, as
its careers lead) and the local authority dashboard (as an LA officer)."""

from __future__ import annotations

from django.urls import reverse

from plp_portal.seeding.bench import BenchPage
from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Membership

from ..models import CareersPlan


def _first(role):
    return (Membership.objects.system("bench picks a seeded user")
            .filter(role=role, is_active=True, organisation__is_generated=True)
            .select_related("user", "organisation").order_by("organisation_id", "id").first())


def pages(*, password) -> list[BenchPage]:
    result = []
    lead = _first(Role.CAREERS_LEAD)
    if lead is not None:
        plan = CareersPlan.objects.for_org(lead.organisation).order_by("-academic_year").first()
        if plan is not None:
            result.append(BenchPage("careers plan page", reverse(
                "careersplan:plan", kwargs={"org_slug": lead.organisation.slug, "plan_id": plan.pk}),
                lead.user.email, password))
        result.append(BenchPage("careers plans (lead)", reverse(
            "careersplan:index", kwargs={"org_slug": lead.organisation.slug}), lead.user.email, password))
    officer = _first(Role.LA_OFFICER)
    if officer is not None:
        authority = reverse("careersplan:authority", kwargs={"org_slug": officer.organisation.slug})
        result.append(BenchPage("authority dashboard", authority, officer.user.email, password))
        result.append(BenchPage("authority recommendations", reverse(
            "careersplan:authority_recommendations", kwargs={"org_slug": officer.organisation.slug}),
            officer.user.email, password))
        result += [BenchPage(f"authority dashboard: {label}", f"{authority}?{query}", officer.user.email, password,
                             explain_only=True)
                   for label, query in (("red plans", "rag=red"), ("by score", "sort=score&dir=desc"),
                                        ("review phase", "phase=review"))]
    return result
