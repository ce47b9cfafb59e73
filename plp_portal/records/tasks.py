from celery import shared_task

from . import services


@shared_task(name="records.sar_build", acks_late=True, soft_time_limit=1200, time_limit=1260,
             plp_system_scope="builds one learner's subject access copy (the request was checked when made)")
def sar_build(sar_id: int) -> str:
    return services.sar_build(sar_id=sar_id)


@shared_task(name="records.sars_pending",
             plp_system_scope="picks up subject access copies left pending")
def sars_pending() -> dict:
    """Beat, every minute: exports whose publish failed (Redis down); expired files deleted."""
    return services.sars_pending()


@shared_task(name="records.retention_daily", soft_time_limit=1800, time_limit=1860,
             plp_system_scope="erases records past every organisation's retention period")
def retention_daily() -> dict:
    """Beat, daily: erase the records whose retention period has passed (records/retention.py)."""
    return services.retention_run()
