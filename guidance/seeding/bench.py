"""Benchmark hook (``manage.py bench``): the careers adviser's triage queue (every partner
school's referrals waiting for triage) and the careers service dashboard, as a seeded adviser;
the local authority's outcome dashboard (issue 15: within 800 ms median on the county data) and
its CSV, as a seeded LA officer."""

from __future__ import annotations

from django.urls import reverse

from plp_portal.seeding.bench import BenchPage
from plp_portal.organisations.choices import OrganisationKind, Role
from plp_portal.organisations.models import Membership, Organisation


def _authority_pages(password) -> list[BenchPage]:
    officer = (Membership.objects.system("bench picks a seeded LA officer")
               .filter(role=Role.LA_OFFICER, is_active=True, organisation__is_generated=True)
               .select_related("user", "organisation").order_by("organisation_id", "id").first())
    if officer is None:
        return []
    slug, email = officer.organisation.slug, officer.user.email
    outcomes = reverse("guidance:authority_outcomes", kwargs={"org_slug": slug})
    school = Organisation.objects.filter(parent=officer.organisation).order_by("pk").first()
    return [
        BenchPage("authority outcomes dashboard", outcomes, email, password),
        BenchPage("authority outcomes CSV", reverse("guidance:authority_outcomes_csv", kwargs={"org_slug": slug}),
                  email, password, explain_only=True),
        *([BenchPage("authority outcomes: one school", f"{outcomes}?school={school.pk}", email, password,
                     explain_only=True)] if school else []),
        BenchPage("authority outcomes: year group 11", f"{outcomes}?year_group=11", email, password,
                  explain_only=True),
    ]


def pages(*, password) -> list[BenchPage]:
    authority = _authority_pages(password)
    membership = (Membership.objects.system("bench picks a seeded careers adviser")
                  .filter(role=Role.CAREERS_ADVISER, is_active=True, organisation__is_generated=True,
                          organisation__kind=OrganisationKind.CAREERS_SERVICE)
                  .select_related("user", "organisation").order_by("organisation_id", "id").first())
    if membership is None:
        return authority
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
        *authority,
    ]
