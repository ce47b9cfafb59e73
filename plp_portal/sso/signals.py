from allauth.account.signals import user_logged_in
from django.dispatch import receiver

from plp_portal.accounts.middleware import IDP_MFA

from .adapter import asserted_mfa


@receiver(user_logged_in)
def _remember_identity_provider_mfa(sender, request, user, sociallogin=None, **kwargs):
    """A sign-in through an identity provider that asserted multi-factor authentication meets
    the staff MFA rule for this session (accounts.middleware.StaffMFAMiddleware)."""
    if sociallogin is not None and asserted_mfa(sociallogin):
        request.session[IDP_MFA] = True
    else:
        request.session.pop(IDP_MFA, None)
