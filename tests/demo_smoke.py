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
from plp_portal.organisations.demo import ACCOUNTS  # noqa: E402
from tests.crawler import Crawler  # noqa: E402


def main() -> int:
    setup_test_environment()  # emails into mail.outbox, testserver allowed
    assert connection.vendor == "sqlite", "the demo smoke is for the SQLite demo"
    report = {"accounts": {}, "failures": []}
    for email, _name, _org, role in ACCOUNTS:
        client = Client()
        if not client.login(email=email, password=os.environ.get("DEMO_PASSWORD", "demoshire")):
            report["failures"].append(f"{email} cannot sign in")
            continue
        result = Crawler(client, who=role.label, per_route=1).run(["/"])
        report["accounts"][email] = sum(result.pages.values())
        report["failures"].extend(result.failures)
    # SQLite-only branches of the daily job (reminders inserted and digested one by one).
    summary = daily_reminders()
    outbox_flush()
    report["daily_reminders"] = summary if isinstance(summary, dict) else str(summary)
    report["emails"] = len(mail.outbox)
    print(json.dumps(report, default=str))
    return 1 if report["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
