"""Nothing a key worker enters is lost or silently changed (issue 11): two tabs saving the same
review draft (plain saves and htmx autosave) never overwrite each other; the next review date
suggested from the schedule; impossible numbers and dates refused in the form and the database;
every free text has a maximum length."""

import datetime
import re
import threading

import pytest
import time_machine
from django.db import IntegrityError, connections, transaction
from django.test import Client
from django.urls import reverse

from keyworkers import services
from keyworkers.choices import Cadence
from keyworkers.models import (
    NARRATIVE_MAX,
    PROGRESS_MAX,
    KeyWorkerPreference,
    Review,
    ReviewSettings,
    ScheduleOverride,
)
from keyworkers.services import StaleReviewError
from keyworkers.tests.factories import form_version, learner_with_plan, school_year, url
from plp_portal.organisations.choices import Role
from tests.factories import member

d = datetime.date
# A Monday in the first half of the autumn term (school_year: half term starts 26 October).
NOW = datetime.datetime(2026, 10, 19, 10, tzinfo=datetime.UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def page_tab(response) -> str:
    return re.search(r'name="tab" value="([0-9a-f]+)"', response.content.decode()).group(1)


def tab(user) -> Client:
    """Another browser tab (its own session) signed in as ``user``."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _review_in_progress(org):
    school_year(org)
    plan = learner_with_plan(org)
    kw = plan.profile.key_worker
    review = services.review_start(org=org, plan=plan, by=kw)
    return review, kw


@pytest.fixture
def review_in_progress(org, frozen):
    """A review the learner's key worker started at NOW: (review, key worker, its edit page)."""
    review, kw = _review_in_progress(org)
    return review, kw, url("review_edit", org, review_id=review.pk)


def save_draft(client, edit, data, review):
    """Posts ``data`` from the review form ``edit`` with "Save draft": the save must go through (a
    redirect). Returns ``review`` as saved."""
    assert client.post(edit, data).status_code == 302
    review.refresh_from_db()
    return review


def loaded_tab(user, page):
    """A new tab signed in as ``user`` that loaded the review form ``page``, and the draft version
    the form carries."""
    client = tab(user)
    return client, form_version(client.get(page))


def _draft(version, **answers):
    return {"version": version, "overall_progress": "", "support": "", "learning_opportunities": "",
            "narrative_text": "", "next_review_on": "", "action": "save", **answers}


# --- Item 7: two tabs, one review draft -------------------------------------------------------


@pytest.mark.django_db
def test_second_tab_saving_an_older_draft_is_refused_sees_the_first_and_keeps_its_own(org, other_org,
                                                                                      review_in_progress):
    review, kw, edit = review_in_progress
    (first, first_version), (second, second_version) = loaded_tab(kw, edit), loaded_tab(kw, edit)

    assert first.post(edit, _draft(first_version, overall_progress="Settled in well",
                                   next_review_on="2026-12-18")).status_code == 302
    response = second.post(edit, _draft(second_version, overall_progress="Struggling with maths",
                                        support="Maths mentor"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "Someone else saved this review while you were writing" in page
    their_draft = page[page.index('id="their-draft"'):page.index('id="review-form"')]
    assert "Settled in well" in their_draft and "18 December 2026" in their_draft  # the other tab's values
    form = page[page.index('id="review-form"'):]
    assert "Struggling with maths" in form and "Maths mentor" in form  # this tab's input is kept
    review.refresh_from_db()
    assert (review.overall_progress, review.support, review.next_review_on) == ("Settled in well", "", d(2026, 12, 18))

    # Saving again from the page that showed both keeps this tab's answers, knowingly.
    data = _draft(form_version(response), overall_progress="Struggling with maths", support="Maths mentor")
    review = save_draft(second, edit, data, review)
    assert (review.overall_progress, review.support) == ("Struggling with maths", "Maths mentor")


@pytest.mark.django_db
def test_autosave_from_an_older_draft_is_refused_and_shows_the_other_tabs_answers(org, other_org,
                                                                                  review_in_progress):
    review, kw, edit = review_in_progress
    (first, first_version), (second, second_version) = loaded_tab(kw, edit), loaded_tab(kw, edit)

    saved = first.post(edit, _draft(first_version, narrative_text="A good start."), HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and "Draft saved" in saved.content.decode()
    # The autosave hands the tab the version it now goes on from: its next autosave is not refused.
    again = first.post(edit, _draft(form_version(saved), narrative_text="A good start to Year 10."),
                       HTTP_HX_REQUEST="true")
    assert "Draft saved" in again.content.decode()

    refused = second.post(edit, _draft(second_version, narrative_text="Late to lessons."), HTTP_HX_REQUEST="true")
    text = refused.content.decode()
    assert refused.status_code == 200
    assert "Not saved:</strong> someone else saved this review while you were writing" in text
    assert 'id="review-conflict" hx-swap-oob="true"' in text and "A good start to Year 10." in text
    review.refresh_from_db()
    assert review.narrative_text == "A good start to Year 10."
    # Later autosaves of the same tab stay refused: it never overwrites without seeing theirs.
    refused = second.post(edit, _draft(second_version, narrative_text="Late to lessons again."),
                          HTTP_HX_REQUEST="true")
    assert "Not saved" in refused.content.decode()
    review.refresh_from_db()
    assert review.narrative_text == "A good start to Year 10."
    # "Save draft" after seeing their answers keeps this tab's, knowingly.
    seen = re.search(r'name="seen_version" value="(\d+)"', refused.content.decode()).group(1)
    data = _draft(second_version, seen_version=seen, narrative_text="Late to lessons again.")
    assert save_draft(second, edit, data, review).narrative_text == "Late to lessons again."


@pytest.mark.django_db
def test_a_tabs_own_autosave_answering_after_its_save_draft_is_not_a_conflict(org, other_org, review_in_progress):
    review, kw, edit = review_in_progress
    client, other = tab(kw), tab(kw)
    page, other_page = client.get(edit), other.get(edit)
    assert page_tab(page) != page_tab(other_page)  # each page load is its own tab
    mine = {"version": form_version(page), "tab": page_tab(page)}
    # The autosave (sent on "change") is handled first; "Save draft", sent a moment later from
    # the same page, still carries the version the page had.
    assert "Draft saved" in client.post(edit, _draft(**mine, overall_progress="Doing well"),
                                        HTTP_HX_REQUEST="true").content.decode()
    data = _draft(**mine, overall_progress="Doing well at college")
    assert save_draft(client, edit, data, review).overall_progress == "Doing well at college"
    # Another page loaded before those saves is still refused, with its own tab token.
    data = _draft(form_version(other_page), tab=page_tab(other_page), overall_progress="Old news")
    assert "Someone else saved this review" in other.post(edit, data).content.decode()
    review.refresh_from_db()
    assert review.overall_progress == "Doing well at college"


@pytest.mark.django_db
def test_an_autosave_answering_after_the_page_saved_and_reloaded_is_not_a_conflict(org, other_org,
                                                                                   review_in_progress):
    review, kw, edit = review_in_progress
    client = tab(kw)
    page = client.get(edit)
    before = {"version": form_version(page), "tab": page_tab(page)}
    saved = client.post(edit, _draft(**before, overall_progress="Doing well"))
    assert saved.status_code == 302
    reloaded = client.get(saved["Location"])
    assert page_tab(reloaded) == before["tab"]  # the same tab, after "Save draft"
    # The autosave the page sent as it left is handled only now…
    client.post(edit, _draft(**before, overall_progress="Doing well"), HTTP_HX_REQUEST="true")
    # …and the reloaded page still saves.
    data = _draft(form_version(reloaded), tab=page_tab(reloaded), overall_progress="Doing well in English")
    assert save_draft(client, edit, data, review).overall_progress == "Doing well in English"


@pytest.mark.django_db
def test_a_save_without_the_draft_version_is_refused(org, other_org, review_in_progress):
    review, kw, edit = review_in_progress
    data = _draft("", overall_progress="From an old page")
    response = tab(kw).post(edit, data)
    assert response.status_code == 200 and "This page is out of date" in response.content.decode()
    review.refresh_from_db()
    assert review.overall_progress == ""


@pytest.mark.django_db(transaction=True)
def test_two_saves_at_the_same_moment_from_one_version_cannot_both_win(org, other_org):
    review, kw = _review_in_progress(org)
    barrier = threading.Barrier(2)
    outcomes, errors = [], []

    def save(text):
        try:
            barrier.wait(timeout=20)
            services.review_save_draft(org=org, review=review, by=kw, expected_version=review.version,
                                       fields={"overall_progress": text})
            outcomes.append(("saved", text))
        except StaleReviewError:
            outcomes.append(("refused", text))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    for _round in range(5):
        outcomes.clear()
        threads = [threading.Thread(target=save, args=(text,)) for text in ("Tab one", "Tab two")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        assert sorted(kind for kind, _text in outcomes) == ["refused", "saved"]
        review.refresh_from_db()
        winner = next(text for kind, text in outcomes if kind == "saved")
        assert review.overall_progress == winner


# --- Item 9: the next review date the form suggests ------------------------------------------


@pytest.mark.django_db
def test_review_form_suggests_the_review_after_this_one_not_this_ones_own_date(org, other_org, review_in_progress):
    review, kw, edit = review_in_progress
    assert review.due_on == d(2026, 10, 26)  # the end of this half term
    page = tab(kw).get(edit).content.decode()
    assert "the next review would be due on 18 December 2026" in page  # the end of the next half term
    assert "would be due on 26 October 2026" not in page


@pytest.mark.django_db
def test_review_form_suggests_the_next_date_by_the_learners_weeks_cadence(org, other_org, review_in_progress):
    review, kw, edit = review_in_progress
    services.schedule_override_set(org=org, profile=review.plan.profile, by=kw, cadence=Cadence.WEEKS,
                                   interval_weeks=4)
    page = tab(kw).get(edit).content.decode()
    assert "the next review would be due on 16 November 2026" in page  # held 19 Oct + 4 weeks


# --- Item 6: impossible values -----------------------------------------------------------------


@pytest.mark.django_db
def test_zero_weeks_between_reviews_is_refused_in_the_settings_form(org, other_org, sign_in):
    client = sign_in(member(org, Role.ORG_ADMIN))
    for weeks, message in ((0, "Weeks between reviews must be 1 or more"),
                           (27, "Weeks between reviews must be 26 or less")):
        response = client.post(url("settings", org), {"cadence": "weeks", "interval_weeks": weeks,
                                                      "remind_days_before": 7, "escalate_after_days": 7})
        page = response.content.decode()
        assert response.status_code == 200 and "There is a problem" in page and message in page
        assert not ReviewSettings.objects.for_org(org).exists()


@pytest.mark.django_db
def test_zero_weeks_between_reviews_is_refused_for_one_learner(org, other_org, sign_in):
    plan = learner_with_plan(org)
    kw = plan.profile.key_worker
    response = sign_in(kw).post(url("schedule_override", org, profile_id=plan.profile_id),
                                {"cadence": "weeks", "interval_weeks": 0, "reason": ""})
    assert response.status_code == 200 and "Weeks between reviews must be 1 or more" in response.content.decode()
    assert not ScheduleOverride.objects.for_org(org).exists()


@pytest.mark.django_db
def test_the_database_refuses_zero_weeks_between_reviews(org, other_org):
    plan = learner_with_plan(org)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewSettings.objects.create(organisation=org, cadence=Cadence.WEEKS, interval_weeks=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        ScheduleOverride.objects.create(organisation=org, profile=plan.profile, cadence=Cadence.WEEKS,
                                        interval_weeks=0, set_by=plan.profile.key_worker)


@pytest.mark.django_db
@pytest.mark.parametrize("field, value, message", [
    ("next_review_on", "0001-01-01", "Next review date must be today or later"),
    ("next_review_on", "9999-12-31", "Next review date must be on or before"),
    ("next_review_on", "2026-10-18", "Next review date must be today or later"),  # yesterday
    ("next_review_on", "2024-02-30", "Enter next review date as a real date"),
    ("new_0_due_on", "0001-01-01", "Due by must be today or later"),
    ("new_0_due_on", "9999-12-31", "Due by must be on or before"),
])
def test_impossible_review_dates_are_refused_and_nothing_is_saved(org, other_org, review_in_progress, field, value,
                                                                   message):
    review, kw, edit = review_in_progress
    client, version = loaded_tab(kw, edit)
    data = _draft(version, overall_progress="Typed before the bad date",
                  new_0_title="Apply to college", new_0_due_on="2026-12-01")
    data[field] = value
    response = client.post(edit, data)
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page and message in page
    assert "Typed before the bad date" in page  # kept in the form
    review.refresh_from_db()
    assert review.overall_progress == "" and review.next_review_on is None and not review.new_targets.exists()


@pytest.mark.django_db
def test_the_database_refuses_a_next_review_before_the_review(org, other_org, frozen):
    review, _kw = _review_in_progress(org)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.for_org(org).filter(pk=review.pk).update(next_review_on=review.held_on)


# --- Item 8: maximum lengths -------------------------------------------------------------------


@pytest.mark.django_db
def test_review_text_longer_than_its_limit_is_refused_naming_the_field(org, other_org, review_in_progress):
    review, kw, edit = review_in_progress
    client, version = loaded_tab(kw, edit)
    data = _draft(version, overall_progress="x" * (PROGRESS_MAX + 1),
                  narrative_text="y" * (NARRATIVE_MAX + 1))
    page = client.post(edit, data).content.decode()
    assert f"Progress against the overall plan must be {PROGRESS_MAX} characters or fewer" in page
    assert f"Learning journey entry must be {NARRATIVE_MAX} characters or fewer" in page
    review.refresh_from_db()
    assert review.overall_progress == "" and review.narrative_text == ""
    # At the limit it is kept whole.
    data.update(overall_progress="x" * PROGRESS_MAX, narrative_text="y" * NARRATIVE_MAX)
    assert len(save_draft(client, edit, data, review).overall_progress) == PROGRESS_MAX


@pytest.mark.django_db
def test_learners_preference_and_preparation_have_limits(org, other_org, sign_in, frozen):
    review, kw = _review_in_progress(org)
    profile = review.plan.profile
    response = sign_in(kw).post(url("preference", org, profile_id=profile.pk), {"preference": "p" * 1001})
    assert "The learner&#x27;s preference, in their words must be 1000 characters or fewer" in response.content.decode()
    assert not KeyWorkerPreference.objects.for_org(org).exists()
    learner = sign_in(profile.user)
    response = learner.post(reverse("me_reviews:prepare", kwargs={"review_id": review.pk}),
                            {"learned": "l" * 2001, "enjoyed": "", "found_hard": ""})
    assert response.status_code == 200 and "What I learned must be 2000 characters or fewer" in response.content.decode()
    review.refresh_from_db()
    assert review.prep_learned == ""


@pytest.mark.django_db
def test_the_database_refuses_review_text_over_its_limit(org, other_org, frozen):
    review, _kw = _review_in_progress(org)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.for_org(org).filter(pk=review.pk).update(narrative_text="z" * (NARRATIVE_MAX + 1))


@pytest.mark.django_db
def test_two_tabs_of_the_learners_preparation_never_overwrite_each_other(org, other_org):
    from tests.crawler import form_data

    school_year(org)
    kw = member(org, Role.KEY_WORKER)
    plan = learner_with_plan(org, kw)
    review = services.review_schedule_next(org=org, plan=plan, by=kw,
                                           due_on=datetime.date.today() + datetime.timedelta(days=7))
    learner = plan.profile.user
    page = reverse("me_reviews:prepare", kwargs={"review_id": review.pk})
    first, second = tab(learner), tab(learner)
    first_form = form_data(first.get(page).content.decode(), "learned")
    second_form = form_data(second.get(page).content.decode(), "learned")

    assert first.post(page, {**first_form, "learned": "Fractions"}).status_code == 302
    refused = second.post(page, {**second_form, "learned": "Decimals"})
    body = refused.content.decode()
    assert refused.status_code == 200 and "You saved these answers somewhere else" in body
    assert "Fractions" in body and ">\nDecimals</textarea>" in body  # theirs shown, this tab's kept
    assert Review.objects.for_org(org).get(pk=review.pk).prep_learned == "Fractions"

    # Having seen the saved answers, saving again keeps this tab's.
    again = form_data(body, "learned")
    assert second.post(page, again).status_code == 302
    assert Review.objects.for_org(org).get(pk=review.pk).prep_learned == "Decimals"
