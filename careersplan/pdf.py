"""The annual careers plan as a PDF, laid out as the seed: rendered by the workers
(``careersplan.pdf_renders``), served by the plan's, the authority's and the reviewer's views
after each has checked access its own way."""

from django.urls import reverse

from plp_portal import clock
from plp_portal.audit.services import audit_log
from plp_portal.pdf import render_pdf
from plp_portal.pdfs import views as pdf_views

from . import selectors

PLAN_PDF = "careersplan.plan"
# Everyone who may open a plan sees the same document.
AUDIENCE = "plan"


def plan_pdf_bytes(*, plan) -> bytes:
    context = {
        "plan": plan, "organisation": plan.organisation,
        "sections": selectors.plan_sections(plan=plan, with_comments=True),
        "summary": selectors.checklist_summary(plan=plan),
        "approval": selectors.approval_of(plan=plan),
        "generated_on": clock.today(),
    }
    return render_pdf("careersplan/pdf/plan.html", context)


def plan_pdf_view(request, *, plan, url_name: str, url_kwargs: dict, back_url: str,
                  back_label: str, render_id=None, download=False):
    """The three answers of a plan-PDF URL (``url_name``, ``url_name``_status,
    ``url_name``_download): queue or find the render, its page, or the file (audited as
    "careersplan.pdf_downloaded", as before)."""
    organisation = plan.organisation
    document = {"org": organisation, "kind": PLAN_PDF, "object_id": plan.pk, "audience": AUDIENCE}

    def status_url(pk):
        return reverse(f"{url_name}_status", kwargs={**url_kwargs, "render_id": pk})

    if render_id is None:
        return pdf_views.pdf_request_response(request, **document, status_url=status_url)
    if download:
        response = pdf_views.pdf_download_response(
            request, **document, render_id=render_id, status_url=status_url(render_id),
            filename=f"annual-careers-plan-{organisation.slug}-{plan.academic_year}.pdf")
        if response.status_code == 200:
            audit_log("careersplan.pdf_downloaded", request=request, org=organisation, obj=plan)
        return response
    return pdf_views.pdf_status_response(
        request, **document, render_id=render_id, title=f"{plan} (PDF)",
        request_url=reverse(url_name, kwargs=url_kwargs),
        download_url=reverse(f"{url_name}_download", kwargs={**url_kwargs, "render_id": render_id}),
        back_url=back_url, back_label=back_label)
