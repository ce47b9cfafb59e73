"""Which URL keyword arguments name part of a learner's record: a successful GET of such a URL
is audited as a read (plp_portal.audit.reads). Value: (model, lookup to the LearnerProfile id)."""

RECORD_KWARGS = {
    "keyworkers:plan_id": ("learners.Plan", "profile_id"),
    "review_id": ("keyworkers.Review", "plan__profile_id"),
}
