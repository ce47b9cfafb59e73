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
