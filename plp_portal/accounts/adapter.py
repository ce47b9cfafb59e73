from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    """Emails go out through allauth's own sender (account mail is essential: no opt-out).

    Accounts are provisioned (invitations, imports): open self sign-up is off unless
    ``PLP_OPEN_SIGNUP`` turns it on."""

    def is_open_for_signup(self, request):
        return settings.PLP_OPEN_SIGNUP
