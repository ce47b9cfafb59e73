import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from plp_portal import clock, rls
from plp_portal.hooks import app_hook_modules
from plp_portal.queue import enqueue_on_commit

from .models import Notification, OutboundEmail, Reminder

MAX_ATTEMPTS = 6


def email_queue(
    *,
    to: str,
    subject: str,
    template: str | None = None,
    context: dict | None = None,
    body_text: str | None = None,
    body_html: str = "",
    org=None,
    essential: bool = True,
    dedupe_key: str | None = None,
    user=None,
    rate: tuple[str, int] | None = None,
    learner_profile_id: int | None = None,
) -> OutboundEmail | None:
    """Queue an email rendered from ``<template>.txt`` and ``<template>.html`` — or, for mail
    rendered elsewhere (allauth's account emails), given as ``body_text``/``body_html``.

    Returns None when the email is not sent: the recipient opted out of non-essential mail, or
    an email with the same ``dedupe_key`` was already queued.

    ``rate``: (key, per minute) — the email shares a sending rate with the others of ``key``:
    it gets the next free slot (``rate_slot_next``) and, if that is later than now, is left for
    the minutely flush rather than sent at once. ``learner_profile_id``: the learner the email is
    about, if any (the retention job erases it with their record)."""
    if not essential and user is not None and user.email_opt_out:
        return None
    if template is not None:
        context = {"site_url": settings.SITE_URL, **(context or {})}
        body_text = render_to_string(f"{template}.txt", context)
        body_html = render_to_string(f"{template}.html", context)
    email = OutboundEmail(
        organisation=org,
        to=to,
        subject=subject[:200],
        body_text=body_text or "",
        body_html=body_html,
        essential=essential,
        dedupe_key=dedupe_key,
        learner_profile_id=learner_profile_id,
    )
    if rate is not None:
        email.rate_key = rate[0]
        email.next_attempt_at = rate_slot_next(key=rate[0], per_minute=rate[1])
    try:
        with transaction.atomic():
            email.save()
    except IntegrityError:
        if dedupe_key and OutboundEmail.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise
    if email.next_attempt_at <= timezone.now():
        enqueue_on_commit("notifications.outbox_send", email.pk)
    return email


def rate_slot_next(*, key: str, per_minute: int) -> datetime.datetime:
    """The send time of the next email of ``key``: now, or ``60 / per_minute`` seconds after
    the latest slot already given, whichever is later — so however many batches are queued, at
    most ``per_minute`` emails of ``key`` fall due in any minute. Two requests queueing at once
    take turns (a transaction-level advisory lock on the key)."""
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"outbox-rate:{key}"])
    latest = (OutboundEmail.objects.filter(rate_key=key, next_attempt_at__gte=now - datetime.timedelta(minutes=1))
              .order_by("-next_attempt_at").values_list("next_attempt_at", flat=True).first())
    if latest is None:
        return now
    return max(now, latest + datetime.timedelta(seconds=60 / max(1, per_minute)))


def email_send_now(*, email_id: int) -> bool:
    """Send one queued email. Safe to call twice: the row is locked and sent only once.

    A failure is recorded and retried later with exponential backoff."""
    with transaction.atomic():
        # Not before its slot: a rate-limited email (or a retry backing off) waits for it.
        email = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=email_id, status=OutboundEmail.Status.PENDING, next_attempt_at__lte=timezone.now())
            .first()
        )
        if email is None:
            return False
        if email.kind == OutboundEmail.Kind.DIGEST and not email.body_text:
            email.body_text, email.body_html = _digest_render(email)
            email.save(update_fields=["body_text", "body_html"])
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


def outbox_flush() -> int:
    """Send every due email: those whose publish failed while Redis was down, and retries."""
    return sum(email_send_now(email_id=email_id) for email_id in outbox_due_ids())


def daily_reminders_run(*, today: datetime.date | None = None) -> dict:
    """The daily reminder job: every app's ``reminders.collect(today=…)`` records what is due
    (computed from the database, set-based), then one digest per person is queued."""
    today = today or clock.today()
    added = {module.__name__: module.collect(today=today) for module in app_hook_modules("reminders")}
    return {"added": added, "digests": digests_queue(day=today)}


def notification_create(
    *, org, user, kind: str, title: str, body: str = "", url: str = "", dedupe_key=None,
    learner_profile_id: int | None = None,
) -> Notification | None:
    """An in-app notification; with ``dedupe_key``, at most one per person and key. It may be for
    the other side of a grant (row-level security: ``rls.for_another_organisation``).
    ``learner_profile_id``: the learner it is about, if any (erased with their record)."""
    with rls.for_another_organisation(org.pk if hasattr(org, "pk") else org,
                                      "a notification for the other side of a grant"):
        return _notification_create(org=org, user=user, kind=kind, title=title, body=body, url=url,
                                    dedupe_key=dedupe_key, learner_profile_id=learner_profile_id)


def _notification_create(*, org, user, kind, title, body, url, dedupe_key, learner_profile_id=None):
    if dedupe_key:
        notification, created = Notification.objects.for_org(org).get_or_create(
            organisation=org,
            user=user,
            dedupe_key=dedupe_key,
            defaults={"kind": kind, "title": title, "body": body, "url": url,
                      "learner_profile_id": learner_profile_id},
        )
        return notification if created else None
    return Notification.objects.create(
        organisation=org, user=user, kind=kind, title=title, body=body, url=url,
        learner_profile_id=learner_profile_id,
    )


def notification_mark_all_read(*, org, user) -> int:
    return (
        Notification.objects.for_org(org)
        .filter(user=user, read_at__isnull=True)
        .update(read_at=timezone.now())
    )


REMINDER_BATCH = 10_000  # reminders per INSERT


def reminders_add(reminders) -> int:
    """Record reminders (unsaved ``Reminder`` objects) set-based; those already recorded for the
    same (organisation, recipient, kind, subject, due date) are ignored. Each new reminder also
    becomes an in-app notification. Returns how many were offered.

    On PostgreSQL each batch is two ``INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING``
    statements (the daily job offers ~200,000 on a county: building them as ORM objects for
    ``bulk_create`` took 45 s); elsewhere (the SQLite demo) ``bulk_create``."""
    reminders = list(reminders)
    if connection.vendor != "postgresql":
        Reminder.objects.bulk_create(reminders, batch_size=1000, ignore_conflicts=True)
        Notification.objects.bulk_create(
            [
                Notification(
                    organisation_id=r.organisation_id,
                    user_id=r.recipient_id,
                    kind=r.kind,
                    title=r.title,
                    url=r.url,
                    dedupe_key=_reminder_notification_key(r),
                    learner_profile_id=r.learner_profile_id,
                )
                for r in reminders
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
        return len(reminders)
    now = timezone.now()
    for start in range(0, len(reminders), REMINDER_BATCH):
        batch = reminders[start : start + REMINDER_BATCH]
        columns = [
            [r.organisation_id for r in batch],
            [r.recipient_id for r in batch],
            [r.kind for r in batch],
            [r.subject_key for r in batch],
            [r.due_on for r in batch],
            [r.title for r in batch],
            [r.url for r in batch],
            [_reminder_notification_key(r) for r in batch],
            [r.learner_profile_id for r in batch],
        ]
        rows = (
            "FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::text[], %s::date[], "
            "%s::text[], %s::text[], %s::text[], %s::bigint[]) "
            "AS v(org, recipient, kind, subject, due, title, url, key, about)"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO "{Reminder._meta.db_table}" (organisation_id, recipient_id, kind, '
                f"subject_key, due_on, title, url, created_at, learner_profile_id) "
                f"SELECT org, recipient, kind, subject, due, title, url, %s, about {rows} ON CONFLICT DO NOTHING",
                [now, *columns],
            )
            cursor.execute(
                f'INSERT INTO "{Notification._meta.db_table}" (organisation_id, user_id, kind, title, '
                f"body, url, dedupe_key, created_at, learner_profile_id) "
                f"SELECT org, recipient, kind, title, '', url, key, %s, about {rows} ON CONFLICT DO NOTHING",
                [now, *columns],
            )
    return len(reminders)


def _reminder_notification_key(reminder: Reminder) -> str:
    return f"reminder:{reminder.kind}:{reminder.subject_key}:{reminder.due_on.isoformat()}"


def digest_recipients_due() -> list[int]:
    """People with reminders not yet sent in a digest."""
    return list(
        Reminder.objects.system("the daily digest covers every organisation")
        .filter(digested_at__isnull=True)
        .order_by("recipient_id")  # not the model's ordering: DISTINCT would include its columns
        .values_list("recipient_id", flat=True)
        .distinct()
    )


DIGEST_BATCH = 1000  # people whose digests are queued in one transaction
DIGEST_TEMPLATE = "notifications/email/digest"


def digests_queue(*, day: datetime.date) -> int:
    """Queue ``day``'s digest for everyone with reminders not yet digested; returns how many
    people were covered (opted-out people get no email: their reminders stay in-app).

    Set-based, a batch of people per transaction: one locked read of their reminders, one
    insert of the emails, one update linking each reminder to its digest, and one task that
    sends the batch once it is committed. The bodies are rendered when each email is sent
    (``email_send_now``), on the workers, so the daily job stays a few queries per batch. A run
    that fails half-way leaves whole batches done and the rest untouched; a re-run, a retried
    task or a second beat finishes it and sends nothing twice (the reminders are locked and
    skipped, and each digest's dedupe key is unique per person and day)."""
    recipients = digest_recipients_due()
    return sum(
        _digests_queue_batch(recipient_ids=recipients[start : start + DIGEST_BATCH], day=day)
        for start in range(0, len(recipients), DIGEST_BATCH)
    )


def digest_send(*, recipient_id: int, day: datetime.date) -> bool:
    """Queue one person's digest of their undigested reminders for ``day`` (see
    ``digests_queue``). At most one digest per person per day; reminders that arrive after the
    day's digest wait for the next one."""
    return _digests_queue_batch(recipient_ids=[recipient_id], day=day) == 1


def _digest_key(recipient_id: int, day: datetime.date) -> str:
    return f"digest:{recipient_id}:{day.isoformat()}"


def _digests_queue_batch(*, recipient_ids: list[int], day: datetime.date) -> int:
    keys = [_digest_key(recipient_id, day) for recipient_id in recipient_ids]
    with transaction.atomic():
        sent_today = {
            int(key.split(":")[1])
            for key in OutboundEmail.objects.filter(dedupe_key__in=keys).values_list(
                "dedupe_key", flat=True
            )
        }
        rows = (
            Reminder.objects.system("people's reminders, across their organisations")
            .select_for_update(skip_locked=True, of=("self",))
            .filter(
                recipient_id__in=[r for r in recipient_ids if r not in sent_today],
                digested_at__isnull=True,
            )
            .values_list("pk", "recipient_id", "recipient__email", "recipient__email_opt_out")
        )
        people: dict[int, tuple[str, bool, list[int]]] = {}
        for pk, recipient_id, address, opted_out in rows:
            people.setdefault(recipient_id, (address, opted_out, []))[2].append(pk)
        digest_of = _digest_emails_insert(
            [
                (recipient_id, address, len(ids))
                for recipient_id, (address, opted_out, ids) in people.items()
                if not opted_out
            ],  # opted out: no email, the reminders stay in-app only
            day=day,
        )
        _reminders_mark_digested({recipient_id: ids for recipient_id, (_, _, ids) in people.items()}, digest_of)
        if digest_of:
            enqueue_on_commit("notifications.outbox_send_batch", list(digest_of.values()))
    return len(people)


def _reminders_mark_digested(reminders_of: dict[int, list[int]], digest_of: dict[int, int]) -> None:
    """Mark each person's reminders (``reminders_of``: recipient id → reminder ids) digested and
    link them to that person's digest email, if any: one UPDATE on PostgreSQL, one per person
    elsewhere (the SQLite demo)."""
    now = timezone.now()
    if connection.vendor != "postgresql":
        for recipient_id, ids in reminders_of.items():
            Reminder.objects.system("marking the reminders just digested").filter(pk__in=ids).update(
                digested_at=now, digest_id=digest_of.get(recipient_id)
            )
        return
    reminder_ids, digest_ids = [], []
    for recipient_id, ids in reminders_of.items():
        reminder_ids += ids
        digest_ids += [digest_of.get(recipient_id)] * len(ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE "{Reminder._meta.db_table}" r SET digested_at = %s, digest_id = v.digest_id
                  FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, digest_id)
                 WHERE r.id = v.id""",
            [now, reminder_ids, digest_ids],
        )


def _digest_emails_insert(
    people: list[tuple[int, str, int]], *, day: datetime.date
) -> dict[int, int]:
    """Insert one pending digest email per (recipient id, address, number of reminders); returns
    {recipient id: email id}. One statement (``bulk_create`` of 40,000 emails took 7 s); on
    databases other than PostgreSQL (the SQLite demo), ``bulk_create``."""

    def subject(n):
        return f"PLP Portal: {n} thing{'s' if n != 1 else ''} to do ({day:%d %B})"

    if not people:
        return {}
    if connection.vendor != "postgresql":
        emails = {
            recipient_id: OutboundEmail(
                kind=OutboundEmail.Kind.DIGEST,
                to=address,
                subject=subject(n),
                essential=False,
                dedupe_key=_digest_key(recipient_id, day),
            )
            for recipient_id, address, n in people
        }
        OutboundEmail.objects.bulk_create(emails.values())
        return {recipient_id: email.pk for recipient_id, email in emails.items()}
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO "{OutboundEmail._meta.db_table}" ("to", subject, body_text, body_html, kind, essential,
                        dedupe_key, status, attempts, last_error, next_attempt_at, created_at)
                SELECT address, subject, '', '', %s, false, key, %s, 0, '', %s, %s
                  FROM unnest(%s::text[], %s::text[], %s::text[]) AS v(address, subject, key)
                RETURNING id, dedupe_key""",
            [
                OutboundEmail.Kind.DIGEST,
                OutboundEmail.Status.PENDING,
                now,
                now,
                [address for _, address, _ in people],
                [subject(n) for _, _, n in people],
                [_digest_key(recipient_id, day) for recipient_id, _, _ in people],
            ],
        )
        return {int(key.split(":")[1]): pk for pk, key in cursor.fetchall()}


def _digest_render(email: OutboundEmail) -> tuple[str, str]:
    """The text and HTML bodies of a digest, from the reminders it lists."""
    reminders = list(
        Reminder.objects.system("the reminders one digest lists")
        .filter(digest=email)
        .select_related("organisation", "recipient")
        .order_by("organisation__name", "due_on", "id")
    )
    context = {
        "site_url": settings.SITE_URL,
        "user": reminders[0].recipient if reminders else None,
        "reminders": reminders,
    }
    return (
        render_to_string(f"{DIGEST_TEMPLATE}.txt", context),
        render_to_string(f"{DIGEST_TEMPLATE}.html", context),
    )
