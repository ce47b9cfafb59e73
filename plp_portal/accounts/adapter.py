from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context, ratelimit
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import PermissionDenied
from django.utils.html import strip_tags

from plp_portal.clientip import client_address
from plp_portal.notifications.services import email_queue

_ACCOUNT_ADDRESS_ACTION = "login_failed_account_address"


class AccountAdapter(DefaultAccountAdapter):
    """Sign-in limits that a school behind one address can live with, and account emails.

    Accounts are provisioned (invitations, imports): open self sign-up is off unless
    ``PLP_OPEN_SIGNUP`` turns it on."""

    def is_open_for_signup(self, request):
        return settings.PLP_OPEN_SIGNUP

    def get_client_ip(self, request):
        ip = client_address(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def pre_authenticate(self, request, **credentials):
        """allauth limits wrong passwords per account and per address (ACCOUNT_RATE_LIMITS
        "login_failed"); this adds the tighter limit per account + address
        ("login_failed_account_address"), checked first and counted only when the password is
        wrong (``authentication_failed``)."""
        if not ratelimit.consume(request, action=_ACCOUNT_ADDRESS_ACTION,
                                 key=self._account_address_key(request, credentials), dry_run=True):
            raise self.validation_error("too_many_login_attempts")
        super().pre_authenticate(request, **credentials)

    def authentication_failed(self, request, **credentials):
        super().authentication_failed(request, **credentials)
        ratelimit.consume(request, action=_ACCOUNT_ADDRESS_ACTION,
                          key=self._account_address_key(request, credentials))

    def _account_address_key(self, request, credentials) -> str:
        login = str(credentials.get("email") or credentials.get("username") or "").lower()
        return f"{login}@{self.get_client_ip(request)}"

    def send_mail(self, template_prefix, email, context):
        """Account emails (password reset, address verification, MFA notices) go through the
        outbox like every other email: rendered here, sent by a worker after the request
        commits, retried while the mail server is down. The request never waits on SMTP."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        message = self.render_mail(template_prefix, email, ctx)
        if message.content_subtype == "html":
            body_text, body_html = strip_tags(message.body), message.body
        else:
            body_html = next(
                (content for content, mimetype in getattr(message, "alternatives", [])
                 if mimetype == "text/html"),
                "",
            )
            body_text = message.body
        for to in message.to:
            email_queue(to=to, subject=message.subject, body_text=body_text, body_html=body_html)
