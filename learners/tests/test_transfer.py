"""Record transfer with consent (issue 13; DESIGN.md tenancy rule 5): requested by the new
organisation or offered by the learner, consented / refused / withdrawn by the learner, audited
on both sides, listed on the sending school's "Who sees our data" page; afterwards the new
organisation reads the old plans through one selector with the audience rules honoured
(staff records only with consent, restricted never) and starts a plan from the old goal."""

import datetime

import pytest
from django.urls import reverse

from learners import selectors, services
from learners.choices import Audience, AuthorRole, TransferStatus
from learners.models import Plan, RecordTransfer, Target
from learners.tests.factories import LearnerProfileFactory, plan_for, target_for
from plp_portal.audit.models import AuditEvent
from plp_portal.notifications.models import Notification
from plp_portal.organisations.choices import Role
from plp_portal.tenancy import UnscopedQueryError
from tests.factories import MembershipFactory, OrganisationFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def college(db):
    return OrganisationFactory(name="Demoshire College", slug="college", kind="college")


@pytest.fixture
def world(org, college):
    """A pupil's plan at the school ``org`` with records of each audience; the same person
    enrolled at the college with a key worker there."""
    school_kw, lead = member(org, Role.KEY_WORKER), member(org, Role.CAREERS_LEAD)
    school_profile = LearnerProfileFactory(organisation=org)
    plan = plan_for(school_profile, by=school_kw)
    Plan.objects.for_org(org).filter(pk=plan.pk).update(long_term_goal="Become a chef")
    target_for(plan, title="Visit the college kitchen", due_on=datetime.date(2027, 3, 1))
    target_for(plan, title="Staff-only target", audience=Audience.STAFF)
    services.narrative_append(org=org, plan=plan, by=school_kw, author_role=AuthorRole.KEY_WORKER,
                              text="Review 1: good progress in food technology.")
    services.narrative_append(org=org, plan=plan, by=school_kw, author_role=AuthorRole.KEY_WORKER,
                              text="Staff note: needs encouragement.", audience=Audience.STAFF)
    services.narrative_append(org=org, plan=plan, by=school_kw, author_role=AuthorRole.KEY_WORKER,
                              text="Restricted: safeguarding detail.", audience=Audience.RESTRICTED,
                              restricted_roles=[Role.CAREERS_LEAD])
    learner = school_profile.user
    MembershipFactory(organisation=college, user=learner, role=Role.LEARNER)
    college_kw = member(college, Role.KEY_WORKER)
    college_profile = services.learner_profile_create(org=college, user=learner, target_group="post_16_full_time",
                                                      by=college_kw)
    services.learner_set_key_worker(org=college, learner=college_profile, user=college_kw, by=college_kw)
    college_profile.refresh_from_db()
    return {"plan": plan, "learner": learner, "school_kw": school_kw, "lead": lead,
            "college_profile": college_profile, "college_kw": college_kw}


def _previous(client, college, profile):
    return client.get(reverse("learners:previous_record", kwargs={"org_slug": college.slug,
                                                                  "profile_id": profile.pk}))


def test_requested_then_consented_the_college_reads_plan_records_only(org, other_org, college, world, sign_in):
    college_kw, profile, learner = world["college_kw"], world["college_profile"], world["learner"]
    client = sign_in(college_kw)
    assert "No previous records are shared" in _previous(client, college, profile).content.decode()
    response = client.post(reverse("learners:transfer_request", kwargs={"org_slug": college.slug,
                                                                        "profile_id": profile.pk}),
                           {"sending_org": org.pk})
    assert response.status_code == 302
    transfer = RecordTransfer.objects.for_org(org).get()
    assert transfer.status == TransferStatus.REQUESTED and transfer.receiving_organisation == college
    assert "No previous records are shared" in _previous(client, college, profile).content.decode()  # not yet

    me = sign_in(learner)
    page = me.get(reverse("me:transfer", kwargs={"transfer_id": transfer.pk})).content.decode()
    assert "What would be shared" in page and "Named roles only (never shared)" in page
    assert me.post(reverse("me:transfer", kwargs={"transfer_id": transfer.pk}),
                   {"decision": "consent"}).status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CONSENTED and transfer.profile.organisation == org

    body = _previous(sign_in(college_kw), college, profile).content.decode()
    assert "Become a chef" in body and "Review 1: good progress" in body and "Visit the college kitchen" in body
    assert "Staff note" not in body and "Staff-only target" not in body and "safeguarding" not in body
    for side in (org, college):
        assert AuditEvent.objects.filter(organisation=side, action="learners.transfer.consented").exists()
        assert AuditEvent.objects.filter(organisation=side, action="learners.transfer.read").exists()
    assert Notification.objects.for_org(org).filter(user=world["lead"], kind__startswith="learners.transfer").exists()
    rows = sign_in(member(org, Role.ORG_ADMIN)).get(reverse("organisations:access", kwargs={"org_slug": org.slug}))
    assert "Record transfer consented by the learner" in rows.content.decode()
    # The transfer gives no way into the school's own pages.
    plan_url = reverse("learners:plan", kwargs={"org_slug": org.slug, "learner_plan_id": world["plan"].pk})
    assert sign_in(college_kw).get(plan_url).status_code in (403, 404)


def test_staff_records_go_only_with_consent_restricted_never(org, other_org, college, world, sign_in):
    services.record_transfer_offer(learner=world["learner"], sending_profile=world["plan"].profile,
                                   receiving_org=college, include_staff_records=True)
    body = _previous(sign_in(world["college_kw"]), college, world["college_profile"]).content.decode()
    assert "Staff note: needs encouragement." in body and "Staff-only target" in body
    assert "safeguarding" not in body


def test_refused_and_withdrawn_consent_give_nothing(org, other_org, college, world, sign_in):
    transfer = services.record_transfer_request(org=college, profile=world["college_profile"], sending_org=org,
                                                by=world["college_kw"])
    with pytest.raises(PermissionError):
        services.record_transfer_consent(transfer=transfer, by=world["college_kw"], include_staff_records=False)
    services.record_transfer_refuse(transfer=transfer, by=world["learner"])
    assert RecordTransfer.objects.for_org(org).get().status == TransferStatus.REFUSED
    assert not selectors.transfer_grants(org=college, profile=world["college_profile"]).exists()
    assert AuditEvent.objects.filter(organisation=college, action="learners.transfer.refused").exists()

    me = sign_in(world["learner"])
    offer = {"from_org": str(org.pk), "to_org": college.pk}
    confirm = me.post(reverse("me:transfer_offer"), offer)
    assert "Share your record at" in confirm.content.decode()
    assert not selectors.transfer_grants(org=college, profile=world["college_profile"]).exists()  # not yet
    assert me.post(reverse("me:transfer_offer"), {**offer, "confirmed": "on"}).status_code == 302
    consented = RecordTransfer.objects.for_org(org).get(status=TransferStatus.CONSENTED)
    assert len(selectors.transferred_plans(org=college, profile=world["college_profile"],
                                           user=world["college_kw"])) == 1
    assert me.post(reverse("me:transfer_withdraw", kwargs={"transfer_id": consented.pk})).status_code == 302
    assert selectors.transferred_plans(org=college, profile=world["college_profile"], user=world["college_kw"]) == []
    assert AuditEvent.objects.filter(organisation=org, action="learners.transfer.withdrawn").exists()


def test_one_selector_fail_closed_and_other_organisations_see_nothing(org, other_org, college, world):
    services.record_transfer_offer(learner=world["learner"], sending_profile=world["plan"].profile,
                                   receiving_org=college, include_staff_records=False)
    with pytest.raises(UnscopedQueryError):
        list(selectors.transfer_grants(org=None, profile=world["college_profile"]))
    with pytest.raises(UnscopedQueryError):
        list(selectors.transfer_grants(org=other_org, profile=world["college_profile"]))
    stranger = LearnerProfileFactory(organisation=other_org)
    assert selectors.transferred_plans(org=other_org, profile=stranger, user=member(other_org, Role.ORG_ADMIN)) == []


def test_college_key_worker_starts_a_plan_from_the_old_goal(org, other_org, college, world, sign_in):
    services.record_transfer_offer(learner=world["learner"], sending_profile=world["plan"].profile,
                                   receiving_org=college, include_staff_records=False)
    client = sign_in(world["college_kw"])
    url = reverse("learners:plan_from_previous", kwargs={"org_slug": college.slug,
                                                         "profile_id": world["college_profile"].pk})
    form = client.get(url + f"?plan={world['plan'].pk}").content.decode()
    assert "Become a chef" in form and "Visit the college kitchen" in form and "Staff-only target" not in form
    kept = Target.objects.for_org(org).get(title="Visit the college kitchen")
    response = client.post(url, {"previous_plan": world["plan"].pk, "programme_name": "Level 2 Catering",
                                 "starts_on": "2027-09-06", "ends_on": "2028-07-14",
                                 "final_outcome": "Level 2 Diploma", "long_term_goal": "Become a chef",
                                 "targets": [kept.pk]})
    assert response.status_code == 302
    new = Plan.objects.for_org(college).get(profile=world["college_profile"])
    assert new.long_term_goal == "Become a chef"
    carried = Target.objects.for_org(college).get(plan=new, source_type="learners.transferred_target")
    assert carried.title == "Visit the college kitchen" and carried.source_id == str(kept.pk)
    # A staff-only target of the old plan cannot be smuggled in.
    hidden = Target.objects.for_org(org).get(title="Staff-only target")
    refused = client.post(url, {"previous_plan": world["plan"].pk, "programme_name": "Other", "starts_on": "2027-09-06",
                                "ends_on": "2028-07-14", "final_outcome": "x", "targets": [hidden.pk]})
    assert refused.status_code == 200 and "govuk-error-summary" in refused.content.decode()
    # Nothing of the old plan changed.
    assert Plan.objects.for_org(org).get(pk=world["plan"].pk).long_term_goal == "Become a chef"


def test_the_moving_on_plan_goes_only_if_the_learner_named_the_next_organisation(org, other_org, college, world):
    from learners.choices import MovingOnShareWith

    plan = world["plan"]
    services.moving_on_save(org=org, plan=plan, by=world["school_kw"], expected_version=None,
                            destination_category="education", share_with=[MovingOnShareWith.CAREERS_SERVICE])
    services.record_transfer_offer(learner=world["learner"], sending_profile=plan.profile, receiving_org=college,
                                   include_staff_records=True)

    def seen():
        (detail,) = selectors.transferred_plans(org=college, profile=world["college_profile"],
                                                user=world["college_kw"])
        return detail.visible_moving_on

    assert seen() is None
    services.moving_on_save(org=org, plan=plan, by=world["school_kw"], expected_version=1,
                            destination_category="education", share_with=[MovingOnShareWith.NEXT_ORGANISATION])
    assert seen() is not None


def test_previous_record_page_queries_do_not_grow_with_records(org, other_org, college, world, sign_in,
                                                               django_assert_max_num_queries):
    services.record_transfer_offer(learner=world["learner"], sending_profile=world["plan"].profile,
                                   receiving_org=college, include_staff_records=True)
    client = sign_in(world["college_kw"])
    url = reverse("learners:previous_record", kwargs={"org_slug": college.slug,
                                                      "profile_id": world["college_profile"].pk})
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(15):
        target_for(world["plan"], title=f"More {n}")
        services.narrative_append(org=org, plan=world["plan"], by=world["school_kw"],
                                  author_role=AuthorRole.KEY_WORKER, text=f"Entry {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_my_transfers_page_queries_do_not_grow_with_transfers(org, other_org, college, world, sign_in,
                                                              django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    me = sign_in(world["learner"])
    services.record_transfer_request(org=college, profile=world["college_profile"], sending_org=org,
                                     by=world["college_kw"])
    with CaptureQueriesContext(connection) as few:
        assert me.get(reverse("me:transfers")).status_code == 200
    for n in range(5):
        other = OrganisationFactory(kind="college")
        there = services.learner_profile_create(org=other, user=world["learner"], target_group="post_16_full_time",
                                                by=world["college_kw"])
        services.record_transfer_request(org=other, profile=there, sending_org=org, by=world["college_kw"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert me.get(reverse("me:transfers")).status_code == 200


def test_after_a_transfer_other_channels_carry_no_record(org, other_org, college, world, sign_in):
    """Audience per channel after a transfer: the parent's view of the old plan is unchanged
    (staff records stay hidden), the notifications and emails name the organisations but carry
    none of the record, and the transfer opens no PDF of the old plan to the college."""
    from plp_portal.notifications.models import OutboundEmail

    plan = world["plan"]
    parent = member(org, Role.PARENT_CARER)
    services.plan_share_grant(org=org, plan=plan, grantee=parent, relationship="parent_carer", by=world["learner"])
    services.record_transfer_offer(learner=world["learner"], sending_profile=plan.profile, receiving_org=college,
                                   include_staff_records=True)
    shared = sign_in(parent).get(reverse("me:shared_plan", kwargs={"learner_plan_id": plan.pk})).content.decode()
    assert "Review 1: good progress" in shared and "Staff note" not in shared and "safeguarding" not in shared
    texts = [f"{n.title} {n.body}" for n in Notification.objects.for_org(org).filter(kind__startswith="learners.transfer")]
    texts += [f"{n.title} {n.body}" for n in Notification.objects.for_org(college)
              .filter(kind__startswith="learners.transfer")]
    assert texts and not any("Staff note" in t or "safeguarding" in t or "Review 1" in t for t in texts)
    assert not any("Staff note" in e.body_text or "safeguarding" in e.body_text for e in OutboundEmail.objects.all())
    college_kw = sign_in(world["college_kw"])
    pdf = reverse("learners:plan_pdf", kwargs={"org_slug": org.slug, "learner_plan_id": plan.pk})
    assert college_kw.get(pdf).status_code in (403, 404)
    assert college_kw.get(reverse("me:shared_plan_pdf", kwargs={"learner_plan_id": plan.pk})).status_code == 404


def test_the_sending_school_is_told_and_notes_what_it_must_keep(org, other_org, college, world, sign_in):
    services.record_transfer_offer(learner=world["learner"], sending_profile=world["plan"].profile,
                                   receiving_org=college, include_staff_records=False)
    transfer = RecordTransfer.objects.for_org(org).get()
    note = Notification.objects.for_org(org).get(user=world["lead"], kind="learners.transfer.consented_sending")
    client = sign_in(world["lead"])
    page = client.get(note.url)
    assert page.status_code == 200 and college.name in page.content.decode()
    assert client.post(note.url, {"sending_note": "Safeguarding file kept until age 25."}).status_code == 302
    transfer.refresh_from_db()
    assert transfer.sending_note == "Safeguarding file kept until age 25."
    assert AuditEvent.objects.filter(organisation=college, action="learners.transfer.noted").exists()
    assert client.post(note.url, {"sending_note": "x" * 1001}).status_code == 200  # refused, names the field
    assert sign_in(world["school_kw"]).get(note.url).status_code == 403
    foreign = reverse("learners:transfer_out", kwargs={"org_slug": college.slug, "transfer_id": transfer.pk})
    assert sign_in(member(college, Role.ORG_ADMIN)).get(foreign).status_code == 404
