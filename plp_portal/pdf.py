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
    URLs. Anything else — http(s), file://, other paths — is refused. Returns a dict
    (``string``, ``mime_type``, ``filename``); WeasyPrint itself uses ``SafeURLFetcher``."""
    if url.startswith("data:"):
        response = SafeURLFetcher().fetch(url)
        return {"string": response.read(), "mime_type": response.content_type}
    path = _allowed_path(url)
    mime_type, _ = mimetypes.guess_type(str(path))
    return {"string": path.read_bytes(), "mime_type": mime_type or "application/octet-stream",
            "filename": path.name}


def _allowed_path(url: str) -> Path:
    parsed = urlparse(url)
    path = _static_path(settings.STATIC_URL + parsed.path.lstrip("/")) if parsed.scheme == "plp-static" else None
    if path is None:
        raise RemoteFetchRefused(f"PDF rendering may not fetch {url!r}")
    return path


def _safe_fetcher_class():
    # WeasyPrint >= 70 wants a URLFetcher (it reads ``_fail_on_errors`` and expects a
    # URLFetcherResponse); a plain function returning a dict fails on the first stylesheet.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class _SafeURLFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = _allowed_path(url)
            mime_type, _ = mimetypes.guess_type(str(path))
            return URLFetcherResponse(url, path.read_bytes(),
                                      {"Content-Type": mime_type or "application/octet-stream"})

    return _SafeURLFetcher


def SafeURLFetcher(**kwargs):  # noqa: N802 (a class made lazily: WeasyPrint imports slowly)
    return _safe_fetcher_class()(**kwargs)


def render_pdf(template: str, context: dict, *, request=None) -> bytes:
    """Render ``template`` (HTML; user text is escaped by Django) to PDF/UA bytes.

    In templates, refer to static files as ``plp-static:///pdf/print.css`` (the base URL is
    ``plp-static:///``, so ``pdf/print.css`` works too); nothing else is fetched."""
    from weasyprint import HTML

    html = render_to_string(template, context, request=request)
    document = HTML(string=html, base_url="plp-static:///", url_fetcher=SafeURLFetcher())
    return document.write_pdf(pdf_variant="pdf/ua-1")
