import time

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from plp_portal.organisations.selectors import user_has_staff_role

_STARTED = "plp_session_started"
_SEEN = "plp_session_seen"
# Touch the session at most this often, so a page view is not a database write.
_SEEN_RESOLUTION = 60


class SessionLifetimeMiddleware:
    """Ends a signed-in session after SESSION_IDLE_TIMEOUT of inactivity or
    SESSION_ABSOLUTE_LIFETIME after sign-in, whichever comes first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            started = request.session.get(_STARTED)
            seen = request.session.get(_SEEN)
            if started is None:
                request.session[_STARTED] = now
                request.session[_SEEN] = now
            elif (
                now - started > settings.SESSION_ABSOLUTE_LIFETIME
                or now - (seen or started) > settings.SESSION_IDLE_TIMEOUT
            ):
                logout(request)
                messages.info(request, "You were signed out because your session expired.")
                return redirect(f"{reverse('account_login')}?next={request.path}")
            elif now - (seen or 0) >= _SEEN_RESOLUTION:
                request.session[_SEEN] = now
        return self.get_response(request)


# Paths a signed-in staff member without MFA may still use: setting up MFA and signing out, and
# the public pages anyone may read (a school's published careers programme).
_MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/public/")


# Set in the session once the user is known to have MFA; cleared when an authenticator is
# removed (accounts.signals), so the check costs no query on most requests.
MFA_CONFIRMED = "plp_mfa_confirmed"
# Set when the session was signed in through an organisation's identity provider (Microsoft,
# Google) whose ID token said the sign-in used multi-factor authentication (plp_portal.sso).
IDP_MFA = "plp_idp_mfa"


class StaffMFAMiddleware:
    """When PLP_REQUIRE_STAFF_MFA is on, a user with any staff role must set up MFA before
    anything else, unless this session was signed in through their organisation's identity
    provider and it asserted multi-factor authentication (``IDP_MFA``). Platform operators
    (``is_staff``, superusers: the Django admin, every organisation's data) must always, with
    their own authenticator here.

    Checked before the view (``process_view``, after the organisation and row-level security
    middleware), so whether the person is staff comes from the memberships those already read:
    a learner's request costs no query for it. Whether MFA is set up is asked only of staff."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if (
            user.is_authenticated
            and not request.session.get(MFA_CONFIRMED)
            and not request.path.startswith(_MFA_EXEMPT_PREFIXES)
        ):
            operator = user.is_staff or user.is_superuser
            if (
                (operator or settings.PLP_REQUIRE_STAFF_MFA)
                and not (request.session.get(IDP_MFA) and not operator)
                and (operator or user_has_staff_role(request=request))
                and not self._mfa_enabled(request)
            ):
                messages.warning(
                    request,
                    "Your role works with learners' records, so your account needs two-factor "
                    "authentication. Set it up to continue.",
                )
                return redirect("mfa_activate_totp")
        return None

    @staticmethod
    def _mfa_enabled(request) -> bool:
        if is_mfa_enabled(request.user):
            request.session[MFA_CONFIRMED] = True
            return True
        return False
