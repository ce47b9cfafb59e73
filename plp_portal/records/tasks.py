from celery import shared_task

from . import services


@shared_task(name="records.sar_build", acks_late=True, soft_time_limit=1200, time_limit=1260)
def sar_build(sar_id: int) -> str:
    return services.sar_build(sar_id=sar_id)


@shared_task(name="records.sars_pending")
def sars_pending() -> dict:
    """Beat, every minute: exports whose publish failed (Redis down); expired files deleted."""
    return services.sars_pending()
