from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Emails go out through allauth's own sender (account mail is essential: no opt-out)."""
