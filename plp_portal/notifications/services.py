import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from plp_portal.queue import enqueue_on_commit

from .models import Notification, OutboundEmail

MAX_ATTEMPTS = 6


def email_queue(
    *,
    to: str,
    subject: str,
    template: str,
    context: dict,
    org=None,
    essential: bool = True,
    dedupe_key: str | None = None,
    user=None,
) -> OutboundEmail | None:
    """Queue an email rendered from ``<template>.txt`` and ``<template>.html``.

    Returns None when the email is not sent: the recipient opted out of non-essential mail, or
    an email with the same ``dedupe_key`` was already queued."""
    if not essential and user is not None and user.email_opt_out:
        return None
    context = {"site_url": settings.SITE_URL, **context}
    email = OutboundEmail(
        organisation=org,
        to=to,
        subject=subject,
        body_text=render_to_string(f"{template}.txt", context),
        body_html=render_to_string(f"{template}.html", context),
        essential=essential,
        dedupe_key=dedupe_key,
    )
    try:
        with transaction.atomic():
            email.save()
    except IntegrityError:
        if dedupe_key and OutboundEmail.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise
    from .tasks import outbox_send

    enqueue_on_commit(outbox_send, email.pk)
    return email


def email_send_now(*, email_id: int) -> bool:
    """Send one queued email. Safe to call twice: the row is locked and sent only once.

    A failure is recorded and retried later with exponential backoff."""
    with transaction.atomic():
        email = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status=OutboundEmail.Status.PENDING)
            .first()
        )
        if email is None:
            return False
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[email.to],
        )
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        email.attempts += 1
        try:
            message.send()
        except Exception as exc:  # SMTP down, refused…: record and back off
            email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if email.attempts >= MAX_ATTEMPTS:
                email.status = OutboundEmail.Status.FAILED
            email.next_attempt_at = timezone.now() + datetime.timedelta(
                minutes=2 ** email.attempts
            )
            email.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            return False
        email.status = OutboundEmail.Status.SENT
        email.sent_at = timezone.now()
        email.last_error = ""
        email.save(update_fields=["attempts", "status", "sent_at", "last_error"])
        return True


def outbox_due_ids(*, limit: int = 500) -> list[int]:
    """Pending emails whose next attempt is due (including those never enqueued)."""
    return list(
        OutboundEmail.objects.filter(
            status=OutboundEmail.Status.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def notification_create(
    *, org, user, kind: str, title: str, body: str = "", url: str = "", dedupe_key=None
) -> Notification | None:
    """An in-app notification; with ``dedupe_key``, at most one per person and key."""
    if dedupe_key:
        notification, created = Notification.objects.for_org(org).get_or_create(
            organisation=org,
            user=user,
            dedupe_key=dedupe_key,
            defaults={"kind": kind, "title": title, "body": body, "url": url},
        )
        return notification if created else None
    return Notification.objects.create(
        organisation=org, user=user, kind=kind, title=title, body=body, url=url
    )


def notification_mark_all_read(*, org, user) -> int:
    return (
        Notification.objects.for_org(org)
        .filter(user=user, read_at__isnull=True)
        .update(read_at=timezone.now())
    )
