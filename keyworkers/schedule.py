"""When the next review is due: pure date computation from the organisation's term dates and
cadence (no queries — callers load the terms once and pass them).

Half-termly (default): a review is due at the end of each half term — the day the half-term
break starts and the day the term ends. The next review is due at the first of those dates after
both the last review's due date and the day it was held: a review held early counts for the
half term it was due in, one held late does not make the next one fall due at once. Termly: the same with whole
terms. Every N weeks: N weeks after the last review (or the plan's start). Without term dates
(or past the last one known), half-termly falls back to 6 weeks and termly to 12."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from .choices import Cadence

FALLBACK_WEEKS = {Cadence.HALF_TERMLY: 6, Cadence.TERMLY: 12}


@dataclass(frozen=True)
class Rule:
    cadence: str = Cadence.HALF_TERMLY
    interval_weeks: int = 4


def boundaries(terms, cadence: str) -> list[datetime.date]:
    """The sorted review due dates the term dates give for ``cadence``."""
    days = set()
    for term in terms:
        days.add(term.ends_on)
        if cadence == Cadence.HALF_TERMLY:
            days.add(term.half_term_starts_on)
    return sorted(days)


def next_due(*, rule: Rule, terms, last_review_on: datetime.date | None, plan_starts_on: datetime.date,
             explicit: datetime.date | None = None, last_due_on: datetime.date | None = None) -> datetime.date:
    """The due date of the next review.

    ``explicit``: the next review date agreed at the last review (wins when given).
    ``last_review_on`` / ``last_due_on``: when the last completed review was held and when it
    was due (None if there is none yet)."""
    if explicit is not None:
        return explicit
    if rule.cadence == Cadence.WEEKS:
        base = last_review_on or plan_starts_on
        return base + datetime.timedelta(weeks=max(1, rule.interval_weeks))
    marks = boundaries(terms, rule.cadence)
    fallback = datetime.timedelta(weeks=FALLBACK_WEEKS.get(rule.cadence, 6))
    if last_review_on is None:
        # The first review: at the end of the (half) term the plan starts in.
        return next((day for day in marks if day >= plan_starts_on), plan_starts_on + fallback)
    base = max(last_review_on, last_due_on or last_review_on)
    return next((day for day in marks if day > base), base + fallback)


def current_period(*, terms, today: datetime.date, cadence: str = Cadence.HALF_TERMLY):
    """(start, end) of the half term (or term) containing ``today``, from the term dates; None
    outside term time (the last period that ended before ``today`` then)."""
    periods = []
    for term in sorted(terms, key=lambda t: t.starts_on):
        if cadence == Cadence.TERMLY:
            periods.append((term.starts_on, term.ends_on))
        else:
            periods.append((term.starts_on, term.half_term_starts_on))
            periods.append((term.half_term_ends_on, term.ends_on))
    for start, end in periods:
        if start <= today <= end:
            return start, end
    past = [p for p in periods if p[1] < today]
    return past[-1] if past else None
