"""Only with PLP_BENCH=1 (the bench command's server): count each request's SQL queries into
a response header, and serve the framework-floor view."""

from django.db import connection
from django.http import HttpResponse

from plp_portal.organisations.permissions import public_view
from plp_portal.seeding.bench import QUERY_HEADER


class QueryCountHeaderMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response[QUERY_HEADER] = str(count)
        return response


@public_view("only mounted with PLP_BENCH=1 (the bench server); shows no data")
def floor(request):
    """The framework floor: the full middleware stack, a signed-in session, no work."""
    return HttpResponse("ok", content_type="text/plain")
