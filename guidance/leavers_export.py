"""The leavers' activity export (issue 15): one row per leaver of the careers service's partner
schools, for the service to load into the local authority's client caseload information system.

It holds individual records, so it is the CAREERS SERVICE's (through its accepted partnerships),
never the authority's: the authority sees aggregates only (``guidance.outcomes``).

Activity codes: the "current activity" codes of the Department for Education's *NCCIS management
information requirement* (the yearly specification of what local authorities return to the
National Client Caseload Information System; Appendix A, "Current activity"). Checked on
2026-12-01 against the code list as transcribed (identically) by two public research code bases
that read NCCIS extracts; copies of the requirement itself (editions 2017-18, 2018-19 and
2020-21) were found but their code tables could not be read from here, so the service checks the
codes against the year's edition before a return (README). The codes: education 2xx (210 school
sixth form, 220 sixth-form college, 230 further education, 240 higher education, ...);
employment 3xx (310 apprenticeship, 320 full-time employment with study (regulated
qualification), 330 employment without training, 340 employment with training (other), ...);
NEET 5xx-6xx (540 working not for reward, 610 not yet ready for work or learning, 619 seeking
employment, education or training, 620-680 not available); not known 8xx (810 current situation
not known, 820 cannot be contacted, 830 refused to disclose).

Our destination categories are broader than these codes, so each maps to the code of its group
that assumes least (education → 230, further education; employment with training → 340, "other",
as we do not record whether the qualification is regulated; NEET → 619, seeking); the service
refines them in its CCIS where it knows more. "Moved away" is not an activity: NCCIS records it as
a transfer to another authority (field YP13, "Transferred to LA code"), so the code is left empty
and the "Transferred out" column says "Y" for the service to give the new authority's code.
"""

from __future__ import annotations

import datetime

from django.db.models import OuterRef, Subquery

from .choices import DestinationCategory, DestinationKind
from .models import Destination, LearnerGuidance

NCCIS_ACTIVITY = {
    DestinationCategory.EDUCATION: ("230", "Full-time education: further education"),
    DestinationCategory.APPRENTICESHIP: ("310", "Apprenticeship"),
    DestinationCategory.EMPLOYMENT_WITH_TRAINING: ("340", "Employment with training (other)"),
    DestinationCategory.EMPLOYMENT_WITHOUT_TRAINING: ("330", "Employment without training"),
    DestinationCategory.NEET: ("619", "NEET: seeking employment, education or training"),
    DestinationCategory.UNKNOWN: ("810", "Current situation not known"),
    DestinationCategory.OTHER: ("", "Other (no NCCIS code: the service chooses one)"),
    DestinationCategory.MOVED_AWAY: ("", "Moved away (transferred to another local authority)"),
}
NOT_KNOWN = ("810", "Current situation not known")

HEADER = ["UPN", "ULN", "Name", "Date of birth", "School or college", "Year group", "Date left",
          "Activity code", "Activity", "Activity start date", "Destination detail", "Confirmed how",
          "Transferred out"]


def leavers(*, school_ids, year: int):
    """The leavers of academic ``year`` at ``school_ids`` with their latest actual destination
    (one query: the destination fields are correlated subqueries of the same ordered row)."""
    latest = (Destination.objects.for_orgs(school_ids)
              .filter(profile_id=OuterRef("profile_id"), kind=DestinationKind.ACTUAL)
              .order_by("-recorded_on", "-pk"))
    return (
        LearnerGuidance.objects.for_orgs(school_ids)
        .filter(left_on__gte=datetime.date(year, 9, 1), left_on__lte=datetime.date(year + 1, 8, 31))
        .annotate(category=Subquery(latest.values("category")[:1]),
                  recorded_on=Subquery(latest.values("recorded_on")[:1]),
                  detail=Subquery(latest.values("detail")[:1]),
                  confirmed_how=Subquery(latest.values("confirmed_how")[:1]))
        .select_related("profile__user", "organisation")
        .order_by("organisation__name", "profile__user__full_name", "pk")
    )


def csv_safe(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def rows(queryset):
    yield HEADER
    for g in queryset.iterator(chunk_size=500):
        code, activity = NCCIS_ACTIVITY.get(g.category, NOT_KNOWN) if g.category else NOT_KNOWN
        profile = g.profile
        yield [
            profile.upn, profile.uln, csv_safe(profile.user.full_name or profile.user.email),
            profile.date_of_birth.isoformat() if profile.date_of_birth else "",
            csv_safe(g.organisation.name), csv_safe(profile.year_group), g.left_on.isoformat(),
            code, activity, g.recorded_on.isoformat() if g.recorded_on else "",
            csv_safe(g.detail or ""), csv_safe(g.confirmed_how or ""),
            "Y" if g.category == DestinationCategory.MOVED_AWAY else "",
        ]
