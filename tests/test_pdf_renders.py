"""PDFs are rendered by the workers, never on the request's CPU (issue 16; DESIGN.md: long
renders in a Celery task with a progress indicator; requests never wait on Redis).

The progress file (learners) and the annual careers plan (careersplan) go through the core's
``PdfRender``: the download URL queues (or finds) the render and shows "Preparing your PDF…",
which refreshes itself until the download is offered."""

import datetime
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from careersplan.choices import Phase
from careersplan.tests.factories import lead, make_plan
from learners.tests.factories import plan_for, target_for
from plp_portal.organisations.choices import Role
from plp_portal.pdfs import services as pdf_services
from plp_portal.pdfs.models import PdfRender
from plp_portal.pdfs.tasks import pdf_render, pdf_renders_pending
from tests.factories import member
from tests.pdfs import download_url, fetch_pdf, pdf_bytes, pdf_page


def renders(org):
    return PdfRender.objects.for_org(org)


def progress_file_url(plan):
    return reverse("me:plan_pdf", kwargs={"learner_plan_id": plan.pk})


def staff_progress_file_url(plan):
    return reverse("learners:plan_pdf", kwargs={"org_slug": plan.organisation.slug, "learner_plan_id": plan.pk})


@pytest.fixture
def learner_signed_in(org, sign_in):
    """A learner's plan in ``org`` and the test client signed in as the learner: (plan, client)."""
    plan = plan_for(org=org)
    return plan, sign_in(plan.profile.user)


def ask(client, url):
    """Ask for the PDF WITHOUT the worker running (the on-commit publish is not executed)."""
    response = client.get(url)
    assert response.status_code == 302
    return response["Location"]


@pytest.mark.django_db
def test_the_learner_waits_on_a_preparing_page_then_downloads_the_progress_file(org, learner_signed_in):
    plan, client = learner_signed_in
    page_url = ask(client, progress_file_url(plan))
    render = renders(org).get()
    assert (render.kind, render.object_id, render.status) == ("learners.progress_file", plan.pk, "queued")

    waiting = client.get(page_url)
    body = waiting.content.decode()
    assert waiting.status_code == 200
    assert "Preparing your PDF…" in body and "<progress" in body
    assert f'hx-get="{page_url}"' in body and 'hx-trigger="every 2s"' in body  # htmx polling
    assert '<meta http-equiv="refresh" content="3">' in body  # and without JavaScript
    assert "Download the PDF" not in body
    # The download URL of a render not finished sends the person back to its page.
    download = page_url + "progress-file.pdf"
    assert client.get(download)["Location"] == page_url

    assert pdf_render.apply(args=[render.pk]).get() == "done"  # what the worker does

    polled = client.get(page_url, headers={"HX-Request": "true"})
    fragment = polled.content.decode()
    assert "<html" not in fragment and 'id="pdf-render-status"' in fragment
    assert "hx-trigger" not in fragment  # polling stops
    ready = client.get(page_url).content.decode()
    assert "http-equiv" not in ready and "Your PDF is ready." in ready
    response = client.get(download_url(client.get(page_url)))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    data = pdf_bytes(response)
    assert data.startswith(b"%PDF-") and "Five GCSEs" in _text(data)


def _text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.mark.django_db
def test_with_celery_eager_as_in_the_demo_the_page_offers_the_download_at_once(org, learner_signed_in):
    plan, client = learner_signed_in
    page = pdf_page(client, progress_file_url(plan))
    assert "Your PDF is ready." in page.content.decode() and "Preparing" not in page.content.decode()
    assert renders(org).get().status == PdfRender.Status.DONE


@pytest.mark.django_db
def test_another_organisations_people_get_404_for_the_render_page_and_the_file(org, other_org, sign_in, learner_signed_in):
    plan, client = learner_signed_in
    page_url = pdf_page(client, progress_file_url(plan)).request["PATH_INFO"]
    file_url = download_url(client.get(page_url))
    outsider = member(other_org, Role.ORG_ADMIN)
    sign_in(outsider)
    render_id = renders(org).get().pk
    for url in (page_url, file_url,
                reverse("learners:plan_pdf_status", kwargs={"org_slug": other_org.slug, "learner_plan_id": plan.pk,
                                                            "render_id": render_id}),
                reverse("learners:plan_pdf_download", kwargs={"org_slug": other_org.slug,
                                                              "learner_plan_id": plan.pk, "render_id": render_id})):
        assert client.get(url).status_code == 404, url


@pytest.mark.django_db
def test_a_render_is_only_served_to_the_audience_it_was_made_for(org, sign_in, learner_signed_in):
    """The learner's copy (with their sensitive fields) is theirs: a careers lead of the same
    school gets 404 for its id through the staff URL, and has a render of their own."""
    plan, client = learner_signed_in
    pdf_page(client, progress_file_url(plan))
    learners_render = renders(org).get()
    careers_lead = member(org, Role.CAREERS_LEAD)
    sign_in(careers_lead)
    kwargs = {"org_slug": org.slug, "learner_plan_id": plan.pk, "render_id": learners_render.pk}
    assert client.get(reverse("learners:plan_pdf_status", kwargs=kwargs)).status_code == 404
    assert client.get(reverse("learners:plan_pdf_download", kwargs=kwargs)).status_code == 404
    assert fetch_pdf(client, staff_progress_file_url(plan)).status_code == 200
    assert set(renders(org).values_list("audience", flat=True)) == {
        f"user:{plan.profile.user_id}", "staff:careers_lead"}


@pytest.mark.django_db
def test_an_unchanged_document_is_reused_and_a_changed_one_rendered_again(org, sign_in):
    plan = plan_for(org=org)
    careers_lead, another_lead = member(org, Role.CAREERS_LEAD), member(org, Role.CAREERS_LEAD)
    client = sign_in(careers_lead)
    url = staff_progress_file_url(plan)
    first = ask(client, url)
    assert ask(client, url) == first  # still queued: the second request joins it
    sign_in(another_lead)
    assert ask(client, url) == first  # same audience (careers lead): the same render
    assert renders(org).count() == 1

    pdf_render.apply(args=[renders(org).get().pk])
    assert ask(client, url) == first  # done and unchanged: served from storage

    target_for(plan, title="Visit two colleges")  # the plan changed
    second = ask(client, url)
    assert second != first and renders(org).count() == 2
    pdf_render.apply(args=[renders(org).order_by("-pk").first().pk])
    assert "Visit two colleges" in _text(pdf_bytes(client.get(download_url(client.get(second)))))
    assert "Visit two colleges" not in _text(pdf_bytes(client.get(download_url(client.get(first)))))


@pytest.mark.django_db
def test_a_failed_render_says_so_and_trying_again_renders_anew(org, monkeypatch, learner_signed_in):
    plan, client = learner_signed_in
    from learners import pdf as learners_pdf

    def broken(**kwargs):
        raise RuntimeError("the fonts are missing")

    monkeypatch.setattr(learners_pdf, "progress_file_pdf", broken)
    page = pdf_page(client, progress_file_url(plan))
    body = page.content.decode()
    assert "We could not prepare your PDF." in body and "Try again" in body
    assert "fonts" not in body  # the details are in the logs, not on the page
    assert renders(org).get().status == PdfRender.Status.FAILED
    monkeypatch.undo()
    assert fetch_pdf(client, progress_file_url(plan)).status_code == 200  # "Try again"
    assert list(renders(org).order_by("pk").values_list("status", flat=True)) == ["failed", "done"]


@pytest.mark.django_db
def test_the_careers_plan_pdf_goes_through_the_workers_and_is_refused_to_other_schools(org, other_org, sign_in):
    person = lead(org)
    plan = make_plan(org, by=person)
    client = sign_in(person)
    url = reverse("careersplan:pdf", kwargs={"org_slug": org.slug, "plan_id": plan.pk})
    page_url = ask(client, url)
    render = renders(org).get()
    assert (render.kind, render.audience, render.status) == ("careersplan.plan", "plan", "queued")
    assert "Preparing your PDF…" in client.get(page_url).content.decode()
    pdf_render.apply(args=[render.pk])
    response = client.get(download_url(client.get(page_url)))
    assert response["Content-Disposition"] == f'attachment; filename="annual-careers-plan-{org.slug}-2026.pdf"'
    assert response["Cache-Control"] == "private, no-store" and response["X-Content-Type-Options"] == "nosniff"
    from plp_portal.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="careersplan.pdf_downloaded", object_id=str(plan.pk)).count() == 1
    sign_in(lead(other_org))
    for name in ("careersplan:pdf_status", "careersplan:pdf_download"):
        foreign = reverse(name, kwargs={"org_slug": other_org.slug, "plan_id": plan.pk, "render_id": render.pk})
        assert client.get(foreign).status_code == 404
    assert client.get(page_url).status_code == 404


@pytest.mark.django_db
def test_the_periodic_job_renders_what_was_queued_over_a_minute_ago_and_unsticks_lost_renders(org, learner_signed_in):
    plan, client = learner_signed_in
    ask(client, progress_file_url(plan))
    render = renders(org).get()
    assert pdf_services.pdf_renders_pending()["pending"] == 0  # too recent: its task may still come
    later = timezone.now() + datetime.timedelta(minutes=2)
    assert pdf_services.pdf_renders_pending(now=later)["rendered"] == 1
    render.refresh_from_db()
    assert render.status == PdfRender.Status.DONE and render.size > 1000
    assert pdf_services.pdf_renders_pending(now=later)["rendered"] == 0  # idempotent

    lost = PdfRender.objects.create(organisation=org, kind=render.kind, object_id=plan.pk, audience="x",
                                    fingerprint="f", status=PdfRender.Status.RENDERING,
                                    started_at=timezone.now() - datetime.timedelta(minutes=16))
    assert pdf_services.pdf_renders_pending()["stuck"] == 1
    lost.refresh_from_db()
    assert lost.status == PdfRender.Status.FAILED


@pytest.mark.django_db
def test_a_superseded_render_and_its_file_are_deleted_after_an_hour(org, learner_signed_in):
    plan, client = learner_signed_in
    fetch_pdf(client, progress_file_url(plan))
    old = renders(org).get()
    target_for(plan, title="Visit two colleges")
    fetch_pdf(client, progress_file_url(plan))
    storage, name = old.file.storage, old.file.name
    assert storage.exists(name)
    assert pdf_services.pdf_renders_pending()["deleted"] == 0  # kept a while for open pages
    assert pdf_services.pdf_renders_pending(now=timezone.now() + datetime.timedelta(hours=2))["deleted"] == 1
    assert not storage.exists(name) and renders(org).count() == 1


def test_beat_runs_the_pending_renders_job_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["pdf-renders-pending"]
    assert entry["task"] == pdf_renders_pending.name and entry["schedule"] == 60.0


# --- With Redis and a real worker -------------------------------------------------------------


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_renders_the_pdf_and_the_request_does_not_wait_for_it(org, redis_server, client):
    from celery.contrib.testing.worker import start_worker

    from tests.realservices import celery_broker, wait_until

    plan = plan_for(org=org)
    client.force_login(plan.profile.user, backend="django.contrib.auth.backends.ModelBackend")
    with celery_broker(redis_server.url) as app:
        started = time.monotonic()
        page_url = ask(client, progress_file_url(plan))
        asked_in = time.monotonic() - started
        assert "Preparing your PDF…" in client.get(page_url).content.decode()
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            assert wait_until(lambda: renders(org).get().status == PdfRender.Status.DONE, timeout=60)
    assert asked_in < 1.0, f"the request took {asked_in:.2f}s"
    response = client.get(download_url(client.get(page_url)))
    assert response.status_code == 200 and pdf_bytes(response).startswith(b"%PDF-")


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_with_redis_down_the_request_still_answers_and_the_periodic_job_renders_it(org, redis_server, client):
    from tests.realservices import celery_broker

    plan = plan_for(org=org)
    client.force_login(plan.profile.user, backend="django.contrib.auth.backends.ModelBackend")
    with celery_broker(redis_server.url):
        redis_server.stop()
        started = time.monotonic()
        response = client.get(progress_file_url(plan), follow=True)
        elapsed = time.monotonic() - started
    assert response.status_code == 200 and "Preparing your PDF…" in response.content.decode()
    assert elapsed < 3, f"the request waited {elapsed:.1f}s on the broker"
    render = renders(org).get()
    assert render.status == PdfRender.Status.QUEUED
    # What beat sends every minute (here run in-process), a minute later.
    pdf_services.pdf_renders_pending(now=timezone.now() + datetime.timedelta(minutes=2))
    page = client.get(response.redirect_chain[-1][0]).content.decode()
    assert "Your PDF is ready." in page




@pytest.mark.django_db
def test_what_decides_reuse_costs_one_query_and_sees_each_kind_of_change(org, django_assert_num_queries):
    plan = plan_for(org=org)
    careers_plan = make_plan(org, phase=Phase.MONITORING, by=lead(org))

    def fingerprint(kind, object_id):
        with django_assert_num_queries(1):
            return pdf_services.pdf_fingerprint(org_id=org.pk, kind=kind, object_id=object_id)

    before = fingerprint("learners.progress_file", plan.pk)
    from learners.models import LearnerProfile

    # A key worker assigned by a bulk update (no updated_at change) still makes a new document.
    LearnerProfile.objects.for_org(org).filter(pk=plan.profile_id).update(key_worker=member(org, Role.KEY_WORKER))
    assert fingerprint("learners.progress_file", plan.pk) != before

    from careersplan import services as careersplan_services

    before = fingerprint("careersplan.plan", careers_plan.pk)
    row = careers_plan.rows.first()
    careersplan_services.plan_row_save(org=org, row=row, version=row.version, by=careers_plan.created_by,
                                       planned="Governors' report")
    after_row = fingerprint("careersplan.plan", careers_plan.pk)
    careersplan_services.evidence_add(org=org, row=row, by=careers_plan.created_by, text="Minutes")
    after_evidence = fingerprint("careersplan.plan", careers_plan.pk)
    assert len({before, after_row, after_evidence}) == 3


@pytest.mark.django_db
def test_polling_the_preparing_page_is_not_a_read_of_the_record_but_asking_and_downloading_are(org, learner_signed_in):
    from plp_portal.audit.models import AuditEvent

    def reads():
        return AuditEvent.objects.filter(action="record.read").count()

    plan, client = learner_signed_in
    before = reads()
    page_url = ask(client, progress_file_url(plan))
    for _ in range(3):
        client.get(page_url, headers={"HX-Request": "true"})
    assert reads() == before  # a redirect and three polls: nothing of the record shown
    render = renders(org).get()
    pdf_render.apply(args=[render.pk])
    assert client.get(download_url(client.get(page_url))).status_code == 200
    assert reads() == before + 1  # the download
