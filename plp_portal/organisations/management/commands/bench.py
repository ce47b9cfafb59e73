"""Measure every key page and job on a production-like server: see plp_portal/seeding/bench.py.

    python manage.py bench --n 50            (make bench seeds the data and runs this)
"""

import json
import os
import platform
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from plp_portal import clock
from plp_portal.seeding.bench import BenchPage, explain_page, format_table, measure
from plp_portal.hooks import app_hook_modules
from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Membership, Organisation
from plp_portal.tenancy import system_scope


def first_member_email(role, **org_filter) -> str | None:
    """The email of a generated member with ``role`` (in the first matching organisation)."""
    membership = (
        Membership.objects.system("bench picks a seeded user")
        .filter(role=role, organisation__is_generated=True, **org_filter)
        .select_related("user").order_by("organisation_id", "id").first()
    )
    return membership.user.email if membership else None


class Command(BaseCommand):
    help = "Benchmark the key pages and jobs against a gunicorn server on the seeded data."

    def add_arguments(self, parser):
        parser.add_argument("--n", type=int, default=40, help="requests per page and mode")
        parser.add_argument("--warmup", type=int, default=20,
                            help="requests before measuring (every gunicorn worker warms up)")
        parser.add_argument("--concurrency", type=int, default=4)
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
        parser.add_argument("--only", default="", help="measure only pages whose name has this")
        parser.add_argument("--password", default="county")

    def handle(self, *args, n, warmup, concurrency, port, workers, only, password, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench runs on PostgreSQL with seed_county data")
        if not Organisation.objects.filter(is_generated=True).exists():
            raise CommandError("no generated data: run `manage.py seed_county` first")
        with system_scope("bench chooses pages and users from the seeded data"):
            pages = [BenchPage("framework floor", "/bench/floor",
                               first_member_email(Role.LEARNER), password)]
            jobs = []
            for module in app_hook_modules("seeding.bench"):
                if hasattr(module, "pages"):
                    pages += [p for p in module.pages(password=password) if p.email]
                if hasattr(module, "jobs"):
                    jobs += module.jobs()
        pages = [p for p in pages if only in p.name or p.name == "framework floor"]
        variants = [p for p in pages if p.explain_only]
        pages = [p for p in pages if not p.explain_only]
        server = self._start_server(port, workers)
        base = f"http://127.0.0.1:{port}"
        try:
            timings, sessions = [], {}
            for page in pages:
                self.stdout.write(f"measuring {page.name} ({page.path}) …")
                timings.append(measure(base, page, n=n, warmup=warmup, concurrency=concurrency,
                                       sessions=sessions))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        floor = timings[0].summary(None)["median_ms"] / 1000
        rows = [t.summary(floor) for t in timings]
        for page, row in zip(pages, rows):
            if page.name != "framework floor":
                self.stdout.write(f"explaining {page.name} …")
                row["seq_scans"] = explain_page(page)
        for page in variants:
            self.stdout.write(f"explaining {page.name} …")
            rows.append({"name": page.name, "path": page.path, "explain_only": True,
                         "seq_scans": explain_page(page)})
        job_rows = []
        for job in jobs:
            self.stdout.write(f"timing {job.name} …")
            started = time.perf_counter()
            result = job.run()
            seconds = time.perf_counter() - started
            if isinstance(result, dict):  # a job that times only part of its work says so
                seconds, result = result.get("seconds", seconds), result.get("note", "")
            job_rows.append({"name": job.name, "seconds": round(seconds, 3),
                             "note": str(result or "")[:80]})
        self.stdout.write(format_table(rows, job_rows))
        out_dir = Path(settings.BASE_DIR) / "var" / "bench"
        out_dir.mkdir(parents=True, exist_ok=True)
        stamp = timezone.localtime(clock.now()).strftime("%Y%m%dT%H%M%S")
        out = out_dir / f"bench-{stamp}.json"
        out.write_text(json.dumps({
            "when": stamp,
            "git": _git_rev(),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "settings": {"n": n, "warmup": warmup, "concurrency": concurrency,
                         "gunicorn_workers": workers},
            "data": _data_size(),
            "pages": rows,
            "jobs": job_rows,
        }, indent=2))
        self.stdout.write(self.style.SUCCESS(f"written {out}"))

    def _start_server(self, port, workers):
        env = {
            **os.environ,
            "DEBUG": "false",
            "PLP_BENCH": "1",
            "PLP_HTTPS": "false",
            "PLP_REQUIRE_STAFF_MFA": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-" + "x" * 40),
        }
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                       env=env, check=True, cwd=settings.BASE_DIR)
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "plp_portal.wsgi", "--bind",
             f"127.0.0.1:{port}", "--workers", str(workers), "--log-level", "warning"],
            env=env, cwd=settings.BASE_DIR,
        )
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                return server
            except Exception:
                time.sleep(0.2)
        server.kill()
        raise CommandError("gunicorn did not start")


def _git_rev():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, cwd=settings.BASE_DIR).stdout.strip()
    except OSError:
        return ""


def _data_size():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE n_live_tup > 1000 "
            "ORDER BY n_live_tup DESC LIMIT 25"
        )
        return dict(cursor.fetchall())
