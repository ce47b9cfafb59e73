"""The seed's yearly cycle as rules. A plan for academic year Y (Y/Y+1) is planned in June/July
of Y, monitored from September of Y and reviewed from April of Y+1."""

import datetime

from .choices import Phase

# Which of the row's columns may be written in each phase.
EDITABLE = {
    Phase.PLANNING: {"planned"},
    Phase.MONITORING: {"planned", "evidence"},
    Phase.REVIEW: {"evidence", "actions_next_year"},
}
ORDER = [Phase.PLANNING, Phase.MONITORING, Phase.REVIEW]


def planning_year_of(day: datetime.date) -> int:
    """The year a lead is planning for: from June, next academic year's plan is due."""
    return day.year if day.month >= 6 else day.year - 1


def phase_starts_on(academic_year: int, phase: str) -> datetime.date:
    return {
        Phase.PLANNING: datetime.date(academic_year, 6, 1),
        Phase.MONITORING: datetime.date(academic_year, 9, 1),
        Phase.REVIEW: datetime.date(academic_year + 1, 4, 1),
    }[Phase(phase)]


def next_phase(phase: str) -> str | None:
    index = ORDER.index(Phase(phase))
    return ORDER[index + 1] if index + 1 < len(ORDER) else None


def can_edit(phase: str, column: str) -> bool:
    return column in EDITABLE[Phase(phase)]


def can_advance(*, academic_year: int, phase: str, today: datetime.date) -> bool:
    target = next_phase(phase)
    return target is not None and today >= phase_starts_on(academic_year, target)
