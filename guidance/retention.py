"""The guidance app's part of the retention job: the leaving date an adviser recorded
(``LearnerGuidance.left_on``) for learners whose enrolment has ended; and destinations kept as
anonymous figures for the authority's dashboards when a learner's record is erased."""

from __future__ import annotations

from .choices import DestinationKind
from .models import Destination, LearnerGuidance


def leavers(*, org_id: int) -> dict[int, object]:
    return dict(LearnerGuidance.objects.for_org(org_id).filter(left_on__isnull=False, profile__is_active=False)
                .values_list("profile_id", "left_on"))


def anonymise(*, org_id: int, profile_ids) -> dict[str, int]:
    """Keep each learner's latest actual destination as an anonymous row (no learner, no detail,
    no note of how it was confirmed): the destinations figures count it once. The rest go."""
    rows = Destination.objects.for_org(org_id).filter(profile_id__in=list(profile_ids))
    keep = []
    seen = set()
    for pk, profile_id in rows.filter(kind=DestinationKind.ACTUAL).order_by(
            "profile_id", "-recorded_on", "-pk").values_list("pk", "profile_id"):
        if profile_id not in seen:
            seen.add(profile_id)
            keep.append(pk)
    deleted = rows.exclude(pk__in=keep)._raw_delete(rows.db)
    kept = Destination.objects.for_org(org_id).filter(pk__in=keep).update(
        profile=None, detail="", confirmed_how="", follow_up_on=None)
    return {"guidance.Destination (anonymised)": kept, "guidance.Destination": deleted}


_STAFF = "kept: an adviser's or a partnership's action; a learner never holds it"
USER_REFERENCES = {f"guidance.{field}": _STAFF for field in (
    "Partnership.decided_by", "Partnership.ended_by", "Partnership.created_by", "PartnershipAdviser.adviser",
    "GroupSession.adviser")}
