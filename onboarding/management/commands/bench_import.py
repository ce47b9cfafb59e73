"""Time a SIMS-style pupil import end to end on this database: ``manage.py bench_import
--pupils 2000``. Makes a throwaway organisation (generated, so seed data tools recognise it),
previews and imports a generated file, re-previews it (every row unchanged), then deletes
nothing: run it against a scratch database. A benchmark figure, never a test assertion."""

import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.crypto import get_random_string

from onboarding import samples, services
from onboarding.choices import ImportKind, Preset
from plp_portal.organisations.choices import OrganisationKind, Role
from plp_portal.organisations.models import Membership, Organisation


class Command(BaseCommand):
    help = "Time the preview and the import of a generated SIMS-style pupil file."

    def add_arguments(self, parser):
        parser.add_argument("--pupils", type=int, default=2000)

    def handle(self, *args, pupils, **options):
        from django.contrib.auth import get_user_model

        suffix = get_random_string(6).lower()
        with transaction.atomic():
            org = Organisation.objects.create(name=f"Bench school {suffix}", slug=f"bench-{suffix}",
                                              kind=OrganisationKind.SCHOOL, is_generated=True)
            admin = get_user_model().objects.create_user(f"bench-admin-{suffix}@example.test")
            Membership.objects.create(organisation=org, user=admin, role=Role.ORG_ADMIN)
        rows = samples.pupil_rows(pupils, forms=max(1, min(len(samples.FORMS), pupils // 250)))
        data = samples.to_csv(samples.PUPIL_HEADER, rows)
        started = time.perf_counter()
        run = services.import_run_create(org=org, kind=ImportKind.PUPILS, preset=Preset.SIMS,
                                         file_name="bench.csv", data=data, by=admin)
        run = services.import_run_preview(org=org, run=run)
        preview = time.perf_counter() - started
        started = time.perf_counter()
        run = services.import_run_confirm(org=org, run=run, by=admin, end_missing=False)
        run = services.import_run_apply(org=org, run=run)
        applied = time.perf_counter() - started
        started = time.perf_counter()
        again = services.import_run_create(org=org, kind=ImportKind.PUPILS, preset=Preset.SIMS,
                                           file_name="bench.csv", data=data, by=admin)
        again = services.import_run_preview(org=org, run=again)
        repreview = time.perf_counter() - started
        self.stdout.write(
            f"{pupils} pupils ({len(data) / 1024:.0f} KB): preview {preview:.1f} s, import {applied:.1f} s "
            f"(created {run.counts['applied'].get('create', 0)}), total {preview + applied:.1f} s; "
            f"same file again: preview {repreview:.1f} s, {again.counts}")
        # One parent per pupil: the parents file previewed and imported (a plan grant each).
        parents = samples.to_csv(samples.PARENT_HEADER, samples.parent_rows(rows))
        started = time.perf_counter()
        prun = services.import_run_preview(org=org, run=services.import_run_create(
            org=org, kind=ImportKind.PARENTS, preset=Preset.SIMS, file_name="parents.csv", data=parents, by=admin))
        p_preview = time.perf_counter() - started
        started = time.perf_counter()
        prun = services.import_run_apply(org=org, run=services.import_run_confirm(org=org, run=prun, by=admin,
                                                                                  end_missing=False))
        p_applied = time.perf_counter() - started
        self.stdout.write(f"{len(rows)} parents: preview {p_preview:.1f} s, import {p_applied:.1f} s "
                          f"(created {prun.counts['applied'].get('create', 0)})")
