"""Benchmark hook (``manage.py bench``): every role's landing page (``organisations:home`` as a
seeded member of each staff role; the learner's /me/ is the learners app's) and the core list
pages with their default filters: members, data access, notifications, records (subject access
requests and retention) and the learner's own records page."""

from __future__ import annotations

from django.urls import reverse

from plp_portal.seeding.bench import BenchPage

from ..choices import OrganisationKind, Role
from ..models import Membership


def _first(role, **extra):
    return (Membership.objects.system("bench picks a seeded member")
            .filter(role=role, is_active=True, organisation__is_generated=True, **extra)
            .select_related("user", "organisation").order_by("organisation_id", "id").first())


def pages(*, password) -> list[BenchPage]:
    result = []
    for role in Role:
        if role in (Role.LEARNER, Role.PARENT_CARER):
            continue
        member = _first(role, organisation__kind=OrganisationKind.SCHOOL) or _first(role)
        if member is not None:
            result.append(BenchPage(f"landing: {role.label.lower()}", reverse(
                "organisations:home", kwargs={"org_slug": member.organisation.slug}), member.user.email, password))
    admin = _first(Role.ORG_ADMIN, organisation__kind=OrganisationKind.SCHOOL)
    if admin is not None:
        slug, email = admin.organisation.slug, admin.user.email
        for label, name in (("members", "organisations:members"), ("data access", "organisations:access"),
                            ("notifications", "organisations:notifications"),
                            ("records requests", "records:index"), ("records retention", "records:retention")):
            result.append(BenchPage(f"{label} (admin)", reverse(name, kwargs={"org_slug": slug}), email, password))
    learner = _first(Role.LEARNER)
    if learner is not None:
        result.append(BenchPage("my records (learner)", reverse("me_records:index"), learner.user.email, password))
    return result
