"""Writes of the guidance app: keyword-only, audited, and each event about a learner joins the
learner's one timeline (``learners.services.timeline_record``) when they have an active plan.

Rows about a learner take the learner's school as their organisation (``profile.organisation``),
never an organisation from the request. Every write about a learner names the organisation the
actor works for (``org``, required — no scope never means everything): the learner's school
itself (its own staff, the learner) or a careers service, which must have a CURRENT, ACCEPTED
partnership with the school (``_check_partner``), else ``PermissionError``. Work only an adviser
does (triage, interviews, group sessions, feedback) needs a careers service. ``None`` raises
``UnscopedQueryError`` — the views have already scoped the lookups the same way."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.contrib.auth import get_user_model
from django.db.models import Count

from learners.choices import Audience, SetByRole
from learners.models import LearnerProfile
from learners.permissions import can_see, plan_viewer
from learners.services import target_area_get, target_create, timeline_record
from plp_portal.audit.services import audit_log
from plp_portal.notifications.services import email_queue, notification_create
from plp_portal.organisations.choices import OrganisationKind, Role
from plp_portal.organisations.models import Membership
from plp_portal.tenancy import UnscopedQueryError

from plp_portal import clock, rls
from plp_portal.clock import academic_year_dates
from . import selectors
from .figures import figures_mark_stale, figures_refresh, figures_refresh_stale  # noqa: F401 (the tasks')
from .follow_up import follow_up_refresh
from .choices import (
    OPEN_REFERRAL_STATUSES, REASONS_FOR_TIER, TIER_RANK, AttendanceFlag, DestinationKind, ReferralReason,
    ReferralSource, ReferralStatus, Tier, TriageDecision, Urgency,
)
from .models import (
    ActionItem, Destination, ExpectedTierShare, GroupAttendance, GroupSession, Interview,
    LearnerGuidance, Partnership, PartnershipAdviser, PartnershipObjective, Referral, ReferralEvent,
    ServiceSettings, TierChange, join_codes,
)
from .objectives import DEFAULT_EXPECTED_PERCENT, DEFAULT_OBJECTIVES, PARTNERSHIP_GROUPS, STATUTORY_GROUPS
from .outcomes import outcome_settings_get

# The triage state machine: status -> statuses it may move to.
REFERRAL_TRANSITIONS = {
    ReferralStatus.NEW: {ReferralStatus.ACCEPTED, ReferralStatus.KEPT_IN_CORE, ReferralStatus.REFERRED_ON,
                         ReferralStatus.WITHDRAWN},
    ReferralStatus.ACCEPTED: {ReferralStatus.CLOSED},
    ReferralStatus.KEPT_IN_CORE: {ReferralStatus.CLOSED},
    ReferralStatus.REFERRED_ON: {ReferralStatus.CLOSED},
    ReferralStatus.WITHDRAWN: set(),
    ReferralStatus.CLOSED: set(),
}

DECISION_STATUS = {
    TriageDecision.ACCEPT_FILTERED: ReferralStatus.ACCEPTED,
    TriageDecision.ACCEPT_INTENSIVE: ReferralStatus.ACCEPTED,
    TriageDecision.KEEP_IN_CORE: ReferralStatus.KEPT_IN_CORE,
    TriageDecision.REFER_ON: ReferralStatus.REFERRED_ON,
}

CONSENT_WORDING = (
    "I agree that my school can share this request, and what I have written, with the careers "
    "adviser from the careers service that works with my school, so they can contact me and "
    "help me. I understand my key worker will be told what happens next."
)


class InvalidTransition(Exception):
    """A referral cannot move from its status to the one asked for."""


def _check_partner(org, school_id, *, service_only: bool = False) -> None:
    """``org``: the organisation the actor works for. The school itself may act on its own
    learners (unless ``service_only``); a careers service only with a current, accepted
    partnership with the school. A missing organisation is refused, never waved through."""
    if org is None:
        raise UnscopedQueryError("no organisation named for a write about a school's learner")
    if org.pk == school_id and not service_only:
        return
    if org.kind != OrganisationKind.CAREERS_SERVICE:
        raise PermissionError("only the learner's school or a partner careers service may do this")
    if school_id not in selectors.partner_school_ids(org=org):
        raise PermissionError("no current partnership between the careers service and this school")


def _timeline(profile, plan, **kwargs):
    if plan is not None:
        timeline_record(org=profile.organisation, plan=plan, **kwargs)


# --- Service settings and partnerships --------------------------------------------------------


def service_settings_update(*, org, by, triage_target_school_days: int, expected: dict) -> ServiceSettings:
    """``expected``: {target_group: (filtered %, intensive %)}."""
    settings = selectors.service_settings_get(org=org)
    settings.triage_target_school_days = triage_target_school_days
    settings.save()  # inserts the row the first time
    for group, (filtered, intensive) in expected.items():
        ExpectedTierShare.objects.for_org(org).update_or_create(
            organisation=org, target_group=group,
            defaults={"filtered_percent": filtered, "intensive_percent": intensive},
        )
    audit_log("guidance.settings.updated", actor=by, org=org, obj=settings)
    return settings


def expected_shares_seed_defaults(*, org) -> None:
    """Save the default expected shares of each statutory group the service has not set (the
    county seed; the settings page shows the defaults without saving them)."""
    for group, (filtered, intensive) in DEFAULT_EXPECTED_PERCENT.items():
        ExpectedTierShare.objects.for_org(org).get_or_create(
            organisation=org, target_group=group,
            defaults={"filtered_percent": filtered, "intensive_percent": intensive},
        )


class PartnershipRefused(ValueError):
    """A partnership step that is not allowed now (wrong side, wrong status, a duplicate)."""


def _school_admins(school_id):
    return [m.user for m in Membership.objects.for_org(school_id)
            .filter(role=Role.ORG_ADMIN, is_active=True).select_related("user")]


def _service_people(partnership):
    """The service's organisation admins and the partnership's named advisers."""
    people = {m.user_id: m.user for m in Membership.objects.for_org(partnership.organisation_id)
              .filter(role=Role.ORG_ADMIN, is_active=True).select_related("user")}
    for row in PartnershipAdviser.objects.for_org(partnership.organisation_id).filter(
            partnership=partnership).select_related("adviser"):
        people.setdefault(row.adviser_id, row.adviser)
    return list(people.values())


def _notify_partnership(partnership, *, to_school: bool, title: str, message: str, event: str) -> None:
    """Tell the other side (in-app + email) what happened to a partnership (the title names its
    academic year: one school may have several partnerships with a service)."""
    # The other side is outside this request's row-level security scope: who to tell and the
    # notifications themselves are written in a narrow system scope (plp_portal/rls.py).
    with rls.for_another_organisation(partnership.school_id if to_school else partnership.organisation_id,
                                      "tell the other side of a partnership"):
        _notify_partnership_side(partnership, to_school=to_school, title=title, message=message, event=event)


def _notify_partnership_side(partnership, *, to_school: bool, title: str, message: str, event: str) -> None:
    title = f"{title} ({clock.academic_year_label(partnership.academic_year)})"
    if to_school:
        org = partnership.school
        recipients = _school_admins(partnership.school_id)
        url = _school_url("guidance:agreement_detail", org, agreement_id=partnership.pk)
    else:
        org = partnership.organisation
        recipients = _service_people(partnership)
        url = _school_url("guidance:partnership_detail", org, partnership_id=partnership.pk)
    for user in recipients:
        key = f"guidance.partnership:{partnership.pk}:{event}:{user.pk}"
        notification_create(org=org, user=user, kind="guidance.partnership", title=title, body=message, url=url,
                            dedupe_key=key)
        email_queue(to=user.email, subject=title, template="guidance/email/partnership",
                    context={"recipient": user, "title": title, "message": message, "url": url},
                    org=org, user=user, dedupe_key=key)


def partnership_propose(*, org, school, academic_year: int, by, advisers=(), referral_process: str = "",
                        clinic_sessions: str = "", target_groups=None) -> Partnership:
    """Careers service ``org`` proposes a partnership with ``school`` for ``academic_year``, with
    seed 000's adviser objectives (editable) for the six statutory target groups (or
    ``target_groups``). Nothing of the school is read or visible to the service until the school
    accepts (``partnership_decide``), which keeps the objectives of the groups it has learners in."""
    if school.pk == org.pk:
        raise PartnershipRefused("a careers service cannot partner with itself")
    already = PartnershipRefused("A partnership with this school for that year already exists or is waiting for "
                                 "the school: change that one instead")
    if Partnership.objects.for_org(org).filter(
            school=school, academic_year=academic_year,
            status__in=[Partnership.Status.PROPOSED, Partnership.Status.ACCEPTED]).exists():
        raise already
    starts_on, ends_on = academic_year_dates(academic_year)
    if target_groups is None:
        target_groups = PARTNERSHIP_GROUPS
    try:
        with transaction.atomic():
            partnership = Partnership(
                organisation=org, school=school, academic_year=academic_year, starts_on=starts_on, ends_on=ends_on,
                referral_process=referral_process, clinic_sessions=clinic_sessions, created_by=by,
                status=Partnership.Status.PROPOSED,
            )
            partnership.full_clean()
            partnership.save()
            _set_advisers(org=org, partnership=partnership, advisers=advisers)
            PartnershipObjective.objects.bulk_create([
                PartnershipObjective(organisation=org, partnership=partnership, target_group=group, order=n, text=text)
                for group in target_groups for n, text in enumerate(DEFAULT_OBJECTIVES.get(group, []), start=1)
            ])
            audit_log("guidance.partnership.proposed", actor=by, org=org, obj=partnership,
                      data={"school": school.pk, "academic_year": academic_year,
                            "advisers": sorted(a.pk for a in advisers)})
            _notify_partnership(partnership, to_school=True, event="proposed",
                                title=f"{org.name} proposes a careers guidance partnership",
                                message="Read what their advisers would see, then accept or decline.")
    except IntegrityError:  # proposed twice at once: the constraint refuses the second
        raise already from None
    return partnership


def _set_advisers(*, org, partnership, advisers) -> list[int]:
    if partnership.organisation_id != org.pk:
        raise ValueError("partnership of another organisation")
    allowed = set(selectors.service_advisers(org=org).values_list("pk", flat=True))
    wanted = {a.pk for a in advisers if a.pk in allowed}
    PartnershipAdviser.objects.for_org(org).filter(partnership=partnership).exclude(adviser_id__in=wanted).delete()
    have = set(PartnershipAdviser.objects.for_org(org).filter(partnership=partnership).values_list("adviser_id", flat=True))
    PartnershipAdviser.objects.bulk_create([
        PartnershipAdviser(organisation=org, partnership=partnership, adviser_id=pk) for pk in wanted - have
    ])
    return sorted(wanted)


def partnership_change(*, org, partnership, by, advisers, referral_process: str, clinic_sessions: str) -> Partnership:
    """Change the named advisers or the scope (referral process, clinic sessions) of a partnership.

    A proposal the school has not decided on is changed in place. An ACCEPTED partnership is not
    changed: the change becomes a new proposal that ``replaces`` it, which the school accepts
    (the accepted one stays in force until then); a waiting change is updated. Returns the
    partnership the change is on. Unchanged values change nothing."""
    if partnership.organisation_id != org.pk:
        raise ValueError("partnership of another organisation")
    wanted = sorted(a.pk for a in advisers)
    have = sorted(PartnershipAdviser.objects.for_org(org).filter(partnership=partnership)
                  .values_list("adviser_id", flat=True))
    if (wanted == have and referral_process == partnership.referral_process
            and clinic_sessions == partnership.clinic_sessions):
        return partnership
    with transaction.atomic():
        if partnership.status == Partnership.Status.ACCEPTED:
            proposal = Partnership.objects.for_org(org).filter(
                replaces=partnership, status=Partnership.Status.PROPOSED).first()
            if proposal is None:
                proposal = Partnership(
                    organisation=org, school_id=partnership.school_id, academic_year=partnership.academic_year,
                    starts_on=partnership.starts_on, ends_on=partnership.ends_on, replaces=partnership,
                    agreement=partnership.agreement, agreement_content_type=partnership.agreement_content_type,
                    agreement_name=partnership.agreement_name, created_by=by, status=Partnership.Status.PROPOSED,
                )
                copy_objectives = True
            else:
                copy_objectives = False
            proposal.referral_process = referral_process
            proposal.clinic_sessions = clinic_sessions
            proposal.full_clean()
            proposal.save()
            if copy_objectives:
                PartnershipObjective.objects.bulk_create([
                    PartnershipObjective(organisation=org, partnership=proposal, target_group=o.target_group,
                                         order=o.order, text=o.text, status=o.status, evidence=o.evidence)
                    for o in PartnershipObjective.objects.for_org(org).filter(partnership=partnership)
                ])
            named = _set_advisers(org=org, partnership=proposal, advisers=advisers)
            audit_log("guidance.partnership.change_proposed", actor=by, org=org, obj=proposal,
                      data={"replaces": partnership.pk, "advisers": named})
            _notify_partnership(proposal, to_school=True, event=f"change:{proposal.updated_at.isoformat()}",
                                title=f"{org.name} proposes a change to your careers guidance partnership",
                                message="The partnership stays as it is until you accept the change.")
            return proposal
        if partnership.status != Partnership.Status.PROPOSED:
            raise PartnershipRefused("This partnership is no longer in force: propose a new one")
        partnership.referral_process = referral_process
        partnership.clinic_sessions = clinic_sessions
        partnership.full_clean()
        partnership.save()
        named = _set_advisers(org=org, partnership=partnership, advisers=advisers)
        audit_log("guidance.partnership.proposal_changed", actor=by, org=org, obj=partnership,
                  data={"advisers": named})
    return partnership


def partnership_decide(*, school, partnership, by, accept: bool, note: str = "") -> Partnership:
    """The school accepts or declines a proposal naming it. Accepting a change replaces the
    partnership it changes. The service is told."""
    if partnership.school_id != school.pk:
        raise ValueError("partnership of another school")
    with transaction.atomic():
        partnership = Partnership.objects.system("the school decides on a proposal naming it").select_for_update(
            of=("self",)).select_related("organisation", "school").get(pk=partnership.pk, school_id=school.pk)
        if partnership.status != Partnership.Status.PROPOSED:
            raise PartnershipRefused("This proposal has already been decided")
        now = timezone.now()
        if accept and partnership.replaces_id:
            Partnership.objects.system("the accepted partnership a change replaces").filter(
                pk=partnership.replaces_id, school_id=school.pk, status=Partnership.Status.ACCEPTED,
            ).update(status=Partnership.Status.REPLACED, updated_at=now)
        if accept and not partnership.replaces_id:
            # The school's own data, read on its acceptance: keep the objectives of the target
            # groups it has learners in (all of them if it has none yet).
            present = set(LearnerProfile.objects.for_org(school).values_list("target_group", flat=True).distinct())
            if present & set(PARTNERSHIP_GROUPS):
                PartnershipObjective.objects.for_org(partnership.organisation_id).filter(
                    partnership=partnership).exclude(target_group__in=present).delete()
        partnership.status = Partnership.Status.ACCEPTED if accept else Partnership.Status.DECLINED
        partnership.decided_at = now
        partnership.decided_by = by
        partnership.decision_note = note
        partnership.save(update_fields=["status", "decided_at", "decided_by", "decision_note", "updated_at"])
        verb = "accepted" if accept else "declined"
        audit_log(f"guidance.partnership.{verb}", actor=by, org=school, obj=partnership,
                  data={"service": partnership.organisation_id, "replaces": partnership.replaces_id, "note": note})
        _notify_partnership(partnership, to_school=False, event=verb,
                            title=f"{school.name} {verb} the careers guidance partnership"
                                  f"{' change' if partnership.replaces_id else ''}",
                            message=note or ("Your named advisers can now see the school's referrals and learners."
                                             if accept else "Nothing of the school is visible to your advisers."))
    return partnership


def partnership_end(*, org, partnership, by, reason: str, effective_on: datetime.date) -> Partnership:
    """End an accepted partnership early, from either side (``org`` is the careers service or the
    school), with a reason and the day from which the service's advisers see nothing of the
    school. A change waiting for the school is declined with it. The other side is told."""
    if org.pk not in (partnership.organisation_id, partnership.school_id):
        raise ValueError("partnership of another organisation")
    if not reason.strip():
        raise PartnershipRefused("Write why the partnership is ending")
    today = clock.today()
    with transaction.atomic():
        partnership = Partnership.objects.system("either side ends a partnership it is party to").select_for_update(
            of=("self",)).select_related("organisation", "school").get(pk=partnership.pk)
        if not partnership.can_end:
            raise PartnershipRefused("Only an accepted partnership that has not ended can be ended")
        if not today <= effective_on <= partnership.ends_on:
            raise PartnershipRefused("Enter an end date from today to the last day of the partnership")
        now = timezone.now()
        partnership.status = Partnership.Status.ENDED
        partnership.ended_at, partnership.ended_by, partnership.ended_by_org = now, by, org
        partnership.end_reason, partnership.end_effective_on = reason, effective_on
        partnership.save()
        Partnership.objects.system("changes waiting on a partnership that ended").filter(
            replaces=partnership, status=Partnership.Status.PROPOSED,
        ).update(status=Partnership.Status.DECLINED, decided_at=now, decided_by=by,
                 decision_note="The partnership it would change was ended.", updated_at=now)
        by_school = org.pk == partnership.school_id
        audit_log("guidance.partnership.ended", actor=by, org=org, obj=partnership,
                  data={"by": "school" if by_school else "service", "reason": reason,
                        "effective_on": effective_on.isoformat()})
        other = partnership.organisation if by_school else partnership.school
        _notify_partnership(partnership, to_school=not by_school, event="ended",
                            title=f"{org.name} is ending the careers guidance partnership with {other.name}",
                            message=f"From {effective_on:%-d %B %Y}. Reason: {reason}")
    return partnership


def partnership_agreement_attach(*, org, partnership, file, content_type: str, by) -> Partnership:
    if partnership.organisation_id != org.pk:
        raise ValueError("partnership of another organisation")
    partnership.agreement = file
    partnership.agreement_content_type = content_type
    partnership.agreement_name = (file.name or "agreement")[:200]
    partnership.save()
    audit_log("guidance.partnership.agreement", actor=by, org=org, obj=partnership)
    return partnership


def objective_update(*, org, objective, by, status: str, evidence: str, text: str | None = None):
    if objective.organisation_id != org.pk:
        raise ValueError("objective of another organisation")
    objective.status = status
    objective.evidence = evidence
    if text:
        objective.text = text
    objective.save()
    audit_log("guidance.objective.updated", actor=by, org=org, obj=objective, data={"status": status})
    return objective


# --- Tiers ------------------------------------------------------------------------------------


def learner_guidance_for(*, profile) -> LearnerGuidance:
    guidance, _ = LearnerGuidance.objects.for_org(profile.organisation_id).get_or_create(
        organisation_id=profile.organisation_id, profile=profile
    )
    return guidance


def tier_set(*, profile, to_tier: str, reasons, by, org, review_on=None, note: str = "",
             referral=None, adviser=None) -> TierChange:
    """Move a learner to ``to_tier`` recording who, when, why and the review date (history in
    ``TierChange``). Filtered and intensive need at least one of that tier's reasons (seed 000);
    ``adviser`` (optional) becomes the learner's identified adviser. Only a partner careers
    service moves a learner between tiers."""
    _check_partner(org, profile.organisation_id, service_only=True)
    reasons = [str(r) for r in reasons or ()]
    if to_tier != Tier.CORE:
        allowed = {str(r) for r in REASONS_FOR_TIER[to_tier]}
        if not reasons or not set(reasons) <= allowed:
            raise ValueError(f"{to_tier} needs one or more of its reasons")
        if review_on is None:
            raise ValueError("a review date is needed for filtered and intensive guidance")
    plan = selectors.active_plan_for(profile=profile)
    with transaction.atomic():
        guidance = learner_guidance_for(profile=profile)
        change = TierChange.objects.create(
            organisation_id=profile.organisation_id, profile=profile, plan=plan, from_tier=guidance.tier,
            to_tier=to_tier, reasons=join_codes(reasons), note=note, review_on=review_on, decided_by=by,
            referral=referral, audience=Audience.STAFF,
        )
        guidance.tier = to_tier
        guidance.review_on = review_on
        if adviser is not None:
            guidance.adviser = adviser
        guidance.save()
        figures_mark_stale(school_id=profile.organisation_id)
        _timeline(profile, plan, kind="guidance.tier.changed", actor=by, obj=change, audience=Audience.STAFF,
                  summary=f"Guidance tier: {Tier(change.from_tier).label} → {Tier(to_tier).label}")
    audit_log("guidance.tier.changed", actor=by, org=profile.organisation, obj=change,
              data={"from": change.from_tier, "to": to_tier, "reasons": reasons})
    return change


def leaver_record(*, profile, left_on, by, org) -> LearnerGuidance:
    """Record that the learner left on ``left_on``: they join the destinations follow-up (the
    NEET list). When the adviser records it for a learner still enrolled at the school, the
    school is offered to end the enrolment (``leaver_offer_to_school``). ``org``: the
    learner's school (its staff) or the partner careers service."""
    _check_partner(org, profile.organisation_id)
    with transaction.atomic():
        guidance = learner_guidance_for(profile=profile)
        guidance.left_on = left_on
        guidance.save()
        follow_up_refresh(profile_ids=[profile.pk])
    audit_log("guidance.leaver.recorded", actor=by, org=profile.organisation, obj=guidance)
    if profile.is_active:
        leaver_offer_to_school(profile=profile, left_on=left_on, by=by)
    return guidance


def leaver_offer_to_school(*, profile, left_on, by) -> int:
    """Tell the school (the learner's key worker, else its careers leads and admins) that the
    careers service recorded the learner as a leaver, with a link to end the enrolment there
    (the school decides: nothing is ended for it). Returns the notifications created."""

    school = profile.organisation
    if profile.key_worker_id:
        recipient_ids = [profile.key_worker_id]
    else:
        recipient_ids = Membership.objects.for_org(school).filter(
            role__in=(Role.CAREERS_LEAD, Role.ORG_ADMIN), is_active=True).values("user_id")
    recipients = get_user_model().objects.filter(pk__in=recipient_ids)
    url = (reverse("learners:enrolment_end", kwargs={"org_slug": school.slug, "profile_id": profile.pk})
           + f"?left_on={left_on.isoformat()}")
    made = 0
    for user in recipients:
        made += bool(notification_create(
            org=school, user=user,
            kind="guidance.leaver_recorded",
            title=f"The careers service recorded that {profile.user} left on {left_on:%-d %B %Y}: "
                  f"end their enrolment here?"[:200],
            url=url, dedupe_key=f"guidance.leaver_recorded:{profile.pk}:{left_on.isoformat()}",
            learner_profile_id=profile.pk,
        ))
    audit_log("guidance.leaver.offered_to_school", actor=by, org=school, obj=profile,
              data={"left_on": left_on.isoformat(), "notified": made})
    return made


# Leavers of these target groups are followed up until settled (seed 000: the groups with
# careers adviser objectives; adults are not followed up by the careers service).
def follows_up(target_group: str) -> bool:
    return target_group in STATUTORY_GROUPS


def enrolment_ended(*, profile, left_on, by) -> LearnerGuidance | None:
    """The school ended the enrolment: a learner of a followed-up target group joins the
    destinations follow-up (``left_on``)."""
    figures_mark_stale(school_id=profile.organisation_id)  # one active learner fewer
    if not follows_up(profile.target_group):
        return None
    with transaction.atomic():
        guidance = learner_guidance_for(profile=profile)
        guidance.left_on = left_on
        guidance.save(update_fields=["left_on", "updated_at"])
        follow_up_refresh(profile_ids=[profile.pk])
    audit_log("guidance.leaver.recorded", actor=by, org=profile.organisation, obj=guidance,
              data={"from": "enrolment_end"})
    return guidance


def enrolment_restarted(*, profile, by) -> None:
    """Enrolled again: no longer a leaver to follow up."""
    figures_mark_stale(school_id=profile.organisation_id)
    with transaction.atomic():
        updated = LearnerGuidance.objects.for_org(profile.organisation_id).filter(
            profile=profile, left_on__isnull=False).update(left_on=None, updated_at=timezone.now())
        if updated:
            follow_up_refresh(profile_ids=[profile.pk])
    if updated:
        audit_log("guidance.leaver.cleared", actor=by, org=profile.organisation, obj=profile)


# --- Referrals --------------------------------------------------------------------------------


def _event(referral, to_status, by, note="", from_status=None):
    return ReferralEvent.objects.create(
        organisation_id=referral.organisation_id, referral=referral,
        from_status=referral.status if from_status is None else from_status,
        to_status=to_status, by=by, note=note,
    )


def referral_make(*, profile, source: str, by, reasons, suggested_tier: str = "", urgency: int = Urgency.ROUTINE,
                  notes: str = "", consent: bool = False, consent_wording: str = "", agency_name: str = "",
                  org, group_session=None, preferred_adviser=None, audience: str | None = None,
                  created_at=None) -> Referral:
    """Refer ``profile`` to specialist guidance. The learner's own request (``SELF``) is
    visible to them (audience PLAN); others default to STAFF. A learner's request needs consent.
    ``org``: the learner's school (its staff, the learner) or the partner careers service."""
    _check_partner(org, profile.organisation_id)
    reasons = [str(r) for r in reasons or ()]
    if not reasons or not set(reasons) <= set(ReferralReason.values):
        raise ValueError("choose at least one reason")
    if source == ReferralSource.SELF and not consent:
        raise ValueError("a learner's own request needs their consent")
    if source == ReferralSource.OTHER_AGENCY and not agency_name:
        raise ValueError("name the agency")
    if audience is None:
        audience = Audience.PLAN if source == ReferralSource.SELF else Audience.STAFF
    plan = selectors.active_plan_for(profile=profile)
    with transaction.atomic():
        referral = Referral(
            organisation_id=profile.organisation_id, profile=profile, plan=plan, source=source, referred_by=by,
            agency_name=agency_name, group_session=group_session, reasons=join_codes(reasons),
            suggested_tier=suggested_tier, urgency=urgency, notes=notes, consent=consent,
            consent_wording=consent_wording if consent else "", preferred_adviser=preferred_adviser,
            audience=audience, created_at=created_at or timezone.now(),
        )
        referral.full_clean()
        referral.save()
        _event(referral, ReferralStatus.NEW, by, from_status="", note=f"Referral made ({referral.get_source_display()})")
        ReferralEvent.objects.for_org(profile.organisation_id).filter(referral=referral).update(at=referral.created_at)
        figures_mark_stale(school_id=profile.organisation_id)
        _timeline(profile, plan, kind="guidance.referral.made", actor=by, obj=referral, audience=audience,
                  summary=f"Referred for careers guidance ({referral.get_source_display()})",
                  occurred_at=referral.created_at)
        if preferred_adviser is not None:
            guidance = learner_guidance_for(profile=profile)
            guidance.preferred_adviser = preferred_adviser
            guidance.save(update_fields=["preferred_adviser", "updated_at"])
    audit_log("guidance.referral.made", actor=by, org=profile.organisation, obj=referral,
              data={"source": source, "reasons": reasons})
    return referral


def _locked(referral) -> Referral:
    """The referral re-read and locked: a decision is taken on its current status, never on a
    copy loaded before someone else triaged it."""
    return (
        Referral.objects.for_org(referral.organisation_id).select_for_update(of=("self",))
        .select_related("profile__organisation", "profile__key_worker", "profile__user", "referred_by",
                        "triaged_by_service")
        .get(pk=referral.pk)
    )


def _transition(referral, to_status):
    if to_status not in REFERRAL_TRANSITIONS[ReferralStatus(referral.status)]:
        raise InvalidTransition(f"a referral {referral.get_status_display().lower()} cannot become {to_status}")


def referral_triage(*, referral, by, org, decision: str, note: str = "", allocated_adviser=None,
                    referred_on_to: str = "", review_on=None, tier_reasons=None) -> Referral:
    """Triage a NEW referral: accept into filtered or intensive (allocating an adviser; the
    learner's tier moves, with the referral's reasons for that tier unless ``tier_reasons`` are
    given), keep in core with advice, or refer on to another agency (named). Timestamped,
    recorded as an event, the referrer and the key worker notified."""
    _check_partner(org, referral.organisation_id, service_only=True)
    to_status = DECISION_STATUS[TriageDecision(decision)]
    with transaction.atomic():
        referral = _locked(referral)
        _transition(referral, to_status)
        if decision == TriageDecision.REFER_ON and not referred_on_to:
            raise ValueError("name the agency the learner is referred on to")
        if decision in (TriageDecision.ACCEPT_FILTERED, TriageDecision.ACCEPT_INTENSIVE):
            if allocated_adviser is None:
                raise ValueError("allocate an adviser")
            tier = Tier.FILTERED if decision == TriageDecision.ACCEPT_FILTERED else Tier.INTENSIVE
            allowed = {str(r) for r in REASONS_FOR_TIER[tier]}
            reasons = list(tier_reasons or [r for r in referral.reason_list if r in allowed])
            if not reasons:
                raise ValueError(f"choose the reason for {tier} guidance")
            tier_set(profile=referral.profile, to_tier=tier, reasons=reasons, by=by, org=org,
                     review_on=review_on or clock.today() + datetime.timedelta(weeks=6),
                     note=note, referral=referral, adviser=allocated_adviser)
        previous = referral.status
        referral.status = to_status
        referral.decision = decision
        referral.decision_note = note
        referral.triaged_at = timezone.now()
        referral.triaged_by = by
        referral.triaged_by_service = org
        referral.allocated_adviser = allocated_adviser
        referral.referred_on_to = referred_on_to
        referral.save()
        _event(referral, to_status, by, note=f"{TriageDecision(decision).label}. {note}".strip(), from_status=previous)
        figures_mark_stale(school_id=referral.organisation_id)
        _timeline(referral.profile, referral.plan, kind="guidance.referral.triaged", actor=by, obj=referral,
                  audience=referral.audience, restricted_roles=referral.restricted_role_list,
                  summary=f"Referral triaged: {TriageDecision(decision).label}")
        _notify_outcome(referral, title=f"Careers guidance referral: {TriageDecision(decision).label.lower()}")
    audit_log("guidance.referral.triaged", actor=by, org=referral.profile.organisation, obj=referral,
              data={"decision": decision})
    return referral


def _end(referral, to_status, by, *, note: str) -> Referral:
    """In the caller's transaction: the referral locked, moved to ``to_status`` (withdrawn or
    closed), its closing time stamped and the event recorded. Returns the locked referral."""
    referral = _locked(referral)
    _transition(referral, to_status)
    previous = referral.status
    referral.status = to_status
    referral.closed_at = timezone.now()
    referral.save()
    _event(referral, to_status, by, note=note, from_status=previous)
    return referral


def referral_withdraw(*, referral, by, org, note: str = "") -> Referral:
    """``org``: the learner's school (its staff) or the partner careers service."""
    _check_partner(org, referral.organisation_id)
    with transaction.atomic():
        referral = _end(referral, ReferralStatus.WITHDRAWN, by, note=note)
        figures_mark_stale(school_id=referral.organisation_id)
    audit_log("guidance.referral.withdrawn", actor=by, org=referral.profile.organisation, obj=referral)
    return referral


def referral_close(*, referral, by, feedback: str, org) -> Referral:
    """Follow up and feed back to the key worker (seed 000 objective), closing the referral."""
    _check_partner(org, referral.organisation_id, service_only=True)
    if not feedback.strip():
        raise ValueError("write the feedback for the key worker")
    with transaction.atomic():
        referral = _end(referral, ReferralStatus.CLOSED, by, note=feedback)
        _timeline(referral.profile, referral.plan, kind="guidance.referral.closed", actor=by, obj=referral,
                  audience=Audience.STAFF, summary="Guidance follow-up: feedback given to the key worker")
        _notify_outcome(referral, title="Careers guidance: feedback from the adviser", key_worker_only=True)
    audit_log("guidance.referral.closed", actor=by, org=referral.profile.organisation, obj=referral)
    return referral


def _school_url(name, school, **kwargs):
    return reverse(name, kwargs={"org_slug": school.slug, **kwargs})


def _notify_outcome(referral, *, title: str, key_worker_only: bool = False) -> None:
    """Tell the referrer and the learner's key worker (in-app + email), each only if the
    referral's audience lets them see it (``learners.permissions``): a learner hears about their
    own request, never about a staff-only referral."""
    profile = referral.profile
    school = profile.organisation
    recipients = []
    if profile.key_worker_id:
        recipients.append(profile.key_worker)
    if not key_worker_only and referral.referred_by_id and referral.referred_by_id not in {u.pk for u in recipients}:
        recipients.append(referral.referred_by)
    for user in recipients:
        is_learner = user.pk == profile.user_id
        if referral.plan is not None and is_learner:
            if not can_see(plan_viewer(plan=referral.plan, user=user), referral):
                continue
        elif is_learner and referral.audience != Audience.PLAN:
            continue
        if is_learner:
            url = reverse("me_guidance:index")
            org = school
        elif referral.source == ReferralSource.ADVISER and user.pk == referral.referred_by_id and \
                referral.triaged_by_service is not None:
            org = referral.triaged_by_service
            url = _school_url("guidance:referral_detail", org, referral_id=referral.pk)
        else:
            org = school
            url = _school_url("guidance:referral_detail", school, referral_id=referral.pk)
        notification_create(org=org, user=user, kind="guidance.referral", title=title, url=url,
                            dedupe_key=f"guidance.referral:{referral.pk}:{referral.status}:{user.pk}",
                            learner_profile_id=profile.pk)
        email_queue(
            to=user.email, subject=title, template="guidance/email/referral_outcome",
            context={"referral": referral, "recipient": user, "url": url, "title": title,
                     "is_learner": is_learner, "learner_name": profile.user.full_name},
            org=org, user=user, dedupe_key=f"guidance.referral:{referral.pk}:{referral.status}:{user.pk}",
            learner_profile_id=profile.pk,
        )


# --- Interviews and action plans --------------------------------------------------------------


def interview_record(*, profile, org, adviser, kind: str, held_on, summary: str, actions=(),
                     audience: str = Audience.PLAN, referral=None, group_session=None) -> Interview:
    """Record a guidance interview; each action ``(text, due_on)`` of its action plan becomes a
    careers target on the learner's active plan (area "careers", source "guidance.interview" +
    the interview id) — guidance fed back into the plan."""
    _check_partner(org, profile.organisation_id, service_only=True)
    if referral is not None and referral.profile_id != profile.pk:
        raise ValueError("the referral is about another learner")
    if referral is None:
        # Recorded from the learner's page or from the referral, an interview answers the
        # learner's accepted referral: its feedback then closes it and tells the key worker.
        referral = selectors.referral_in_progress(profile=profile)
    plan = selectors.active_plan_for(profile=profile)
    school = profile.organisation
    with transaction.atomic():
        interview = Interview(
            organisation=school, profile=profile, plan=plan, careers_service=org, adviser=adviser, kind=kind,
            held_on=held_on, summary=summary, audience=audience, referral=referral, group_session=group_session,
        )
        interview.full_clean()
        interview.save()
        area = target_area_get(org=school, code="careers") if plan is not None else None
        for text, due_on in actions:
            target = None
            if plan is not None:
                target = target_create(
                    org=school, plan=plan, by=adviser, set_by_role=SetByRole.STAFF, area=area, title=text[:300],
                    due_on=due_on, audience=audience, source_type="guidance.interview", source_id=str(interview.pk),
                    support_strategy=f"Agreed with the careers adviser ({interview.get_kind_display().lower()}).",
                )
            item = ActionItem(organisation=school, interview=interview, text=text, due_on=due_on, target=target)
            item.full_clean()
            item.save()
        _timeline(profile, plan, kind="guidance.interview", actor=adviser, obj=interview, audience=audience,
                  summary=f"{interview.get_kind_display()} with the careers adviser")
    audit_log("guidance.interview.recorded", actor=adviser, org=school, obj=interview,
              data={"actions": len(actions), "service": org.pk})
    return interview


def interview_feedback(*, interview, by, org, feedback: str) -> Interview:
    """Follow up and give feedback to the key worker: recorded, notified, on the timeline; a
    referral this interview answered is closed with the same feedback."""
    _check_partner(org, interview.organisation_id, service_only=True)
    if not feedback.strip():
        raise ValueError("write the feedback for the key worker")
    with transaction.atomic():
        interview.feedback_to_key_worker = feedback
        interview.feedback_at = timezone.now()
        interview.feedback_by = by
        interview.save(update_fields=["feedback_to_key_worker", "feedback_at", "feedback_by"])
        _timeline(interview.profile, interview.plan, kind="guidance.feedback", actor=by, obj=interview,
                  audience=Audience.STAFF, summary="Careers adviser's feedback to the key worker")
        referral = interview.referral
        if referral is not None:
            referral.refresh_from_db()
        if referral is not None and ReferralStatus.CLOSED in REFERRAL_TRANSITIONS[ReferralStatus(referral.status)]:
            referral_close(referral=referral, by=by, feedback=feedback, org=org)
        else:
            _feedback_to_key_worker(interview)
    audit_log("guidance.interview.feedback", actor=by, org=interview.profile.organisation, obj=interview)
    return interview


def _feedback_to_key_worker(interview) -> None:
    """Tell the learner's key worker (in-app + email) that the adviser fed back on an interview
    that answered no open referral (the referral's own closing tells them otherwise)."""
    profile = interview.profile
    if not profile.key_worker_id:
        return
    kw, school = profile.key_worker, profile.organisation
    title = "Careers guidance: feedback from the adviser"
    url = _school_url("guidance:interview_detail", school, interview_id=interview.pk)
    notification_create(org=school, user=kw, kind="guidance.feedback", title=title, url=url,
                        dedupe_key=f"guidance.feedback:{interview.pk}:{kw.pk}", learner_profile_id=profile.pk)
    email_queue(to=kw.email, subject=title, template="guidance/email/interview_feedback",
                context={"recipient": kw, "url": url, "title": title, "learner_name": profile.user.full_name},
                org=school, user=kw, dedupe_key=f"guidance.feedback:{interview.pk}:{kw.pk}",
                learner_profile_id=profile.pk)


# --- Group sessions ---------------------------------------------------------------------------


@dataclass
class AttendanceSaved:
    """What one save of a group session's attendance did, for the page to say."""

    attended: int = 0
    removed: int = 0
    referred: list = field(default_factory=list)  # profiles referred for an interview
    not_referred: list = field(default_factory=list)  # (profile, why) flagged but not referred again


def referral_not_needed_reasons(*, org_id, profile_ids, suggested_tier: str) -> dict[int, str]:
    """Why each of these learners must not be referred again for ``suggested_tier``: they
    already have an open referral (``OPEN_REFERRAL_STATUSES``), or they are already in that
    tier or above. Learners not in the result may be referred."""
    profile_ids = list(profile_ids)
    if not profile_ids:
        return {}
    reasons = {}
    tiers = dict(LearnerGuidance.objects.for_org(org_id).filter(profile_id__in=profile_ids)
                 .values_list("profile_id", "tier"))
    for profile_id, tier in tiers.items():
        if TIER_RANK[Tier(tier)] >= TIER_RANK[Tier(suggested_tier)] > 0:
            reasons[profile_id] = f"already has {Tier(tier).label.lower()} guidance"
    open_ids = Referral.objects.for_org(org_id).filter(
        profile_id__in=profile_ids, status__in=OPEN_REFERRAL_STATUSES).values_list("profile_id", flat=True)
    for profile_id in open_ids:
        reasons[profile_id] = "already has an open referral"
    return reasons


def group_session_create(*, school, org, adviser, held_on, topic: str,
                         learning_objectives: str = "") -> GroupSession:
    _check_partner(org, school.pk, service_only=True)
    session = GroupSession(organisation=school, careers_service=org, adviser=adviser, held_on=held_on,
                           topic=topic, learning_objectives=learning_objectives)
    session.full_clean()
    session.save()
    audit_log("guidance.group_session.recorded", actor=adviser, org=school, obj=session)
    return session


def group_session_attendance_save(*, session, org, by, attendance) -> AttendanceSaved:
    """Save the attendance of the learners in ``attendance`` ``[(profile, attended, flag), ...]``
    (one page of the register; other learners' rows are left as they are). A learner neither
    attending nor flagged is taken off the register. Each learner flagged unclear, unfocused or
    unrealistic is referred for an individual interview in the same action (source: adviser,
    reason: at a transition and unclear…, suggested tier filtered) — unless they already have
    an open referral or filtered/intensive guidance (``referral_not_needed_reasons``): then no
    second referral, and the result says who and why. A row that led to a referral stays."""
    _check_partner(org, session.organisation_id, service_only=True)
    school_id = session.organisation_id
    result = AttendanceSaved()
    attendance = list(attendance)
    if any(profile.organisation_id != school_id for profile, _, _ in attendance):
        raise ValueError("a learner of another school")
    if any(flag and not attended for _, attended, flag in attendance):
        raise ValueError("a learner flagged at a session must have attended it")
    with transaction.atomic():
        existing = {
            row.profile_id: row for row in GroupAttendance.objects.for_org(school_id).select_for_update()
            .filter(session=session, profile_id__in=[p.pk for p, _, _ in attendance])
        }
        flagged = [p.pk for p, attended, flag in attendance
                   if flag and not (p.pk in existing and existing[p.pk].referral_id)]
        not_needed = referral_not_needed_reasons(org_id=school_id, profile_ids=flagged, suggested_tier=Tier.FILTERED)
        for profile, attended, flag in attendance:
            row = existing.get(profile.pk)
            if row is not None and row.referral_id:
                continue  # referred from this session: the register keeps them
            if not attended:
                if row is not None:
                    row.delete()
                    result.removed += 1
                continue
            row = row or GroupAttendance(organisation_id=school_id, session=session, profile=profile)
            row.attended = True
            row.flag = flag or ""
            if flag and profile.pk in not_needed:
                result.not_referred.append((profile, not_needed[profile.pk]))
            elif flag:
                row.referral = referral_make(
                    profile=profile, source=ReferralSource.ADVISER, by=by,
                    reasons=[ReferralReason.TRANSITION_UNCLEAR], suggested_tier=Tier.FILTERED,
                    notes=f"Flagged as {AttendanceFlag(flag).label.lower()} at the group session “{session.topic}”.",
                    group_session=session, org=org,
                )
                result.referred.append(profile)
            row.save()
            result.attended += 1
    audit_log("guidance.group_session.attendance", actor=by, org=session.organisation, obj=session,
              data={"attended": result.attended, "removed": result.removed,
                    "referred": [p.pk for p in result.referred],
                    "not_referred": [p.pk for p, _ in result.not_referred]})
    return result


def group_session_record(*, school, org, adviser, held_on, topic: str, learning_objectives: str = "",
                         attendance=()) -> GroupSession:
    """Record a group session and its attendance in one action (``group_session_create`` then
    ``group_session_attendance_save``)."""
    with transaction.atomic():
        session = group_session_create(school=school, org=org, adviser=adviser, held_on=held_on,
                                       topic=topic, learning_objectives=learning_objectives)
        if attendance:
            group_session_attendance_save(session=session, org=org, by=adviser, attendance=attendance)
    return session


# --- Destinations -----------------------------------------------------------------------------


def destination_record(*, profile, by, kind: str, category: str, recorded_on, detail: str = "",
                       org, confirmed_how: str = "", follow_up_on=None) -> Destination:
    """``org``: the learner's school (its staff) or the partner careers service."""
    _check_partner(org, profile.organisation_id)
    plan = selectors.active_plan_for(profile=profile)
    with transaction.atomic():
        destination = Destination(
            organisation_id=profile.organisation_id, profile=profile, kind=kind, category=category, detail=detail,
            recorded_on=recorded_on, confirmed_by=by, confirmed_how=confirmed_how, follow_up_on=follow_up_on,
        )
        destination.full_clean()
        destination.save()
        if kind == DestinationKind.ACTUAL:
            follow_up_refresh(profile_ids=[profile.pk])
        figures_mark_stale(school_id=profile.organisation_id)
        _timeline(profile, plan, kind="guidance.destination", actor=by, obj=destination, audience=Audience.PLAN,
                  summary=f"{destination.get_kind_display()} destination: {destination.get_category_display()}")
    audit_log("guidance.destination.recorded", actor=by, org=profile.organisation, obj=destination)
    return destination


__all__ = [
    "CONSENT_WORDING", "REFERRAL_TRANSITIONS", "InvalidTransition", "Role",
]


def guidance_continue_after_transfer(*, transfer, receiving_profile, by) -> TierChange | None:
    """The learner consented to the transfer of their record (issue 13): a careers service with a
    CURRENT partnership with both the sending and the receiving organisation carries the
    learner's tier, review date and identified adviser over to the new organisation (a tier
    change there, noting where it came from; the history stays at the old one). No service
    working with both: nothing moves. Returns the new tier change, if any."""
    sending_profile = transfer.profile
    if sending_profile is None or receiving_profile is None:
        return None
    both = (Partnership.objects.system("careers services partnered with both organisations of a consented transfer")
            .filter(Partnership.current_q(), school_id__in=[transfer.organisation_id, receiving_profile.organisation_id])
            .values("organisation_id").annotate(schools=Count("school_id", distinct=True)).filter(schools=2))
    if not both.exists():
        return None
    old = LearnerGuidance.objects.for_org(transfer.organisation_id).filter(profile=sending_profile).first()
    if old is None:
        return None
    note = f"Continued from {transfer.organisation.name} with the learner's consent (record transfer)"
    if TierChange.objects.for_org(receiving_profile.organisation_id).filter(profile=receiving_profile,
                                                                           note=note).exists():
        return None  # carried over already (at consent, or at an earlier enrolment)
    with transaction.atomic():
        new = learner_guidance_for(profile=receiving_profile)
        change = TierChange.objects.create(
            organisation_id=receiving_profile.organisation_id, profile=receiving_profile, plan=None,
            from_tier=new.tier, to_tier=old.tier, review_on=old.review_on, decided_by=by, note=note,
            audience=Audience.STAFF)
        new.tier, new.review_on = old.tier, old.review_on
        if old.adviser_id:
            new.adviser_id = old.adviser_id
        new.save()
        figures_mark_stale(school_id=receiving_profile.organisation_id)
    audit_log("guidance.tier.continued", actor=by, org=receiving_profile.organisation, obj=change,
              data={"transfer": transfer.pk, "from_org": transfer.organisation_id, "tier": old.tier,
                    "adviser": old.adviser_id})
    audit_log("guidance.tier.continued", actor=by, org=transfer.organisation, obj=old,
              data={"transfer": transfer.pk, "to_org": receiving_profile.organisation_id})
    return change


def outcome_settings_update(*, authority, by, suppression_threshold: int, neet_target_percent,
                            not_known_target_percent, **age_bands):
    """A local authority's disclosure threshold and targets (issue 15); ``age_bands``: the
    ``first_band_*``/``second_band_*`` fields (left as they are when not given)."""
    settings = outcome_settings_get(authority=authority)
    settings.suppression_threshold = suppression_threshold
    settings.neet_target_percent = neet_target_percent
    settings.not_known_target_percent = not_known_target_percent
    for name, value in age_bands.items():
        if not name.startswith(("first_band_", "second_band_")):
            raise TypeError(f"unknown outcome setting {name}")
        setattr(settings, name, value)
    settings.save()
    audit_log("guidance.outcome_settings.updated", actor=by, org=authority, obj=settings)
    return settings
