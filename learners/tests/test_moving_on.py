"""The moving-on plan (issue 13): written by staff with the learner, agreed by the learner,
shown on the plan, at the review and in the progress file — each channel through the one
visibility rule, a parent seeing it only with the learner's consent."""

import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from keyworkers import services as kw_services
from keyworkers.tests.factories import learner_with_plan
from learners import selectors, services
from learners.choices import Audience, MovingOnShareWith, ShareRelationship
from learners.models import MovingOnPlan
from learners.pdf import progress_file_pdf
from learners.permissions import plan_viewer
from plp_portal.organisations.choices import Role
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db

FORM = {"destination_category": "education", "destination_detail": "Demoshire College, Level 2 catering",
        "applications_note": "Demoshire College: offer accepted", "next_organisation_should_know": "Works best in "
        "small groups; <script>x</script>", "continuing_support": "Reader in exams",
        "share_with": ["next_organisation", "careers_service"], "audience": "plan"}


def _url(plan):
    return reverse("learners:moving_on_edit", kwargs={"org_slug": plan.organisation.slug, "learner_plan_id": plan.pk})


def test_key_worker_writes_it_and_the_learner_agrees(org, other_org, sign_in):
    plan = learner_with_plan(org)
    kw, learner = plan.profile.key_worker, plan.profile.user
    client = sign_in(kw)
    assert client.get(_url(plan)).status_code == 200
    response = client.post(_url(plan), FORM)
    assert response.status_code == 302
    moving_on = MovingOnPlan.objects.for_org(org).get(plan=plan)
    assert moving_on.share_with == ["next_organisation", "careers_service"] and not moving_on.learner_agreed
    page = client.get(reverse("learners:plan", kwargs={"org_slug": org.slug, "learner_plan_id": plan.pk}))
    body = page.content.decode()
    assert "Demoshire College, Level 2 catering" in body and "&lt;script&gt;" in body and "Not agreed yet" in body
    me = sign_in(learner)
    full = me.get(reverse("me:plan_full", kwargs={"learner_plan_id": plan.pk})).content.decode()
    assert "I agree to this moving-on plan" in full
    agree = reverse("me:moving_on_agree", kwargs={"learner_plan_id": plan.pk})
    assert me.post(agree, {"version": 1}).status_code == 302
    moving_on.refresh_from_db()
    assert moving_on.learner_agreed and plan.timeline_events.filter(kind="moving_on.agreed").exists()
    # A change asks the learner to agree again.
    sign_in(kw).post(_url(plan), {**FORM, "version": 1, "continuing_support": "Reader and extra time"})
    moving_on.refresh_from_db()
    assert moving_on.version == 2 and not moving_on.learner_agreed


def test_a_stale_save_is_refused_and_keeps_the_input(org, other_org, sign_in):
    plan = learner_with_plan(org)
    kw = plan.profile.key_worker
    services.moving_on_save(org=org, plan=plan, by=kw, expected_version=None, destination_category="education")
    services.moving_on_save(org=org, plan=plan, by=kw, expected_version=1, destination_category="apprenticeship")
    response = sign_in(kw).post(_url(plan), {**FORM, "version": 1})
    assert response.status_code == 200 and "Someone else changed this moving-on plan" in response.content.decode()
    assert MovingOnPlan.objects.for_org(org).get(plan=plan).destination_category == "apprenticeship"
    with pytest.raises(services.StaleMovingOnError):
        services.moving_on_agree(org=org, moving_on=MovingOnPlan.objects.for_org(org).get(plan=plan),
                                 by=plan.profile.user, version=1)


def test_bad_input_names_the_field_and_saves_nothing(org, other_org, sign_in):
    plan = learner_with_plan(org)
    response = sign_in(plan.profile.key_worker).post(_url(plan), {**FORM, "destination_category": "mars",
                                                                  "applications_note": "x" * 2001,
                                                                  "share_with": ["everyone"]})
    body = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in body
    assert "Intended destination" in body and "Notes on applications" in body
    assert not MovingOnPlan.objects.for_org(org).exists()


def _share(plan, relationship):
    grantee = UserFactory()
    share = services.plan_share_grant(org=plan.organisation, plan=plan, grantee=grantee, relationship=relationship,
                                      by=plan.profile.user)
    return grantee, share


def test_every_channel_honours_audience_and_consent(org, other_org):
    plan = learner_with_plan(org)
    kw = plan.profile.key_worker
    parent, _ = _share(plan, ShareRelationship.PARENT_CARER)
    employer, _ = _share(plan, ShareRelationship.EMPLOYER)
    services.moving_on_save(org=org, plan=plan, by=kw, expected_version=None, destination_category="education",
                            continuing_support="Mentor weekly", share_with=[MovingOnShareWith.CAREERS_SERVICE])

    def sees(user):
        viewer = plan_viewer(plan=plan, user=user)
        return selectors.plan_detail(plan=plan, viewer=viewer).visible_moving_on is not None

    assert sees(plan.profile.user) and sees(kw)
    assert not sees(parent) and not sees(employer)  # no consent for the parent yet
    services.moving_on_save(org=org, plan=plan, by=kw, expected_version=1, destination_category="education",
                            continuing_support="Mentor weekly",
                            share_with=[MovingOnShareWith.PARENT_CARER, MovingOnShareWith.CAREERS_SERVICE])
    assert sees(parent) and not sees(employer)
    assert "Mentor weekly" in _pdf_text(progress_file_pdf(plan=plan, viewer=plan_viewer(plan=plan, user=parent)))
    # Staff audience: the learner's parent never, even with consent; the learner themself does.
    services.moving_on_save(org=org, plan=plan, by=kw, expected_version=2, destination_category="education",
                            share_with=[MovingOnShareWith.PARENT_CARER], audience=Audience.STAFF)
    assert not sees(parent) and sees(kw)
    assert "Moving on" not in _pdf_text(progress_file_pdf(plan=plan, viewer=plan_viewer(plan=plan, user=parent)))
    assert sees(member(org, Role.CAREERS_LEAD)) and not sees(member(other_org, Role.CAREERS_LEAD))


def test_shown_at_the_review_and_in_the_progress_file_text(org, other_org, sign_in):
    plan = learner_with_plan(org)
    kw = plan.profile.key_worker
    services.moving_on_save(org=org, plan=plan, by=kw, expected_version=None, destination_category="apprenticeship",
                            destination_detail="Engineering apprenticeship at Demo Motors")
    review = kw_services.review_schedule_next(org=org, plan=plan, by=kw, due_on=datetime.date(2026, 12, 1))
    page = sign_in(kw).get(reverse("keyworkers:review_detail", kwargs={"org_slug": org.slug, "review_id": review.pk}))
    assert "Engineering apprenticeship at Demo Motors" in page.content.decode()
    text = _pdf_text(progress_file_pdf(plan=plan, viewer=plan_viewer(plan=plan, user=plan.profile.user)))
    assert "Moving on" in text and "Engineering apprenticeship at Demo Motors" in text


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
