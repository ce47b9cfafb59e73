"""The one clock: "now", "today" and the academic year.

Every date the portal decides with ("is this review overdue?", "which year's plan is current?")
comes from here, so that it can be reasoned about (and frozen in tests) in one place.

* ``now()`` is the aware current instant (UTC in the database).
* ``today(org)`` is the calendar date in the organisation's time zone (``Organisation.time_zone``);
  ``today()`` without an organisation is the date in ``settings.TIME_ZONE`` (for jobs that run
  across organisations and for pages outside one).
* An academic year is named by the calendar year it starts in (1 September); its label is
  ``2025/26``.

``tests/test_architecture.py`` fails when ``date.today()``, ``datetime.now()``,
``timezone.now().date()`` or ``timezone.localdate()`` appear outside this module.
"""

import datetime
import zoneinfo

from django.conf import settings
from django.utils import timezone
from django.utils.dates import MONTHS_3

ACADEMIC_YEAR_START_MONTH = 9


def now() -> datetime.datetime:
    """The current instant, time-zone aware."""
    return timezone.now()


def zone_of(org) -> zoneinfo.ZoneInfo:
    """The organisation's time zone; an unknown name falls back to the site's zone."""
    try:
        return zoneinfo.ZoneInfo(org.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def today(org=None) -> datetime.date:
    """Today's date in ``org``'s time zone, or in the site's time zone without an organisation."""
    if org is None:
        return timezone.localdate()
    return timezone.localdate(timezone=zone_of(org))


def local_date(moment: datetime.datetime) -> datetime.date:
    """The site-local calendar date of an aware instant (e.g. when a record was filed)."""
    return timezone.localdate(moment)


def academic_year_of(day: datetime.date) -> int:
    """The academic year (the calendar year it starts in) that ``day`` belongs to; it starts 1 September."""
    return day.year if day.month >= ACADEMIC_YEAR_START_MONTH else day.year - 1


def academic_year_label(year: int) -> str:
    """``2025`` → ``"2025/26"``."""
    return f"{year}/{(year + 1) % 100:02d}"


def academic_year_dates(year: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of academic year ``year`` (1 September to 31 August)."""
    return datetime.date(year, ACADEMIC_YEAR_START_MONTH, 1), datetime.date(year + 1, 8, 31)


def day_label(day: datetime.date | None) -> str:
    """``day`` as a list's cell shows it, "3 Sep 2026" (what ``{{ day|date:"j M Y" }}`` prints),
    worked out in Python for a list's rows: the template filter costs about 160 Python calls a
    cell (issue 19). "" for None."""
    if day is None:
        return ""
    return f"{day.day} {MONTHS_3[day.month].title()} {day.year}"
