"""School set-up's part of a learner's record (the core's ``records`` hook): what the MIS said
about them that has no home on the profile (legal name, SEN status, MIS id) and the sign-in
codes printed for them (never the code's hash)."""

from __future__ import annotations

from plp_portal.records.export import RecordSet, learner_record_sets

from .models import MisPerson, ParentLink, SignInCode

EXCLUDED = {
    "onboarding.ImportRun": "a whole file's rows as uploaded, kept for the run's record; the learner's "
                            "imported values are exported on their profile and MisPerson",
}

# Each kind of row about the learner, with the path from it to the learner's user id (and the
# fields never exported).
KINDS = [
    (MisPerson, "user_id"),
    (SignInCode, "user_id", ("code_hash",)),
    (ParentLink, "profile__user_id"),
]


def record_sets(*, org_id: int, user_id: int) -> list[RecordSet]:
    return learner_record_sets(KINDS, org_id=org_id, user_id=user_id)
