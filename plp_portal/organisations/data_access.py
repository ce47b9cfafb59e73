"""The school's page of who can see its learners' data (issue 12): every cross-organisation grant,
through which grant, until when, and where the school may end it.

Core owns the page and the row; each app lists its own grants in an ``access.py`` module with
``access_rows(*, org, membership, today) -> list[AccessRow]`` (found by ``plp_portal.hooks``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from plp_portal.hooks import app_hook_modules

from .choices import OrganisationKind


@dataclass(frozen=True)
class AccessRow:
    who: str  # the organisation or the named person who can see
    grant: str  # the kind of grant ("Careers service partnership", "Plan shared by a learner"…)
    sees: str  # what it gives: which learners or records, aggregates only…
    until: datetime.date | None  # the last day it gives access; None: until it is ended
    end_url: str = ""  # where this organisation's member may end it ("" if they may not)
    note: str = ""  # who else may end it, when this member may not


def access_rows(*, org, membership, today: datetime.date) -> list[AccessRow]:
    """Every grant through which someone outside ``org`` can see any of its learners' data."""
    if org is None or membership is None:
        raise ValueError("access_rows needs the organisation and the member asking")
    rows = []
    parent = org.parent
    if parent is not None and parent.kind == OrganisationKind.LOCAL_AUTHORITY:
        rows.append(AccessRow(
            who=parent.name, grant="Your local authority",
            sees="Counts and percentages only (careers plan status, tiers, destinations), never a learner's "
                 "record; small numbers are hidden",
            until=None, note="Set by your organisation's place in the authority; never individual records"))
    for module in app_hook_modules("access"):
        rows.extend(module.access_rows(org=org, membership=membership, today=today))
    return rows
