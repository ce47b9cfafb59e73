from django.contrib.auth import get_user_model
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from plp_portal import rls

from .choices import STAFF_ROLES, OrganisationKind, Role
from .models import Invitation, Membership, Organisation, Term


def user_memberships(*, user):
    """Every active membership of ``user``, across organisations (for the chooser)."""
    return (
        Membership.objects.system("a person's own memberships, across organisations")
        .filter(user=user, is_active=True)
        .select_related("organisation")
        .order_by("organisation__name")
    )


# --- The authority grant (DESIGN.md tenancy rule 4) ------------------------------------------
AUTHORITY_SCHOOL_KINDS = (OrganisationKind.SCHOOL, OrganisationKind.COLLEGE, OrganisationKind.TRAINING_PROVIDER)


def authority_school_ids(*, authority) -> list[int]:
    """The schools, colleges and providers whose ``parent`` is ``authority`` — the ONLY source
    of the organisations an authority's pages read (aggregates only; its apps never show a
    learner). Set by the platform (the organisation's place in the authority), never by the
    authority itself. Adds them to the request's row-level security scope (plp_portal/rls.py)."""
    if authority is None:
        raise ValueError("authority_school_ids needs the authority")
    ids = list(Organisation.objects.filter(parent=authority, kind__in=AUTHORITY_SCHOOL_KINDS)
               .order_by("pk").values_list("pk", flat=True))
    rls.request_scope_widen(ids, grant="authority")
    return ids


def organisations_of_kinds(*, kinds, exclude_ids=()):
    """The platform's directory: every organisation of ``kinds`` by name, e.g. the schools a
    careers service may propose to or the organisations a learner may move to. Organisations are
    not tenant rows; choosing one grants nothing until its owner accepts."""
    return Organisation.objects.filter(kind__in=kinds).exclude(pk__in=exclude_ids).order_by("name")


def user_organisation_ids(*, user) -> list[int]:
    """The organisations ``user`` is an active member of: what a request outside /o/ (the
    learner's /me/, the home page) may see in the database (``plp_portal.rls``)."""
    return [org_id for org_id, _, _ in user_membership_roles(user=user)]


def user_membership_roles(*, user) -> list[tuple[int, str, list[str]]]:
    """(organisation id, main role, extra roles) of each of ``user``'s active memberships, in
    one query. The row-level security middleware keeps them on the request
    (``request.membership_roles``) so neither the staff MFA check nor the page header asks
    again whether the person is staff or a learner."""
    return list(user_memberships(user=user).order_by().values_list("organisation_id", "role", "extra_roles"))


def user_is_learner(*, request) -> bool:
    """Whether the signed-in person is a learner somewhere: from ``request.membership_roles``
    when the middleware read them, else one query."""
    roles = getattr(request, "membership_roles", None)
    if roles is None:
        return user_memberships(user=request.user).filter(role=Role.LEARNER).exists()
    return any(role == Role.LEARNER for _, role, _ in roles)


def user_has_staff_role(*, request) -> bool:
    """Whether the signed-in person holds a staff role anywhere (the staff MFA rule). Extra roles
    are working roles only (services.membership_set_role): any makes them staff. Answered from
    ``request.membership_roles`` (outside /o/) or a staff ``request.membership`` (in /o/) when
    the middleware read them, else one query."""
    roles = getattr(request, "membership_roles", None)
    if roles is not None:
        return any(role in STAFF_ROLES or extra for _, role, extra in roles)
    membership = getattr(request, "membership", None)
    if membership is not None and (membership.role in STAFF_ROLES or membership.extra_roles):
        return True
    return user_memberships(user=request.user).filter(Q(role__in=STAFF_ROLES) | ~Q(extra_roles=[])).exists()


def membership_for(*, org, user) -> Membership | None:
    return Membership.objects.for_org(org).filter(user=user, is_active=True).first()


def membership_by_slug(*, slug: str, user) -> Membership | None:
    """``user``'s active membership of the organisation called ``slug``, with the organisation
    loaded: the request's organisation and membership in one query (issue 19). None for a slug
    that does not exist and for an organisation the user is not an active member of alike."""
    return (Membership.objects.system("the request's organisation: the signed-in user's own membership by slug")
            .filter(organisation__slug=slug, user=user, is_active=True).select_related("organisation")
            .order_by("pk").first())


def member_list(*, org):
    return Membership.objects.for_org(org).select_related("user").order_by("user__email")


def invitation_list_open(*, org):
    return (
        Invitation.objects.for_org(org)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("invited_by")
    )


def membership_get(*, org, membership_id: int) -> Membership:
    """A membership of the organisation (with its user); 404 for another organisation's alike."""
    return get_object_or_404(Membership.objects.for_org(org).select_related("user"), pk=membership_id)


def member_user_get(*, org, user_id: int):
    """The person ``user_id`` read through their membership of ``org`` (active or not): None for
    a person who is not, or no longer, one of its members — never a person read by id alone."""
    membership = Membership.objects.for_org(org).filter(user_id=user_id).select_related("user").first()
    return membership.user if membership is not None else None


def invitation_not_accepted_get(*, org, invitation_id: int) -> Invitation:
    """An invitation of the organisation not yet accepted; 404 for an accepted one and for
    another organisation's alike."""
    return get_object_or_404(Invitation.objects.for_org(org).filter(accepted_at__isnull=True), pk=invitation_id)


def invitation_by_token(*, token: str) -> Invitation | None:
    """The invitation a link's token names. The token is the grant: it identifies exactly one
    invitation, in whichever organisation made it."""
    return rls.bearer_get(lambda: (
        Invitation.objects.system("an invitation link's token identifies one invitation")
        .filter(token_hash=Invitation.hash_token(token))
        .select_related("organisation")
        .first()
    ), grant="an invitation link")


def term_list(*, org):
    return Term.objects.for_org(org).order_by("starts_on")


def term_get(*, org, term_id: int) -> Term:
    """The organisation's term; 404 for a term that does not exist and for one of another
    organisation alike."""
    return get_object_or_404(Term.objects.for_org(org), pk=term_id)


def member_users(*, org, roles):
    """The people with an active membership of ``org`` in one of ``roles``, by name: the choices
    of every "pick a colleague" field (a form's queryset, scoped by construction)."""
    ids = Membership.objects.for_org(org).filter(is_active=True, role__in=list(roles))
    return get_user_model().objects.filter(pk__in=ids.values("user_id")).order_by("full_name", "pk")
