"""The learners app's part of a learner's record (the core's ``records`` hook,
plp_portal/records): the profile, plans and everything on them, and the progress file PDF of
each plan as the learner sees it."""

from __future__ import annotations

from plp_portal.records.export import Document, RecordSet, learner_record_sets

from .models import (
    AtRiskStatus,
    Concern,
    EnrolmentEnd,
    LearnerProfile,
    LogBlock,
    LogEntry,
    MovingOnApplication,
    MovingOnPlan,
    NarrativeEntry,
    OffSiteReview,
    OffSiteReviewTarget,
    Plan,
    PlanContribution,
    PlanShare,
    PlanShareInvitation,
    PlanSignature,
    RecordTransfer,
    SubjectReport,
    Target,
    TargetProgress,
    TimelineEvent,
)
from .pdf_renders import PROGRESS_FILE
from .choices import ShareRelationship

EXCLUDED = {
    "learners.PlanUserObjectPermission": "the permission mirroring a PlanShare (the share is exported)",
    "learners.PlanGroupObjectPermission": "never granted (guardian needs the table)",
}


PROFILE = "profile__user_id"
PLAN = f"plan__{PROFILE}"

# Each kind of row about the learner, with the path from it to the learner's user id (and the
# fields never exported).
KINDS = [
    (LearnerProfile, "user_id"),
    (AtRiskStatus, PROFILE),
    (EnrolmentEnd, PROFILE),
    (RecordTransfer, PROFILE),
    (MovingOnApplication, f"moving_on__{PLAN}"),
    (MovingOnPlan, PLAN),
    (Plan, PROFILE),
    (PlanSignature, PLAN),
    (PlanShare, PLAN),
    (PlanShareInvitation, PLAN, ("token_hash",)),
    (Target, PLAN),
    (TargetProgress, f"target__{PLAN}"),
    (NarrativeEntry, PLAN),
    (LogBlock, PLAN),
    (LogEntry, PLAN),
    (Concern, PLAN),
    (SubjectReport, PLAN),
    (TimelineEvent, PLAN),
    (PlanContribution, PLAN),
    (OffSiteReview, PLAN),
    (OffSiteReviewTarget, f"review__{PLAN}"),
]


def record_sets(*, org_id: int, user_id: int) -> list[RecordSet]:
    return learner_record_sets(KINDS, org_id=org_id, user_id=user_id)


def documents(*, org_id: int, user_id: int) -> list[Document]:
    plans = Plan.objects.for_org(org_id).filter(profile__user_id=user_id).order_by("starts_on", "pk")
    return [Document(kind=PROGRESS_FILE, object_id=plan.pk, audience=f"user:{user_id}",
                     filename=f"progress-file-{plan.pk}.pdf") for plan in plans]


def parent_children(*, user_id: int) -> list[dict]:
    """The learners ``user_id`` holds parental responsibility for, as the portal records it: an
    active parent/carer grant (``PlanShare``) on one of the learner's plans — one row per learner
    and organisation: org_id, user_id, profile_id, full_name, date_of_birth."""
    rows = (PlanShare.objects.system("a parent's children, across the organisations that shared with them")
            .filter(PlanShare.active_q(), grantee_id=user_id, relationship=ShareRelationship.PARENT_CARER)
            .order_by("plan__profile__user__full_name", "plan__profile_id")
            .values_list("organisation_id", "plan__profile__user_id", "plan__profile_id",
                         "plan__profile__user__full_name", "plan__profile__date_of_birth").distinct())
    return [{"org_id": org_id, "user_id": child, "profile_id": profile_id, "full_name": name,
             "date_of_birth": born} for org_id, child, profile_id, name, born in rows]
