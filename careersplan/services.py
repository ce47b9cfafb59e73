import datetime
import importlib

from allauth.account.models import EmailAddress
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from plp_portal import clock, rls
from plp_portal.audit.services import audit_log
from plp_portal.notifications.services import email_queue
from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Membership
from plp_portal.uploads import DOCUMENTS, IMAGES, validate_upload

from . import phases
from .choices import STUDENT_FEEDBACK_ITEM_PREFIX, Phase, RecommendationStatus, ReviewerKind, TemplateKind
from .models import (
    EVIDENCE_PER_ROW_MAX, ApprovalDeadline, CareersPlan, ChecklistItem, ChecklistTick, Evidence,
    GoverningBodyApproval, IlpResponse, IlpSelfAssessment, PlanRow, PlanTemplate,
    PublishedProgramme, Recommendation, ReviewComment, ReviewerGrant, ScoreChange, TemplateRow,
    TemplateSection,
)
from .selectors import template_default

EVIDENCE_KINDS = DOCUMENTS + IMAGES + ("mp4video",)


class PlanError(Exception):
    """A request the plan's rules refuse; the message is for the person."""


class StaleRowError(PlanError):
    """Someone else saved the row since the form was loaded. ``current`` is their version."""

    def __init__(self, current: PlanRow):
        super().__init__("Someone else changed this row since you opened it.")
        self.current = current


# --- Plans ---------------------------------------------------------------------------------
def plan_summaries_refresh(*, plans) -> int:
    """Recompute the stored summary of ``plans`` (a scoped ``CareersPlan`` queryset) from their
    ticks, rows and approval record: the score (items ticked), the sections with a row nothing is
    planned in, and whether the governing body's approval is recorded. One UPDATE however many
    plans — the one way the summary is written: after each service that changes one plan, and
    set-based by the seeding and the migration's backfill. Returns the plans updated."""
    why = "the summary of the plans being refreshed (each plan's own rows, correlated)"
    own = {"organisation_id": OuterRef("organisation_id"), "plan_id": OuterRef("pk")}

    def count(rows, what="pk", distinct=False):
        return Coalesce(Subquery(rows.order_by().values("plan_id").annotate(
            n=Count(what, distinct=distinct)).values("n"), output_field=IntegerField()), Value(0))

    return plans.update(
        score=count(ChecklistTick.objects.system(why).filter(**own)),
        sections_incomplete=count(PlanRow.objects.system(why).filter(**own, planned=""),
                                  "template_row__section_id", distinct=True),
        is_approved=Exists(GoverningBodyApproval.objects.system(why).filter(**own)),
    )


@transaction.atomic
def _summary_refresh(*, org, plan_id: int) -> None:
    """One plan's summary after a change of it. The plan's row is locked first, so the UPDATE
    (its own snapshot, taken after the lock) sees every change committed before it: two saves of
    the plan's rows at once cannot leave the older count last."""
    plans = CareersPlan.objects.for_org(org).filter(pk=plan_id)
    list(plans.select_for_update().values_list("pk"))
    plan_summaries_refresh(plans=plans)


@transaction.atomic
def plan_create(*, org, academic_year: int, by, template: PlanTemplate | None = None,
                request=None) -> CareersPlan:
    """Create the organisation's plan for ``academic_year`` with one row per template row.
    Roll-forward: each row's "Actions for next year" of last year's plan becomes this year's
    "Planned" (matched by section title and row label, so an adapted template still carries)."""
    if CareersPlan.objects.for_org(org).filter(academic_year=academic_year).exists():
        label = clock.academic_year_label(academic_year)
        raise PlanError(f"There is already a plan for {label}.")
    template = template or template_default(org=org)
    if template is None or template.kind != TemplateKind.CAREERS_PLAN:
        raise PlanError("No careers plan template is available.")
    previous = CareersPlan.objects.for_org(org).filter(academic_year=academic_year - 1).first()
    carried = {}
    if previous is not None:
        for row in previous.rows.select_related("template_row__section"):
            key = (row.template_row.section.title, row.template_row.position,
                   row.template_row.label)
            carried[key] = row.actions_next_year
    plan = CareersPlan.objects.create(
        organisation=org, academic_year=academic_year, template=template, created_by=by,
        rolled_forward_from=previous,
    )
    template_rows = TemplateRow.objects.filter(section__template=template).select_related(
        "section")
    PlanRow.objects.bulk_create(
        PlanRow(
            organisation=org, plan=plan, template_row=tr, updated_by=by,
            planned=carried.get((tr.section.title, tr.position, tr.label), ""),
        )
        for tr in template_rows
    )
    if previous is not None:
        _recommendations_carry(org=org, previous=previous, plan=plan)
    _summary_refresh(org=org, plan_id=plan.pk)
    audit_log("careersplan.plan_created", request=request, actor=by, org=org, obj=plan,
              data={"rolled_forward_from": previous.pk if previous else None})
    return plan


def plan_advance_phase(*, org, plan: CareersPlan, by, today: datetime.date,
                       request=None) -> CareersPlan:
    target = phases.next_phase(plan.phase)
    if target is None:
        raise PlanError("The plan is already in its review phase.")
    if not phases.can_advance(academic_year=plan.academic_year, phase=plan.phase, today=today):
        starts = phases.phase_starts_on(plan.academic_year, target)
        raise PlanError(f"The {Phase(target).label.lower()} phase starts on {starts:%-d %B %Y}.")
    CareersPlan.objects.for_org(org).filter(pk=plan.pk).update(phase=target)
    plan.phase = target
    audit_log("careersplan.phase_changed", request=request, actor=by, org=org, obj=plan,
              data={"phase": target})
    return plan


def plan_row_save(*, org, row: PlanRow, version: int, by, planned: str | None = None,
                  actions_next_year: str | None = None, request=None) -> PlanRow:
    """Save one row if nobody saved it since ``version`` was read (optimistic concurrency):
    a stale save raises ``StaleRowError`` with the other person's row, nothing is written."""
    changes = {}
    if planned is not None and planned != row.planned:
        if not phases.can_edit(row.plan.phase, "planned"):
            raise PlanError("Planned cannot be changed in the review phase.")
        changes["planned"] = planned
    if actions_next_year is not None and actions_next_year != row.actions_next_year:
        if not phases.can_edit(row.plan.phase, "actions_next_year"):
            raise PlanError("Actions for next year are written in the review phase (April).")
        changes["actions_next_year"] = actions_next_year
    updated = PlanRow.objects.for_org(org).filter(pk=row.pk, version=version).update(
        **changes, version=F("version") + 1, updated_at=timezone.now(), updated_by=by,
    ) if changes else (1 if version == row.version else 0)
    if not updated:
        current = PlanRow.objects.for_org(org).select_related("updated_by").get(pk=row.pk)
        raise StaleRowError(current)
    row.refresh_from_db()
    if "planned" in changes:
        _summary_refresh(org=org, plan_id=row.plan_id)
    if changes:
        audit_log("careersplan.row_saved", request=request, actor=by, org=org, obj=row,
                  data={"fields": sorted(changes)})
    return row


def evidence_add(*, org, row: PlanRow, by, text: str = "", upload=None,
                 request=None) -> Evidence:
    if not phases.can_edit(row.plan.phase, "evidence"):
        raise PlanError("Evidence is recorded from September, in the monitoring phase.")
    if not text.strip() and upload is None:
        raise PlanError("Describe the evidence or choose a file.")
    if Evidence.objects.for_org(org).filter(row=row).count() >= EVIDENCE_PER_ROW_MAX:
        raise PlanError(f"This row already has {EVIDENCE_PER_ROW_MAX} pieces of evidence, the "
                        f"most it can hold. Remove one before you add another.")
    content_type = validate_upload(upload, kinds=EVIDENCE_KINDS) if upload is not None else ""
    evidence = Evidence(organisation=org, row=row, text=text.strip(), added_by=by,
                        content_type=content_type,
                        original_name=(upload.name[-200:] if upload is not None else ""))
    if upload is not None:
        evidence.file = upload
    evidence.save()
    audit_log("careersplan.evidence_added", request=request, actor=by, org=org, obj=evidence)
    return evidence


@transaction.atomic
def evidence_delete(*, org, evidence: Evidence, by, request=None) -> None:
    audit_log("careersplan.evidence_deleted", request=request, actor=by, org=org, obj=evidence)
    if evidence.file:
        evidence.file.delete(save=False)
    Evidence.objects.for_org(org).filter(pk=evidence.pk).delete()


# --- Checklist, score and approval ---------------------------------------------------------------
def _record_score(*, org, plan, by, ticked=(), unticked=()) -> ScoreChange:
    """One event of the score history: the items a save ticked and unticked, and the score
    and RAG after it."""
    _summary_refresh(org=org, plan_id=plan.pk)
    score = ChecklistTick.objects.for_org(org).filter(plan=plan).count()
    return ScoreChange.objects.create(
        organisation=org, plan=plan, items_ticked=ScoreChange.numbers(ticked),
        items_unticked=ScoreChange.numbers(unticked), score=score,
        rag=plan.template.rag_for(score), changed_by=by,
    )


def _checklist_apply(*, org, plan, item, ticked: bool, by, evidence_link: str,
                     ticked_on: datetime.date | None) -> bool:
    """Tick or untick one item; returns whether its tick changed (a new link or date on an
    item that stays ticked is saved but does not change the score)."""
    if item.template_id != plan.template_id:
        raise PlanError("That item is not on this plan's checklist.")
    if item.is_governing_body_approval:
        raise PlanError("Record the governing body's approval to tick this item.")
    existing = ChecklistTick.objects.for_org(org).filter(plan=plan, item=item).first()
    if existing is not None and existing.by_survey:
        return False  # what the students' answers show stays (selectors.ChecklistLine.locked)
    if ticked:
        if existing is not None:
            if (existing.evidence_link, existing.ticked_on) != (evidence_link, ticked_on):
                existing.evidence_link, existing.ticked_on = evidence_link, ticked_on
                existing.save(update_fields=["evidence_link", "ticked_on"])
            return False
        ChecklistTick.objects.create(organisation=org, plan=plan, item=item, ticked_by=by,
                                     evidence_link=evidence_link, ticked_on=ticked_on)
        return True
    if existing is None:
        return False
    ChecklistTick.objects.for_org(org).filter(pk=existing.pk).delete()
    return True


@transaction.atomic
def checklist_save(*, org, plan: CareersPlan, changes, by, request=None) -> ScoreChange | None:
    """Save the checklist as the lead pressed "Save the checklist": ``changes`` are
    ``(item, ticked, evidence_link, ticked_on)`` for every item of the form. However many items
    change, the score history gets one event (none when no tick changed); returns it.
    The governing body item is ticked only through its approval record."""
    CareersPlan.objects.for_org(org).select_for_update().filter(pk=plan.pk).first()
    ticked, unticked = [], []
    for item, tick, evidence_link, ticked_on in changes:
        if _checklist_apply(org=org, plan=plan, item=item, ticked=tick, by=by,
                            evidence_link=evidence_link or "", ticked_on=ticked_on):
            (ticked if tick else unticked).append(item.number)
    if not (ticked or unticked):
        return None
    change = _record_score(org=org, plan=plan, by=by, ticked=ticked, unticked=unticked)
    audit_log("careersplan.checklist_changed", request=request, actor=by, org=org, obj=plan,
              data={"ticked": sorted(ticked), "unticked": sorted(unticked),
                    "score": change.score})
    return change


def checklist_set(*, org, plan: CareersPlan, item: ChecklistItem, ticked: bool, by,
                  evidence_link: str = "", ticked_on: datetime.date | None = None,
                  request=None) -> bool:
    """Tick or untick one item (a save of one item). Returns whether the tick changed."""
    return checklist_save(org=org, plan=plan, changes=[(item, ticked, evidence_link, ticked_on)],
                          by=by, request=request) is not None


@transaction.atomic
def checklist_tick_from_survey(*, org, plan: CareersPlan, first_answer_on: datetime.date) -> bool:
    """Seed 002's checklist item "Student feedback received on CEIAG" (Kent item 20) is ticked,
    and counted in the score, once the plan's students' feedback survey has an answer: dated the
    day of the first answer, marked ``by_survey`` (the checklist shows why and links to the
    survey's summary). A tick the lead made by hand is left as it is. Returns whether it ticked."""
    item = ChecklistItem.objects.filter(template_id=plan.template_id, is_student_feedback=True).first()
    if item is None:
        return False
    CareersPlan.objects.for_org(org).select_for_update().filter(pk=plan.pk).first()
    _, created = ChecklistTick.objects.for_org(org).get_or_create(
        organisation=org, plan=plan, item=item,
        defaults={"ticked_by": None, "ticked_on": first_answer_on, "by_survey": True, "evidence_link": ""})
    if created:
        change = _record_score(org=org, plan=plan, by=None, ticked=[item.number])
        audit_log("careersplan.checklist_changed", org=org, obj=plan,
                  data={"ticked": [item.number], "unticked": [], "score": change.score, "by": "students' survey"})
    return created


def _approval_item(plan) -> ChecklistItem | None:
    return ChecklistItem.objects.filter(
        template_id=plan.template_id, is_governing_body_approval=True).first()


@transaction.atomic
def approval_record(*, org, plan: CareersPlan, approved_on: datetime.date,
                    minute_reference: str, by, request=None) -> GoverningBodyApproval:
    """Record the governing body's approval, which ticks its checklist item (item 4). An
    approval is something that happened: a date after today is refused (it would tick item 4
    before the governors met)."""
    if approved_on > clock.today():
        raise PlanError("The date the governing body agreed the plan must be today or earlier.")
    approval, _ = GoverningBodyApproval.objects.for_org(org).update_or_create(
        organisation=org, plan=plan,
        defaults={"approved_on": approved_on, "minute_reference": minute_reference,
                  "recorded_by": by},
    )
    item = _approval_item(plan)
    if item is not None:
        tick, created = ChecklistTick.objects.for_org(org).get_or_create(
            organisation=org, plan=plan, item=item,
            defaults={"ticked_by": by, "ticked_on": approved_on,
                      "evidence_link": ""},
        )
        if not created and tick.ticked_on != approved_on:
            tick.ticked_on = approved_on
            tick.save(update_fields=["ticked_on"])
        if created:
            _record_score(org=org, plan=plan, by=by, ticked=[item.number])
    _summary_refresh(org=org, plan_id=plan.pk)
    audit_log("careersplan.approval_recorded", request=request, actor=by, org=org, obj=plan,
              data={"approved_on": approved_on.isoformat(), "minute": minute_reference})
    return approval


@transaction.atomic
def approval_remove(*, org, plan: CareersPlan, by, request=None) -> None:
    """Remove the approval record; its checklist item is unticked with it."""
    GoverningBodyApproval.objects.for_org(org).filter(plan=plan).delete()
    item = _approval_item(plan)
    if item is not None:
        deleted, _ = ChecklistTick.objects.for_org(org).filter(plan=plan, item=item).delete()
        if deleted:
            _record_score(org=org, plan=plan, by=by, unticked=[item.number])
    _summary_refresh(org=org, plan_id=plan.pk)
    audit_log("careersplan.approval_removed", request=request, actor=by, org=org, obj=plan)


# --- External review -----------------------------------------------------------------------------
@transaction.atomic
def reviewer_grant(*, org, plan: CareersPlan, email: str, full_name: str, kind: str,
                   expires_on: datetime.date, by, today: datetime.date,
                   request=None) -> ReviewerGrant:
    """Grant a named person (found or created by email; they need no membership of this
    organisation) review access to this plan only, until ``expires_on``."""
    if expires_on < today:
        raise PlanError("The end date must be today or later.")
    email = email.strip().lower()
    if email == (by.email or "").lower():
        raise PlanError("You cannot grant yourself review access.")
    User = get_user_model()
    reviewer = User.objects.filter(email__iexact=email).first()
    created = reviewer is None
    if created:
        reviewer = User(email=email, full_name=full_name)
        reviewer.set_unusable_password()
        reviewer.save()
        # They choose a password through "Forgot your password?" with this address.
        EmailAddress.objects.get_or_create(user=reviewer, email=email,
                                           defaults={"verified": False, "primary": True})
    if kind == ReviewerKind.PEER:
        with rls.cross_organisation_check("is the reviewer a careers lead of another school"):
            peer_is_a_lead = Membership.objects.system("is the reviewer a careers lead of another school").filter(
                user=reviewer, role=Role.CAREERS_LEAD, is_active=True).exclude(organisation=org).exists()
    if kind == ReviewerKind.PEER and not peer_is_a_lead:
        raise PlanError("A peer reviewer is the careers lead of another school or college; "
                        "choose “External consultant” for anyone else.")
    grant = ReviewerGrant.objects.create(
        organisation=org, plan=plan, reviewer=reviewer, kind=kind, expires_on=expires_on,
        granted_by=by,
    )
    assign_perm("careersplan.review_careersplan", reviewer, plan)
    email_queue(
        to=reviewer.email,
        subject=f"You are invited to review {org.name}'s annual careers plan",
        template="careersplan/email/reviewer_granted",
        context={"org_name": org.name, "plan_year": plan.year_label, "grant": grant,
                 "new_account": created, "by_name": by.full_name or by.email,
                 "path": reverse("careersplan_review:plan", kwargs={"plan_id": plan.pk})},
        org=org, user=reviewer, essential=True,
    )
    audit_log("careersplan.reviewer_granted", request=request, actor=by, org=org, obj=plan,
              data={"reviewer": reviewer.pk, "until": expires_on.isoformat(), "kind": kind})
    return grant


@transaction.atomic
def reviewer_revoke(*, org, grant: ReviewerGrant, by, request=None) -> None:
    ReviewerGrant.objects.for_org(org).filter(pk=grant.pk).update(revoked_at=timezone.now())
    still_current = ReviewerGrant.objects.for_org(org).filter(
        plan_id=grant.plan_id, reviewer_id=grant.reviewer_id, revoked_at__isnull=True,
    ).exclude(pk=grant.pk).exists()
    if not still_current:
        remove_perm("careersplan.review_careersplan", grant.reviewer, grant.plan)
    audit_log("careersplan.reviewer_revoked", request=request, actor=by, org=org,
              obj=grant.plan, data={"reviewer": grant.reviewer_id})


def comment_add(*, plan: CareersPlan, section: TemplateSection, author, text: str,
                request=None) -> ReviewComment:
    if section.template_id != plan.template_id:
        raise PlanError("That section is not part of this plan.")
    if not text.strip():
        raise PlanError("Enter your comment.")
    comment = ReviewComment.objects.create(
        organisation_id=plan.organisation_id, plan=plan, section=section, author=author,
        author_name=author.full_name or author.email, text=text.strip(),
    )
    audit_log("careersplan.review_comment_added", request=request, actor=author,
              org=plan.organisation, obj=plan, data={"section": section.title})
    return comment


# --- Authority ---------------------------------------------------------------------------------
def approval_deadline_set(*, authority, academic_year: int, approve_by: datetime.date, by,
                          request=None) -> ApprovalDeadline:
    deadline, _ = ApprovalDeadline.objects.for_org(authority).update_or_create(
        organisation=authority, academic_year=academic_year,
        defaults={"approve_by": approve_by},
    )
    audit_log("careersplan.approval_deadline_set", request=request, actor=by, org=authority,
              obj=deadline, data={"approve_by": approve_by.isoformat()})
    return deadline


@transaction.atomic
def template_copy(*, authority, template: PlanTemplate, by, request=None) -> PlanTemplate:
    """Copy a template into an unpublished new version owned by ``authority`` to adapt."""
    latest = PlanTemplate.objects.filter(owner=authority, kind=template.kind,
                                         name=template.name).order_by("-version").first()
    copy = PlanTemplate.objects.create(
        kind=template.kind, name=template.name, owner=authority, based_on=template,
        version=(latest.version + 1) if latest else 1, source=template.source,
        rag_red_max=template.rag_red_max, rag_amber_max=template.rag_amber_max,
    )
    for section in template.sections.prefetch_related("rows"):
        new_section = TemplateSection.objects.create(
            template=copy, position=section.position, group=section.group,
            title=section.title, evidence_indicators=section.evidence_indicators,
        )
        TemplateRow.objects.bulk_create(
            TemplateRow(section=new_section, position=r.position, label=r.label, aims=r.aims)
            for r in section.rows.all()
        )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(template=copy, number=i.number, text=i.text,
                      is_governing_body_approval=i.is_governing_body_approval,
                      is_student_feedback=i.is_student_feedback)
        for i in template.checklist_items.all()
    )
    audit_log("careersplan.template_copied", request=request, actor=by, org=authority,
              obj=copy, data={"from": template.pk})
    return copy


def _require_editable(template: PlanTemplate, authority):
    if template.owner_id != authority.pk or template.is_published:
        raise PlanError("Only your authority's unpublished templates can be changed; "
                        "copy a published one to adapt it.")


def _numbered_lines_save(rows, lines, *, number: str, text: str, create) -> list[str]:
    """Make ``rows`` (a related manager) match the non-blank ``lines``, numbered from 1: a changed
    line updates its row, a new one is created, rows past the last line are deleted."""
    texts = [line.strip() for line in lines if line.strip()]
    old = {getattr(row, number): row for row in rows.all()}
    for position, value in enumerate(texts, start=1):
        if position not in old:
            create(**{number: position, text: value})
        elif getattr(old[position], text) != value:
            setattr(old[position], text, value)
            old[position].save(update_fields=[text])
    rows.filter(**{f"{number}__gt": len(texts)}).delete()
    return texts


@transaction.atomic
def template_section_update(*, authority, section: TemplateSection, title: str,
                            evidence_indicators: str, row_labels: list[str], by,
                            request=None) -> TemplateSection:
    """Adapt a section: its title, indicators and rows (one label per line)."""
    _require_editable(section.template, authority)
    section.title, section.evidence_indicators = title, evidence_indicators
    section.save(update_fields=["title", "evidence_indicators"])
    _numbered_lines_save(section.rows, row_labels, number="position", text="label",
                         create=lambda **fields: TemplateRow.objects.create(section=section, **fields))
    audit_log("careersplan.template_adapted", request=request, actor=by, org=authority,
              obj=section.template, data={"section": section.pk})
    return section


@transaction.atomic
def template_checklist_update(*, authority, template: PlanTemplate, items: list[str],
                              rag_red_max: int, rag_amber_max: int, by,
                              request=None) -> PlanTemplate:
    _require_editable(template, authority)
    if not 0 <= rag_red_max < rag_amber_max:
        raise PlanError("The amber band must start above the red band.")
    texts = _numbered_lines_save(template.checklist_items, items, number="number", text="text",
                                 create=lambda **fields: ChecklistItem.objects.create(template=template, **fields))
    template.rag_red_max, template.rag_amber_max = rag_red_max, rag_amber_max
    template.save(update_fields=["rag_red_max", "rag_amber_max"])
    audit_log("careersplan.template_adapted", request=request, actor=by, org=authority,
              obj=template, data={"checklist": len(texts)})
    return template


def template_publish(*, authority, template: PlanTemplate, by, request=None) -> PlanTemplate:
    _require_editable(template, authority)
    template.is_published = True
    template.save(update_fields=["is_published"])
    audit_log("careersplan.template_published", request=request, actor=by, org=authority,
              obj=template)
    return template


# --- ILP self-assessment --------------------------------------------------------------------
def ilp_assessment_create(*, org, academic_year: int, by, request=None) -> IlpSelfAssessment:
    template = template_default(org=org, kind=TemplateKind.ILP_CHECKLIST)
    if IlpSelfAssessment.objects.for_org(org).filter(academic_year=academic_year).exists():
        raise PlanError("There is already a self-assessment for that year.")
    assessment = IlpSelfAssessment.objects.create(
        organisation=org, academic_year=academic_year, template=template)
    audit_log("careersplan.ilp_assessment_created", request=request, actor=by, org=org,
              obj=assessment)
    return assessment


@transaction.atomic
def ilp_answers_save(*, org, assessment: IlpSelfAssessment, answers: dict[int, str], by,
                     request=None) -> int:
    """Save the answers (template row id -> answer); unanswered statements are left blank."""
    valid = set(TemplateRow.objects.filter(section__template_id=assessment.template_id)
                .values_list("pk", flat=True))
    if set(answers) - valid:
        raise ValidationError("Unknown statement.")
    IlpResponse.objects.for_org(org).filter(assessment=assessment).delete()
    IlpResponse.objects.bulk_create(
        IlpResponse(organisation=org, assessment=assessment, template_row_id=row_id,
                    answer=answer)
        for row_id, answer in answers.items() if answer
    )
    IlpSelfAssessment.objects.for_org(org).filter(pk=assessment.pk).update(
        updated_at=timezone.now())
    audit_log("careersplan.ilp_assessment_saved", request=request, actor=by, org=org,
              obj=assessment, data={"answered": len(answers)})
    return len(answers)


SHIPPED_TEMPLATES_MIGRATION = "careersplan.migrations.0002_kent_template_and_ilp_checklist"


def shipped_templates_ensure() -> None:
    """Make sure the global templates the data migration ships exist: ``manage.py flush`` (and
    a transactional test's teardown) empties every table, data-migration rows included.
    Re-created by the migration's own code, so there is one definition of the Kent template."""
    if not PlanTemplate.objects.filter(owner__isnull=True).exists():
        importlib.import_module(SHIPPED_TEMPLATES_MIGRATION).create(django_apps, None)
        # ... and the item the students' survey ticks (item 20), as migration 0007 marks it.
        ChecklistItem.objects.filter(text__istartswith=STUDENT_FEEDBACK_ITEM_PREFIX).update(is_student_feedback=True)


# --- The authority's recommendations (seed 002, issue 15) ------------------------------------
def _recommendations_carry(*, org, previous: CareersPlan, plan: CareersPlan) -> None:
    """Last year's recommendations the authority has not closed follow the school into the new
    plan, open again: this year's answer is this year's."""
    Recommendation.objects.bulk_create(
        Recommendation(organisation=org, plan=plan, authority_id=r.authority_id, kind=r.kind, text=r.text,
                       due_on=r.due_on, created_by_id=r.created_by_id, carried_from=r)
        for r in Recommendation.objects.for_org(org).filter(plan=previous)
        .exclude(status=RecommendationStatus.CLOSED).order_by("pk")
    )


def _check_authority(authority, plan: CareersPlan) -> None:
    if plan.organisation.parent_id != authority.pk:
        raise PlanError("This plan is not one of your authority's schools.")


def recommendation_add(*, authority, plan: CareersPlan, kind: str, text: str, due_on: datetime.date, by,
                       request=None) -> Recommendation:
    _check_authority(authority, plan)
    recommendation = Recommendation(organisation_id=plan.organisation_id, plan=plan, authority=authority,
                                    kind=kind, text=text, due_on=due_on, created_by=by)
    recommendation.full_clean()
    recommendation.save()
    audit_log("careersplan.recommendation_added", request=request, actor=by, org=authority, obj=recommendation,
              data={"school": plan.organisation_id})
    return recommendation


def recommendation_answer(*, org, recommendation: Recommendation, response: str, by,
                          request=None) -> Recommendation:
    if recommendation.organisation_id != org.pk:
        raise PlanError("This recommendation is not your school's.")
    if recommendation.status == RecommendationStatus.CLOSED:
        raise PlanError("The authority has closed this recommendation: it needs no answer.")
    recommendation.response = response
    recommendation.responded_by = by
    recommendation.responded_at = timezone.now()
    recommendation.status = RecommendationStatus.ANSWERED
    recommendation.full_clean()
    recommendation.save()
    audit_log("careersplan.recommendation_answered", request=request, actor=by, org=org, obj=recommendation)
    return recommendation


def recommendation_close(*, authority, recommendation: Recommendation, by, request=None) -> Recommendation:
    if recommendation.authority_id != authority.pk:
        raise PlanError("This recommendation is not your authority's.")
    recommendation.status = RecommendationStatus.CLOSED
    recommendation.closed_at = timezone.now()
    recommendation.save(update_fields=["status", "closed_at"])
    audit_log("careersplan.recommendation_closed", request=request, actor=by, org=authority, obj=recommendation)
    return recommendation


# --- The published careers programme (seed 002: "publish an annual careers plan") -------------
def programme_save(*, org, programme: PublishedProgramme, plan: CareersPlan, public_row_ids, by,
                   careers_lead_name: str, careers_lead_contact: str, how_to_get_guidance: str,
                   next_review_on, request=None) -> PublishedProgramme:
    """The lead's draft: the details and which of ``plan``'s rows are public. Nothing is
    published until ``programme_publish``."""
    if plan.organisation_id != org.pk or programme.organisation_id != org.pk:
        raise PlanError("This plan is not your organisation's.")
    ids = {int(i) for i in public_row_ids}
    rows = PlanRow.objects.for_org(org).filter(plan=plan)
    rows.filter(pk__in=ids).update(is_public=True)
    rows.exclude(pk__in=ids).update(is_public=False)
    programme.plan = plan
    programme.careers_lead_name = careers_lead_name
    programme.careers_lead_contact = careers_lead_contact
    programme.how_to_get_guidance = how_to_get_guidance
    programme.next_review_on = next_review_on
    programme.full_clean()
    programme.save()
    audit_log("careersplan.programme_saved", request=request, actor=by, org=org, obj=programme,
              data={"public_rows": len(ids)})
    return programme


def programme_snapshot(*, programme: PublishedProgramme) -> dict:
    """What the public page would show now: the details and the "Planned" text of the rows
    marked public, by section. Nothing else of the plan (no evidence, no actions, no names but
    the careers lead's as the lead typed it)."""
    plan = programme.plan
    sections = []
    if plan is not None:
        current = None
        for row in (PlanRow.objects.for_org(programme.organisation_id).filter(plan=plan, is_public=True)
                    .exclude(planned="").select_related("template_row__section")):
            section = row.template_row.section
            if current is None or current["title"] != section.title:
                current = {"title": section.title, "rows": []}
                sections.append(current)
            current["rows"].append({"label": row.template_row.label, "planned": row.planned})
    return {
        "year_label": plan.year_label if plan else "",
        "careers_lead_name": programme.careers_lead_name,
        "careers_lead_contact": programme.careers_lead_contact,
        "how_to_get_guidance": programme.how_to_get_guidance,
        "next_review_on": programme.next_review_on.isoformat() if programme.next_review_on else "",
        "sections": sections,
    }


def programme_publish(*, org, programme: PublishedProgramme, by, request=None) -> PublishedProgramme:
    if programme.organisation_id != org.pk:
        raise PlanError("This programme is not your organisation's.")
    if programme.plan is None:
        raise PlanError("Choose the rows to publish and save them first.")
    programme.published_content = programme_snapshot(programme=programme)
    programme.published_at = timezone.now()
    programme.published_by = by
    programme.save(update_fields=["published_content", "published_at", "published_by"])
    audit_log("careersplan.programme_published", request=request, actor=by, org=org, obj=programme)
    return programme


def programme_unpublish(*, org, programme: PublishedProgramme, by, request=None) -> PublishedProgramme:
    """Take the public page down (its address answers 404 until the lead publishes again)."""
    if programme.organisation_id != org.pk:
        raise PlanError("This programme is not your organisation's.")
    programme.published_content = None
    programme.published_at = None
    programme.save(update_fields=["published_content", "published_at"])
    audit_log("careersplan.programme_unpublished", request=request, actor=by, org=org, obj=programme)
    return programme
