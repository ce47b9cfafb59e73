"""Subject access requests: the learner's own page (/me/records/) and the organisation admin's
(/o/<slug>/records/). A request is found within the signed-in person's reach only (their own,
or their organisation's): another's id is a 404. The download needs sign-in, is refused once the
export has expired, and is audited."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.db.models import Q

from plp_portal.organisations.choices import Role
from plp_portal.organisations.permissions import org_role_required, signed_in_required
from plp_portal.organisations.selectors import member_user_get, user_memberships
from plp_portal.uploads import serve_upload

from . import forms, retention, services
from .models import Erasure, SubjectAccessRequest

PAGE_SIZE = 25


def _own_requests(user, children=None):
    """The person's own requests, and those they made for a child they may still ask for
    (``children``: ``services.parent_children_decided``; the policy is checked again on every
    page and download, so a child who has grown past the age, or a revoked grant, closes it)."""
    org_ids = list(user_memberships(user=user).filter(role=Role.LEARNER).values_list("organisation_id", flat=True))
    mine = Q(organisation_id__in=org_ids, learner=user)
    for child in (services.parent_children_decided(parent=user) if children is None else children):
        if child["allowed"]:
            mine |= Q(organisation_id=child["org_id"], learner_id=child["user_id"], requested_by=user)
    return (SubjectAccessRequest.objects.system("a person's own requests and their children's, by organisation")
            .filter(mine).select_related("organisation", "learner"))


def _download(request, sar):
    if not sar.is_available or not sar.file or not sar.file.storage.exists(sar.file.name):
        raise Http404("This copy is no longer available: ask for a new one")
    services.sar_downloaded(sar=sar, by=request.user, request=request)
    response = serve_upload(sar.file, content_type="application/zip",
                            download_name=f"record-{sar.organisation.slug}-{sar.requested_at:%Y-%m-%d}.zip")
    response["Cache-Control"] = "private, no-store"
    return response


# --- The learner -------------------------------------------------------------------------------


@signed_in_required
def me_index(request):
    memberships = list(user_memberships(user=request.user).filter(role=Role.LEARNER))
    children = services.parent_children_decided(parent=request.user)
    page = Paginator(_own_requests(request.user, children), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "records/me_index.html", {"memberships": memberships, "page": page,
                                                     "children": children})


@require_POST
@signed_in_required
def me_request(request):
    membership = (user_memberships(user=request.user).filter(role=Role.LEARNER)
                  .filter(organisation_id=request.POST.get("organisation") or 0).first()
                  if (request.POST.get("organisation") or "").isdigit() else None)
    if membership is None:
        messages.error(request, "Select the organisation whose record you want")
        return redirect("me_records:index")
    sar = services.sar_request(org=membership.organisation, learner=request.user, by=request.user, request=request)
    messages.success(request, "Your request is recorded. We will prepare your copy; this page shows when it is ready.")
    return redirect("me_records:detail", sar_id=sar.pk)


@require_POST
@signed_in_required
def me_request_child(request):
    """A parent asks for a young child's copy (the organisation's policy decides; audited)."""
    profile_id = request.POST.get("child") or ""
    try:
        sar = services.sar_request_for_child(parent=request.user, profile_id=int(profile_id) if profile_id.isdigit()
                                             else 0, request=request)
    except services.SarError as error:
        messages.error(request, str(error))
        return redirect("me_records:index")
    messages.success(request, "Your request is recorded. We will prepare the copy; this page shows when it is ready.")
    return redirect("me_records:detail", sar_id=sar.pk)


@signed_in_required
def me_detail(request, sar_id):
    sar = get_object_or_404(_own_requests(request.user), pk=sar_id)
    return render(request, "records/detail.html", {
        "sar": sar, "download_url": reverse("me_records:download", kwargs={"sar_id": sar.pk}),
        "back_url": reverse("me_records:index"), "own": True})


@signed_in_required
def me_download(request, sar_id):
    return _download(request, get_object_or_404(_own_requests(request.user), pk=sar_id))


# --- The organisation admin ----------------------------------------------------------------------


def _org_sar(request, sar_id):
    return get_object_or_404(SubjectAccessRequest.objects.for_org(request.org)
                             .select_related("learner", "requested_by", "reviewed_by", "organisation"), pk=sar_id)


@org_role_required(Role.ORG_ADMIN)
def org_index(request):
    form = forms.ProduceForm(request.POST or None, org=request.org)
    if request.method == "POST" and form.is_valid():
        sar = services.sar_request(org=request.org, learner=form.learner, by=request.user, request=request,
                                   on_behalf="admin")
        messages.success(request, f"The record of {form.learner.full_name or form.learner.email} is requested.")
        return redirect("records:detail", org_slug=request.org.slug, sar_id=sar.pk)
    requests = (SubjectAccessRequest.objects.for_org(request.org).select_related("learner", "requested_by"))
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "records/org_index.html", {"form": form, "page": page})


@org_role_required(Role.ORG_ADMIN)
def org_detail(request, sar_id):
    sar = _org_sar(request, sar_id)
    rows = services.sar_restricted_rows(sar=sar) if sar.status == SubjectAccessRequest.Status.AWAITING_REVIEW else []
    form = forms.ReviewForm(request.POST or None, rows=rows)
    if request.method == "POST":
        if not rows:
            messages.error(request, "This request has no records waiting for review.")
            return redirect("records:detail", org_slug=request.org.slug, sar_id=sar.pk)
        if form.is_valid():
            try:
                services.sar_review(org=request.org, sar=sar, by=request.user, withheld=form.withheld(),
                                    request=request)
            except services.SarError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, "Review recorded. The copy is being prepared.")
            return redirect("records:detail", org_slug=request.org.slug, sar_id=sar.pk)
    bound = [(form[f"withhold_{i}"], form[f"reason_{i}"], label, row) for i, (label, row) in enumerate(rows)]
    return render(request, "records/detail.html", {
        "sar": sar, "form": form, "rows": bound,
        "download_url": reverse("records:download", kwargs={"org_slug": request.org.slug, "sar_id": sar.pk}),
        "back_url": reverse("records:index", kwargs={"org_slug": request.org.slug})})


@org_role_required(Role.ORG_ADMIN)
def org_download(request, sar_id):
    return _download(request, _org_sar(request, sar_id))




# --- Retention and early erasure (organisation admins) ---------------------------------------------


@org_role_required(Role.ORG_ADMIN)
def retention_index(request):
    policy = retention.policy_for(request.org.pk)
    form = forms.RetentionPolicyForm(request.POST or None, initial={
        "years_after_leaving": policy.years_after_leaving, "years_with_support_needs": policy.years_with_support_needs,
        "parent_request_below_age": policy.parent_request_below_age})
    if request.method == "POST" and form.is_valid():
        retention.retention_policy_update(org=request.org, by=request.user, request=request, **form.cleaned_data)
        messages.success(request, "The records policy is saved.")
        return redirect("records:retention", org_slug=request.org.slug)
    erasures = Erasure.objects.for_org(request.org).select_related("requested_by", "confirmed_by")
    page = Paginator(erasures, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "records/retention.html", {
        "form": form, "policy": policy, "page": page, "erase_form": forms.ErasureRequestForm(org=request.org),
        "due_count": len(retention.due(org_id=request.org.pk))})


@org_role_required(Role.ORG_ADMIN)
def erasure_new(request):
    form = forms.ErasureRequestForm(request.POST or None, org=request.org)
    if request.method == "POST" and form.is_valid():
        try:
            erasure = retention.erasure_request(org=request.org, learner=form.learner, by=request.user,
                                                request=request)
        except retention.ErasureError as error:
            form.add_error("email", str(error))
        else:
            messages.success(request, "The erasure is asked for. A second organisation admin must confirm it.")
            return redirect("records:erasure", org_slug=request.org.slug, erasure_id=erasure.pk)
    return render(request, "records/erasure_new.html", {"form": form})


@org_role_required(Role.ORG_ADMIN)
def erasure_detail(request, erasure_id):
    erasure = get_object_or_404(Erasure.objects.for_org(request.org).select_related("requested_by", "confirmed_by"),
                                pk=erasure_id)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "confirm":
                retention.erasure_confirm(org=request.org, erasure=erasure, by=request.user, request=request)
                messages.success(request, "The learner's record is erased.")
            elif action == "cancel":
                retention.erasure_cancel(org=request.org, erasure=erasure, by=request.user, request=request)
                messages.success(request, "The erasure is cancelled. Nothing was erased.")
            else:
                messages.error(request, "Choose to confirm or to cancel the erasure")
        except retention.ErasureError as error:
            messages.error(request, str(error))
        return redirect("records:erasure", org_slug=request.org.slug, erasure_id=erasure.pk)
    learner = None
    if erasure.status == Erasure.Status.REQUESTED:
        facts = retention.learner_facts(org_id=request.org.pk, profile_ids=[erasure.profile_id])
        if erasure.profile_id in facts:
            learner = member_user_get(org=request.org, user_id=facts[erasure.profile_id][0])
    return render(request, "records/erasure_detail.html", {
        "erasure": erasure, "learner": learner,
        "can_confirm": erasure.status == Erasure.Status.REQUESTED and erasure.requested_by_id != request.user.pk})
