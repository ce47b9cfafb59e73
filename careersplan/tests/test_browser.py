"""Browser journeys (headless Chromium on a live server) and the axe-core audit of every
careersplan page."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from careersplan import services
from careersplan.choices import Phase
from plp_portal import clock
from careersplan.models import CareersPlan, IlpSelfAssessment, PlanRow, ScoreChange
from plp_portal.organisations.choices import OrganisationKind, Role
from tests.browser import assert_accessible
from tests.browser import sign_in as _sign_in
from tests.factories import OrganisationFactory, member

from .factories import lead, make_plan, shipped_templates

pytestmark = pytest.mark.browser

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def sign_in(page, email, totp=True):
    """The shared sign-in, kept clear of a TOTP window boundary: a code computed in the last
    seconds of its 30-second window can be checked in the next one and be refused."""
    import time

    left = 30 - time.time() % 30
    if left < 4:
        page.wait_for_timeout((left + 0.5) * 1000)
    _sign_in(page, email, totp=totp)


@pytest.fixture
def uploads(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path)}}}


def test_lead_fills_a_section_uploads_evidence_ticks_to_amber_and_downloads_the_pdf(
        page, org, other_org, uploads, tmp_path):
    person = lead(org, email="lead@northgate.test", full_name="Lee Lead")
    year = clock.academic_year_of(timezone.localdate())
    make_plan(org, year=year, phase=Phase.MONITORING, by=person)
    sign_in(page, person.email, totp=True)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Careers plan").click()
    page.get_by_role("link", name="Open the plan").click()
    page.get_by_role("link", name="Internal Support").click()
    expect(page.get_by_text("0 of 5 rows planned")).to_be_visible()

    # Fill two rows; with JavaScript the row saves itself (htmx) and says so.
    first = page.locator("section#" + page.locator("section[id^=row-]").first.get_attribute("id"))
    first.get_by_label("Planned").fill("Link governor reports to the full board each term")
    first.get_by_role("button", name="Save").click()
    first.get_by_text("Saved at").wait_for()
    second = page.locator("section[id^=row-]").nth(1)
    second.get_by_label("Planned").fill("Deputy head leads CEIAG")
    second.get_by_label("Planned").blur()
    second.get_by_text("Saved at").wait_for()
    page.reload()
    expect(page.get_by_text("2 of 5 rows planned")).to_be_visible()

    # A colleague saves the third row while it is open here: this save is refused, their
    # change is shown and the text typed here is kept.
    third = page.locator("section[id^=row-]").nth(2)
    row_id = int(third.get_attribute("id").split("-")[1])
    colleague = lead(org, full_name="Colleague Lead")
    row = PlanRow.objects.for_org(org).get(pk=row_id)
    services.plan_row_save(org=org, row=row, version=row.version, by=colleague,
                           planned="Their plan for teaching staff")
    third.get_by_label("Planned").fill("My plan for teaching staff")
    third.get_by_role("button", name="Save").click()
    third.get_by_text("Someone else saved this row").wait_for()
    expect(third.get_by_text("Their plan for teaching staff")).to_be_visible()
    assert third.get_by_label("Planned").input_value() == "My plan for teaching staff"

    # Upload evidence (a photograph) against the first row.
    first = page.locator("section[id^=row-]").first
    first.get_by_text("Add evidence").first.click()
    first.get_by_label("Evidence (optional)").fill("Governors' minutes, 14 October")
    png = tmp_path / "minutes.png"
    png.write_bytes(PNG)
    first.get_by_label("Document, photo or video (optional)").set_input_files(str(png))
    first.get_by_role("button", name="Add evidence").click()
    page.get_by_text("Evidence added to").wait_for()
    expect(page.get_by_role("link", name="minutes.png", exact=True)).to_be_visible()

    # Tick checklist items until the tag turns amber (11 of 20).
    page.get_by_role("link", name="Back to the plan").click()
    page.get_by_role("link", name="Tick checklist items").click()
    score = page.locator("#checklist-score")
    expect(score.get_by_text("Red")).to_be_visible()
    # The score is a live region that stays on the page: ticking changes the text inside it
    # (a preview, nothing saved), so a screen reader announces each new score.
    region = score.element_handle()
    for number in (1, 2, 3, 5, 6, 7, 8, 9, 10, 11):
        page.locator(f"label:text-matches('^{number}\\\\. ')").click()
    page.get_by_text("10 of 20").wait_for()
    expect(score.get_by_text("Red")).to_be_visible()
    page.locator("label:text-matches('^12\\\\. ')").click()
    page.locator("#checklist-score").get_by_text("Amber").wait_for()
    expect(page.locator("#checklist-score").get_by_text("11 of 20")).to_be_visible()
    expect(score.get_by_text("Not saved yet")).to_be_visible()
    assert region.evaluate("el => el.isConnected && el.getAttribute('aria-live') === 'polite'")
    plan = CareersPlan.objects.for_org(org).get(academic_year=year)
    assert not ScoreChange.objects.for_org(org).filter(plan=plan).exists()
    page.get_by_role("button", name="Save the checklist").click()
    page.get_by_text("Checklist saved: 11 of 20, Amber.").wait_for()
    assert ScoreChange.objects.for_org(org).filter(plan=plan).count() == 1

    page.get_by_role("link", name="Back to the plan").click()
    page.get_by_role("button", name="Download the plan (PDF)").click()
    page.get_by_text("Your PDF is ready.").wait_for()  # rendered by the workers (eager here)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download the PDF").click()
    download = download_info.value
    path = tmp_path / "plan.pdf"
    download.save_as(path)
    from pypdf import PdfReader

    text = " ".join(" ".join(p.extract_text() for p in PdfReader(str(path)).pages).split())
    assert "Link governor reports to the full board each term" in text
    assert "minutes.png" in text and "11 / 20" in text and "Amber" in text


def _visit_all(page, paths):
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, path
        assert_accessible(page)


def test_every_careersplan_page_passes_axe(page, browser, live_server, org, other_org, uploads):
    shipped_templates()
    authority = OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY, slug="shire",
                                    name="Shire County Council")
    org.parent = authority
    org.save()
    person = lead(org)
    year = clock.academic_year_of(timezone.localdate())
    plan = make_plan(org, year=year, phase=Phase.MONITORING, by=person)
    make_plan(org, year=year - 1, phase=Phase.REVIEW, by=person)
    row = plan.rows.select_related("template_row").first()
    evidence = services.evidence_add(org=org, row=row, by=person, text="Fair held")
    services.approval_record(org=org, plan=plan, approved_on=datetime.date(year, 10, 14),
                             minute_reference="GB/7", by=person)
    peer = lead(other_org)
    grant = services.reviewer_grant(org=org, plan=plan, email=peer.email, full_name="",
                                    kind="peer", expires_on=datetime.date(year + 1, 7, 31),
                                    by=person, today=timezone.localdate())
    services.comment_add(plan=plan, section=row.template_row.section, author=peer,
                         text="Clear ownership")
    assessment = services.ilp_assessment_create(org=org, academic_year=year, by=person)
    officer = member(authority, Role.LA_OFFICER)
    copy = services.template_copy(authority=authority, template=plan.template, by=officer)
    IlpSelfAssessment  # noqa: B018 - imported for the reader: the assessment above

    def o(name, org_=org, **kwargs):
        return reverse(f"careersplan:{name}", kwargs={"org_slug": org_.slug, **kwargs})

    p = {"plan_id": plan.pk}
    sign_in(page, person.email, totp=True)
    _visit_all(page, [
        o("index"), o("plan_create"), o("plan", **p), o("phase", **p),
        o("section", section_id=row.template_row.section_id, **p), o("checklist", **p),
        o("approval", **p), o("approval_remove", **p), o("reviewers", **p),
        o("reviewer_revoke", grant_id=grant.pk, **p),
        o("evidence_delete", evidence_id=evidence.pk, **p), o("ilp"),
        o("ilp_assessment", assessment_id=assessment.pk), o("templates"),
        o("template", template_id=plan.template_id),
    ])

    def fresh_page():
        context = browser.new_context(base_url=live_server.url, bypass_csp=True)
        return context, context.new_page()

    context, la_page = fresh_page()
    sign_in(la_page, officer.email, totp=True)
    _visit_all(la_page, [
        o("authority", authority), o("authority", authority) + "?rag=amber&sort=score&dir=desc",
        o("authority_deadline", authority), o("authority_plan", authority, **p),
        o("templates", authority), o("template", authority, template_id=copy.pk),
        o("template_section", authority, template_id=copy.pk,
          section_id=copy.sections.first().pk),
        o("template_checklist", authority, template_id=copy.pk),
    ])
    context.close()

    context, reviewer_page = fresh_page()
    sign_in(reviewer_page, peer.email, totp=True)
    _visit_all(reviewer_page, [
        reverse("careersplan_review:list"),
        reverse("careersplan_review:plan", kwargs=p),
    ])
    context.close()
