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

from plp_portal.organisations.choices import Role
from plp_portal.organisations.permissions import org_role_required, signed_in_required
from plp_portal.organisations.selectors import user_memberships
from plp_portal.uploads import serve_upload

from . import forms, services
from .models import SubjectAccessRequest

PAGE_SIZE = 25


def _own_requests(user):
    org_ids = list(user_memberships(user=user).filter(role=Role.LEARNER).values_list("organisation_id", flat=True))
    return SubjectAccessRequest.objects.for_orgs(org_ids).filter(learner=user).select_related("organisation")


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
    page = Paginator(_own_requests(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "records/me_index.html", {"memberships": memberships, "page": page})


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
        sar = services.sar_request(org=request.org, learner=form.learner, by=request.user, request=request)
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


