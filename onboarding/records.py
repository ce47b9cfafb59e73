"""School set-up's part of a learner's record (the core's ``records`` hook): what the MIS said
about them that has no home on the profile (legal name, SEN status, MIS id) and the sign-in
codes printed for them (never the code's hash)."""

from __future__ import annotations

from plp_portal.records.export import RecordSet, learner_rows

from .models import MisPerson, ParentLink, SignInCode

EXCLUDED = {
    "onboarding.ImportRun": "a whole file's rows as uploaded, kept for the run's record; the learner's "
                            "imported values are exported on their profile and MisPerson",
}


def record_sets(*, org_id: int, user_id: int) -> list[RecordSet]:
    return [
        RecordSet("onboarding.MisPerson", learner_rows(MisPerson, org_id=org_id, user_id=user_id, path="user_id")),
        RecordSet("onboarding.SignInCode", learner_rows(SignInCode, org_id=org_id, user_id=user_id, path="user_id"),
                  omit=("code_hash",)),
        RecordSet("onboarding.ParentLink", learner_rows(ParentLink, org_id=org_id, user_id=user_id,
                                                        path="profile__user_id")),
    ]
