"""Every form, every role, bad input, no 5xx — and nothing saved when the answer is an error.

Each demo account (every role of the product, with the real relationships between them:
partnerships, shares, caseloads) signs in on the seeded demo county in PostgreSQL and the
crawler (tests/crawler.py) follows every link it is shown, then posts every form it meets:
empty, every text field at 10,001 characters, NUL bytes, emoji, right-to-left text and
``<script>``, dates 0001-01-01 / 2024-02-30 / 9999-12-31, unknown choices and negative numbers.
Forms are found on the pages, so a new form is covered without editing this file.
"""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from plp_portal.organisations.choices import Role
from plp_portal.organisations.seeding.demo import ACCOUNTS
from tests.crawler import Crawler, Form, form_variants, page_read

pytestmark = pytest.mark.django_db

# Tables whose rows a GET or a refused POST may write by design: the audit log (every read of
# a learner's record is audited), sessions and the database cache (rate limits).
UNWATCHED_TABLES = {"audit_auditevent", "accounts_session", "plp_cache", "django_session"}
WATCHED_APPS = {"accounts", "organisations", "notifications", "learners", "keyworkers",
                "guidance", "careersplan", "guardian"}


def _watched_tables() -> list[str]:
    tables = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.app_label in WATCHED_APPS and meta.managed and not meta.proxy:
            if meta.db_table not in UNWATCHED_TABLES:
                tables.append(meta.db_table)
    return sorted(set(tables))


def database_fingerprint_factory():
    tables = _watched_tables()
    sql = " UNION ALL ".join(
        f"SELECT '{t}', count(*), coalesce(sum(hashtext(x::text)::bigint), 0) FROM {connection.ops.quote_name(t)} x"
        for t in tables
    )

    def fingerprint():
        with connection.cursor() as cursor:
            cursor.execute(sql)
            # Sorted: PostgreSQL may return UNION ALL branches in any order (a parallel append),
            # which is no change to the data.
            return tuple(sorted(cursor.fetchall()))

    return fingerprint


@pytest.fixture
def demo_county(settings):
    settings.PLP_REQUIRE_STAFF_MFA = False
    call_command("seed_demo", password="demoshire", stdout=open("/dev/null", "w"))


# Every demo role, and the training provider's tutor: a key worker elsewhere who is also an
# off-site tutor on a Northgate learner's plan (the four-weekly off-site review form, issue 18).
# Their shared plans are reached from /me/ (the site's home sends staff to their organisation).
FUZZED = [(email, role, ["/"], role.value) for email, _n, _o, role in ACCOUNTS] + [
    ("supervisor.training@demoshire.test", Role.KEY_WORKER, ["/", "/me/"], "off_site_tutor")]


@pytest.mark.parametrize("email,role,starts", [(email, role, starts) for email, role, starts, _id in FUZZED],
                         ids=[name for *_x, name in FUZZED])
def test_every_form_a_person_meets_refuses_bad_input_without_a_5xx_or_a_change(
        email, role, starts, demo_county, client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert client.login(email=email, password="demoshire")
    crawler = Crawler(client, who=role.label, fuzz=True, fingerprint=database_fingerprint_factory())
    result = crawler.run(starts)
    print(f"{role.label}: {sum(result.pages.values())} pages of {len(result.pages)} URL patterns, "
          f"{len(result.forms)} forms, {result.posts} hostile posts")
    assert result.failures == [], "\n".join(result.failures)
    # The crawl really reached the person's work (a crawl stopped at the door proves nothing).
    assert len(result.pages) >= 3
    if role.value not in {"parent_carer", "la_officer"}:
        assert result.forms, "the crawl posted no form"


# --- The crawler's own parts -------------------------------------------------------------------

PAGE = """
<a href="/o/x/targets/1/">Change<span class="govuk-visually-hidden"> target 1</span></a>
<form method="post" action="/o/x/save/">
  <input type="hidden" name="csrfmiddlewaretoken" value="t">
  <input type="text" name="title" value="Old">
  <textarea name="notes">Some notes</textarea>
  <input type="date" name="due_on" value="2026-12-01">
  <select name="status"><option value="">Choose</option><option value="open">Open</option></select>
  <input type="checkbox" name="ecm" value="a" checked><input type="checkbox" name="ecm" value="b">
  <input type="number" name="weeks" value="6">
  <button type="submit" name="action" value="save">Save</button>
</form>
"""


def test_the_crawler_reads_links_forms_and_what_a_browser_would_send():
    page = page_read(PAGE)
    assert page.links == [("/o/x/targets/1/", "Change target 1")]
    (form,) = page.forms
    assert isinstance(form, Form) and form.method == "post" and form.submit == ("action", "save")
    variants = dict(form_variants(form))
    assert variants["empty"] == {"csrfmiddlewaretoken": ["t"], "action": ["save"]}
    long = variants["long text"]
    assert len(long["title"][0]) == 10_001 and len(long["notes"][0]) == 10_001
    assert long["ecm"] == ["a"] and long["status"] == ["open"] and long["weeks"] == ["6"]
    assert variants["date 2024-02-30"]["due_on"] == ["2024-02-30"]
    assert variants["unknown choices, negative numbers"]["weeks"] == ["-1"]
    assert "\x00" in variants["hostile text"]["title"][0]
