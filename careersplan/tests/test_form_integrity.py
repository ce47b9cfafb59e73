"""Issue 11 on the annual careers plan: nothing the careers lead enters is saved before they
say so, lost, or silently changed; impossible dates and overlong text are refused with a
message naming the field, in the form and in the database."""

import datetime
import io
import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from pypdf import PdfReader

from careersplan import services
from careersplan.choices import Phase, TemplateKind
from careersplan.models import (
    ACTIONS_MAX,
    COMMENT_MAX,
    EVIDENCE_PER_ROW_MAX,
    EVIDENCE_TEXT_MAX,
    INDICATORS_MAX,
    PLANNED_MAX,
    ApprovalDeadline,
    ChecklistTick,
    Evidence,
    GoverningBodyApproval,
    PlanRow,
    PlanTemplate,
    ReviewComment,
    ReviewerGrant,
    ScoreChange,
    TemplateSection,
)
from plp_portal.organisations.choices import OrganisationKind, Role
from tests.factories import OrganisationFactory, member
from tests.pdfs import fetch_pdf, pdf_bytes

from .factories import kent_template, lead, make_plan, shipped_templates, tick, url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("november_2026")]

TODAY = datetime.date(2026, 11, 2)
LONG = "x" * 100_000


def items_but_approval(plan):
    return list(plan.template.checklist_items.exclude(is_governing_body_approval=True)
                .order_by("number"))


def ticks_posted(items, **extra):
    return {**{f"tick-{i.pk}": "on" for i in items}, **extra}


def history(plan):
    return list(ScoreChange.objects.for_org(plan.organisation).filter(plan=plan))


# --- Item 4: ticks are saved by "Save the checklist", one history event per save --------------
def test_ticking_previews_the_score_and_saves_nothing(org, other_org, client, sign_in):
    person = lead(org)
    plan = make_plan(org, by=person)
    items = items_but_approval(plan)
    tick(plan, 10, by=person)
    before = history(plan)
    sign_in(person)
    page = client.get(url("checklist", org, plan_id=plan.pk)).content.decode()
    assert "saved when you press “Save the checklist”" in page

    # What the page's htmx sends as each box is ticked: the whole form, to the preview.
    response = client.post(url("checklist_preview", org, plan_id=plan.pk),
                           ticks_posted(items[:12]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    preview = response.content.decode()
    assert "12 of 20" in preview and "Amber" in preview
    assert "Not saved yet" in preview and "The saved score is 10 of 20" in preview

    assert ChecklistTick.objects.for_org(org).filter(plan=plan).count() == 10
    assert history(plan) == before
    page = client.get(url("checklist", org, plan_id=plan.pk)).content.decode()
    assert "10 of 20" in page


def test_one_save_of_several_ticks_is_one_history_event(org, other_org, client, sign_in):
    person = lead(org)
    plan = make_plan(org, by=person)
    items = items_but_approval(plan)
    tick(plan, 2, by=person)  # items 1 and 2
    events = len(history(plan))
    sign_in(person)
    # Untick item 1, keep 2, tick 3, 5 and 6 — then press Save once.
    response = client.post(url("checklist", org, plan_id=plan.pk),
                           ticks_posted(items[1:5], **{f"link-{items[2].pk}": "example.org/x"}))
    assert response.status_code == 302
    after = history(plan)
    assert len(after) == events + 1
    event = after[-1]
    assert (event.items_ticked, event.items_unticked, event.score) == ("3,5,6", "1", 4)
    page = client.get(url("checklist", org, plan_id=plan.pk)).content.decode()
    assert "Checklist saved: 4 of 20, Red." in page
    assert "Items 3, 5, 6 ticked; item 1 unticked" in page
    assert "https://example.org/x" in page
    # Saving again with nothing changed adds no event.
    client.post(url("checklist", org, plan_id=plan.pk), ticks_posted(items[1:5]))
    assert len(history(plan)) == events + 1


# --- Item 11: the live score is announced from a stable aria-live region ----------------------
def test_live_score_updates_inside_a_stable_aria_live_region(org, other_org, client, sign_in):
    person = lead(org)
    plan = make_plan(org, by=person)
    sign_in(person)
    page = client.get(url("checklist", org, plan_id=plan.pk)).content.decode()
    region = re.search(r'<div id="checklist-score"[^>]*>', page).group(0)
    assert 'aria-live="polite"' in region
    form = re.search(r"<form [^>]*hx-post[^>]*>", page).group(0)
    assert f'hx-post="{url("checklist_preview", org, plan_id=plan.pk)}"' in form
    assert 'hx-target="#checklist-score"' in form and 'hx-swap="innerHTML"' in form

    response = client.post(url("checklist_preview", org, plan_id=plan.pk),
                           ticks_posted(items_but_approval(plan)[:3]), HTTP_HX_REQUEST="true")
    fragment = response.content.decode()
    assert "3 of 20" in fragment
    # Only what goes inside the region: the region itself stays on the page.
    assert 'id="checklist-score"' not in fragment and "aria-live" not in fragment


def test_only_the_careers_lead_previews_the_score(org, other_org, client, sign_in):
    plan = make_plan(org)
    sign_in(member(org, Role.ORG_ADMIN))
    response = client.post(url("checklist_preview", org, plan_id=plan.pk), {})
    assert response.status_code in (403, 404)


# --- Item 6: impossible dates are refused ----------------------------------------------------
@pytest.mark.parametrize("approved_on, message", [
    ((TODAY + datetime.timedelta(days=90)).isoformat(), "must be today or earlier"),
    ("9999-12-31", "must be today or earlier"),
    ("0001-01-01", "must be on or after 1/1/2000"),
])
def test_impossible_approval_dates_are_refused_and_do_not_tick_item_4(
        org, other_org, client, sign_in, approved_on, message):
    person = lead(org)
    plan = make_plan(org, by=person)
    sign_in(person)
    response = client.post(url("approval", org, plan_id=plan.pk),
                           {"approved_on": approved_on, "minute_reference": "GB/26/7"})
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert f"Date the governing body agreed the plan {message}" in page
    assert not GoverningBodyApproval.objects.for_org(org).exists()
    assert not ChecklistTick.objects.for_org(org).exists() and history(plan) == []


def test_the_service_refuses_a_future_approval_too(org, other_org):
    person = lead(org)
    plan = make_plan(org, by=person)
    with pytest.raises(services.PlanError, match="today or earlier"):
        services.approval_record(org=org, plan=plan, by=person, minute_reference="GB/1",
                                 approved_on=TODAY + datetime.timedelta(days=1))
    assert not ChecklistTick.objects.for_org(org).exists()


@pytest.mark.parametrize("day, message", [
    ("0001-01-01", "Date for item 1 must be on or after 1/1/2000"),
    ("9999-12-31", "Date for item 1 must be today or earlier"),
    ("2026-11-03", "Date for item 1 must be today or earlier"),
    ("2024-02-30", "Enter the date for item 1 as a real date"),
])
def test_checklist_dates_out_of_range_are_refused(org, other_org, client, sign_in, day,
                                                  message):
    person = lead(org)
    plan = make_plan(org, by=person)
    first = items_but_approval(plan)[0]
    sign_in(person)
    response = client.post(url("checklist", org, plan_id=plan.pk),
                           ticks_posted([first], **{f"date-{first.pk}": day}))
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page and message in page
    assert not ChecklistTick.objects.for_org(org).exists() and history(plan) == []
    # The tick on the page is kept, and the score says it is not saved yet.
    assert re.search(rf'name="tick-{first.pk}" type="checkbox" checked', page)
    assert "1 of 20" in page and "Not saved yet" in page


def test_deadline_and_reviewer_dates_out_of_range_are_refused(org, other_org, client, sign_in):
    authority = OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY)
    sign_in(member(authority, Role.LA_OFFICER))
    for day, message in (("9999-12-31", "on or before 31/8/2027"),
                         ("0001-01-01", "on or after 1/9/2026")):
        response = client.post(url("authority_deadline", authority), {"approve_by": day})
        page = response.content.decode()
        assert response.status_code == 200 and message in page
    assert not ApprovalDeadline.objects.for_org(authority).exists()
    assert client.post(url("authority_deadline", authority),
                       {"approve_by": "2026-12-01"}).status_code == 302

    person = lead(org)
    plan = make_plan(org, by=person)
    sign_in(person)
    for day in ("9999-12-31", "0001-01-01"):
        response = client.post(url("reviewers", org, plan_id=plan.pk), {
            "full_name": "Consultant", "email": "consultant@example.test",
            "kind": "consultant", "expires_on": day})
        assert response.status_code == 200 and "Date their access ends must be" in response.content.decode()
    assert not ReviewerGrant.objects.for_org(org).exists()


def test_the_database_refuses_impossible_dates(org, other_org):
    person = lead(org)
    plan = make_plan(org, by=person)
    item = items_but_approval(plan)[0]
    attempts = [
        lambda: GoverningBodyApproval.objects.create(
            organisation=org, plan=plan, approved_on=datetime.date(1, 1, 1), minute_reference="x"),
        lambda: GoverningBodyApproval.objects.create(
            organisation=org, plan=plan, approved_on=datetime.date(9999, 12, 31),
            minute_reference="x"),
        lambda: ChecklistTick.objects.create(organisation=org, plan=plan, item=item,
                                             ticked_on=datetime.date(9999, 12, 31)),
        lambda: ApprovalDeadline.objects.create(organisation=org, academic_year=2026,
                                                approve_by=datetime.date(1, 1, 1)),
        lambda: ReviewerGrant.objects.create(organisation=org, plan=plan, reviewer=person,
                                             kind="consultant",
                                             expires_on=datetime.date(9999, 12, 31)),
    ]
    for attempt in attempts:
        with pytest.raises(IntegrityError), transaction.atomic():
            attempt()


# --- Item 8: every free-text field has a limit, the PDF stays bounded --------------------------
def test_100000_characters_are_refused_naming_the_field_and_nothing_is_saved(
        org, other_org, client, sign_in):
    person = lead(org)
    plan = make_plan(org, phase=Phase.MONITORING, by=person)
    row = plan.rows.first()
    sign_in(person)

    response = client.post(url("evidence_add", org, plan_id=plan.pk, row_id=row.pk),
                           {f"evidence-{row.pk}-text": LONG})
    page = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in page
    assert f"Evidence must be {EVIDENCE_TEXT_MAX} characters or fewer (it has 100000)" in page
    assert LONG in page  # what was typed is kept on the page
    assert not Evidence.objects.for_org(org).exists()

    prefix = f"row-{row.pk}"
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.post(url("row_save", org, plan_id=plan.pk, row_id=row.pk),
                               {f"{prefix}-version": 1, f"{prefix}-planned": LONG}, **headers)
        page = response.content.decode()
        assert response.status_code == 200 and "govuk-error-summary" in page
        assert f"Planned must be {PLANNED_MAX} characters or fewer (it has 100000)" in page
    assert PlanRow.objects.for_org(org).get(pk=row.pk).planned == ""

    type(plan).objects.for_org(org).filter(pk=plan.pk).update(phase=Phase.REVIEW)
    response = client.post(url("row_save", org, plan_id=plan.pk, row_id=row.pk),
                           {f"{prefix}-version": 1, f"{prefix}-actions_next_year": LONG})
    assert (f"Actions for next year must be {ACTIONS_MAX} characters or fewer"
            in response.content.decode())
    assert PlanRow.objects.for_org(org).get(pk=row.pk).actions_next_year == ""

    first = items_but_approval(plan)[0]
    response = client.post(url("checklist", org, plan_id=plan.pk), ticks_posted(
        [first], **{f"link-{first.pk}": "https://example.org/" + "a" * 600}))
    assert response.status_code == 200
    assert "Evidence link for item 1 must be 500 characters or fewer" in response.content.decode()
    assert not ChecklistTick.objects.for_org(org).exists()


def test_reviewer_comment_and_template_text_have_limits(org, other_org, client, sign_in):
    person = lead(org)
    plan = make_plan(org, by=person)
    peer = lead(other_org)
    services.reviewer_grant(org=org, plan=plan, by=person, today=TODAY, email=peer.email,
                            full_name="Peer", kind="peer", expires_on=TODAY)
    sign_in(peer)
    section = plan.rows.first().template_row.section
    response = client.post(reverse("careersplan_review:plan", kwargs={"plan_id": plan.pk}),
                           {"section": section.pk, "text": LONG})
    assert response.status_code == 200
    assert (f"Comment must be {COMMENT_MAX} characters or fewer (it has 100000)"
            in response.content.decode())
    assert not ReviewComment.objects.for_org(org).exists()

    authority = OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY)
    officer = member(authority, Role.LA_OFFICER)
    sign_in(officer)
    copy = services.template_copy(authority=authority, template=kent_template(), by=officer)
    copied = copy.sections.order_by("position").first()
    response = client.post(url("template_section", authority, template_id=copy.pk,
                               section_id=copied.pk),
                           {"title": "Internal Support", "rows": "Row one\n" + "r" * 401,
                            "evidence_indicators": LONG})
    page = response.content.decode()
    assert response.status_code == 200
    assert f"Evidence indicators must be {INDICATORS_MAX} characters or fewer" in page
    assert "Line 2 of rows must be 400 characters or fewer (it has 401)" in page
    response = client.post(url("template_checklist", authority, template_id=copy.pk),
                           {"items": "\n".join(f"Item {n}" for n in range(61)),
                            "rag_red_max": 10, "rag_amber_max": 15})
    assert "Checklist items can have 60 lines at most (it has 61)" in response.content.decode()
    assert copy.checklist_items.count() == 20
    assert TemplateSection.objects.get(pk=copied.pk).evidence_indicators == \
        copied.evidence_indicators


def test_the_database_refuses_text_over_the_limit(org, other_org):
    person = lead(org)
    plan = make_plan(org, phase=Phase.MONITORING, by=person)
    row = plan.rows.first()
    attempts = [
        lambda: PlanRow.objects.for_org(org).filter(pk=row.pk).update(planned=LONG),
        lambda: PlanRow.objects.for_org(org).filter(pk=row.pk).update(actions_next_year=LONG),
        lambda: Evidence.objects.create(organisation=org, row=row, text=LONG),
        lambda: ReviewComment.objects.create(organisation=org, plan=plan, author_name="A",
                                             section=row.template_row.section, text=LONG),
        lambda: TemplateSection.objects.filter(pk=row.template_row.section_id).update(
            evidence_indicators=LONG),
    ]
    for attempt in attempts:
        with pytest.raises(IntegrityError), transaction.atomic():
            attempt()


def test_a_row_holds_a_bounded_number_of_evidence_notes(org, other_org, client, sign_in):
    person = lead(org)
    plan = make_plan(org, phase=Phase.MONITORING, by=person)
    row = plan.rows.first()
    Evidence.objects.bulk_create(Evidence(organisation=org, row=row, text=f"Note {n}")
                                 for n in range(EVIDENCE_PER_ROW_MAX))
    sign_in(person)
    response = client.post(url("evidence_add", org, plan_id=plan.pk, row_id=row.pk),
                           {f"evidence-{row.pk}-text": "One more"})
    assert response.status_code == 200
    assert "Remove one before you add another" in response.content.decode()
    assert Evidence.objects.for_org(org).filter(row=row).count() == EVIDENCE_PER_ROW_MAX


def _words(n: int) -> str:
    return ("Careers fair with local employers and colleges, " * (n // 40 + 1))[:n]


def _template_at_every_limit(rows: int) -> PlanTemplate:
    template = PlanTemplate.objects.create(kind=TemplateKind.CAREERS_PLAN, name="At the limits",
                                           is_published=True)
    section = template.sections.create(
        position=1, group=_words(200), title=_words(200),
        evidence_indicators="\n".join(_words(99) for _ in range(INDICATORS_MAX // 100)))
    for position in range(1, rows + 1):
        section.rows.create(position=position, label=_words(400))
    for number in (1, 2):
        template.checklist_items.create(number=number, text=_words(400))
    return template


def test_the_pdf_of_a_plan_at_every_limit_stays_a_bounded_size(org, other_org, client,
                                                               sign_in):
    """Two rows with every free-text field at its maximum (and a comment, a tick with the
    longest link): the PDF's size per row is bounded (pages and bytes, not time)."""
    shipped_templates()
    person = lead(org)
    plan = make_plan(org, phase=Phase.MONITORING, by=person, template=_template_at_every_limit(2))
    PlanRow.objects.for_org(org).filter(plan=plan).update(
        planned=_words(PLANNED_MAX), actions_next_year=_words(ACTIONS_MAX))
    for row in plan.rows.all():
        services.evidence_add(org=org, row=row, by=person, text=_words(EVIDENCE_TEXT_MAX))
    item = plan.template.checklist_items.first()
    services.checklist_set(org=org, plan=plan, item=item, ticked=True, by=person,
                           evidence_link="https://example.org/" + "a" * 480)
    services.comment_add(plan=plan, section=plan.template.sections.get(), author=person,
                         text=_words(COMMENT_MAX))
    sign_in(person)
    response = fetch_pdf(client, url("pdf", org, plan_id=plan.pk))
    assert response.status_code == 200
    data = pdf_bytes(response)
    pages = len(PdfReader(io.BytesIO(data)).pages)
    # 12 pages and about 53 kB today (the fonts are the project's): a little headroom, no more.
    assert pages <= 14, pages
    assert len(data) < 100_000, len(data)


def test_shipped_templates_and_the_demo_texts_fit_the_limits():
    from careersplan.seeding import demo

    shipped_templates()
    for template in PlanTemplate.objects.filter(owner__isnull=True):
        for section in template.sections.all():
            section.full_clean()
            for row in section.rows.all():
                row.full_clean()
        for item in template.checklist_items.all():
            item.full_clean()
    assert max(map(len, demo.PLANNED.values())) <= PLANNED_MAX
    assert max(map(len, demo.ACTIONS.values())) <= ACTIONS_MAX
    assert max(map(len, demo.EVIDENCE.values())) <= EVIDENCE_TEXT_MAX
