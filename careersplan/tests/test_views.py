import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from careersplan import services
from careersplan.choices import Phase
from careersplan.filters import STATUSES
from careersplan.models import CareersPlan, PlanRow, PlanTemplate
from plp_portal.organisations.choices import OrganisationKind, Role
from tests.factories import OrganisationFactory, member
from tests.pdfs import fetch_pdf, pdf_bytes

from .factories import consultant_review, kent_template, lead, make_plan, tick, url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("november_2026")]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def uploads(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path)}}}


def test_lead_creates_this_years_plan_from_the_index(org, other_org, client, sign_in):
    person = lead(org)
    sign_in(person)
    page = client.get(url("index", org))
    assert "There is no annual careers plan for 2026/27 yet" in page.content.decode()
    response = client.post(url("plan_create", org), {"academic_year": "2026"})
    plan = CareersPlan.objects.for_org(org).get()
    assert response.status_code == 302 and response["Location"] == url("plan", org, plan_id=plan.pk)
    page = client.get(response["Location"]).content.decode()
    assert "0 of 5 rows planned" in page and "Kent Curriculum Framework" in page
    assert "0 of 20" in page and "Red" in page
    index = client.get(url("index", org)).content.decode()
    assert "This year&#x27;s plan: 2026/27" in index or "This year's plan: 2026/27" in index


def test_la_officer_index_is_the_dashboard_and_org_admin_reads_only(org, other_org, client,
                                                                   sign_in):
    officer = member(org, Role.LA_OFFICER)
    sign_in(officer)
    assert client.get(url("index", org))["Location"] == url("authority", org)
    plan = make_plan(org)
    admin = member(org, Role.ORG_ADMIN)
    sign_in(admin)
    assert client.get(url("plan", org, plan_id=plan.pk)).status_code == 200
    assert client.get(url("templates", org)).status_code == 200
    assert client.get(url("template", org, template_id=plan.template_id)).status_code == 200
    row = plan.rows.first()
    assert client.post(url("row_save", org, plan_id=plan.pk, row_id=row.pk),
                       {}).status_code == 403


def test_row_save_without_javascript_and_with_htmx(org, other_org, client, sign_in):
    person = lead(org)
    plan = make_plan(org, by=person)
    row = plan.rows.select_related("template_row").first()
    sign_in(person)
    prefix = f"row-{row.pk}"
    response = client.post(url("row_save", org, plan_id=plan.pk, row_id=row.pk),
                           {f"{prefix}-version": row.version, f"{prefix}-planned": "Termly report"})
    assert response.status_code == 302 and response["Location"].endswith(f"#row-{row.pk}")
    row.refresh_from_db()
    assert row.planned == "Termly report" and row.version == 2
    response = client.post(url("row_save", org, plan_id=plan.pk, row_id=row.pk),
                           {f"{prefix}-version": 2, f"{prefix}-planned": "Termly report, v2"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Saved at" in response.content.decode()
    assert f'name="{prefix}-version" value="3"' in response.content.decode()
    section = client.get(url("section", org, plan_id=plan.pk,
                             section_id=row.template_row.section_id)).content.decode()
    assert "1 of 5 rows planned" in section
    assert "A named member of the leadership team has overall responsibility." in section


def test_concurrent_edit_is_refused_showing_their_change_and_keeping_mine(org, other_org,
                                                                          client, sign_in):
    me, colleague = lead(org, full_name="Me Lead"), lead(org, full_name="Colleague Lead")
    plan = make_plan(org, by=me)
    row = plan.rows.first()
    services.plan_row_save(org=org, row=row, version=1, by=colleague, planned="Their plan")
    sign_in(me)
    prefix = f"row-{row.pk}"
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        response = client.post(url("row_save", org, plan_id=plan.pk, row_id=row.pk),
                               {f"{prefix}-version": 1, f"{prefix}-planned": "My plan"},
                               **headers)
        page = response.content.decode()
        assert response.status_code == 200  # shown again with the problem, never a 4xx
        assert "Someone else saved this row" in page
        assert "Their plan" in page and "Colleague Lead" in page
        assert "My plan</textarea>" in page  # nothing lost
        assert f'name="{prefix}-version" value="2"' in page
    assert PlanRow.objects.for_org(org).get(pk=row.pk).planned == "Their plan"


def test_evidence_upload_and_download(org, other_org, client, sign_in, uploads):
    person = lead(org)
    plan = make_plan(org, phase=Phase.MONITORING, by=person)
    row = plan.rows.first()
    sign_in(person)
    response = client.post(url("evidence_add", org, plan_id=plan.pk, row_id=row.pk), {
        f"evidence-{row.pk}-text": "Careers fair photo",
        f"evidence-{row.pk}-file": SimpleUploadedFile("fair.png", PNG, "image/png"),
    })
    assert response.status_code == 302
    evidence = row.evidence.get()
    download = client.get(url("evidence", org, plan_id=plan.pk, evidence_id=evidence.pk))
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PNG
    bad = client.post(url("evidence_add", org, plan_id=plan.pk, row_id=row.pk), {
        f"evidence-{row.pk}-file": SimpleUploadedFile("x.png", b"GIF89a-not-png", "image/png")})
    assert bad.status_code == 200 and "must be one of" in bad.content.decode()


def test_checklist_ticks_turn_the_tag_amber_and_record_history(org, other_org, client, sign_in):
    person = lead(org)
    plan = make_plan(org, by=person)
    tick(plan, 10, by=person)
    items = list(plan.template.checklist_items.exclude(number=4).order_by("number"))
    sign_in(person)
    data = {f"tick-{i.pk}": "on" for i in items[:11]}
    data[f"link-{items[10].pk}"] = "https://example.test/lmi"
    response = client.post(url("checklist_preview", org, plan_id=plan.pk), data,
                           HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "11 of 20" in page and "govuk-tag--orange\">Amber" in page
    response = client.post(url("checklist", org, plan_id=plan.pk), data)
    assert response.status_code == 302
    page = client.get(url("checklist", org, plan_id=plan.pk)).content.decode()
    assert "Checklist saved: 11 of 20, Amber." in page
    assert "Item 12 ticked" in page and "https://example.test/lmi" in page


def test_approval_ticks_item_4_and_removing_it_unticks(org, other_org, client, sign_in):
    person = lead(org)
    plan = make_plan(org, by=person)
    sign_in(person)
    response = client.post(url("approval", org, plan_id=plan.pk),
                           {"approved_on": "2026-10-14", "minute_reference": "GB/26/7"})
    assert response.status_code == 302
    page = client.get(url("checklist", org, plan_id=plan.pk)).content.decode()
    assert "1 of 20" in page and "minute GB/26/7" in page
    assert client.get(url("approval_remove", org, plan_id=plan.pk)).status_code == 200
    client.post(url("approval_remove", org, plan_id=plan.pk))
    assert "0 of 20" in client.get(url("checklist", org, plan_id=plan.pk)).content.decode()


def test_reviewer_pages(org, other_org, client, sign_in):
    person = lead(org)
    plan = make_plan(org, by=person)
    other_plan = make_plan(org, year=2025)
    peer = lead(other_org)
    sign_in(person)
    response = client.post(url("reviewers", org, plan_id=plan.pk), {
        "full_name": "Peer", "email": peer.email, "kind": "peer", "expires_on": "2026-11-30"})
    assert response.status_code == 302
    sign_in(peer)
    review = reverse("careersplan_review:plan", kwargs={"plan_id": plan.pk})
    assert client.get(reverse("careersplan_review:list")).content.decode().count(review) == 1
    assert client.get(review).status_code == 200
    section = plan.rows.first().template_row.section
    response = client.post(review, {"section": section.pk, "text": "Strong governance"})
    assert response.status_code == 302
    assert plan.comments.get().text == "Strong governance"
    assert client.get(reverse("careersplan_review:plan",
                              kwargs={"plan_id": other_plan.pk})).status_code == 404
    pdf = fetch_pdf(client, reverse("careersplan_review:pdf", kwargs={"plan_id": plan.pk}))
    assert "Strong governance" in _pdf_text(pdf_bytes(pdf))
    # Expired (even though nothing has cleaned the grant or the permission up): refused.
    from careersplan.models import ReviewerGrant

    ReviewerGrant.objects.for_org(org).update(expires_on=datetime.date(2026, 11, 1))
    assert client.get(review).status_code == 404
    # The lead sees the comment with the plan.
    sign_in(person)
    reviewers_page = client.get(url("reviewers", org, plan_id=plan.pk)).content.decode()
    assert "Strong governance" in reviewers_page


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_pdf_lays_out_the_plan_as_the_seed(org, other_org, client, sign_in):
    person = lead(org)
    plan = make_plan(org, phase=Phase.MONITORING, by=person)
    row = plan.rows.first()
    services.plan_row_save(org=org, row=row, version=1, by=person, planned="Governors' report")
    services.evidence_add(org=org, row=row, by=person, text="Minutes of 14 October")
    tick(plan, 12, by=person)
    sign_in(person)
    response = fetch_pdf(client, url("pdf", org, plan_id=plan.pk))
    assert response["Content-Type"] == "application/pdf"
    data = pdf_bytes(response)
    text = _pdf_text(data)
    for expected in ("Annual Careers Plan 2026/27", "Internal Support", "Planned", "Evidence",
                     "Actions for next year", "Role of the Governing Body", "Governors' report",
                     "Minutes of 14 October", "Annual Careers Plan Checklist",
                     "Independent Impartial Careers guidance is secured", "12 / 20", "Amber",
                     "Usage of kentchoices4U", "Other Learning providers"):
        assert expected in text, expected
    reader = PdfReader(io.BytesIO(data))
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged (PDF/UA)


def _authority_with_schools(n, *, authority=None):
    authority = authority or OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY)
    for i in range(n):
        school = OrganisationFactory(parent=authority)
        plan = make_plan(school, year=2026, phase=Phase.MONITORING)
        tick(plan, i % 20)
        make_plan(school, year=2025, phase=Phase.REVIEW)
    return authority


def test_authority_dashboard_shows_its_schools_only(org, other_org, client, sign_in):
    authority = OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY, slug="shire")
    org.parent = authority
    org.save()
    plan = make_plan(org, year=2026)
    tick(plan, 16)
    make_plan(other_org, year=2026)
    officer = member(authority, Role.LA_OFFICER)
    sign_in(officer)
    page = client.get(url("authority", authority)).content.decode()
    assert org.name in page and other_org.name not in page
    assert "govuk-tag--green\">Green" in page
    assert "<svg" in page and "Schools by RAG rating" in page
    csv = client.get(url("authority_csv", authority)).content.decode()
    assert org.name in csv and other_org.name not in csv and ",16,Green," in csv
    filtered = client.get(url("authority", authority) + "?rag=red").content.decode()
    assert "No school matches these filters" in filtered
    assert client.get(url("authority_plan", authority, plan_id=plan.pk)).status_code == 200
    foreign = CareersPlan.objects.for_org(other_org).get()
    assert client.get(url("authority_plan", authority, plan_id=foreign.pk)).status_code == 404
    pdf = fetch_pdf(client, url("authority_plan_pdf", authority, plan_id=plan.pk))
    assert org.name in _pdf_text(pdf_bytes(pdf))
    response = client.post(url("authority_deadline", authority), {"approve_by": "2026-12-01"})
    assert response.status_code == 302
    assert "1 Dec 2026" in client.get(url("authority", authority)).content.decode()


def test_authority_filters_pick_the_rows_the_dashboard_shows_them_as(org, other_org, client, sign_in):
    """The FilterSet narrows in SQL; each filter value keeps exactly the rows whose computed RAG,
    phase and approval (``dashboard.SchoolLine``) read that value, and no-plan schools count."""
    authority = _authority_with_schools(18)  # scores 0 to 17: red, amber and green
    OrganisationFactory(parent=authority)  # a school with no plan
    sign_in(member(authority, Role.LA_OFFICER))
    lines = client.get(url("authority", authority)).context["lines"]  # all 19 on the first page
    shown = {}
    for name, values in (("rag", ["red", "amber", "green", "none"]), ("phase", Phase.values),
                         ("status", [value for value, _ in STATUSES])):
        for value in values:
            rows = client.get(url("authority", authority) + f"?{name}={value}").context["lines"]
            shown[name, value] = {line.org_id for line in rows}
    for line in lines:
        assert line.org_id in shown["rag", line.rag or "none"]
        assert line.org_id in shown["status", line.status.lower().replace(" ", "_")]
        if line.plan_id:
            assert line.org_id in shown["phase", line.phase_value]
    for name in ("rag", "phase", "status"):
        assert sum(len(ids) for (n, _v), ids in shown.items() if n == name) == (
            len(lines) if name != "phase" else sum(1 for line in lines if line.plan_id))
    assert {len(shown["rag", rag]) > 0 for rag in ("red", "amber", "green", "none")} == {True}
    bogus = client.get(url("authority", authority) + "?rag=purple&sort=nope")
    assert bogus.status_code == 200 and len(bogus.context["lines"]) == len(lines)
    assert "Select RAG this year from the list" in bogus.content.decode()  # the field named, GOV.UK style


def _count(client, path):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_authority_dashboard_queries_do_not_grow_with_schools(org, other_org, client, sign_in):
    small = _authority_with_schools(3)
    large = _authority_with_schools(15)
    sign_in(member(small, Role.LA_OFFICER))
    client.get(url("authority", small))  # the session's first-request writes
    n_small = _count(client, url("authority", small))
    csv_small = _count(client, url("authority_csv", small))
    sign_in(member(large, Role.LA_OFFICER))
    client.get(url("authority", large))
    assert _count(client, url("authority", large)) == n_small
    assert _count(client, url("authority_csv", large)) == csv_small
    assert n_small <= 20


def test_authority_dashboard_shows_its_schools_a_page_at_a_time_in_the_chosen_order(org, other_org, client, sign_in):
    authority = _authority_with_schools(27)
    sign_in(member(authority, Role.LA_OFFICER))
    csv = client.get(url("authority_csv", authority) + "?sort=score").content.decode()
    by_score = [row.split(",")[0] for row in csv.splitlines()[1:]]  # every row, in the same order
    first = client.get(url("authority", authority) + "?sort=score")
    second = client.get(url("authority", authority) + "?sort=score&page=2")
    assert [line.name for line in first.context["lines"]] == by_score[:25]
    assert [line.name for line in second.context["lines"]] == by_score[25:]
    scores = [line.score for line in first.context["lines"] + second.context["lines"]]
    assert scores == sorted(scores, reverse=True) and len(scores) == 27
    body = first.content.decode()
    assert "27 shown of 27" in body and "Page 1 of 2" in body and "sort=score&amp;page=2" in body


def test_plan_and_section_queries_do_not_grow_with_evidence(org, other_org, client, sign_in,
                                                            django_assert_max_num_queries):
    person = lead(org)
    plan = make_plan(org, phase=Phase.MONITORING, by=person)
    rows = list(plan.rows.select_related("template_row"))
    section_id = rows[0].template_row.section_id
    sign_in(person)

    def add(n):
        for row in rows:
            for i in range(n):
                row.evidence.create(organisation=org, text=f"Evidence {i}", added_by=person)

    add(1)
    client.get(url("plan", org, plan_id=plan.pk))  # the session's first-request writes
    counts = [_count(client, url(name, org, plan_id=plan.pk, **extra)) for name, extra in (
        ("plan", {}), ("section", {"section_id": section_id}), ("checklist", {}))]
    add(4)
    tick(plan, 12)
    again = [_count(client, url(name, org, plan_id=plan.pk, **extra)) for name, extra in (
        ("plan", {}), ("section", {"section_id": section_id}), ("checklist", {}))]
    assert again == counts
    with django_assert_max_num_queries(25):
        client.get(url("section", org, plan_id=plan.pk, section_id=section_id))


def test_authority_adapts_the_kent_template_for_its_schools(org, other_org, client, sign_in):
    authority = OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY, slug="shire")
    org.parent = authority
    org.save()
    officer = member(authority, Role.LA_OFFICER)
    sign_in(officer)
    kent = kent_template()
    response = client.post(url("template_copy", authority, template_id=kent.pk))
    copy = PlanTemplate.objects.get(owner=authority)
    assert response["Location"] == url("template", authority, template_id=copy.pk)
    section = copy.sections.get(title="Resources")
    client.post(url("template_section", authority, template_id=copy.pk, section_id=section.pk), {
        "title": "Resources", "rows": "Labour Market Information\nCareers library",
        "evidence_indicators": "There is adequate allocation of time"})
    assert [r.label for r in section.rows.all()] == ["Labour Market Information",
                                                     "Careers library"]
    client.post(url("template_checklist", authority, template_id=copy.pk), {
        "items": "\n".join(f"Item {i}" for i in range(1, 11)), "rag_red_max": "4",
        "rag_amber_max": "7"})
    # The authority's draft is its own until it publishes it.
    school_lead = lead(org)
    sign_in(school_lead)
    assert client.get(url("template", org, template_id=copy.pk)).status_code == 404
    assert "Careers library" not in client.get(url("templates", org)).content.decode()
    sign_in(officer)
    client.post(url("template_publish", authority, template_id=copy.pk))
    copy.refresh_from_db()
    assert copy.is_published and copy.rag_for(8) == "green"
    sign_in(school_lead)
    assert client.get(url("template", org, template_id=copy.pk)).status_code == 200
    sign_in(officer)
    # Published: frozen.
    bad = client.post(url("template_checklist", authority, template_id=copy.pk), {
        "items": "x", "rag_red_max": "1", "rag_amber_max": "2"})
    assert bad.status_code == 200 and "copy a published one" in bad.content.decode()
    # The school's new plan uses its authority's template; another authority cannot see it.
    plan = make_plan(org, by=school_lead)
    assert plan.template == copy
    other_officer = member(other_org, Role.LA_OFFICER)
    sign_in(other_officer)
    assert client.get(url("template", other_org, template_id=copy.pk)).status_code == 404


def test_ilp_self_assessment_pages(org, other_org, client, sign_in):
    person = lead(org)
    make_plan(org, by=person)
    sign_in(person)
    response = client.post(url("ilp", org))
    assessment_url = response["Location"]
    page = client.get(assessment_url).content.decode()
    assert "Identification of needs" in page and "This is a priority for development" in page
    from careersplan.models import TemplateRow

    row = TemplateRow.objects.get(section__template__kind="ilp_checklist",
                                  label="Each learner has an ILP")
    client.post(assessment_url, {f"s{row.pk}": "priority"})
    page = client.get(assessment_url).content.decode()
    assert "1 of 40 statements answered" in page
    assert page.index("Priorities for development") < page.index("Each learner has an ILP")


def test_section_queries_do_not_grow_with_rows(org, other_org, client, sign_in):
    """An authority's adapted template with N and 5×N rows in a section: same query count."""
    authority = OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY)
    officer = member(authority, Role.LA_OFFICER)
    counts = []
    for n, school in ((3, org), (15, other_org)):
        copy = services.template_copy(authority=authority, template=kent_template(), by=officer)
        section = copy.sections.get(title="Resources")
        services.template_section_update(
            authority=authority, section=section, title="Resources", evidence_indicators="",
            row_labels=[f"Resource {i}" for i in range(n)], by=officer)
        person = lead(school)
        plan = make_plan(school, phase=Phase.MONITORING, by=person, template=copy)
        for row in plan.rows.filter(template_row__section=section):
            row.evidence.create(organisation=school, text="Seen", added_by=person)
        sign_in(person)
        path = url("section", school, plan_id=plan.pk, section_id=section.pk)
        client.get(path)
        counts.append(_count(client, path))
        assert f"0 of {n} rows planned" in client.get(path).content.decode()
    assert counts[0] == counts[1]


def test_consultant_without_membership_reviews_outside_any_organisation(org, other_org, client,
                                                                        sign_in):
    _person, plan, grant = consultant_review(org, email="cleo@consultancy.test", expires_on=datetime.date(2027, 3, 31),
                                             today=datetime.date(2026, 11, 2))
    sign_in(grant.reviewer)
    review = reverse("careersplan_review:plan", kwargs={"plan_id": plan.pk})
    page = client.get(review)
    assert page.status_code == 200 and org.name in page.content.decode()
    # The organisation's own pages stay closed to them.
    assert client.get(url("plan", org, plan_id=plan.pk)).status_code == 404


def test_authority_sees_schools_late_for_the_approval_deadline(org, other_org, client, sign_in):
    authority = OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY, slug="shire")
    org.parent = authority
    org.save()
    on_time = OrganisationFactory(name="Prompt School", slug="prompt", parent=authority)
    make_plan(org, year=2026)
    prompt_plan = make_plan(on_time, year=2026)
    services.approval_record(org=on_time, plan=prompt_plan, by=lead(on_time), approved_on=datetime.date(2026, 9, 20),
                             minute_reference="GB 12")
    officer = member(authority, Role.LA_OFFICER)
    sign_in(officer)
    # Before a deadline has passed nobody is late.
    assert "Late for the approval deadline" in client.get(url("authority", authority)).content.decode()
    assert org.name not in client.get(url("authority", authority) + "?status=late").content.decode()
    services.approval_deadline_set(authority=authority, academic_year=2026, approve_by=datetime.date(2026, 10, 1),
                                   by=officer)
    late = client.get(url("authority", authority) + "?status=late").content.decode()
    assert org.name in late and "govuk-tag--red\">Late" in late and on_time.name not in late
