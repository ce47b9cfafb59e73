"""/me/reviews/: the learner prepares for and signs their reviews; an employer or off-site
provider with an active share signs after the learner. Scoped to the signed-in person."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from learners import selectors as learner_selectors
from learners.permissions import plan_viewer
from plp_portal.organisations.permissions import signed_in_required

from . import forms, selectors, services
from .choices import SignStage
from .lookups import review_for_request
from .services import ReviewError
from .views import review_pdf_response


@signed_in_required
def index(request):
    reviews = list(selectors.my_reviews(user=request.user)[:100])
    to_sign = list(selectors.reviews_to_sign_as_provider(user=request.user)[:100])
    return render(request, "keyworkers/me/index.html", {"reviews": reviews, "to_sign": to_sign})


@signed_in_required
def prepare(request, review_id):
    review, _ = review_for_request(request, review_id, need="mine")
    org = review.organisation
    viewer = plan_viewer(plan=review.plan, user=request.user)
    is_learner = viewer.is_learner
    can_prepare = is_learner and review.is_open and review.learner_signed_at is None
    form = forms.PrepareForm(request.POST or None, initial={
        "learned": review.prep_learned, "enjoyed": review.prep_enjoyed, "found_hard": review.prep_found_hard,
        "seen": services.preparation_seen(review),
    })
    saved_elsewhere = None
    if request.method == "POST":
        if not can_prepare:
            return HttpResponse("This review can no longer be changed.", status=409)
        if form.is_valid():
            try:
                services.review_prepare(org=org, review=review, by=request.user, **form.cleaned_data)
            except services.StalePreparationError as stale:
                form.add_error(None, str(stale))
                saved_elsewhere = stale.current
                # Pressing Save again keeps what is in the boxes, knowingly.
                form.data = form.data.copy()
                form.data["seen"] = services.preparation_seen(stale.current)
            except ReviewError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Your preparation is saved. Your key worker will see it at the review.")
                return redirect("me_reviews:prepare", review_id=review.pk)
    target_rows, new_targets, _ = selectors.review_targets(review=review, viewer=viewer)
    log_entries = []
    if is_learner:
        log_entries = list(learner_selectors.log_entries_for(plan=review.plan, viewer=viewer).filter(
            written_on__gte=selectors.review_period_start(review=review))[:50])
    stage = review.sign_stage
    can_sign = (stage == SignStage.LEARNER and is_learner) or (
        stage == SignStage.PROVIDER and services.provider_can_sign(review=review, user=request.user))
    return render(request, "keyworkers/me/prepare.html", {
        "review": review, "form": form, "can_prepare": can_prepare, "log_entries": log_entries,
        "saved_elsewhere": saved_elsewhere,
        "target_rows": target_rows if review.kw_signed_at else [], "new_targets": new_targets if review.kw_signed_at else [],
        "can_sign": can_sign and review.is_open, "is_learner": is_learner,
    })


@signed_in_required
def sign(request, review_id):
    review, _ = review_for_request(request, review_id, need="mine")
    if request.method != "POST":
        return HttpResponse("Method not allowed", status=405)
    org = review.organisation
    try:
        if review.sign_stage == SignStage.LEARNER:
            services.review_sign_learner(org=org, review=review, by=request.user)
        else:
            services.review_sign_provider(org=org, review=review, by=request.user)
    except ReviewError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"You signed review {review.number}.")
    return redirect("me_reviews:prepare", review_id=review.pk)


@signed_in_required
def key_worker_preference(request):
    """The learner says who they would like as their key worker; staff see it on the learner's
    team page, beside the form that assigns the key worker."""
    profile = learner_selectors.own_profiles(user=request.user).filter(is_active=True) \
        .select_related("organisation", "key_worker").order_by("pk").first()
    if profile is None:
        raise Http404("No enrolment")
    org = profile.organisation
    form = forms.MyPreferenceForm(request.POST or None, org=org)
    if request.method == "POST" and form.is_valid():
        services.preference_record(org=org, profile=profile, by=request.user,
                                   preference=form.cleaned_data["preference"].strip(),
                                   preferred_user=form.cleaned_data["preferred_user"])
        messages.success(request, "Thank you. Your key worker and the staff who choose key workers will see this.")
        return redirect("me_reviews:key_worker_preference")
    current = selectors.preference_current(org=org, profile=profile)
    return render(request, "keyworkers/me/key_worker_preference.html", {
        "form": form, "profile": profile, "current": current})


@signed_in_required
def review_pdf(request, review_id, render_id=None, download=False):
    """The review record PDF for the learner (or the employer / provider who signs it)."""
    review, _ = review_for_request(request, review_id, need="mine")
    viewer = plan_viewer(plan=review.plan, user=request.user)
    url_kwargs = {"review_id": review.pk}
    return review_pdf_response(request, review=review, viewer=viewer, url_name="me_reviews:review_pdf",
                               url_kwargs=url_kwargs, back_url=reverse("me_reviews:prepare", kwargs=url_kwargs),
                               render_id=render_id, download=download)
