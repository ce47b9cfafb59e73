"""Issue 12: a careers service sees a school's learners only after the school has accepted its
proposal; changes after acceptance are new proposals; either side ends a partnership early with
a reason, a confirmation page and an effective date; the other side is told; every step audited.
And the school's page of everyone who can see its learners' data."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from careersplan import services as careersplan_services
from careersplan.tests.factories import make_plan
from guidance import selectors, services
from guidance.models import Partnership
from guidance.tests.factories import careers_service, current_year, learner, partnership, proposal, referral
from learners.services import plan_share_grant
from plp_portal.audit.models import AuditEvent
from plp_portal.notifications.models import Notification, OutboundEmail
from plp_portal.organisations.choices import OrganisationKind, Role
from plp_portal.organisations.models import Membership
from tests.factories import OrganisationFactory, UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(db):
    return careers_service(name="Demoshire Careers", slug="careers")


@pytest.fixture
def adviser(service):
    return member(service, Role.CAREERS_ADVISER, full_name="Ada Adviser")


@pytest.fixture
def head(org):
    return member(org, Role.ORG_ADMIN, full_name="Hana Head")


def service_url(service, name, **kw):
    return reverse(f"guidance:{name}", kwargs={"org_slug": service.slug, **kw})


def school_url(school, name, **kw):
    return reverse(f"guidance:{name}", kwargs={"org_slug": school.slug, **kw})


def adviser_pages(service, profile, ref):
    return [service_url(service, "referral_detail", referral_id=ref.pk),
            service_url(service, "learner_detail", profile_id=profile.pk)]


def test_a_proposal_shows_nothing_until_the_school_accepts_it(service, org, adviser, head, client, sign_in):
    profile = learner(org)
    ref = referral(profile)
    sign_in(adviser)
    response = client.post(service_url(service, "partnership_new"), {
        "school": org.pk, "academic_year": current_year(), "advisers": [adviser.pk],
        "referral_process": "Refer through PLP Portal.", "clinic_sessions": "Tuesdays"})
    assert response.status_code == 302
    proposed = Partnership.objects.for_org(service).get(school=org)
    assert proposed.status == Partnership.Status.PROPOSED
    # Nothing of the school before acceptance: not in the queue, 404 on its pages.
    assert selectors.partner_school_ids(org=service) == []
    queue = client.get(service_url(service, "index") + "?status=").content.decode()
    assert profile.user.full_name not in queue
    for page in adviser_pages(service, profile, ref):
        assert client.get(page).status_code == 404, page
    # The school's admin is told, sees the named adviser and exactly what the service would see.
    assert Notification.objects.for_org(org).filter(user=head, kind="guidance.partnership").exists()
    assert OutboundEmail.objects.filter(to=head.email, subject__contains="proposes").exists()
    sign_in(head)
    page = client.get(school_url(org, "agreement_detail", agreement_id=proposed.pk))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Ada Adviser" in body and "Careers guidance referrals about your learners" in body
    assert "Refer through PLP Portal." in body
    # Submitted without a decision: the form says what to do, nothing changes.
    refused = client.post(school_url(org, "agreement_detail", agreement_id=proposed.pk), {"note": "?"})
    assert refused.status_code == 200 and "Choose whether you accept or decline" in refused.content.decode()
    proposed.refresh_from_db()
    assert proposed.status == Partnership.Status.PROPOSED
    # Accepted: now the adviser sees the school's referral.
    response = client.post(school_url(org, "agreement_detail", agreement_id=proposed.pk),
                           {"decision": "accept", "note": "Agreed by the head."})
    assert response.status_code == 302
    proposed.refresh_from_db()
    assert proposed.status == Partnership.Status.ACCEPTED and proposed.decided_by == head
    assert AuditEvent.objects.filter(action="guidance.partnership.accepted", object_id=str(proposed.pk),
                                     organisation=org, actor=head).exists()
    assert Notification.objects.for_org(service).filter(user=adviser, kind="guidance.partnership").exists()
    sign_in(adviser)
    for page in adviser_pages(service, profile, ref):
        assert client.get(page).status_code == 200, page


def test_a_declined_proposal_grants_nothing_and_the_service_is_told(service, org, adviser, head):
    profile = learner(org)
    p = proposal(service, org, advisers=[adviser])
    services.partnership_decide(school=org, partnership=p, by=head, accept=False, note="We have a provider.")
    p.refresh_from_db()
    assert p.status == Partnership.Status.DECLINED
    assert selectors.partner_school_ids(org=service) == []
    assert profile.organisation_id not in selectors.guidance_scope(
        org=service, membership=Membership.objects.for_org(service).get(user=adviser)).org_ids
    assert AuditEvent.objects.filter(action="guidance.partnership.declined", object_id=str(p.pk)).exists()
    assert OutboundEmail.objects.filter(to=adviser.email, subject__contains="declined").exists()


def test_only_the_schools_org_admin_decides(service, org, other_org, sign_in):
    p = proposal(service, org)
    lead = member(org, Role.CAREERS_LEAD)
    page = sign_in(lead).get(school_url(org, "agreement_detail", agreement_id=p.pk))
    assert page.status_code == 200 and "Your organisation admin accepts or declines" in page.content.decode()
    assert sign_in(lead).post(school_url(org, "agreement_detail", agreement_id=p.pk),
                              {"decision": "accept"}).status_code == 403
    assert sign_in(member(org, Role.KEY_WORKER)).get(school_url(org, "agreement_list")).status_code == 403
    # Another school's admin cannot reach it at all; nor can the service accept its own proposal.
    assert sign_in(member(other_org, Role.ORG_ADMIN)).get(
        school_url(other_org, "agreement_detail", agreement_id=p.pk)).status_code == 404
    assert sign_in(member(service, Role.ORG_ADMIN)).get(school_url(service, "agreement_list")).status_code == 403
    with pytest.raises(ValueError):
        services.partnership_decide(school=other_org, partnership=p, by=member(other_org, Role.ORG_ADMIN),
                                    accept=True)
    p.refresh_from_db()
    assert p.status == Partnership.Status.PROPOSED


def test_a_change_after_acceptance_is_a_new_proposal_the_old_one_in_force_until_accepted(
        service, org, adviser, head, client, sign_in):
    other_adviser = member(service, Role.CAREERS_ADVISER, full_name="Bea Adviser")
    accepted = partnership(service, org, advisers=[adviser], referral_process="Old process", accepted_by=head)
    sign_in(adviser)
    response = client.post(service_url(service, "partnership_detail", partnership_id=accepted.pk), {
        "advisers": [other_adviser.pk], "referral_process": "New process", "clinic_sessions": ""})
    assert response.status_code == 302
    change = Partnership.objects.for_org(service).get(replaces=accepted)
    accepted.refresh_from_db()
    assert change.status == Partnership.Status.PROPOSED
    assert accepted.status == Partnership.Status.ACCEPTED and accepted.referral_process == "Old process"
    assert list(accepted.advisers.values_list("adviser_id", flat=True)) == [adviser.pk]
    assert selectors.partner_school_ids(org=service) == [org.pk]  # still in force
    # The school sees the change with the advisers it would name, and accepts it.
    body = sign_in(head).get(school_url(org, "agreement_detail", agreement_id=change.pk)).content.decode()
    assert "Bea Adviser" in body and "stays in force until you accept this change" in body
    client.post(school_url(org, "agreement_detail", agreement_id=change.pk), {"decision": "accept"})
    accepted.refresh_from_db()
    change.refresh_from_db()
    assert accepted.status == Partnership.Status.REPLACED and change.status == Partnership.Status.ACCEPTED
    assert selectors.partner_school_ids(org=service) == [org.pk]
    assert AuditEvent.objects.filter(action="guidance.partnership.change_proposed", object_id=str(change.pk)).exists()


def test_the_school_ends_a_partnership_on_a_confirmation_page(service, org, adviser, head, client, sign_in):
    p = partnership(service, org, advisers=[adviser], accepted_by=head)
    profile = learner(org)
    ref = referral(profile)
    sign_in(head)
    end_url = school_url(org, "agreement_end", agreement_id=p.pk)
    page = client.get(end_url)
    assert page.status_code == 200 and "End the partnership with Demoshire Careers" in page.content.decode()
    refused = client.post(end_url, {"reason": "", "effective_on": timezone.localdate().isoformat()})
    assert refused.status_code == 200 and "Write why the partnership is ending" in refused.content.decode()
    too_late = client.post(end_url, {"reason": "x", "effective_on": (p.ends_on + datetime.timedelta(days=1)).isoformat()})
    assert too_late.status_code == 200 and "Date the partnership ends must be on or before" in too_late.content.decode()
    p.refresh_from_db()
    assert p.status == Partnership.Status.ACCEPTED
    response = client.post(end_url, {"reason": "We are changing provider.",
                                      "effective_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.status == Partnership.Status.ENDED and p.ended_by_org == org and p.ended_by == head
    assert AuditEvent.objects.filter(action="guidance.partnership.ended", object_id=str(p.pk), organisation=org,
                                     data__reason="We are changing provider.").exists()
    assert OutboundEmail.objects.filter(to=adviser.email, subject__contains="ending").exists()
    sign_in(adviser)
    for page in adviser_pages(service, profile, ref):
        assert client.get(page).status_code == 404, page


def test_an_end_in_the_future_keeps_the_partnership_until_that_day(service, org, adviser, sign_in):
    p = partnership(service, org, advisers=[adviser])
    today = timezone.localdate()
    effective = min(today + datetime.timedelta(days=7), p.ends_on)
    services.partnership_end(org=service, partnership=p, by=adviser, reason="Contract ends.", effective_on=effective)
    if effective > today:
        assert selectors.partner_school_ids(org=service) == [org.pk]
    assert selectors.partner_school_ids(org=service, today=effective) == []
    with time_machine.travel(datetime.datetime.combine(effective, datetime.time(12)), tick=False):
        assert selectors.partner_school_ids(org=service) == []


def test_the_service_ends_through_its_confirmation_page_and_the_school_is_told(service, org, adviser, head,
                                                                             client, sign_in):
    p = partnership(service, org, advisers=[adviser], accepted_by=head)
    sign_in(adviser)
    url = service_url(service, "partnership_end", partnership_id=p.pk)
    assert client.get(url).status_code == 200
    client.post(url, {"reason": "Adviser capacity.", "effective_on": timezone.localdate().isoformat()})
    p.refresh_from_db()
    assert p.status == Partnership.Status.ENDED and p.ended_by_org == service
    assert Notification.objects.for_org(org).filter(user=head, kind="guidance.partnership",
                                                    title__contains="ending").exists()
    # Ended: nothing more to end.
    with pytest.raises(services.PartnershipRefused):
        services.partnership_end(org=org, partnership=p, by=head, reason="x", effective_on=timezone.localdate())


def test_the_school_sees_everyone_who_can_see_its_learners_data(service, org, adviser, head, sign_in):
    authority = OrganisationFactory(name="Demoshire Council", kind=OrganisationKind.LOCAL_AUTHORITY)
    org.parent = authority
    org.save()
    p = partnership(service, org, advisers=[adviser], accepted_by=head)
    other_service = careers_service(name="Elsewhere Careers")
    proposal(other_service, org)  # a proposal grants nothing: not listed
    profile = learner(org)
    parent = UserFactory(full_name="Pat Parent")
    plan = profile.plans.get()
    plan_share_grant(org=org, plan=plan, grantee=parent, relationship="parent_carer", by=head)
    lead = member(org, Role.CAREERS_LEAD)
    careers_plan = make_plan(org, by=lead)
    careersplan_services.reviewer_grant(
        org=org, plan=careers_plan, email="rev@peer.test", full_name="Rory Reviewer", kind="consultant",
        expires_on=timezone.localdate() + datetime.timedelta(days=30), by=lead, today=timezone.localdate())
    page = sign_in(head).get(reverse("organisations:access", kwargs={"org_slug": org.slug}))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Demoshire Council" in body and "Counts and percentages only" in body
    assert "Demoshire Careers" in body and "Ada Adviser" in body and p.ends_on.strftime("%-d %b %Y") in body
    assert "Elsewhere Careers" not in body
    assert "Pat Parent" in body and "Rory Reviewer" in body
    assert reverse("guidance:agreement_end", kwargs={"org_slug": org.slug, "agreement_id": p.pk}) in body
    # The learner is 16: they, not the school, decide who sees their plan.
    assert reverse("learners:share_revoke", kwargs={"org_slug": org.slug,
                                                    "share_id": plan.shares.get().pk}) not in body
    assert "The learner decides who sees their plan" in body
    assert sign_in(member(org, Role.KEY_WORKER)).get(
        reverse("organisations:access", kwargs={"org_slug": org.slug})).status_code == 403


def test_a_proposal_reads_nothing_of_the_school_its_objectives_follow_the_school_on_acceptance(service, org, head):
    from guidance.objectives import PARTNERSHIP_GROUPS
    from learners.choices import TargetGroup

    learner(org, target_group=TargetGroup.YEAR_9)
    p = proposal(service, org)
    assert set(p.objectives.values_list("target_group", flat=True)) == set(PARTNERSHIP_GROUPS)
    services.partnership_decide(school=org, partnership=p, by=head, accept=True)
    assert set(p.objectives.values_list("target_group", flat=True)) == {TargetGroup.YEAR_9}


def _share_plans(org, head, n):
    for _ in range(n):
        plan_share_grant(org=org, plan=learner(org).plans.get(), grantee=UserFactory(),
                         relationship="parent_carer", by=head)


def test_who_sees_our_data_is_paginated_and_its_queries_do_not_grow_with_the_grants(
        org, other_org, head, sign_in):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = sign_in(head)
    url = reverse("organisations:access", kwargs={"org_slug": org.slug})
    _share_plans(org, head, 3)
    client.get(url)  # the session's first page writes what later ones do not
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _share_plans(org, head, 55)
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).content.decode()
    assert len(many) == len(few), "\n".join(q["sql"][:150] for q in many.captured_queries)
    assert "58 grants" in body and "Page 1 of 2" in body
    assert client.get(url + "?page=2").content.decode().count("(parent or carer)") == 8
