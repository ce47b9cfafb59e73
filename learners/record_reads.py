"""Which URL keyword arguments name part of a learner's record: a successful GET of such a URL
is audited as a read (plp_portal.audit.reads). Value: (model, lookup to the LearnerProfile id)."""

from .models import LearnerProfile

RECORD_KWARGS = {
    "profile_id": ("learners.LearnerProfile", "pk"),
    "learner_plan_id": ("learners.Plan", "profile_id"),
    "target_id": ("learners.Target", "plan__profile_id"),
    "concern_id": ("learners.Concern", "plan__profile_id"),
    "log_entry_id": ("learners.LogEntry", "plan__profile_id"),
    "narrative_id": ("learners.NarrativeEntry", "plan__profile_id"),
}


def learner_get(*, org, profile_id: int):
    """The learner profile ``profile_id`` of ``org`` with its user, or None (the audit's "who
    looked at this learner's record" page)."""
    return LearnerProfile.objects.for_org(org).select_related("user").filter(pk=profile_id).first()
