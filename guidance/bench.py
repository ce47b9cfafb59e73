"""Benchmark hook (``manage.py bench``): the careers adviser's triage queue (every partner
school's referrals waiting for triage) and the careers service dashboard, as a seeded adviser."""

from __future__ import annotations

from django.urls import reverse

from plp_portal.bench import BenchPage
from plp_portal.organisations.choices import OrganisationKind, Role
from plp_portal.organisations.models import Membership, Organisation


def pages(*, password) -> list[BenchPage]:
    membership = (Membership.objects.system("bench picks a seeded careers adviser")
                  .filter(role=Role.CAREERS_ADVISER, is_active=True, organisation__is_generated=True,
                          organisation__kind=OrganisationKind.CAREERS_SERVICE)
                  .select_related("user", "organisation").order_by("organisation_id", "id").first())
    if membership is None:
        return []
    slug, email = membership.organisation.slug, membership.user.email
    queue = reverse("guidance:index", kwargs={"org_slug": slug})
    school = Organisation.objects.filter(parent__isnull=False, is_generated=True).order_by("pk").first()
    filters = [("one school", f"school={school.pk}"), ("a reason", "reason=demotivated"),
               ("suggested tier", "tier=intensive"), ("accepted", "status=accepted"),
               ("every status", "status="), ("page 40", "page=40")]
    return [
        BenchPage("adviser triage queue", queue, email, password),
        BenchPage("careers service dashboard", reverse("guidance:dashboard", kwargs={"org_slug": slug}),
                  email, password),
        *[BenchPage(f"triage queue: {label}", f"{queue}?{query}", email, password, explain_only=True)
          for label, query in filters],
        BenchPage("service dashboard: one school",
                  reverse("guidance:dashboard", kwargs={"org_slug": slug}) + f"?school={school.pk}",
                  email, password, explain_only=True),
    ]
