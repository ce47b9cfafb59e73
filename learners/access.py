"""The school's page of who can see its learners' data: plans shared with named people."""

from django.urls import reverse

from plp_portal.organisations.data_access import AccessRow

from .models import PlanShare
from .permissions import WORKING_STAFF_ROLES


def access_rows(*, org, membership, today):
    may_end = membership.role in WORKING_STAFF_ROLES
    rows = []
    shares = (PlanShare.objects.for_org(org).filter(PlanShare.active_q())
              .select_related("grantee", "plan__profile__user").order_by("-granted_at", "-pk"))
    for share in shares:
        rows.append(AccessRow(
            who=f"{share.grantee.full_name or share.grantee.email} ({share.get_relationship_display().lower()})",
            grant=f"Plan shared on {share.granted_at:%-d %b %Y}",
            sees=f"{share.plan.profile.user.full_name}'s plan (what the plan's audience lets them see)",
            until=share.expires_at.date() if share.expires_at else None,
            end_url=reverse("learners:share_revoke", kwargs={"org_slug": org.slug, "share_id": share.pk})
            if may_end else ""))
    return rows
