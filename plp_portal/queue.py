"""Handing work to Celery without ever making a request wait on the broker."""

import logging

from django.db import transaction

from plp_portal.celery import app

logger = logging.getLogger(__name__)


def enqueue_on_commit(task_name: str, *args, **kwargs) -> None:
    """Publish the task registered as ``task_name`` once the current transaction commits,
    failing fast if Redis is down.

    Services name the task rather than import their ``tasks`` module, so that dependencies run
    one way: tasks (thin wrappers) import services, never the reverse.

    Callers must have recorded the work in the database first (an outbox row, a due date), so
    that the periodic job that scans for it does it later when this publish fails."""

    def publish():
        try:
            app.signature(task_name, args=args, kwargs=kwargs).apply_async(retry=False)
        except Exception:  # the broker is down or slow: the periodic job will pick it up
            logger.warning("could not enqueue %s; left for the periodic job", task_name, exc_info=True)

    transaction.on_commit(publish)
