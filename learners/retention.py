"""The learners app's part of the retention job (plp_portal/records/retention.py): who has left,
and when. Today a learner has left when they have plans and none is active; they left on the
day their last plan ended. (guidance adds the adviser-recorded leaving date.)"""

from __future__ import annotations

from django.db.models import Exists, Max, OuterRef

from .choices import PlanStatus
from .models import LearnerProfile, Plan


def leavers(*, org_id: int) -> dict[int, object]:
    active = Plan.objects.system("correlated subquery on an already scoped queryset").filter(
        profile_id=OuterRef("pk"), status=PlanStatus.ACTIVE)
    rows = (LearnerProfile.objects.for_org(org_id).filter(~Exists(active))
            .annotate(left_on=Max("plans__ends_on")).filter(left_on__isnull=False)
            .values_list("pk", "left_on"))
    return dict(rows)


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
