from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import get_template
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
import redis

from plp_portal.organisations.choices import Role
from plp_portal.organisations.permissions import public_view, signed_in_required
from plp_portal.organisations.selectors import user_memberships


@signed_in_required
def home(request):
    """Where a signed-in person starts: their organisation, or a choice of organisations."""
    memberships = list(user_memberships(user=request.user))
    if len(memberships) == 1:
        membership = memberships[0]
        if membership.role in (Role.LEARNER, Role.PARENT_CARER):
            return redirect("me:home")
        return redirect("organisations:home", org_slug=membership.organisation.slug)
    return render(request, "choose_organisation.html", {"memberships": memberships})


@public_view("the load balancer's health check; shows no data")
@never_cache
@transaction.non_atomic_requests
def healthz(request):
    """Database and Redis state. 200 while the database answers; Redis down is reported only."""
    state = {"database": "ok", "redis": "ok"}
    status = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        state["database"] = f"error: {type(exc).__name__}: {exc}"[:300]
        status = 503
    state["redis"] = _redis_state()
    return JsonResponse(state, status=status)


def _redis_state() -> str:
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5
        )
        client.ping()
    except Exception as exc:
        return f"error: {type(exc).__name__}: {exc}"[:300]
    return "ok"


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


@requires_csrf_token
def server_error(request):
    # No context processors: the failure may be in one of them or in the database.

    return HttpResponseServerError(get_template("500.html").render({}))
