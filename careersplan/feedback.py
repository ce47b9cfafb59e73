"""Feedback surveys for a plan's annual review (seed 002: "taking into account the views of
students, parents, employers and other learning providers"; issue 15): services and selectors.

A survey's link carries a random token: whoever holds it may answer until the closing date.
Responses are tied to no account (nobody signs in to answer), so they cannot be attributed to a
learner unless the survey allows names and the respondent types one. Answers are limited per
address and per survey (``RESPONSES_PER_ADDRESS`` in ``RATE_WINDOW``), through the database cache
(requests never wait on Redis)."""

from __future__ import annotations

import datetime
import io
import secrets

import segno
from django.core.cache import cache
from django.db.models import Avg, Count
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.safestring import mark_safe

from plp_portal import clock, rls
from plp_portal.audit.services import audit_log

from .choices import FeedbackAudience
from .models import CareersPlan, FeedbackResponse, FeedbackSurvey

RESPONSES_PER_ADDRESS = 5
RESPONSES_PER_SURVEY_PER_HOUR = 500
RATE_WINDOW = 60 * 60  # seconds
PUBLIC_SCOPE = "a feedback survey's public link: the token is the grant"

# The Annual Review section's rows (Kent template) each survey audience informs.
ROW_LABELS = {
    FeedbackAudience.STUDENTS: "Students",
    FeedbackAudience.PARENTS: "Parents",
    FeedbackAudience.EMPLOYERS: "Employers",
    FeedbackAudience.PROVIDERS: "Other Learning providers",
}
# The checklist item about feedback (Kent item 20, "Student feedback received on CEIAG").
FEEDBACK_ITEM_WORDS = "feedback"


class SurveyError(Exception):
    """A request the survey's rules refuse; the message is for the person."""


class RateLimited(SurveyError):
    pass


def survey_open(*, org, plan: CareersPlan, audience: str, named_allowed: bool, closes_on: datetime.date, by,
                request=None) -> FeedbackSurvey:
    if plan.organisation_id != org.pk:
        raise SurveyError("This plan is not your organisation's.")
    if FeedbackSurvey.objects.for_org(org).filter(plan=plan, audience=audience).exists():
        raise SurveyError(f"There is already a survey of {FeedbackAudience(audience).label.lower()} for this plan.")
    survey = FeedbackSurvey.objects.for_org(org).create(
        organisation=org, plan=plan, audience=audience, named_allowed=named_allowed, closes_on=closes_on,
        created_by=by, token=secrets.token_urlsafe(24))
    audit_log("careersplan.feedback_survey_opened", request=request, actor=by, org=org, obj=survey)
    return survey


def survey_by_token(*, token: str) -> FeedbackSurvey:
    """404 for a token that matches no survey."""
    survey = rls.bearer_get(lambda: FeedbackSurvey.objects.system(PUBLIC_SCOPE).select_related(
        "organisation", "plan").filter(token=token[:64]).first(), grant="a feedback survey's link")
    if survey is None:
        raise Http404("No such survey")
    return survey


def _bump(key: str, limit: int) -> bool:
    """Count one more in ``key`` for the window; False once ``limit`` is reached."""
    cache.add(key, 0, RATE_WINDOW)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RATE_WINDOW)
        count = 1
    return count <= limit


def response_add(*, survey: FeedbackSurvey, address: str | None, rating: int, worked_well: str, improve: str,
                 respondent_name: str = "", today: datetime.date | None = None) -> FeedbackResponse:
    today = today or clock.today(survey.organisation)
    if not survey.is_open(today):
        raise SurveyError(f"This survey closed on {survey.closes_on:%-d %B %Y}: it takes no more answers.")
    if not _bump(f"feedback:{survey.pk}:survey", RESPONSES_PER_SURVEY_PER_HOUR) or not _bump(
            f"feedback:{survey.pk}:{address or 'unknown'}", RESPONSES_PER_ADDRESS):
        raise RateLimited("Too many answers from here in the last hour: please try again later.")
    response = FeedbackResponse(organisation_id=survey.organisation_id, survey=survey, rating=rating,
                                worked_well=worked_well, improve=improve,
                                respondent_name=respondent_name if survey.named_allowed else "")
    response.full_clean()
    response.save()
    return response


def plan_surveys(*, plan):
    """The plan's surveys with their response count and average rating (one query)."""
    return (FeedbackSurvey.objects.for_org(plan.organisation_id).filter(plan=plan)
            .annotate(n=Count("responses"), average=Avg("responses__rating")).order_by("audience"))


def survey_get(*, org, plan, survey_id: int) -> FeedbackSurvey:
    return get_object_or_404(plan_surveys(plan=plan).filter(organisation=org), pk=survey_id)


def survey_responses(*, survey):
    return FeedbackResponse.objects.for_org(survey.organisation_id).filter(survey=survey)


def review_summary(*, plan) -> dict[str, dict]:
    """Per Annual Review row label: the survey's audience, responses, average rating and the
    latest three comments of each kind (two queries)."""
    surveys = list(plan_surveys(plan=plan))
    latest = {}
    for r in (FeedbackResponse.objects.for_org(plan.organisation_id).filter(survey__in=[s.pk for s in surveys])
              .order_by("survey_id", "-created_at", "-pk")):
        latest.setdefault(r.survey_id, []).append(r)
    result = {}
    for s in surveys:
        answers = latest.get(s.pk, [])
        result[ROW_LABELS[s.audience]] = {
            "survey": s, "n": s.n, "average": round(s.average, 1) if s.average is not None else None,
            "worked_well": [a.worked_well for a in answers if a.worked_well][:3],
            "improve": [a.improve for a in answers if a.improve][:3],
        }
    return result


def student_responses(*, plan) -> int:
    return FeedbackResponse.objects.for_org(plan.organisation_id).filter(
        survey__plan=plan, survey__audience=FeedbackAudience.STUDENTS).count()


def qr_svg(url: str, *, title: str) -> str:
    """The link as a QR code, an SVG drawn server-side (no JavaScript, no remote service)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", xmldecl=False, svgns=True, scale=4, border=2,
                                     title=title, svgclass="plp-qr", lineclass=None)
    return mark_safe(buffer.getvalue().decode())
