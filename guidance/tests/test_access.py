"""Partnership-scoped access (DESIGN.md tenancy rule 1): an adviser sees a school's referrals,
tiers and guidance records only while a current partnership names their service."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from guidance import selectors, services
from guidance.tests.factories import careers_service, current_year, learner, partnership, referral
from plp_portal.organisations.choices import Role
from tests.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(db):
    return careers_service(name="Demoshire Careers", slug="careers")


def _urls(service, profile, ref):
    slug = service.slug
    return [
        reverse("guidance:referral_detail", kwargs={"org_slug": slug, "referral_id": ref.pk}),
        reverse("guidance:learner_detail", kwargs={"org_slug": slug, "profile_id": profile.pk}),
        reverse("guidance:tier_change", kwargs={"org_slug": slug, "profile_id": profile.pk}),
        reverse("guidance:interview_new", kwargs={"org_slug": slug, "profile_id": profile.pk}),
    ]


def test_adviser_with_current_partnership_sees_the_schools_referrals(service, org, other_org, sign_in):
    adviser = member(service, Role.CAREERS_ADVISER)
    partnership(service, org, advisers=[adviser])
    profile = learner(org)
    ref = referral(profile)
    client = sign_in(adviser)
    response = client.get(reverse("guidance:index", kwargs={"org_slug": service.slug}))
    assert response.status_code == 200
    assert profile.user.full_name in response.content.decode()
    for url in _urls(service, profile, ref):
        assert client.get(url).status_code == 200, url


def test_adviser_without_current_partnership_sees_nothing(service, org, other_org, sign_in):
    adviser = member(service, Role.CAREERS_ADVISER)
    partnership(service, org, academic_year=current_year() - 1)  # last year's: expired
    ended = partnership(service, other_org)
    services.partnership_end(org=service, partnership=ended, by=adviser, reason="The school closed its sixth form.",
                             effective_on=timezone.localdate())
    profile, other = learner(org), learner(other_org)
    refs = [referral(profile), referral(other)]
    client = sign_in(adviser)
    page = client.get(reverse("guidance:index", kwargs={"org_slug": service.slug}) + "?status=")
    assert page.status_code == 200
    body = page.content.decode()
    assert profile.user.full_name not in body and other.user.full_name not in body
    for p, ref in ((profile, refs[0]), (other, refs[1])):
        for url in _urls(service, p, ref):
            assert client.get(url).status_code == 404, url
    assert selectors.partner_school_ids(org=service) == []


def test_partnership_stops_granting_when_the_year_ends(service, org):
    p = partnership(service, org)
    assert selectors.partner_school_ids(org=service) == [org.pk]
    with time_machine.travel(datetime.datetime.combine(p.ends_on + datetime.timedelta(days=1), datetime.time(12))):
        assert selectors.partner_school_ids(org=service) == []


def test_another_services_adviser_cannot_reach_a_partner_schools_rows(service, org, other_org, sign_in):
    partnership(service, org)
    rival = careers_service(slug="rival")
    adviser = member(rival, Role.CAREERS_ADVISER)
    profile = learner(org)
    ref = referral(profile)
    client = sign_in(adviser)
    for url in _urls(rival, profile, ref):
        assert client.get(url).status_code == 404, url


def test_services_refuse_work_without_a_current_partnership(service, org, other_org):
    adviser = member(service, Role.CAREERS_ADVISER)
    profile = learner(org)
    with pytest.raises(PermissionError):
        services.tier_set(profile=profile, to_tier="core", reasons=[], by=adviser, org=service)
    with pytest.raises(PermissionError):
        services.interview_record(profile=profile, org=service, adviser=adviser, kind="individual",
                                  held_on=datetime.date(2026, 10, 1), summary="x")


def test_key_worker_sees_only_their_learners_referrals(org, other_org, sign_in):
    kw, other_kw = member(org, Role.KEY_WORKER), member(org, Role.KEY_WORKER)
    mine, theirs = learner(org, key_worker=kw), learner(org, key_worker=other_kw)
    ref_mine, ref_theirs = referral(mine, by=kw), referral(theirs, by=other_kw)
    client = sign_in(kw)
    assert client.get(reverse("guidance:referral_detail", kwargs={"org_slug": org.slug, "referral_id": ref_mine.pk})).status_code == 200
    assert client.get(reverse("guidance:referral_detail", kwargs={"org_slug": org.slug, "referral_id": ref_theirs.pk})).status_code == 404


def test_school_side_cannot_triage(org, other_org, sign_in):
    lead = member(org, Role.CAREERS_LEAD)
    ref = referral(learner(org))
    client = sign_in(lead)
    url = reverse("guidance:referral_triage", kwargs={"org_slug": org.slug, "referral_id": ref.pk})
    assert client.post(url, {"decision": "keep_in_core", "note": "x"}).status_code == 403


def test_learner_role_cannot_use_staff_pages(org, other_org, sign_in):
    client = sign_in(member(org, Role.LEARNER))
    assert client.get(reverse("guidance:index", kwargs={"org_slug": org.slug})).status_code == 403
