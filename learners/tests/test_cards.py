"""The target cards and the timeline of the plan pages, as the reader sees them (built by the
``target_card`` and ``timeline_event`` tags rather than an include per item; issue 19)."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from learners import services
from learners.choices import SetByRole, TargetStatus, TargetTerm
from plp_portal.organisations.choices import Role
from tests.factories import member

from .factories import LearnerProfileFactory, plan_for, target_for

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def world(org):
    key_worker = member(org, Role.KEY_WORKER, full_name="Kim Keyworker")
    profile = LearnerProfileFactory(organisation=org, user__full_name="Lee Learner")
    services.learner_set_key_worker(org=org, learner=profile, user=key_worker)
    plan = plan_for(profile, by=key_worker)
    area = services.target_areas_seed_defaults(org=org)[0]
    goal = target_for(plan, by=key_worker, title="Become a <b>nurse</b>", term=TargetTerm.LONG, area=area,
                      due_on=datetime.date(2027, 7, 1), success_criteria="A place on a course\nand a placement")
    step = target_for(plan, by=key_worker, title="Visit the college", parent=goal,
                      due_on=datetime.date(2020, 1, 10))
    services.target_progress_update(org=org, target=step, by=key_worker, status=TargetStatus.IN_PROGRESS,
                                    note="Booked the open day")
    own = target_for(plan, by=profile.user, title="Practise interviews", set_by_role=SetByRole.LEARNER,
                     due_on=datetime.date(2020, 1, 5))
    return {"org": org, "key_worker": key_worker, "learner": profile.user, "plan": plan, "area": area,
            "goal": goal, "step": step, "own": own}


def test_staff_plan_page_cards_show_each_target_escaped_with_its_link(world, client):
    client.force_login(world["key_worker"], backend="django.contrib.auth.backends.ModelBackend")
    org = world["org"]
    html = client.get(reverse("learners:plan", kwargs={"org_slug": org.slug,
                                                       "learner_plan_id": world["plan"].pk})).content.decode()
    assert "Become a &lt;b&gt;nurse&lt;/b&gt;" in html and "<b>nurse</b>" not in html
    text = _text(html)
    assert f"Term Long-term Area {world['area'].name} Due 1 July 2027" in text
    assert "Success looks like A place on a course and a placement" in text
    assert "A place on a course<br>and a placement" in html
    assert "Set by Kim Keyworker (Staff)" in text
    # The stepping stone sits under its goal, with its latest progress and its own page's link.
    assert "Stepping stones towards “Become a &lt;b&gt;nurse&lt;/b&gt;”" in html
    assert re.search(r"Latest progress \d+ \w+ 20\d\d: Booked the open day", text)
    step_url = reverse("learners:target", kwargs={"org_slug": org.slug, "target_id": world["step"].pk})
    assert f'href="{step_url}">Update progress<span class="govuk-visually-hidden"> on Visit the college' in html
    # The learner's own target waits for approval; the staff's do not.
    own_card = html[html.index("Practise interviews"):]
    assert "Awaiting approval" in own_card[:600]
    assert html.count("Awaiting approval") == 1


def test_learner_targets_page_says_how_late_an_open_target_is(world, client):
    client.force_login(world["learner"], backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(reverse("me:targets", kwargs={"learner_plan_id": world["plan"].pk})).content.decode()
    text = _text(html)
    assert re.search(r"Due 5 January 2020 \d+ days late", text)
    assert 'class="govuk-tag govuk-tag--red"' in html
    assert f'href="{reverse("me:target", kwargs={"target_id": world["own"].pk})}"' in html
    # The goal is achieved: no "late" words on a target that is done.
    services.target_progress_update(org=world["org"], target=world["goal"], by=world["key_worker"],
                                    status=TargetStatus.ACHIEVED)
    text = _text(client.get(reverse("me:targets", kwargs={"learner_plan_id": world["plan"].pk})).content.decode())
    assert "Due 1 July 2027 Success" in text, text[text.index("Become"):][:400]


def test_timeline_lists_what_happened_when_and_by_whom(world, client):
    client.force_login(world["key_worker"], backend="django.contrib.auth.backends.ModelBackend")
    html = client.get(reverse("learners:timeline", kwargs={"org_slug": world["org"].slug,
                                                           "learner_plan_id": world["plan"].pk})).content.decode()
    text = _text(html)
    assert re.search(r"\d+ \w{3} 20\d\d, \d\d:\d\d · Kim Keyworker Target set: Visit the college", text)
    assert "Target set: Become a &lt;b&gt;nurse&lt;/b&gt;" in html
    assert re.search(r'<time datetime="20\d\d-\d\d-\d\dT', html)


def test_plan_page_skips_the_queries_of_lists_the_plan_has_none_of(world, client):
    """Concerns and contributions are read with the plan as EXISTS flags (selectors._list_flags):
    an empty list costs no query, and its first row brings the query back, and shows."""
    org, plan, key_worker = world["org"], world["plan"], world["key_worker"]
    client.force_login(key_worker, backend="django.contrib.auth.backends.ModelBackend")
    url = reverse("learners:plan", kwargs={"org_slug": org.slug, "learner_plan_id": plan.pk})
    client.get(url)
    with CaptureQueriesContext(connection) as empty:
        page = client.get(url).content.decode()
    assert "No concerns recorded." in page
    assert not [q for q in empty.captured_queries if 'FROM "learners_concern" WHERE' in q["sql"]
                and "EXISTS" not in q["sql"]]
    services.concern_raise(org=org, plan=plan, by=key_worker, category="attendance",
                           description="Missed three Mondays", follow_up_how="Call home")
    with CaptureQueriesContext(connection) as one:
        page = client.get(url).content.decode()
    assert "Missed three Mondays" in page and "No concerns recorded." not in page
    assert len(one.captured_queries) == len(empty.captured_queries) + 1
