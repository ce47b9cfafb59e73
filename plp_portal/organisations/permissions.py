"""The one role check. Every page declares who may use it, once, with one of these decorators;
``tests/test_architecture.py`` fails for a URL whose view declares nothing.

* ``org_role_required(*roles)`` — pages under ``/o/<org_slug>/``: a signed-in member of the
  organisation (resolved once by the middleware) holding one of ``roles`` (any member without
  roles).
* ``signed_in_required`` — personal pages outside an organisation (``/me/…``, a reviewer's
  ``/careers-plan-reviews/…``): any signed-in person; which objects they reach is decided by the
  page's access helper (404 for missing and not theirs alike).
* ``public_view(reason)`` — pages anyone may open (health check, invitation links carrying a
  secret token); the reason is kept on the view for the guard test's report.

Refusals raise ``PermissionDenied`` (never a bare 403 response), so the audit middleware records
them and the 403 page renders."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .choices import Role


def org_role_required(*roles: Role):
    """For views under /o/<org_slug>/: the user must be signed in, a member of the organisation
    (the middleware has already answered 404 otherwise) and hold one of ``roles``.

    With no roles, any member may use the view. A member holding none of the roles (main or
    extra) gets 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.membership is None:
                raise PermissionDenied("Not a member of this organisation")
            if roles and not request.membership.has_role(*roles):
                raise PermissionDenied(f"Role {request.membership.role} may not use this page")
            return view(request, *args, **kwargs)

        wrapped.plp_org_roles = roles
        wrapped.plp_access = "organisation member"
        return wrapped

    return decorator


def signed_in_required(view):
    """Any signed-in person (anonymous visitors are sent to sign in); the view's access helper
    decides which objects they reach."""
    wrapped = login_required(view)
    wrapped.plp_access = "signed in"
    return wrapped


def public_view(reason: str):
    """Declares a page open to anyone, with the reason it may be."""

    def decorator(view):
        view.plp_access = f"public: {reason}"
        return view

    return decorator
