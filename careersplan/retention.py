"""The careers plan's part of the retention job (plp_portal/records/retention.py). The school's
annual careers plan is about the school, written by staff: no row refers to a learner. The one
place a learner may be named is a feedback response whose respondent typed their name (surveys
that allow names): that name is blanked when the learner's record is erased; the rating and the
comments stay, anonymous, for the plan's review."""

from __future__ import annotations
from functools import reduce
import operator

from django.apps import apps
from django.db.models import Q

from .models import FeedbackResponse

_STAFF = "kept: the school's careers plan is written and reviewed by staff; a learner never holds it"
USER_REFERENCES = {
    f"careersplan.{field}": _STAFF for field in (
        "CareersPlan.created_by", "CareersPlanUserObjectPermission.user", "PlanRow.updated_by",
        "Evidence.added_by", "ChecklistTick.ticked_by", "ScoreChange.changed_by",
        "GoverningBodyApproval.recorded_by", "ReviewerGrant.reviewer", "ReviewerGrant.granted_by",
        "ReviewComment.author", "Recommendation.created_by", "Recommendation.responded_by",
        "PublishedProgramme.published_by", "FeedbackSurvey.created_by", "FeedbackSurvey.closed_by")
}


def anonymise(*, org_id: int, profile_ids) -> dict[str, int]:
    profile = apps.get_model("learners", "LearnerProfile")
    names = [name.strip() for name in profile.objects.for_org(org_id).filter(pk__in=list(profile_ids))
             .values_list("user__full_name", flat=True) if name and name.strip()]
    if not names:
        return {}

    named = reduce(operator.or_, (Q(respondent_name__iexact=name) for name in names))
    return {"careersplan.FeedbackResponse (name blanked)":
            FeedbackResponse.objects.for_org(org_id).filter(named).update(respondent_name="")}
