"""The adviser's long lists a page at a time (issue 19): the guidance learner list in keyset pages
(plain Next/Previous links, every learner once, in name order, a deep page at the cost of the
first) and the partnerships in pages of 25."""

import datetime
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guidance import selectors, services
from guidance.tests.factories import current_year, learner, partnership, proposal
from plp_portal import clock
from plp_portal.clock import academic_year_dates
from plp_portal.organisations.choices import Role
from tests.factories import OrganisationFactory, member

pytestmark = pytest.mark.django_db


def _link(body, rel):
    found = re.search(rf'href="(\?[^"]*)" rel="{rel}"', body)
    return html.unescape(found.group(1)) if found else None


def _names(response):
    return [p["profile_id"] if isinstance(p, dict) else p.pk for p in response.context["page"].object_list]


def test_guidance_learner_list_pages_through_every_learner_once_in_name_order(service, org, other_org, sign_in):
    adviser = member(service, Role.CAREERS_ADVISER)
    partnership(service, org)
    second = OrganisationFactory()
    partnership(service, second)
    profiles = [learner(org if i % 2 else second, with_plan=False) for i in range(56)]
    for i, profile in enumerate(profiles):  # names that tie across schools: ordered by name, then id
        profile.user.full_name = f"Learner {i % 20:02d}"
        profile.user.save()
    learner(other_org, with_plan=False)  # not a partner school: never listed
    scope = selectors.GuidanceScope(org=service, side="service", org_ids=(org.pk, second.pk), user_id=adviser.pk)
    expected = [p.pk for p in sorted(profiles, key=lambda p: (p.user.full_name, p.user_id, p.pk))]
    assert [p.pk for p in selectors.learner_search(scope=scope)] == expected

    client = sign_in(adviser)
    url = reverse("guidance:learner_list", kwargs={"org_slug": service.slug})
    seen, link, counts, bodies = [], "", [], []
    while link is not None:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url + link)
        counts.append(len(ctx.captured_queries))
        body = response.content.decode()
        bodies.append(body)
        seen += _names(response)
        link = _link(body, "next")
    assert seen == expected
    assert len(counts) == 3 and counts[1] == counts[2]  # the third page costs what the second does
    back = client.get(url + _link(bodies[2], "prev"))
    assert _names(back) == expected[25:50]
    searched = client.get(url + "?tier=core")
    assert "tier=core" in _link(searched.content.decode(), "next")  # the filters are kept
    assert _names(client.get(url + "?cursor=edited-by-hand")) == expected[:25]


def test_partnerships_are_listed_a_page_at_a_time(service, sign_in):
    admin = member(service, Role.ORG_ADMIN)
    schools = [OrganisationFactory() for _ in range(27)]
    for school in schools:
        partnership(service, school)
    client = sign_in(admin)
    url = reverse("guidance:partnership_list", kwargs={"org_slug": service.slug})
    first = client.get(url)
    second = client.get(url + "?page=2")
    shown = [p.pk for p in first.context["page"].object_list] + [p.pk for p in second.context["page"].object_list]
    assert len(first.context["page"].object_list) == 25 and len(shown) == len(set(shown)) == 27
    assert "Page 1 of 2" in first.content.decode()
    assert first.content.decode().count("govuk-tag--green") == 25  # every one accepted and current


def _rows(body):
    """Each table body row of a page as the text of its cells."""
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            for row in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', body, re.S)]
    return [[re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", cell))).strip() for cell in cells]
            for cells in rows if cells]


def test_partnerships_list_shows_each_ones_school_year_advisers_and_status(service, sign_in):
    """Every state a partnership can be in reads as its status tag, on the service's list and on
    the school's; the named advisers by name."""
    admin, ann, bob = member(service, Role.ORG_ADMIN), member(service, Role.CAREERS_ADVISER), \
        member(service, Role.CAREERS_ADVISER)
    ann.full_name, bob.full_name = "Ann Adviser", "Bob Adviser"
    ann.save(), bob.save()
    today, year = clock.today(), current_year()
    schools = {name: OrganisationFactory(name=name) for name in (
        "A current", "B waiting", "C changed", "D declined", "E ending", "F ended", "G next year", "H last year")}
    partnership(service, schools["A current"], advisers=[ann, bob], by=admin)
    proposal(service, schools["B waiting"], advisers=[bob], by=admin)
    changed = partnership(service, schools["C changed"], by=admin)
    services.partnership_change(org=service, partnership=changed, by=admin, advisers=[ann], referral_process="",
                                clinic_sessions="")
    declined = proposal(service, schools["D declined"], by=admin)
    services.partnership_decide(school=schools["D declined"], partnership=declined, accept=False,
                                by=member(schools["D declined"], Role.ORG_ADMIN))
    ending_on = min(today + datetime.timedelta(days=10), academic_year_dates(year)[1])
    for name, effective_on in (("E ending", ending_on), ("F ended", today)):
        services.partnership_end(org=service, partnership=partnership(service, schools[name], by=admin),
                                 by=admin, reason="Funding", effective_on=effective_on)
    partnership(service, schools["G next year"], academic_year=year + 1, by=admin)
    partnership(service, schools["H last year"], academic_year=year - 1, by=admin)

    body = sign_in(admin).get(reverse("guidance:partnership_list", kwargs={"org_slug": service.slug})).content.decode()
    rows = {row[0].split(",")[0]: row[1:] for row in _rows(body)}
    label = f"{year}/{str(year + 1)[2:]}"
    assert rows["A current"] == [label, "Ann Adviser, Bob Adviser", "Current"]
    assert rows["B waiting"] == [label, "Bob Adviser", "Waiting for the school"]
    changed_rows = [r[1:] for r in _rows(body) if r[0].startswith("C changed")]
    assert sorted(changed_rows) == [[label, "Ann Adviser", "Change waiting for the school"], [label, "None", "Current"]]
    assert rows["D declined"] == [label, "None", "Declined"]
    assert rows["E ending"] == [label, "None", f"Current ends {ending_on:%-d %b %Y}"]
    assert rows["F ended"] == [label, "None", "Ended"]
    assert rows["G next year"][-1] == "Accepted, not started"
    assert rows["H last year"][-1] == "Expired"
    # Each school's name links to its partnership's page.
    from guidance.models import Partnership

    links = dict(re.findall(r'<a class="govuk-link" href="([^"]+)">([^<]+)<span', body))
    for agreement in Partnership.objects.for_org(service).select_related("school"):
        assert links[reverse("guidance:partnership_detail", kwargs={
            "org_slug": service.slug, "partnership_id": agreement.pk})] == agreement.school.name
    school_side = sign_in(member(schools["E ending"], Role.ORG_ADMIN)).get(
        reverse("guidance:agreement_list", kwargs={"org_slug": schools["E ending"].slug})).content.decode()
    assert [row[1:] for row in _rows(school_side)] == [[label, "None", f"Current ends {ending_on:%-d %b %Y}"]]


def test_partnerships_page_costs_the_same_queries_for_2_rows_and_25(service, sign_in):
    admin, adviser, other = (member(service, role) for role in (Role.ORG_ADMIN, Role.CAREERS_ADVISER,
                                                                 Role.CAREERS_ADVISER))
    adviser.full_name = "Named Adviser"
    adviser.save()
    other.full_name = "Other <b>Adviser</b>"
    other.save()
    client = sign_in(admin)
    url = reverse("guidance:partnership_list", kwargs={"org_slug": service.slug})
    for _ in range(2):
        partnership(service, OrganisationFactory(), advisers=[adviser, other], by=admin)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url).context["page"].object_list) == 2
    for _ in range(25):
        partnership(service, OrganisationFactory(), advisers=[adviser], by=admin)
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)
    assert body.count('<td class="govuk-table__cell">Named Adviser') == 25
    # Names are text: the two first agreements name both advisers, escaped.
    assert body.count("Named Adviser, Other &lt;b&gt;Adviser&lt;/b&gt;</td>") == 2 and "<b>Adviser" not in body


def test_neet_list_pages_through_every_learner_to_follow_up_once(service, org, other_org, sign_in):
    """Oldest leavers first, then by name (ties in the day they left), learners with an unsettled
    destination who have not left last; every one once across the keyset pages."""
    import datetime

    from guidance import services

    adviser = member(service, Role.CAREERS_ADVISER)
    partnership(service, org)
    followed = []
    for i in range(30):
        profile = learner(org, with_plan=False)
        profile.user.full_name = f"Leaver {i % 7}"
        profile.user.save()
        if i % 10:  # one in ten has not left: last on the list
            services.leaver_record(profile=profile, left_on=datetime.date(2026, 7, 20 + i % 3), by=adviser, org=service)
        if i % 3 == 0:
            services.destination_record(profile=profile, by=adviser, kind="actual", category="neet",
                                        recorded_on=datetime.date(2026, 9, 1), org=service)
        if i % 10 or i % 3 == 0:
            followed.append(profile)
    settled = learner(org, with_plan=False)
    services.leaver_record(profile=settled, left_on=datetime.date(2026, 7, 20), by=adviser, org=service)
    services.destination_record(profile=settled, by=adviser, kind="actual", category="apprenticeship",
                                recorded_on=datetime.date(2026, 9, 1), org=service)
    from guidance.models import LearnerGuidance

    left_on = dict(LearnerGuidance.objects.for_org(org).values_list("profile_id", "left_on"))
    expected = [p.pk for p in sorted(followed, key=lambda p: (left_on.get(p.pk) or datetime.date.max,
                                                             p.user.full_name, p.pk))]
    assert len(expected) > 25
    client = sign_in(adviser)
    url = reverse("guidance:neet_list", kwargs={"org_slug": service.slug})
    first = client.get(url)
    second = client.get(url + _link(first.content.decode(), "next"))
    assert _names(first) + _names(second) == expected
    assert _link(second.content.decode(), "next") is None
    assert _names(client.get(url + _link(second.content.decode(), "prev"))) == expected[:25]
