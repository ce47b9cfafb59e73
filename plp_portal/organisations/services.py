import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from plp_portal.accounts.services import invited_account
from plp_portal.audit.services import audit_log
from plp_portal.hooks import app_hook_modules
from plp_portal.notifications.services import email_queue

from .choices import Role
from .models import Invitation, Membership, Organisation, Term


class InvitationError(Exception):
    pass


def invitation_create(*, org, email: str, role: str, invited_by, request=None,
                      account_without_password: bool = False, rate_limited: bool = False) -> Invitation:
    """Invite ``email`` to ``org`` with ``role`` and email them a link to accept.

    ``account_without_password``: the person is already a member (made by the MIS import) but
    has never signed in; the invitation lets them set their password. ``rate_limited``: one of
    a bulk batch, sent at most ``PLP_INVITATIONS_PER_MINUTE`` a minute per organisation."""
    email = email.strip().lower()
    members = Membership.objects.for_org(org).filter(user__email__iexact=email)
    if account_without_password:
        members = members.exclude(user__password__startswith="!")  # Django's unusable password
    if members.exists():
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
        rate=(f"invitations:{org.pk}", settings.PLP_INVITATIONS_PER_MINUTE) if rate_limited else None,
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


EXTRA_ROLES_REFUSED = frozenset({Role.LEARNER, Role.PARENT_CARER, Role.ORG_ADMIN, Role.LA_OFFICER})


def membership_set_role(*, org, membership: Membership, role: str, by, request=None,
                        extra_roles: list[str] | None = None):
    """Set the main role and (when given) the other roles. Extra roles are working roles only:
    never learner, parent/carer, organisation admin or authority officer."""
    old, old_extra = membership.role, list(membership.extra_roles or [])
    membership.role = role
    if extra_roles is not None:
        refused = set(extra_roles) & EXTRA_ROLES_REFUSED
        if refused or not set(extra_roles) <= set(Role.values):
            raise ValueError(f"not an extra role: {sorted(set(extra_roles) - set(Role.values) | refused)}")
        membership.extra_roles = sorted(set(extra_roles) - {role})
    membership.save(update_fields=["role", "extra_roles"])
    audit_log("membership.role_changed", request=request, org=org, obj=membership,
              data={"from": old, "to": role, "extra_from": old_extra, "extra_to": membership.extra_roles})


def membership_deactivate(*, org, membership: Membership, by, request=None):
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    audit_log("membership.deactivated", request=request, org=org, obj=membership)


# --- Term dates ------------------------------------------------------------------------------

TERM_FIELDS = ("academic_year", "name", "starts_on", "half_term_starts_on", "half_term_ends_on", "ends_on")


class TermInUse(Exception):
    """The term cannot be deleted: records depend on its dates (the message says which)."""


def _day(day: datetime.date) -> str:
    return f"{day:%-d/%-m/%Y}"


def _term_problems(*, org, term: Term) -> dict[str, str]:
    """What is wrong with ``term`` beside the organisation's other terms, by form field: a
    name used twice in one academic year, dates overlapping another term, dates outside the
    academic year."""
    problems = term.date_order_problems()
    others = Term.objects.for_org(org).exclude(pk=term.pk)
    if others.filter(academic_year=term.academic_year, name__iexact=term.name.strip()).exists():
        problems["name"] = (f"There is already a term called {term.name.strip()} in {term.year_label}: "
                            "enter another name, or change that term instead")
    if term.starts_on and term.ends_on and not problems:
        year_starts = datetime.date(term.academic_year, 8, 1)
        year_ends = datetime.date(term.academic_year + 1, 7, 31)
        overlapping = others.filter(starts_on__lte=term.ends_on, ends_on__gte=term.starts_on).first()
        if term.starts_on < year_starts or term.ends_on > year_ends:
            problems["starts_on"] = (f"Enter term dates in the {term.year_label} academic year, from "
                                     f"{_day(year_starts)} to {_day(year_ends)}")
        elif overlapping is not None:
            problems["starts_on"] = (
                f"These dates overlap {overlapping} ({_day(overlapping.starts_on)} to "
                f"{_day(overlapping.ends_on)}): change the dates so the terms do not overlap"
            )
    return problems


def _term_save(*, org, term: Term, by, action: str) -> Term:
    """Check and save ``term``; raises ``ValidationError`` ({field: message}) and saves nothing
    when it clashes with another term. The organisation's row is locked, so two admins adding
    terms at once cannot both slip past the checks."""
    term.name = term.name.strip()
    term.full_clean(validate_unique=False, validate_constraints=False)
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=org.pk).first()
        problems = _term_problems(org=org, term=term)
        if problems:
            raise ValidationError(problems)
        try:
            with transaction.atomic():
                term.save()
        except IntegrityError as error:  # the same name saved at the same moment elsewhere
            raise ValidationError({"name": f"There is already a term called {term.name} in {term.year_label}: "
                                           "enter another name"}) from error
        _terms_changed(org=org)
    audit_log(f"term.{action}", actor=by, org=org, obj=term,
              data={f: str(getattr(term, f)) for f in TERM_FIELDS})
    return term
    return term


def term_create(*, org, by=None, **fields) -> Term:
    """Add a term (see ``_term_save`` for what is refused)."""
    return _term_save(org=org, term=Term(organisation=org, **fields), by=by, action="created")


def term_update(*, org, term: Term, by, **fields) -> Term:
    """Correct a term's name or dates. Reviews scheduled from the term dates follow (each app's
    ``terms.terms_changed`` hook)."""
    if term.organisation_id != org.pk:
        raise ValueError("the term belongs to another organisation")
    unknown = set(fields) - set(TERM_FIELDS)
    if unknown:
        raise ValueError(f"not term fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(term, name, value)
    return _term_save(org=org, term=term, by=by, action="updated")


def term_dependents(*, org, term: Term) -> list[str]:
    """What depends on the term's dates, in words ("2 progress reviews are due in it (…)"),
    from each app's ``terms.term_dependents`` hook (core does not import the feature apps)."""
    found = []
    for module in app_hook_modules("terms"):
        found.extend(module.term_dependents(org=org, term=term))
    return found


def term_delete(*, org, term: Term, by) -> None:
    """Delete a term entered by mistake. Refused (``TermInUse``) while records depend on it."""
    if term.organisation_id != org.pk:
        raise ValueError("the term belongs to another organisation")
    with transaction.atomic():
        Organisation.objects.select_for_update().filter(pk=org.pk).first()
        dependents = term_dependents(org=org, term=term)
        if dependents:
            raise TermInUse(f"{term} cannot be deleted: {' and '.join(dependents)}. "
                            "Change its dates instead if they are wrong.")
        term_id = term.pk
        term.delete()
        _terms_changed(org=org)
    audit_log("term.deleted", actor=by, org=org, obj=None,
              data={"term": term_id, **{f: str(getattr(term, f)) for f in TERM_FIELDS}})


def _terms_changed(*, org) -> None:
    for module in app_hook_modules("terms"):
        module.terms_changed(org=org)
