from django.shortcuts import get_object_or_404

from .models import ImportRun, SetupJob, TutorGroup, YearRollover


def import_run_list(*, org):
    """The organisation's runs, newest first, without their rows and previews (large)."""
    return (ImportRun.objects.for_org(org).defer("rows", "preview", "header")
            .select_related("uploaded_by", "applied_by"))


def import_run_get(*, org, run_id: int) -> ImportRun:
    """The run ``run_id`` of ``org``; 404 for a run that does not exist and for one of another
    organisation."""
    return get_object_or_404(ImportRun.objects.for_org(org).select_related("uploaded_by", "applied_by"), pk=run_id)


def tutor_group_count(*, org) -> int:
    return TutorGroup.objects.for_org(org).filter(tutor__isnull=False).count()


def rollover_list(*, org):
    return YearRollover.objects.for_org(org).select_related("applied_by")[:10]


def setup_job_get(*, org, job_id: int) -> SetupJob:
    """The set-up job ``job_id`` of ``org``; 404 for a job that does not exist and for one of
    another organisation."""
    return get_object_or_404(SetupJob.objects.for_org(org).select_related("created_by"), pk=job_id)


def setup_jobs_recent(*, org):
    return SetupJob.objects.for_org(org).select_related("created_by")[:5]
