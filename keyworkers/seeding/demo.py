"""Demo data for keyworkers (runs after learners/seeding/demo.py): key-worker assignments with history,
a team member and a preference, and reviews — a completed one in the past for most learners and
the next one due this week, overdue or later, so tutor@demoshire.test's caseload shows all
three. Idempotent: a plan that already has reviews is left alone."""

import datetime

from learners.choices import PlanStatus, TargetStatus
from learners.models import Plan

from .. import services
from ..choices import KeyWorkerType, TeamRole
from ..models import KeyWorkerAssignment, Review

# learner email -> days from today the next review is due (None: no review held yet)
NEXT_DUE = {
    "learner@demoshire.test": 3,
    "sam.year9@demoshire.test": -5,
    "jo.ks4@demoshire.test": -12,
    "kai.ks4@demoshire.test": 5,
    "mia.ks4@demoshire.test": 30,
    "ben.ks4@demoshire.test": 2,
    "ella.year9@demoshire.test": None,
    "noah.post16@demoshire.test": -3,
    "zara.post16@demoshire.test": 20,
    "liam.trainee@demoshire.test": 6,
    "ava.trainee@demoshire.test": -8,
    "ruby.year7@demoshire.test": 10,
    "omar.year8@demoshire.test": 4,
    "finn.leaver@demoshire.test": 2,
}

PREVIOUS_KEY_WORKER = {"northgate": "senco@demoshire.test"}


def seed(demo) -> None:
    today = demo.today
    made = 0
    for email, next_in in NEXT_DUE.items():
        user = demo.users.get(email)
        if user is None:
            continue
        plan = (Plan.objects.system("demo data").filter(profile__user=user, status=PlanStatus.ACTIVE)
                .select_related("organisation", "profile__key_worker").first())
        if plan is None or plan.profile.key_worker is None:
            continue
        org, profile, key_worker = plan.organisation, plan.profile, plan.profile.key_worker
        if Review.objects.for_org(org).filter(plan=plan).exists():
            continue
        worker_type = KeyWorkerType.WORKPLACE_SUPERVISOR if org.kind == "training_provider" else KeyWorkerType.TUTOR
        if not KeyWorkerAssignment.objects.for_org(org).filter(profile=profile).exists():
            previous = demo.users.get(PREVIOUS_KEY_WORKER.get(next((k for k, o in demo.orgs.items() if o == org), ""), ""))
            if previous is not None:
                services.key_worker_assign(org=org, profile=profile, key_worker=previous,
                                           worker_type=KeyWorkerType.LEARNING_MENTOR, by=key_worker,
                                           starts_on=plan.starts_on, reason="Induction")
            services.key_worker_assign(org=org, profile=profile, key_worker=key_worker, worker_type=worker_type,
                                       by=key_worker, starts_on=plan.starts_on + datetime.timedelta(days=14),
                                       reason="Tutor groups settled after induction")
            services.team_member_add(org=org, profile=profile, by=key_worker, team_role=TeamRole.YOUTH_WORKER,
                                     name="Yusuf Youth", contact="Demoshire Youth Service, 01234 567890")
            services.preference_record(org=org, profile=profile, by=key_worker,
                                       preference="I would like to keep the same tutor this year.",
                                       preferred_user=key_worker)
        if next_in is None:
            services.review_schedule_next(org=org, plan=plan, by=key_worker)
            made += 1
            continue
        held_on = today - datetime.timedelta(days=40)
        review = services.review_start(org=org, plan=plan, by=key_worker, held_on=held_on)
        targets = list(plan.targets.filter(term="short", status__in=["not_started", "in_progress"]))
        long_term = plan.targets.filter(term="long", is_final_outcome=False).first()
        services.review_prepare(org=org, review=review, by=profile.user, learned="How to plan an essay.",
                                enjoyed="Group work in science.", found_hard="Finishing homework on time.")
        services.review_save_draft(
            org=org, review=review, by=key_worker, expected_version=review.version,
            fields={"overall_progress": "Good start to the year; settling into the programme.",
                    "support": "Weekly check-in; homework club on Tuesdays.",
                    "learning_opportunities": "Taster day at Demoshire College.",
                    "narrative_text": "First half-term review: good progress, homework the focus next.",
                    "next_review_on": today + datetime.timedelta(days=next_in)},
            evaluations={t.pk: (TargetStatus.IN_PROGRESS, "Making progress.") for t in targets},
            new_targets=[{"title": "Use the homework planner every week", "parent": long_term,
                          "due_on": today + datetime.timedelta(days=max(next_in, 1)),
                          "success_criteria": "Planner signed each Friday"}],
        )
        services.review_sign_key_worker(org=org, review=review, by=key_worker)
        services.review_sign_learner(org=org, review=review, by=profile.user)
        Review.objects.for_org(org).filter(pk=review.pk).update(due_on=held_on + datetime.timedelta(days=2))
        made += 1
    learner = demo.users.get("learner@demoshire.test")
    if learner is not None:
        for review in Review.objects.system("demo data").filter(plan__profile__user=learner, status="scheduled",
                                                                prep_learned=""):
            services.review_prepare(org=review.organisation, review=review, by=learner,
                                    learned="Planning essays with a writing frame.", enjoyed="", found_hard="")
    demo.log.append(f"keyworkers: reviews for {made} plans")
    # Issue 13: Finn's moving-on plan, leaving and transfer need his reviews and key worker.
    from learners.seeding.demo import seed_transitions

    seed_transitions(demo)

