"""Account events: audit sign-ins and security changes, and end sessions when trust changes."""

from allauth.account.signals import password_changed, password_reset, password_set
from allauth.mfa.signals import (
    authentication_failed,
    authenticator_added,
    authenticator_removed,
    authenticator_reset,
)
from django.contrib.auth.signals import user_logged_in, user_login_failed, user_logged_out
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver

from plp_portal.audit.services import audit_log

from .middleware import MFA_CONFIRMED
from .models import User
from .services import user_sessions_end


def _current_session_key(request):
    session = getattr(request, "session", None)
    return session.session_key if session is not None else None


def _end_other_sessions(request, user):
    """End every other session; the one that proved the change continues, under a new key."""
    if request is not None and getattr(request, "session", None) is not None:
        request.session.cycle_key()
    user_sessions_end(user=user, keep_session_key=_current_session_key(request))


@receiver(user_logged_in)
def _audit_sign_in(sender, request, user, **kwargs):
    audit_log("account.signed_in", request=request, actor=user, obj=user)


@receiver(user_logged_out)
def _audit_sign_out(sender, request, user, **kwargs):
    if user is not None:
        audit_log("account.signed_out", request=request, actor=user, obj=user)


@receiver(user_login_failed)
def _audit_failed_sign_in(sender, credentials, request=None, **kwargs):
    email = (credentials or {}).get("email") or (credentials or {}).get("username") or ""
    audit_log("account.sign_in_failed", request=request, data={"email": str(email)[:254]})


@receiver(password_changed)
@receiver(password_set)
def _password_changed(sender, request, user, **kwargs):
    audit_log("account.password_changed", request=request, actor=user, obj=user)
    _end_other_sessions(request, user)


@receiver(password_reset)
def _password_reset(sender, request, user, **kwargs):
    audit_log("account.password_reset", request=request, actor=user, obj=user)
    user_sessions_end(user=user, keep_session_key=_current_session_key(request))


@receiver(authenticator_added)
@receiver(authenticator_removed)
@receiver(authenticator_reset)
def _mfa_changed(sender, request, user, authenticator=None, **kwargs):
    action = {
        authenticator_added: "mfa.added",
        authenticator_removed: "mfa.removed",
        authenticator_reset: "mfa.reset",
    }[kwargs["signal"]]
    kind = getattr(authenticator, "type", "")
    if request is not None and getattr(request, "session", None) is not None:
        request.session.pop(MFA_CONFIRMED, None)
    audit_log(action, request=request, actor=user, obj=user, data={"type": kind})
    _end_other_sessions(request, user)


@receiver(authentication_failed)
def _audit_mfa_failure(sender, request, user, **kwargs):
    audit_log("mfa.code_rejected", request=request, actor=user, obj=user)


@receiver(post_save, sender=User)
def _deactivated_user_loses_sessions(sender, instance, **kwargs):
    if not instance.is_active:
        user_sessions_end(user=instance)


def _refuse_model_permissions(sender, instance, action, reverse, model, pk_set, **kwargs):
    """Organisation users never get model-level permissions or groups: what they may do comes
    from their Membership role and, per object, from django-guardian grants. Only platform
    operators (``is_staff``) may hold them."""
    if action != "pre_add":
        return
    users = [instance] if isinstance(instance, User) else list(
        User.objects.filter(pk__in=pk_set or [])
    )
    if any(not user.is_staff for user in users):
        raise PermissionError(
            "Organisation users get no model-level permissions or groups; use a Membership "
            "role or an object grant"
        )


m2m_changed.connect(_refuse_model_permissions, sender=User.user_permissions.through)
m2m_changed.connect(_refuse_model_permissions, sender=User.groups.through)
