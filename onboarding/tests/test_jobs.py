"""Key workers from tutor groups and the year rollover for a whole school run in the worker,
with a progress bar, like a long import: recorded first, so with the broker down the page says
the work is queued and the minute sweep does it once the worker is back."""

import datetime
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse

from learners.models import LearnerProfile
from onboarding import samples, services
from onboarding.choices import ImportKind, JobKind, JobStatus
from onboarding.models import SetupJob, YearRollover
from onboarding.tasks import setup_jobs_resume
from plp_portal.organisations.choices import Role
from tests.factories import member
from tests.realservices import ThrowawayRedis, celery_broker, wait_until


def url(name, org, **kwargs):
    return reverse(f"onboarding:{name}", kwargs={"org_slug": org.slug, **kwargs})


def school(org, admin, pupils=12):
    groups = ["9A", "9B"]
    for kind, data in ((ImportKind.PUPILS, samples.to_csv(samples.PUPIL_HEADER,
                                                           samples.pupil_rows(pupils, years=(9,), forms=2))),
                       (ImportKind.STAFF, samples.to_csv(samples.STAFF_HEADER, samples.staff_rows(groups)))):
        run = services.import_run_create(org=org, kind=kind, preset="sims", file_name="f.csv", by=admin, data=data)
        run = services.import_run_preview(org=org, run=run)
        services.import_run_apply(org=org, run=services.import_run_confirm(org=org, run=run, by=admin,
                                                                           end_missing=False))


@pytest.mark.django_db
def test_a_small_school_is_assigned_while_the_admin_waits(client, sign_in, org):
    admin = member(org, Role.ORG_ADMIN)
    school(org, admin)
    sign_in(admin)
    response = client.post(url("key_workers", org), {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == url("key_workers", org)
    job = SetupJob.objects.for_org(org).get()
    assert (job.status, job.counts) == (JobStatus.DONE, {"assigned": 12})
    assert "12 pupils now have their form tutor as key worker" in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_the_job_page_shows_progress_and_polls_until_done(client, sign_in, org, other_org,
                                                          django_assert_max_num_queries):
    admin = member(org, Role.ORG_ADMIN)
    job = SetupJob.objects.create(organisation=org, kind=JobKind.ROLLOVER, created_by=admin, status=JobStatus.RUNNING,
                                  progress_done=200, progress_total=1200)
    sign_in(admin)
    with django_assert_max_num_queries(12):
        page = client.get(url("job", org, job_id=job.pk)).content.decode()
    assert "200 of 1200 done" in page and "<progress" in page and 'http-equiv="refresh"' in page
    partial = client.get(url("job", org, job_id=job.pk), HTTP_HX_REQUEST="true")
    assert partial.content.decode().startswith('<div id="job-progress"') and "HX-Refresh" not in partial
    SetupJob.objects.for_org(org).filter(pk=job.pk).update(status=JobStatus.DONE, message="Year rollover is done.")
    assert client.get(url("job", org, job_id=job.pk), HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"
    assert "Year rollover is done." in client.get(url("job", org, job_id=job.pk)).content.decode()
    # Another organisation's job is a 404, like a missing one.
    theirs = SetupJob.objects.create(organisation=other_org, kind=JobKind.ROLLOVER, created_by=admin)
    assert client.get(url("job", org, job_id=theirs.pk)).status_code == 404


@pytest.fixture
def redis_server():
    server = ThrowawayRedis().start()
    yield server
    server.stop()


@pytest.mark.django_db(transaction=True)
@pytest.mark.celery_worker
def test_with_the_worker_down_the_work_is_queued_and_done_when_it_is_back(client, org, redis_server,
                                                                          monkeypatch):
    admin = member(org, Role.ORG_ADMIN)
    school(org, admin)
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    monkeypatch.setattr(services, "JOB_SYNC_SIZE", 5)  # 12 pupils: a "large" school
    with celery_broker(redis_server.url) as app:
        redis_server.stop()
        started = time.monotonic()
        response = client.post(url("key_workers", org), {"confirm": "on"})
        assert time.monotonic() - started < 3
        job = SetupJob.objects.for_org(org).get()
        assert response.status_code == 302 and response["Location"] == url("job", org, job_id=job.pk)
        page = client.get(response["Location"]).content.decode()
        assert "Queued: the work starts as soon as the background worker is free" in page
        assert not LearnerProfile.objects.for_org(org).filter(key_worker__isnull=False).exists()
        # Confirming again does not queue the work twice.
        client.post(url("key_workers", org), {"confirm": "on"})
        assert SetupJob.objects.for_org(org).count() == 1

        redis_server.start()
        monkeypatch.setattr(services, "JOB_RESUME_AFTER", datetime.timedelta(0))
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            setup_jobs_resume.apply_async()  # what beat sends every minute
            assert wait_until(lambda: SetupJob.objects.for_org(org).get().status == JobStatus.DONE)
            job.refresh_from_db()
            assert job.counts == {"assigned": 12} and job.progress_done == job.progress_total == 12
            assert LearnerProfile.objects.for_org(org).filter(key_worker__isnull=True).count() == 0

            # The year rollover of the whole school: straight to the running worker.
            response = client.post(url("rollover", org), {"starts_on": "2027-09-02", "leaving_years": ["11"]})
            rollover = SetupJob.objects.for_org(org).get(kind=JobKind.ROLLOVER)
            assert response["Location"] == url("job", org, job_id=rollover.pk)
            assert wait_until(lambda: SetupJob.objects.for_org(org).get(pk=rollover.pk).status == JobStatus.DONE)
    assert YearRollover.objects.for_org(org).get().counts["advanced"] == 12
    assert set(LearnerProfile.objects.for_org(org).values_list("year_group", flat=True)) == {"10"}
    page = client.get(url("job", org, job_id=rollover.pk)).content.decode()
    assert "12 pupils moved up a year" in page
