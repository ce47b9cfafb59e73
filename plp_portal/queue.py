"""Handing work to Celery without ever making a request wait on the broker."""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Publish ``task`` once the current transaction commits, failing fast if Redis is down.

    Callers must have recorded the work in the database first (an outbox row, a due date), so
    that the periodic job that scans for it does it later when this publish fails."""

    def publish():
        try:
            task.apply_async(args=args, kwargs=kwargs, retry=False)
        except Exception:  # the broker is down or slow: the periodic job will pick it up
            logger.warning("could not enqueue %s; left for the periodic job", task.name, exc_info=True)

    transaction.on_commit(publish)
