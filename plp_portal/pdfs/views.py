"""The three answers every PDF download gives, for the apps' views to return once THEY have
checked the person's access with their own helpers (core checks no permission of a feature):

1. ``pdf_request_response`` — the existing download URL: finds or queues the render, then
   redirects to its page (so that with eager Celery, as in the demo, the page already shows
   the finished PDF);
2. ``pdf_status_response`` — "Preparing your PDF…" with a progress indicator that refreshes
   itself (htmx polling; a meta refresh without JavaScript), then the download button, or the
   failure and "Try again";
3. ``pdf_download_response`` — the stored file, as an attachment, never cached, nosniff.

Renders are looked up within the document and audience the person may see now: another
document's, audience's or organisation's render id is a 404, like a missing one."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse

from .models import PdfRender
from .services import pdf_render_request

POLL_SECONDS = 2


def pdf_render_get(*, org, kind: str, object_id: int, audience: str, render_id: int) -> PdfRender:
    """The render ``render_id`` of this document for this audience in ``org``; 404 for a render
    that does not exist and for one of another organisation, document or audience."""
    return get_object_or_404(
        PdfRender.objects.for_org(org).filter(kind=kind, object_id=object_id, audience=audience),
        pk=render_id)


def pdf_request_response(request, *, org, kind: str, object_id: int, audience: str, status_url):
    """``status_url(render_id)`` gives the URL of the render's page."""
    pdf = pdf_render_request(org=org, kind=kind, object_id=object_id, audience=audience,
                             by=request.user)
    return redirect(status_url(pdf.pk))


def pdf_status_response(request, *, org, kind: str, object_id: int, audience: str, render_id: int,
                        title: str, request_url: str, download_url: str, back_url: str,
                        back_label: str):
    pdf = pdf_render_get(org=org, kind=kind, object_id=object_id, audience=audience,
                         render_id=render_id)
    context = {"render": pdf, "title": title, "request_url": request_url,
               "download_url": download_url, "back_url": back_url, "back_label": back_label,
               "poll_seconds": POLL_SECONDS}
    template = "pdfs/partials/status.html" if request.htmx else "pdfs/status.html"
    # The page says how the render is going and shows none of the record: its polls are not
    # reads (the request for the PDF and the download are).
    request.record_read = False
    return render(request, template, context)


def pdf_download_response(request, *, org, kind: str, object_id: int, audience: str,
                          render_id: int, filename: str, status_url: str):
    """The finished PDF. A render not finished yet sends the person back to its page."""
    pdf = pdf_render_get(org=org, kind=kind, object_id=object_id, audience=audience,
                         render_id=render_id)
    if pdf.status != PdfRender.Status.DONE:
        return redirect(status_url)
    if not pdf.file or not pdf.file.storage.exists(pdf.file.name):
        raise Http404
    response = FileResponse(pdf.file.open("rb"), content_type="application/pdf",
                            as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def pdf_bundle_status_response(request, *, bundle, title: str, download_url: str, back_url: str):
    """The bundle's page: a progress bar while the workers build it (htmx polling; a meta
    refresh without JavaScript), then the download. The caller found ``bundle`` within what
    the person may see."""
    template = "pdfs/partials/bundle_status.html" if request.htmx else "pdfs/bundle_status.html"
    request.record_read = False
    return render(request, template, {"bundle": bundle, "title": title, "download_url": download_url,
                                      "back_url": back_url, "poll_seconds": POLL_SECONDS})


def pdf_bundle_download_response(request, *, bundle, filename: str):
    if not bundle.is_available or not bundle.file or not bundle.file.storage.exists(bundle.file.name):
        raise Http404("This ZIP is no longer available")
    response = FileResponse(bundle.file.open("rb"), content_type="application/zip", as_attachment=True,
                            filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def pdf_document_response(request, *, org, kind: str, object_id: int, audience: str, url_name: str,
                          url_kwargs: dict, render_id: int | None, download: bool, filename: str, title: str,
                          back_url: str, back_label: str):
    """The three answers of a document's URLs named ``url_name``, ``url_name``_status and
    ``url_name``_download (the two last taking ``render_id``), after the app's view has checked
    that the person may see the document for ``audience``."""
    document = {"org": org, "kind": kind, "object_id": object_id, "audience": audience}

    def status_url(pk):
        return reverse(f"{url_name}_status", kwargs={**url_kwargs, "render_id": pk})

    if render_id is None:
        return pdf_request_response(request, **document, status_url=status_url)
    if download:
        return pdf_download_response(request, **document, render_id=render_id, filename=filename,
                                     status_url=status_url(render_id))
    return pdf_status_response(
        request, **document, render_id=render_id, title=title, request_url=reverse(url_name, kwargs=url_kwargs),
        download_url=reverse(f"{url_name}_download", kwargs={**url_kwargs, "render_id": render_id}),
        back_url=back_url, back_label=back_label)


def pdf_document_paths(view, *, name: str, route: str, renders: str, filename: str) -> list:
    """The three URLs that ``pdf_document_response`` answers, for an app's URL list
    (``*pdf_document_paths(...)``): ``route`` asks for the PDF (named ``name``);
    ``renders`` + ``<int:render_id>/`` is a render's page (``name``_status); that page +
    ``filename`` is its file (``name``_download, the view called with ``download=True``)."""
    return [
        path(route, view, name=name),
        path(f"{renders}<int:render_id>/", view, name=f"{name}_status"),
        path(f"{renders}<int:render_id>/{filename}", view, {"download": True},
             name=f"{name}_download"),
    ]
