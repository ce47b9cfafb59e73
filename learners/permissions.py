"""Who may see what on a learner's plan — THE one permission function for every channel.

Pages, emails, notifications, PDFs, the parent's view and other apps (keyworkers, guidance)
must all decide visibility with these functions and nothing else:

    viewer = plan_viewer(plan=plan, user=request.user, membership=request.membership)
    if not viewer.can_view_plan: raise Http404          # a plan you may not see does not exist
    targets = plan.targets.filter(audience_q(viewer))   # lists: filter in SQL
    if can_see(viewer, concern): ...                    # one record already in hand
    if can_see_sensitive(viewer): ...                   # + audit_log the read

Compute the ``PlanViewer`` ONCE per request (or once per recipient of an email/notification/PDF:
``plan_viewer(plan=plan, user=recipient)``) and pass it down.

The rules (decided here, binding for every channel)
--------------------------------------------------
A viewer's relations to a plan (several may hold at once):

* **learner** — the plan's learner (``plan.profile.user``).
* **grantee** — a person with an ACTIVE ``PlanShare`` (not revoked, not expired) AND the guardian
  ``learners.view_plan`` object permission: a parent/carer, an off-site tutor, an employer.
  Any organisation (DESIGN.md tenancy rule 2). An expired grant gives nothing, even before a job
  removes the permission.
* **key worker** — the learner's current key worker (``profile.key_worker``) who is an active
  member of the plan's organisation.
* **working staff** — an active member of the plan's organisation whose role is in
  ``WORKING_STAFF_ROLES`` (subject/specialist tutors incl. SENCO, careers adviser and careers
  lead of the organisation, organisation admin). Other staff of the organisation — notably key
  workers who are not THIS learner's key worker — and LA officers are NOT working with the
  learner: they see nothing of the plan. Guidance (issue 5) may pass ``partner_role`` for an
  adviser of a careers service with a current Partnership with the plan's organisation (it
  checks the Partnership itself) — that adviser then counts as working staff with that role.
* **none** — anyone else (a parent without a grant, another organisation's staff, …): sees no
  record at all, and ``can_view_plan`` is False.

What each audience shows:

* ``Audience.PLAN``: learner, grantees, key worker, working staff.
* ``Audience.STAFF``: key worker, working staff. Not the learner, not grantees.
* ``Audience.RESTRICTED``: the key worker, and working staff whose role is in the record's
  ``restricted_roles``. Not the learner, not grantees.

Sensitive profile fields (``LearnerProfile.SENSITIVE_FIELDS``: learning difficulties or
disabilities, personal circumstances, support needs): the learner, the key worker, and working
staff with a role in ``SENSITIVE_ROLES`` (the subject/specialist tutor role, which is where a
SENCO sits). Never grantees. Each read must be audited by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from plp_portal import clock
from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Membership

from .choices import Audience
from .models import LearnerProfile, PlanShare, PlanUserObjectPermission

# Staff roles of the plan's organisation that count as working with every learner there.
WORKING_STAFF_ROLES = frozenset(
    {Role.SUBJECT_TUTOR, Role.CAREERS_ADVISER, Role.CAREERS_LEAD, Role.ORG_ADMIN}
)
# Working-staff roles that see the sensitive profile fields (besides learner and key worker).
SENSITIVE_ROLES = frozenset({Role.SUBJECT_TUTOR})


@dataclass(frozen=True)
class PlanViewer:
    """A person's relation to one plan, computed once by ``plan_viewer``.

    ``staff_role`` is the role that makes the person working staff (None if not working staff).
    ``share_id`` is the active PlanShare that makes them a grantee (None otherwise)."""

    plan_id: int
    organisation_id: int
    user_id: int | None
    is_learner: bool = False
    is_key_worker: bool = False
    staff_role: str | None = None
    share_id: int | None = None
    # A reader at the organisation a learner's record was transferred to (issue 13): the
    # consented ``RecordTransfer`` and whether the learner consented to staff-audience records.
    transfer_id: int | None = None
    transfer_staff_records: bool = False

    @property
    def is_grantee(self) -> bool:
        return self.share_id is not None

    @property
    def is_transfer_reader(self) -> bool:
        return self.transfer_id is not None

    @property
    def is_working_staff(self) -> bool:
        return self.staff_role is not None

    @property
    def is_staff_side(self) -> bool:
        """Key worker or working staff: sees STAFF records."""
        return self.is_key_worker or self.is_working_staff

    @property
    def can_view_plan(self) -> bool:
        return self.is_learner or self.is_grantee or self.is_staff_side or self.is_transfer_reader

    @property
    def relation(self) -> str:
        """The strongest relation, for display and logs: learner / key_worker / staff /
        grantee / none."""
        if self.is_learner:
            return "learner"
        if self.is_key_worker:
            return "key_worker"
        if self.is_working_staff:
            return "staff"
        if self.is_grantee:
            return "grantee"
        if self.is_transfer_reader:
            return "transfer"
        return "none"


def plan_viewer(*, plan, user, membership=None, partner_role: str | None = None) -> PlanViewer:
    """Compute ``user``'s relation to ``plan`` (at most 3 queries; 1 with ``membership`` given).

    ``membership``: the user's Membership in the plan's organisation if the caller has it
    (``request.membership``); a membership of another organisation is ignored.
    ``partner_role``: only for the guidance app, after IT has verified a current Partnership
    between the adviser's careers service and ``plan.organisation``."""
    base = {"plan_id": plan.pk, "organisation_id": plan.organisation_id}
    if user is None or not getattr(user, "is_authenticated", False):
        return PlanViewer(user_id=None, **base)
    profile = plan.profile if "profile" in plan._state.fields_cache else (
        LearnerProfile.objects.for_org(plan.organisation_id).only("user_id", "key_worker_id").get(pk=plan.profile_id)
    )
    if profile.user_id == user.pk:
        return PlanViewer(user_id=user.pk, is_learner=True, **base)

    if membership is None or membership.organisation_id != plan.organisation_id:
        membership = (
            Membership.objects.for_org(plan.organisation_id).filter(user_id=user.pk, is_active=True).first()
        )
    elif not membership.is_active:
        membership = None
    role = membership.role if membership is not None else None
    is_key_worker = role is not None and profile.key_worker_id == user.pk
    staff_role = role if role in WORKING_STAFF_ROLES else None
    if partner_role and staff_role is None:
        staff_role = partner_role

    share_id = None
    if not (is_key_worker or staff_role):
        share_id = (
            PlanShare.objects.for_org(plan.organisation_id)
            .filter(PlanShare.active_q(), plan_id=plan.pk, grantee_id=user.pk)
            .filter(
                plan_id__in=PlanUserObjectPermission.objects.filter(
                    user_id=user.pk,
                    permission__codename="view_plan",
                    permission__content_type__app_label="learners",
                ).values("content_object_id")
            )
            .values_list("pk", flat=True)
            .first()
        )
    return PlanViewer(
        user_id=user.pk, is_key_worker=is_key_worker, staff_role=staff_role, share_id=share_id, **base
    )


def audience_q(viewer: PlanViewer, prefix: str = "") -> Q:
    """A Q selecting the records ``viewer`` may see by audience, for any model with
    ``AudienceMixin`` fields (``prefix`` e.g. "target__" to filter through a relation).

    It does NOT restrict to the viewer's plan: filter the plan yourself
    (``plan.targets.filter(audience_q(viewer))``)."""
    audience = f"{prefix}audience"
    if not viewer.can_view_plan:
        return Q(pk__in=[])
    if viewer.is_key_worker:
        return Q()
    if viewer.is_working_staff:
        return Q(**{f"{audience}__in": [Audience.PLAN, Audience.STAFF]}) | Q(
            **{audience: Audience.RESTRICTED, f"{prefix}restricted_roles__contains": f",{viewer.staff_role},"}
        )
    if viewer.is_transfer_reader and viewer.transfer_staff_records:
        # Restricted records never move to another organisation.
        return Q(**{f"{audience}__in": [Audience.PLAN, Audience.STAFF]})
    return Q(**{audience: Audience.PLAN})


def can_see(viewer: PlanViewer, record) -> bool:
    """Whether ``viewer`` may see ``record`` (any model with ``audience``/``restricted_roles``
    and a ``plan_id``). A record of another plan is never visible through this viewer."""
    if getattr(record, "plan_id", viewer.plan_id) != viewer.plan_id or not viewer.can_view_plan:
        return False
    if viewer.is_key_worker:
        return True
    if record.audience == Audience.PLAN:
        return True
    if not viewer.is_working_staff:
        # Staff records reach the next organisation only with the learner's consent; restricted
        # records never.
        return viewer.is_transfer_reader and viewer.transfer_staff_records and record.audience == Audience.STAFF
    if record.audience == Audience.STAFF:
        return True
    return viewer.staff_role in record.restricted_role_list


def can_see_sensitive(viewer: PlanViewer) -> bool:
    """Whether ``viewer`` may see ``LearnerProfile.SENSITIVE_FIELDS`` (caller audits the read)."""
    return viewer.is_learner or viewer.is_key_worker or viewer.staff_role in SENSITIVE_ROLES


def profile_viewer(*, profile, user, membership=None) -> PlanViewer:
    """``user``'s relation to a learner ``profile`` (for the profile page and the sensitive
    fields), computed with the same rules as ``plan_viewer`` but without grants (a grant is to a
    plan, never to the profile). ``plan_id`` is 0: it matches no plan record."""
    base = {"plan_id": 0, "organisation_id": profile.organisation_id}
    if user is None or not getattr(user, "is_authenticated", False):
        return PlanViewer(user_id=None, **base)
    if profile.user_id == user.pk:
        return PlanViewer(user_id=user.pk, is_learner=True, **base)
    if membership is None or membership.organisation_id != profile.organisation_id:
        membership = Membership.objects.for_org(profile.organisation_id).filter(user_id=user.pk, is_active=True).first()
    elif not membership.is_active:
        membership = None
    role = membership.role if membership is not None else None
    return PlanViewer(
        user_id=user.pk,
        is_key_worker=role is not None and profile.key_worker_id == user.pk,
        staff_role=role if role in WORKING_STAFF_ROLES else None,
        **base,
    )


SHARING_AGE_OF_LEARNER = 13


def learner_age(profile, today=None) -> int | None:
    if profile.date_of_birth is None:
        return None
    today = today or clock.today()
    born = profile.date_of_birth
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def can_manage_sharing(viewer: PlanViewer, profile, today=None) -> bool:
    """Who grants and revokes read access to a plan: the learner themself; for a learner under
    13 (or with no date of birth recorded), also the key worker and working staff of the plan's
    organisation (DESIGN.md tenancy rule 2)."""
    if viewer.is_learner:
        return True
    if not viewer.is_staff_side:
        return False
    age = learner_age(profile, today)
    return age is None or age < SHARING_AGE_OF_LEARNER


# Who ends (and restarts) a learner's enrolment besides the learner's key worker (issue 13).
ENROLMENT_ROLES = frozenset({Role.CAREERS_LEAD, Role.ORG_ADMIN})


# Who offers the record of a learner under 13 to the next organisation (issue 13): the careers
# lead and the organisation admin — the school's people who are told of every transfer and note
# what the school must keep, acting for the school as the data controller. A child under 13
# cannot consent alone (the age of digital consent in the UK, Data Protection Act 2018 s.9);
# a tutor or key worker asks them.
UNDER_13_OFFER_ROLES = frozenset({Role.CAREERS_LEAD, Role.ORG_ADMIN})


def can_offer_record_for_under_13(viewer: PlanViewer, profile, today=None) -> bool:
    """The careers lead or organisation admin of the learner's organisation, for a learner whose
    recorded date of birth makes them under 13 (an unknown age is not assumed to be under 13:
    record the date of birth first)."""
    age = learner_age(profile, today)
    return (viewer.staff_role in UNDER_13_OFFER_ROLES and viewer.organisation_id == profile.organisation_id
            and age is not None and age < SHARING_AGE_OF_LEARNER)


def can_end_enrolment(viewer: PlanViewer) -> bool:
    """The learner's key worker, the careers lead and the organisation admin end an enrolment
    (and enrol a leaver again)."""
    return viewer.is_key_worker or viewer.staff_role in ENROLMENT_ROLES
