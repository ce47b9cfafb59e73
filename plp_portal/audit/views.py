from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from plp_portal.organisations.choices import Role
from plp_portal.organisations.permissions import org_role_required

from . import reads, selectors
from .services import audit_log


@org_role_required(Role.ORG_ADMIN)
def learner_record_reads(request, profile_id):
    """Who looked at this learner's record in the last year (organisation admins)."""
    learner = reads.learner_get(org=request.org, profile_id=profile_id)
    if learner is None:
        raise Http404
    page = Paginator(
        selectors.learner_record_reads(org=request.org, profile_id=profile_id), 50
    ).get_page(request.GET.get("page"))
    audit_log("audit.record_reads_viewed", request=request, obj=learner,
              learner_profile_id=learner.pk)
    return render(request, "audit/learner_record_reads.html", {
        "learner": learner,
        "readers": selectors.learner_record_readers(org=request.org, profile_id=profile_id),
        "page": page,
    })
