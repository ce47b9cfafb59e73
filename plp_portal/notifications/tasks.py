from celery import shared_task

from plp_portal import clock
from . import services


@shared_task(name="notifications.outbox_send", acks_late=True)
def outbox_send(email_id: int) -> bool:
    return services.email_send_now(email_id=email_id)


@shared_task(name="notifications.outbox_send_batch", acks_late=True)
def outbox_send_batch(email_ids: list[int]) -> int:
    """Send a batch queued together (e.g. the day's digests); each email is sent at most once
    (``email_send_now`` locks it), so a redelivered batch sends only what was left."""
    return sum(services.email_send_now(email_id=email_id) for email_id in email_ids)


@shared_task(name="notifications.outbox_flush")
def outbox_flush() -> int:
    """Send every due email: those whose publish failed while Redis was down, and retries."""
    sent = 0
    for email_id in services.outbox_due_ids():
        sent += services.email_send_now(email_id=email_id)
    return sent


@shared_task(name="notifications.daily_reminders")
def daily_reminders() -> dict:
    """The daily reminder job: every app's ``reminders.collect(today=…)`` records what is due
    (computed from the database, set-based), then one digest per person is queued."""
    from plp_portal.hooks import app_hook_modules

    today = clock.today()
    added = {}
    for module in app_hook_modules("reminders"):
        added[module.__name__] = module.collect(today=today)
    return {"added": added, "digests": services.digests_queue(day=today)}
