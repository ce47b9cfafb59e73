import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from plp_portal.queue import enqueue_on_commit

from .models import Notification, OutboundEmail, Reminder

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


def reminders_add(reminders) -> int:
    """Record reminders (unsaved ``Reminder`` objects) set-based; those already recorded for the
    same (organisation, recipient, kind, subject, due date) are ignored. Each new reminder also
    becomes an in-app notification. Returns how many were offered."""
    reminders = list(reminders)
    Reminder.objects.bulk_create(reminders, batch_size=1000, ignore_conflicts=True)
    Notification.objects.bulk_create(
        [
            Notification(
                organisation_id=r.organisation_id,
                user_id=r.recipient_id,
                kind=r.kind,
                title=r.title,
                url=r.url,
                dedupe_key=f"reminder:{r.kind}:{r.subject_key}:{r.due_on.isoformat()}",
            )
            for r in reminders
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    return len(reminders)


def digest_recipients_due() -> list[int]:
    """People with reminders not yet sent in a digest."""
    return list(
        Reminder.objects.system("the daily digest covers every organisation")
        .filter(digested_at__isnull=True)
        .order_by("recipient_id")  # not the model's ordering: DISTINCT would include its columns
        .values_list("recipient_id", flat=True)
        .distinct()
    )


def digest_send(*, recipient_id: int, day: datetime.date) -> bool:
    """Queue one digest email of ``recipient``'s undigested reminders for ``day``.

    At most one digest per person per day (the email's dedupe key); reminders that arrive after
    the day's digest wait for the next one. Runs in one transaction with the reminders locked,
    so a worker killed half-way leaves nothing half-done and a concurrent run skips them."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=recipient_id)
    dedupe_key = f"digest:{recipient_id}:{day.isoformat()}"
    with transaction.atomic():
        if OutboundEmail.objects.filter(dedupe_key=dedupe_key).exists():
            return False
        reminders = list(
            Reminder.objects.system("one person's reminders, across their organisations")
            .select_for_update(skip_locked=True)
            .filter(recipient_id=recipient_id, digested_at__isnull=True)
            .select_related("organisation")
            .order_by("organisation__name", "due_on", "id")
        )
        if not reminders:
            return False
        email_queue(
            to=user.email,
            subject=f"PLP Portal: {len(reminders)} thing{'s' if len(reminders) != 1 else ''} "
            f"to do ({day:%d %B})",
            template="notifications/email/digest",
            context={"user": user, "reminders": reminders, "day": day},
            essential=False,
            user=user,
            dedupe_key=dedupe_key,
        )
        Reminder.objects.system("marking the reminders just digested").filter(
            pk__in=[r.pk for r in reminders]
        ).update(digested_at=timezone.now())
    return True
