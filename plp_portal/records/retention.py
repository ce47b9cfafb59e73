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

from plp_portal import clock
from plp_portal.audit.services import audit_log
from plp_portal.hooks import app_hook_modules
from plp_portal.tenancy import system_scope

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
    from django.core.files.storage import default_storage

    from plp_portal.notifications.models import Notification, OutboundEmail, Reminder
    from plp_portal.pdfs.models import PdfRender

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
    sars = SubjectAccessRequest.objects.for_org(org_id).filter(learner_id__in=user_ids)
    files.extend((default_storage, name) for name in sars.exclude(file="").values_list("file", flat=True))
    counts["records.SubjectAccessRequest"] = sars._raw_delete(sars.db)
    for model, field in ((Notification, "user_id"), (Reminder, "recipient_id")):
        qs = model.objects.system(scope).filter(organisation_id=org_id, **{f"{field}__in": user_ids})
        counts[f"notifications.{model.__name__}"] = qs._raw_delete(qs.db)
    from django.contrib.auth import get_user_model

    emails = list(get_user_model().objects.filter(pk__in=user_ids).values_list("email", flat=True))
    outbox = OutboundEmail.objects.filter(organisation_id=org_id, to__in=emails)
    counts["notifications.OutboundEmail"] = outbox._raw_delete(outbox.db)
    _delete_files_on_commit(files)
    now = timezone.now()
    for erasure in erasures:
        audit_log("records.erasure.done", org=org, obj=erasure,
                  data={"profile_id": erasure.profile_id, "reason": erasure.reason,
                        "left_on": erasure.left_on.isoformat() if erasure.left_on else None})
    Erasure.objects.for_org(org_id).filter(pk__in=[e.pk for e in erasures]).update(
        status=Erasure.Status.DONE, done_at=now, counts=counts)
    return counts


def retention_run(*, today: datetime.date | None = None) -> dict:
    """The daily job (beat ``records-retention``): per organisation, the learners past their
    date are erased. Idempotent: an erased learner has no profile left to be due."""
    from plp_portal.organisations.models import Organisation

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
                            request=None) -> RetentionPolicy:
    policy = policy_for(org.pk)
    before = {"years_after_leaving": policy.years_after_leaving,
              "years_with_support_needs": policy.years_with_support_needs}
    policy.years_after_leaving, policy.years_with_support_needs = years_after_leaving, years_with_support_needs
    policy.updated_by, policy.updated_at = by, timezone.now()
    policy.save()
    audit_log("records.retention.policy_updated", request=request, actor=by, org=org, obj=policy,
              data={"before": before, "after": {"years_after_leaving": years_after_leaving,
                                                "years_with_support_needs": years_with_support_needs}})
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
