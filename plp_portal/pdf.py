"""PDF rendering with WeasyPrint: one way for every app.

WeasyPrint's default URL fetcher reads file:// URLs and follows redirects, so a document could
embed any file on the server. ``safe_url_fetcher`` serves only the project's own static files
and data: URLs; everything else is refused. Output is tagged PDF/UA so it is accessible."""

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string


class RemoteFetchRefused(ValueError):
    pass


def _static_path(url_path: str) -> Path | None:
    prefix = settings.STATIC_URL
    if not url_path.startswith(prefix):
        return None
    relative = unquote(url_path[len(prefix):])
    if ".." in Path(relative).parts:
        return None
    found = finders.find(relative)
    if found:
        return Path(found)
    candidate = Path(settings.STATIC_ROOT) / relative
    return candidate if candidate.is_file() else None


def safe_url_fetcher(url: str, timeout=10, ssl_context=None, **kwargs):
    """Serve ``/static/…`` (as given, or as the static:// base URL we render with) and data:
    URLs. Anything else — http(s), file://, other paths — is refused."""
    if url.startswith("data:"):
        from weasyprint.urls import default_url_fetcher

        return default_url_fetcher(url, timeout=timeout, ssl_context=ssl_context)
    parsed = urlparse(url)
    if parsed.scheme == "plp-static":
        path = _static_path(settings.STATIC_URL + parsed.path.lstrip("/"))
    else:
        path = None
    if path is None:
        raise RemoteFetchRefused(f"PDF rendering may not fetch {url!r}")
    mime_type, _ = mimetypes.guess_type(str(path))
    return {"string": path.read_bytes(), "mime_type": mime_type or "application/octet-stream",
            "filename": path.name}


def render_pdf(template: str, context: dict, *, request=None) -> bytes:
    """Render ``template`` (HTML; user text is escaped by Django) to PDF/UA bytes.

    In templates, refer to static files as ``plp-static:///pdf/print.css`` (what
    ``{% pdf_static 'pdf/print.css' %}`` gives)."""
    from weasyprint import HTML

    html = render_to_string(template, context, request=request)
    document = HTML(string=html, base_url="plp-static:///", url_fetcher=safe_url_fetcher)
    return document.write_pdf(pdf_variant="pdf/ua-1")
