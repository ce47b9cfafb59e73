"""The guidance sections of the learner's progress file (``learners.pdf`` hook): the guidance
records and action plans the viewer may see (audience by ``learners.permissions.audience_q``:
the learner's and a grantee's copy hold PLAN records only) and the learner's destinations."""

from __future__ import annotations

from django.db.models import Count, Max, OuterRef, Subquery

from learners.pdf import Section
from learners.permissions import audience_q

from . import selectors
from .models import ActionItem, Destination, Interview


def sections(*, plan, viewer) -> list[Section]:
    if not viewer.can_view_plan:
        return []
    profile = plan.profile
    interviews = list(selectors.interviews_for_learner(profile=profile, audience_filter=audience_q(viewer))
                      .order_by("held_on", "pk"))
    destinations = list(selectors.destinations_for_learner(profile=profile).order_by("recorded_on", "pk"))
    result = [Section(
        anchor="guidance", title="Careers guidance and action plans", template="guidance/pdf/_guidance.html",
        order=20, items=interviews,
        summary=(f"Careers guidance: {len(interviews)} meeting{'s' if len(interviews) != 1 else ''} with an adviser."
                 if interviews else ""))]
    if destinations:
        latest = destinations[-1]
        result.append(Section(
            anchor="destinations", title="Destinations", template="guidance/pdf/_destinations.html", order=40,
            items=destinations,
            summary=f"Latest destination: {latest.get_category_display()}"
                    f"{f' ({latest.detail})' if latest.detail else ''}."))
    return result


def fingerprint_annotations(*, org_id: int) -> dict:
    """The learner's interviews, actions and destinations (over the ``Plan`` row: its profile)."""

    def summary(model, path, aggregate, field):
        rows = model.objects.for_org(org_id).filter(**{path: OuterRef("profile_id")}).order_by().values(path)
        return Subquery(rows.annotate(v=aggregate(field)).values("v")[:1])

    return {
        "g_interviews_n": summary(Interview, "profile", Count, "pk"),
        "g_interviews_max": summary(Interview, "profile", Max, "pk"),
        "g_feedback_at": summary(Interview, "profile", Max, "feedback_at"),
        "g_actions_n": summary(ActionItem, "interview__profile", Count, "pk"),
        "g_actions_max": summary(ActionItem, "interview__profile", Max, "pk"),
        "g_destinations_n": summary(Destination, "profile", Count, "pk"),
        "g_destinations_max": summary(Destination, "profile", Max, "pk"),
    }
