"""Browser journeys (headless Chromium, live server) with an axe audit of every new page: a
tutor runs a full review from the caseload to sign-off, the learner prepares and signs; the
team, cancel, quality and settings pages."""

import datetime
import re

import pytest

from keyworkers import services
from keyworkers.models import Review
from keyworkers.tests.factories import learner_with_plan, school_year
from learners.tests.factories import target_for
from plp_portal.organisations.choices import Role
from tests.browser import assert_accessible, sign_in, sign_out, wait_for_text
from tests.browser import staff_sign_in as _staff_sign_in
from tests.factories import member

pytestmark = pytest.mark.browser


# A secret of our own: allauth remembers used codes per user id in the shared cache, and test
# databases on other xdist workers reuse the same user ids with the default secret.
SECRET = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"


def staff_sign_in(page, user):
    _staff_sign_in(page, user, SECRET)


def test_tutor_runs_a_full_review_from_the_caseload_to_sign_off(page, live_server, transactional_db, org, other_org):
    school_year(org, datetime.date.today().year if datetime.date.today().month >= 9 else datetime.date.today().year - 1)
    kw = member(org, Role.KEY_WORKER, full_name="Tom Tutor")
    plan = learner_with_plan(org, kw, starts_on=datetime.date.today() - datetime.timedelta(days=30))
    learner = plan.profile.user
    long_term = target_for(plan, term="long", title="Become a nurse", due_on=datetime.date.today() + datetime.timedelta(days=200))
    target_for(plan, title="Volunteer at the care home", parent=long_term,
               due_on=datetime.date.today() + datetime.timedelta(days=5))

    # The learner prepares first.
    services.review_schedule_next(org=org, plan=plan, by=kw, due_on=datetime.date.today() + datetime.timedelta(days=3))
    sign_in(page, learner.email)
    page.goto("/me/reviews/")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Review 1")).click()
    page.get_by_label("What I learned").fill("How to care for older people")
    page.get_by_label("What I found hard").fill("Early starts")
    assert_accessible(page)
    page.get_by_role("button", name="Save my answers").click()
    wait_for_text(page, "Your preparation is saved")
    sign_out(page)

    staff_sign_in(page, kw)
    page.goto(f"/o/{org.slug}/keyworkers/")
    assert_accessible(page, shows="Due this week")
    page.get_by_role("link", name=learner.full_name, exact=True).click()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Start review 1")).click()
    page.wait_for_url(re.compile("/edit/"))
    assert_accessible(page, shows="How to care for older people")
    page.get_by_label("Progress against the overall plan").fill("Doing well at placement.")
    page.get_by_label("Status").select_option("achieved")
    page.get_by_label("Note").fill("Four Saturdays done")
    page.locator("#id_new_0_title").fill("Ask for a reference")
    page.locator("#id_new_0_due_on").fill((datetime.date.today() + datetime.timedelta(days=40)).isoformat())
    page.locator("#id_new_0_parent").select_option(label="Become a nurse")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/edit/\?tab="))
    wait_for_text(page, "Draft saved.")  # the page after saving (not the autosave's "Draft saved at")
    page.get_by_label("Learning journey entry").fill("A great half term at the care home.")
    page.get_by_label("Next review date").fill((datetime.date.today() + datetime.timedelta(days=42)).isoformat())
    page.get_by_role("button", name="Sign as key worker").click()
    page.wait_for_url(re.compile(r"/reviews/\d+/$"))
    assert_accessible(page, shows="The learner signs next")
    review = Review.objects.for_org(org).get(plan=plan, number=1)
    assert review.kw_signed_at and review.overall_progress == "Doing well at placement."
    page.goto(f"/o/{org.slug}/keyworkers/learners/{plan.profile_id}/team/")
    assert_accessible(page)
    sign_out(page)

    sign_in(page, learner.email)
    page.goto(f"/me/reviews/{review.pk}/")
    assert_accessible(page, shows="Ask for a reference")
    page.get_by_role("button", name="Sign review 1").click()
    wait_for_text(page, "You signed review 1")
    review.refresh_from_db()
    assert review.status == "completed"
    assert Review.objects.for_org(org).get(plan=plan, number=2).status == "scheduled"


def test_lead_pages_pass_axe(page, live_server, transactional_db, org, other_org):
    school_year(org, 2026)
    kw = member(org, Role.KEY_WORKER)
    plan = learner_with_plan(org, kw)
    review = services.review_schedule_next(org=org, plan=plan, by=kw, due_on=datetime.date(2026, 10, 26))
    admin = member(org, Role.ORG_ADMIN)
    staff_sign_in(page, admin)
    for path in ("keyworkers/", "keyworkers/quality/", "keyworkers/quality/learners/?metric=with_plan",
                 "keyworkers/settings/", f"keyworkers/reviews/{review.pk}/", f"keyworkers/reviews/{review.pk}/cancel/",
                 f"keyworkers/plans/{plan.pk}/reviews/"):
        page.goto(f"/o/{org.slug}/{path}")
        assert page.get_by_role("heading", level=1).count() == 1, path
        assert_accessible(page)
    page.goto(f"/o/{org.slug}/keyworkers/reviews/{review.pk}/cancel/")
    page.get_by_label("Why is this review cancelled?").fill("Learner moved school")
    page.get_by_role("button", name="Cancel the review").click()
    review.refresh_from_db()
    assert review.status == "cancelled"


def _until(check, timeout=10.0):
    import time

    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


@pytest.fixture
def review_draft_open(page, live_server, transactional_db, org, other_org):
    """A review its key worker has started, open in the browser signed in as them: (review, the
    edit page's path)."""
    school_year(org)
    kw = member(org, Role.KEY_WORKER)
    plan = learner_with_plan(org, kw)
    review = services.review_start(org=org, plan=plan, by=kw)
    staff_sign_in(page, kw)
    edit = f"/o/{org.slug}/keyworkers/reviews/{review.pk}/edit/"
    page.goto(edit)
    return review, edit


def test_two_tabs_autosaving_one_review_draft_never_overwrite_each_other(page, org, review_draft_open):
    review, edit = review_draft_open
    other = page.context.new_page()
    other.goto(edit)

    def saved(field, value):
        return lambda: getattr(Review.objects.for_org(org).get(pk=review.pk), field) == value

    page.get_by_label("Progress against the overall plan").fill("Settled in well.")
    page.get_by_label("Support that will help").focus()  # leaving the field autosaves
    _until(saved("overall_progress", "Settled in well."))
    # The autosave handed the page the version it goes on from.
    _until(lambda: page.locator("#id_version").input_value()
           == str(Review.objects.for_org(org).get(pk=review.pk).version))

    other.get_by_label("Progress against the overall plan").fill("Struggling with maths.")
    other.get_by_label("Support that will help").focus()
    wait_for_text(other, "Not saved:")
    wait_for_text(other, "Settled in well.")  # the other tab's answers, shown above the form
    assert other.get_by_label("Progress against the overall plan").input_value() == "Struggling with maths."
    assert Review.objects.for_org(org).get(pk=review.pk).overall_progress == "Settled in well."
    assert_accessible(other)

    # Having seen them, "Save draft" keeps this tab's answers.
    other.get_by_role("button", name="Save draft").click()
    wait_for_text(other, "Draft saved.")
    assert Review.objects.for_org(org).get(pk=review.pk).overall_progress == "Struggling with maths."


@pytest.mark.parametrize("failure", ["server error", "no connection"])
def test_an_autosave_that_fails_says_not_saved_and_keeps_what_was_typed(page, org, review_draft_open, failure):
    review, _edit = review_draft_open

    def fail_autosaves(route):
        if route.request.method == "POST" and route.request.headers.get("hx-request"):
            return route.fulfill(status=500, body="") if failure == "server error" else route.abort()
        return route.continue_()

    page.route(re.compile(r".*/edit/$"), fail_autosaves)
    page.get_by_label("Progress against the overall plan").fill("Settled in well.")
    page.get_by_label("Support that will help").focus()  # leaving the field autosaves
    wait_for_text(page, "Not saved:")
    status = page.locator("#autosave-status")
    assert "press Save" in status.inner_text()
    assert page.get_by_label("Progress against the overall plan").input_value() == "Settled in well."
    assert Review.objects.for_org(org).get(pk=review.pk).overall_progress != "Settled in well."
