"""The published careers programme (seed 002, issue 15): the lead marks rows, previews and
publishes; the public page needs no sign-in, shows the snapshot of what was marked public when
published, and nothing else."""

import pytest
from django.test import Client
from django.urls import reverse

from careersplan.models import PlanRow, PublishedProgramme
from plp_portal.organisations.choices import Role
from tests.factories import member

from .factories import lead, make_plan, url

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("november_2026")]


def public_url(org):
    return reverse("careersplan_public:programme", kwargs={"programme_slug": org.slug})


def _rows(plan):
    rows = list(PlanRow.objects.for_org(plan.organisation).filter(plan=plan).order_by("pk")[:3])
    for n, row in enumerate(rows):
        row.planned = f"PLANNED-{n} careers fair" if n < 2 else "SECRET-PLANNED internal budget"
        row.actions_next_year = "SECRET-ACTION"
        row.save()
        row.evidence.create(organisation=plan.organisation, text="SECRET-EVIDENCE")
    return rows


def test_lead_publishes_after_a_preview_and_only_marked_rows_appear(org, other_org, client, sign_in):
    person = lead(org)
    plan = make_plan(org, year=2026, by=person)
    rows = _rows(plan)
    anonymous = Client()
    assert anonymous.get(public_url(org)).status_code == 404  # nothing published yet
    sign_in(person)
    form = {"rows": [str(rows[0].pk)], "careers_lead_name": "Lee Lead",
            "careers_lead_contact": "careers@northgate.example", "how_to_get_guidance": "Ask at the library",
            "next_review_on": "2027-04-01"}
    refused = client.post(url("programme", org), {**form, "next_review_on": "2020-01-01"})
    assert refused.status_code == 200 and "Date of the next review" in refused.content.decode()
    assert client.post(url("programme", org), form).status_code == 302
    preview = client.get(url("programme_preview", org)).content.decode()
    assert "PLANNED-0" in preview and "PLANNED-1" not in preview and "Publish this version" in preview
    assert anonymous.get(public_url(org)).status_code == 404  # saved is not published
    assert client.get(url("programme_publish", org)).status_code == 405
    assert client.post(url("programme_publish", org)).status_code == 302

    page = anonymous.get(public_url(org))
    assert page.status_code == 200
    html = page.content.decode()
    assert "PLANNED-0 careers fair" in html and "Lee Lead" in html and "careers@northgate.example" in html
    assert "Ask at the library" in html and "Last updated 2 November 2026" in html
    for secret in ("PLANNED-1", "SECRET-PLANNED", "SECRET-ACTION", "SECRET-EVIDENCE", person.email):
        assert secret not in html
    # Changes after publishing stay private until the lead publishes again.
    rows[0].planned = "CHANGED-AFTER careers fair"
    rows[0].save()
    client.post(url("programme", org), {**form, "rows": [str(rows[0].pk), str(rows[2].pk)]})
    html = anonymous.get(public_url(org)).content.decode()
    assert "CHANGED-AFTER" not in html and "SECRET-PLANNED" not in html and "PLANNED-0 careers fair" in html
    client.post(url("programme_publish", org))
    html = anonymous.get(public_url(org)).content.decode()
    assert "CHANGED-AFTER careers fair" in html and "SECRET-PLANNED internal budget" in html
    # Another school's slug shows nothing of this school's.
    assert anonymous.get(public_url(other_org)).status_code == 404
    # Taking it down asks first, then the address answers 404; the draft stays.
    assert "Take the page down" in client.get(url("programme_unpublish", org)).content.decode()
    assert anonymous.get(public_url(org)).status_code == 200
    assert client.post(url("programme_unpublish", org)).status_code == 302
    assert anonymous.get(public_url(org)).status_code == 404
    assert PublishedProgramme.objects.for_org(org).get().careers_lead_name == "Lee Lead"


def test_the_public_page_refuses_no_one_and_asks_no_sign_in(org, client, sign_in, settings):
    person = lead(org)
    plan = make_plan(org, year=2026, by=person)
    _rows(plan)
    programme = PublishedProgramme.objects.for_org(org).create(organisation=org, plan=plan,
                                                                careers_lead_name="Lee Lead")
    from careersplan import services

    services.programme_publish(org=org, programme=programme, by=person)
    # A signed-in staff member without MFA set up is not sent to set it up for a public page.
    settings.PLP_REQUIRE_STAFF_MFA = True
    sign_in(member(org, Role.KEY_WORKER))
    response = client.get(public_url(org))
    assert response.status_code == 200 and "Lee Lead" in response.content.decode()


def test_only_the_lead_prepares_the_programme(org, client, sign_in):
    make_plan(org, year=2026)
    for role in (Role.KEY_WORKER, Role.LEARNER, Role.ORG_ADMIN):
        sign_in(member(org, role))
        assert client.get(url("programme", org)).status_code == 403
        assert client.post(url("programme_publish", org)).status_code == 403
