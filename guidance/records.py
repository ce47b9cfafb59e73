"""The guidance app's part of a learner's record (the core's ``records`` hook): tier and its
history, referrals and their events, interviews and action plans, group-session attendance,
destinations."""

from __future__ import annotations

from plp_portal.records.export import RecordSet, learner_rows

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


def record_sets(*, org_id: int, user_id: int) -> list[RecordSet]:
    def of(model, path):
        return learner_rows(model, org_id=org_id, user_id=user_id, path=path)

    return [
        RecordSet("guidance.LearnerGuidance", of(LearnerGuidance, "profile__user_id")),
        RecordSet("guidance.TierChange", of(TierChange, "profile__user_id")),
        RecordSet("guidance.Referral", of(Referral, "profile__user_id")),
        RecordSet("guidance.ReferralEvent", of(ReferralEvent, "referral__profile__user_id")),
        RecordSet("guidance.Interview", of(Interview, "profile__user_id")),
        RecordSet("guidance.ActionItem", of(ActionItem, "interview__profile__user_id")),
        RecordSet("guidance.GroupAttendance", of(GroupAttendance, "profile__user_id")),
        RecordSet("guidance.Destination", of(Destination, "profile__user_id")),
    ]
