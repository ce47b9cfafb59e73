"""Time the render of a ~10-page progress file by a real Celery worker on this database:
``manage.py bench_pdf [--runs 4] [--bundle 30]``. A benchmark figure, never a test assertion.

Makes a throwaway generated organisation with one learner whose plan has enough history for
about ten pages (targets with success criteria, learning-journey entries), commits it — the
worker is another process and must see it — starts a worker (``celery worker --pool=solo``, on
the configured broker), then for each run asks for the learner's progress file the way the page
does (``pdf_render_request``) and waits for the worker. Reported per run: the worker's render
time (started → finished, as the worker recorded it) and the wait as the person sees it (asked →
done); the first run includes the worker's start. ``--bundle N`` also times a ZIP of N learners'
progress files (the key worker's caseload ZIP) built by the worker. Deletes nothing: run it
against a scratch or bench database (like ``bench_import``)."""

from __future__ import annotations

import datetime
import io
import os
import statistics
import subprocess
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.crypto import get_random_string

WAIT_SECONDS = 180


class Command(BaseCommand):
    help = "Time a ~10-page progress file rendered by a real Celery worker (and optionally a caseload ZIP)."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=4)
        parser.add_argument("--bundle", type=int, default=0, help="also time a ZIP of this many learners")

    def handle(self, *args, runs, bundle, **options):
        plan, learners = self._make(bundle)
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "plp_portal", "worker", "--pool=solo", "-l", "WARNING",
             "-n", f"bench-pdf-{get_random_string(6).lower()}@%h", "--without-mingle", "--without-gossip"],
            env={**os.environ}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            self._time_renders(plan, runs)
            if bundle:
                self._time_bundle(plan, learners)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        load = os.getloadavg()
        self.stdout.write(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")

    # --- data ---------------------------------------------------------------------------------

    def _make(self, bundle: int):
        from django.contrib.auth import get_user_model

        from learners import services
        from learners.choices import AuthorRole, SetByRole
        from learners.models import LearnerProfile
        from plp_portal import clock
        from plp_portal.organisations.choices import OrganisationKind, Role
        from plp_portal.organisations.models import Membership, Organisation

        suffix = get_random_string(6).lower()
        users = get_user_model().objects
        with transaction.atomic():
            org = Organisation.objects.create(name=f"Bench PDF school {suffix}", slug=f"bench-pdf-{suffix}",
                                              kind=OrganisationKind.SCHOOL, is_generated=True)
            staff = users.create_user(f"bench-pdf-kw-{suffix}@example.test", full_name="Bench Key Worker")
            Membership.objects.create(organisation=org, user=staff, role=Role.KEY_WORKER)
            plans = []
            for n in range(max(1, bundle)):
                learner = users.create_user(f"bench-pdf-{suffix}-{n}@example.test", full_name=f"Bench Learner {n}")
                Membership.objects.create(organisation=org, user=learner, role=Role.LEARNER)
                profile = LearnerProfile.objects.create(organisation=org, user=learner, key_worker=staff,
                                                        target_group="key_stage_4")
                plans.append(services.plan_create(
                    org=org, profile=profile, by=staff, programme_name="Key Stage 4 programme",
                    starts_on=datetime.date(clock.today().year - 1, 9, 1),
                    ends_on=datetime.date(clock.today().year + 1, 7, 20),
                    final_outcome="Five GCSEs at grade 4 or above"))
            today = clock.today()
            for plan in plans:
                for n in range(22):
                    services.target_create(
                        org=org, plan=plan, by=staff, set_by_role=SetByRole.STAFF,
                        title=f"Bench target {n}: practise a skill every week and show the evidence",
                        due_on=today + datetime.timedelta(days=n + 1),
                        success_criteria="A portfolio page signed off by my tutor. " * 3)
                for n in range(18):
                    services.narrative_append(
                        org=org, plan=plan, by=staff, author_role=AuthorRole.KEY_WORKER,
                        text=f"Review {n}: " + "Good progress; the next step is agreed. " * 8)
        self.stdout.write(f"made {org.slug}: {len(plans)} learner(s) with ~10-page progress files")
        return plans[0], plans

    # --- timing -------------------------------------------------------------------------------

    def _wait(self, model, pk, done_statuses, seconds=WAIT_SECONDS):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            row = model.objects.system("bench waits for the worker").filter(pk=pk).first()
            if row is not None and row.status in done_statuses:
                return row
            time.sleep(0.05)
        raise CommandError(f"the worker did not finish {model.__name__} {pk} in {seconds} s")

    def _time_renders(self, plan, runs: int) -> None:
        from pypdf import PdfReader

        from learners.pdf_renders import PROGRESS_FILE, progress_file_audience
        from learners.permissions import plan_viewer
        from plp_portal.pdfs.models import PdfRender
        from plp_portal.pdfs.services import pdf_render_request

        learner = plan.profile.user
        audience = progress_file_audience(plan_viewer(plan=plan, user=learner))
        worker_s, waited_s = [], []
        for run in range(runs):
            asked = time.perf_counter()
            with transaction.atomic():
                render = pdf_render_request(org=plan.organisation, kind=PROGRESS_FILE, object_id=plan.pk,
                                            audience=audience, by=learner)
            render = self._wait(PdfRender, render.pk, {PdfRender.Status.DONE, PdfRender.Status.FAILED})
            waited = time.perf_counter() - asked
            if render.status != PdfRender.Status.DONE:
                raise CommandError(f"the render failed: {render.error}")
            pages = len(PdfReader(io.BytesIO(render.file.read())).pages)
            seconds = (render.finished_at - render.started_at).total_seconds()
            self.stdout.write(f"run {run + 1}: {pages} pages, worker render {seconds:.2f} s, "
                              f"asked → done {waited:.2f} s{' (includes the worker starting)' if run == 0 else ''}")
            if run:
                worker_s.append(seconds)
                waited_s.append(waited)
            # The next run must render again: this one is set aside (as a failed render is).
            PdfRender.objects.system("bench").filter(pk=render.pk).update(status=PdfRender.Status.FAILED)
        if worker_s:
            self.stdout.write(f"warm runs: worker render median {statistics.median(worker_s):.2f} s, "
                              f"max {max(worker_s):.2f} s; asked → done median {statistics.median(waited_s):.2f} s")

    def _time_bundle(self, plan, plans) -> None:
        from plp_portal.pdfs.models import PdfBundle
        from plp_portal.pdfs import services as pdf_services

        kw = plan.profile.key_worker
        asked = time.perf_counter()
        with transaction.atomic():
            bundle = pdf_services.pdf_bundle_request(
                org=plan.organisation, kind="learners.progress_file", object_ids=[p.pk for p in plans],
                title=f"Caseload of {kw.full_name}", page_path=lambda b: "/", by=kw)
        bundle = self._wait(PdfBundle, bundle.pk, {PdfBundle.Status.READY, PdfBundle.Status.FAILED},
                            seconds=WAIT_SECONDS + 30 * len(plans))
        waited = time.perf_counter() - asked
        self.stdout.write(f"caseload ZIP of {len(plans)} learners: {bundle.status}, "
                          f"{(bundle.size or 0) / 1024:.0f} KB, {bundle.included_count} PDFs, "
                          f"asked → ready {waited:.1f} s")
