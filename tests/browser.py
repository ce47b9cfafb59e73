"""Helpers for browser tests: signing in and out through the real forms, and the axe-core audit."""

import re
from pathlib import Path

from tests.factories import PASSWORD, totp_code

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def sign_in(page, email, password=PASSWORD, totp=False, totp_secret=None):
    """Sign in through the real form (and the authenticator-code step for staff with MFA)."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
    if totp:
        # allauth refuses a code already used by the same account (remembered in the cache):
        # a test that signs the same person in twice within 30 seconds must not trip on that.
        from django.core.cache import cache

        cache.clear()
        # A code is good for its 30-second step only: near the end of one, wait for the next so
        # the server does not check it a step later (a rare failure on a loaded machine).
        import time

        left = 30 - time.time() % 30
        if left < 5:
            time.sleep(left + 0.2)
        code = totp_code(totp_secret) if totp_secret else totp_code()
        page.get_by_label("Code", exact=True).fill(code)
        page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()


def wait_for_text(page, text, timeout=10_000):
    """Wait until the page's HTML contains ``text`` (what ``text in page.content()`` asserts,
    without racing a navigation that a click has started but not finished: between two
    documents there is briefly no root element, which is "not yet", not an error)."""
    page.wait_for_function(
        "t => !!document.documentElement && document.documentElement.outerHTML.includes(t)", arg=text,
        timeout=timeout,
    )


def assert_accessible(page, shows=None):
    """Fail on any axe-core WCAG 2.2 AA violation on the current page (with ``shows``: once the
    page shows that text, as ``wait_for_text``).

    A click that submits a form may still be navigating when this is called: the audit is then
    retried on the page the navigation lands on."""
    from playwright.sync_api import Error as PlaywrightError

    if shows is not None:
        wait_for_text(page, shows)
    for attempt in range(5):
        page.wait_for_load_state("load")
        try:
            page.add_script_tag(path=str(AXE))
            violations = page.evaluate(
                "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
                ".violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.html)}))",
                AXE_TAGS,
            )
            break
        except PlaywrightError:
            if attempt == 4:
                raise
            page.wait_for_timeout(250)
    assert violations == [], f"axe violations on {page.url}:\n" + "\n".join(
        f"- {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"][:3]) for v in violations
    )


def staff_sign_in(page, user, secret):
    """Sign a member of staff in through the real form with a fresh authenticator (``secret``
    of the test's own: allauth remembers used codes per user id in the shared cache)."""
    from allauth.mfa.models import Authenticator

    from tests.factories import enable_totp

    Authenticator.objects.filter(user=user).delete()
    enable_totp(user, secret)
    sign_in(page, user.email, PASSWORD, totp=True, totp_secret=secret)


def sign_out(page):
    """Sign out with the header's button (on any page that has the header)."""
    page.get_by_role("button", name=re.compile("Sign out")).click()
    page.wait_for_url(re.compile("/accounts/"))


def submit_and_see_errors(page, button):
    """Press ``button`` of a form that is not filled in right: the page answers with the error
    summary ("There is a problem") and passes axe."""
    page.get_by_role("button", name=button).click()
    assert_accessible(page, shows="There is a problem")
