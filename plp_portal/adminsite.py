"""The Django admin for platform operators (issue 20, item 2).

- It has no sign-in of its own: ``/admin/login/`` sends people to the site's sign-in, with its
  limits and two-factor authentication (and a superuser must have MFA: accounts.middleware).
- Every admin page runs in an explicit system scope (it works across organisations), and each
  request an operator makes there is written to the audit log."""

from functools import update_wrapper

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from plp_portal import rls
from plp_portal.audit.services import audit_log
from plp_portal.tenancy import system_scope


class PlatformAdminSite(admin.AdminSite):
    site_header = "PLP Portal platform administration"
    site_title = "PLP Portal admin"

    def admin_view(self, view, cacheable=False):
        def scoped(request, *args, **kwargs):
            reason = f"platform admin, operator {request.user.pk}"
            # The ORM's and the database's system scope (row-level security, plp_portal/rls.py);
            # audited by the admin.request row below.
            with system_scope(reason), rls.system_job_scope(reason, audit=False):
                audit_log(
                    "admin.request",
                    request=request,
                    data={"method": request.method, "view": getattr(view, "__name__", "")[:80]},
                )
                response = view(request, *args, **kwargs)
                # Template responses render after the view returns: render inside the scope.
                if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                    response.render()
            return response

        return super().admin_view(update_wrapper(scoped, view), cacheable)

    def login(self, request, extra_context=None):
        """No password form here: the site's sign-in (rate limits, MFA) then back."""
        next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = reverse("admin:index", current_app=self.name)
        if request.user.is_authenticated:
            if self.has_permission(request):
                return redirect(next_url)
            raise PermissionDenied("The admin is for platform operators only.")
        return redirect_to_login(next_url, reverse("account_login"))

    def password_change(self, request, extra_context=None):
        """The site's own page, which ends the other sessions and tells the person by email."""
        return redirect("account_change_password")
