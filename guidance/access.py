"""The school's page of who can see its learners' data: current careers service partnerships."""

from django.urls import reverse

from plp_portal import clock
from plp_portal.organisations.data_access import AccessRow
from plp_portal.organisations.choices import Role

from . import selectors


def access_rows(*, org, membership, today):
    rows = []
    for p in selectors.agreements_of_school(school=org):
        if not p.is_current(today):
            continue
        advisers = ", ".join(a.adviser.full_name or a.adviser.email for a in p.advisers.all()) or "none named"
        end_url = ""
        if membership.role == Role.ORG_ADMIN and p.can_end:
            end_url = reverse("guidance:agreement_end", kwargs={"org_slug": org.slug, "agreement_id": p.pk})
        rows.append(AccessRow(
            who=p.organisation.name,
            grant=f"Careers service partnership {clock.academic_year_label(p.academic_year)}, accepted "
                  f"{p.decided_at:%-d %b %Y}",
            sees=f"Every learner's referrals, tiers, interviews, destinations and staff-shared plan entries "
                 f"(named advisers: {advisers})",
            until=p.in_force_until, end_url=end_url,
            note="" if end_url else "Your organisation admin can end it"))
    return rows
