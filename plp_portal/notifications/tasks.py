from celery import shared_task

from . import services


@shared_task(name="notifications.outbox_send", acks_late=True)
def outbox_send(email_id: int) -> bool:
    return services.email_send_now(email_id=email_id)


@shared_task(name="notifications.outbox_flush")
def outbox_flush() -> int:
    """Send every due email: those whose publish failed while Redis was down, and retries."""
    sent = 0
    for email_id in services.outbox_due_ids():
        sent += services.email_send_now(email_id=email_id)
    return sent
