"""MIS import: upload → (columns) → preview → confirm → apply, and tutor groups → key workers.

Nothing changes in the organisation until the admin confirms a previewed run. Applying
recomputes the plan against the database (so a stale preview never overwrites anything) and
writes in batches, one transaction each. Re-applying the same file changes nothing: people are
matched on their MIS id (``MisPerson``), then on UPN (pupils) or email (staff), per organisation."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
import hmac
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.conf import settings
from allauth.account.models import EmailAddress

from keyworkers.choices import KeyWorkerType
from keyworkers.services import key_worker_assign
from learners import services as learner_services
from learners.choices import LeavingReason, PlanStatus, ShareRelationship, TargetGroup
from learners.models import LearnerProfile, Plan, PlanShare
from plp_portal import clock, rls
from plp_portal.audit.services import audit_log
from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Membership, Term
from plp_portal.organisations.services import (
    invitation_create, invitation_revoke, membership_deactivate, membership_set_role,
)
from plp_portal.organisations.selectors import invitation_list_open
from plp_portal.notifications.models import OutboundEmail
from plp_portal.queue import enqueue_on_commit

from .choices import ImportKind, JobKind, JobStatus, Outcome, RunStatus
from .models import (
    ColumnMapping, ImportRun, MisPerson, ParentLink, SetupJob, SignInCode, TutorGroup, YearRollover,
)
from .parsing import csv_read, file_sha256, parse_date
from .presets import FIELDS, PRESETS, mapping_resolve, missing_required

User = get_user_model()

BATCH_SIZE = 200
# Files up to this many rows are checked and imported while the admin waits; longer ones in
# the worker, with a progress bar.
SYNC_ROWS = 500

EARLIEST_BIRTH = datetime.date(1900, 1, 1)
UPN_RE = re.compile(r"^[A-Z]\d{11}[0-9A-Z]$")
ULN_RE = re.compile(r"^\d{10}$")
YEAR_RE = re.compile(r"^(?:year|yr|y|nc year|nc)?\s*(\d{1,2}|r)$", re.IGNORECASE)
SEN_CODES = {"": "", "n": "", "k": "K", "e": "E", "s": "K", "sen support": "K", "ehc plan": "E", "ehcp": "E"}
NO_EMAIL_DOMAIN = "pupils.invalid"

# Role words in staff files -> roles here.
ROLE_WORDS = {
    "tutor": Role.KEY_WORKER, "form tutor": Role.KEY_WORKER, "key worker": Role.KEY_WORKER,
    "personal tutor": Role.KEY_WORKER,
    "teacher": Role.SUBJECT_TUTOR, "subject teacher": Role.SUBJECT_TUTOR, "subject tutor": Role.SUBJECT_TUTOR,
    "senco": Role.SENCO, "sendco": Role.SENCO,
    "head of year": Role.HEAD_OF_YEAR, "hoy": Role.HEAD_OF_YEAR,
    "learning mentor": Role.LEARNING_MENTOR, "mentor": Role.LEARNING_MENTOR,
    "pshe lead": Role.PSHE_LEAD, "pshe": Role.PSHE_LEAD,
    "careers lead": Role.CAREERS_LEAD, "careers leader": Role.CAREERS_LEAD,
    "careers adviser": Role.CAREERS_ADVISER, "careers advisor": Role.CAREERS_ADVISER,
}
# The main role is the first of these the person holds (the rest are extra roles).
MAIN_ROLE_ORDER = [Role.CAREERS_LEAD, Role.HEAD_OF_YEAR, Role.SENCO, Role.KEY_WORKER, Role.LEARNING_MENTOR,
                   Role.PSHE_LEAD, Role.CAREERS_ADVISER, Role.SUBJECT_TUTOR]


class ImportError_(Exception):
    """The run cannot be confirmed in its state (the message says why)."""


# --- Upload and columns -------------------------------------------------------------------------


def import_run_create(*, org, kind: str, preset: str, file_name: str, data: bytes, by) -> ImportRun:
    """Read the file (raises ``parsing.FileProblem``) and record the run. Its columns come from
    the preset, else from the organisation's remembered mapping; when a required column is not
    found the run waits for the admin to choose (``NEEDS_COLUMNS``)."""
    header, rows = csv_read(data)
    wanted = PRESETS.get(preset, {}).get(kind)
    if wanted is None:
        saved = ColumnMapping.objects.for_org(org).filter(kind=kind).first()
        wanted = saved.columns if saved else {}
    columns = mapping_resolve(kind=kind, header=header, wanted=wanted)
    status = RunStatus.NEEDS_COLUMNS if missing_required(kind=kind, columns=columns) else RunStatus.PREVIEWING
    run = ImportRun.objects.create(
        organisation=org, kind=kind, preset=preset, file_name=file_name[:255], file_sha256=file_sha256(data),
        header=header, rows=rows, columns=columns, status=status, uploaded_by=by, progress_total=len(rows))
    audit_log("onboarding.import.uploaded", actor=by, org=org, obj=run,
              data={"kind": kind, "rows": len(rows), "sha256": run.file_sha256})
    return run


def import_run_set_columns(*, org, run: ImportRun, by, columns: dict[str, str]) -> ImportRun:
    """``columns``: field -> header text (empty: not in this file). Remembered for the
    organisation's next file of this kind."""
    _check_org(org, run)
    if run.status not in (RunStatus.NEEDS_COLUMNS, RunStatus.READY):
        raise ImportError_("This file has already been imported.")
    chosen = {f: h for f, h in columns.items() if h}
    run.columns = mapping_resolve(kind=run.kind, header=run.header, wanted=chosen)
    run.status = RunStatus.NEEDS_COLUMNS if missing_required(kind=run.kind, columns=run.columns) else RunStatus.PREVIEWING
    run.save(update_fields=["columns", "status"])
    ColumnMapping.objects.for_org(org).update_or_create(
        organisation=org, kind=run.kind, defaults={"columns": chosen, "updated_by": by})
    return run


def _check_org(org, *objs):
    for obj in objs:
        if obj.organisation_id != org.pk:
            raise ValueError("object of another organisation")


# --- Reading rows -------------------------------------------------------------------------------


@dataclass
class Item:
    """What happens to one row (or one person missing from the file)."""

    outcome: str
    row: int | None = None
    mis_id: str = ""
    name: str = ""
    target_id: int | None = None  # the profile (pupils) or membership (staff) it changes
    changes: list = field(default_factory=list)  # [label, old, new]
    errors: list = field(default_factory=list)  # [column label, what to fix]
    values: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"outcome": self.outcome, "label": Outcome(self.outcome).label, "row": self.row, "mis_id": self.mis_id, "name": self.name,
                "changes": self.changes, "errors": self.errors}


def _cell(row, columns, name) -> str:
    index = columns.get(name)
    return row[index].strip() if index is not None and index < len(row) else ""


def _label(kind, name) -> str:
    return FIELDS[kind][name][0]


def year_group_normalise(value: str) -> str | None:
    """"Year 9", "Y9", "09", "9" → "9"; "R" → "R"; None when it is not a year group."""
    match = YEAR_RE.match(value.strip())
    if not match:
        return None
    year = match.group(1).upper()
    if year == "R":
        return "R"
    return str(int(year)) if 1 <= int(year) <= 14 else None


def target_group_for(year_group: str) -> str:
    if year_group == "R" or int(year_group) <= 9:
        return TargetGroup.YEAR_9
    return TargetGroup.KEY_STAGE_4 if int(year_group) <= 11 else TargetGroup.POST_16_FULL_TIME


def _row_start(row, columns, kind, missing_id: str):
    """The cell getter, the errors list and the values (the MIS id) every kind starts with."""
    def get(name):
        return _cell(row, columns, name)

    errors = [] if get("mis_id") else [[_label(kind, "mis_id"), missing_id]]
    return get, errors, {"mis_id": get("mis_id")}


def _pupil_values(row, columns) -> tuple[dict, list]:
    kind = ImportKind.PUPILS
    get, errors, values = _row_start(row, columns, kind, "Enter the pupil's MIS id (admission number)")
    legal = " ".join(p for p in (get("legal_forename"), get("legal_surname")) if p)
    preferred = " ".join(p for p in (get("preferred_forename") or get("legal_forename"),
                                     get("preferred_surname") or get("legal_surname")) if p)
    if not get("legal_forename") or not get("legal_surname"):
        errors.append([_label(kind, "legal_forename"), "Enter the pupil's legal forename and surname"])
    values["legal_name"] = legal[:150]
    values["full_name"] = preferred[:150]
    upn = get("upn").upper().replace(" ", "")
    if upn and not UPN_RE.match(upn):
        errors.append([_label(kind, "upn"), f"UPN {upn[:20]} is not a UPN: a letter then 12 characters, 13 in all"])
    values["upn"] = upn if UPN_RE.match(upn) else ""
    uln = get("uln").replace(" ", "")
    if uln and not ULN_RE.match(uln):
        errors.append([_label(kind, "uln"), f"ULN {uln[:20]} is not a ULN: 10 digits"])
    values["uln"] = uln if ULN_RE.match(uln) else ""
    dob = get("date_of_birth")
    values["date_of_birth"] = None
    if dob:
        try:
            day = parse_date(dob)
        except ValueError:
            errors.append([_label(kind, "date_of_birth"),
                           f"Date of birth {dob[:20]} is not a date: write it as 03/09/2012 or 2012-09-03"])
        else:
            if not EARLIEST_BIRTH <= day <= clock.today():
                errors.append([_label(kind, "date_of_birth"), f"Date of birth {dob[:20]} is not a plausible date of birth"])
            else:
                values["date_of_birth"] = day
    year = year_group_normalise(get("year_group"))
    if year is None:
        errors.append([_label(kind, "year_group"),
                       f"Year group {get('year_group')[:20] or '(blank)'} is not known: use R or 1 to 14 (for example Year 9)"])
    values["year_group"] = year or ""
    values["tutor_group"] = get("tutor_group")[:40]
    sen = SEN_CODES.get(get("sen_status").lower())
    if sen is None:
        errors.append([_label(kind, "sen_status"), f"SEN status {get('sen_status')[:20]} is not known: use K, E or leave it blank"])
    values["sen_status"] = sen or ""
    _email(get, errors, values, kind)
    return values, errors


def _email(get, errors, values, kind, name="email", *, invalid="{email} is not an email address",
           blank=None) -> None:
    """The email cell ``name``, lower-cased, into ``values``; one that is not an address is an
    error (``invalid``, naming it) and left blank. Blank is allowed unless ``blank`` gives its error."""
    email = get(name).lower()
    if email or blank:
        try:
            validate_email(email)
        except ValidationError:
            errors.append([_label(kind, name), invalid.format(email=email[:60]) if email else blank])
            email = ""
    values[name] = email


def _adult_name(get, errors, values, kind, whose: str) -> None:
    """Forename and surname of a staff or parent row: one name, legal and shown alike."""
    if not get("forename") or not get("surname"):
        errors.append([_label(kind, "forename"), f"Enter {whose} forename and surname"])
    values["full_name"] = values["legal_name"] = f"{get('forename')} {get('surname')}".strip()[:150]


def _staff_values(row, columns) -> tuple[dict, list]:
    kind = ImportKind.STAFF
    get, errors, values = _row_start(row, columns, kind, "Enter the member of staff's MIS id (staff code)")
    _adult_name(get, errors, values, kind, "the member of staff's")
    _email(get, errors, values, kind, invalid="Enter a work email address ({email} is not one)",
           blank="Enter a work email address")
    roles = []
    for word in re.split(r"[;,/|]", get("roles")):
        word = re.sub(r"\s+", " ", word.strip().lower())
        if not word:
            continue
        if word not in ROLE_WORDS:
            errors.append([_label(kind, "roles"), f"Role {word[:40]} is not known: use tutor, teacher, SENCO, "
                                                  "head of year, learning mentor, PSHE lead or careers lead"])
            continue
        roles.append(ROLE_WORDS[word])
    values["tutor_group"] = get("tutor_group")[:40]
    if values["tutor_group"]:
        roles.append(Role.KEY_WORKER)
    roles = roles or [Role.SUBJECT_TUTOR]
    ordered = [r for r in MAIN_ROLE_ORDER if r in roles]
    values["role"], values["extra_roles"] = ordered[0], sorted(ordered[1:])
    return values, errors


def _duplicates(items, key, kind, label_field, what):
    seen = Counter(i.values.get(key) for i in items if i.values.get(key))
    for item in items:
        value = item.values.get(key)
        if value and seen[value] > 1:
            rows = [str(o.row) for o in items if o.values.get(key) == value and o is not item]
            item.errors.append([_label(kind, label_field), f"{what} {value} is also on row {', '.join(rows)}: "
                                                           "each person once"])


def _date_text(value) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _diff(pairs) -> list:
    return [[label, str(old or ""), str(new or "")] for label, old, new in pairs if (old or "") != (new or "")]


# --- Planning: what the run would do ------------------------------------------------------------


def _read_items(run, read_values) -> list[Item]:
    """One item per non-blank row, numbered as Excel numbers rows (the header is row 1)."""
    items = []
    for index, row in enumerate(run.rows):
        if not any(row):
            continue
        values, errors = read_values(row, run.columns)
        items.append(Item(outcome=Outcome.CREATE, row=index + 2, mis_id=values["mis_id"], name=values["full_name"],
                          errors=errors, values=values))
    return items


def _matched_or_decided(item, target, matched: set, *, new: bool) -> bool:
    """Note the row's match (``target``: the profile or membership it updates, if any); a row with
    errors is an ERROR, a ``new`` one a CREATE. True when that decides it (no changes to work out)."""
    if target is not None:
        matched.add(target.pk)
        item.target_id = target.pk
    if item.errors:
        item.outcome = Outcome.ERROR
    elif new:
        item.outcome = Outcome.CREATE
    else:
        return False
    return True


def _plan_pupils(org, run) -> list[Item]:
    items = _read_items(run, _pupil_values)
    kind = ImportKind.PUPILS
    _duplicates(items, "mis_id", kind, "mis_id", "MIS id")
    _duplicates(items, "upn", kind, "upn", "UPN")
    _duplicates(items, "email", kind, "email", "Email")
    links = {p.mis_id: p for p in MisPerson.objects.for_org(org).filter(kind=kind)}
    profiles = list(LearnerProfile.objects.for_org(org).select_related("user"))
    by_user = {p.user_id: p for p in profiles}
    by_upn = {p.upn: p for p in profiles if p.upn}
    emails = {i.values["email"] for i in items if i.values.get("email")}
    users_by_email = {u.email: u for u in User.objects.filter(email__in=emails)} if emails else {}
    linked_users = {p.user_id: p.mis_id for p in links.values()}
    matched = set()
    for item in items:
        v = item.values
        link = links.get(v["mis_id"])
        profile = by_user.get(link.user_id) if link else None
        if profile is None and v["upn"]:
            # A pupil enrolled by hand (no MIS id yet) is matched on the UPN.
            candidate = by_upn.get(v["upn"])
            if candidate is not None and linked_users.get(candidate.user_id, v["mis_id"]) == v["mis_id"]:
                profile = candidate
        if v["upn"] and v["upn"] in by_upn and by_upn[v["upn"]] is not profile:
            item.errors.append([_label(kind, "upn"), f"UPN {v['upn']} belongs to another pupil here "
                                                     f"({by_upn[v['upn']].user.display_name}): check the UPN"])
        owner = users_by_email.get(v["email"]) if v["email"] else None
        if owner is not None and (profile is None or owner.pk != profile.user_id):
            item.errors.append([_label(kind, "email"), f"{v['email']} is used by another person's account: "
                                                       "give this pupil their own address or leave it blank"])
        if _matched_or_decided(item, profile, matched, new=profile is None):
            continue
        user = profile.user
        item.changes = _diff([
            ("Name", user.full_name, v["full_name"]),
            ("Email", user.email, v["email"] or user.email),
            ("Date of birth", _date_text(profile.date_of_birth), _date_text(v["date_of_birth"])),
            ("Year group", profile.year_group, v["year_group"]),
            ("Tutor group", profile.tutor_group, v["tutor_group"]),
            ("UPN", profile.upn, v["upn"] or profile.upn),
            ("ULN", profile.uln, v["uln"] or profile.uln),
            ("Enrolled", "no" if not profile.is_active else "yes", "yes"),
            ("Legal name", link.legal_name if link else "", v["legal_name"]),
            ("SEN status", link.sen_status if link else "", v["sen_status"]),
        ])
        if link is None:
            item.changes.append(["MIS id", "", v["mis_id"]])
        item.outcome = Outcome.UPDATE if item.changes else Outcome.UNCHANGED
    for profile in profiles:
        if profile.is_active and profile.pk not in matched:
            items.append(Item(outcome=Outcome.END, name=profile.user.display_name, target_id=profile.pk,
                              mis_id=linked_users.get(profile.user_id, ""),
                              changes=[["Enrolled", "yes", "no (proposed leaver)"]]))
    return items


def _plan_staff(org, run) -> list[Item]:
    kind = ImportKind.STAFF
    items = _read_items(run, _staff_values)
    _duplicates(items, "mis_id", kind, "mis_id", "MIS id")
    _duplicates(items, "email", kind, "email", "Email")
    links = {p.mis_id: p for p in MisPerson.objects.for_org(org).filter(kind=kind)}
    memberships = {m.user_id: m for m in Membership.objects.for_org(org).select_related("user")}
    emails = {i.values["email"] for i in items if i.values.get("email")}
    users_by_email = {u.email: u for u in User.objects.filter(email__in=emails)} if emails else {}
    groups = {g.code: g.tutor_id for g in TutorGroup.objects.for_org(org)}
    tutor_of = {}
    for code, tutor_id in groups.items():
        tutor_of.setdefault(tutor_id, []).append(code)
    matched = set()
    for item in items:
        v = item.values
        link = links.get(v["mis_id"])
        user = None
        if link is not None:
            user = link.user
        elif v["email"] in users_by_email:
            user = users_by_email[v["email"]]
        owner = users_by_email.get(v["email"])
        if owner is not None and user is not None and owner.pk != user.pk:
            item.errors.append([_label(kind, "email"), f"{v['email']} is used by another person's account"])
        membership = memberships.get(user.pk) if user else None
        if membership is not None and membership.role in (Role.LEARNER, Role.PARENT_CARER):
            item.errors.append([_label(kind, "email"), f"{v['email']} belongs to a pupil or parent here, not staff"])
        if _matched_or_decided(item, membership, matched, new=membership is None and user is None):
            continue
        old_roles = membership.roles if membership else []
        new_role, new_extra = v["role"], v["extra_roles"]
        if membership is not None and membership.role == Role.ORG_ADMIN:
            # Never demote an admin through a file: the file's roles become extra roles.
            new_extra = sorted({new_role, *new_extra} - {Role.ORG_ADMIN})
            new_role = Role.ORG_ADMIN
        v["role"], v["extra_roles"] = new_role, new_extra
        new_roles = [new_role, *new_extra]
        item.changes = _diff([
            ("Name", user.full_name, v["full_name"]),
            ("Email", user.email, v["email"]),
            ("Roles", ", ".join(Role(r).label for r in old_roles), ", ".join(Role(r).label for r in new_roles)),
            ("Tutor of", ", ".join(sorted(tutor_of.get(user.pk, []))),
             ", ".join(sorted(set(tutor_of.get(user.pk, [])) | ({v["tutor_group"]} if v["tutor_group"] else set())))),
            ("Active", "yes" if membership is None or membership.is_active else "no", "yes"),
        ])
        if link is None:
            item.changes.append(["MIS id", "", v["mis_id"]])
        item.outcome = Outcome.UPDATE if item.changes else Outcome.UNCHANGED
    staff_links = {p.user_id: p.mis_id for p in links.values()}
    for membership in memberships.values():
        if membership.is_active and membership.pk not in matched and membership.user_id in staff_links:
            items.append(Item(outcome=Outcome.END, name=membership.user.display_name, target_id=membership.pk,
                              mis_id=staff_links[membership.user_id],
                              changes=[["Active", "yes", "no (not in the file)"]]))
    return items


# --- Tutor groups file --------------------------------------------------------------------------


def _group_values(row, columns) -> tuple[dict, list]:
    kind = ImportKind.GROUPS

    def get(name):
        return _cell(row, columns, name)

    code = get("code")[:40]
    errors = [] if code else [[_label(kind, "code"), "Enter the tutor group's code, for example 9A"]]
    values = {"mis_id": code, "full_name": code, "code": code, "tutor_mis_id": get("tutor_mis_id")[:40]}
    _email(get, errors, values, kind, "tutor_email")
    year = get("year_group")
    values["year_group"] = year_group_normalise(year) if year else ""
    if values["year_group"] is None:
        errors.append([_label(kind, "year_group"),
                       f"Year group {year[:20]} is not known: use R or 1 to 14 (for example Year 9)"])
        values["year_group"] = ""
    return values, errors


def _staff_members_by(org):
    """The organisation's active staff memberships, by user id and by email."""
    staff = [m for m in Membership.objects.for_org(org).filter(is_active=True).select_related("user")
             if m.role not in (Role.LEARNER, Role.PARENT_CARER)]
    return {m.user_id: m for m in staff}, {m.user.email.lower(): m for m in staff}


def _plan_groups(org, run) -> list[Item]:
    kind = ImportKind.GROUPS
    items = _read_items(run, _group_values)
    _duplicates(items, "code", kind, "code", "Tutor group")
    staff_links = dict(MisPerson.objects.for_org(org).filter(kind=ImportKind.STAFF).values_list("mis_id", "user_id"))
    staff_by_user, staff_by_email = _staff_members_by(org)
    groups = {g.code: g for g in TutorGroup.objects.for_org(org).select_related("tutor")}
    for item in items:
        v = item.values
        tutor = None
        if v["tutor_mis_id"]:
            tutor = staff_by_user.get(staff_links.get(v["tutor_mis_id"]))
            if tutor is None:
                item.errors.append([_label(kind, "tutor_mis_id"),
                                    f"Staff code {v['tutor_mis_id']} is not a member of staff here: import the "
                                    "staff file first, or check the code"])
        elif v["tutor_email"]:
            tutor = staff_by_email.get(v["tutor_email"])
            if tutor is None:
                item.errors.append([_label(kind, "tutor_email"),
                                    f"{v['tutor_email']} is not a member of staff here: import the staff file "
                                    "first, or check the address"])
        v["tutor_id"] = tutor.user_id if tutor else None
        group = groups.get(v["code"])
        item.target_id = group.pk if group else None
        if item.errors:
            item.outcome = Outcome.ERROR
            continue
        tutor_roles = []
        if tutor is not None and Role.KEY_WORKER not in tutor.roles:
            tutor_roles = [["Roles of the tutor", ", ".join(Role(r).label for r in tutor.roles),
                            ", ".join(Role(r).label for r in [*tutor.roles, Role.KEY_WORKER])]]
        if group is None:
            item.outcome = Outcome.CREATE
            item.changes = tutor_roles
            continue
        item.changes = _diff([("Tutor", group.tutor.display_name if group.tutor else "",
                               tutor.user.display_name if tutor else "")]) + tutor_roles
        item.outcome = Outcome.UPDATE if item.changes else Outcome.UNCHANGED
    in_file = {i.values["code"] for i in items}
    for code, group in groups.items():
        if code not in in_file:
            items.append(Item(outcome=Outcome.END, name=code, mis_id=code, target_id=group.pk,
                              changes=[["Tutor group", code, "removed (not in the file); its pupils stay"]]))
    return items


def _apply_groups(org, run, items: list[Item], by, today):
    for item in items:
        v = item.values
        if item.outcome in (Outcome.CREATE, Outcome.UPDATE):
            tutor = User.objects.filter(pk=v["tutor_id"]).first() if v["tutor_id"] else None
            TutorGroup.objects.for_org(org).update_or_create(organisation=org, code=v["code"],
                                                             defaults={"tutor": tutor})
            membership = Membership.objects.for_org(org).filter(user=tutor).first() if tutor else None
            if membership is not None and Role.KEY_WORKER not in membership.roles:
                membership_set_role(org=org, membership=membership, role=membership.role, by=by,
                                    extra_roles=sorted({*membership.extra_roles, Role.KEY_WORKER}))
        elif item.outcome == Outcome.END and run.end_missing:
            TutorGroup.objects.for_org(org).filter(pk=item.target_id).delete()


# --- Parents and carers file ---------------------------------------------------------------------

PUPIL_REFS_SPLIT = re.compile(r"[;,|\s]+")
MAX_CHILDREN = 20


def _parent_values(row, columns) -> tuple[dict, list]:
    kind = ImportKind.PARENTS
    get, errors, values = _row_start(row, columns, kind, "Enter the parent's or carer's MIS id (contact id)")
    _adult_name(get, errors, values, kind, "the parent's or carer's")
    _email(get, errors, values, kind,
           invalid="{email} is not an email address: enter the parent's or carer's own address",
           blank="Enter the parent's or carer's email address: they are invited to it")
    values["relationship"] = get("relationship")[:40]
    refs = [ref for ref in PUPIL_REFS_SPLIT.split(get("pupils")) if ref]
    if not refs:
        errors.append([_label(kind, "pupils"), "Enter the MIS id (admission number) or UPN of at least one pupil"])
    elif len(refs) > MAX_CHILDREN:
        errors.append([_label(kind, "pupils"), f"Enter {MAX_CHILDREN} pupils or fewer"])
    values["pupils"] = refs[:MAX_CHILDREN]
    return values, errors


def _contact_rows_merge(items: list[Item]) -> list[Item]:
    """Exports with one row per parent and child repeat the parent: rows with the same contact
    id, name and email are one parent with several children."""
    first, merged = {}, []
    for item in items:
        key = item.values["mis_id"]
        earlier = first.get(key) if key else None
        if earlier is None:
            if key:
                first[key] = item
            merged.append(item)
            continue
        same = (earlier.values["full_name"], earlier.values["email"]) == (item.values["full_name"], item.values["email"])
        if same and not item.errors:
            earlier.values["pupils"] = list(dict.fromkeys(earlier.values["pupils"] + item.values["pupils"]))
            continue
        if not same:
            item.errors.append([_label(ImportKind.PARENTS, "mis_id"),
                                f"Contact id {key} is also on row {earlier.row} with another name or email: "
                                "each parent once, with one name and email"])
        merged.append(item)
    return merged


def _plan_parents(org, run) -> list[Item]:
    kind = ImportKind.PARENTS
    items = _contact_rows_merge(_read_items(run, _parent_values))
    _duplicates(items, "email", kind, "email", "Email")
    pupil_links = dict(MisPerson.objects.for_org(org).filter(kind=ImportKind.PUPILS).values_list("mis_id", "user_id"))
    profiles = {p.user_id: p for p in LearnerProfile.objects.for_org(org).select_related("user")}
    by_upn = {p.upn: p for p in profiles.values() if p.upn}
    links = {p.mis_id: p for p in MisPerson.objects.for_org(org).filter(kind=kind).select_related("user")}
    children = {}
    for link in ParentLink.objects.for_org(org).select_related("profile__user"):
        children.setdefault(link.parent_id, []).append(link)
    memberships = {m.user_id: m for m in Membership.objects.for_org(org)}
    emails = {i.values["email"] for i in items if i.values.get("email")}
    users_by_email = {u.email.lower(): u for u in User.objects.filter(email__in=emails)} if emails else {}
    matched = set()
    for item in items:
        v = item.values
        found = []
        for ref in v["pupils"]:
            user_id = pupil_links.get(ref)
            profile = profiles.get(user_id) if user_id else by_upn.get(ref.upper())
            if profile is None:
                item.errors.append([_label(kind, "pupils"), f"Pupil {ref[:20]} is not known here: check the MIS id "
                                                            "or UPN, or import the pupils first"])
            elif profile not in found:
                found.append(profile)
        v["profile_ids"] = sorted(p.pk for p in found)
        link = links.get(v["mis_id"])
        user = link.user if link else users_by_email.get(v["email"])
        owner = users_by_email.get(v["email"])
        if owner is not None and user is not None and owner.pk != user.pk:
            item.errors.append([_label(kind, "email"), f"{v['email']} is used by another person's account"])
        membership = memberships.get(user.pk) if user else None
        if membership is not None and membership.role != Role.PARENT_CARER:
            item.errors.append([_label(kind, "email"), f"{v['email']} belongs to a pupil or member of staff here: "
                                                       "enter the parent's or carer's own address"])
        if user is not None and user.pk in profiles:
            item.errors.append([_label(kind, "email"), f"{v['email']} is a pupil's address here"])
        item.target_id = user.pk if user else None
        if item.errors:
            item.outcome = Outcome.ERROR
            continue
        new_names = ", ".join(sorted(p.user.display_name for p in found))
        if link is None and membership is None:
            item.outcome = Outcome.CREATE
            item.changes = [["Reads the plans of", "", new_names]]
            continue
        matched.add(user.pk)
        old = children.get(user.pk, [])
        item.changes = _diff([
            ("Name", user.full_name, v["full_name"]),
            ("Email", user.email, v["email"]),
            ("Relationship", ", ".join(sorted({c.relationship for c in old if c.relationship})), v["relationship"]),
            ("Reads the plans of", ", ".join(sorted(c.profile.user.display_name for c in old)), new_names),
            ("Active", "no" if membership is not None and not membership.is_active else "yes", "yes"),
        ])
        if link is None:
            item.changes.append(["MIS id", "", v["mis_id"]])
        item.outcome = Outcome.UPDATE if item.changes else Outcome.UNCHANGED
    for link in links.values():
        membership = memberships.get(link.user_id)
        if link.user_id not in matched and (children.get(link.user_id) or (membership and membership.is_active)):
            items.append(Item(outcome=Outcome.END, name=link.user.display_name, mis_id=link.mis_id,
                              target_id=link.user_id, changes=[[
                                  "Reads the plans of",
                                  ", ".join(sorted(c.profile.user.display_name for c in children.get(link.user_id, []))),
                                  "nobody (not in the file)"]]))
    return items


def parent_shares_ensure(*, org, profile_ids, by) -> int:
    """Every parent linked to these pupils can read each of their active plans (a
    ``PlanShare`` as a parent or carer, the grant the product already uses). Idempotent: a
    plan already shared with the parent is left as it is. Returns how many grants were made."""
    links = list(ParentLink.objects.for_org(org).filter(profile_id__in=list(profile_ids)).select_related("parent"))
    if not links:
        return 0
    plans = list(Plan.objects.for_org(org).filter(status=PlanStatus.ACTIVE, profile_id__in={li.profile_id for li in links}))
    shared = set(PlanShare.objects.for_org(org).filter(PlanShare.active_q(), plan__in=plans,
                                                        grantee_id__in={li.parent_id for li in links})
                 .values_list("plan_id", "grantee_id"))
    plans_of = {}
    for plan in plans:
        plans_of.setdefault(plan.profile_id, []).append(plan)
    pairs = []
    for link in links:
        for plan in plans_of.get(link.profile_id, []):
            if (plan.pk, link.parent_id) not in shared:
                pairs.append((plan, link.parent))
                shared.add((plan.pk, link.parent_id))
    learner_services.plan_shares_grant_bulk(org=org, pairs=pairs, relationship=ShareRelationship.PARENT_CARER, by=by)
    return len(pairs)


def _parent_shares_revoke(org, *, parent, profile_ids, by) -> None:
    for share in (PlanShare.objects.for_org(org).filter(PlanShare.active_q(), grantee=parent,
                                                        plan__profile_id__in=list(profile_ids))
                  .select_related("plan", "grantee")):
        learner_services.plan_share_revoke(org=org, share=share, by=by)


def parent_links_set(*, org, parent, profile_ids: list[int], relationship: str, by, share: bool = True) -> None:
    """The parent's children here are exactly ``profile_ids``: links (and plan grants) to
    other pupils end, new ones are made (their plans shared now, or by the caller's
    ``parent_shares_ensure`` for a whole batch when ``share`` is False)."""
    current = {li.profile_id: li for li in ParentLink.objects.for_org(org).filter(parent=parent)}
    gone = [pid for pid in current if pid not in profile_ids]
    if gone:
        _parent_shares_revoke(org, parent=parent, profile_ids=gone, by=by)
        ParentLink.objects.for_org(org).filter(parent=parent, profile_id__in=gone).delete()
    for pid in profile_ids:
        if pid not in current:
            ParentLink.objects.create(organisation=org, parent=parent, profile_id=pid, relationship=relationship)
        elif current[pid].relationship != relationship:
            current[pid].relationship = relationship
            current[pid].save(update_fields=["relationship", "updated_at"])
    if share:
        parent_shares_ensure(org=org, profile_ids=profile_ids, by=by)
    audit_log("onboarding.parent.linked", actor=by, org=org, obj=parent,
              data={"profiles": sorted(profile_ids), "ended": sorted(gone)})


def _apply_parents(org, run, items: list[Item], by, today):
    shared_for = set()
    for item in items:
        v = item.values
        if item.outcome in (Outcome.CREATE, Outcome.UPDATE):
            link = MisPerson.objects.for_org(org).filter(kind=ImportKind.PARENTS, mis_id=v["mis_id"]).select_related(
                "user").first()
            user = link.user if link else User.objects.filter(email__iexact=v["email"]).first()
            user = _adult_account(user, v, update=link is not None)
            membership = Membership.objects.for_org(org).filter(user=user).first()
            if membership is None:
                membership = Membership.objects.create(organisation=org, user=user, role=Role.PARENT_CARER)
                audit_log("membership.imported", actor=by, org=org, obj=membership, data={"run": run.pk})
            else:
                _reactivate(membership)
            _mis_link(org, ImportKind.PARENTS, v, user)
            parent_links_set(org=org, parent=user, profile_ids=v["profile_ids"], relationship=v["relationship"], by=by,
                             share=False)
            shared_for.update(v["profile_ids"])
        elif item.outcome == Outcome.END and run.end_missing:
            parent = User.objects.get(pk=item.target_id)
            parent_links_set(org=org, parent=parent, profile_ids=[], relationship="", by=by)
            membership = Membership.objects.for_org(org).filter(user=parent, role=Role.PARENT_CARER,
                                                                is_active=True).first()
            if membership is not None:
                membership_deactivate(org=org, membership=membership, by=by)
    # The batch's new grants in a few INSERTs (one plan_share_grant each took most of the time).
    parent_shares_ensure(org=org, profile_ids=sorted(shared_for), by=by)


PLANNERS = {ImportKind.PUPILS: _plan_pupils, ImportKind.STAFF: _plan_staff, ImportKind.GROUPS: _plan_groups,
            ImportKind.PARENTS: _plan_parents}


def import_run_preview(*, org, run: ImportRun) -> ImportRun:
    """Work out what the import would do, row by row, without changing anything."""
    _check_org(org, run)
    items = PLANNERS[run.kind](org, run)
    run.preview = [i.as_json() for i in items]
    run.counts = dict(Counter(i.outcome for i in items))
    run.status = RunStatus.READY
    run.progress_done = 0
    run.progress_total = sum(1 for i in items if i.outcome != Outcome.UNCHANGED)
    run.save(update_fields=["preview", "counts", "status", "progress_done", "progress_total"])
    return run


# --- Applying -----------------------------------------------------------------------------------


def import_run_confirm(*, org, run: ImportRun, by, end_missing: bool) -> ImportRun:
    """The admin's confirmation: the run will be applied (now for a short file, by the worker
    for a long one). ``end_missing``: also end the enrolment of those not in the file."""
    _check_org(org, run)
    with transaction.atomic():
        locked = ImportRun.objects.for_org(org).select_for_update().get(pk=run.pk)
        if locked.status != RunStatus.READY:
            raise ImportError_("This file is not ready to import: it may have been imported already.")
        locked.status = RunStatus.APPLYING
        locked.end_missing = end_missing
        locked.applied_by = by
        locked.save(update_fields=["status", "end_missing", "applied_by"])
    return locked


def enrolment_end(*, org, profile: LearnerProfile, left_on: datetime.date, by,
                  reason: str = LeavingReason.COMPLETED_PROGRAMME, reason_detail: str = "") -> None:
    """End one pupil's enrolment: the ONE place the import and the rollover do it, through the
    leaving flow (``learners.services.learner_enrolment_end``: plans closed, reviews and reminders
    stopped, the key-worker assignment ended, the careers service's follow-up; the learner keeps
    reading their closed plans). A pupil who has already left stays as they are (a re-run
    changes nothing)."""
    try:
        learner_services.learner_enrolment_end(org=org, profile=profile, left_on=left_on, reason=reason,
                                               reason_detail=reason_detail, by=by)
    except learner_services.EnrolmentError:
        pass


def _academic_year_bounds(org, on: datetime.date) -> tuple[datetime.date, datetime.date, str]:
    start_year = clock.academic_year_of(on)
    terms = list(Term.objects.for_org(org).filter(academic_year=start_year))
    if terms:
        starts, ends = min(t.starts_on for t in terms), max(t.ends_on for t in terms)
    else:
        starts, ends = datetime.date(start_year, 9, 1), datetime.date(start_year + 1, 7, 31)
    return starts, ends, clock.academic_year_label(start_year)


def plans_for_year_ensure(*, org, profiles, by, on: datetime.date | None = None) -> list[Plan]:
    """Give each pupil without an active plan running into this academic year a plan for the
    year from the organisation's defaults: its term dates (September to July without them).
    Idempotent."""
    if not profiles:
        return []
    on = on or clock.today(org)
    starts, ends, label = _academic_year_bounds(org, on)
    have = set(Plan.objects.for_org(org).filter(profile__in=[p.pk for p in profiles], status=PlanStatus.ACTIVE,
                                                ends_on__gte=starts).values_list("profile_id", flat=True))
    return learner_services.plans_create_bulk(
        org=org, profiles=[p for p in profiles if p.pk not in have], by=by,
        programme_name=f"Personal learning plan {label}", starts_on=starts, ends_on=ends,
        final_outcome="To be agreed with your tutor at your first review")


def _adult_account(user, values, *, update: bool):
    """A staff or parent row's account: a new one (no password until they accept the invitation),
    or the matched ``user``, whose name and email follow the file when ``update``."""
    if user is None:
        user = User(email=values["email"], full_name=values["full_name"])
        user.set_unusable_password()
        user.save()
    elif update and (user.full_name, user.email) != (values["full_name"], values["email"]):
        user.full_name, user.email = values["full_name"], values["email"]
        user.save(update_fields=["full_name", "email"])
    return user


def _reactivate(membership) -> None:
    if not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active"])


def _mis_link(org, kind, values, user, **fields) -> None:
    """The MIS id of the row (of ``kind``) stays linked to ``user``, with the legal name."""
    MisPerson.objects.for_org(org).update_or_create(
        organisation=org, kind=kind, mis_id=values["mis_id"],
        defaults={"user": user, "legal_name": values["legal_name"], **fields})


def _placeholder_email(org, mis_id: str) -> str:
    digest = hashlib.sha256(f"{org.pk}:{mis_id}".encode()).hexdigest()[:16]
    return f"mis-{org.pk}-{digest}@{NO_EMAIL_DOMAIN}"


def _pupils_create(org, items: list[Item], by, today):
    """New pupils of one batch, in bulk: accounts, memberships, profiles, MIS links, plans."""
    users = []
    for item in items:
        v = item.values
        user = User(email=v["email"] or _placeholder_email(org, v["mis_id"]), full_name=v["full_name"])
        user.set_unusable_password()
        users.append(user)
    User.objects.bulk_create(users)
    Membership.objects.bulk_create([Membership(organisation=org, user=u, role=Role.LEARNER) for u in users])
    profiles = learner_services.learner_profiles_create_bulk(org=org, by=by, rows=[
        {"user": user, "target_group": target_group_for(i.values["year_group"]), "year_group": i.values["year_group"],
         "tutor_group": i.values["tutor_group"], "date_of_birth": i.values["date_of_birth"], "upn": i.values["upn"],
         "uln": i.values["uln"]} for user, i in zip(users, items)])
    MisPerson.objects.bulk_create([
        MisPerson(organisation=org, kind=ImportKind.PUPILS, mis_id=i.values["mis_id"], user=user,
                  legal_name=i.values["legal_name"], sen_status=i.values["sen_status"])
        for user, i in zip(users, items)])
    plans_for_year_ensure(org=org, profiles=profiles, by=by, on=today)


def _pupil_update(org, item: Item, by, today):
    v = item.values
    profile = LearnerProfile.objects.for_org(org).select_related("user").get(pk=item.target_id)
    user = profile.user
    user_fields = {"full_name": v["full_name"], "email": v["email"] or user.email}
    if any(getattr(user, k) != value for k, value in user_fields.items()):
        for k, value in user_fields.items():
            setattr(user, k, value)
        user.save(update_fields=list(user_fields))
    fields = {"year_group": v["year_group"], "tutor_group": v["tutor_group"], "date_of_birth": v["date_of_birth"],
              "upn": v["upn"] or profile.upn, "uln": v["uln"] or profile.uln, "is_active": True}
    changed = {k: value for k, value in fields.items() if getattr(profile, k) != value}
    if changed:
        learner_services.learner_profile_update(org=org, profile=profile, by=by, **changed)
    Membership.objects.for_org(org).filter(user=user, role=Role.LEARNER).update(is_active=True)
    _mis_link(org, ImportKind.PUPILS, v, user, sen_status=v["sen_status"])
    return profile


def _apply_pupils(org, run, items: list[Item], by, today):
    _pupils_create(org, [i for i in items if i.outcome == Outcome.CREATE], by, today)
    updated = [_pupil_update(org, i, by, today) for i in items if i.outcome == Outcome.UPDATE]
    plans_for_year_ensure(org=org, profiles=updated, by=by, on=today)
    parent_shares_ensure(org=org, profile_ids=[p.pk for p in updated], by=by)
    if run.end_missing:
        ends = [i.target_id for i in items if i.outcome == Outcome.END]
        for profile in LearnerProfile.objects.for_org(org).filter(pk__in=ends):
            enrolment_end(org=org, profile=profile, left_on=today, by=by, reason=LeavingReason.OTHER,
                          reason_detail="No longer in the school's MIS export")


def _apply_staff(org, run, items: list[Item], by, today):
    for item in items:
        _apply_staff_one(org, run, item, by, today)


def _apply_staff_one(org, run, item: Item, by, today):
    v = item.values
    if item.outcome in (Outcome.CREATE, Outcome.UPDATE):
        membership = Membership.objects.for_org(org).select_related("user").filter(pk=item.target_id).first()
        user = membership.user if membership else None
        if user is None:
            link = MisPerson.objects.for_org(org).filter(kind=ImportKind.STAFF, mis_id=v["mis_id"]).first()
            user = link.user if link else User.objects.filter(email=v["email"]).first()
        user = _adult_account(user, v, update=True)
        if membership is None:
            membership = Membership.objects.create(organisation=org, user=user, role=v["role"],
                                                   extra_roles=v["extra_roles"])
            audit_log("membership.imported", actor=by, org=org, obj=membership, data={"run": run.pk})
        else:
            if membership.roles != [v["role"], *v["extra_roles"]]:
                membership_set_role(org=org, membership=membership, role=v["role"], by=by,
                                    extra_roles=v["extra_roles"])
            _reactivate(membership)
        _mis_link(org, ImportKind.STAFF, v, user)
        if v["tutor_group"]:
            TutorGroup.objects.for_org(org).update_or_create(organisation=org, code=v["tutor_group"],
                                                             defaults={"tutor": user})
    elif item.outcome == Outcome.END and run.end_missing:
        membership = Membership.objects.for_org(org).get(pk=item.target_id)
        membership_deactivate(org=org, membership=membership, by=by)


APPLIERS = {ImportKind.PUPILS: _apply_pupils, ImportKind.STAFF: _apply_staff, ImportKind.GROUPS: _apply_groups,
            ImportKind.PARENTS: _apply_parents}


def import_run_apply(*, org, run: ImportRun) -> ImportRun:
    """Apply a confirmed run: the plan is recomputed against the database now, then carried
    out in batches of ``BATCH_SIZE``, one transaction each, with the progress recorded after
    each batch. Rows with errors are skipped (they are listed on the run's page)."""
    _check_org(org, run)
    if run.status != RunStatus.APPLYING:
        raise ImportError_("This run has not been confirmed.")
    by = run.applied_by
    today = clock.today(org)
    items = [i for i in PLANNERS[run.kind](org, run) if i.outcome in (Outcome.CREATE, Outcome.UPDATE, Outcome.END)]
    if run.kind == ImportKind.PUPILS:
        learner_services.target_areas_seed_defaults(org=org)
        learner_services.at_risk_levels_seed_defaults(org=org)
    apply = APPLIERS[run.kind]
    done = Counter()
    ImportRun.objects.for_org(org).filter(pk=run.pk).update(progress_done=0, progress_total=len(items))
    for start in range(0, len(items), BATCH_SIZE):
        batch = items[start:start + BATCH_SIZE]
        batch = [i for i in batch if i.outcome != Outcome.END or run.end_missing]
        with transaction.atomic():
            apply(org, run, batch, by, today)
            done.update(i.outcome for i in batch)
            ImportRun.objects.for_org(org).filter(pk=run.pk).update(progress_done=start + len(batch))
    run.refresh_from_db()
    run.status = RunStatus.APPLIED
    run.applied_at = clock.now()
    run.counts = {**run.counts, "applied": dict(done)}
    run.save(update_fields=["status", "applied_at", "counts"])
    audit_log("onboarding.import.applied", actor=by, org=org, obj=run,
              data={"kind": run.kind, "sha256": run.file_sha256, "done": dict(done), "end_missing": run.end_missing})
    return run


def import_run_fail(*, org, run: ImportRun, message: str) -> None:
    ImportRun.objects.for_org(org).filter(pk=run.pk).update(status=RunStatus.FAILED, error=message[:500])


def import_run_discard(*, org, run: ImportRun, by) -> ImportRun:
    _check_org(org, run)
    if run.status not in (RunStatus.NEEDS_COLUMNS, RunStatus.READY):
        raise ImportError_("Only a file not yet imported can be discarded.")
    run.status = RunStatus.DISCARDED
    run.rows = []
    run.save(update_fields=["status", "rows"])
    audit_log("onboarding.import.discarded", actor=by, org=org, obj=run)
    return run


# --- Tutor groups → key workers -----------------------------------------------------------------


@dataclass
class GroupPlan:
    group: TutorGroup
    pupils: int = 0
    already: int = 0
    to_assign: list = field(default_factory=list)  # profiles

    @property
    def to_change(self) -> int:
        return len(self.to_assign)


def tutor_groups_plan(*, org) -> list[GroupPlan]:
    """For each tutor group with an active tutor: its pupils, how many already have the tutor
    as key worker and which would get them. Two queries, whatever the number of groups."""
    groups = {g.code: GroupPlan(group=g) for g in TutorGroup.objects.for_org(org).select_related("tutor")
              if g.tutor_id}
    active_staff = set(Membership.objects.for_org(org).filter(is_active=True, user_id__in=[
        g.group.tutor_id for g in groups.values()]).values_list("user_id", flat=True))
    groups = {code: g for code, g in groups.items() if g.group.tutor_id in active_staff}
    for profile in (LearnerProfile.objects.for_org(org).filter(is_active=True, tutor_group__in=list(groups))
                    .select_related("user").order_by("tutor_group", "user__full_name")):
        plan = groups[profile.tutor_group]
        plan.pupils += 1
        if profile.key_worker_id == plan.group.tutor_id:
            plan.already += 1
        else:
            plan.to_assign.append(profile)
    return list(groups.values())


def tutor_groups_assign(*, org, by, progress=None) -> int:
    """Make each tutor group's tutor the key worker of its pupils (the admin confirmed the
    plan), in batches of ``BATCH_SIZE``, one transaction each; ``progress(done, total)`` is
    called after each. Idempotent: pupils who already have their tutor are left alone. Returns
    how many assignments were made."""
    pairs = [(plan.group, profile) for plan in tutor_groups_plan(org=org) for profile in plan.to_assign]
    made = 0
    for start in range(0, len(pairs), BATCH_SIZE):
        with transaction.atomic():
            for group, profile in pairs[start:start + BATCH_SIZE]:
                key_worker_assign(org=org, profile=profile, key_worker=group.tutor, worker_type=KeyWorkerType.TUTOR,
                                  by=by, reason=f"Tutor of {group.code} (MIS import)")
                made += 1
        if progress is not None:
            progress(made, len(pairs))
    audit_log("onboarding.tutor_groups.assigned", actor=by, org=org, data={"assignments": made})
    return made


# --- Year rollover ------------------------------------------------------------------------------

SCHOOL_TARGET_GROUPS = {TargetGroup.YEAR_9, TargetGroup.KEY_STAGE_4, TargetGroup.POST_16_FULL_TIME}


def year_group_next(year: str) -> str:
    if year == "R":
        return "1"
    return str(int(year) + 1) if year.isdigit() else year


def tutor_group_next(code: str, year: str, new_year: str) -> str:
    """"9A" in Year 9 → "10A"; a code that does not start with the year number stays as it is
    (vertical tutor groups, house names)."""
    match = re.match(r"^(\d+|R)(\D.*)?$", code)
    if match and match.group(1) == year:
        return new_year + (match.group(2) or "")
    return code


@dataclass
class RolloverPlan:
    academic_year: int
    starts_on: datetime.date
    leaving_years: list
    advancing: list = field(default_factory=list)  # [(old year, new year, count)]
    leavers: list = field(default_factory=list)  # profiles
    profiles: list = field(default_factory=list)  # those who advance
    old_plans: list = field(default_factory=list)  # active plans ending before the new year
    done: object = None  # the YearRollover already recorded for this year

    @property
    def label(self) -> str:
        return clock.academic_year_label(self.academic_year)


def rollover_plan(*, org, starts_on: datetime.date, leaving_years: list[str]) -> RolloverPlan:
    """What the rollover to the academic year starting ``starts_on`` would do. Pupils in
    ``leaving_years`` are proposed leavers; everyone else advances a year group. Read only."""
    academic_year = clock.academic_year_of(starts_on)
    plan = RolloverPlan(academic_year=academic_year, starts_on=starts_on, leaving_years=sorted(leaving_years, key=_year_key))
    plan.done = YearRollover.objects.for_org(org).filter(academic_year=academic_year).first()
    counts = Counter()
    for profile in (LearnerProfile.objects.for_org(org).filter(is_active=True).exclude(year_group="")
                    .select_related("user").order_by("user__full_name", "pk")):
        if year_group_normalise(profile.year_group) is None:
            continue
        if profile.year_group in leaving_years:
            plan.leavers.append(profile)
        else:
            plan.profiles.append(profile)
            counts[profile.year_group] += 1
    plan.advancing = [(y, year_group_next(y), counts[y]) for y in sorted(counts, key=_year_key)]
    plan.old_plans = list(Plan.objects.for_org(org).filter(
        status=PlanStatus.ACTIVE, ends_on__lt=starts_on, profile__in=[p.pk for p in plan.profiles]))
    return plan


def _year_key(year: str) -> int:
    return 0 if year == "R" else int(year)


def rollover_apply(*, org, starts_on: datetime.date, leaving_years: list[str], end_leavers: bool, by,
                   progress=None):
    """Roll the organisation into the new academic year, once (a second call for the same year
    raises ``ImportError_`` and changes nothing): year groups and their tutor groups advance
    (the tutor moves up with the form, so key workers stay), last year's plans that have ended
    close and each pupil gets the new year's plan; leavers' enrolments end only with
    ``end_leavers`` (the admin's confirmation), otherwise they stay as they are.
    ``progress(done, total)`` is called after each batch (the worker's progress bar)."""
    plan = rollover_plan(org=org, starts_on=starts_on, leaving_years=leaving_years)
    if plan.done is not None:
        raise ImportError_(f"{plan.done} was already done on {plan.done.applied_at:%d/%m/%Y}.")
    with transaction.atomic():
        record = YearRollover.objects.create(organisation=org, academic_year=plan.academic_year, starts_on=starts_on,
                                             leaving_years=plan.leaving_years, ended_leavers=end_leavers,
                                             applied_by=by)
        # Tutor groups: leavers' groups go, the others take the next year's code, top year first
        # (so "10A" is free before "9A" becomes it).
        groups = list(TutorGroup.objects.for_org(org))
        for group in sorted(groups, key=lambda g: _year_key(m.group(1)) if (m := re.match(r"^(\d+|R)", g.code)) else -1,
                            reverse=True):
            year = re.match(r"^(\d+|R)", group.code)
            if year is None:
                continue
            if year.group(1) in leaving_years:
                group.delete()
            else:
                new_code = tutor_group_next(group.code, year.group(1), year_group_next(year.group(1)))
                TutorGroup.objects.for_org(org).filter(code=new_code).delete()
                group.code = new_code
                group.save(update_fields=["code", "updated_at"])
        for profile in plan.profiles:
            new_year = year_group_next(profile.year_group)
            profile.tutor_group = tutor_group_next(profile.tutor_group, profile.year_group, new_year)
            profile.year_group = new_year
            if profile.target_group in SCHOOL_TARGET_GROUPS:
                profile.target_group = target_group_for(new_year)
        # Leavers kept enrolled (not confirmed) stay in their year; their form's code now belongs
        # to the group moving up, so theirs says they are its leavers (not someone's caseload).
        kept = [] if end_leavers else [p for p in plan.leavers if p.tutor_group]
        for profile in kept:
            profile.tutor_group = f"{profile.tutor_group} leavers"[:40]
        learner_services.learner_profiles_update_bulk(
            org=org, profiles=plan.profiles + kept, fields=["year_group", "tutor_group", "target_group"], by=by,
            summary=f"Year rollover {plan.academic_year}")
        learner_services.plans_close_bulk(org=org, plans=plan.old_plans, by=by,
                                          summary="Plan closed at the end of the academic year")
    total = len(plan.profiles) + (len(plan.leavers) if end_leavers else 0)
    for start in range(0, len(plan.profiles), BATCH_SIZE):
        batch = plan.profiles[start:start + BATCH_SIZE]
        with transaction.atomic():
            plans_for_year_ensure(org=org, profiles=batch, by=by, on=starts_on)
            # Parents read the new year's plan as they read last year's.
            parent_shares_ensure(org=org, profile_ids=[p.pk for p in batch], by=by)
        if progress is not None:
            progress(start + len(batch), total)
    if end_leavers:
        for start in range(0, len(plan.leavers), BATCH_SIZE):
            with transaction.atomic():
                for profile in plan.leavers[start:start + BATCH_SIZE]:
                    enrolment_end(org=org, profile=profile, left_on=starts_on, by=by)
            if progress is not None:
                progress(len(plan.profiles) + min(start + BATCH_SIZE, len(plan.leavers)), total)
    record.counts = {"advanced": len(plan.profiles), "leavers": len(plan.leavers), "ended": len(plan.leavers) if end_leavers else 0,
                     "plans_closed": len(plan.old_plans)}
    record.save(update_fields=["counts"])
    audit_log("onboarding.rollover.applied", actor=by, org=org, obj=record, data=record.counts)
    return record


# --- Bulk invitations ---------------------------------------------------------------------------

INVITE_BATCH = 100  # invitations per click: the outbox sends them, and no school mails 1,200 at once


def _invitable(org):
    """Imported people (MIS) who have never signed in and have a real email address, with
    their membership, excluding those with an open invitation."""
    invited = set(invitation_list_open(org=org).values_list("email", flat=True))
    linked = MisPerson.objects.for_org(org).values_list("user_id", flat=True)
    members = (Membership.objects.for_org(org).filter(is_active=True, user_id__in=list(linked),
                                                      user__password__startswith="!")
               .exclude(user__email__endswith=f"@{NO_EMAIL_DOMAIN}").select_related("user").order_by("user__email"))
    return [m for m in members if m.user.email not in invited]


def invitations_pending_count(*, org) -> int:
    return len(_invitable(org))


def invitations_send_batch(*, org, by) -> int:
    """Email the next ``INVITE_BATCH`` imported people who have not been invited (or whose
    invitation expired or was withdrawn) a link to set their password, through the outbox at
    ``PLP_INVITATIONS_PER_MINUTE`` a minute at most (later batches queue behind earlier ones).
    Returns how many."""
    sent = 0
    with transaction.atomic():
        for membership in _invitable(org)[:INVITE_BATCH]:
            invitation_create(org=org, email=membership.user.email, role=membership.role, invited_by=by,
                              account_without_password=True, rate_limited=True)
            sent += 1
    return sent


def invitations_last_send_at(*, org):
    """When the last queued bulk invitation of ``org`` is due to leave the outbox (None when
    none is waiting)."""
    return (OutboundEmail.objects.filter(rate_key=f"invitations:{org.pk}", status=OutboundEmail.Status.PENDING)
            .order_by("-next_attempt_at").values_list("next_attempt_at", flat=True).first())


def invitations_withdraw_open(*, org, by) -> int:
    """Withdraw every open invitation of imported people (to resend: withdraw, then send)."""
    emails = set(User.objects.filter(pk__in=list(MisPerson.objects.for_org(org).values_list("user_id", flat=True)))
                 .values_list("email", flat=True))
    withdrawn = 0
    with transaction.atomic():
        for invitation in invitation_list_open(org=org).filter(email__in=emails):
            invitation_revoke(org=org, invitation=invitation, by=by)
            withdrawn += 1
    return withdrawn


def invitations_not_accepted(*, org):
    """Open invitations of imported people: who has not accepted yet."""
    emails = User.objects.filter(pk__in=MisPerson.objects.for_org(org).values("user_id")).values("email")
    return invitation_list_open(org=org).filter(email__in=emails).order_by("email")


# --- Class sign-in sheets -----------------------------------------------------------------------

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off paper by children


def sign_in_code_hash(code: str) -> str:
    normalised = re.sub(r"[^A-Z0-9]", "", code.upper())
    return hmac.new(settings.SECRET_KEY.encode(), normalised.encode(), hashlib.sha256).hexdigest()


def tutor_groups_of_pupils(*, org) -> list[str]:
    return sorted(set(LearnerProfile.objects.for_org(org).filter(is_active=True).exclude(tutor_group="")
                      .values_list("tutor_group", flat=True)))


def sign_in_codes_issue(*, org, tutor_group: str, by) -> list[tuple]:
    """New one-time codes for the pupils of ``tutor_group`` who have never signed in: earlier
    unused codes of theirs stop working. Returns (profile, code, expires_at) to print — the
    codes themselves are not kept."""
    now = clock.now()
    expires = now + datetime.timedelta(days=SignInCode.VALID_FOR_DAYS)
    profiles = list(LearnerProfile.objects.for_org(org).filter(is_active=True, tutor_group=tutor_group,
                                                                user__password__startswith="!")
                    .select_related("user").order_by("user__full_name", "pk"))
    sheet = []
    with transaction.atomic():
        SignInCode.objects.for_org(org).filter(user__in=[p.user_id for p in profiles], used_at__isnull=True).update(
            expires_at=now)
        rows = []
        for profile in profiles:
            raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
            code = f"{raw[:4]}-{raw[4:]}"
            rows.append(SignInCode(organisation=org, user=profile.user, code_hash=sign_in_code_hash(code),
                                   created_by=by, created_at=now, expires_at=expires))
            sheet.append((profile, code, expires))
        SignInCode.objects.bulk_create(rows)
    audit_log("onboarding.sign_in_codes.issued", actor=by, org=org, data={"tutor_group": tutor_group, "codes": len(rows)})
    return sheet


class SignInCodeError(Exception):
    pass


def sign_in_code_redeem(*, code: str, password: str):
    """Set the pupil's password with a code from their sheet: the code must exist, be unused
    and unexpired; it is then used up. Returns the user. Raises ``SignInCodeError``."""
    with transaction.atomic():
        found = rls.bearer_get(lambda: (
            SignInCode.objects.system("a sign-in code names its organisation; the person has none yet")
            .select_for_update().select_related("user").filter(code_hash=sign_in_code_hash(code)).first()),
            grant="a pupil's one-time sign-in code")
        if found is None or not found.is_usable:
            raise SignInCodeError("This code is not right, has been used or has expired. Check it, or ask your tutor for a new one.")
        found.used_at = clock.now()
        found.save(update_fields=["used_at"])
        user = found.user
        user.set_password(password)
        user.save(update_fields=["password"])
        # The school vouched for the account: its sign-in name needs no email confirmation.
        EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    audit_log("onboarding.sign_in_code.used", actor=user, org=found.organisation, obj=found)
    return user


# --- Long set-up work: recorded, then run now or by the worker ------------------------------------

# Work on up to this many pupils is done while the admin waits; more goes to the worker, with a
# progress bar (the same rule as the import's ``SYNC_ROWS``).
JOB_SYNC_SIZE = SYNC_ROWS
# A job still queued this long after it was recorded was never published (broker down): the
# periodic sweep runs it.
JOB_RESUME_AFTER = datetime.timedelta(minutes=2)


def setup_job_start(*, org, kind: str, params: dict, size: int, by):
    """Record the admin's confirmed set-up work and run it: now when it touches at most
    ``JOB_SYNC_SIZE`` pupils, else in the worker (published after commit; when the broker is
    down the job stays queued and ``setup_jobs_resume`` runs it later). One active job per
    kind: a second confirmation returns the job already queued or running."""
    active = SetupJob.objects.for_org(org).filter(kind=kind, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).first()
    if active is not None:
        return active
    job = SetupJob.objects.create(organisation=org, kind=kind, params=params, created_by=by, progress_total=size)
    audit_log("onboarding.job.queued", actor=by, org=org, obj=job, data={"kind": kind, **params})
    if size <= JOB_SYNC_SIZE:
        setup_job_run(job_id=job.pk)
        job.refresh_from_db()
    else:
        enqueue_on_commit("onboarding.setup_job", job.pk)
    return job


def _job_progress(job_id: int):
    def progress(done: int, total: int) -> None:
        SetupJob.objects.system("the running job reports its own progress").filter(pk=job_id).update(
            progress_done=done, progress_total=total)
    return progress


def setup_job_run(*, job_id: int) -> str:
    """Run a queued job once: it is claimed (queued → running) so a redelivered task or the
    sweep does not run it twice. A refusal (the year already rolled over) is recorded as the
    job's message; an unexpected error too, and is raised for the worker's log."""
    jobs = SetupJob.objects.system("the worker takes the job by id and re-enters its organisation")
    if not jobs.filter(pk=job_id, status=JobStatus.QUEUED).update(status=JobStatus.RUNNING):
        return "not queued"
    job = jobs.select_related("organisation", "created_by").get(pk=job_id)
    org, by, params = job.organisation, job.created_by, job.params
    progress = _job_progress(job.pk)
    try:
        if job.kind == JobKind.KEY_WORKERS:
            made = tutor_groups_assign(org=org, by=by, progress=progress)
            counts, message = {"assigned": made}, f"{made} pupils now have their form tutor as key worker."
        else:
            record = rollover_apply(org=org, starts_on=datetime.date.fromisoformat(params["starts_on"]),
                                    leaving_years=params["leaving_years"], end_leavers=params["end_leavers"],
                                    by=by, progress=progress)
            counts = record.counts
            message = f"{record} is done: {record.counts['advanced']} pupils moved up a year."
    except ImportError_ as refusal:
        jobs.filter(pk=job.pk).update(status=JobStatus.FAILED, message=str(refusal)[:500], finished_at=clock.now())
        return JobStatus.FAILED
    except Exception as error:
        jobs.filter(pk=job.pk).update(status=JobStatus.FAILED, finished_at=clock.now(),
                                      message=f"The work stopped ({type(error).__name__}); the batches before "
                                              "it were done. Check the page and start it again.")
        raise
    jobs.filter(pk=job.pk).update(status=JobStatus.DONE, counts=counts, message=message[:500],
                                  finished_at=clock.now())
    audit_log("onboarding.job.done", actor=by, org=org, obj=job, data=counts)
    return JobStatus.DONE


def setup_jobs_resume() -> int:
    """The periodic sweep: run the jobs queued long ago and never started (their publish
    failed while the broker was down). Returns how many it ran."""
    due = list(SetupJob.objects.system("the sweep looks for jobs of every organisation never started")
               .filter(status=JobStatus.QUEUED, created_at__lte=clock.now() - JOB_RESUME_AFTER)
               .order_by("created_at").values_list("pk", flat=True)[:20])
    return sum(setup_job_run(job_id=pk) == JobStatus.DONE for pk in due)


# --- Worker entry points (tasks.py wraps these) ---------------------------------------------------


def _queued_run(run_id: int):
    run = ImportRun.objects.system("a worker takes the run by id and re-enters its organisation").select_related(
        "organisation").get(pk=run_id)
    return run.organisation, run


def _queued_step(run_id: int, *, waiting: str, step, done: str, failure: str) -> str:
    """A worker's step on a run that is ``waiting`` (else its status is returned unchanged):
    ``step(org=, run=)``, then ``done``. A failure is recorded on the run for the admin
    (``failure``, with the error's type as ``{error}``) and raised."""
    org, run = _queued_run(run_id)
    if run.status != waiting:
        return run.status
    try:
        step(org=org, run=run)
    except Exception as error:
        import_run_fail(org=org, run=run, message=failure.format(error=type(error).__name__))
        raise
    return done


def import_run_preview_queued(*, run_id: int) -> str:
    """The worker's preview of a long file; a failure is recorded on the run for the admin."""
    return _queued_step(run_id, waiting=RunStatus.PREVIEWING, step=import_run_preview, done=RunStatus.READY,
                        failure="The file could not be checked ({error}).")


def import_run_apply_queued(*, run_id: int) -> str:
    """The worker's import of a long, confirmed file; batches already written stay written."""
    return _queued_step(run_id, waiting=RunStatus.APPLYING, step=import_run_apply, done=RunStatus.APPLIED,
                        failure="The import stopped ({error}); the batches before it were imported. "
                                "Upload the file again.")
