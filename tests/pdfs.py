"""Getting a worker-rendered PDF in tests as a person does (plp_portal/pdfs)."""

import re
from html import unescape

from django.test import TestCase

DOWNLOAD_BUTTON = re.compile(
    r'<form method="get" action="([^"]+)"[^>]*>\s*<button[^>]*>Download the PDF</button>')


def pdf_page(client, url):
    """Ask for the PDF at ``url`` (the render is queued and, Celery being eager in tests, done
    when the request commits); return the response of the render's page it redirects to."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.get(url)
    assert response.status_code == 302, response.status_code
    return client.get(response["Location"])


def download_url(page) -> str:
    match = DOWNLOAD_BUTTON.search(page.content.decode())
    assert match, "the render's page offers no download"
    return unescape(match.group(1))


def fetch_pdf(client, url):
    """The PDF at ``url`` as a person gets it: ask, read the render's page, press Download."""
    page = pdf_page(client, url)
    assert page.status_code == 200, page.status_code
    return client.get(download_url(page))


def pdf_bytes(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content
