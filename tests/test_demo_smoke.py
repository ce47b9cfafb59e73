"""The demo is tested: `make demo`'s steps (migrate, createcachetable, seed_demo) into a fresh
SQLite file, then tests/demo_smoke.py signs in as every demo account and follows every link."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(args, env, timeout=600):
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def test_the_demo_on_sqlite_serves_every_account_without_errors(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "PLP_TEST_DB"))}
    env.update(PLP_DEMO="1", DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
               PLP_REQUIRE_STAFF_MFA="false", PLP_HTTPS="false", PORT="8123",
               EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    for step in (["manage.py", "migrate", "--noinput", "-v0"], ["manage.py", "createcachetable"],
                 ["manage.py", "seed_demo"]):
        done = _run(step, env)
        assert done.returncode == 0, f"{' '.join(step)}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    done = _run(["-m", "tests.demo_smoke"], env)
    assert done.returncode in (0, 1), done.stderr[-5000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["failures"] == [], "\n".join(report["failures"])
    assert set(report["accounts"]) == {
        "learner@demoshire.test", "parent@demoshire.test", "tutor@demoshire.test",
        "adviser@demoshire.test", "lead@demoshire.test", "la@demoshire.test", "admin@demoshire.test"}
    assert all(pages >= 3 for pages in report["accounts"].values()), report["accounts"]
    assert "daily_reminders" in report


def test_demo_links_in_emails_follow_the_port_it_serves_on():
    env = {**os.environ, "PLP_DEMO": "1", "PORT": "8123"}
    env.pop("SITE_URL", None)
    done = _run(["-c", "import django,os;os.environ.setdefault('DJANGO_SETTINGS_MODULE','plp_portal.settings');"
                       "django.setup();from django.conf import settings;print(settings.SITE_URL)"], env)
    assert done.stdout.strip() == "http://127.0.0.1:8123", done.stderr
