"""The guidance app's background work: keeping the schools' dashboard figures current
(``figures.py``, issue 19)."""

from celery import shared_task

from . import services


@shared_task(name="guidance.figures_refresh_stale", soft_time_limit=240, time_limit=270)
def figures_refresh_stale() -> int:
    """Beat, every minute: recompute the figures of the schools a write marked stale."""
    return services.figures_refresh_stale()


@shared_task(name="guidance.figures_refresh_daily", soft_time_limit=1800, time_limit=1860)
def figures_refresh_daily() -> int:
    """Beat, nightly: recompute every school's figures (enrolments, the new year, anything missed)."""
    return services.figures_refresh()
