"""The careers adviser's NEET list (issue 19): who is on it follows what the adviser and the school
record — a NEET, unknown or other latest actual destination, or a leaver with none — read from the
marker ``LearnerGuidance.needs_follow_up`` that every such write keeps current (``follow_up.py``).
The page is read as the adviser reads it; the marker is checked against a from-scratch recompute."""

import datetime
import re

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guidance import services
from guidance.choices import NOT_SETTLED_CATEGORIES, Tier, TierReason
from guidance.follow_up import follow_up_refresh
from guidance.models import Destination, LearnerGuidance
from guidance.tests.factories import learner
from learners import services as learner_services
from learners.choices import LeavingReason, TargetGroup
from plp_portal.organisations.choices import Role
from plp_portal.records import retention
from tests.factories import member

pytestmark = pytest.mark.django_db
LEFT = datetime.date(2026, 7, 20)


def _listed(client, service) -> dict[str, str]:
    """The NEET list page as the adviser sees it: name -> the latest destination cell's text."""
    response = client.get(reverse("guidance:neet_list", kwargs={"org_slug": service.slug}))
    assert response.status_code == 200
    rows = re.findall(r'<tr class="govuk-table__row"><td class="govuk-table__cell"><a [^>]*>([^<]+)</a></td>'
                      r'<td[^>]*>[^<]*</td><td[^>]*>[^<]*</td><td class="govuk-table__cell">(.*?)</td>',
                      response.content.decode())
    return {name: re.sub(r"<[^>]+>", "", cell).strip() for name, cell in rows}


def _record(client, service, profile, category, recorded_on, **extra):
    """The adviser records an actual destination with the form."""
    response = client.post(
        reverse("guidance:destination_new", kwargs={"org_slug": service.slug, "profile_id": profile.pk}),
        {"kind": "actual", "category": category, "recorded_on": recorded_on.isoformat(), **extra})
    assert response.status_code == 302


def _recomputed(org_ids) -> set[int]:
    """From scratch, the way the list was worked out before the marker: each learner's latest
    actual destination (by date recorded, then id), and the leavers."""
    latest = {}
    for profile_id, recorded_on, pk, category in (
            Destination.objects.for_orgs(org_ids).filter(kind="actual", profile__isnull=False)
            .values_list("profile_id", "recorded_on", "pk", "category")):
        if profile_id not in latest or (recorded_on, pk) > latest[profile_id][:2]:
            latest[profile_id] = (recorded_on, pk, category)
    leavers = set(LearnerGuidance.objects.for_orgs(org_ids).filter(left_on__isnull=False)
                  .values_list("profile_id", flat=True))
    return {pid for pid, (_, _, category) in latest.items() if category in NOT_SETTLED_CATEGORIES} | (
        leavers - set(latest))


def _marked(org_ids) -> set[int]:
    return set(LearnerGuidance.objects.for_orgs(org_ids).filter(needs_follow_up=True)
               .values_list("profile_id", flat=True))


def test_a_neet_destination_lists_the_learner_and_a_later_settled_one_takes_them_off(
        service, org, other_org, adviser, partnered, sign_in):
    client = sign_in(adviser)
    profile = learner(org, with_plan=False)
    assert profile.user.full_name not in _listed(client, service)
    _record(client, service, profile, "neet", datetime.date(2026, 9, 1))
    assert _listed(client, service)[profile.user.full_name].startswith("Neet")
    _record(client, service, profile, "apprenticeship", datetime.date(2026, 10, 1))
    assert profile.user.full_name not in _listed(client, service)
    # A NEET record dated before the apprenticeship, entered afterwards, does not bring them back:
    # the latest is the one recorded for the latest day.
    _record(client, service, profile, "neet", datetime.date(2026, 9, 15))
    assert profile.user.full_name not in _listed(client, service)
    # Unknown later on: back on the list, until settled again.
    _record(client, service, profile, "unknown", datetime.date(2026, 11, 1))
    assert _listed(client, service)[profile.user.full_name].startswith("Unknown")


def test_a_leaver_with_no_destination_is_listed_until_enrolled_again(service, org, other_org, adviser, partnered,
                                                                     sign_in):
    client = sign_in(adviser)
    lead = member(org, Role.CAREERS_LEAD)
    ks4 = learner(org, target_group=TargetGroup.KEY_STAGE_4)
    adult = learner(org, target_group=TargetGroup.EMPLOYED_ADULT)  # adults are not followed up
    for profile in (ks4, adult):
        learner_services.learner_enrolment_end(org=org, profile=profile, left_on=LEFT,
                                               reason=LeavingReason.COMPLETED_PROGRAMME, by=lead)
    listed = _listed(client, service)
    assert listed.get(ks4.user.full_name) == "None recorded" and adult.user.full_name not in listed
    learner_services.learner_reenrol(org=org, profile=ks4, by=lead, programme_name="Sixth form",
                                     starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2027, 7, 20),
                                     final_outcome="Three A levels")
    assert ks4.user.full_name not in _listed(client, service)
    # A leaver the adviser records (with the destination form) and settled at once: not listed.
    other = learner(org, with_plan=False)
    _record(client, service, other, "education", datetime.date(2026, 9, 2), left_on=LEFT.isoformat())
    assert other.user.full_name not in _listed(client, service)
    assert _marked([org.pk]) == _recomputed([org.pk]) == set()


def test_erasure_takes_the_learner_off_the_list_and_leaves_the_marker_consistent(service, org, other_org, adviser,
                                                                                  partnered, sign_in):
    client = sign_in(adviser)
    lead = member(org, Role.CAREERS_LEAD)
    long_ago = datetime.date(2015, 7, 20)
    erased, stays = learner(org), learner(org)
    learner_services.learner_enrolment_end(org=org, profile=erased, left_on=long_ago,
                                           reason=LeavingReason.COMPLETED_PROGRAMME, by=lead)
    for profile in (erased, stays):
        _record(client, service, profile, "neet", datetime.date(2026, 9, 1))
    assert {erased.user.full_name, stays.user.full_name} <= set(_listed(client, service))
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert retention.retention_run()["learners"] == 1
    listed = _listed(client, service)
    assert erased.user.full_name not in listed and stays.user.full_name in listed
    assert Destination.objects.for_org(org).filter(profile__isnull=True, category="neet").count() == 1  # anonymous
    assert _marked([org.pk]) == _recomputed([org.pk]) == {stays.pk}


def test_after_a_mixed_sequence_of_writes_the_marker_equals_a_recompute(service, org, other_org, adviser, partnered):
    lead = member(org, Role.CAREERS_LEAD)
    people = [learner(org, target_group=TargetGroup.KEY_STAGE_4) for _ in range(8)]
    a, b, c, d, e, f, g, h = people
    day = datetime.date(2026, 9, 1)

    def destination(profile, category, recorded_on, kind="actual"):
        services.destination_record(profile=profile, by=adviser, kind=kind, category=category,
                                    recorded_on=recorded_on, org=service)

    destination(a, "neet", day)  # no guidance row yet: one is made, marked
    destination(b, "education", day)
    destination(b, "other", day)  # same day, later id: the latest
    destination(c, "unknown", day)
    destination(c, "employment_with_training", day - datetime.timedelta(days=3))  # older: c stays unsettled
    destination(d, "neet", day, kind="intended")  # intended destinations do not count
    services.leaver_record(profile=e, left_on=LEFT, by=adviser, org=service)
    destination(e, "apprenticeship", day)
    learner_services.learner_enrolment_end(org=org, profile=f, left_on=LEFT, reason=LeavingReason.OTHER, by=lead)
    learner_services.learner_enrolment_end(org=org, profile=g, left_on=LEFT, reason=LeavingReason.OTHER, by=lead)
    learner_services.learner_reenrol(org=org, profile=g, by=lead, programme_name="Sixth form",
                                     starts_on=day, ends_on=datetime.date(2027, 7, 20), final_outcome="A levels")
    destination(h, "neet", day)
    # A tier change saves the guidance row: it keeps the marker.
    services.tier_set(profile=h, to_tier=Tier.FILTERED, reasons=[TierReason.DEMOTIVATED], by=adviser,
                      review_on=datetime.date(2027, 1, 15), org=service)
    expected = _recomputed([org.pk])
    assert expected == {a.pk, b.pk, c.pk, f.pk, h.pk}
    assert _marked([org.pk]) == expected
    # The whole-database recompute (the seeding's and the migration's) gives the same from any state.
    LearnerGuidance.objects.for_org(org).update(needs_follow_up=False)
    LearnerGuidance.objects.for_org(org).filter(profile=a).delete()
    follow_up_refresh()
    assert _marked([org.pk]) == expected


def test_the_list_costs_the_same_queries_for_one_learner_and_thirty(service, org, other_org, adviser, partnered,
                                                                  sign_in):
    client = sign_in(adviser)
    url = reverse("guidance:neet_list", kwargs={"org_slug": service.slug})

    def follow_up(n):
        for _ in range(n):
            profile = learner(org, with_plan=False)
            services.leaver_record(profile=profile, left_on=LEFT, by=adviser, org=service)
            services.destination_record(profile=profile, by=adviser, kind="actual", category="neet",
                                        recorded_on=datetime.date(2026, 9, 1), org=service)

    def count():
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        return len(ctx.captured_queries), response.content.decode().count('<tr class="govuk-table__row"><td')

    follow_up(1)
    one, rows = count()
    assert rows == 1
    follow_up(29)
    thirty, rows = count()
    assert rows == 25  # a page of the thirty
    assert thirty == one <= 20


def test_a_platform_operators_change_in_the_admin_keeps_the_marker(service, org, other_org, adviser, partnered,
                                                                    sign_in, rf):
    """The Django admin (platform operators only) edits destinations outside the services: its
    save and delete recompute the learners' marker too."""
    from django.contrib import admin

    client = sign_in(adviser)
    profile = learner(org, with_plan=False)
    _record(client, service, profile, "neet", datetime.date(2026, 9, 1))
    destination = Destination.objects.for_org(org).get(profile=profile)
    model_admin = admin.site._registry[Destination]
    destination.category = "education"
    model_admin.save_model(rf.post("/"), destination, form=None, change=True)
    assert profile.user.full_name not in _listed(client, service)
    model_admin.delete_queryset(rf.post("/"), Destination.objects.for_org(org).filter(profile=profile))
    assert _marked([org.pk]) == _recomputed([org.pk]) == set()
    _record(client, service, profile, "unknown", datetime.date(2026, 9, 1))
    services.leaver_record(profile=profile, left_on=LEFT, by=adviser, org=service)
    model_admin.delete_model(rf.post("/"), Destination.objects.for_org(org).get(profile=profile))
    assert _listed(client, service)[profile.user.full_name] == "None recorded"  # a leaver, no destination now


def test_saving_a_guidance_row_read_before_a_destination_keeps_the_marker(service, org, other_org, adviser,
                                                                          partnered, sign_in):
    """A tier change saving the learner's guidance row it read before the adviser recorded a NEET
    destination (two people at once) does not write the old marker back: the learner stays listed."""
    client = sign_in(adviser)
    profile = learner(org, with_plan=False)
    read_before = services.learner_guidance_for(profile=profile)
    assert read_before.needs_follow_up is False
    _record(client, service, profile, "neet", datetime.date(2026, 9, 1))
    read_before.tier = Tier.FILTERED
    read_before.save()
    assert LearnerGuidance.objects.for_org(org).get(profile=profile).tier == Tier.FILTERED
    assert profile.user.full_name in _listed(client, service)
    assert _marked([org.pk]) == _recomputed([org.pk]) == {profile.pk}


def _names_current(org_ids) -> None:
    """Every marked row keeps its learner's name (the list's order, ``follow_up_name``)."""
    for copy, name in (LearnerGuidance.objects.for_orgs(org_ids).filter(needs_follow_up=True)
                       .values_list("follow_up_name", "profile__user__full_name")):
        assert copy == name


def _order(client, service) -> list[str]:
    return list(_listed(client, service))


def test_the_list_is_in_leaving_then_name_order_and_a_rename_moves_the_learner(
        service, org, other_org, adviser, partnered, sign_in):
    """Oldest leavers first, then by name; a learner renamed (as the school's MIS import renames:
    a save of the name and email) moves to their new place, at every school that follows them up."""
    client = sign_in(adviser)
    people = {}
    for name, left_on in (("Cal Ames", LEFT), ("Bea Ames", LEFT), ("Ann Ames", LEFT - datetime.timedelta(days=1)),
                          ("Dee Ames", None)):
        profile = learner(org, with_plan=False)
        profile.user.full_name = name
        profile.user.save()
        if left_on:
            services.leaver_record(profile=profile, left_on=left_on, by=adviser, org=service)
        _record(client, service, profile, "neet", datetime.date(2026, 9, 1))
        people[name] = profile
    assert _order(client, service) == ["Ann Ames", "Bea Ames", "Cal Ames", "Dee Ames"]
    # The same person followed up by a second school too (a second enrolment, a guidance row of its own).
    from learners.tests.factories import LearnerProfileFactory

    from tests.factories import OrganisationFactory

    second_school = OrganisationFactory()
    second = LearnerProfileFactory(organisation=second_school, user=people["Bea Ames"].user)
    services.leaver_record(profile=second, left_on=LEFT, by=member(second_school, Role.CAREERS_LEAD),
                           org=second_school)
    assert LearnerGuidance.objects.for_org(second_school).get(profile=second).needs_follow_up
    user = people["Bea Ames"].user
    user.full_name = "Zoe Ames"
    user.save(update_fields=["full_name", "email"])
    assert _order(client, service) == ["Ann Ames", "Cal Ames", "Zoe Ames", "Dee Ames"]
    _names_current([org.pk, second_school.pk])
    # A save that leaves the name alone reads it once and writes nothing.
    user.save()
    _names_current([org.pk, second_school.pk])


def test_every_write_of_the_marker_keeps_the_name_it_sorts_by(service, org, other_org, adviser, partnered):
    lead = member(org, Role.CAREERS_LEAD)
    a, b, c = (learner(org, target_group=TargetGroup.KEY_STAGE_4) for _ in range(3))
    # A guidance row made before the learner's name was known (as an MIS import can leave it).
    services.tier_set(profile=a, to_tier=Tier.FILTERED, reasons=[TierReason.DEMOTIVATED], by=adviser,
                      review_on=datetime.date(2027, 1, 15), org=service)
    LearnerGuidance.objects.for_org(org).filter(profile=a).update(follow_up_name="stale")
    services.destination_record(profile=a, by=adviser, kind="actual", category="neet",
                                recorded_on=datetime.date(2026, 9, 1), org=service)
    services.destination_record(profile=b, by=adviser, kind="actual", category="unknown",  # no row yet: made
                                recorded_on=datetime.date(2026, 9, 1), org=service)
    learner_services.learner_enrolment_end(org=org, profile=c, left_on=LEFT, reason=LeavingReason.OTHER, by=lead)
    assert _marked([org.pk]) == {a.pk, b.pk, c.pk}
    _names_current([org.pk])
    LearnerGuidance.objects.for_org(org).update(follow_up_name="")
    follow_up_refresh()  # the seeding's whole-database recompute
    _names_current([org.pk])
