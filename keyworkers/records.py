"""The keyworkers app's part of a learner's record (the core's ``records`` hook): key-worker
assignments, the team, preferences, schedule overrides, and every review with its evaluations
and agreed targets."""

from __future__ import annotations

from plp_portal.records.export import RecordSet, learner_rows

from .models import (
    KeyWorkerAssignment,
    KeyWorkerPreference,
    Review,
    ReviewNewTarget,
    ReviewTargetEvaluation,
    ScheduleOverride,
    TeamMember,
)


def record_sets(*, org_id: int, user_id: int) -> list[RecordSet]:
    def of(model, path):
        return learner_rows(model, org_id=org_id, user_id=user_id, path=path)

    return [
        RecordSet("keyworkers.KeyWorkerAssignment", of(KeyWorkerAssignment, "profile__user_id")),
        RecordSet("keyworkers.TeamMember", of(TeamMember, "profile__user_id")),
        RecordSet("keyworkers.KeyWorkerPreference", of(KeyWorkerPreference, "profile__user_id")),
        RecordSet("keyworkers.ScheduleOverride", of(ScheduleOverride, "profile__user_id")),
        RecordSet("keyworkers.Review", of(Review, "plan__profile__user_id"), omit=("draft_tab",)),
        RecordSet("keyworkers.ReviewTargetEvaluation", of(ReviewTargetEvaluation, "review__plan__profile__user_id")),
        RecordSet("keyworkers.ReviewNewTarget", of(ReviewNewTarget, "review__plan__profile__user_id")),
    ]
