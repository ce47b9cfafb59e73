"""The learners app's part of a learner's record (the core's ``records`` hook,
plp_portal/records): the profile, plans and everything on them, and the progress file PDF of
each plan as the learner sees it."""

from __future__ import annotations

from plp_portal.records.export import Document, RecordSet, learner_rows

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

EXCLUDED = {
    "learners.PlanUserObjectPermission": "the permission mirroring a PlanShare (the share is exported)",
    "learners.PlanGroupObjectPermission": "never granted (guardian needs the table)",
}


def record_sets(*, org_id: int, user_id: int) -> list[RecordSet]:
    def of(model, path):
        return learner_rows(model, org_id=org_id, user_id=user_id, path=path)

    plan_path = "plan__profile__user_id"
    return [
        RecordSet("learners.LearnerProfile", of(LearnerProfile, "user_id")),
        RecordSet("learners.AtRiskStatus", of(AtRiskStatus, "profile__user_id")),
        RecordSet("learners.EnrolmentEnd", of(EnrolmentEnd, "profile__user_id")),
        RecordSet("learners.RecordTransfer", of(RecordTransfer, "profile__user_id")),
        RecordSet("learners.MovingOnApplication", of(MovingOnApplication, "moving_on__plan__profile__user_id")),
        RecordSet("learners.MovingOnPlan", of(MovingOnPlan, plan_path)),
        RecordSet("learners.Plan", of(Plan, "profile__user_id")),
        RecordSet("learners.PlanSignature", of(PlanSignature, plan_path)),
        RecordSet("learners.PlanShare", of(PlanShare, plan_path)),
        RecordSet("learners.PlanShareInvitation", of(PlanShareInvitation, plan_path), omit=("token_hash",)),
        RecordSet("learners.Target", of(Target, plan_path)),
        RecordSet("learners.TargetProgress", of(TargetProgress, "target__plan__profile__user_id")),
        RecordSet("learners.NarrativeEntry", of(NarrativeEntry, plan_path)),
        RecordSet("learners.LogBlock", of(LogBlock, plan_path)),
        RecordSet("learners.LogEntry", of(LogEntry, plan_path)),
        RecordSet("learners.Concern", of(Concern, plan_path)),
        RecordSet("learners.SubjectReport", of(SubjectReport, plan_path)),
        RecordSet("learners.TimelineEvent", of(TimelineEvent, plan_path)),
        RecordSet("learners.PlanContribution", of(PlanContribution, plan_path)),
        RecordSet("learners.OffSiteReview", of(OffSiteReview, plan_path)),
        RecordSet("learners.OffSiteReviewTarget", of(OffSiteReviewTarget, "review__plan__profile__user_id")),
    ]


def documents(*, org_id: int, user_id: int) -> list[Document]:
    from .pdf_renders import PROGRESS_FILE

    plans = Plan.objects.for_org(org_id).filter(profile__user_id=user_id).order_by("starts_on", "pk")
    return [Document(kind=PROGRESS_FILE, object_id=plan.pk, audience=f"user:{user_id}",
                     filename=f"progress-file-{plan.pk}.pdf") for plan in plans]


def parent_children(*, user_id: int) -> list[dict]:
    """The learners ``user_id`` holds parental responsibility for, as the portal records it: an
    active parent/carer grant (``PlanShare``) on one of the learner's plans — one row per learner
    and organisation: org_id, user_id, profile_id, full_name, date_of_birth."""
    from .choices import ShareRelationship

    rows = (PlanShare.objects.system("a parent's children, across the organisations that shared with them")
            .filter(PlanShare.active_q(), grantee_id=user_id, relationship=ShareRelationship.PARENT_CARER)
            .order_by("plan__profile__user__full_name", "plan__profile_id")
            .values_list("organisation_id", "plan__profile__user_id", "plan__profile_id",
                         "plan__profile__user__full_name", "plan__profile__date_of_birth").distinct())
    return [{"org_id": org_id, "user_id": child, "profile_id": profile_id, "full_name": name,
             "date_of_birth": born} for org_id, child, profile_id, name, born in rows]
