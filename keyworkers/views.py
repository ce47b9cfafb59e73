"""Thin views: permissions, forms and services/selectors."""

from __future__ import annotations

import re
import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django.utils.text import slugify

from learners import selectors as learner_selectors
from learners.lookups import plan_for_request
from plp_portal import clock
from plp_portal.organisations.choices import STAFF_ROLES, Role
from plp_portal.organisations.permissions import org_role_required
from plp_portal.pdfs.views import (
    pdf_bundle_download_response, pdf_bundle_status_response, pdf_document_response,
)
from learners.pdf_renders import PROGRESS_FILE
from plp_portal.pdfs.models import PdfBundle
from plp_portal.urlpaths import row_url
from plp_portal.pdfs.services import pdf_bundle_request
from plp_portal.audit.services import audit_log

from . import forms, selectors, services
from .filters import CaseloadFilterSet, QualityLearnersFilterSet
from .lookups import review_for_request, transferred_review_for_request
from .permissions import (
    can_cancel_review, can_manage_team, can_read_reviews, can_run_review, is_lead,
)
from .services import ReviewError, StaleReviewError
from .pdf_renders import REVIEW_RECORD, review_audience

LEADS = (Role.ORG_ADMIN, Role.CAREERS_LEAD)
PAGE_SIZE = 25


def _post_only(request):
    if request.method != "POST":
        return HttpResponse("Method not allowed", status=405)
    return None


# --- Caseload --------------------------------------------------------------------------------


def _caseload_query(request):
    """The caseload the page shows, filtered by the request's GET filters: (filterset, settings
    row). ``filterset.qs`` is the list."""
    org, today, lead = request.org, clock.today(request.org), is_lead(request)
    settings_row = selectors.review_settings_for(org=org)
    plans = selectors.caseload(
        org=org, key_worker=selectors.EVERY_KEY_WORKER if lead else request.user, today=today,
        days_ahead=settings_row.remind_days_before, viewer_role=request.membership.role if lead else None)
    filterset = CaseloadFilterSet(request.GET or None, queryset=plans, org=org, today=today,
                                  days_ahead=settings_row.remind_days_before, is_lead=lead)
    return filterset, settings_row


@org_role_required(Role.KEY_WORKER, *LEADS)
def index(request):
    """The caseload: the signed-in key worker's learners (a lead sees everyone's, or one key
    worker's with ?worker=)."""
    org, today = request.org, clock.today(request.org)
    filterset, settings_row = _caseload_query(request)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.caseload_rows(org=org, plans=page.object_list, today=today)
    without_plan = (
        list(selectors.learners_without_plan(org=org, key_worker=request.user)[:50])
        if request.membership.role == Role.KEY_WORKER else []
    )
    # Each row's links, reversed once for the page (issue 19).
    reviews_url = row_url("keyworkers:review_list", "plan_id", org_slug=org.slug)
    review_url = row_url("keyworkers:review_detail", "review_id", org_slug=org.slug)
    team_url = row_url("keyworkers:team", "profile_id", org_slug=org.slug)
    for plan in rows:
        plan.reviews_url, plan.team_url = reviews_url(plan.pk), team_url(plan.profile_id)
        plan.review_url = review_url(plan.open_review_id) if plan.open_review_id else ""
    for profile in without_plan:
        profile.team_url = team_url(profile.pk)
    return render(request, "keyworkers/index.html", {
        "page": page, "rows": rows, "today": today, "without_plan": without_plan, "filterset": filterset,
        "is_lead": is_lead(request), "days_ahead": settings_row.remind_days_before,
    })


@org_role_required(Role.ORG_ADMIN)
def settings_edit(request):
    row = selectors.review_settings_for(org=request.org)
    form = forms.ReviewSettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        services.review_settings_update(org=request.org, by=request.user, **{
            name: form.cleaned_data[name] for name in form.Meta.fields
        })
        messages.success(request, "Review settings saved.")
        return redirect("keyworkers:settings", org_slug=request.org.slug)
    return render(request, "keyworkers/settings.html", {"form": form})


# --- Team ------------------------------------------------------------------------------------


def _profile_for_team(request, profile_id):
    profile = learner_selectors.learner_profile_get(org=request.org, profile_id=profile_id)
    if not can_manage_team(request, profile):
        raise Http404("No such learner")
    return profile


@org_role_required(Role.KEY_WORKER, *LEADS)
def team(request, profile_id, forms_with_errors=None):
    profile = _profile_for_team(request, profile_id)
    org = request.org
    context = {
        "profile": profile,
        **selectors.team_for(org=org, profile=profile),
        "plans": list(profile.plans.filter(status="active")),
        "assign_form": forms.AssignForm(org=org, initial={"key_worker": profile.key_worker_id}),
        "member_form": forms.TeamMemberForm(org=org),
        "preference_form": forms.PreferenceForm(org=org),
        "can_assign": is_lead(request) or profile.key_worker_id == request.user.pk,
    }
    override = context["override"]
    context["schedule_form"] = forms.ScheduleOverrideForm(initial={
        "cadence": override.cadence if override else "", "interval_weeks": override.interval_weeks if override else 4,
        "reason": override.reason if override else "",
    })
    rule, own = selectors.rule_for(org=org, profile=profile)
    context["rule"], context["rule_is_own"] = rule, own
    context.update(forms_with_errors or {})
    return render(request, "keyworkers/team.html", context)


def _team_form_post(request, profile_id, form_name, form_class, save, message, **form_kwargs):
    """A form of the learner's team page, posted: with errors, the team page again showing them;
    else ``save(org=, profile=, by=, **cleaned_data)`` (a service), ``message`` (or
    ``message(profile, cleaned_data)``) as the success message, and back to the team page — or
    to the caseload when the change means this person no longer manages the learner's team."""
    profile = _profile_for_team(request, profile_id)
    if (refused := _post_only(request)) is not None:
        return refused
    form = form_class(request.POST, **form_kwargs)
    if not form.is_valid():
        return team(request, profile_id, {form_name: form})
    save(org=request.org, profile=profile, by=request.user, **form.cleaned_data)
    messages.success(request, message(profile, form.cleaned_data) if callable(message) else message)
    if not can_manage_team(request, profile):
        return redirect("keyworkers:index", org_slug=request.org.slug)
    return redirect("keyworkers:team", org_slug=request.org.slug, profile_id=profile.pk)


@org_role_required(Role.KEY_WORKER, *LEADS)
def assign(request, profile_id):
    return _team_form_post(request, profile_id, "assign_form", forms.AssignForm, services.key_worker_assign,
                           lambda profile, data: f"{data['key_worker']} is now {profile}'s key worker.",
                           org=request.org)


@org_role_required(Role.KEY_WORKER, *LEADS)
def team_add(request, profile_id):
    return _team_form_post(request, profile_id, "member_form", forms.TeamMemberForm, services.team_member_add,
                           "Added to the learner's team.", org=request.org)


@org_role_required(Role.KEY_WORKER, *LEADS)
def team_end(request, team_member_id):
    member = selectors.team_member_get(org=request.org, team_member_id=team_member_id)
    profile = _profile_for_team(request, member.profile_id)
    if (refused := _post_only(request)) is not None:
        return refused
    services.team_member_end(org=request.org, member=member, by=request.user)
    messages.success(request, f"{member.display_name} has left the learner's team.")
    return redirect("keyworkers:team", org_slug=request.org.slug, profile_id=profile.pk)


@org_role_required(Role.KEY_WORKER, *LEADS)
def preference(request, profile_id):
    return _team_form_post(request, profile_id, "preference_form", forms.PreferenceForm,
                           services.preference_record, "The learner's preference is recorded.", org=request.org)


@org_role_required(Role.KEY_WORKER, *LEADS)
def schedule_override(request, profile_id):
    return _team_form_post(request, profile_id, "schedule_form", forms.ScheduleOverrideForm,
                           services.schedule_override_set, "Review schedule saved.")


# --- Reviews ---------------------------------------------------------------------------------


@org_role_required(*STAFF_ROLES)
def review_list(request, plan_id):
    """Every review of a plan, in order (for the plan page's link)."""
    plan, viewer = plan_for_request(request, plan_id)
    reviews = list(selectors.reviews_for_plan(plan=plan))
    open_review = next((r for r in reviews if r.is_open), None)
    next_due = open_review.due_on if open_review else selectors.computed_due_dates(org=request.org, plans=[plan])[plan.pk]
    return render(request, "keyworkers/review_list.html", {
        "plan": plan, "reviews": reviews, "today": clock.today(request.org), "next_due": next_due,
        "open_review": open_review, "can_run": can_run_review(viewer) and plan.status == "active",
    })


@org_role_required(Role.KEY_WORKER)
def review_start(request, plan_id):
    plan, viewer = plan_for_request(request, plan_id)
    if (refused := _post_only(request)) is not None:
        return refused
    if not can_run_review(viewer):
        raise Http404("Not your learner")
    try:
        review = services.review_start(org=request.org, plan=plan, by=request.user)
    except ReviewError as error:
        messages.error(request, str(error))
        return redirect("keyworkers:review_list", org_slug=request.org.slug, plan_id=plan.pk)
    return redirect("keyworkers:review_edit", org_slug=request.org.slug, review_id=review.pk)


@org_role_required(*STAFF_ROLES)
def review_detail(request, review_id, amend_form=None):
    review, viewer = review_for_request(request, review_id)
    target_rows, new_targets, _long_term = selectors.review_targets(review=review, viewer=viewer)
    start = selectors.review_period_start(review=review)
    log_entries = learner_selectors.log_entries_for(plan=review.plan, viewer=viewer).filter(
        written_on__gte=start, written_on__lte=review.held_on or clock.today(request.org))[:50]
    return render(request, "keyworkers/review_detail.html", {
        "review": review, "plan": review.plan, "target_rows": target_rows, "new_targets": new_targets,
        "today": clock.today(request.org), "can_run": can_run_review(viewer),
        "can_cancel": can_cancel_review(request, viewer) and review.is_editable,
        "amend_form": (amend_form or forms.AmendForm()) if can_run_review(viewer) and review.kw_signed_at else None,
        "log_entries": log_entries,
        "moving_on": learner_selectors.visible_moving_on(plan=review.plan, viewer=viewer),
        "contributions": _contributions_of_period(review, viewer, start),
    })


@org_role_required(*STAFF_ROLES)
def previous_review(request, profile_id, review_id):
    """A review held at the learner's previous organisation, read-only, as the learner's consent
    to the transfer of their record allows; the read is audited at both organisations."""
    review, _viewer, transfer, profile = transferred_review_for_request(request, profile_id, review_id)
    services.transferred_review_read(transfer=transfer, review=review, by=request.user, request=request)
    return render(request, "keyworkers/previous_review.html", {
        "review": review, "plan": review.plan, "profile": profile, "transfer": transfer})


def _contributions_of_period(review, viewer, start) -> dict:
    """Notes and off-site reviews from the people the plan is shared with, added since the
    period of ``review`` began (what the key worker reads at this review)."""
    since = timezone.make_aware(dt.datetime.combine(start, dt.time()))
    return learner_selectors.contributions_for(plan=review.plan, viewer=viewer, since=since, limit=20)


@org_role_required(Role.KEY_WORKER)
def review_edit(request, review_id):
    """The review form. "Save draft" and the htmx autosave keep everything written so far;
    "Sign" saves then signs as key worker (the review then becomes read-only). Every save
    carries the draft's version: a save from an older version (another tab, another person)
    is refused, and the page shows their answers beside the person's own, which are kept."""
    review, viewer = review_for_request(request, review_id, need="run")
    if not review.is_editable:
        messages.info(request, "This review has been signed and is read-only.")
        return redirect("keyworkers:review_detail", org_slug=request.org.slug, review_id=review.pk)
    target_rows, new_targets, long_term = selectors.review_targets(review=review, viewer=viewer)
    form_kwargs = {"org": request.org, "review": review, "target_rows": target_rows, "new_targets": new_targets,
                   "long_term": long_term}
    tab = request.GET.get("tab", "")
    form = forms.ReviewForm(request.POST or None, **form_kwargs,
                            initial={"tab": tab} if re.fullmatch(r"[0-9a-f]{32}", tab) else {})
    conflict = None
    if request.method == "POST":
        if form.is_valid():
            fields, evaluations, drafts = form.service_arguments()
            expected = form.cleaned_data["version"]
            if not request.htmx and form.cleaned_data["seen_version"]:
                expected = form.cleaned_data["seen_version"]  # they were shown that version's answers
            try:
                review = services.review_save_draft(
                    org=request.org, review=review, by=request.user, expected_version=expected,
                    tab=form.cleaned_data["tab"], fields=fields, evaluations=evaluations, new_targets=drafts)
                if request.htmx:
                    return render(request, "keyworkers/partials/autosave_saved.html", {"review": review})
                if request.POST.get("action") == "sign":
                    services.review_sign_key_worker(org=request.org, review=review, by=request.user)
                    messages.success(request, f"You signed review {review.number}. The learner signs next.")
                    return redirect("keyworkers:review_detail", org_slug=request.org.slug, review_id=review.pk)
            except StaleReviewError as stale:
                review = stale.current
                conflict = _their_draft(review, viewer)
                if request.htmx:
                    # 200: htmx swaps only successful answers. The form (and what is typed in it)
                    # stays as it is; their answers appear above it.
                    return render(request, "keyworkers/partials/autosave_conflict.html",
                                  {"review": review, "conflict": conflict})
                # The person's input, bound to the current version: saving again keeps theirs,
                # knowingly.
                data = request.POST.copy()
                data["version"], data["seen_version"] = review.version, ""
                form = forms.ReviewForm(data, **form_kwargs)
                form.is_valid()
                form.add_error(None, stale.message)
            except ReviewError as error:
                if request.htmx:
                    return HttpResponse(str(error))
                # The draft may have been saved before signing was refused: the form goes on
                # from the version now saved.
                data = request.POST.copy()
                data["version"] = review.version
                form = forms.ReviewForm(data, **form_kwargs)
                form.is_valid()
                form.add_error(None, str(error))
            else:
                messages.success(request, "Draft saved.")
                # The page that loads next is the same tab: its token goes with it, so an autosave
                # the page sent just before leaving is not taken for someone else's save.
                return redirect(reverse("keyworkers:review_edit", kwargs={
                    "org_slug": request.org.slug, "review_id": review.pk}) + f"?tab={form.cleaned_data['tab']}")
        elif request.htmx:
            return HttpResponse("Not saved yet: check the highlighted answers when you save.")
    start = selectors.review_period_start(review=review)  # (once: the log and the contributions)
    log_entries = learner_selectors.log_entries_for(plan=review.plan, viewer=viewer).filter(
        written_on__gte=start)[:50]
    today = clock.today(request.org)
    return render(request, "keyworkers/review_edit.html", {
        "review": review, "plan": review.plan, "form": form, "log_entries": log_entries, "today": today,
        "suggested_next": selectors.review_next_due(org=request.org, review=review, today=today),
        "conflict": conflict, "contributions": _contributions_of_period(review, viewer, start),
        "moving_on": learner_selectors.visible_moving_on(plan=review.plan, viewer=viewer),
    })


def _their_draft(review, viewer) -> dict:
    """What another person saved in the draft, for the page that refused a stale save."""
    target_rows, new_targets, _long_term = selectors.review_targets(review=review, viewer=viewer)
    return {"review": review, "evaluations": [(t, e) for t, e in target_rows if e and (e.status or e.note)],
            "new_targets": new_targets}


@org_role_required(*STAFF_ROLES)
def review_cancel(request, review_id):
    review, viewer = review_for_request(request, review_id, need="cancel")
    form = forms.CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_cancel(org=request.org, review=review, by=request.user, reason=form.cleaned_data["reason"])
        except ReviewError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Review {review.number} cancelled.")
            return redirect("keyworkers:review_list", org_slug=request.org.slug, plan_id=review.plan_id)
    return render(request, "keyworkers/review_cancel.html", {"review": review, "form": form})


@org_role_required(Role.KEY_WORKER)
def review_amend(request, review_id):
    review, viewer = review_for_request(request, review_id, need="run")
    if (refused := _post_only(request)) is not None:
        return refused
    form = forms.AmendForm(request.POST)
    if form.is_valid():
        try:
            services.review_amend(org=request.org, review=review, by=request.user, text=form.cleaned_data["text"])
        except ReviewError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Amendment added to the learning journey.")
    else:
        # The page again with the error beside the field and the text kept (a redirect lost it).
        response = review_detail(request, review_id, amend_form=form)
        response.status_code = 200
        return response
    return redirect("keyworkers:review_detail", org_slug=request.org.slug, review_id=review.pk)


# --- Quality of the ILP process --------------------------------------------------------------


@org_role_required(*LEADS)
def quality(request):
    today = clock.today(request.org)
    overview = selectors.quality_overview(org=request.org, today=today)
    return render(request, "keyworkers/quality.html", {"q": overview, "today": today,
                                                        "metrics": selectors.QUALITY_METRICS})


@org_role_required(*LEADS)
def quality_learners(request):
    filterset = QualityLearnersFilterSet(request.GET or None, queryset=selectors.quality_learners(org=request.org),
                                         org=request.org, today=clock.today(request.org))
    if filterset.is_bound and not filterset.is_valid():
        raise Http404("No such figure")
    chosen = filterset.form.cleaned_data if filterset.is_bound else {}
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    return render(request, "keyworkers/quality_learners.html", {
        "page": page, "metric_label": selectors.QUALITY_METRICS[chosen.get("metric") or "learners"],
        "value": not filterset.without, "group": chosen.get("group"),
    })




def review_pdf_response(request, *, review, viewer, url_name: str, url_kwargs: dict, back_url: str,
                        render_id: int | None, download: bool):
    """The review record PDF's three answers (ask, "Preparing…", the file), rendered by the
    workers (``keyworkers.pdf_renders``), after the calling view checked who reads it."""
    if not can_read_reviews(viewer):
        raise Http404("No such review")
    name = slugify(f"review-{review.number}-{review.plan.profile.user.display_name}") or "review"
    return pdf_document_response(
        request, org=review.organisation_id, kind=REVIEW_RECORD, object_id=review.pk,
        audience=review_audience(viewer), url_name=url_name, url_kwargs=url_kwargs, render_id=render_id,
        download=download, filename=f"{name}.pdf", title=f"Review {review.number} (PDF)", back_url=back_url,
        back_label="Back to the review")


@org_role_required(*STAFF_ROLES)
def review_pdf(request, review_id, render_id=None, download=False):
    review, viewer = review_for_request(request, review_id)
    url_kwargs = {"org_slug": request.org.slug, "review_id": review.pk}
    return review_pdf_response(request, review=review, viewer=viewer, url_name="keyworkers:review_pdf",
                               url_kwargs=url_kwargs, back_url=reverse("keyworkers:review_detail", kwargs=url_kwargs),
                               render_id=render_id, download=download)


@require_POST
@org_role_required(Role.KEY_WORKER, *LEADS)
def caseload_bundle(request):
    """The progress files of the caseload as filtered on the page, as one ZIP built by the
    workers (each file as the person may see it; ``PdfBundle.MAX_DOCUMENTS`` at most)."""
    filterset, _settings = _caseload_query(request)
    ids = list(filterset.qs.values_list("pk", flat=True)[:PdfBundle.MAX_DOCUMENTS])
    if not ids:
        messages.error(request, "There are no learners with a plan in this list.")
        return redirect(reverse("keyworkers:index", kwargs={"org_slug": request.org.slug}))
    title = f"Progress files, {'caseloads' if is_lead(request) else 'your caseload'} ({len(ids)} learners)"
    bundle = pdf_bundle_request(
        org=request.org, kind=PROGRESS_FILE, object_ids=ids, title=title, by=request.user,
        page_path=lambda b: reverse("keyworkers:bundle", kwargs={"org_slug": request.org.slug, "bundle_id": b.pk}))
    return redirect(bundle.page_path)


def _own_bundle(request, bundle_id):
    """A bundle the signed-in person asked for in this organisation; 404 otherwise."""
    return get_object_or_404(PdfBundle.objects.for_org(request.org).filter(requested_by=request.user),
                             pk=bundle_id)


@org_role_required(Role.KEY_WORKER, *LEADS)
def bundle(request, bundle_id):
    found = _own_bundle(request, bundle_id)
    return pdf_bundle_status_response(
        request, bundle=found, title=found.title,
        download_url=reverse("keyworkers:bundle_download", kwargs={"org_slug": request.org.slug, "bundle_id": found.pk}),
        back_url=reverse("keyworkers:index", kwargs={"org_slug": request.org.slug}))


@org_role_required(Role.KEY_WORKER, *LEADS)
def bundle_download(request, bundle_id):
    found = _own_bundle(request, bundle_id)
    response = pdf_bundle_download_response(request, bundle=found,
                                            filename=f"progress-files-{found.created_at:%Y-%m-%d}.zip")
    audit_log("pdfs.bundle.downloaded", request=request, obj=found, data={"plans": found.object_ids})
    return response
