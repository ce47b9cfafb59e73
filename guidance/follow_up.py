"""Who the careers service still follows up (the NEET list, issue 19): the marker
``LearnerGuidance.needs_follow_up``, so the list reads the scope's marked rows by index instead
of every destination and every leaver of its schools.

THE rule, in one place (``needs_follow_up``): a learner is followed up when their latest actual
destination (by date recorded, then id) is not settled (``NOT_SETTLED_CATEGORIES``: NEET, not
known, other) — or, with no actual destination, when they have left (``left_on``). A settled
latest destination, or neither a destination nor a leaving date: not followed up.

Kept current by ``follow_up_refresh``, set-based for a set of learners, called by every write
that changes one of its inputs, in the same transaction: ``services.destination_record`` (an
actual destination), ``leaver_record``, ``enrolment_ended``, ``enrolment_restarted``, and the
demo and county seeding after their bulk rows. Erasure (``plp_portal.records.retention``)
deletes the learner's guidance row with the rest of the record and keeps their latest actual
destination (anonymised), so nothing is left to recompute. Migration 0017 filled it in.

The list's order (oldest leavers first, then by name, then id) is read from an index of the
marked rows (``guidance_follow_up_order_idx``), so the row keeps a copy of the learner's name,
``follow_up_name``: written by ``follow_up_refresh`` with the marker, and on a rename of the
person by ``follow_up_name_refresh`` (the person's save, ``signals.py``). A marked
row's copy is always the person's name (migration 0018 filled it in)."""

from __future__ import annotations

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, Subquery, Value, When
from django.db.models.lookups import In, IsNull

from learners.models import LearnerProfile
from plp_portal import rls

from .choices import NOT_SETTLED_CATEGORIES, DestinationKind
from .models import Destination, LearnerGuidance
from .selectors import latest_actual

_WHY = "the follow-up marker of the given learners, on their own schools' rows"


def _actual(outer: str):
    return (Destination.objects.system("correlated subquery on an already scoped queryset")
            .filter(profile_id=OuterRef(outer), kind=DestinationKind.ACTUAL))


def needs_follow_up() -> Case:
    """The marker's value for a ``LearnerGuidance`` row (the rule above)."""
    latest = latest_actual("category", outer="profile_id")
    return Case(
        When(In(latest, list(NOT_SETTLED_CATEGORIES)), then=Value(True)),
        When(IsNull(latest, False), then=Value(False)),
        When(left_on__isnull=False, then=Value(True)),
        default=Value(False), output_field=BooleanField(),
    )


def follow_up_refresh(*, profile_ids=None) -> None:
    """Recompute the marker of the learners ``profile_ids`` (None: every learner who may need
    it — marked now, left, or with an actual destination). Two statements, and an insert when a
    learner with an unsettled destination has no guidance row yet (one is made, marked)."""
    rows = LearnerGuidance.objects.system(_WHY)
    profiles = LearnerProfile.objects.system(_WHY)
    if profile_ids is None:
        rows = rows.filter(Q(needs_follow_up=True) | Q(left_on__isnull=False) | Exists(_actual("profile_id")))
        profiles = profiles.filter(Exists(_actual("pk")))
    else:
        ids = list(profile_ids)
        rows, profiles = rows.filter(profile_id__in=ids), profiles.filter(pk__in=ids)
    name = Subquery(LearnerProfile.objects.system(_WHY).filter(pk=OuterRef("profile_id")).values("user__full_name")[:1])
    rows.update(needs_follow_up=needs_follow_up(), follow_up_name=name)
    missing = (profiles.filter(~Exists(LearnerGuidance.objects.system(_WHY).filter(profile_id=OuterRef("pk"))))
               .annotate(latest=latest_actual("category")).filter(latest__in=NOT_SETTLED_CATEGORIES)
               .values_list("pk", "organisation_id", "user__full_name"))
    LearnerGuidance.objects.bulk_create(
        [LearnerGuidance(organisation_id=org_id, profile_id=pk, needs_follow_up=True, follow_up_name=full_name)
         for pk, org_id, full_name in missing], batch_size=2000)


def follow_up_name_refresh(*, user_id: int, full_name: str) -> int:
    """A person renamed: the copy of their name on their marked rows, at every school they are
    followed up by (the request that renamed them may see one school's rows only: a system scope,
    in its transaction, written to the audit log like any). Returns the rows changed."""
    with rls.system_job_scope("a renamed person keeps their place on the NEET lists of their schools"):
        return (LearnerGuidance.objects.system("a renamed person's marked guidance rows, at every school")
                .filter(profile__user_id=user_id, needs_follow_up=True).exclude(follow_up_name=full_name)
                .update(follow_up_name=full_name))


def person_saved(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    """``pre_save`` of the person (``User``): when their name changes, ``follow_up_name_refresh``.
    One read of the saved name for a save that may change it (a save of other fields only, like
    the login's ``last_login``, reads nothing)."""
    if raw or instance.pk is None or (update_fields is not None and "full_name" not in update_fields):
        return
    before = sender._base_manager.filter(pk=instance.pk).values_list("full_name", flat=True).first()
    if before is not None and before != instance.full_name:
        follow_up_name_refresh(user_id=instance.pk, full_name=instance.full_name)
