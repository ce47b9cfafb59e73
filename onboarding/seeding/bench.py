"""Benchmark hook (``manage.py bench``): the school set-up pages an organisation admin lands on
(set-up home, key workers, the new-year rollover and invitations), with their default filters."""

from __future__ import annotations

from django.urls import reverse

from plp_portal.seeding.bench import BenchPage
from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Membership


def pages(*, password) -> list[BenchPage]:
    admin = (Membership.objects.system("bench picks a seeded organisation admin")
             .filter(role=Role.ORG_ADMIN, is_active=True, organisation__is_generated=True,
                     organisation__parent__isnull=False)
             .select_related("user", "organisation").order_by("organisation_id", "id").first())
    if admin is None:
        return []
    slug, email = admin.organisation.slug, admin.user.email
    return [BenchPage(f"set-up: {label} (admin)", reverse(name, kwargs={"org_slug": slug}), email, password)
            for label, name in (("home", "onboarding:index"), ("key workers", "onboarding:key_workers"),
                                ("new year", "onboarding:rollover"), ("invitations", "onboarding:invitations"))]
