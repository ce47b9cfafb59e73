from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from .models import Session


def user_sessions_end(*, user, keep_session_key: str | None = None) -> int:
    """End every session of ``user`` (except ``keep_session_key``); returns how many ended."""
    sessions = Session.objects.filter(user=user)
    if keep_session_key:
        sessions = sessions.exclude(session_key=keep_session_key)
    deleted, _ = sessions.delete()
    return deleted


def user_deactivate(*, user) -> None:
    """Deactivate an account and end all its sessions."""
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    user_sessions_end(user=user)


def invited_account(*, email: str, user=None, full_name: str = "", password=None, error=ValueError):
    """The account an emailed invitation is accepted with: the signed-in ``user`` (whose email
    must be the invited one) or a new account with ``password``. The link arrived by email, so
    the address is marked verified. Raises ``error`` with a message for the person."""
    User = get_user_model()
    if user is None:
        existing = User.objects.filter(email__iexact=email).first()
        if existing is not None and existing.has_usable_password():
            raise error("An account with this email exists: sign in to accept.")
        if existing is not None:
            # Made by the school's MIS import and never signed in to: the emailed link proves
            # the address, so its holder sets the password now.
            existing.set_password(password)
            existing.full_name = existing.full_name or full_name
            existing.save(update_fields=["password", "full_name"])
            user = existing
        else:
            user = User.objects.create_user(email, password, full_name=full_name)
    elif user.email.lower() != email.lower():
        raise error("This invitation was sent to a different email address.")
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    return user
