"""Which URL keyword arguments name part of a learner's record: a successful GET of such a URL
is audited as a read (plp_portal.audit.reads). Value: (model, lookup to the LearnerProfile id)."""

RECORD_KWARGS = {
    "referral_id": ("guidance.Referral", "profile_id"),
    "interview_id": ("guidance.Interview", "profile_id"),
}
