"""County-scale data for the guidance app (``manage.py seed_county``; runs after learners).

* The careers service: its settings and expected tier shares (ORM, one row each), and a
  partnership with EVERY school, college and provider for each academic year of history (past
  years' objectives met or not met, this year's in progress), two named advisers each.
* Every learner: a ``LearnerGuidance`` row — most core, some filtered or intensive in the
  proportions the service expects for their target group — with the tier history behind it
  (a referral accepted at triage, with its events; some earlier moves back to core).
* Open referrals (status NEW, waiting for triage) for ~13% of learners (~20,000 at the county
  preset) from every source, some older than the triage target; triaged referrals (kept in
  core, referred on, withdrawn, closed after feedback) with their events.
* Interviews for learners in filtered/intensive guidance and some core clinic drop-ins, each
  with an action plan whose actions became careers targets on the learner's active plan.
* Destinations: intended ones for learners in leaving years, actual ones for recent leavers.

Set-based (COPY); rows belong to the learner's school, ``careers_service`` records the service."""

from __future__ import annotations

import datetime

from learners import models as lm
from learners.choices import (
    CAREERS_AREA_CODE,
    Audience,
    PlanStatus,
    SetByRole,
    TargetStatus,
    TargetTerm,
)
from plp_portal.seeding.county import at
from plp_portal.organisations.choices import Role

from .. import models as m
from ..choices import (
    FILTERED_REASONS, INTENSIVE_REASONS, DestinationCategory, DestinationKind, InterviewKind,
    ObjectiveStatus, ReferralReason, ReferralSource, ReferralStatus, Tier, TriageDecision, Urgency,
)
from ..models import join_codes
from ..follow_up import follow_up_refresh
from ..objectives import DEFAULT_EXPECTED_PERCENT, DEFAULT_OBJECTIVES
from ..services import CONSENT_WORDING, academic_year_dates, expected_shares_seed_defaults

OPEN_REFERRAL_SHARE = 0.13
LEAVING_YEAR_GROUPS = {"11", "13", "HE", "NEET"}
AGENCIES = ["Youth Offending Service", "Early Help", "Connexions Plus", "Job Centre Plus"]
TIMELINE = {"referral": "guidance.referral.made", "triaged": "guidance.referral.triaged",
            "interview": "guidance.interview", "tier": "guidance.tier.changed"}


def _at(day: datetime.date, hour=11) -> datetime.datetime:
    return at(day, hour)


def seed(county) -> None:
    from plp_portal.organisations.models import Organisation

    service_id = county.careers_service_id
    service = Organisation.objects.get(pk=service_id)
    m.ServiceSettings.objects.for_org(service).get_or_create(organisation=service)
    expected_shares_seed_defaults(org=service)
    _partnerships(county)
    counts = {"open": 0, "all": 0}
    for org_id in county.providers:
        _seed_org(county, org_id, counts)
        county.log(f"guidance: {counts['all']:,} referrals ({counts['open']:,} waiting for triage)")
    from ..figures import figures_refresh

    follow_up_refresh()  # the NEET list's marker, set-based over the leavers and destinations made
    figures_refresh(school_ids=list(county.providers))  # the dashboard's summary of what was made
    county.log("guidance: NEET list marked, dashboard figures computed")


def _partnerships(county) -> None:
    rng, w = county.rng, county.writer
    service_id = county.careers_service_id
    advisers = county.staff_of(service_id, Role.CAREERS_ADVISER)
    admin = county.staff_of(service_id, Role.ORG_ADMIN)[0]
    groups_by_org = _groups_by_org(county)
    partnerships, named, objectives = [], [], []
    ids = iter(w.ids(m.Partnership, len(county.providers) * len(county.years)))
    for n, (org_id, _kind) in enumerate(county.providers.items()):
        for year in county.years:
            current = year == county.years[-1]
            starts_on, ends_on = academic_year_dates(year)
            pid = next(ids)
            # Accepted by the school's head or organisation admin a fortnight before it starts.
            school_admin = (county.staff_of(org_id, Role.ORG_ADMIN) or county.staff_of(org_id, Role.CAREERS_LEAD)
                            or county.staff_of(org_id, Role.KEY_WORKER))[0]
            decided_at = at(starts_on - datetime.timedelta(days=14))
            partnerships.append({
                "id": pid, "organisation_id": service_id, "school_id": org_id, "academic_year": year,
                "starts_on": starts_on, "ends_on": ends_on, "ended_at": None,
                "status": "accepted", "decided_at": decided_at, "decided_by_id": school_admin,
                "referral_process": "Key workers refer through PLP Portal; urgent cases by phone.",
                "clinic_sessions": "Tuesday lunchtime drop-in in the library.", "created_by_id": admin,
            })
            for adviser in {advisers[n % len(advisers)], advisers[(n + 1) % len(advisers)]}:
                named.append({"organisation_id": service_id, "partnership_id": pid, "adviser_id": adviser})
            for group in groups_by_org[org_id]:
                for order, text in enumerate(DEFAULT_OBJECTIVES.get(group, []), start=1):
                    if current:
                        status = rng.choice([ObjectiveStatus.NOT_STARTED, ObjectiveStatus.IN_PROGRESS,
                                             ObjectiveStatus.IN_PROGRESS, ObjectiveStatus.MET])
                    else:
                        status = rng.choice([ObjectiveStatus.MET] * 3 + [ObjectiveStatus.NOT_MET])
                    objectives.append({
                        "organisation_id": service_id, "partnership_id": pid, "target_group": group,
                        "order": order, "text": text, "status": status,
                        "evidence": "" if status == ObjectiveStatus.NOT_STARTED else "Tutor briefing held; notes filed.",
                    })
    w.copy(m.Partnership, partnerships)
    for model, rows in ((m.PartnershipAdviser, named), (m.PartnershipObjective, objectives)):
        for row, row_id in zip(rows, w.ids(model, len(rows))):
            row["id"] = row_id
        w.copy(model, rows)
    county.log(f"guidance: {len(partnerships):,} partnerships")


def _groups_by_org(county) -> dict[int, list[str]]:
    groups: dict[int, set[str]] = {org_id: set() for org_id in county.providers}
    for org_id, group in (lm.LearnerProfile.objects.for_orgs(list(county.providers))
                          .values_list("organisation_id", "target_group").distinct()):
        groups[org_id].add(group)
    return {org_id: sorted(g) for org_id, g in groups.items()}


def _tier_for(rng, group) -> str:
    filtered, intensive = DEFAULT_EXPECTED_PERCENT.get(group, (10, 5))
    roll = rng.random() * 100
    if roll < intensive * 0.8:
        return Tier.INTENSIVE
    if roll < (intensive + filtered) * 0.8:
        return Tier.FILTERED
    return Tier.CORE


def _seed_org(county, org_id, counts) -> None:  # noqa: C901 - one pass per table
    rng, w, today = county.rng, county.writer, county.today
    service_id = county.careers_service_id
    base = {"organisation_id": org_id}
    advisers = county.staff_of(service_id, Role.CAREERS_ADVISER)
    careers_lead = (county.staff_of(org_id, Role.CAREERS_LEAD) or county.staff_of(org_id, Role.ORG_ADMIN))[0]
    area_id = (lm.TargetArea.objects.for_org(org_id).filter(code=CAREERS_AREA_CODE)
               .values_list("pk", flat=True).first())
    profiles = list(lm.LearnerProfile.objects.for_org(org_id).order_by("pk").values_list(
        "pk", "user_id", "key_worker_id", "target_group", "year_group"))
    active_plan = dict(lm.Plan.objects.for_org(org_id).filter(status=PlanStatus.ACTIVE)
                       .values_list("profile_id", "pk"))
    year_start = county.year_start(county.years[-1])
    days_in = max(1, (today - year_start).days)
    rows = {model: [] for model in (m.LearnerGuidance, m.TierChange, m.Referral, m.ReferralEvent,
                                    m.Interview, m.ActionItem, m.Destination, lm.Target, lm.TimelineEvent)}
    ref_ids = iter(w.ids(m.Referral, len(profiles) * 3))
    interview_ids = iter(w.ids(m.Interview, len(profiles) * 4))
    target_ids = iter(w.ids(lm.Target, len(profiles) * 8))

    def timeline(plan_id, kind, summary, when, actor, obj_type, obj_id, audience=Audience.STAFF):
        if plan_id:
            rows[lm.TimelineEvent].append({**base, "plan_id": plan_id, "kind": kind, "summary": summary,
                                           "occurred_at": when, "actor_id": actor, "object_type": obj_type,
                                           "object_id": str(obj_id), "audience": audience})

    def referral(profile_id, plan_id, key_worker, learner, source, reasons, made_on, **extra):
        rid = next(ref_ids)
        audience = Audience.PLAN if source == ReferralSource.SELF else Audience.STAFF
        by = {ReferralSource.KEY_WORKER: key_worker, ReferralSource.SELF: learner,
              ReferralSource.ADVISER: advisers[rid % len(advisers)], ReferralSource.OTHER_AGENCY: key_worker}[source]
        row = {**base, "id": rid, "profile_id": profile_id, "plan_id": plan_id, "source": source,
               "referred_by_id": by, "agency_name": rng.choice(AGENCIES) if source == ReferralSource.OTHER_AGENCY else "",
               "group_session_id": None, "reasons": join_codes(reasons), "suggested_tier": "",
               "urgency": rng.choice([Urgency.ROUTINE] * 6 + [Urgency.SOON] * 3 + [Urgency.URGENT]),
               "notes": "Unsure about options after this year.", "consent": source == ReferralSource.SELF,
               "consent_wording": CONSENT_WORDING if source == ReferralSource.SELF else "",
               "preferred_adviser_id": None, "status": ReferralStatus.NEW, "created_at": _at(made_on, 9),
               "audience": audience, "closed_at": None}
        row.update(extra)
        rows[m.Referral].append(row)
        rows[m.ReferralEvent].append({**base, "referral_id": rid, "from_status": "", "to_status": ReferralStatus.NEW,
                                      "note": "Referral made", "by_id": by, "at": _at(made_on, 9)})
        timeline(plan_id, TIMELINE["referral"], "Referred for careers guidance", _at(made_on, 9), by,
                 "guidance.referral", rid, audience)
        counts["all"] += 1
        return rid, by

    def triage(rid, plan_id, made_on, decision, status, adviser, after_days):
        when = _at(min(today, made_on + datetime.timedelta(days=after_days)), 14)
        row = rows[m.Referral][-1]
        row.update(status=status, decision=decision, decision_note="Discussed with the key worker.",
                   triaged_at=when, triaged_by_id=adviser, triaged_by_service_id=service_id,
                   allocated_adviser_id=adviser if status == ReferralStatus.ACCEPTED else None,
                   referred_on_to=rng.choice(AGENCIES) if decision == TriageDecision.REFER_ON else "")
        rows[m.ReferralEvent].append({**base, "referral_id": rid, "from_status": ReferralStatus.NEW,
                                      "to_status": status, "note": TriageDecision(decision).label,
                                      "by_id": adviser, "at": when})
        timeline(plan_id, TIMELINE["triaged"], f"Referral triaged: {TriageDecision(decision).label}", when,
                 adviser, "guidance.referral", rid, row["audience"])
        return when

    def interview(profile_id, plan_id, adviser, held_on, kind, referral_id=None):
        iid = next(interview_ids)
        rows[m.Interview].append({**base, "id": iid, "profile_id": profile_id, "plan_id": plan_id,
                                  "careers_service_id": service_id, "adviser_id": adviser, "referral_id": referral_id,
                                  "group_session_id": None, "kind": kind, "held_on": held_on,
                                  "summary": "Talked through options after this year; agreed next steps.",
                                  "feedback_to_key_worker": "Agreed two actions; please follow up at review.",
                                  "feedback_at": _at(held_on, 16), "feedback_by_id": adviser,
                                  "audience": Audience.PLAN})
        for n, text in enumerate(("Research two apprenticeships in the area", "Visit a college open day")):
            due = held_on + datetime.timedelta(weeks=3 + 3 * n)
            target_id = next(target_ids) if plan_id and area_id else None
            if target_id:
                rows[lm.Target].append({
                    **base, "id": target_id, "plan_id": plan_id, "term": TargetTerm.SHORT, "parent_id": None,
                    "area_id": area_id, "title": text, "due_on": due, "set_by_id": adviser,
                    "set_by_role": SetByRole.STAFF, "approved_by_id": adviser, "approved_at": _at(held_on, 15),
                    "status": TargetStatus.ACHIEVED if due < today else TargetStatus.NOT_STARTED,
                    "source_type": "guidance.interview", "source_id": str(iid),
                    "support_strategy": f"Agreed with the careers adviser ({InterviewKind(kind).label.lower()}).",
                    "audience": Audience.PLAN})
            rows[m.ActionItem].append({**base, "interview_id": iid, "text": text, "due_on": due,
                                       "target_id": target_id})
        timeline(plan_id, TIMELINE["interview"], f"{InterviewKind(kind).label} with the careers adviser",
                 _at(held_on, 15), adviser, "guidance.interview", iid, Audience.PLAN)

    for index, (profile_id, learner, key_worker, group, year_group) in enumerate(profiles):
        plan_id = active_plan.get(profile_id)
        adviser = advisers[(org_id + index) % len(advisers)]
        tier = _tier_for(rng, group)
        review_on = None
        guidance_adviser = None
        if tier != Tier.CORE:
            reasons = [rng.choice(FILTERED_REASONS if tier == Tier.FILTERED else INTENSIVE_REASONS)]
            made_on = year_start + datetime.timedelta(days=rng.randrange(0, days_in))
            rid, _by = referral(profile_id, plan_id, key_worker, learner,
                                rng.choice([ReferralSource.KEY_WORKER] * 3 + [ReferralSource.SELF]),
                                reasons, made_on)
            decision = TriageDecision.ACCEPT_FILTERED if tier == Tier.FILTERED else TriageDecision.ACCEPT_INTENSIVE
            when = triage(rid, plan_id, made_on, decision, ReferralStatus.ACCEPTED, adviser, rng.randint(1, 9))
            review_on = when.date() + datetime.timedelta(weeks=6)
            guidance_adviser = adviser
            if index % 5 == 0:  # an earlier spell in filtered guidance, back to core last year
                earlier = county.year_start(county.years[0]) + datetime.timedelta(days=60)
                for from_tier, to_tier, day, why in ((Tier.CORE, Tier.FILTERED, earlier, [FILTERED_REASONS[0]]),
                                                     (Tier.FILTERED, Tier.CORE, earlier + datetime.timedelta(days=120), [])):
                    rows[m.TierChange].append({**base, "profile_id": profile_id, "plan_id": None,
                                               "from_tier": from_tier, "to_tier": to_tier, "reasons": join_codes(why),
                                               "note": "", "review_on": None, "decided_by_id": adviser,
                                               "decided_at": _at(day, 12), "referral_id": None,
                                               "audience": Audience.STAFF})
            rows[m.TierChange].append({**base, "profile_id": profile_id, "plan_id": plan_id, "from_tier": Tier.CORE,
                                       "to_tier": tier, "reasons": join_codes(reasons), "note": "Accepted at triage.",
                                       "review_on": review_on, "decided_by_id": adviser, "decided_at": when,
                                       "referral_id": rid, "audience": Audience.STAFF})
            timeline(plan_id, TIMELINE["tier"], f"Guidance tier: Core → {Tier(tier).label}", when, adviser,
                     "guidance.tierchange", rid)
            for k in range(1 if tier == Tier.FILTERED else 2):
                held = min(today - datetime.timedelta(days=1), when.date() + datetime.timedelta(days=7 + 21 * k))
                interview(profile_id, plan_id, adviser, held, InterviewKind.INDIVIDUAL, rid)
        elif rng.random() < 0.1:
            interview(profile_id, plan_id, adviser, year_start + datetime.timedelta(days=rng.randrange(0, days_in)),
                      InterviewKind.CLINIC)
        if rng.random() < OPEN_REFERRAL_SHARE:
            source = rng.choice(list(ReferralSource))
            reasons = rng.sample([ReferralReason.INFORMATION, *FILTERED_REASONS, *INTENSIVE_REASONS], 2)
            # Most are recent; about a third have waited past the triage target (5 school days).
            waited = rng.randint(0, 6) if rng.random() < 0.65 else rng.randint(8, 40)
            referral(profile_id, plan_id, key_worker, learner, source, reasons,
                     today - datetime.timedelta(days=waited))
            counts["open"] += 1
        elif rng.random() < 0.08:  # triaged earlier without a tier move
            made_on = year_start + datetime.timedelta(days=rng.randrange(0, days_in))
            rid, by = referral(profile_id, plan_id, key_worker, learner, ReferralSource.KEY_WORKER,
                               [ReferralReason.INFORMATION], made_on)
            outcome = rng.choice([(TriageDecision.KEEP_IN_CORE, ReferralStatus.KEPT_IN_CORE),
                                  (TriageDecision.REFER_ON, ReferralStatus.REFERRED_ON), (None, ReferralStatus.WITHDRAWN),
                                  (TriageDecision.KEEP_IN_CORE, ReferralStatus.CLOSED)])
            decision, status = outcome
            if decision is None:
                rows[m.Referral][-1].update(status=status, closed_at=_at(min(today, made_on + datetime.timedelta(days=2))))
                rows[m.ReferralEvent].append({**base, "referral_id": rid, "from_status": ReferralStatus.NEW,
                                              "to_status": status, "note": "No longer needed.", "by_id": by,
                                              "at": _at(min(today, made_on + datetime.timedelta(days=2)), 12)})
            else:
                first = ReferralStatus.KEPT_IN_CORE if status == ReferralStatus.CLOSED else status
                when = triage(rid, plan_id, made_on, decision, first, adviser, rng.randint(1, 12))
                if status == ReferralStatus.CLOSED:
                    closed = when + datetime.timedelta(days=5)
                    rows[m.Referral][-1].update(status=status, closed_at=min(closed, _at(today, 8)))
                    rows[m.ReferralEvent].append({**base, "referral_id": rid, "from_status": first,
                                                  "to_status": status, "note": "Feedback given to the key worker.",
                                                  "by_id": adviser, "at": min(closed, _at(today, 8))})
        left_on = None
        if year_group in LEAVING_YEAR_GROUPS:
            if rng.random() < 0.08:  # left this year: an actual destination, followed up if not settled
                left_on = year_start + datetime.timedelta(days=rng.randrange(0, days_in))
                category = rng.choice([DestinationCategory.EDUCATION, DestinationCategory.APPRENTICESHIP,
                                       DestinationCategory.EMPLOYMENT_WITH_TRAINING, DestinationCategory.NEET,
                                       DestinationCategory.UNKNOWN])
                unsettled = category in (DestinationCategory.NEET, DestinationCategory.UNKNOWN)
                rows[m.Destination].append({**base, "profile_id": profile_id, "kind": DestinationKind.ACTUAL,
                                            "category": category, "detail": "", "recorded_on": left_on,
                                            "confirmed_by_id": adviser, "confirmed_how": "Phone call with the learner",
                                            "follow_up_on": left_on + datetime.timedelta(weeks=4) if unsettled else None,
                                            "created_at": _at(left_on)})
            elif rng.random() < 0.7:
                recorded = year_start + datetime.timedelta(days=rng.randrange(0, days_in))
                rows[m.Destination].append({
                    **base, "profile_id": profile_id, "kind": DestinationKind.INTENDED,
                    "category": rng.choice([DestinationCategory.EDUCATION] * 3 + [DestinationCategory.APPRENTICESHIP,
                                            DestinationCategory.EMPLOYMENT_WITH_TRAINING]),
                    "detail": "Level 3 course at the local college", "recorded_on": recorded,
                    "confirmed_by_id": careers_lead, "confirmed_how": "Options interview", "follow_up_on": None,
                    "created_at": _at(recorded)})
        rows[m.LearnerGuidance].append({**base, "profile_id": profile_id, "tier": tier, "review_on": review_on,
                                        "adviser_id": guidance_adviser, "preferred_adviser_id": None,
                                        "left_on": left_on})
    for model, model_rows in rows.items():
        if model_rows and "id" not in model_rows[0]:
            for row, row_id in zip(model_rows, w.ids(model, len(model_rows))):
                row["id"] = row_id
        w.copy(model, model_rows)
