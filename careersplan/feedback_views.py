"""Feedback surveys (issue 15): the lead opens one per audience and reads the answers; anyone with
the link answers it, without signing in, until it closes."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse

from plp_portal import clock
from plp_portal.clientip import client_address
from plp_portal.organisations.permissions import org_role_required, public_view

from . import feedback
from .forms import SurveyForm, SurveyResponseForm
from .lookups import careers_plan_for_request
from .permissions import PLAN_EDITORS, PLAN_READERS, can_edit_plan


def _public_url(request, survey):
    return request.build_absolute_uri(reverse("careersplan_feedback:answer", kwargs={"token": survey.token}))


@org_role_required(*PLAN_READERS)
def survey_list(request, plan_id):
    plan = careers_plan_for_request(request, plan_id)
    surveys = list(feedback.plan_surveys(plan=plan))
    can_edit = can_edit_plan(request.membership)
    form = SurveyForm(request.POST or None, taken={s.audience for s in surveys})
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("Only the careers lead opens surveys")
        if form.is_valid():
            try:
                survey = feedback.survey_open(org=request.org, plan=plan, by=request.user, request=request,
                                              **form.cleaned_data)
            except feedback.SurveyError as error:
                form.add_error("audience", str(error))
            else:
                messages.success(request, "Survey opened: share its link or QR code.")
                return redirect("careersplan:survey", org_slug=request.org.slug, plan_id=plan.pk, survey_id=survey.pk)
    return render(request, "careersplan/survey_list.html", {
        "plan": plan, "surveys": surveys, "form": form if can_edit and form.fields["audience"].choices else None,
        "today": clock.today(request.org)})


@org_role_required(*PLAN_READERS)
def survey_detail(request, plan_id, survey_id):
    plan = careers_plan_for_request(request, plan_id)
    survey = feedback.survey_get(org=request.org, plan=plan, survey_id=survey_id)
    url = _public_url(request, survey)
    page = Paginator(feedback.survey_responses(survey=survey), 25).get_page(request.GET.get("page"))
    return render(request, "careersplan/survey_detail.html", {
        "plan": plan, "survey": survey, "url": url, "page": page, "today": clock.today(request.org),
        "can_close": can_edit_plan(request.membership) and survey.is_open(clock.today(request.org)),
        "qr": feedback.qr_svg(url, title=f"QR code of the survey link for {survey.get_audience_display().lower()}")})


@org_role_required(*PLAN_EDITORS)
def survey_close(request, plan_id, survey_id):
    """Close a survey early: a confirmation page (GET), then the close (POST)."""
    plan = careers_plan_for_request(request, plan_id)
    survey = feedback.survey_get(org=request.org, plan=plan, survey_id=survey_id)
    today = clock.today(request.org)
    back = reverse("careersplan:survey", kwargs={"org_slug": request.org.slug, "plan_id": plan.pk,
                                                 "survey_id": survey.pk})
    if request.method == "POST":
        try:
            feedback.survey_close(org=request.org, survey=survey, by=request.user, today=today, request=request)
        except feedback.SurveyError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Survey of {survey.get_audience_display().lower()} closed: "
                                      "its link now says so and takes no more answers.")
        return redirect(back)
    return render(request, "careersplan/survey_close.html", {
        "plan": plan, "survey": survey, "today": today, "back": back, "is_open": survey.is_open(today)})


@public_view("a feedback survey's link: the token is the grant; answers are tied to no account")
def survey_answer(request, token):
    """The public answer page: no sign-in; refuses after the closing date."""
    survey = feedback.survey_by_token(token=token)
    today = clock.today(survey.organisation)
    is_open = survey.is_open(today)
    form = SurveyResponseForm(request.POST or None, named_allowed=survey.named_allowed)
    status = 200
    if request.method == "POST":
        if not is_open:
            status = 410
        elif form.is_valid():
            try:
                feedback.response_add(survey=survey, address=client_address(request), today=today,
                                      **form.cleaned_data)
            except feedback.RateLimited as error:
                form.add_error(None, str(error))
                status = 429
            except feedback.SurveyError as error:
                form.add_error(None, str(error))
                status = 410
            else:
                return redirect(reverse("careersplan_feedback:answer", kwargs={"token": token}) + "?sent=1")
    return render(request, "careersplan/survey_answer.html", {
        "survey": survey, "school": survey.organisation, "form": form, "is_open": is_open,
        "sent": request.GET.get("sent") == "1" and request.method == "GET"}, status=status)
