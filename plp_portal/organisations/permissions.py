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
        return wrapped

    return decorator
