"""The benchmark harness behind ``manage.py bench`` / ``make bench``.

It measures pages of a production-like server (gunicorn, DEBUG off, whitenoise, PostgreSQL,
the seed_county data) over real HTTP: for each page it signs in as a suitable seeded user
through the sign-in form, warms up, then times N requests one after another and N at a
concurrency of 4, and reads the number of SQL queries of each request from a header the
server adds only when started with PLP_BENCH=1. Every figure is compared with the framework
floor: a trivial view served by the same server in the same run.

Apps say what to measure in a ``seeding/bench.py`` hook module:

    def pages(password) -> list[BenchPage]   # which pages (and their filters/sorts), as whom
    def jobs() -> list[BenchJob]          # background work to time in-process
    def prepare() -> str                  # optional, first: what a worker would have done by now

``manage.py bench --compare-presets small,medium`` (or ``--compare-urls a=URL,b=URL``) runs one
gunicorn per database, lists each database's pages (``--list-pages``), then times every page on
every target in turn, request by request (``measure_alternating``), and flags a page whose median
on the last target is more than ``--growth-limit`` (1.2) × the first's: the growth check. A page
over the limit is measured once more, and flagged only if it is over it again.

A job's ``run()`` returns a note, or {"seconds": …, "note": …} when it times only part of its
work (e.g. a render after setting up data it rolls back).
"""

from __future__ import annotations

import http.cookiejar
import re
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

QUERY_HEADER = "X-PLP-Queries"


@dataclass
class BenchPage:
    name: str
    path: str
    email: str | None  # who signs in (None: anonymous)
    password: str = "county"
    # A filter or sort of a key page: its queries are EXPLAINed and budgeted, not timed.
    explain_only: bool = False


@dataclass
class BenchJob:
    name: str
    run: Callable[[], object]


@dataclass
class Timing:
    name: str
    path: str
    samples_sequential: list[float] = field(default_factory=list)
    samples_concurrent: list[float] = field(default_factory=list)
    concurrent_wall: float = 0.0
    queries: list[int] = field(default_factory=list)
    statuses: set[int] = field(default_factory=set)
    bytes: int = 0

    @staticmethod
    def _p(samples, q):
        if not samples:
            return float("nan")
        ordered = sorted(samples)
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]

    def summary(self, floor_median: float | None) -> dict:
        seq, conc = self.samples_sequential, self.samples_concurrent
        median = statistics.median(seq) if seq else float("nan")
        return {
            "name": self.name,
            "path": self.path,
            "median_ms": round(median * 1000, 2),
            "p95_ms": round(self._p(seq, 0.95) * 1000, 2),
            "median_c4_ms": round(statistics.median(conc) * 1000, 2) if conc else None,
            "p95_c4_ms": round(self._p(conc, 0.95) * 1000, 2) if conc else None,
            "rps_c4": round(len(conc) / self.concurrent_wall, 1) if self.concurrent_wall else None,
            "queries": max(self.queries) if self.queries else None,
            "statuses": sorted(self.statuses),
            "bytes": self.bytes,
            "x_floor": round(median / floor_median, 1) if floor_median else None,
        }


class Client:
    """A browser-like HTTP client: cookies, CSRF, form sign-in."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, path: str, data: dict | None = None) -> tuple[int, bytes, dict]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base_url + path, data=body)
        req.add_header("Referer", self.base_url + path)
        try:
            with self.opener.open(req, timeout=60) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)

    def csrf_token(self) -> str:
        for cookie in self.jar:
            if cookie.name == "csrftoken":
                return cookie.value
        return ""

    def sign_in(self, email: str, password: str) -> None:
        status, body, _ = self.request("/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        status, body, _ = self.request("/accounts/login/", {
            "csrfmiddlewaretoken": token.group(1).decode() if token else self.csrf_token(),
            "login": email,
            "password": password,
        })
        if b"Sign Out" not in body and b"Sign out" not in body:
            raise RuntimeError(f"could not sign in as {email} (status {status})")


def measure(base_url: str, page: BenchPage, *, n: int, warmup: int, concurrency: int,
            sessions: dict[str, Client] | None = None) -> Timing:
    """Time ``page``. Each user signs in once per run (``sessions`` keeps the signed-in client
    by email) and the concurrent clients share that session: sign-in is rate-limited per IP."""
    timing = Timing(page.name, page.path)
    sessions = {} if sessions is None else sessions
    if page.email and page.email not in sessions:
        sessions[page.email] = Client(base_url)
        sessions[page.email].sign_in(page.email, page.password)
    clients = [Client(base_url) for _ in range(concurrency)]
    if page.email:
        for client in clients:
            for cookie in sessions[page.email].jar:
                client.jar.set_cookie(cookie)

    def one(client, bucket):
        started = time.perf_counter()
        status, body, headers = client.request(page.path)
        elapsed = time.perf_counter() - started
        bucket.append(elapsed)
        timing.statuses.add(status)
        timing.bytes = len(body)
        if QUERY_HEADER in headers:
            timing.queries.append(int(headers[QUERY_HEADER]))

    for _ in range(warmup):
        one(clients[0], [])
    for _ in range(n):
        one(clients[0], timing.samples_sequential)
    lock = threading.Lock()
    concurrent = []

    def worker(client):
        local = []
        for _ in range(max(1, n // concurrency)):
            one(client, local)
        with lock:
            concurrent.extend(local)

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, clients))
    timing.concurrent_wall = time.perf_counter() - started
    timing.samples_concurrent = concurrent
    return timing


def explain_page(page: BenchPage, *, min_rows: int = 10_000) -> list[str]:
    """Request ``page`` in-process as its user and EXPLAIN every SELECT it makes; returns the
    tables of at least ``min_rows`` rows (planner estimate) that a query reads with a
    sequential scan — which a page should not need: an index is missing or unused."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext, override_settings

    user = get_user_model().objects.get(email=page.email)
    with override_settings(PLP_REQUIRE_STAFF_MFA=False, ALLOWED_HOSTS=["*"]):
        client = TestClient()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        with CaptureQueriesContext(connection) as ctx:
            client.get(page.path)
    found = set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples >= %s", [min_rows])
        large = {name for (name,) in cursor.fetchall()}
        for query in ctx.captured_queries:
            if not query["sql"].lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (FORMAT JSON) " + query["sql"])
            nodes = [cursor.fetchone()[0][0]["Plan"]]
            while nodes:
                node = nodes.pop()
                if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in large:
                    found.add(node["Relation Name"])
                nodes += node.get("Plans", [])
    return sorted(found)


def format_table(rows: list[dict], jobs: list[dict]) -> str:
    head = (f"{'page':<34} {'median':>8} {'p95':>8} {'med c4':>8} {'p95 c4':>8} {'rps c4':>7} "
            f"{'SQL':>4} {'×floor':>7}  status")
    lines = [head, "-" * len(head)]
    for r in rows:
        if r.get("explain_only"):
            continue
        lines.append(
            f"{r['name']:<34} {r['median_ms']:>7.1f}ms {r['p95_ms']:>6.1f}ms "
            f"{(r['median_c4_ms'] or 0):>6.1f}ms {(r['p95_c4_ms'] or 0):>6.1f}ms "
            f"{(r['rps_c4'] or 0):>7.1f} {str(r['queries'] if r['queries'] is not None else '-'):>4} "
            f"{str(r['x_floor'] if r['x_floor'] is not None else '-'):>7}  {r['statuses']}"
        )
    scans = [r for r in rows if r.get("seq_scans")]
    lines.append("")
    lines.append(f"sequential scans of large tables (EXPLAIN of {len(rows)} pages, filters and sorts): "
                 + ("; ".join(f"{r['name']}: {', '.join(r['seq_scans'])}" for r in scans) or "none"))
    if jobs:
        lines.append("")
        lines += [f"{j['name']:<34} {j['seconds']:>8.2f}s  {j.get('note', '')}" for j in jobs]
    return "\n".join(lines)


def loadavg() -> str:
    """The machine's load average (1, 5, 15 minutes) as /proc/loadavg gives it ("" elsewhere):
    figures taken under load are not comparable, so every run records it before and after."""
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return ""


@dataclass
class Target:
    """One server of a comparison: a name ("small", "owner"), its base URL and its pages
    (discovered on its own database: the users and ids differ between databases)."""

    name: str
    base_url: str
    pages: dict[str, BenchPage]
    sessions: dict[str, Client] = field(default_factory=dict)


def measure_alternating(targets: list[Target], name: str, *, n: int, warmup: int) -> dict[str, Timing]:
    """Time the page called ``name`` on every target, one request to each in turn, ``n`` rounds
    (after ``warmup`` rounds): what the machine does meanwhile falls on every target alike."""
    clients, timings = {}, {}
    for target in targets:
        page = target.pages[name]
        if page.email and page.email not in target.sessions:
            target.sessions[page.email] = Client(target.base_url)
            target.sessions[page.email].sign_in(page.email, page.password)
        clients[target.name] = target.sessions[page.email] if page.email else Client(target.base_url)
        timings[target.name] = Timing(name, page.path)
    for round_ in range(warmup + n):
        order = targets if round_ % 2 == 0 else list(reversed(targets))  # neither always goes first
        for target in order:
            page, timing = target.pages[name], timings[target.name]
            started = time.perf_counter()
            status, body, headers = clients[target.name].request(page.path)
            elapsed = time.perf_counter() - started
            if round_ >= warmup:
                timing.samples_sequential.append(elapsed)
            timing.statuses.add(status)
            timing.bytes = len(body)
            if QUERY_HEADER in headers:
                timing.queries.append(int(headers[QUERY_HEADER]))
    return timings


def compare_rows(targets: list[str], timings: list[dict[str, Timing]], *, limit: float) -> list[dict]:
    """One row per page: each target's median, p95 and queries, the ratio of the last target's
    median to the first's, and ``flag`` when it is above ``limit`` (or a page is not a 200 or
    makes a different number of queries on the two)."""
    rows = []
    first, last = targets[0], targets[-1]
    for per_target in timings:
        summaries = {t: per_target[t].summary(None) for t in targets}
        base, other = summaries[first]["median_ms"], summaries[last]["median_ms"]
        ratio = round(other / base, 2) if base else None
        reasons = []
        if ratio is not None and ratio > limit:
            reasons.append(f"median ×{ratio} ({base:.1f} → {other:.1f} ms)")
        if any(s["statuses"] != [200] for s in summaries.values()):
            reasons.append("status " + ", ".join(f"{t} {s['statuses']}" for t, s in summaries.items()))
        queries = {t: s["queries"] for t, s in summaries.items()}
        if len(set(queries.values())) > 1:
            reasons.append("queries " + ", ".join(f"{t} {q}" for t, q in queries.items()))
        name = per_target[first].name
        rows.append({"name": name, "targets": {t: {k: s[k] for k in ("path", "median_ms", "p95_ms", "queries",
                                                                      "statuses", "bytes")}
                                               for t, s in summaries.items()},
                     "ratio": ratio, "flag": "; ".join(reasons)})
    return rows


def format_compare(targets: list[str], rows: list[dict], *, limit: float) -> str:
    first, last = targets[0], targets[-1]
    head = (f"{'page':<40} " + " ".join(f"{t[:12]:>12}" for t in targets) + f" {'ratio':>6} "
            + " ".join(f"{'SQL ' + t[:6]:>10}" for t in targets) + "  flag")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r['name'][:40]:<40} " + " ".join(f"{r['targets'][t]['median_ms']:>10.1f}ms" for t in targets)
            + f" {(r['ratio'] or 0):>6.2f} "
            + " ".join(f"{str(r['targets'][t]['queries']):>10}" for t in targets)
            + ("  FLAG " + r["flag"] if r["flag"] else ""))
    flagged = [r for r in rows if r["flag"]]
    lines.append("")
    lines.append(f"{len(flagged)} of {len(rows)} pages flagged ({last} median > {limit}× {first}, "
                 "a status other than 200, or a different number of queries)")
    return "\n".join(lines)
