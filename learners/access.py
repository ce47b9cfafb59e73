"""The school's page of who can see its learners' data: plans shared with named people."""

from django.urls import reverse

from plp_portal.organisations.data_access import AccessRow

from .models import PlanShare, RecordTransfer
from .permissions import WORKING_STAFF_ROLES, PlanViewer, can_manage_sharing
from .choices import TransferStatus


def access_rows(*, org, membership, today):
    """Active plan shares; the member may end one where they may manage the plan's sharing (the
    learner decides from 13, ``learners.permissions.can_manage_sharing``)."""
    rows = []
    shares = (PlanShare.objects.for_org(org).filter(PlanShare.active_q())
              .select_related("grantee", "plan__profile__user").order_by("-granted_at", "-pk"))
    for share in shares:
        profile = share.plan.profile
        viewer = PlanViewer(plan_id=share.plan_id, organisation_id=org.pk, user_id=membership.user_id,
                            is_key_worker=profile.key_worker_id == membership.user_id,
                            staff_role=membership.role if membership.role in WORKING_STAFF_ROLES else None)
        may_end = can_manage_sharing(viewer, profile, today)
        rows.append(AccessRow(
            who=f"{share.grantee.full_name or share.grantee.email} ({share.get_relationship_display().lower()})",
            grant=f"Plan shared on {share.granted_at:%-d %b %Y}",
            sees=f"{share.plan.profile.user.full_name}'s plan (what the plan's audience lets them see)",
            until=share.expires_at.date() if share.expires_at else None,
            end_url=reverse("learners:share_revoke", kwargs={"org_slug": org.slug, "share_id": share.pk})
            if may_end else "",
            note="" if may_end else "The learner decides who sees their plan"))
    return rows + transfer_access_rows(org=org, today=today)


def transfer_access_rows(*, org, today):
    """Record transfers of this organisation's learners: consented (in force) and asked for."""
    rows = []
    for transfer in (RecordTransfer.objects.for_org(org)
                     .filter(status__in=[TransferStatus.CONSENTED, TransferStatus.REQUESTED])
                     .select_related("learner", "receiving_organisation").order_by("-requested_at", "-pk")):
        name = transfer.learner.full_name or transfer.learner.email
        consented = transfer.status == TransferStatus.CONSENTED
        rows.append(AccessRow(
            who=transfer.receiving_organisation.name,
            grant=(f"Record transfer consented by the learner on {transfer.decided_at:%-d %b %Y}" if consented
                   else f"Record transfer asked for on {transfer.requested_at:%-d %b %Y}: waiting for the learner"),
            sees=(f"{name}'s plans here, read-only: records for everyone on the plan"
                  + (" and staff-only records" if transfer.include_staff_records else "")
                  + "; never restricted records or sensitive information") if consented
            else f"Nothing until {name} consents",
            until=None, note="The learner decides: they can withdraw their consent at any time"
            + (" · " + transfer.sending_note if transfer.sending_note else "")))
    return rows
