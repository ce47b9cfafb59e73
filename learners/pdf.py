"""The learner's progress file (PDF): profile, goal, targets with status, the learning journey,
the tracking table and a learning-log summary — filtered by what the VIEWER may see (the same
``audience_q`` as the pages), so a parent's copy never holds a staff-only record."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify

from plp_portal.pdf import render_pdf

from . import selectors, services
from .permissions import PlanViewer


def progress_file_pdf(*, plan, viewer: PlanViewer, request=None) -> bytes:
    detail = selectors.plan_detail(plan=plan, viewer=viewer)
    sensitive = services.profile_sensitive_read(
        profile=detail.profile, viewer=viewer, actor=getattr(request, "user", None), request=request)
    context = {
        "plan": detail,
        "profile": detail.profile,
        "viewer": viewer,
        "targets": detail.visible_targets,
        "narrative": selectors.narrative_for(plan=detail, viewer=viewer),
        "tracking": selectors.tracking_table(plan=detail, viewer=viewer),
        "log_summary": selectors.log_summary(plan=detail, viewer=viewer),
        "sensitive": sensitive,
        "generated_on": timezone.localdate(),
    }
    return render_pdf("learners/pdf/progress_file.html", context)


def progress_file_response(data: bytes, plan) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    name = slugify(f"progress-file-{plan.profile.user.display_name}") or "progress-file"
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
