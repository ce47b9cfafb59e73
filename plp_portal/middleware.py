"""Project-wide request hygiene that belongs to no single app."""

from django.http import QueryDict
from django.utils.cache import patch_cache_control


class QueryStringNulMiddleware:
    """Removes NUL characters from query-string values (search boxes and filters).

    PostgreSQL text cannot hold a NUL byte, so a search for one would be a 500; no real search
    contains one. Form posts are not touched: their fields refuse NUL with a message naming the
    field (Django's ProhibitNullCharactersValidator)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "%00" in request.META.get("QUERY_STRING", "") or "\x00" in request.META.get("QUERY_STRING", ""):
            cleaned = QueryDict(mutable=True)
            for key, values in request.GET.lists():
                cleaned.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in values])
            cleaned._mutable = False
            request.GET = cleaned
        return self.get_response(request)


class NoStoreForSignedInMiddleware:
    """Every answer to a signed-in person carries ``Cache-Control: no-store`` (and ``private``),
    so a shared computer's browser or a proxy never keeps a copy of a personal page. A view that
    already says ``no-store`` (PDFs, uploads) is left as it is."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if "no-store" not in response.get("Cache-Control", ""):
                patch_cache_control(response, private=True, no_store=True)
        return response
