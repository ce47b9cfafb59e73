"""Handing work to Celery without ever making a request wait on the broker."""

import logging

from django.db import transaction

from plp_portal.celery import app

logger = logging.getLogger(__name__)


def registered_task(task_name: str):
    """The task registered as ``task_name``; every app's ``tasks`` module is imported the first
    time (a web process has not imported them). An unknown name raises KeyError."""
    if task_name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[task_name]


def enqueue_on_commit(task_name: str, *args, **kwargs) -> None:
    """Publish the task registered as ``task_name`` once the current transaction commits,
    failing fast if Redis is down.

    Services name the task rather than import their ``tasks`` module, so that dependencies run
    one way: tasks (thin wrappers) import services, never the reverse.

    Callers must have recorded the work in the database first (an outbox row, a due date), so
    that the periodic job that scans for it does it later when this publish fails."""

    task = registered_task(task_name)

    def publish():
        try:
            task.apply_async(args=args, kwargs=kwargs, retry=False)
        except Exception:  # the broker is down or slow: the periodic job will pick it up
            logger.warning("could not enqueue %s; left for the periodic job", task_name, exc_info=True)

    transaction.on_commit(publish)
