from celery import shared_task


from . import services
from .choices import RunStatus
from .models import ImportRun


def _run(run_id: int):
    run = ImportRun.objects.system("a worker takes the run by id and re-enters its organisation").select_related(
        "organisation").get(pk=run_id)
    return run.organisation, run


@shared_task(name="onboarding.preview", acks_late=True, soft_time_limit=300, time_limit=330)
def import_preview(run_id: int) -> str:
    org, run = _run(run_id)
    if run.status != RunStatus.PREVIEWING:
        return run.status
    try:
        services.import_run_preview(org=org, run=run)
    except Exception as error:
        services.import_run_fail(org=org, run=run, message=f"The file could not be checked ({type(error).__name__}).")
        raise
    return RunStatus.READY


@shared_task(name="onboarding.apply", acks_late=True, soft_time_limit=540, time_limit=570)
def import_apply(run_id: int) -> str:
    org, run = _run(run_id)
    if run.status != RunStatus.APPLYING:
        return run.status
    try:
        services.import_run_apply(org=org, run=run)
    except Exception as error:
        services.import_run_fail(org=org, run=run, message=f"The import stopped ({type(error).__name__}); "
                                                         "the batches before it were imported. Upload the file again.")
        raise
    return RunStatus.APPLIED


