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


def _school_pages(password, school) -> list[BenchPage]:
    """A partner school's agreements (as its admin) and a learner's own guidance page."""
    from learners.models import LearnerProfile

    result = []
    admin = (Membership.objects.system("bench picks a seeded school admin")
             .filter(role=Role.ORG_ADMIN, is_active=True, organisation=school).select_related("user")
             .order_by("id").first())
    if admin is not None:
        result.append(BenchPage("agreements (school admin)", reverse(
            "guidance:agreement_list", kwargs={"org_slug": school.slug}), admin.user.email, password))
    profile = (LearnerProfile.objects.for_org(school).filter(is_active=True, referrals__isnull=False)
               .select_related("user").order_by("pk").first())
    if profile is not None:
        result.append(BenchPage("my guidance (learner)", reverse("me_guidance:index"), profile.user.email, password))
    return result


def prepare() -> str:
    """Before measuring: what the worker's minute job would have done on a live system —
    compute the dashboard figures of the schools marked stale (after seeding or migrating)."""
    from ..figures import figures_refresh_stale

    return f"dashboard figures of {figures_refresh_stale()} stale schools computed"


def _page_40(service) -> str:
    """The query string of the queue's 40th page (keyset: after the 975th waiting referral)."""
    from plp_portal.pagination import cursor_after

    from ..choices import ReferralStatus
    from ..models import Referral
    from ..selectors import QUEUE_RANK, REFERRAL_QUEUE_KEYS, partner_school_ids

    row = (Referral.objects.for_orgs(partner_school_ids(org=service)).filter(status=ReferralStatus.NEW)
           .annotate(queue_rank=QUEUE_RANK).order_by(*REFERRAL_QUEUE_KEYS)
           .values_list(*REFERRAL_QUEUE_KEYS)[39 * 25 - 1:39 * 25].first())
    return f"cursor={cursor_after(list(row))}" if row else "cursor="


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
               ("every status", "status="), ("page 40", _page_40(membership.organisation))]
    return [
        BenchPage("adviser triage queue", queue, email, password),
        BenchPage("careers service dashboard", reverse("guidance:dashboard", kwargs={"org_slug": slug}),
                  email, password),
        *[BenchPage(f"triage queue: {label}", f"{queue}?{query}", email, password, explain_only=True)
          for label, query in filters],
        BenchPage("guidance learner list (adviser)", reverse("guidance:learner_list", kwargs={"org_slug": slug}),
                  email, password),
        BenchPage("group sessions (adviser)", reverse("guidance:group_session_list", kwargs={"org_slug": slug}),
                  email, password),
        BenchPage("NEET list (adviser)", reverse("guidance:neet_list", kwargs={"org_slug": slug}), email, password),
        BenchPage("partnerships (adviser)", reverse("guidance:partnership_list", kwargs={"org_slug": slug}),
                  email, password),
        *_school_pages(password, school),
        BenchPage("service dashboard: one school",
                  reverse("guidance:dashboard", kwargs={"org_slug": slug}) + f"?school={school.pk}",
                  email, password, explain_only=True),
        *authority,
    ]
