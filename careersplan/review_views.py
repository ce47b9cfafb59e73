"""The external reviewer's pages, at /careers-plan-reviews/… — outside /o/<slug>/ on purpose:
a reviewer (a lead of another school, or a consultant) is usually not a member of the plan's
organisation, so the organisation middleware's membership check cannot apply. Access is the
recorded grant instead: an unexpired, unrevoked ``ReviewerGrant`` AND the guardian object
permission on that one plan (``selectors.reviewer_plan_get``); anything else is a 404."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from plp_portal import clock
from plp_portal.audit.services import audit_log
from plp_portal.organisations.permissions import signed_in_required

from . import selectors, services
from .forms import CommentForm
from .lookups import careers_plan_for_request
from .models import TemplateSection
from .pdf import plan_pdf_view


@signed_in_required
def review_list(request):
    grants = list(selectors.reviewer_current_grants(user=request.user,
                                                    today=clock.today(request.org)))
    return render(request, "careersplan/review_list.html", {"grants": grants})


@signed_in_required
def review_plan(request, plan_id):
    plan = careers_plan_for_request(request, plan_id, need="reviewer")
    sections = selectors.plan_sections(plan=plan, with_comments=True)
    form = CommentForm(request.POST or None, plan=plan, sections=[v.section for v in sections])
    if request.method == "POST" and form.is_valid():
        section = TemplateSection.objects.get(template_id=plan.template_id,
                                              pk=form.cleaned_data["section"])
        services.comment_add(plan=plan, section=section, author=request.user,
                             text=form.cleaned_data["text"], request=request)
        messages.success(request, f"Comment added to “{section.title}”.")
        return redirect("careersplan_review:plan", plan_id=plan.pk)
    audit_log("careersplan.review_plan_viewed", request=request, org=plan.organisation, obj=plan)
    return render(request, "careersplan/review_plan.html", {
        "plan": plan, "organisation": plan.organisation, "sections": sections, "form": form,
        "summary": selectors.checklist_summary(plan=plan),
        "approval": selectors.approval_of(plan=plan),
    })


@signed_in_required
def review_pdf(request, plan_id, render_id=None, download=False):
    plan = careers_plan_for_request(request, plan_id, need="reviewer")
    return plan_pdf_view(request, plan=plan, url_name="careersplan_review:pdf",
                         url_kwargs={"plan_id": plan.pk}, render_id=render_id, download=download,
                         back_url=reverse("careersplan_review:plan", kwargs={"plan_id": plan.pk}),
                         back_label="Back to the plan")
