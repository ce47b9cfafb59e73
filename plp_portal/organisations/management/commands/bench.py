"""Measure every key page and job on a production-like server: see plp_portal/seeding/bench.py.

    python manage.py bench --n 50            (make bench seeds the data and runs this)
    python manage.py bench --compare-presets small,medium      (growth check: exits 1 on a FLAG)
    python manage.py bench --compare-urls owner=postgres://…/db,app=postgres://plp_app@…/db
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
from plp_portal.seeding.bench import (
    BenchPage,
    Target,
    compare_rows,
    explain_page,
    format_compare,
    format_table,
    loadavg,
    measure,
    measure_alternating,
)
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
        parser.add_argument("--workers", type=int, default=None,
                            help="gunicorn workers (default 4; 1 a target in a comparison, whose requests are "
                                 "sequential: every request meets the same warm process)")
        parser.add_argument("--only", default="", help="measure only pages whose name has this")
        parser.add_argument("--password", default="county")
        parser.add_argument("--compare-presets", default="",
                            help="e.g. small,medium: measure every page on the seeded database of each "
                                 "preset (--db-format) in one run, alternating, and flag growth")
        parser.add_argument("--compare-urls", default="",
                            help="name=DATABASE_URL,name=DATABASE_URL: the same comparison between any "
                                 "two (or more) databases or roles, e.g. the owner and the RLS app role")
        parser.add_argument("--compare-checkouts", default="",
                            help="name=DIR[=DATABASE_URL],…: the same comparison between checkouts of the code "
                                 "(e.g. a `git worktree` of an earlier commit, and .), each served by its own "
                                 "DIR/.venv if it has one, on its own database (one whose schema it migrated) "
                                 "or this DATABASE_URL: before and after, measured in one run")
        parser.add_argument("--db-format", default="plp_bench_{preset}",
                            help="the database name of a preset in --compare-presets")
        parser.add_argument("--growth-limit", type=float, default=1.2,
                            help="flag a page whose median on the last target is above this × the first's")
        parser.add_argument("--list-pages", action="store_true",
                            help="print this database's bench pages as JSON (used by the comparison)")

    def handle(self, *args, n, warmup, concurrency, port, workers, only, password, compare_presets,
               compare_urls, compare_checkouts, db_format, growth_limit, list_pages, **options):
        if compare_presets or compare_urls or compare_checkouts:
            workers = workers or 1
            return self._compare(compare_presets=compare_presets, compare_urls=compare_urls,
                                 compare_checkouts=compare_checkouts, db_format=db_format,
                                 n=n, warmup=warmup, port=port, workers=workers, only=only, password=password,
                                 limit=growth_limit)
        workers = workers or 4
        if connection.vendor != "postgresql":
            raise CommandError("bench runs on PostgreSQL with seed_county data")
        if not Organisation.objects.filter(is_generated=True).exists():
            raise CommandError("no generated data: run `manage.py seed_county` first")
        pages, jobs = _discover(password)
        if list_pages:
            self.stdout.write(json.dumps([p.__dict__ for p in pages]))
            return
        load_before = loadavg()
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
            _stopped(server)
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
        self.stdout.write(f"load average before {load_before}, after {loadavg()} ({os.cpu_count()} CPUs)")
        self._write_report("bench", {
            "machine": _machine(load_before, loadavg()),
            "settings": {"n": n, "warmup": warmup, "concurrency": concurrency,
                         "gunicorn_workers": workers},
            "data": _data_size(),
            "pages": rows,
            "jobs": job_rows,
        })

    def _compare(self, *, compare_presets, compare_urls, compare_checkouts, db_format, n, warmup, port, workers,
                 only, password, limit):
        """Every bench page on each target in one run, alternating requests; a page whose median
        on the last target is above ``limit`` × the first's is flagged, and the command exits 1.
        A target is a database (presets, URLs) or a checkout of the code on this database."""
        checkouts = {}
        if compare_checkouts:
            default_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/plp_portal")
            specs = []
            for item in compare_checkouts.split(","):
                name, sep, rest = item.partition("=")
                directory, _, url = rest.partition("=")
                if not sep or not (Path(directory) / "manage.py").is_file():
                    raise CommandError(f"--compare-checkouts takes name=DIR[=DATABASE_URL] (DIR a checkout): {item!r}")
                specs.append((name, url or default_url))
                checkouts[name] = str(Path(directory).resolve())
        elif compare_presets:
            base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/plp_portal")
            head = base.rsplit("/", 1)[0]
            specs = [(preset, f"{head}/{db_format.format(preset=preset)}")
                     for preset in compare_presets.split(",") if preset]
        else:
            specs = [tuple(item.split("=", 1)) for item in compare_urls.split(",") if item]
            if any(len(spec) != 2 for spec in specs):
                raise CommandError("--compare-urls takes name=DATABASE_URL,name=DATABASE_URL")
        if len(specs) < 2:
            raise CommandError("a comparison needs two targets")
        load_before = loadavg()
        targets, servers = [], []
        try:
            listed = {}
            for name, url in specs:
                listed[name] = self._pages_of(url, password)
            if not any(listed.values()):
                raise CommandError("could not list the bench pages of any target")
            for i, (name, url) in enumerate(specs):
                # A role that cannot read the data unscoped (row-level security), or an earlier
                # checkout's database whose schema is not this code's: the pages of the others.
                pages = listed[name] or next(p for p in listed.values() if p)
                servers.append(self._start_server(port + i, workers, database_url=url,
                                                  collect=(i == 0 or name in checkouts), cwd=checkouts.get(name)))
                targets.append(Target(name, f"http://127.0.0.1:{port + i}", pages))
            names = [p for p in targets[0].pages if all(p in t.pages for t in targets)
                     and not targets[0].pages[p].explain_only and (only in p or p == "framework floor")]
            missing = sorted({p for t in targets for p in t.pages} - set(targets[0].pages))
            timings = []
            for name in names:
                self.stdout.write(f"measuring {name} on {', '.join(t.name for t in targets)} …")
                timings.append(measure_alternating(targets, name, n=n, warmup=warmup))
            # A median over the limit is measured once more before it is flagged: on a small
            # machine a burst of other work can fall on one target's share of a page's requests
            # (issue 19). Growth that is real shows again; the row keeps the first ratio too.
            first_ratios = {}
            for i, row in enumerate(compare_rows([t.name for t in targets], timings, limit=limit)):
                if row["ratio"] is not None and row["ratio"] > limit:
                    self.stdout.write(f"measuring {row['name']} again (×{row['ratio']} the first time) …")
                    first_ratios[row["name"]] = row["ratio"]
                    timings[i] = measure_alternating(targets, row["name"], n=n, warmup=warmup)
        finally:
            for server in servers:
                server.send_signal(signal.SIGTERM)
            for server in servers:
                _stopped(server)
        target_names = [t.name for t in targets]
        rows = compare_rows(target_names, timings, limit=limit)
        for row in rows:
            row["first_ratio"] = first_ratios.get(row["name"], row["ratio"])
        load_after = loadavg()
        self.stdout.write(format_compare(target_names, rows, limit=limit))
        for row in rows:
            if row["first_ratio"] != row["ratio"]:
                self.stdout.write(f"measured again: {row['name']} ×{row['first_ratio']}, then ×{row['ratio']}")
        self.stdout.write(f"load average before {load_before}, after {load_after} ({os.cpu_count()} CPUs)")
        if missing:
            self.stdout.write(f"pages not on every target (not compared): {', '.join(missing)}")
        self._write_report("compare", {
            "machine": _machine(load_before, load_after),
            "settings": {"n": n, "warmup": warmup, "gunicorn_workers": workers, "growth_limit": limit,
                         "mode": "sequential, alternating between targets; a page over the limit measured "
                                 "again, flagged if over it both times"},
            "targets": {name: _without_password(url) + (f" (code: {checkouts[name]} at {_git_rev(checkouts[name])})"
                                                        if name in checkouts else "")
                        for name, url in specs},
            "pages": rows,
        })
        flagged = [r for r in rows if r["flag"]]
        for row in flagged:
            self.stdout.write(self.style.ERROR(f"FLAG {row['name']}: {row['flag']}"))
        if flagged:
            sys.exit(1)

    def _write_report(self, kind, report):
        """Write ``report`` to var/bench/<kind>-<time stamp>.json, after its time and git revision."""
        out_dir = Path(settings.BASE_DIR) / "var" / "bench"
        out_dir.mkdir(parents=True, exist_ok=True)
        stamp = timezone.localtime(clock.now()).strftime("%Y%m%dT%H%M%S")
        out = out_dir / f"{kind}-{stamp}.json"
        out.write_text(json.dumps({"when": stamp, "git": _git_rev(), **report}, indent=2))
        self.stdout.write(self.style.SUCCESS(f"written {out}"))

    def _pages_of(self, database_url, password) -> dict[str, BenchPage]:
        """The bench pages of the database at ``database_url`` (a subprocess connected to it), or
        {} when this code cannot list them there (a role that cannot read the data unscoped, an
        earlier checkout's schema): the comparison then takes another target's."""
        result = subprocess.run(
            [sys.executable, "manage.py", "bench", "--list-pages", "--password", password],
            env={**os.environ, "DATABASE_URL": database_url}, cwd=settings.BASE_DIR,
            capture_output=True, text=True)
        if result.returncode != 0:
            self.stdout.write(f"(no pages listed on {_without_password(database_url)}: "
                              f"{result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ''})")
            return {}
        pages = [BenchPage(**item) for item in json.loads(result.stdout.strip().splitlines()[-1])]
        return {p.name: p for p in pages}

    def _start_server(self, port, workers, database_url=None, collect=True, cwd=None):
        """gunicorn on ``port``; from the checkout ``cwd`` (with its own .venv, if it has one: an
        editable install of this checkout would otherwise lend it modules it does not have)."""
        cwd = cwd or settings.BASE_DIR
        own_python = Path(cwd) / ".venv" / "bin" / "python"
        python = str(own_python) if own_python.exists() else sys.executable
        env = {
            **os.environ,
            **({"DATABASE_URL": database_url} if database_url else {}),
            "DEBUG": "false",
            "PLP_BENCH": "1",
            "PLP_HTTPS": "false",
            "PLP_REQUIRE_STAFF_MFA": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-secret-" + "x" * 40),
        }
        if collect:
            subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"],
                           env=env, check=True, cwd=cwd)
        server = subprocess.Popen(
            [python, "-m", "gunicorn", "plp_portal.wsgi", "--bind",
             f"127.0.0.1:{port}", "--workers", str(workers), "--log-level", "warning"],
            env=env, cwd=cwd,
        )
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                return server
            except Exception:
                time.sleep(0.2)
        server.kill()
        raise CommandError("gunicorn did not start")


def _discover(password):
    """The framework floor, then every app's bench pages (``bench.py`` hooks) and jobs. A hook's
    ``prepare()`` runs first: what a worker would have done by now (e.g. summaries to compute)."""
    with system_scope("bench prepares the seeded data as the workers would have"):
        for module in app_hook_modules("seeding.bench"):
            if hasattr(module, "prepare"):
                module.prepare()
    with system_scope("bench chooses pages and users from the seeded data"):
        pages = [BenchPage("framework floor", "/bench/floor", first_member_email(Role.LEARNER), password)]
        jobs = []
        for module in app_hook_modules("seeding.bench"):
            if hasattr(module, "pages"):
                pages += [p for p in module.pages(password=password) if p.email]
            if hasattr(module, "jobs"):
                jobs += module.jobs()
    return pages, jobs


def _stopped(server) -> None:
    """Wait for a server sent SIGTERM; on a loaded machine its workers may take longer than the
    grace period to exit: then kill it, rather than lose the run's figures to a timeout."""
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _without_password(url: str) -> str:
    head, sep, tail = url.rpartition("@")
    if not sep or ":" not in head.split("//", 1)[-1]:
        return url
    scheme, rest = head.split("//", 1)
    return f"{scheme}//{rest.split(':', 1)[0]}:***@{tail}"


def _machine(load_before, load_after):
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "loadavg_before": load_before, "loadavg_after": load_after}


def _git_rev(directory=None):
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, cwd=directory or settings.BASE_DIR).stdout.strip()
    except OSError:
        return ""


def _data_size():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE n_live_tup > 1000 "
            "ORDER BY n_live_tup DESC LIMIT 25"
        )
        return dict(cursor.fetchall())
