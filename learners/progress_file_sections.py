"""The learners app's own progress-file section from the ``progress_file_sections`` hook (issue
13): for the staff of the organisation the learner moved to, the learner's plans at previous
organisations that a consented record transfer lets them read — read-only, each record through
the transfer's audience rule (plan records; staff records only with the learner's consent;
restricted never), the Stage 1 profile with its sensitive fields only under the learner's
separate consent and only for the roles that see them here. Nobody else gets the section: the
learner's own copy already lists their plans everywhere, and a parent's never holds another
organisation's records."""

from __future__ import annotations

from django.db.models import Count, Max, OuterRef, Subquery

from . import selectors
from .pdf import Section, _user_with_id
from .services import record_transfer_read, transferred_stage_one
from .models import RecordTransfer


def sections(*, plan, viewer) -> list[Section]:
    if not viewer.is_staff_side:
        return []
    user = _user_with_id(viewer.user_id)
    plans = selectors.transferred_plans(org=plan.organisation, profile=plan.profile, user=user)
    if not plans:
        return []

    transferred_stage_one(plans=plans, viewer_here=viewer, actor=user)
    for transfer in {p.transfer.pk: p.transfer for p in plans}.values():
        record_transfer_read(transfer=transfer, by=user, channel="progress_file",
                             plans=[p.pk for p in plans if p.transfer.pk == transfer.pk])
    names = sorted({p.organisation.name for p in plans})
    return [Section(anchor="previous-organisations", title="Plans at previous organisations (read-only)",
                    template="learners/pdf/_previous_plans.html", order=90, items=plans,
                    summary=f"Earlier plans at {', '.join(names)}, shared with the learner's consent.")]


def fingerprint_annotations(*, org_id: int) -> dict:
    """The record transfers naming this organisation for the plan's learner (a consent given or
    withdrawn renders the file again)."""
    rows = (RecordTransfer.objects.system("the progress file's fingerprint: transfers to this organisation")
            .filter(receiving_organisation_id=org_id, learner_id=OuterRef("profile__user_id"))
            .order_by().values("learner_id"))
    return {
        "l_transfers_n": Subquery(rows.annotate(v=Count("pk")).values("v")[:1]),
        "l_transfers_decided": Subquery(rows.annotate(v=Max("decided_at")).values("v")[:1]),
        "l_transfers_withdrawn": Subquery(rows.annotate(v=Max("withdrawn_at")).values("v")[:1]),
        "l_transfers_status": Subquery(rows.annotate(v=Max("status")).values("v")[:1]),
    }
