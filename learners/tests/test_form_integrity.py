"""Issue 11 in the learners pages: nothing a person enters is lost or silently changed.

The learning log stays open after a review; impossible values (attendance 150 %, dates in year
0001 or 9999, a new target due yesterday) are refused by the form and by the database; free text
has a length that fits its purpose; the plan's "changed since it was signed" notice goes once
everyone has signed again; a parent sees only what a parent may use; multiple-choice answers
keep every value. Every write goes through the real page, as a browser posts it."""

import datetime
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from keyworkers import services as review_services
from keyworkers.tests.factories import learner_with_plan, school_year
from learners import forms as learner_forms
from learners import models as learner_models
from learners import services
from learners.choices import Audience, AuthorRole, EcmOutcome, ShareRelationship
from learners.models import Concern, LearnerProfile, LogBlock, LogEntry, NarrativeEntry, Plan, SubjectReport, Target
from plp_portal.organisations.choices import Role
from tests.factories import UserFactory, member
from tests.pdfs import fetch_pdf, pdf_bytes

from .factories import LearnerProfileFactory, plan_for, target_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


@pytest.fixture
def world(org, other_org):
    key_worker = member(org, Role.KEY_WORKER, full_name="Kim Keyworker")
    profile = LearnerProfileFactory(organisation=org)
    services.learner_set_key_worker(org=org, learner=profile, user=key_worker)
    today = TODAY()
    plan = plan_for(profile, by=key_worker, starts_on=today - 30 * DAY, ends_on=today + 300 * DAY,
                    long_term_goal="Become a nurse")
    return {"org": org, "key_worker": key_worker, "profile": profile, "plan": plan, "learner": profile.user}


def _o(org, name, **kwargs):
    return reverse(f"learners:{name}", kwargs={"org_slug": org.slug, **kwargs})


def _form_data(response, form_name="form", prefix_values=None):
    """What a browser posts back for the form as the page rendered it."""
    form = response.context[form_name]
    data = {}
    for bound in form:
        value = bound.value()
        if bound.widget_type == "checkbox":
            if value:
                data[bound.html_name] = "on"
            continue
        if value is None:
            value = ""
        if isinstance(value, (list, tuple)):
            data[bound.html_name] = [str(v) for v in value]
        elif isinstance(value, datetime.date):
            data[bound.html_name] = value.isoformat()
        else:
            data[bound.html_name] = str(value)
    data.update(prefix_values or {})
    return data


def _refused(response, message):
    body = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in body, "no error summary"
    assert message in body, f"{message!r} not on the page"
    return body


# --- Item 2: the learning log after a review ----------------------------------------------------


def _sign_review(org, plan, key_worker):
    review = review_services.review_start(org=org, plan=plan, by=key_worker)
    review_services.review_save_draft(org=org, review=review, by=key_worker, expected_version=review.version,
                                      fields={"overall_progress": "Good", "next_review_on": TODAY() + 42 * DAY})
    return review_services.review_sign_key_worker(org=org, review=review, by=key_worker)


def test_learner_writes_in_their_log_today_after_a_review_is_signed(org, other_org, sign_in):
    school_year(org)
    plan = learner_with_plan(org, starts_on=TODAY() - 30 * DAY)  # the current block ends in 11 days
    key_worker, learner = plan.profile.key_worker, plan.profile.user
    before = services.log_entry_add(org=org, plan=plan, by=learner, kind="blog", written_on=TODAY() - 2 * DAY,
                                    what_learned="Written before the review")
    _sign_review(org, plan, key_worker)
    before.refresh_from_db()
    assert before.block.is_filed, "the review files what was written before it"

    client = sign_in(learner)
    url = reverse("me:log_add", kwargs={"learner_plan_id": plan.pk})
    assert client.get(url).status_code == 200
    response = client.post(url, {"kind": "blog", "written_on": TODAY().isoformat(),
                                 "what_learned": "Written on the day of the review"})
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = LogEntry.objects.for_org(org).get(plan=plan, what_learned="Written on the day of the review")
    assert not entry.block.is_filed and entry.block.starts_on <= TODAY() <= entry.block.ends_on
    # What was written before the sign-off stays filed, in its own (closed) block.
    before.refresh_from_db()
    assert before.block.is_filed and before.block_id != entry.block_id
    assert list(before.block.entries.all()) == [before]
    assert before.block.ends_on == TODAY()
    # The log page lists the new entry.
    assert "Written on the day of the review" in client.get(
        reverse("me:log", kwargs={"learner_plan_id": plan.pk})).content.decode()
    # A date inside the filed part of the log is refused with a message that says what to enter.
    _refused(client.post(url, {"kind": "blog", "written_on": (TODAY() - 3 * DAY).isoformat(),
                               "what_learned": "Back-dated"}), "Enter a date from")
    assert not LogEntry.objects.for_org(org).filter(what_learned="Back-dated").exists()


def test_block_filed_on_its_first_day_leaves_the_rest_of_it_open(world):
    org, plan, learner = world["org"], world["plan"], world["learner"]
    today = TODAY()
    block = services.log_block_for(org=org, plan=plan, on=today)
    # Make a block that starts today (as after an earlier filing).
    LogBlock.objects.for_org(org).filter(pk=block.pk).update(starts_on=today)
    block.refresh_from_db()
    services.log_block_file(org=org, block=block, by=world["key_worker"])
    entry = services.log_entry_add(org=org, plan=plan, by=learner, kind="blog", written_on=today, what_learned="x")
    assert entry.block.starts_on == today and not entry.block.is_filed
    block.refresh_from_db()
    assert block.is_filed and (block.starts_on, block.ends_on) == (today, today)


def test_a_log_entry_dated_tomorrow_is_refused_with_a_message_naming_the_date(world, sign_in):
    client = sign_in(world["learner"])
    url = reverse("me:log_add", kwargs={"learner_plan_id": world["plan"].pk})
    _refused(client.post(url, {"kind": "blog", "written_on": (TODAY() + DAY).isoformat(), "what_learned": "x"}),
             "Date must be today or earlier")


# --- Item 6: impossible values ------------------------------------------------------------------


@pytest.mark.parametrize("attendance", ["150", "-1", "100.01"])
def test_attendance_outside_0_to_100_is_refused_on_the_profile(world, sign_in, attendance):
    org, profile = world["org"], world["profile"]
    client = sign_in(world["key_worker"])
    url = _o(org, "profile_edit", profile_id=profile.pk)
    data = _form_data(client.get(url), prefix_values={"attendance_percent": attendance})
    _refused(client.post(url, data), "Attendance (%) must be")
    profile.refresh_from_db()
    assert profile.attendance_percent is None
    data["attendance_percent"] = "100"
    assert client.post(url, data).status_code == 302
    profile.refresh_from_db()
    assert profile.attendance_percent == 100


def test_attendance_outside_0_to_100_is_refused_on_a_subject_report(world, sign_in):
    org, plan = world["org"], world["plan"]
    client = sign_in(world["key_worker"])
    url = _o(org, "report_add", learner_plan_id=plan.pk)
    data = {"subject": "English", "attendance_percent": "150", "reported_on": TODAY().isoformat(),
            "audience": Audience.PLAN}
    _refused(client.post(url, data), "Attendance (%) must be 100 or less")
    assert not SubjectReport.objects.for_org(org).exists()


def test_the_database_refuses_impossible_attendance_dates_of_birth_and_plan_dates(world):
    org, plan, profile = world["org"], world["plan"], world["profile"]
    report = services.subject_report_add(org=org, plan=plan, by=world["key_worker"], subject="Maths",
                                         reported_on=TODAY(), attendance_percent=90)
    concern = services.concern_raise(org=org, plan=plan, by=world["key_worker"], category="attendance",
                                     description="Late")
    for queryset, change in [
        (LearnerProfile.objects.for_org(org).filter(pk=profile.pk), {"attendance_percent": 150}),
        (LearnerProfile.objects.for_org(org).filter(pk=profile.pk), {"attendance_percent": -1}),
        (LearnerProfile.objects.for_org(org).filter(pk=profile.pk), {"date_of_birth": datetime.date(1, 1, 1)}),
        (SubjectReport.objects.for_org(org).filter(pk=report.pk), {"attendance_percent": 150}),
        (Plan.objects.for_org(org).filter(pk=plan.pk), {"starts_on": datetime.date(1, 1, 1)}),
        (Plan.objects.for_org(org).filter(pk=plan.pk), {"ends_on": datetime.date(9999, 12, 31)}),
        (Concern.objects.for_org(org).filter(pk=concern.pk), {"follow_up_on": datetime.date(9999, 12, 31)}),
        (SubjectReport.objects.for_org(org).filter(pk=report.pk), {"reported_on": datetime.date(1, 1, 1)}),
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            queryset.update(**change)
    profile.attendance_percent = 150
    with pytest.raises(ValidationError):
        profile.full_clean()


@pytest.mark.parametrize("field, value, message", [
    ("starts_on", "0001-01-01", "Starts on must be on or after 1/1/2000"),
    ("ends_on", "9999-12-31", "Ends on must be on or before"),
    ("ends_on", "2024-02-30", "Enter ends on as a real date"),
])
def test_impossible_plan_dates_are_refused(world, sign_in, field, value, message):
    org, plan = world["org"], world["plan"]
    client = sign_in(world["key_worker"])
    url = _o(org, "plan_edit", learner_plan_id=plan.pk)
    data = _form_data(client.get(url), prefix_values={field: value})
    _refused(client.post(url, data), message)
    plan.refresh_from_db()
    assert plan.version == 1


def test_enrolling_with_a_plan_in_year_9999_or_a_birth_date_in_the_future_is_refused(world, sign_in):
    org = world["org"]
    new_learner = member(org, Role.LEARNER)
    client = sign_in(member(org, Role.ORG_ADMIN))
    url = _o(org, "add")
    assert client.get(url).status_code == 200
    data = {"learner": new_learner.pk, "target_group": world["profile"].target_group, "programme_name": "BTEC",
            "starts_on": TODAY().isoformat(), "ends_on": "9999-12-31", "final_outcome": "Pass",
            "date_of_birth": (TODAY() + DAY).isoformat()}
    body = _refused(client.post(url, data), "Plan ends on must be on or before")
    assert "Date of birth must be today or earlier" in body
    data["date_of_birth"] = "1899-12-31"
    assert "Date of birth must be on or after 1/1/1900" in client.post(url, data).content.decode()
    assert not LearnerProfile.objects.for_org(org).filter(user=new_learner).exists()


@pytest.mark.parametrize("date_of_birth, message", [
    ("1899-12-31", "Date of birth must be on or after 1/1/1900"),
    ("tomorrow", "Date of birth must be today or earlier"),
])
def test_an_implausible_date_of_birth_is_refused_on_the_profile(world, sign_in, date_of_birth, message):
    org, profile = world["org"], world["profile"]
    if date_of_birth == "tomorrow":
        date_of_birth = (TODAY() + DAY).isoformat()
    client = sign_in(world["key_worker"])
    url = _o(org, "profile_edit", profile_id=profile.pk)
    _refused(client.post(url, _form_data(client.get(url), prefix_values={"date_of_birth": date_of_birth})), message)
    profile.refresh_from_db()
    assert profile.date_of_birth == datetime.date(2010, 5, 1)


def test_a_new_target_due_yesterday_is_refused_for_staff_and_learner(world, sign_in):
    org, plan = world["org"], world["plan"]
    yesterday = (TODAY() - DAY).isoformat()
    staff = sign_in(world["key_worker"])
    _refused(staff.post(_o(org, "target_add", learner_plan_id=plan.pk), {
        "title": "Hand in coursework", "term": "short", "due_on": yesterday, "audience": Audience.PLAN}),
        "Due date must be today or later")
    learner = sign_in(world["learner"])
    _refused(learner.post(reverse("me:target_add", kwargs={"learner_plan_id": plan.pk}), {
        "title": "Run 5k", "due_on": yesterday}), "Due date must be today or later")
    assert not Target.objects.for_org(org).filter(title__in=["Hand in coursework", "Run 5k"]).exists()
    assert learner.post(reverse("me:target_add", kwargs={"learner_plan_id": plan.pk}), {
        "title": "Run 5k", "due_on": TODAY().isoformat()}).status_code == 302


def test_an_overdue_target_can_still_be_updated_without_changing_its_date(world, sign_in):
    org, plan = world["org"], world["plan"]
    overdue = target_for(plan, by=world["key_worker"], title="Finish the reading log", due_on=TODAY() - 10 * DAY)
    client = sign_in(world["key_worker"])
    url = _o(org, "target", target_id=overdue.pk)
    assert client.get(url).status_code == 200
    assert client.post(url, {"status": "in_progress", "note": "Half done"}).status_code == 302
    overdue.refresh_from_db()
    assert overdue.status == "in_progress" and overdue.due_on == TODAY() - 10 * DAY


def test_a_concern_follow_up_in_the_past_is_refused_when_raised_but_kept_when_updated(world, sign_in):
    org, plan = world["org"], world["plan"]
    client = sign_in(world["key_worker"])
    url = _o(org, "concern_add", learner_plan_id=plan.pk)
    data = {"category": "attendance", "description": "Late most mornings", "follow_up_on": (TODAY() - DAY).isoformat(),
            "audience": Audience.STAFF}
    _refused(client.post(url, data), "Follow up by must be today or later")
    assert not Concern.objects.for_org(org).exists()
    data["follow_up_on"] = "9999-12-31"
    _refused(client.post(url, data), "Follow up by must be on or before")
    assert not Concern.objects.for_org(org).exists()

    # A concern whose follow-up date has passed: its other fields can still be changed.
    concern = services.concern_raise(org=org, plan=plan, by=world["key_worker"], category="attendance",
                                     description="Late", follow_up_on=TODAY() - 5 * DAY)
    page = _o(org, "concern", concern_id=concern.pk)
    data = _form_data(client.get(page), "update_form", {"action": "update", "update-follow_up_how": "Call home"})
    assert client.post(page, data).status_code == 302
    concern.refresh_from_db()
    assert concern.follow_up_how == "Call home" and concern.follow_up_on == TODAY() - 5 * DAY
    data["update-follow_up_on"] = (TODAY() - 2 * DAY).isoformat()
    _refused(client.post(page, data), "Follow up by must be today or later")


# --- Item 8: lengths of free text -----------------------------------------------------------------


FREE_TEXT_MODELS = [m for m in vars(learner_models).values()
                    if isinstance(m, type) and issubclass(m, models.Model) and m._meta.app_label == "learners"
                    and not m._meta.abstract]


def test_every_free_text_field_of_the_learners_models_has_a_maximum_length():
    unbounded = [f"{model.__name__}.{field.name}" for model in FREE_TEXT_MODELS for field in model._meta.fields
                 if isinstance(field, models.TextField)
                 or (isinstance(field, models.CharField) and not field.max_length)]
    assert unbounded == []


def _all_forms():
    for obj in vars(learner_forms).values():
        if (isinstance(obj, type) and issubclass(obj, learner_forms.forms.BaseForm)
                and obj.__module__ == learner_forms.__name__):
            yield obj


def test_every_free_text_field_of_the_learners_forms_has_a_maximum_length():
    from django import forms as django_forms

    unbounded = []
    for form_class in _all_forms():
        fields = dict(form_class.base_fields)
        for name, field in fields.items():
            if type(field) in (django_forms.CharField,) and not field.max_length:
                unbounded.append(f"{form_class.__name__}.{name}")
    assert unbounded == []


def test_text_longer_than_its_limit_is_refused_with_a_message_naming_the_field(world, sign_in):
    org, plan = world["org"], world["plan"]
    client = sign_in(world["learner"])
    url = reverse("me:log_add", kwargs={"learner_plan_id": plan.pk})
    response = client.post(url, {"kind": "blog", "written_on": TODAY().isoformat(), "what_learned": "a" * 2001})
    _refused(response, "What did I learn must be 2000 characters or fewer (it has 2001)")
    assert not LogEntry.objects.for_org(org).exists()
    staff = sign_in(world["key_worker"])
    url = _o(org, "plan_edit", learner_plan_id=plan.pk)
    data = _form_data(staff.get(url), prefix_values={"long_term_goal": "g" * 1001})
    _refused(staff.post(url, data), "Long-term goal must be 1000 characters or fewer")
    plan.refresh_from_db()
    assert plan.long_term_goal == "Become a nurse"


def _at_max(model, field_name, fill="Lorem ipsum dolor sit amet, consectetur adipiscing elit. "):
    limit = model._meta.get_field(field_name).max_length
    return (fill * (limit // len(fill) + 1))[:limit]


def test_progress_file_of_a_plan_with_every_field_at_its_maximum_stays_bounded(world, sign_in):
    org, plan, key_worker, learner = world["org"], world["plan"], world["key_worker"], world["learner"]
    profile = world["profile"]
    for name in LearnerProfile.SENSITIVE_FIELDS[:-1] + ("strengths_own_words", "weaknesses_own_words", "attitude"):
        setattr(profile, name, _at_max(LearnerProfile, name))
    profile.save()
    plan_fields = ["long_term_goal", "anticipated_destination", "qualifications", "planned_placements",
                   "support_needed"]
    services.plan_update(org=org, plan=plan, by=key_worker, expected_version=plan.version,
                         **{f: _at_max(Plan, f) for f in plan_fields})
    unbroken = "x" * 2000  # one word with no place to wrap
    for i in range(15):
        target = target_for(plan, by=key_worker, title=_at_max(Target, "title"), due_on=TODAY() + 30 * DAY,
                            success_criteria=unbroken if i == 0 else _at_max(Target, "success_criteria"),
                            support_strategy=_at_max(Target, "support_strategy"))
        services.target_progress_update(org=org, target=target, by=key_worker, status="in_progress",
                                        note="n" * learner_models.PROGRESS_NOTE_MAX)
    for _ in range(10):
        services.narrative_append(org=org, plan=plan, by=key_worker, author_role=AuthorRole.TUTOR,
                                  text=_at_max(NarrativeEntry, "text"))
        services.subject_report_add(org=org, plan=plan, by=key_worker, subject=_at_max(SubjectReport, "subject"),
                                    reported_on=TODAY(), comment=_at_max(SubjectReport, "comment"))
        services.log_entry_add(org=org, plan=plan, by=learner, kind="blog", written_on=TODAY(),
                               **{f: _at_max(LogEntry, f) for f in ("title", "what_learned", "how_learned")})
    client = sign_in(learner)
    response = fetch_pdf(client, reverse("me:plan_pdf", kwargs={"learner_plan_id": plan.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = pdf_bytes(response)
    pages = len(PdfReader(io.BytesIO(data)).pages)
    # The complete file prints every record in full (15 targets with their history, 10 journey
    # entries, 10 reports and 10 log entries, each at its maximum length: about 105 pages).
    # The bound catches a runaway layout (an unbreakable word repeated page after page), not size.
    assert 1 < pages <= 150, pages
    assert len(data) < 3_000_000, len(data)


# --- Item 9: the contract notice and the parent's page --------------------------------------------


NOTICE = "The plan has changed since it was signed"


def test_changed_since_signed_notice_goes_once_everyone_has_signed_the_new_version(world, sign_in):
    org, plan = world["org"], world["plan"]
    staff = sign_in(world["key_worker"])
    plan_page = _o(org, "plan", learner_plan_id=plan.pk)

    def staff_signs():
        staff.force_login(world["key_worker"], backend="django.contrib.auth.backends.ModelBackend")
        staff.post(_o(org, "plan_sign", learner_plan_id=plan.pk), _form_data(staff.get(plan_page), "sign_form"))

    def learner_signs():
        staff.force_login(world["learner"], backend="django.contrib.auth.backends.ModelBackend")
        page = reverse("me:plan_full", kwargs={"learner_plan_id": plan.pk})
        staff.post(reverse("me:plan_sign", kwargs={"learner_plan_id": plan.pk}),
                   _form_data(staff.get(page), "sign_form"))

    staff_signs()
    learner_signs()
    staff.force_login(world["key_worker"], backend="django.contrib.auth.backends.ModelBackend")
    assert NOTICE not in staff.get(plan_page).content.decode()
    edit = _o(org, "plan_edit", learner_plan_id=plan.pk)
    changed = _form_data(staff.get(edit), prefix_values={"qualifications": "Five GCSEs"})
    assert staff.post(edit, changed).status_code == 302
    assert NOTICE in staff.get(plan_page).content.decode()
    staff_signs()
    staff.force_login(world["key_worker"], backend="django.contrib.auth.backends.ModelBackend")
    assert NOTICE in staff.get(plan_page).content.decode(), "the learner has not signed the new version yet"
    learner_signs()
    assert NOTICE not in staff.get(reverse("me:plan_full", kwargs={"learner_plan_id": plan.pk})).content.decode()
    staff.force_login(world["key_worker"], backend="django.contrib.auth.backends.ModelBackend")
    body = staff.get(plan_page).content.decode()
    assert NOTICE not in body
    assert "Earlier version, signed again since" in body
    plan.refresh_from_db()
    assert plan.signatures.filter(plan_version=2).count() == 2 and not plan.is_changed_after_signing


LEARNER_ONLY = ["me:targets", "me:target_add", "me:log", "me:log_add", "me:journey_add", "me:concern_add",
                "me:sharing", "me:share_add", "me:plan_full", "me:plan", "me:plan_pdf", "me:plan_sign"]


def test_parent_sees_no_link_to_what_only_the_learner_may_use(world, sign_in):
    plan = world["plan"]
    target_for(plan, by=world["key_worker"], title="Read one book a month")
    services.narrative_append(org=world["org"], plan=plan, by=world["key_worker"], author_role=AuthorRole.TUTOR,
                              text="Settled in")
    parent = UserFactory()
    services.plan_share_grant(org=world["org"], plan=plan, grantee=parent,
                              relationship=ShareRelationship.PARENT_CARER, by=world["learner"])
    client = sign_in(parent)
    forbidden = {reverse(name, kwargs={"learner_plan_id": plan.pk}) for name in LEARNER_ONLY}
    forbidden |= {reverse("me_guidance:index"), reverse("me_guidance:self_refer"), reverse("me_reviews:index")}
    for url in (reverse("me:home"), reverse("me:shared_plan", kwargs={"learner_plan_id": plan.pk})):
        body = client.get(url).content.decode()
        links = set(re.findall(r'href="([^"#]+)', body))
        assert not links & forbidden, (url, links & forbidden)
        assert "Set yourself a target" not in body and "Who can see my plan" not in body
    # The page the parent may use is still there: the plan and its progress file.
    assert reverse("me:shared_plan_pdf", kwargs={"learner_plan_id": plan.pk}) in body
    # The learner still has the links.
    learner = sign_in(world["learner"])
    body = learner.get(reverse("me:home")).content.decode()
    assert reverse("me_guidance:index") in body and reverse("me:log", kwargs={"learner_plan_id": plan.pk}) in body


def test_parent_with_nothing_shared_is_not_offered_the_learners_pages(world, sign_in):
    parent = member(world["org"], Role.PARENT_CARER)
    body = sign_in(parent).get(reverse("me:home")).content.decode()
    assert reverse("me_guidance:index") not in body and reverse("me_reviews:index") not in body
    assert "Nobody is sharing a learning plan with you" in body


# --- Item 1: multiple-choice fields keep every value ----------------------------------------------


def test_two_every_child_matters_outcomes_on_a_log_entry_are_both_kept(world, sign_in):
    org, plan = world["org"], world["plan"]
    client = sign_in(world["learner"])
    url = reverse("me:log_add", kwargs={"learner_plan_id": plan.pk})
    page = client.get(url).content.decode()
    assert page.count('type="checkbox" value="') >= 2 and 'name="ecm_outcomes"' in page
    assert 'type="radio" value="be_healthy"' not in page
    response = client.post(url, {"kind": "blog", "written_on": TODAY().isoformat(), "what_learned": "First aid",
                                 "ecm_outcomes": [EcmOutcome.BE_HEALTHY, EcmOutcome.STAY_SAFE]})
    assert response.status_code == 302
    entry = LogEntry.objects.for_org(org).get(plan=plan)
    assert sorted(entry.ecm_outcomes) == sorted([EcmOutcome.BE_HEALTHY, EcmOutcome.STAY_SAFE])


def test_two_roles_that_can_see_a_record_are_both_kept(world, sign_in):
    org, plan = world["org"], world["plan"]
    client = sign_in(world["key_worker"])
    url = _o(org, "narrative_add", learner_plan_id=plan.pk)
    page = client.get(url).content.decode()
    assert re.search(r'type="checkbox" value="subject_tutor"', page)
    response = client.post(url, {"author_role": AuthorRole.TUTOR, "text": "Spoke to the SENCO",
                                 "audience": Audience.RESTRICTED,
                                 "restricted_roles": [Role.SUBJECT_TUTOR, Role.CAREERS_ADVISER]})
    assert response.status_code == 302
    entry = NarrativeEntry.objects.for_org(org).get(plan=plan, text="Spoke to the SENCO")
    assert sorted(entry.restricted_role_list) == sorted([Role.SUBJECT_TUTOR, Role.CAREERS_ADVISER])
    assert entry.audience == Audience.RESTRICTED

    url = _o(org, "concern_add", learner_plan_id=plan.pk)
    response = client.post(url, {"category": "attendance", "description": "Late", "audience": Audience.RESTRICTED,
                                 "restricted_roles": [Role.SUBJECT_TUTOR, Role.CAREERS_LEAD]})
    assert response.status_code == 302
    concern = Concern.objects.for_org(org).get(plan=plan)
    assert sorted(concern.restricted_role_list) == sorted([Role.CAREERS_LEAD, Role.SUBJECT_TUTOR])

