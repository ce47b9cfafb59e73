"""The school's page of who can see its data: external reviewers of its annual careers plans."""

from django.urls import reverse

from plp_portal.organisations.data_access import AccessRow

from .models import ReviewerGrant
from .permissions import PLAN_EDITORS


def access_rows(*, org, membership, today):
    may_end = membership.role in PLAN_EDITORS
    rows = []
    grants = (ReviewerGrant.objects.for_org(org).filter(revoked_at__isnull=True, expires_on__gte=today)
              .select_related("reviewer", "plan").order_by("expires_on", "pk"))
    for grant in grants:
        rows.append(AccessRow(
            who=f"{grant.reviewer.full_name or grant.reviewer.email} ({grant.get_kind_display().lower()})",
            grant=f"Careers plan reviewer, granted {grant.granted_at:%-d %b %Y}",
            sees=f"The annual careers plan {grant.plan} (no learner's record)",
            until=grant.expires_on,
            end_url=reverse("careersplan:reviewer_revoke", kwargs={
                "org_slug": org.slug, "plan_id": grant.plan_id, "grant_id": grant.pk}) if may_end else "",
            note="" if may_end else "Your careers lead can end it"))
    return rows
