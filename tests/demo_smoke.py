"""The demo smoke, run as ``python -m tests.demo_smoke`` by tests/test_demo_smoke.py on a
freshly seeded SQLite demo (the first thing a school tries): every demo account signs in, every
page it reaches by links answers without a 5xx and without a broken link, and the code paths
that exist only for SQLite (the daily reminders and digests) run once. Prints one JSON line."""

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plp_portal.settings")

import django  # noqa: E402

django.setup()

from django.core import mail  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from plp_portal.notifications.tasks import daily_reminders, outbox_flush  # noqa: E402
from plp_portal.organisations.seeding.demo import ACCOUNTS  # noqa: E402
from tests.crawler import Crawler, form_data  # noqa: E402

SAVES_AT_ONCE = 6


def saves_at_once(email: str, page: str, having: str) -> list[int]:
    """The form on ``page`` posted by SAVES_AT_ONCE requests at the same moment (several tabs,
    or htmx autosaves overlapping), as ``email``: the statuses they got."""
    import threading

    from django.db import connections

    signed_in = Client()
    assert signed_in.login(email=email, password=os.environ.get("DEMO_PASSWORD", "demoshire"))
    response = signed_in.get(page)
    assert response.status_code == 200, f"{page} -> {response.status_code}"
    data = form_data(response.content.decode(), having)
    statuses: list[int] = []
    start = threading.Barrier(SAVES_AT_ONCE)

    def save():
        client = Client()
        client.cookies = signed_in.cookies
        start.wait()
        try:
            statuses.append(client.post(page, data, HTTP_HX_REQUEST="true").status_code)
        except Exception as error:  # the person would see a 500
            statuses.append(500)
            print(f"{page}: {type(error).__name__}: {error}", file=sys.stderr)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save) for _ in range(SAVES_AT_ONCE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def concurrent_saves(report: dict) -> None:
    """The demo's autosaving pages under overlapping saves: never "database is locked"."""
    from django.urls import reverse

    from careersplan.models import CareersPlan
    from keyworkers.models import Review

    review = (Review.objects.system("demo smoke: a review to save twice at once")
              .filter(plan__profile__user__email="learner@demoshire.test",
                      status__in=["scheduled", "in_progress"]).select_related("organisation").first())
    plan = (CareersPlan.objects.system("demo smoke: a careers plan to tick at once")
            .filter(organisation__slug="northgate-school").select_related("organisation")
            .order_by("-academic_year").first())
    pages = [
        ("tutor@demoshire.test", reverse("keyworkers:review_edit", kwargs={
            "org_slug": review.organisation.slug, "review_id": review.pk}), "narrative_text"),
        ("lead@demoshire.test", reverse("careersplan:checklist", kwargs={
            "org_slug": plan.organisation.slug, "plan_id": plan.pk}), "link-1"),
    ]
    for email, page, having in pages:
        statuses = saves_at_once(email, page, having)
        report["saves_at_once"][page] = statuses
        if any(status >= 500 for status in statuses):
            report["failures"].append(f"{SAVES_AT_ONCE} saves at once of {page}: {statuses}")


def main() -> int:
    setup_test_environment()  # emails into mail.outbox, testserver allowed
    assert connection.vendor == "sqlite", "the demo smoke is for the SQLite demo"
    report = {"accounts": {}, "failures": [], "saves_at_once": {}}
    for email, _name, _org, role in ACCOUNTS:
        client = Client()
        if not client.login(email=email, password=os.environ.get("DEMO_PASSWORD", "demoshire")):
            report["failures"].append(f"{email} cannot sign in")
            continue
        result = Crawler(client, who=role.label, per_route=1).run(["/"])
        report["accounts"][email] = sum(result.pages.values())
        report["failures"].extend(result.failures)
    concurrent_saves(report)
    # SQLite-only branches of the daily job (reminders inserted and digested one by one).
    summary = daily_reminders()
    outbox_flush()
    report["daily_reminders"] = summary if isinstance(summary, dict) else str(summary)
    report["emails"] = len(mail.outbox)
    print(json.dumps(report, default=str))
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
