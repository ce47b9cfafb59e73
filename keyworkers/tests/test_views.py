"""Pages: the caseload (fixed query count for N and 5×N learners, filters, overdue highlighted),
the review form without JavaScript and with htmx autosave, sign-off through the pages, the
learner's /me/reviews/, the team page, the quality page and who may see what."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from keyworkers import services
from keyworkers.choices import ReviewStatus
from keyworkers.models import KeyWorkerAssignment, Review
from keyworkers.tests.factories import form_version, learner_with_plan, school_year, url
from learners import services as learner_services
from learners.choices import SignerRole, TargetStatus
from learners.models import Concern, NarrativeEntry, Target
from learners.tests.factories import target_for
from plp_portal.organisations.choices import Role
from tests.factories import member

pytestmark = pytest.mark.django_db
d = datetime.date
NOW = datetime.datetime(2026, 11, 23, 10, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _caseload(org, kw, n):
    for i in range(n):
        plan = learner_with_plan(org, kw)
        services.review_schedule_next(org=org, plan=plan, by=kw, due_on=d(2026, 11, 10) + datetime.timedelta(days=i))
        target_for(plan, due_on=d(2026, 11, 1))
        learner_services.concern_raise(org=org, plan=plan, by=kw, category="attendance", description="Late")


def _queries(client, path):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_caseload_query_count_does_not_grow_with_the_caseload(org, other_org, sign_in):
    kw = member(org, Role.KEY_WORKER)
    client = sign_in(kw)
    _caseload(org, kw, 3)
    client.get(url("index", org))  # warm-up (session, caches)
    small, _ = _queries(client, url("index", org))
    _caseload(org, kw, 12)
    large, response = _queries(client, url("index", org))
    assert small == large, (small, large)
    assert large <= 20
    assert response.content.decode().count("Overdue") >= 15


def test_caseload_shows_due_overdue_and_filters(org, other_org, sign_in):
    school_year(org)
    kw = member(org, Role.KEY_WORKER)
    overdue = learner_with_plan(org, kw)
    services.review_schedule_next(org=org, plan=overdue, by=kw, due_on=d(2026, 11, 20))
    soon = learner_with_plan(org, kw)
    services.review_schedule_next(org=org, plan=soon, by=kw, due_on=d(2026, 11, 25))
    unscheduled = learner_with_plan(org, kw, starts_on=d(2026, 11, 2))  # computed: end of this half term
    someone_elses = learner_with_plan(org)
    client = sign_in(kw)
    page = client.get(url("index", org)).content.decode()
    assert "Overdue" in page and "Due this week" in page and "18 Dec 2026" in page
    assert str(someone_elses.profile.user.full_name) not in page
    page = client.get(url("index", org) + "?show=overdue").content.decode()
    assert overdue.profile.user.full_name in page and soon.profile.user.full_name not in page
    page = client.get(url("index", org) + "?sort=name&q=" + unscheduled.profile.user.full_name.split()[0]).content.decode()
    assert unscheduled.profile.user.full_name in page
    # A lead sees every caseload.
    lead_page = sign_in(member(org, Role.CAREERS_LEAD)).get(url("index", org)).content.decode()
    assert someone_elses.profile.user.full_name in lead_page


def test_tutor_runs_a_review_without_javascript(org, other_org, sign_in):
    school_year(org)
    kw = member(org, Role.KEY_WORKER)
    plan = learner_with_plan(org, kw)
    long_term = target_for(plan, term="long", title="Get an apprenticeship", due_on=d(2027, 7, 1))
    short = target_for(plan, title="Write a CV", due_on=d(2026, 11, 1), parent=long_term)
    client = sign_in(kw)
    response = client.post(url("review_start", org, plan_id=plan.pk))
    review = Review.objects.for_org(org).get(plan=plan)
    assert response["Location"] == url("review_edit", org, review_id=review.pk)
    edit = url("review_edit", org, review_id=review.pk)
    page = client.get(edit)
    assert "Write a CV" in page.content.decode()
    data = {
        "version": form_version(page), "overall_progress": "On track", f"eval_{short.pk}_status": TargetStatus.ACHIEVED,
        f"eval_{short.pk}_note": "Done and sent", "new_0_title": "Apply to two employers",
        "new_0_due_on": "2026-12-10", "new_0_parent": str(long_term.pk), "narrative_text": "Great progress.",
        "next_review_on": "", "action": "save",
    }
    assert client.post(edit, data).status_code == 302
    review.refresh_from_db()
    assert review.overall_progress == "On track" and review.new_targets.count() == 1
    data["version"] = form_version(client.get(edit))
    # htmx autosave keeps what is typed and answers with a small status text (and the version
    # the form goes on from).
    response = client.post(edit, {**data, "support": "Mentor weekly"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Draft saved" in response.content.decode()
    data["version"] = form_version(response)
    review.refresh_from_db()
    assert review.support == "Mentor weekly"
    # Signing without a next review date is refused with the message, nothing lost.
    response = client.post(edit, {**data, "support": "Mentor weekly", "action": "sign"})
    assert response.status_code == 200 and "Set the next review date" in response.content.decode()
    data["version"] = form_version(response)
    response = client.post(edit, {**data, "support": "Mentor weekly", "next_review_on": "2027-02-15", "action": "sign"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.kw_signed_at and review.status == ReviewStatus.IN_PROGRESS
    assert Target.objects.for_org(org).get(pk=short.pk).status == TargetStatus.ACHIEVED
    # Read-only after signing: the edit page sends back to the review, a POST changes nothing.
    assert client.get(edit)["Location"] == url("review_detail", org, review_id=review.pk)
    client.post(edit, {**data, "overall_progress": "Changed"})
    review.refresh_from_db()
    assert review.overall_progress == "On track"
    # An amendment that is too long is refused on the page, the field named and the text kept.
    too_long = client.post(url("review_amend", org, review_id=review.pk), {"text": "Travel " + "x" * 10_001})
    assert too_long.status_code == 200 and "There is a problem" in too_long.content.decode()
    assert "Travel xxxx" in too_long.content.decode()
    assert not NarrativeEntry.objects.for_org(org).filter(plan=plan, text__startswith="Travel x").exists()
    # An amendment is a new narrative entry.
    client.post(url("review_amend", org, review_id=review.pk), {"text": "Also discussed travel."})
    assert NarrativeEntry.objects.for_org(org).filter(plan=plan, text__contains="Also discussed travel").exists()
    detail = client.get(url("review_detail", org, review_id=review.pk)).content.decode()
    assert "Apply to two employers" in detail and "Done and sent" in detail

    # The learner signs in their own space.
    learner_client = sign_in(plan.profile.user)
    index = learner_client.get(reverse("me_reviews:index")).content.decode()
    assert "Waiting for your signature" in index
    me = reverse("me_reviews:prepare", kwargs={"review_id": review.pk})
    assert "Sign review 1" in learner_client.get(me).content.decode()
    learner_client.post(reverse("me_reviews:sign", kwargs={"review_id": review.pk}))
    review.refresh_from_db()
    assert review.status == ReviewStatus.COMPLETED
    nxt = Review.objects.for_org(org).get(plan=plan, number=2)
    assert nxt.due_on == d(2027, 2, 15)
    listing = sign_in(kw).get(url("review_list", org, plan_id=plan.pk)).content.decode()
    assert listing.index("Review 1") < listing.index("Review 2") and "15 February 2027" in listing


def test_learner_prepares_and_sees_only_their_reviews(org, other_org, sign_in):
    plan = learner_with_plan(org)
    review = services.review_schedule_next(org=org, plan=plan, due_on=d(2026, 11, 30))
    other = learner_with_plan(org)
    other_review = services.review_schedule_next(org=org, plan=other, due_on=d(2026, 11, 30))
    client = sign_in(plan.profile.user)
    me = reverse("me_reviews:prepare", kwargs={"review_id": review.pk})
    response = client.post(me, {"learned": "Fractions", "enjoyed": "Art", "found_hard": "Essays"})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.prep_learned == "Fractions"
    assert client.get(reverse("me_reviews:prepare", kwargs={"review_id": other_review.pk})).status_code == 404
    assert client.post(reverse("me_reviews:sign", kwargs={"review_id": other_review.pk})).status_code == 404
    # The key worker sees the preparation beside the form.
    kw_client = sign_in(plan.profile.key_worker)
    assert "Fractions" in kw_client.get(url("review_edit", org, review_id=review.pk)).content.decode()


def test_who_may_see_and_run_reviews(org, other_org, sign_in):
    plan = learner_with_plan(org)
    review = services.review_schedule_next(org=org, plan=plan, due_on=d(2026, 11, 30))
    detail = url("review_detail", org, review_id=review.pk)
    # Staff who teach the learner read it (seed 001); another key worker does not.
    assert sign_in(member(org, Role.SUBJECT_TUTOR)).get(detail).status_code == 200
    assert sign_in(member(org, Role.KEY_WORKER)).get(detail).status_code == 404
    assert sign_in(member(org, Role.KEY_WORKER)).get(url("review_edit", org, review_id=review.pk)).status_code == 404
    assert sign_in(member(org, Role.LEARNER)).get(detail).status_code == 403
    # A lead may cancel, with a confirmation page first.
    lead = sign_in(member(org, Role.ORG_ADMIN))
    cancel = url("review_cancel", org, review_id=review.pk)
    assert "Cancel the review" in lead.get(cancel).content.decode()
    assert lead.post(cancel, {"reason": ""}).status_code == 200
    assert lead.post(cancel, {"reason": "Learner left"}).status_code == 302
    review.refresh_from_db()
    assert review.status == ReviewStatus.CANCELLED


def test_team_page_assign_members_preference_schedule(org, other_org, sign_in):
    plan = learner_with_plan(org)
    profile, kw = plan.profile, plan.profile.key_worker
    client = sign_in(member(org, Role.CAREERS_LEAD))
    team = url("team", org, profile_id=profile.pk)
    assert client.get(team).status_code == 200
    new_kw = member(org, Role.KEY_WORKER)
    response = client.post(url("assign", org, profile_id=profile.pk),
                           {"key_worker": new_kw.pk, "worker_type": "personal_adviser", "reason": "Caseload balance"})
    assert response.status_code == 302
    assert [a.key_worker for a in KeyWorkerAssignment.objects.for_org(org).filter(profile=profile).order_by("pk")] == [kw, new_kw]
    assert client.post(url("team_add", org, profile_id=profile.pk), {"team_role": "social_worker"}).status_code == 200
    client.post(url("team_add", org, profile_id=profile.pk), {"team_role": "social_worker", "name": "Sam Social"})
    client.post(url("preference", org, profile_id=profile.pk), {"preference": "Someone I know"})
    client.post(url("schedule_override", org, profile_id=profile.pk), {"cadence": "weeks", "interval_weeks": "4"})
    page = client.get(team).content.decode()
    assert "Sam Social" in page and "Someone I know" in page and "every 4 weeks" in page
    # The old key worker no longer manages this learner.
    assert sign_in(kw).get(team).status_code == 404


def test_quality_page_figures_link_to_the_learners(org, other_org, sign_in):
    school_year(org)
    kw = member(org, Role.KEY_WORKER)
    signed = learner_with_plan(org, kw, tutor_group="10A")
    learner_services.plan_sign(org=org, plan=signed, by=signed.profile.user, role=SignerRole.LEARNER)
    learner_services.plan_sign(org=org, plan=signed, by=kw, role=SignerRole.TUTOR)
    services.review_schedule_next(org=org, plan=signed, by=kw, due_on=d(2026, 12, 18))
    review = services.review_start(org=org, plan=signed, by=kw)
    services.review_save_draft(org=org, review=review, by=kw, expected_version=review.version, fields={"next_review_on": d(2026, 12, 18)})
    services.review_sign_key_worker(org=org, review=review, by=kw)
    services.review_sign_learner(org=org, review=review, by=signed.profile.user)
    late = learner_with_plan(org, kw, tutor_group="10A")  # first review due 26 Oct, not held
    unsigned = learner_with_plan(org, kw, tutor_group="10B",
                                 support_needs="Reader", support_need_areas=["english"])
    target_for(unsigned, due_on=d(2026, 11, 1))
    client = sign_in(member(org, Role.CAREERS_LEAD))
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url("quality", org)).content.decode()
    assert len(ctx.captured_queries) < 25
    assert "10A" in page and "10B" in page
    listing = client.get(url("quality_learners", org) + "?metric=contract_signed").content.decode()
    assert signed.profile.user.full_name in listing and unsigned.profile.user.full_name not in listing
    listing = client.get(url("quality_learners", org) + "?metric=reviewed_on_time").content.decode()
    assert signed.profile.user.full_name in listing and unsigned.profile.user.full_name not in listing
    listing = client.get(url("quality_learners", org) + "?metric=reviewed_on_time&value=0&group=10A").content.decode()
    assert late.profile.user.full_name in listing and signed.profile.user.full_name not in listing
    listing = client.get(url("quality_learners", org) + "?metric=with_overdue&group=10B").content.decode()
    assert unsigned.profile.user.full_name in listing and signed.profile.user.full_name not in listing
    listing = client.get(url("quality_learners", org) + "?metric=needs_not_reflected").content.decode()
    assert unsigned.profile.user.full_name in listing
    listing = client.get(url("quality_learners", org) + f"?metric=with_plan&worker={kw.pk}").content.decode()
    assert signed.profile.user.full_name in listing and late.profile.user.full_name in listing
    assert signed.profile.user.full_name not in client.get(
        url("quality_learners", org) + "?metric=learners&worker=none").content.decode()
    assert client.get(url("quality_learners", org) + "?metric=bogus").status_code == 404
    assert client.get(url("quality_learners", org) + "?metric=learners&worker=all").status_code == 404
    assert sign_in(kw).get(url("quality", org)).status_code == 403


def test_settings_page(org, other_org, sign_in):
    client = sign_in(member(org, Role.ORG_ADMIN))
    response = client.post(url("settings", org), {"cadence": "weeks", "interval_weeks": 4, "remind_days_before": 3,
                                                  "escalate_after_days": 10})
    assert response.status_code == 302
    from keyworkers.selectors import review_settings_for

    row = review_settings_for(org=org)
    assert (row.cadence, row.remind_days_before, row.escalate_after_days) == ("weeks", 3, 10)
    assert Concern  # imported for the caseload fixture


def test_lead_caseload_counts_only_concerns_their_role_may_see(org, other_org, sign_in):
    kw = member(org, Role.KEY_WORKER)
    plan = learner_with_plan(org, kw)
    services.review_schedule_next(org=org, plan=plan, by=kw, due_on=d(2026, 12, 1))
    learner_services.concern_raise(org=org, plan=plan, by=kw, category="wellbeing", description="Private",
                                   audience="restricted", restricted_roles=[Role.SUBJECT_TUTOR])
    from keyworkers import selectors

    mine = selectors.caseload(org=org, key_worker=kw, today=d(2026, 11, 23)).get()
    as_lead = selectors.caseload(org=org, key_worker=kw, today=d(2026, 11, 23), viewer_role=Role.CAREERS_LEAD).get()
    assert (mine.open_concerns, as_lead.open_concerns) == (1, 0)
