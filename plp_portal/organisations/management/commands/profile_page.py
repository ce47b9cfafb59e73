"""Where the time of one bench page goes, in-process: SQL, template rendering and the rest
(middleware, view, ORM, forms), plus a cProfile listing of the heaviest functions.

    python manage.py profile_page "learner /me/" --n 200
    python manage.py profile_page "plan page (key worker)" --n 200 --top 30 --queries

The page and its user come from the apps' bench hooks (``manage.py bench``). Requests go through
the whole middleware stack with Django's test client and a real signed-in session (database
sessions, as in production); DEBUG is off and staff MFA enforcement off, as on the bench's
server (the seeded staff have no authenticator). A benchmark, not a test: nothing is asserted."""

import cProfile
import io
import pstats
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.template import Template
from django.test import Client
from django.test.utils import override_settings

from plp_portal.hooks import app_hook_modules
from plp_portal.tenancy import system_scope


def bench_pages(password="county"):
    with system_scope("profile_page chooses pages and users from the seeded data"):
        pages = []
        for module in app_hook_modules("seeding.bench"):
            if hasattr(module, "pages"):
                pages += [p for p in module.pages(password=password) if p.email]
        return pages


class _Timers:
    """Wall time spent in SQL (execute wrapper) and in template rendering (outermost render)."""

    def __init__(self):
        self.sql = self.template = self.sql_in_template = 0.0
        self.queries = []
        self._depth = 0

    def sql_wrapper(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            self.sql += elapsed
            if self._depth:
                self.sql_in_template += elapsed
            self.queries.append(sql)

    def patch_templates(self):
        original = Template.render
        timers = self

        def render(template, context):
            timers._depth += 1
            started = time.perf_counter()
            try:
                return original(template, context)
            finally:
                timers._depth -= 1
                if timers._depth == 0:
                    timers.template += time.perf_counter() - started

        Template.render = render
        return lambda: setattr(Template, "render", original)


class Command(BaseCommand):
    help = "Profile one bench page in-process: SQL / templates / Python, and the heaviest functions."

    def add_arguments(self, parser):
        parser.add_argument("page", help="a bench page's name (or part of it)")
        parser.add_argument("--n", type=int, default=100)
        parser.add_argument("--warmup", type=int, default=10)
        parser.add_argument("--top", type=int, default=25)
        parser.add_argument("--sort", default="cumulative")
        parser.add_argument("--queries", action="store_true", help="list the SQL of one request")
        parser.add_argument("--plain", action="store_true",
                            help="no cProfile: the split of the median request's time without the profiler's overhead")

    def handle(self, *args, page, n, warmup, top, sort, queries, plain, **options):
        from django.contrib.auth import get_user_model

        matches = [p for p in bench_pages() if p.name == page] or [p for p in bench_pages() if page in p.name]
        if not matches:
            raise CommandError(f"no bench page named like {page!r}")
        target = matches[0]
        user = get_user_model().objects.get(email=target.email)
        with override_settings(DEBUG=False, ALLOWED_HOSTS=["*"], PLP_REQUIRE_STAFF_MFA=False):
            client = Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            for _ in range(warmup):
                response = client.get(target.path)
            if response.status_code != 200:
                raise CommandError(f"{target.path}: status {response.status_code}")
            timers = _Timers()
            restore = timers.patch_templates()
            walls, cpus = [], []
            profiler = cProfile.Profile()
            try:
                with connection.execute_wrapper(timers.sql_wrapper):
                    for _ in range(n):
                        started, cpu_started = time.perf_counter(), time.process_time()
                        if not plain:
                            profiler.enable()
                        client.get(target.path)
                        if not plain:
                            profiler.disable()
                        walls.append(time.perf_counter() - started)
                        cpus.append(time.process_time() - cpu_started)
            finally:
                restore()
        total = sum(walls)
        per = 1000 / n
        self.stdout.write(f"{target.name} ({target.path}) as {target.email}, {n} requests in-process")
        self.stdout.write(f"  median {statistics.median(walls) * 1000:.1f} ms"
                          + ("" if plain else " (profiled; the profiler slows Python ~1.5-2x)")
                          + f"; this process's CPU time: median {statistics.median(cpus) * 1000:.1f} ms")
        self.stdout.write(f"  per request: SQL {timers.sql * per:.1f} ms ({len(timers.queries) // n} queries), "
                          f"templates {(timers.template - timers.sql_in_template) * per:.1f} ms (without "
                          f"their SQL), the rest (middleware, view, ORM, forms) "
                          f"{(total - timers.sql - timers.template + timers.sql_in_template) * per:.1f} ms")
        if queries:
            for sql in timers.queries[-(len(timers.queries) // n):]:
                self.stdout.write("  SQL " + sql[:220])
        if plain:
            return
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(top)
        self.stdout.write(out.getvalue())
