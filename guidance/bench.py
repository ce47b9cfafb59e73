"""Benchmark hook (``manage.py bench``): the careers adviser's triage queue (every partner
school's referrals waiting for triage) and the careers service dashboard, as a seeded adviser."""

from __future__ import annotations

from django.urls import reverse

from plp_portal.bench import BenchPage
from plp_portal.organisations.choices import OrganisationKind, Role
from plp_portal.organisations.models import Membership


def pages(*, password) -> list[BenchPage]:
    membership = (Membership.objects.system("bench picks a seeded careers adviser")
                  .filter(role=Role.CAREERS_ADVISER, is_active=True, organisation__is_generated=True,
                          organisation__kind=OrganisationKind.CAREERS_SERVICE)
                  .select_related("user", "organisation").order_by("organisation_id", "id").first())
    if membership is None:
        return []
    slug, email = membership.organisation.slug, membership.user.email
    return [
        BenchPage("adviser triage queue", reverse("guidance:index", kwargs={"org_slug": slug}), email, password),
        BenchPage("careers service dashboard", reverse("guidance:dashboard", kwargs={"org_slug": slug}),
                  email, password),
    ]
