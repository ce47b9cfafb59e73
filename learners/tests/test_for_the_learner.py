"""Issue 18 — for the people the plan is for: the learner's "what do I do next?", the ten
headline questions, the starting point, target filters, the glossary and guidance explained,
the key-worker preference, the learning-log prompts; parents' notes and off-site providers'
four-weekly reviews per audience and channel (page, email, PDF, parent view)."""

import datetime
import io
import re

import pytest
import time_machine
from django.core import mail
from django.test import TestCase
from django.urls import reverse
from pypdf import PdfReader

from learners import services
from learners.choices import Audience, ShareRelationship, TargetStatus
from learners.models import LogEntry, OffSiteReview, PlanContribution, TargetArea
from learners.templatetags.learners_tags import due_in_words
from plp_portal.audit.reads import ACTION as READ
from plp_portal.audit.models import AuditEvent
from plp_portal.organisations.choices import Role
from tests.factories import member
from tests.pdfs import fetch_pdf

from .factories import LearnerProfileFactory, plan_for, target_for

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def _days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def world(org, other_org):
    key_worker = member(org, Role.KEY_WORKER, full_name="Kim Keyworker")
    profile = LearnerProfileFactory(organisation=org, strengths_own_words="I am good with animals",
                                    english_level="Entry 3", maths_level="Level 1",
                                    prior_achievements="Bronze swimming award")
    services.learner_set_key_worker(org=org, learner=profile, user=key_worker)
    plan = plan_for(profile, by=key_worker, long_term_goal="Work with animals",
                    qualifications="Level 1 Animal Care", planned_placements="Two weeks at a farm",
                    starts_on=_days(-200), ends_on=_days(200))
    return {"org": org, "key_worker": key_worker, "profile": profile, "plan": plan, "learner": profile.user}


def _text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- Dates in words --------------------------------------------------------------------------


def test_due_dates_in_words():
    today = datetime.date(2026, 11, 23)
    assert due_in_words(today, today) == "due today"
    assert due_in_words(datetime.date(2026, 11, 24), today) == "due tomorrow"
    assert due_in_words(datetime.date(2026, 11, 26), today) == "due in 3 days"
    assert due_in_words(datetime.date(2026, 11, 22), today) == "1 day late"
    assert due_in_words(datetime.date(2026, 11, 21), today) == "2 days late"
    assert due_in_words(None, today) == ""


# --- The learner's home ----------------------------------------------------------------------


def test_home_puts_late_and_due_this_week_first_in_words(world, sign_in, django_assert_max_num_queries):
    plan, kw = world["plan"], world["key_worker"]
    target_for(plan, by=kw, title="Hand in the science project", due_on=_days(-2))
    target_for(plan, by=kw, title="Practise times tables", due_on=_days(3))
    target_for(plan, by=kw, title="Plan the work placement", due_on=_days(40))
    done = target_for(plan, by=kw, title="Old finished target", due_on=_days(-5))
    services.target_progress_update(org=world["org"], target=done, by=kw, status=TargetStatus.ACHIEVED)
    client = sign_in(world["learner"])
    with django_assert_max_num_queries(40):
        response = client.get(reverse("me:home"))
    assert response.status_code == 200
    text = _text(response)
    do_next = text[text.index("What do I do next?"):text.index("My next review")]
    assert "2 days late Hand in the science project" in do_next
    assert "due in 3 days Practise times tables" in do_next
    assert "Plan the work placement" not in do_next and "Old finished target" not in do_next
    assert do_next.index("science project") < do_next.index("times tables")


def test_home_answers_all_ten_headline_questions_with_links(world, sign_in):
    response = sign_in(world["learner"]).get(reverse("me:home"))
    html = response.content.decode()
    questions = re.findall(r'<h3 class="govuk-heading-m">(\d+)\. ([^<]+)</h3>', html)
    assert [int(n) for n, _ in questions] == list(range(1, 11))
    text = _text(response)
    assert "What will my whole course look like?" in text and "What will I get for my learning?" in text
    assert "Level 1 Animal Care" in text and "Two weeks at a farm" in text
    full = reverse("me:plan_full", kwargs={"learner_plan_id": world["plan"].pk})
    for anchor in ("#goal", "#programme", "#qualifications", "#support"):
        assert f'href="{full}{anchor}"' in html
    full_page = sign_in(world["learner"]).get(full).content.decode()
    for anchor in ("goal", "programme", "qualifications", "support"):
        assert f'id="{anchor}"' in full_page
    assert reverse("me:starting_point", kwargs={"learner_plan_id": world["plan"].pk}) in html


def test_home_shows_the_next_review_and_what_to_prepare(world, sign_in):
    from keyworkers import services as kw_services

    review = kw_services.review_schedule_next(org=world["org"], plan=world["plan"], by=world["key_worker"],
                                              due_on=_days(5))
    response = sign_in(world["learner"]).get(reverse("me:home"))
    text = _text(response)
    assert "My next review" in text and "due in 5 days" in text and "with Kim Keyworker" in text
    assert "what you found hard, and why" in text and "where you could use what you learned again" in text
    assert reverse("me_reviews:prepare", kwargs={"review_id": review.pk}) in response.content.decode()


def test_home_lists_what_is_new_since_the_last_visit(world, sign_in):
    plan, kw = world["plan"], world["key_worker"]
    client = sign_in(world["learner"])
    now = datetime.datetime.now(datetime.UTC)
    with time_machine.travel(now - datetime.timedelta(hours=2), tick=False):
        target_for(plan, by=kw, title="Before the last visit")
    # The learner's last visit (an audited read of their plan) was an hour ago.
    with time_machine.travel(now - datetime.timedelta(hours=1), tick=False):
        AuditEvent.objects.create(action=READ, actor=world["learner"], organisation=world["org"],
                                  learner_profile_id=plan.profile_id)
    target_for(plan, by=kw, title="After the last visit")
    target_for(plan, by=kw, title="Secret staff target", audience=Audience.STAFF)
    text = _text(client.get(reverse("me:home")))
    new = text[text.index("New since your last visit"):text.index("My pages")]
    assert "After the last visit" in new
    assert "Before the last visit" not in new and "Secret staff target" not in new


# --- Targets: filters and pages --------------------------------------------------------------


def test_targets_filter_by_status_and_area_without_javascript_and_page(world, sign_in,
                                                                     django_assert_max_num_queries):
    plan, kw, org = world["plan"], world["key_worker"], world["org"]
    maths = TargetArea.objects.for_org(org).get(code="maths")
    for n in range(12):
        target_for(plan, by=kw, title=f"Maths step {n:02d}", area=maths, due_on=_days(n + 1))
    late = target_for(plan, by=kw, title="Late English essay", due_on=_days(-1))
    done = target_for(plan, by=kw, title="Finished reading", due_on=_days(-9))
    services.target_progress_update(org=org, target=done, by=kw, status=TargetStatus.ACHIEVED)
    client = sign_in(world["learner"])
    url = reverse("me:targets", kwargs={"learner_plan_id": plan.pk})
    with django_assert_max_num_queries(30):
        first = client.get(url)
    text = _text(first)
    assert first.content.decode().count('class="govuk-summary-card__title"') == 10
    assert "page 1 of 2" in text and 'rel="next"' in first.content.decode()
    assert "1 day late" in text
    late_only = _text(client.get(url, {"status": "late"}))
    assert late.title in late_only and "Maths step" not in late_only and "Finished reading" not in late_only
    by_area = client.get(url, {"area": maths.pk, "page": 2})
    assert "Maths step 10" in _text(by_area) and "Late English" not in _text(by_area)
    assert "area=" in by_area.content.decode().split('rel="prev"')[0].rsplit("href=", 1)[-1]
    achieved = _text(client.get(url, {"status": TargetStatus.ACHIEVED}))
    assert "Finished reading" in achieved and "Maths step" not in achieved
    nothing = _text(client.get(url, {"status": "late", "area": maths.pk}))
    assert "No targets match" in nothing and "Show all my targets" in nothing
    # Junk in the filter is ignored, not an error page.
    assert client.get(url, {"status": "<script>", "area": "x", "page": "999"}).status_code == 200


# --- Starting point, glossary, guidance explained, key-worker preference ---------------------


def test_starting_point_in_plain_words_for_the_learner_only(world, sign_in, org):
    url = reverse("me:starting_point", kwargs={"learner_plan_id": world["plan"].pk})
    text = _text(sign_in(world["learner"]).get(url))
    assert "Where I started from" in text and "I am good with animals" in text and "Entry 3" in text
    assert "Bronze swimming award" in text
    stranger = LearnerProfileFactory(organisation=org).user
    assert sign_in(stranger).get(url).status_code == 404


def test_glossary_and_guidance_explained_for_learners_and_parents(world, sign_in):
    from guidance.choices import ENTITLEMENTS

    client = sign_in(world["learner"])
    glossary = _text(client.get(reverse("me:glossary")))
    for word in ("Target", "Review", "Tier", "Key worker"):
        assert word in glossary
    assert len(ENTITLEMENTS) == 11
    for name in ("how_it_works", "for_parents"):
        response = client.get(reverse(f"me_guidance:{name}"))
        html = response.content.decode()
        assert response.status_code == 200
        plain = html[html.index('id="expect"'):html.index("govuk-details")]
        assert plain.count("<li>") == 11
        text = _text(response)
        for tier in ("Help for all", "Extra help", "A lot of help"):
            assert tier in text
        assert "How to ask for help" in text
    assert "your child" in _text(client.get(reverse("me_guidance:for_parents")))


def test_learner_states_a_key_worker_preference_staff_see_it_when_assigning(world, sign_in, org):
    other_kw = member(org, Role.KEY_WORKER, full_name="Pat Preferred")
    client = sign_in(world["learner"])
    url = reverse("me_reviews:key_worker_preference")
    empty = client.post(url, {"preferred_user": "", "preference": ""})
    assert empty.status_code == 200 and "Choose a key worker, or tell us why or who else" in empty.content.decode()
    too_long = client.post(url, {"preferred_user": other_kw.pk, "preference": "x" * 10_001})
    assert too_long.status_code == 200
    response = client.post(url, {"preferred_user": other_kw.pk, "preference": "Someone I get on with"})
    assert response.status_code == 302
    page = sign_in(world["key_worker"]).get(
        reverse("keyworkers:team", kwargs={"org_slug": org.slug, "profile_id": world["profile"].pk}))
    html = page.content.decode()
    assign = html[html.index("Assign a key worker"):html.index('action="/o/')]
    assert "Pat Preferred" in assign and "Someone I get on with" in assign
    assert "The learner&#x27;s own words" in html or "The learner's own words" in html


def test_log_prompts_ask_why_and_where_else_and_keep_voice_recording(world, sign_in):
    client = sign_in(world["learner"])
    url = reverse("me:log_add", kwargs={"learner_plan_id": world["plan"].pk})
    form = client.get(url).content.decode()
    assert "What went well, and why?" in form and "What was hard, and why?" in form
    assert "Where could I use this again?" in form and "Voice recording" in form and "js/learners/recorder.js" in form
    response = client.post(url, {"kind": "activity_diary", "written_on": TODAY.isoformat(),
                                 "what_learned": "Fractions", "use_again": "Cooking at home"})
    assert response.status_code == 302
    assert LogEntry.objects.for_org(world["org"]).get(plan=world["plan"]).use_again == "Cooking at home"
    log = _text(client.get(reverse("me:log", kwargs={"learner_plan_id": world["plan"].pk})))
    assert "Where could I use this again? Cooking at home" in log


# --- Parents' notes and off-site reviews: per audience and channel ---------------------------


def _grant(world, relationship, audience, **user_fields):
    from tests.factories import UserFactory

    person = UserFactory(**user_fields)  # no membership: a grant is their only way in
    share = services.plan_share_grant(org=world["org"], plan=world["plan"], grantee=person, relationship=relationship,
                                      by=world["learner"], contributions_audience=audience)
    return person, share


def _pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    return " ".join(page.extract_text() for page in reader.pages)


@pytest.mark.parametrize("audience", [Audience.PLAN, Audience.STAFF])
def test_parent_note_reaches_who_the_learners_grant_says(world, sign_in, audience):
    plan = world["plan"]
    parent, _share = _grant(world, ShareRelationship.PARENT_CARER, audience, full_name="Pam Parent")
    tutor, _ = _grant(world, ShareRelationship.OFF_SITE_TUTOR, Audience.PLAN, full_name="Otto Offsite")
    note = f"He has been reading every night ({audience})"
    client = sign_in(parent)
    add_url = reverse("me:shared_note_add", kwargs={"learner_plan_id": plan.pk})
    assert client.post(add_url, {"text": ""}).status_code == 200
    assert client.post(add_url, {"text": "x" * 10_001}).status_code == 200
    assert not PlanContribution.objects.for_org(world["org"]).exists()
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(add_url, {"text": note})
    assert response.status_code == 302
    assert PlanContribution.objects.for_org(world["org"]).get().audience == audience
    learner_sees = audience == Audience.PLAN
    # Pages: the key worker's plan page always; the learner's and another grantee's per audience;
    # the author sees their own either way.
    staff_page = sign_in(world["key_worker"]).get(
        reverse("learners:plan", kwargs={"org_slug": world["org"].slug, "learner_plan_id": plan.pk}))
    assert note in _text(staff_page)
    assert (note in _text(sign_in(world["learner"]).get(reverse("me:plan_full", kwargs={"learner_plan_id": plan.pk})))
            ) is learner_sees
    assert (note in _text(sign_in(tutor).get(reverse("me:shared_plan", kwargs={"learner_plan_id": plan.pk})))
            ) is learner_sees
    assert note in _text(sign_in(parent).get(reverse("me:shared_plan", kwargs={"learner_plan_id": plan.pk})))
    # Timeline: the event carries the note's audience.
    staff_timeline = _text(sign_in(world["key_worker"]).get(
        reverse("learners:timeline", kwargs={"org_slug": world["org"].slug, "learner_plan_id": plan.pk})))
    assert "Pam Parent (parent or carer) added a note" in staff_timeline
    # Email: the key worker always, the learner only when they may see it.
    to = {m.to[0]: m.body for m in mail.outbox}
    assert note in to[world["key_worker"].email]
    assert (world["learner"].email in to) is learner_sees
    # PDF: the key worker's always, the learner's and the other grantee's per audience.
    staff_pdf = _pdf_text(fetch_pdf(sign_in(world["key_worker"]), reverse(
        "learners:plan_pdf", kwargs={"org_slug": world["org"].slug, "learner_plan_id": plan.pk})))
    assert "reading every night" in staff_pdf
    learner_pdf = _pdf_text(fetch_pdf(sign_in(world["learner"]), reverse("me:plan_pdf",
                                                                          kwargs={"learner_plan_id": plan.pk})))
    assert ("reading every night" in learner_pdf) is learner_sees
    tutor_pdf = _pdf_text(fetch_pdf(sign_in(tutor), reverse("me:shared_plan_pdf",
                                                            kwargs={"learner_plan_id": plan.pk})))
    assert ("reading every night" in tutor_pdf) is learner_sees


def test_parent_reads_completed_reviews_and_the_next_review_date(world, sign_in, org):
    from keyworkers import services as kw_services

    plan, kw = world["plan"], world["key_worker"]
    seen = target_for(plan, by=kw, title="Attend every Monday", due_on=_days(5))
    staff_only = target_for(plan, by=kw, title="Anger management sessions", due_on=_days(5),
                            audience=Audience.STAFF)
    review = kw_services.review_start(org=org, plan=plan, by=kw)
    kw_services.review_save_draft(
        org=org, review=review, by=kw, expected_version=review.version,
        fields={"next_review_on": _days(30), "overall_progress": "Much better attendance this half term"},
        evaluations={seen.pk: (TargetStatus.ACHIEVED, "Every Monday"),
                     staff_only.pk: (TargetStatus.IN_PROGRESS, "Two sessions so far")})
    kw_services.review_sign_key_worker(org=org, review=review, by=kw)
    kw_services.review_sign_learner(org=org, review=review, by=world["learner"])
    parent, _ = _grant(world, ShareRelationship.PARENT_CARER, Audience.PLAN)
    text = _text(sign_in(parent).get(reverse("me:shared_plan", kwargs={"learner_plan_id": plan.pk})))
    reviews = text[text.index("Reviews"):text.index("Notes and off-site reviews")]
    assert "Much better attendance this half term" in reviews and "Attend every Monday" in reviews
    assert "Anger management" not in reviews and "Two sessions so far" not in reviews
    assert "The next review is on" in reviews and "due in 30 days" in reviews


def test_only_an_active_grant_adds_and_a_revoked_one_cannot(world, sign_in, org, other_org):
    plan = world["plan"]
    parent, share = _grant(world, ShareRelationship.PARENT_CARER, Audience.PLAN)
    url = reverse("me:shared_note_add", kwargs={"learner_plan_id": plan.pk})
    stranger = member(other_org, Role.PARENT_CARER)
    assert sign_in(stranger).get(url).status_code == 404
    assert sign_in(world["learner"]).get(url).status_code == 404
    services.plan_share_revoke(org=org, share=share, by=world["learner"])
    assert sign_in(parent).post(url, {"text": "Still here?"}).status_code == 404
    assert not PlanContribution.objects.for_org(org).exists()


@pytest.mark.parametrize("audience", [Audience.PLAN, Audience.STAFF])
def test_off_site_provider_records_and_signs_four_weekly_reviews(world, sign_in, org, audience):
    plan, kw = world["plan"], world["key_worker"]
    services.plan_update(org=org, plan=plan, by=kw, expected_version=plan.version,
                         off_site_schedule="Tuesdays 9am to 3pm at Demoshire College")
    open_target = target_for(plan, by=kw, title="Use the lathe safely", due_on=_days(10))
    hidden = target_for(plan, by=kw, title="Staff-only behaviour target", audience=Audience.STAFF)
    tutor, _ = _grant(world, ShareRelationship.OFF_SITE_TUTOR, audience, full_name="Otto Offsite")
    parent, _ = _grant(world, ShareRelationship.PARENT_CARER, Audience.PLAN)
    url = reverse("me:shared_off_site_review_add", kwargs={"learner_plan_id": plan.pk})
    assert sign_in(parent).get(url).status_code == 404  # a parent does not run off-site reviews
    client = sign_in(tutor)
    form = client.get(url).content.decode()
    assert "Use the lathe safely" in form and "Staff-only behaviour target" not in form
    assert "Tuesdays 9am to 3pm" in form
    refused = client.post(url, {"held_on": _days(1).isoformat(), "progress": "Good", "confirm": "on"})
    assert refused.status_code == 200 and "Date of the review" in refused.content.decode()
    unsigned = client.post(url, {"held_on": TODAY.isoformat(), "progress": "Good"})
    assert unsigned.status_code == 200
    assert not OffSiteReview.objects.for_org(org).exists()
    # A target the provider may not see cannot be smuggled in by a hand-made POST.
    with TestCase.captureOnCommitCallbacks(execute=True):
        forged = client.post(url, {"held_on": TODAY.isoformat(), "progress": "Good", "confirm": "on",
                                   f"target_{hidden.pk}_status": "achieved"})
    assert forged.status_code == 302
    assert not OffSiteReview.objects.for_org(org).get().target_rows.exists()
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(url, {
            "held_on": TODAY.isoformat(), "progress": "Working safely on the lathe", "next_steps": "Start a project",
            "confirm": "on", f"target_{open_target.pk}_status": "in_progress",
            f"target_{open_target.pk}_note": "Nearly there"})
    assert response.status_code == 302
    review = OffSiteReview.objects.for_org(org).order_by("-pk").first()
    assert review.audience == audience and review.author == tutor and review.signed_at is not None
    assert [(r.target_id, r.status) for r in review.target_rows.all()] == [(open_target.pk, "in_progress")]
    # Email: the key worker always; the learner only if the grant lets them read it.
    told = [m.to[0] for m in mail.outbox if "Working safely on the lathe" in m.body]
    assert world["key_worker"].email in told
    assert (world["learner"].email in told) is (audience == Audience.PLAN)
    # The key worker reads it at the next review.
    from keyworkers import services as kw_services

    next_review = kw_services.review_schedule_next(org=org, plan=plan, by=kw, due_on=_days(7))
    kw_page = _text(sign_in(kw).get(reverse("keyworkers:review_edit",
                                            kwargs={"org_slug": org.slug, "review_id": next_review.pk})))
    assert "Working safely on the lathe" in kw_page and "Use the lathe safely In progress: Nearly there" in kw_page
    # The staff plan page reads the review once the plan has one (it skips the empty list's query).
    assert "Working safely on the lathe" in _text(sign_in(kw).get(
        reverse("learners:plan", kwargs={"org_slug": org.slug, "learner_plan_id": plan.pk})))
    learner_sees = audience == Audience.PLAN
    assert ("Working safely on the lathe" in _text(sign_in(world["learner"]).get(
        reverse("me:plan_full", kwargs={"learner_plan_id": plan.pk})))) is learner_sees
    assert ("Working safely on the lathe" in _text(sign_in(parent).get(
        reverse("me:shared_plan", kwargs={"learner_plan_id": plan.pk})))) is learner_sees
    assert "Working safely on the lathe" in _text(sign_in(tutor).get(reverse("me:shared_plan",
                                                                            kwargs={"learner_plan_id": plan.pk})))


def test_off_site_provider_is_reminded_once_when_the_four_weekly_review_is_due(world, org):
    from learners import reminders
    from plp_portal.notifications.models import Reminder

    plan = world["plan"]
    with time_machine.travel(datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=30), tick=False):
        tutor, share = _grant(world, ShareRelationship.EMPLOYER, Audience.PLAN)
        _grant(world, ShareRelationship.PARENT_CARER, Audience.PLAN)  # a parent runs no off-site review
    rows = Reminder.objects.for_org(org).filter(kind=reminders.OFF_SITE_REVIEW_DUE)
    reminders.collect(today=TODAY)
    reminders.collect(today=TODAY)
    assert [(r.recipient_id, r.subject_key) for r in rows] == [(tutor.pk, f"share:{share.pk}")]
    assert rows.get().url == reverse("me:shared_off_site_review_add", kwargs={"learner_plan_id": plan.pk})
    # A review today moves the next one four weeks on: nothing more until then, then once.
    services.off_site_review_record(org=org, plan=plan, share=share, by=tutor, held_on=TODAY, progress="Fine")
    reminders.collect(today=_days(27))
    assert rows.count() == 1
    reminders.collect(today=_days(28))
    reminders.collect(today=_days(29))
    assert sorted(rows.values_list("due_on", flat=True)) == [_days(-2), _days(28)]
