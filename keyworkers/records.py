"""The keyworkers app's part of a learner's record (the core's ``records`` hook): key-worker
assignments, the team, preferences, schedule overrides, and every review with its evaluations
and agreed targets."""

from __future__ import annotations

from plp_portal.records.export import RecordSet, learner_record_sets

from .models import (
    KeyWorkerAssignment,
    KeyWorkerPreference,
    Review,
    ReviewNewTarget,
    ReviewTargetEvaluation,
    ScheduleOverride,
    TeamMember,
)

PROFILE = "profile__user_id"
PLAN = f"plan__{PROFILE}"

# Each kind of row about the learner, with the path from it to the learner's user id (and the
# fields never exported).
KINDS = [
    (KeyWorkerAssignment, PROFILE),
    (TeamMember, PROFILE),
    (KeyWorkerPreference, PROFILE),
    (ScheduleOverride, PROFILE),
    (Review, PLAN, ("draft_tab",)),
    (ReviewTargetEvaluation, f"review__{PLAN}"),
    (ReviewNewTarget, f"review__{PLAN}"),
]


def record_sets(*, org_id: int, user_id: int) -> list[RecordSet]:
    return learner_record_sets(KINDS, org_id=org_id, user_id=user_id)
