"""County-scale data for the keyworkers app (``manage.py seed_county``; runs after learners).

For every learner: the key-worker assignment that ``LearnerProfile.key_worker`` mirrors (some
with an earlier, ended assignment), a few team members, and for every plan its progress reviews
numbered 1, 2, 3… with no gaps — six a year, signed off in the past (an occasional one
cancelled, keeping its number) — and exactly ONE open review per active plan: some due this
week, some overdue (past the escalation point too), some in progress with a draft, the rest on
the half-termly schedule. Completed reviews evaluate the short-term targets due in their period
(one INSERT … SELECT). Set-based: COPY per organisation, ORM only for the per-organisation
settings row."""

from __future__ import annotations

import datetime

from django.db import connection

from learners import models as lm
from learners.choices import PlanStatus
from plp_portal.seeding.county import at
from plp_portal.organisations.choices import Role

from ..choices import KeyWorkerType, ReviewStatus, TeamRole, TimelineKind
from ..models import KeyWorkerAssignment, Review, ReviewSettings, ReviewTargetEvaluation, TeamMember

REVIEWS_PER_YEAR = 6
REVIEW_WEEKS = 6  # half-termly, roughly
OVERDUE_SHARE = 0.25
DUE_THIS_WEEK_SHARE = 0.2
IN_PROGRESS_SHARE = 0.1
CANCELLED_SHARE = 0.03


def _at(day: datetime.date, hour=15) -> datetime.datetime:
    return at(day, hour)


def scheduled_dates(start: datetime.date) -> list[datetime.date]:
    return [start + datetime.timedelta(weeks=REVIEW_WEEKS * r) - datetime.timedelta(days=1)
            for r in range(1, REVIEWS_PER_YEAR + 1)]


def seed(county) -> None:
    from plp_portal.organisations.models import Organisation

    slugs = dict(Organisation.objects.filter(pk__in=list(county.providers)).values_list("pk", "slug"))
    total = 0
    for org_id in county.providers:
        ReviewSettings.objects.system("seed_county").get_or_create(organisation_id=org_id)
        total += _seed_org(county, org_id, slugs[org_id])
        county.log(f"keyworkers: {total:,} reviews")
    _evaluations(county)


def _seed_org(county, org_id, slug) -> int:  # noqa: C901 - one pass per table
    rng, w, today = county.rng, county.writer, county.today
    base = {"organisation_id": org_id}
    key_workers = county.staff_of(org_id, Role.KEY_WORKER)
    admin = (county.staff_of(org_id, Role.ORG_ADMIN) or key_workers)[0]
    profiles = list(lm.LearnerProfile.objects.for_org(org_id).order_by("pk")
                    .values_list("pk", "user_id", "key_worker_id"))
    plans: dict[int, list[tuple]] = {}
    for row in (lm.Plan.objects.for_org(org_id).order_by("starts_on", "pk")
                .values_list("pk", "profile_id", "starts_on", "status")):
        plans.setdefault(row[1], []).append(row)
    first_year_start = county.year_start(county.years[0])
    current_start = county.year_start(county.years[-1])
    url_prefix = f"/o/{slug}/keyworkers/reviews/"
    assignments, team, reviews, events = [], [], [], []

    def event(plan_id, kind, summary, when, actor, review_id):
        events.append({**base, "plan_id": plan_id, "kind": kind, "summary": summary,
                       "occurred_at": when, "actor_id": actor, "object_type": "keyworkers.review",
                       "object_id": str(review_id), "url": f"{url_prefix}{review_id}/"})

    review_ids = iter(w.ids(Review, sum(len(p) for p in plans.values()) * (REVIEWS_PER_YEAR + 1)))
    for index, (profile_id, learner_id, key_worker) in enumerate(profiles):
        # Assignments: the current one mirrors LearnerProfile.key_worker; some learners changed.
        starts = first_year_start
        if len(key_workers) > 1 and rng.random() < 0.1:
            previous = key_workers[(key_workers.index(key_worker) + 1) % len(key_workers)]
            starts = current_start
            assignments.append({**base, "profile_id": profile_id, "key_worker_id": previous,
                                "worker_type": KeyWorkerType.TUTOR, "starts_on": first_year_start,
                                "ends_on": current_start - datetime.timedelta(days=1),
                                "reason": "Timetable change", "assigned_by_id": admin,
                                "created_at": _at(first_year_start, 9)})
        assignments.append({**base, "profile_id": profile_id, "key_worker_id": key_worker,
                            "worker_type": rng.choice([KeyWorkerType.TUTOR] * 4 + [KeyWorkerType.LEARNING_MENTOR]),
                            "starts_on": starts, "ends_on": None, "reason": "",
                            "assigned_by_id": admin, "created_at": _at(starts, 9)})
        if rng.random() < 0.05:
            team.append({**base, "profile_id": profile_id, "user_id": None, "name": "Sam Youth Worker",
                         "team_role": TeamRole.YOUTH_WORKER, "contact": "01234 567890",
                         "starts_on": current_start, "ends_on": None, "added_by_id": key_worker})
        for plan_id, _, start, status in plans.get(profile_id, []):
            dates = scheduled_dates(start)
            active = status == PlanStatus.ACTIVE
            if active:
                roll = rng.random()
                if roll < OVERDUE_SHARE:
                    open_due = today - datetime.timedelta(days=rng.randint(1, 21))
                elif roll < OVERDUE_SHARE + DUE_THIS_WEEK_SHARE:
                    open_due = today + datetime.timedelta(days=rng.randint(0, 6))
                else:
                    open_due = next((d for d in dates if d > today + datetime.timedelta(days=6)),
                                    today + datetime.timedelta(days=rng.randint(7, 42)))
                done = [d for d in dates if d < open_due and d < today]
            else:
                done = dates
            number = 0
            for due in done:
                number += 1
                review_id = next(review_ids)
                held = due - datetime.timedelta(days=rng.randint(0, 3))
                if rng.random() < CANCELLED_SHARE:
                    reviews.append({**base, "id": review_id, "plan_id": plan_id, "number": number,
                                    "status": ReviewStatus.CANCELLED, "due_on": due, "key_worker_id": key_worker,
                                    "cancelled_reason": "Learner absent all week.",
                                    "cancelled_at": _at(due), "cancelled_by_id": key_worker,
                                    "created_at": _at(due - datetime.timedelta(weeks=REVIEW_WEEKS))})
                    event(plan_id, TimelineKind.REVIEW_CANCELLED, f"Review {number} cancelled", _at(due),
                          key_worker, review_id)
                    continue
                reviews.append({
                    **base, "id": review_id, "plan_id": plan_id, "number": number,
                    "status": ReviewStatus.COMPLETED, "due_on": due, "due_on_agreed": number > 1,
                    "held_on": held, "key_worker_id": key_worker,
                    "prep_learned": "How to plan my week and hand work in on time.",
                    "prep_enjoyed": "The practical sessions.",
                    "prep_found_hard": "Getting started on written work.",
                    "prep_updated_at": _at(held - datetime.timedelta(days=2), 18),
                    "overall_progress": "Steady progress towards the long-term goal.",
                    "support": "Weekly check-in with the key worker.",
                    "learning_opportunities": "Taster day at the local college.",
                    "narrative_text": "A good half term; next steps agreed together.",
                    "next_review_on": due + datetime.timedelta(weeks=REVIEW_WEEKS),
                    "draft_saved_at": _at(held, 14),
                    "kw_signed_by_id": key_worker, "kw_signed_at": _at(held, 15),
                    "learner_signed_by_id": learner_id, "learner_signed_at": _at(held, 16),
                    "completed_at": _at(held, 16),
                    "created_at": _at(held - datetime.timedelta(weeks=REVIEW_WEEKS)),
                })
                event(plan_id, TimelineKind.REVIEW_COMPLETED, f"Review {number} signed off",
                      _at(held, 16), key_worker, review_id)
            if not active:
                continue
            number += 1
            review_id = next(review_ids)
            row = {**base, "id": review_id, "plan_id": plan_id, "number": number,
                   "status": ReviewStatus.SCHEDULED, "due_on": open_due, "due_on_agreed": number > 1,
                   "key_worker_id": key_worker,
                   "created_at": _at(min(today, open_due) - datetime.timedelta(days=30))}
            if open_due <= today + datetime.timedelta(days=6) and rng.random() < IN_PROGRESS_SHARE:
                row.update(status=ReviewStatus.IN_PROGRESS, held_on=min(today, open_due),
                           prep_learned="Working with others on a project.",
                           overall_progress="Draft: on track for most targets.",
                           draft_saved_at=_at(min(today, open_due), 11))
            reviews.append(row)
            event(plan_id, TimelineKind.REVIEW_SCHEDULED, f"Review {number} scheduled",
                  row["created_at"], key_worker, review_id)
    for model, rows in ((KeyWorkerAssignment, assignments), (TeamMember, team)):
        for row, row_id in zip(rows, w.ids(model, len(rows))):
            row["id"] = row_id
        w.copy(model, rows)
    w.copy(Review, reviews)
    for row, row_id in zip(events, w.ids(lm.TimelineEvent, len(events))):
        row["id"] = row_id
    w.copy(lm.TimelineEvent, events)
    return len(reviews)


def _evaluations(county) -> None:
    """Each completed review evaluated the short-term targets due in its six weeks."""
    table = ReviewTargetEvaluation._meta.db_table
    with connection.cursor() as cursor:
        # Fresh statistics first: without them the planner loops over the just-loaded tables.
        cursor.execute(f'ANALYZE "{Review._meta.db_table}", "{lm.Target._meta.db_table}"')
        cursor.execute(
            f"""
            INSERT INTO "{table}" (organisation_id, review_id, target_id, status, note)
            SELECT r.organisation_id, r.id, t.id, t.status, 'Discussed at the review.'
              FROM "{Review._meta.db_table}" r
              JOIN "{lm.Target._meta.db_table}" t
                ON t.plan_id = r.plan_id AND t.organisation_id = r.organisation_id
               AND t.term = 'short' AND t.due_on > r.due_on - {REVIEW_WEEKS * 7} AND t.due_on <= r.due_on
             WHERE r.status = %s AND r.organisation_id = ANY(%s)
            """,
            [ReviewStatus.COMPLETED, list(county.providers)],
        )
        count = cursor.rowcount
    label = ReviewTargetEvaluation._meta.label
    county.writer.counts[label] = county.writer.counts.get(label, 0) + count
    county.log(f"keyworkers: {count:,} target evaluations")
