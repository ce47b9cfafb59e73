"""The guidance app's part of a learner's record (the core's ``records`` hook): tier and its
history, referrals and their events, interviews and action plans, group-session attendance,
destinations."""

from __future__ import annotations

from plp_portal.records.export import RecordSet, learner_record_sets

from .models import (
    ActionItem,
    Destination,
    GroupAttendance,
    Interview,
    LearnerGuidance,
    Referral,
    ReferralEvent,
    TierChange,
)

PROFILE = "profile__user_id"

# Each kind of row about the learner, with the path from it to the learner's user id.
KINDS = [
    (LearnerGuidance, PROFILE),
    (TierChange, PROFILE),
    (Referral, PROFILE),
    (ReferralEvent, f"referral__{PROFILE}"),
    (Interview, PROFILE),
    (ActionItem, f"interview__{PROFILE}"),
    (GroupAttendance, PROFILE),
    (Destination, PROFILE),
]


def record_sets(*, org_id: int, user_id: int) -> list[RecordSet]:
    return learner_record_sets(KINDS, org_id=org_id, user_id=user_id)
