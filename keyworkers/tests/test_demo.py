"""The demo data: reviews in the past for most learners, some due this week, some overdue;
tutor@demoshire.test's caseload shows all three; assignments with history. Idempotent."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from keyworkers.models import KeyWorkerAssignment, Review
from learners.models import LearnerProfile
from plp_portal.organisations.models import Organisation

pytestmark = pytest.mark.django_db


def test_demo_caseload_shows_past_due_this_week_and_overdue(client, settings, org, other_org):
    settings.PLP_REQUIRE_STAFF_MFA = False
    call_command("seed_demo", password="demoshire", stdout=open("/dev/null", "w"))
    counts = Review.objects.system("test").count()
    call_command("seed_demo", password="demoshire", stdout=open("/dev/null", "w"))
    assert Review.objects.system("test").count() == counts
    northgate = Organisation.objects.get(slug="northgate-school")
    assert Review.objects.for_org(northgate).filter(status="completed").count() >= 4
    profile = LearnerProfile.objects.for_org(northgate).get(user__email="learner@demoshire.test")
    history = KeyWorkerAssignment.objects.for_org(northgate).filter(profile=profile)
    assert history.count() == 2 and history.filter(ends_on__isnull=True).get().key_worker.email == "tutor@demoshire.test"

    assert client.login(email="tutor@demoshire.test", password="demoshire")
    page = client.get(reverse("keyworkers:index", kwargs={"org_slug": northgate.slug})).content.decode()
    assert "Overdue" in page and "Due this week" in page and "Last reviewed" in page
    assert len(re.findall(r"Review 2", page)) >= 4
