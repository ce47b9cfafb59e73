from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from plp_portal.accounts.services import invited_account
from plp_portal.audit.services import audit_log
from plp_portal.notifications.services import email_queue

from .models import Invitation, Membership, Term


class InvitationError(Exception):
    pass


def invitation_create(*, org, email: str, role: str, invited_by, request=None) -> Invitation:
    """Invite ``email`` to ``org`` with ``role`` and email them a link to accept."""
    email = email.strip().lower()
    if Membership.objects.for_org(org).filter(user__email__iexact=email).exists():
        raise InvitationError(f"{email} is already a member of {org.name}.")
    token, token_hash = Invitation.new_token()
    invitation = Invitation.objects.create(
        organisation=org,
        email=email,
        role=role,
        token_hash=token_hash,
        invited_by=invited_by,
        expires_at=timezone.now() + Invitation.VALID_FOR,
    )
    email_queue(
        to=email,
        subject=f"You are invited to {org.name} on PLP Portal",
        template="organisations/email/invitation",
        context={
            "invitation": invitation,
            "org": org,
            "invited_by": invited_by,
            "accept_path": reverse("invitation_accept", kwargs={"token": token}),
        },
        org=org,
    )
    audit_log("invitation.created", request=request, org=org, obj=invitation,
              data={"email": email, "role": role})
    return invitation


def invitation_revoke(*, org, invitation: Invitation, by, request=None) -> None:
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_log("invitation.revoked", request=request, org=org, obj=invitation)


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user=None, full_name="", password=None,
                      request=None):
    """Accept an open invitation: as ``user`` (signed in, same email) or by creating the
    account with ``password``. Returns the membership."""
    if not invitation.is_open:
        raise InvitationError("This invitation has expired or has already been used.")
    user = invited_account(email=invitation.email, user=user, full_name=full_name,
                           password=password, error=InvitationError)
    org = invitation.organisation
    membership, _ = Membership.objects.for_org(org).update_or_create(
        organisation=org, user=user, defaults={"role": invitation.role, "is_active": True}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_log("invitation.accepted", request=request, actor=user, org=org, obj=invitation)
    return membership


def membership_set_role(*, org, membership: Membership, role: str, by, request=None):
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_log("membership.role_changed", request=request, org=org, obj=membership,
              data={"from": old, "to": role})


def membership_deactivate(*, org, membership: Membership, by, request=None):
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    audit_log("membership.deactivated", request=request, org=org, obj=membership)


def term_create(*, org, **fields) -> Term:
    term = Term(organisation=org, **fields)
    term.full_clean()
    term.save()
    return term
