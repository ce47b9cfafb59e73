"""The learners app's part of the retention job (plp_portal/records/retention.py): who has left,
and when: their enrolment ended (issue 13's ``EnrolmentEnd``). (guidance adds the
adviser-recorded leaving date.)"""

from __future__ import annotations

from .models import (
    EnrolmentEnd, LearnerProfile, PlanGroupObjectPermission, PlanUserObjectPermission,
)


def leavers(*, org_id: int) -> dict[int, object]:
    """Learners whose enrolment has ended (``services.learner_enrolment_end``: the profile is not
    active and has an enrolment end awaiting no re-enrolment), with the day they left."""
    return dict(EnrolmentEnd.objects.for_org(org_id).filter(reenrolled_at__isnull=True, profile__is_active=False)
                .values_list("profile_id", "left_on"))


def learner_facts(*, org_id: int, profile_ids) -> dict[int, tuple[int, bool]]:
    """profile id -> (user id, support needs recorded)."""
    rows = LearnerProfile.objects.for_org(org_id).filter(pk__in=list(profile_ids)).values_list(
        "pk", "user_id", "support_needs", "learning_difficulties_disabilities", "support_need_areas")
    return {pk: (user_id, bool((needs or "").strip() or (ldd or "").strip() or areas))
            for pk, user_id, needs, ldd, areas in rows}


def profile_ids_for_users(*, org_id: int, user_ids) -> dict[int, int]:
    """user id -> the learner's profile id in ``org_id`` (for an early erasure)."""
    return dict(LearnerProfile.objects.for_org(org_id).filter(user_id__in=list(user_ids))
                .values_list("user_id", "pk"))


def users_with_records(*, user_ids) -> set[int]:
    """Of ``user_ids``, those still a learner somewhere (a profile in any organisation): their
    account stays when one organisation erases their record."""
    return set(LearnerProfile.objects.system("retention: is the account a learner anywhere else")
               .filter(user_id__in=list(user_ids)).values_list("user_id", flat=True))


def anonymise(*, org_id: int, profile_ids) -> dict[str, int]:
    """Rows outside the exported record that point at the learners' plans: the guardian
    permissions mirroring their plan shares (``_raw_delete`` of the plans does not cascade)."""
    counts = {}
    for model in (PlanUserObjectPermission, PlanGroupObjectPermission):
        rows = model.objects.filter(content_object__organisation_id=org_id,
                                    content_object__profile_id__in=list(profile_ids))
        counts[model._meta.label] = rows._raw_delete(rows.db)
    return counts


LEARNER_REFERENCES = {
    "learners.PlanUserObjectPermission": "erased: the grants mirroring the learner's plan shares (anonymise)",
    "learners.PlanGroupObjectPermission": "erased: with the learner's plans (anonymise; never granted)",
}
USER_REFERENCES = {
    "learners.PlanUserObjectPermission.user": "erased: with the learner's plans (anonymise) and the account's "
                                              "grants (accounts_release deletes guardian's rows by user)",
}
