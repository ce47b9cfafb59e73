"""The learner's progress file (PDF): profile, goal, targets with status, the learning journey,
the tracking table and a learning-log summary — filtered by what the VIEWER may see (the same
``audience_q`` as the pages), so a parent's copy never holds a staff-only record."""

from __future__ import annotations

from django.utils.text import slugify

from plp_portal import clock
from plp_portal.pdf import render_pdf

from . import selectors, services
from .permissions import PlanViewer


def progress_file_pdf(*, plan, viewer: PlanViewer, request=None, actor=None) -> bytes:
    """The PDF bytes. Rendered by the workers (``learners.pdf_renders``); ``actor`` is the person
    it is rendered for, whose read of the sensitive fields is audited."""
    detail = selectors.plan_detail(plan=plan, viewer=viewer)
    sensitive = services.profile_sensitive_read(
        profile=detail.profile, viewer=viewer, actor=actor or getattr(request, "user", None), request=request)
    context = {
        "plan": detail,
        "profile": detail.profile,
        "viewer": viewer,
        "targets": detail.visible_targets,
        "narrative": selectors.narrative_for(plan=detail, viewer=viewer),
        "tracking": selectors.tracking_table(plan=detail, viewer=viewer),
        "log_summary": selectors.log_summary(plan=detail, viewer=viewer),
        "sensitive": sensitive,
        "generated_on": clock.today(),
    }
    return render_pdf("learners/pdf/progress_file.html", context)


def progress_file_name(plan) -> str:
    return (slugify(f"progress-file-{plan.profile.user.display_name}") or "progress-file") + ".pdf"


def progress_file_view(request, *, plan, viewer, url_name: str, url_kwargs: dict, back_url: str,
                       back_label: str, render_id: int | None = None, download: bool = False):
    """The three answers of a progress-file URL (``url_name``, ``url_name``_status,
    ``url_name``_download), after the calling view has checked access with its own helper:
    queue or find the render, its "Preparing your PDF…" page, or the file."""
    from django.urls import reverse

    from plp_portal.pdfs import views as pdf_views

    from .pdf_renders import PROGRESS_FILE, progress_file_audience

    document = {"org": plan.organisation_id, "kind": PROGRESS_FILE, "object_id": plan.pk,
                "audience": progress_file_audience(viewer)}

    def status_url(pk):
        return reverse(f"{url_name}_status", kwargs={**url_kwargs, "render_id": pk})

    if render_id is None:
        return pdf_views.pdf_request_response(request, **document, status_url=status_url)
    if download:
        return pdf_views.pdf_download_response(request, **document, render_id=render_id,
                                               filename=progress_file_name(plan),
                                               status_url=status_url(render_id))
    return pdf_views.pdf_status_response(
        request, **document, render_id=render_id, title="Progress file (PDF)",
        request_url=reverse(url_name, kwargs=url_kwargs),
        download_url=reverse(f"{url_name}_download", kwargs={**url_kwargs, "render_id": render_id}),
        back_url=back_url, back_label=back_label)
