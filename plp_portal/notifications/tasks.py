"""Celery tasks of notifications: thin wrappers over services, taking ids. Time limits: the
settings' defaults (CELERY_TASK_SOFT_TIME_LIMIT / CELERY_TASK_TIME_LIMIT) unless a task says
otherwise for longer work."""

from celery import shared_task

from . import services


@shared_task(name="notifications.outbox_send", acks_late=True,
             plp_system_scope="sends one queued email")
def outbox_send(email_id: int) -> bool:
    return services.email_send_now(email_id=email_id)


# A batch is one transaction's digests (services.DIGEST_BATCH = 1,000 people), each an SMTP round trip.
@shared_task(name="notifications.outbox_send_batch", acks_late=True, soft_time_limit=900, time_limit=960,
             plp_system_scope="sends a batch of queued emails")
def outbox_send_batch(email_ids: list[int]) -> int:
    """Send a batch queued together (e.g. the day's digests); each email is sent at most once
    (``email_send_now`` locks it), so a redelivered batch sends only what was left."""
    return sum(services.email_send_now(email_id=email_id) for email_id in email_ids)


# Up to 500 due emails (services.outbox_due_ids) after an outage.
@shared_task(name="notifications.outbox_flush", soft_time_limit=300, time_limit=330,
             plp_system_scope="retries every organisation's unsent emails")
def outbox_flush() -> int:
    return services.outbox_flush()


# Every organisation's reminders, set-based, then the digests: minutes at county scale.
@shared_task(name="notifications.daily_reminders", soft_time_limit=1800, time_limit=1860,
             plp_system_scope="the daily reminder scan across every organisation")
def daily_reminders() -> dict:
    return services.daily_reminders_run()
