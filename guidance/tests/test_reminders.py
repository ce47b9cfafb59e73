import datetime

import pytest

from guidance import reminders, services
from guidance.choices import Tier, TierReason
from guidance.models import LearnerGuidance
from guidance.tests.factories import careers_service, learner, partnership
from plp_portal.notifications.models import Reminder
from plp_portal.organisations.choices import Role
from tests.factories import member

pytestmark = pytest.mark.django_db


def test_tier_reviews_and_neet_follow_ups_are_reminded_once(org, other_org):
    service = careers_service(slug="careers")
    adviser = member(service, Role.CAREERS_ADVISER)
    p = partnership(service, org, advisers=[adviser])
    today = p.starts_on + datetime.timedelta(days=30)
    profile, leaver = learner(org, with_plan=False), learner(org, with_plan=False)
    services.tier_set(profile=profile, to_tier=Tier.FILTERED, reasons=[TierReason.DEMOTIVATED], by=adviser,
                      review_on=today + datetime.timedelta(days=3), adviser=adviser, org=service)
    services.destination_record(profile=leaver, by=adviser, kind="actual", category="neet", recorded_on=today,
                                follow_up_on=today, org=service)
    outsider = learner(other_org, with_plan=False)  # no partnership: never reminded
    LearnerGuidance.objects.create(organisation=other_org, profile=outsider, tier=Tier.FILTERED, review_on=today,
                                   adviser=adviser)
    assert reminders.collect(today=today) == 2
    reminders.collect(today=today)
    rows = Reminder.objects.for_org(service).filter(recipient=adviser)
    assert sorted(rows.values_list("kind", flat=True)) == ["guidance.destination_follow_up", "guidance.tier_review"]


def test_a_learner_settled_since_is_not_reminded_of_the_earlier_destination(org, other_org):
    service = careers_service(slug="careers")
    adviser = member(service, Role.CAREERS_ADVISER)
    p = partnership(service, org, advisers=[adviser])
    today = p.starts_on + datetime.timedelta(days=30)
    settled, still = learner(org, with_plan=False), learner(org, with_plan=False)
    for profile in (settled, still):
        services.destination_record(profile=profile, by=adviser, kind="actual", category="neet",
                                    recorded_on=today - datetime.timedelta(days=7), follow_up_on=today, org=service)
    services.destination_record(profile=settled, by=adviser, kind="actual", category="apprenticeship",
                                recorded_on=today, org=service)
    assert reminders.collect(today=today) == 1
    assert list(Reminder.objects.for_org(service).values_list("learner_profile_id", flat=True)) == [still.pk]
