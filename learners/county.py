"""County-scale data for the learners app (``manage.py seed_county``): for every learner a
profile and, for each academic year of history, a plan with ~15 targets, progress notes,
learning-journey entries, six-week log blocks and entries, concerns, subject reports, at-risk
history and the plan's timeline. Set-based (COPY), one organisation at a time."""

import datetime
from decimal import Decimal

from plp_portal import clock
from plp_portal.county import at
from plp_portal.organisations.choices import OrganisationKind as Kind
from plp_portal.organisations.choices import Role

from . import models as m
from .choices import (
    Audience,
    AuthorRole,
    ConcernCategory,
    ConcernStatus,
    Effort,
    LogEntryKind,
    PlanStatus,
    SetByRole,
    SignerRole,
    TargetGroup,
    TargetStatus,
    TargetTerm,
    TimelineKind,
)
from .services import at_risk_levels_seed_defaults, target_areas_seed_defaults

TARGETS_PER_YEAR = 15  # 3 long-term (the first is the final outcome) + 12 short-term
REVIEWS_PER_YEAR = 6
SUPPORT_NEEDS_SHARE = 0.18
SUBJECTS = ["English", "Mathematics", "Science", "ICT", "Vocational studies"]
GRADES = ["E1", "E2", "E3", "1", "2", "3", "4", "5", "6", "7"]
GROUPS_BY_KIND = {
    Kind.SCHOOL: [(TargetGroup.YEAR_7, "7"), (TargetGroup.YEAR_8, "8"), (TargetGroup.YEAR_9, "9"),
                  (TargetGroup.KEY_STAGE_4, "10"),
                  (TargetGroup.KEY_STAGE_4, "11"), (TargetGroup.POST_16_FULL_TIME, "12")],
    Kind.COLLEGE: [(TargetGroup.POST_16_FULL_TIME, "12"), (TargetGroup.POST_16_FULL_TIME, "13"),
                   (TargetGroup.HE_STUDENT, "HE"), (TargetGroup.EMPLOYED_ADULT, "Adult"),
                   (TargetGroup.UNEMPLOYED_ADULT, "Adult"), (TargetGroup.UNWAGED_ADULT, "Adult")],
    Kind.TRAINING_PROVIDER: [(TargetGroup.WORK_BASED_TRAINEE, "Trainee"),
                             (TargetGroup.UNEMPLOYED_YOUNG_PERSON, "NEET"),
                             (TargetGroup.EMPLOYED_YOUNG_PERSON, "Employed"),
                             (TargetGroup.SELF_EMPLOYED, "Adult")],
}


# Issue 13: one Year 11 pupil in LEAVER_EVERY has left this term (enrolment ended, plan closed);
# one leaver in TRANSFER_EVERY consented to a college of the county reading their record.
LEAVER_EVERY = 4
TRANSFER_EVERY = 2


def _at(day: datetime.date, hour=10) -> datetime.datetime:
    return at(day, hour)


def seed(county) -> None:
    from plp_portal.organisations.models import Organisation

    orgs = Organisation.objects.in_bulk(list(county.providers))
    colleges = [org_id for org_id, kind in county.providers.items() if kind == Kind.COLLEGE]
    total = 0
    for org_id, kind in county.providers.items():
        org = orgs[org_id]
        areas = {a.code: a.pk for a in target_areas_seed_defaults(org=org)}
        levels = [lv.pk for lv in at_risk_levels_seed_defaults(org=org)]
        total += _seed_org(county, org_id, kind, areas, levels, colleges)
        county.log(f"learners: {total:,} learners with plans")


def _seed_org(county, org_id, kind, areas, levels, colleges=()) -> int:  # noqa: C901 - one pass per table
    rng, w, today = county.rng, county.writer, county.today
    learner_ids = county.learners[org_id]
    key_workers = county.staff_of(org_id, Role.KEY_WORKER)
    tutors = county.staff_of(org_id, Role.SUBJECT_TUTOR) or key_workers
    groups = GROUPS_BY_KIND[kind]
    area_codes = [c for c in areas if c != "vocational"]
    profile_ids = w.ids(m.LearnerProfile, len(learner_ids))
    n_plans = len(learner_ids) * len(county.years)
    plan_ids = iter(w.ids(m.Plan, n_plans))
    target_ids = iter(w.ids(m.Target, n_plans * TARGETS_PER_YEAR))
    block_ids = iter(w.ids(m.LogBlock, n_plans * REVIEWS_PER_YEAR))
    tables = {model: [] for model in (
        m.LearnerProfile, m.AtRiskStatus, m.Plan, m.PlanSignature, m.Target, m.TargetProgress,
        m.NarrativeEntry, m.LogBlock, m.LogEntry, m.Concern, m.SubjectReport, m.TimelineEvent,
        m.EnrolmentEnd, m.RecordTransfer)}
    add = {model: rows.append for model, rows in tables.items()}
    base = {"organisation_id": org_id}

    def event(plan_id, kind_, summary, when, actor, audience=Audience.PLAN):
        add[m.TimelineEvent]({**base, "plan_id": plan_id, "kind": kind_, "summary": summary,
                              "occurred_at": when, "actor_id": actor, "audience": audience})

    for index, (profile_id, user_id) in enumerate(zip(profile_ids, learner_ids)):
        key_worker = key_workers[index % len(key_workers)]
        group, year_group = groups[index % len(groups)]
        needs = rng.random() < SUPPORT_NEEDS_SHARE
        cohort = index // len(groups)
        leaver = kind == Kind.SCHOOL and year_group == "11" and cohort % LEAVER_EVERY == 0
        left_on = max(county.year_start(county.years[-1]), today - datetime.timedelta(days=21))
        level = levels[min(int(rng.random() ** 2 * len(levels)), len(levels) - 1)]
        add[m.LearnerProfile]({
            **base, "id": profile_id, "user_id": user_id, "target_group": group,
            "year_group": year_group, "tutor_group": f"{year_group}{'ABCD'[index % 4]}",
            "date_of_birth": datetime.date(2008 + index % 8, 1 + index % 12, 1 + index % 28),
            "attendance_percent": Decimal(f"{rng.uniform(80, 100):.2f}"),
            "support_needs": "Needs extra time and a reader in assessments." if needs else "",
            "learning_difficulties_disabilities": "Dyslexia" if needs else "",
            "support_need_areas": [rng.choice(["english", "maths"])] if needs else [],
            "strengths_own_words": "I work hard and get on with people.",
            "key_worker_id": key_worker, "at_risk_level_id": level, "is_active": not leaver,
        })
        if leaver:
            add[m.EnrolmentEnd]({**base, "profile_id": profile_id, "left_on": left_on, "reason": "moved_school",
                                 "open_targets": "withdraw", "closing_note": "Left for college.",
                                 "recorded_by_id": key_worker, "recorded_at": _at(left_on)})
            if colleges and cohort % (LEAVER_EVERY * TRANSFER_EVERY) == 0:
                add[m.RecordTransfer]({**base, "profile_id": profile_id, "learner_id": user_id,
                                       "receiving_organisation_id": colleges[index % len(colleges)],
                                       "status": "consented", "requested_by_id": user_id,
                                       "consented_by_id": user_id, "requested_at": _at(left_on),
                                       "decided_at": _at(left_on)})
        add[m.AtRiskStatus]({**base, "profile_id": profile_id, "level_id": level,
                             "reason": "Reviewed at the start of the year", "set_by_id": key_worker,
                             "set_at": _at(county.year_start(county.years[-1]))})
        for year in county.years:
            current = year == county.years[-1]
            start, end = county.year_start(year), county.year_end(year)
            plan_id = next(plan_ids)
            add[m.Plan]({**base, "id": plan_id, "profile_id": profile_id,
                         "programme_name": f"{clock.academic_year_label(year)} programme",
                         "long_term_goal": "To get onto an apprenticeship in engineering.",
                         "anticipated_destination": "Apprenticeship", "starts_on": start,
                         "ends_on": end, "created_by_id": key_worker,
                         "status": PlanStatus.ACTIVE if current and not leaver else PlanStatus.CLOSED,
                         "closed_at": _at(left_on) if current and leaver else None})
            event(plan_id, TimelineKind.PLAN_CREATED, "Plan created", _at(start), key_worker)
            if current and leaver:
                add[m.NarrativeEntry]({**base, "plan_id": plan_id, "author_id": key_worker,
                                       "author_role": AuthorRole.KEY_WORKER, "created_at": _at(left_on),
                                       "text": f"Left on {left_on:%-d %B %Y} (moved school). Left for college."})
                event(plan_id, TimelineKind.PLAN_CLOSED, "Plan closed", _at(left_on), key_worker)
            for role, signer in ((SignerRole.LEARNER, user_id), (SignerRole.TUTOR, key_worker)):
                add[m.PlanSignature]({**base, "plan_id": plan_id, "signer_id": signer,
                                      "role": role, "signed_at": _at(start + datetime.timedelta(days=7)),
                                      "plan_version": 1})
            long_ids = []
            for t in range(TARGETS_PER_YEAR):
                target_id = next(target_ids)
                long_term = t < 3
                due = end if t == 0 else start + datetime.timedelta(days=20 + t * 20)
                if due < today:
                    status = rng.choice([TargetStatus.ACHIEVED] * 3 + [
                        TargetStatus.PARTLY_ACHIEVED, TargetStatus.NOT_ACHIEVED])
                else:
                    status = rng.choice([TargetStatus.NOT_STARTED, TargetStatus.IN_PROGRESS])
                set_by_learner = t % 5 == 4
                set_on = start + datetime.timedelta(days=3 + t * 15)
                add[m.Target]({
                    **base, "id": target_id, "plan_id": plan_id,
                    "term": TargetTerm.LONG if long_term else TargetTerm.SHORT,
                    "parent_id": None if long_term else long_ids[t % 3],
                    "area_id": areas["vocational"] if t == 0 else areas[area_codes[t % len(area_codes)]],
                    "title": "Achieve the course outcome: merit" if t == 0 else f"Target {t} of {year}",
                    "success_criteria": "Evidence agreed with my tutor.", "due_on": due,
                    "is_final_outcome": t == 0,
                    "set_by_id": user_id if set_by_learner else key_worker,
                    "set_by_role": SetByRole.LEARNER if set_by_learner else SetByRole.STAFF,
                    "approved_by_id": key_worker, "approved_at": _at(set_on),
                    "status": status, "audience": Audience.PLAN,
                })
                if long_term:
                    long_ids.append(target_id)
                event(plan_id, TimelineKind.TARGET_SET, f"Target set: target {t}", _at(set_on),
                      key_worker)
                if status != TargetStatus.NOT_STARTED:
                    noted = min(due, today) - datetime.timedelta(days=2)
                    add[m.TargetProgress]({**base, "target_id": target_id, "status": status,
                                           "note": "Progress discussed at review.",
                                           "recorded_by_id": key_worker, "recorded_at": _at(noted)})
                    if status == TargetStatus.ACHIEVED:
                        event(plan_id, TimelineKind.TARGET_ACHIEVED, f"Target achieved: target {t}",
                              _at(noted), key_worker)
            for r in range(REVIEWS_PER_YEAR):
                block_start = start + datetime.timedelta(weeks=6 * r)
                block_end = block_start + datetime.timedelta(days=41)
                block_id = next(block_ids)
                filed = block_end < today
                add[m.LogBlock]({**base, "id": block_id, "plan_id": plan_id,
                                 "starts_on": block_start, "ends_on": block_end,
                                 "filed_at": _at(block_end) if filed else None,
                                 "filed_by_id": key_worker if filed else None})
                if block_start > today:
                    continue
                written = min(block_start + datetime.timedelta(days=10), today)
                add[m.LogEntry]({**base, "plan_id": plan_id, "block_id": block_id,
                                 "author_id": user_id, "kind": LogEntryKind.ACTIVITY_DIARY,
                                 "written_on": written, "title": "This week",
                                 "what_learned": "How to plan my coursework.",
                                 "enjoyed": "The practical session.",
                                 "found_difficult": "Fractions.", "ecm_outcomes": ["enjoy_and_achieve"]})
                if filed:
                    add[m.NarrativeEntry]({**base, "plan_id": plan_id, "author_id": key_worker,
                                           "author_role": AuthorRole.KEY_WORKER,
                                           "text": "Good progress this half term; next step agreed.",
                                           "created_at": _at(block_end)})
                    event(plan_id, TimelineKind.NARRATIVE_ADDED, "Learning journey entry added",
                          _at(block_end), key_worker)
            if rng.random() < 0.3:
                raised = start + datetime.timedelta(days=rng.randrange(20, 200))
                if raised <= today:
                    resolved = not current or rng.random() < 0.5
                    add[m.Concern]({**base, "plan_id": plan_id,
                                    "category": rng.choice(list(ConcernCategory)),
                                    "description": "Attendance has dropped this month.",
                                    "raised_by_id": key_worker, "owner_id": key_worker,
                                    "follow_up_how": "Meeting with learner and parent",
                                    "follow_up_on": raised + datetime.timedelta(days=14),
                                    "status": ConcernStatus.RESOLVED if resolved else ConcernStatus.OPEN,
                                    "resolved_at": _at(raised) if resolved else None,
                                    "created_at": _at(raised), "audience": Audience.STAFF})
                    event(plan_id, TimelineKind.CONCERN_RAISED, "Concern raised", _at(raised),
                          key_worker, Audience.STAFF)
            for term_offset in (60, 200):
                reported = start + datetime.timedelta(days=term_offset)
                if reported > today:
                    continue
                for subject in SUBJECTS[: 3 + index % 3]:
                    add[m.SubjectReport]({**base, "plan_id": plan_id, "subject": subject,
                                          "working_at_grade": rng.choice(GRADES),
                                          "target_grade": rng.choice(GRADES[4:]),
                                          "attendance_percent": Decimal(f"{rng.uniform(80, 100):.2f}"),
                                          "effort": rng.choice(list(Effort)),
                                          "comment": "Steady work.",
                                          "author_id": tutors[index % len(tutors)],
                                          "reported_on": reported})
                event(plan_id, TimelineKind.SUBJECT_REPORT_ADDED, "Subject reports added",
                      _at(reported), tutors[index % len(tutors)])
    for model, rows in tables.items():
        if rows and "id" not in rows[0]:
            ids = w.ids(model, len(rows))
            for row, row_id in zip(rows, ids):
                row["id"] = row_id
        w.copy(model, rows)
    return len(learner_ids)
