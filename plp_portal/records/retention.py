"""Retention and erasure (issue 16): each organisation keeps a learner's record for a set number
of years after the learner leaves (longer where support needs are recorded; ``RetentionPolicy``,
defaults and reasons in the README), then the daily job erases it. An organisation admin can
erase a learner early, confirmed by a second admin.

Erasing deletes every row of the learner's record in the organisation — the same rows a subject
access request exports (each app's ``records.py``, which a test proves complete) — set-based, one
statement per kind for all the learners due; their stored files (recordings, photos, exports,
PDFs); their notifications, reminders and outbox emails; and, through the database function
``records_erase_learner`` (erasure_sql.py), their learning journey and their audit entries. Kept:
the learner's latest actual destination, anonymous, for the authority's figures. One audit entry
per learner says it was done, with no personal data."""

from __future__ import annotations

import datetime
import logging

from django.db import connection, transaction
from django.utils import timezone
from django.core.files.storage import default_storage
from django.contrib.auth import get_user_model
from django.db.models import Q
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.hashers import make_password
from guardian.models import UserObjectPermission

from plp_portal import clock
from plp_portal.audit.services import audit_log
from plp_portal.hooks import app_hook_modules
from plp_portal.tenancy import system_scope
from plp_portal.pdfs.models import PdfBundle, PdfRender
from plp_portal.notifications.models import Notification, OutboundEmail, Reminder
from plp_portal.accounts.models import Session
from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Invitation, Membership, Organisation

from . import export
from .models import Erasure, RetentionPolicy, SubjectAccessRequest

logger = logging.getLogger(__name__)
HOOK = "retention"
APPEND_ONLY = {"learners.NarrativeEntry"}  # erased by records_erase_learner, not by the app
ANONYMISED = {"guidance.Destination"}  # kept anonymous (guidance.retention.anonymise)


def _hooks():
    """Each feature app's ``retention.py`` (this module shares the hook's name: skipped)."""
    return [module for module in app_hook_modules(HOOK) if module.__name__ != __name__]


def policy_for(org_id: int) -> RetentionPolicy:
    return (RetentionPolicy.objects.for_org(org_id).first()
            or RetentionPolicy(organisation_id=org_id))


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def leavers(*, org_id: int) -> dict[int, datetime.date]:
    """THE "has left / left on" test: profile id -> the day the learner left, for learners of
    ``org_id`` who have left. Each app's ``retention.leavers`` says what it knows (learners: the
    enrolment ended, ``EnrolmentEnd.left_on``; guidance: a leaving date an adviser recorded for a
    learner whose enrolment ended); the latest date wins. Change the definition here and the job
    follows."""
    found: dict[int, datetime.date] = {}
    for module in _hooks():
        for profile_id, left_on in getattr(module, "leavers", lambda **_: {})(org_id=org_id).items():
            if profile_id not in found or left_on > found[profile_id]:
                found[profile_id] = left_on
    return found


def learner_facts(*, org_id: int, profile_ids) -> dict[int, tuple[int, bool]]:
    facts: dict[int, tuple[int, bool]] = {}
    for module in _hooks():
        facts.update(getattr(module, "learner_facts", lambda **_: {})(org_id=org_id, profile_ids=profile_ids))
    return facts


def due(*, org_id: int, today: datetime.date | None = None) -> dict[int, tuple[datetime.date, datetime.date]]:
    """profile id -> (left on, due on) for the learners whose retention period has passed."""
    today = today or clock.today()
    policy = policy_for(org_id)
    left = leavers(org_id=org_id)
    facts = learner_facts(org_id=org_id, profile_ids=left.keys())
    out = {}
    for profile_id, left_on in left.items():
        if profile_id not in facts:
            continue
        years = policy.years_with_support_needs if facts[profile_id][1] else policy.years_after_leaving
        due_on = add_years(left_on, years)
        if due_on <= today:
            out[profile_id] = (left_on, due_on)
    return out


def _collect_rows(*, org_id: int, user_ids: list[int]):
    """(label, model, pks, stored file names) of every kind of row of these learners' records."""
    found = []
    for record_set in export.record_sets(org_id=org_id, user_id=user_ids):
        model = record_set.queryset.model
        file_fields = [f.name for f in model._meta.concrete_fields if f.get_internal_type() == "FileField"]
        rows = list(record_set.queryset.values_list("pk", *file_fields))
        names = [name for row in rows for name in row[1:] if name]
        found.append((record_set.label, model, [row[0] for row in rows], names))
    return found


def _delete_files_on_commit(storage_names: list[tuple[object, str]]) -> None:
    def delete():
        for storage, name in storage_names:
            try:
                storage.delete(name)
            except OSError:
                logger.exception("retention: could not delete a stored file")
    transaction.on_commit(delete)


def _erase_append_only(*, org_id: int, profile_id: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT records_erase_learner(%s, %s)", [org_id, profile_id])
        return
    # SQLite (the demo) has no triggers and no roles: the same rows, deleted directly.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM learners_narrativeentry WHERE plan_id IN (SELECT id FROM learners_plan "
                       "WHERE profile_id = %s AND organisation_id = %s)", [profile_id, org_id])
        cursor.execute("DELETE FROM audit_auditevent WHERE learner_profile_id = %s AND organisation_id = %s",
                       [profile_id, org_id])


@transaction.atomic
def erase_learners(*, org, erasures: list[Erasure]) -> dict[str, int]:
    """Erase the records of the learners of the confirmed ``erasures`` in ``org``, in one
    transaction (all or nothing). Returns the rows removed per kind."""
    org_id = org.pk
    profile_ids = [e.profile_id for e in erasures]
    facts = learner_facts(org_id=org_id, profile_ids=profile_ids)
    user_ids = [facts[p][0] for p in profile_ids if p in facts]
    counts: dict[str, int] = {}
    files: list[tuple[object, str]] = []
    for erasure in erasures:
        _erase_append_only(org_id=org_id, profile_id=erasure.profile_id)
    for module in _hooks():
        for label, n in getattr(module, "anonymise", lambda **_: {})(org_id=org_id, profile_ids=profile_ids).items():
            counts[label] = counts.get(label, 0) + n
    rows = _collect_rows(org_id=org_id, user_ids=user_ids)
    plan_ids = next((pks for label, _m, pks, _n in rows if label == "learners.Plan"), [])
    for label, model, pks, names in rows:
        if label in APPEND_ONLY or label in ANONYMISED or not pks:
            continue
        field_storage = [f.storage for f in model._meta.concrete_fields if f.get_internal_type() == "FileField"]
        files.extend((field_storage[0] if field_storage else default_storage, name) for name in names)
        queryset = model.objects.system("retention: erase the learners' rows").filter(pk__in=pks)
        counts[label] = queryset._raw_delete(queryset.db)
    # Core's rows about these learners (no foreign key to their record).
    scope = "retention: erase the learners' rows"
    renders = PdfRender.objects.for_org(org_id).filter(kind__endswith="progress_file", object_id__in=plan_ids)
    files.extend((default_storage, name) for name in renders.exclude(file="").values_list("file", flat=True))
    counts["pdfs.PdfRender"] = renders._raw_delete(renders.db)
    renders = PdfRender.objects.for_org(org_id).filter(requested_by_id__in=user_ids)
    files.extend((default_storage, name) for name in renders.exclude(file="").values_list("file", flat=True))
    counts["pdfs.PdfRender"] += renders._raw_delete(renders.db)
    sars = SubjectAccessRequest.objects.for_org(org_id).filter(learner_id__in=user_ids)
    files.extend((default_storage, name) for name in sars.exclude(file="").values_list("file", flat=True))
    counts["records.SubjectAccessRequest"] = sars._raw_delete(sars.db)
    _add(counts, about_learners_erase(org_id=org_id, profile_ids=profile_ids, user_ids=user_ids))
    released = accounts_release(org_id=org_id, user_ids=user_ids)
    anonymised = released.pop("anonymised")
    _add(counts, released)
    _delete_files_on_commit(files)
    now = timezone.now()
    for erasure in erasures:
        audit_log("records.erasure.done", org=org, obj=erasure,
                  data={"profile_id": erasure.profile_id, "reason": erasure.reason,
                        "left_on": erasure.left_on.isoformat() if erasure.left_on else None,
                        "account": "anonymised" if facts.get(erasure.profile_id, (None,))[0] in anonymised
                        else "kept"})
    Erasure.objects.for_org(org_id).filter(pk__in=[e.pk for e in erasures]).update(
        status=Erasure.Status.DONE, done_at=now, counts=counts)
    return counts


def _add(counts: dict[str, int], more: dict[str, int]) -> None:
    for label, n in more.items():
        counts[label] = counts.get(label, 0) + n


def about_learners_erase(*, org_id: int, profile_ids: list[int], user_ids: list[int]) -> dict[str, int]:
    """Reminders, in-app notifications and outbox emails about these learners — in any
    organisation (a careers service's reminder about a school's pupil lives in the service) — and
    those addressed to the learners in ``org_id``. A digest email that listed a reminder about
    them goes too (it names them); the other reminders it listed keep their rows, unlinked."""
    scope = "retention: reminders, notifications and emails about the learners, every organisation"
    counts = {}
    reminders = Reminder.objects.system(scope).filter(
        Q(learner_profile_id__in=profile_ids) | Q(organisation_id=org_id, recipient_id__in=user_ids))
    digests = list(reminders.filter(digest__isnull=False).values_list("digest_id", flat=True).distinct())
    if digests:
        Reminder.objects.system(scope).filter(digest_id__in=digests).update(digest=None)
    counts["notifications.Reminder"] = reminders._raw_delete(reminders.db)
    notifications = Notification.objects.system(scope).filter(
        Q(learner_profile_id__in=profile_ids) | Q(organisation_id=org_id, user_id__in=user_ids))
    counts["notifications.Notification"] = notifications._raw_delete(notifications.db)
    emails = list(get_user_model().objects.filter(pk__in=user_ids).values_list("email", flat=True))
    outbox = OutboundEmail.objects.filter(Q(learner_profile_id__in=profile_ids) | Q(pk__in=digests)
                                          | Q(organisation_id=org_id, to__in=emails))
    counts["notifications.OutboundEmail"] = outbox._raw_delete(outbox.db)
    return counts


ERASED_MARK = "erased.invalid"


def accounts_release(*, org_id: int, user_ids: list[int]) -> dict:
    """The learners' membership of ``org_id`` ends (deleted); an account left with no
    membership and no learner profile anywhere is anonymised — not deleted: the audit trail keeps
    pointing at it (``AuditEvent.actor``), now with no name or email — and everything tied to
    the account alone goes: email addresses, MFA devices, linked sign-ins, sessions, object
    permissions, notifications and reminders in any organisation, emails to its address,
    invitations it accepted, PDFs it asked for. ``user_references()`` says, for every foreign key
    to a user, whether it is erased here, with the record, or kept and why (a test holds it
    complete). Returns counts, and under "anonymised" the set of user ids anonymised."""
    scope = "retention: the accounts of erased learners"
    counts: dict = {}
    members = Membership.objects.system(scope).filter(organisation_id=org_id, user_id__in=user_ids,
                                                      role=Role.LEARNER)
    counts["organisations.Membership"] = members._raw_delete(members.db)
    still = set(Membership.objects.system(scope).filter(user_id__in=user_ids).values_list("user_id", flat=True))
    for module in _hooks():
        still |= set(getattr(module, "users_with_records", lambda **_: set())(user_ids=user_ids))
    gone = [pk for pk in user_ids if pk not in still]
    counts["anonymised"] = set(gone)
    if not gone:
        return counts
    User = get_user_model()
    emails = list(User.objects.filter(pk__in=gone).values_list("email", flat=True))
    for model, field in ((EmailAddress, "user_id"), (Authenticator, "user_id"), (SocialAccount, "user_id"),
                         (Session, "user_id"), (UserObjectPermission, "user_id")):
        qs = model.objects.filter(**{f"{field}__in": gone})
        counts[model._meta.label] = qs._raw_delete(qs.db)
    for model, field in ((Notification, "user_id"), (Reminder, "recipient_id"), (PdfBundle, "requested_by_id"),
                         (PdfRender, "requested_by_id")):
        qs = model.objects.system(scope).filter(**{f"{field}__in": gone})
        if model is PdfBundle or model is PdfRender:
            _delete_files_on_commit([(default_storage, name) for name in
                                     qs.exclude(file="").values_list("file", flat=True)])
        _add(counts, {model._meta.label: qs._raw_delete(qs.db)})
    invitations = Invitation.objects.system(scope).filter(Q(accepted_by_id__in=gone) | Q(email__in=emails))
    counts["organisations.Invitation"] = invitations._raw_delete(invitations.db)
    outbox = OutboundEmail.objects.filter(to__in=emails)
    _add(counts, {"notifications.OutboundEmail": outbox._raw_delete(outbox.db)})
    unusable = make_password(None)
    for pk in gone:
        User.objects.filter(pk=pk).update(email=f"erased-{pk}@{ERASED_MARK}", full_name="", is_active=False,
                                          is_staff=False, is_superuser=False, email_opt_out=True,
                                          password=unusable, last_login=None)
    counts["accounts.User (anonymised)"] = len(gone)
    return counts


def learner_references() -> dict[str, str]:
    """Models about a learner that are not in the subject access export's record sets (whose
    rows ``erase_learners`` deletes) and what the erasure does with them: "erased: …" or "kept:
    <why>". Each app's ``retention.py`` adds ``LEARNER_REFERENCES``."""
    found = dict(LEARNER_REFERENCES)
    for module in _hooks():
        found.update(getattr(module, "LEARNER_REFERENCES", {}))
    return found


LEARNER_REFERENCES = {
    "records.SubjectAccessRequest": "erased: the learner's requests and their files (erase_learners)",
    "records.Erasure": "kept: the erasure's own record — a profile id, dates and counts, no personal data",
    "audit.AuditEvent": "erased: entries about the learner (learner_profile_id), by records_erase_learner",
    "notifications.Notification": "erased: notifications about the learner (learner_profile_id), any organisation",
    "notifications.Reminder": "erased: reminders about the learner (learner_profile_id), any organisation",
    "notifications.OutboundEmail": "erased: emails about the learner (learner_profile_id) and digests "
                                   "that listed a reminder about them",
}


def user_references() -> dict[str, str]:
    """Every foreign key to a user ("app.Model.field") and what erasing a learner does with
    rows pointing at the learner's account: "erased: …" (``accounts_release`` or the learner's
    record), or "kept: <why>". Each app's ``retention.py`` adds ``USER_REFERENCES``."""
    found = dict(USER_REFERENCES)
    for module in _hooks():
        found.update(getattr(module, "USER_REFERENCES", {}))
    return found


_STAFF = "kept: a staff member's action or role; a learner never holds it"
USER_REFERENCES = {
    "admin.LogEntry.user": "kept: the platform operators' Django admin log; a learner never signs in there",
    "accounts.Session.user": "erased: the account's sessions (accounts_release)",
    "organisations.Membership.user": "erased: the learner's membership of the organisation (accounts_release)",
    "organisations.Invitation.invited_by": _STAFF,
    "organisations.Invitation.accepted_by": "erased: invitations the account accepted or was sent (accounts_release)",
    "audit.AuditEvent.actor": "kept: the audit trail of what the account did; it points at the anonymised "
                              "account (no name, no email); entries about the learner are erased",
    "notifications.Notification.user": "erased: the learner's notifications (about_learners_erase, accounts_release)",
    "notifications.Reminder.recipient": "erased: the learner's reminders (about_learners_erase, accounts_release)",
    "pdfs.PdfRender.requested_by": "erased: PDFs the learner asked for (erase_learners, accounts_release)",
    "pdfs.PdfBundle.requested_by": "erased: a ZIP the account asked for (accounts_release; staff only today)",
    "records.SubjectAccessRequest.learner": "erased: the learner's requests and their files (erase_learners)",
    "records.SubjectAccessRequest.requested_by": "erased: with the learner's requests (erase_learners)",
    "records.SubjectAccessRequest.reviewed_by": _STAFF,
    "records.RetentionPolicy.updated_by": _STAFF,
    "records.Erasure.requested_by": _STAFF,
    "records.Erasure.confirmed_by": _STAFF,
    "sso.IdentityProvider.updated_by": _STAFF,
    "account.EmailAddress.user": "erased: the account's email addresses (accounts_release)",
    "mfa.Authenticator.user": "erased: the account's MFA devices (accounts_release)",
    "socialaccount.SocialAccount.user": "erased: the account's linked sign-ins (accounts_release)",
    "guardian.UserObjectPermission.user": "erased: the account's object permissions (accounts_release)",
}


def retention_run(*, today: datetime.date | None = None) -> dict:
    """The daily job (beat ``records-retention``): per organisation, the learners past their
    date are erased. Idempotent: an erased learner has no profile left to be due."""
    today = today or clock.today()
    summary = {"organisations": 0, "learners": 0}
    with system_scope("retention: the daily job visits every organisation"):
        for org in Organisation.objects.order_by("pk"):
            found = due(org_id=org.pk, today=today)
            if not found:
                continue
            with transaction.atomic():
                erasures = []
                for profile_id, (left_on, due_on) in found.items():
                    erasure, _ = Erasure.objects.for_org(org).get_or_create(
                        organisation=org, profile_id=profile_id,
                        status__in=[Erasure.Status.REQUESTED, Erasure.Status.CONFIRMED],
                        defaults={"reason": Erasure.Reason.RETENTION, "left_on": left_on, "due_on": due_on,
                                  "status": Erasure.Status.CONFIRMED})
                    if erasure.status != Erasure.Status.CONFIRMED or erasure.reason == Erasure.Reason.EARLY:
                        Erasure.objects.for_org(org).filter(pk=erasure.pk).update(
                            reason=Erasure.Reason.RETENTION, status=Erasure.Status.CONFIRMED,
                            left_on=left_on, due_on=due_on)
                        erasure.refresh_from_db()
                    erasures.append(erasure)
                erase_learners(org=org, erasures=erasures)
            summary["organisations"] += 1
            summary["learners"] += len(found)
    return summary


# --- The organisation admin: the policy and early erasure -----------------------------------------


class ErasureError(Exception):
    """The erasure cannot be asked for, confirmed or cancelled (plain words for the admin)."""


def retention_policy_update(*, org, by, years_after_leaving: int, years_with_support_needs: int,
                            parent_request_below_age: int | None = None, request=None) -> RetentionPolicy:
    policy = policy_for(org.pk)
    fields = ("years_after_leaving", "years_with_support_needs", "parent_request_below_age")
    before = {name: getattr(policy, name) for name in fields}
    policy.years_after_leaving, policy.years_with_support_needs = years_after_leaving, years_with_support_needs
    if parent_request_below_age is not None:
        policy.parent_request_below_age = parent_request_below_age
    policy.updated_by, policy.updated_at = by, timezone.now()
    policy.save()
    audit_log("records.retention.policy_updated", request=request, actor=by, org=org, obj=policy,
              data={"before": before, "after": {name: getattr(policy, name) for name in fields}})
    return policy


def _profile_id_of(*, org, learner) -> int:
    for module in _hooks():
        found = getattr(module, "profile_ids_for_users", lambda **_: {})(org_id=org.pk, user_ids=[learner.pk])
        if learner.pk in found:
            return found[learner.pk]
    raise ErasureError("This learner has no record in your organisation")


def erasure_request(*, org, learner, by, request=None) -> Erasure:
    """First admin: ask to erase ``learner``'s record now. Nothing is erased until a second
    organisation admin confirms (``erasure_confirm``)."""
    profile_id = _profile_id_of(org=org, learner=learner)
    if Erasure.objects.for_org(org).filter(profile_id=profile_id).exclude(status=Erasure.Status.CANCELLED).exists():
        raise ErasureError("An erasure of this learner's record has already been asked for")
    erasure = Erasure.objects.create(organisation=org, profile_id=profile_id, reason=Erasure.Reason.EARLY,
                                     requested_by=by)
    audit_log("records.erasure.requested", request=request, actor=by, org=org, obj=erasure,
              data={"profile_id": profile_id})
    return erasure


def erasure_confirm(*, org, erasure, by, request=None) -> dict[str, int]:
    """Second admin: confirm, and the record is erased now (one transaction)."""
    with transaction.atomic():
        erasure = Erasure.objects.for_org(org).select_for_update().get(pk=erasure.pk)
        if erasure.status != Erasure.Status.REQUESTED:
            raise ErasureError("This erasure is not waiting for confirmation")
        if erasure.requested_by_id == by.pk:
            raise ErasureError("A second organisation admin must confirm: you asked for this erasure")
        Erasure.objects.for_org(org).filter(pk=erasure.pk).update(
            status=Erasure.Status.CONFIRMED, confirmed_by=by, confirmed_at=timezone.now())
        audit_log("records.erasure.confirmed", request=request, actor=by, org=org, obj=erasure,
                  data={"profile_id": erasure.profile_id})
        erasure.refresh_from_db()
        return erase_learners(org=org, erasures=[erasure])


def erasure_cancel(*, org, erasure, by, request=None) -> None:
    updated = Erasure.objects.for_org(org).filter(pk=erasure.pk, status=Erasure.Status.REQUESTED).update(
        status=Erasure.Status.CANCELLED)
    if not updated:
        raise ErasureError("This erasure is not waiting for confirmation")
    audit_log("records.erasure.cancelled", request=request, actor=by, org=org, obj=erasure,
              data={"profile_id": erasure.profile_id})
