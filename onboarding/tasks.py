from celery import shared_task

from . import services


@shared_task(name="onboarding.preview", acks_late=True, soft_time_limit=300, time_limit=330,
             plp_system_scope="checks one organisation's MIS import file")
def import_preview(run_id: int) -> str:
    return services.import_run_preview_queued(run_id=run_id)


@shared_task(name="onboarding.apply", acks_late=True, soft_time_limit=540, time_limit=570,
             plp_system_scope="imports one organisation's MIS file")
def import_apply(run_id: int) -> str:
    return services.import_run_apply_queued(run_id=run_id)
