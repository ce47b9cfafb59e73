"""Demo data for the learners app: a profile and an active plan for every demo learner, with
targets in several states, a narrative, text log entries, concerns, subject reports and at-risk
statuses; learner@demoshire.test's plan is shared with parent@demoshire.test. Idempotent: a
learner who already has a profile is left as they are (the share is re-checked)."""

import datetime

from plp_portal.organisations.seeding.demo import LEARNERS

from .. import services
from ..choices import (
    Audience, AuthorRole, ConcernCategory, Effort, LogEntryKind, SetByRole, ShareRelationship,
    SignerRole, TargetGroup, TargetStatus, TargetTerm,
)
from ..models import LearnerProfile, Plan

KEY_WORKERS = {
    "northgate": "tutor@demoshire.test",
    "riverside": "tutor.riverside@demoshire.test",
    "college": "tutor.college@demoshire.test",
    "training": "supervisor.training@demoshire.test",
}

# email -> (target group, year group, programme, destination, has support needs)
PROFILES = {
    "learner@demoshire.test": (TargetGroup.KEY_STAGE_4, "10", "GCSE programme", "A-levels at Demoshire College", True),
    "sam.year9@demoshire.test": (TargetGroup.YEAR_9, "9", "Year 9 options", "GCSE options chosen with confidence", False),
    "ruby.year7@demoshire.test": (TargetGroup.YEAR_7, "7", "Key Stage 3", "Find out about jobs in animal care", False),
    "omar.year8@demoshire.test": (TargetGroup.YEAR_8, "8", "Key Stage 3", "Explore engineering before options", False),
    # Leaves Northgate in the demo (keyworkers/seeding/demo.py ends the enrolment once reviews exist).
    "finn.leaver@demoshire.test": (TargetGroup.KEY_STAGE_4, "11", "GCSE programme", "Catering course at Demoshire College", False),
    "jo.ks4@demoshire.test": (TargetGroup.KEY_STAGE_4, "11", "GCSE programme", "Engineering apprenticeship", False),
    "kai.ks4@demoshire.test": (TargetGroup.KEY_STAGE_4, "11", "Foundation Learning", "Level 2 construction course", True),
    "mia.ks4@demoshire.test": (TargetGroup.KEY_STAGE_4, "10", "GCSE programme", "Sixth form: sciences", False),
    "ben.ks4@demoshire.test": (TargetGroup.KEY_STAGE_4, "11", "GCSE programme", "Sport and public services course", False),
    "ella.year9@demoshire.test": (TargetGroup.YEAR_9, "9", "Year 9 options", "GCSE options including art", False),
    "noah.post16@demoshire.test": (TargetGroup.POST_16_FULL_TIME, "12", "Level 3 Business", "Business degree", False),
    "zara.post16@demoshire.test": (TargetGroup.POST_16_FULL_TIME, "13", "A-levels", "Nursing degree", False),
    "liam.trainee@demoshire.test": (TargetGroup.WORK_BASED_TRAINEE, "", "Level 2 Motor Vehicle apprenticeship", "Qualified technician", False),
    "ava.trainee@demoshire.test": (TargetGroup.WORK_BASED_TRAINEE, "", "Level 2 Hairdressing", "Own salon", False),
}


def _learner_org_key(email):
    for learner_email, _name, org_key in LEARNERS:
        if learner_email == email:
            return org_key
    return "northgate"


def seed(demo) -> None:
    today = demo.today
    made = 0
    for index, (email, (group, year, programme, destination, needs)) in enumerate(PROFILES.items()):
        org = demo.orgs[_learner_org_key(email)]
        user = demo.users[email]
        key_worker = demo.users[KEY_WORKERS[_learner_org_key(email)]]
        if LearnerProfile.objects.for_org(org).filter(user=user).exists():
            continue
        services.target_areas_seed_defaults(org=org)
        levels = {level.code: level for level in services.at_risk_levels_seed_defaults(org=org)}
        profile = services.learner_profile_create(
            org=org, user=user, target_group=group, by=key_worker, year_group=year,
            tutor_group=f"{year}{'AB'[index % 2]}" if year else "",
            date_of_birth=datetime.date(today.year - (14 + index % 5), 1 + index % 12, 10),
            attendance_percent=[96, 88, 92, 79, 99][index % 5],
            attitude="Keen in practical lessons; quieter in written work.",
            preferred_ways_of_learning="Hands-on tasks and short discussions.",
            prior_achievements="Certificate in first aid.",
            english_level="Working at grade 4", maths_level="Working at grade 3", ict_level="Level 1",
            vocational_interests=destination, hobbies_and_ambitions="Football, music, helping at home.",
            strengths_own_words="I am good at working in a team and I keep trying.",
            weaknesses_own_words="I find long pieces of writing hard.",
            learning_difficulties_disabilities="Dyslexia (assessed)." if needs else "",
            support_needs="Reader in exams, coloured overlays, extra time." if needs else "",
            support_need_areas=["english"] if needs else [],
        )
        services.learner_profile_update(org=org, profile=profile, by=key_worker, induction_completed=True)
        services.learner_set_key_worker(org=org, learner=profile, user=key_worker, by=key_worker)
        starts_on = today - datetime.timedelta(days=70)
        plan = services.plan_create(
            org=org, profile=profile, by=key_worker, programme_name=programme,
            starts_on=starts_on, ends_on=today + datetime.timedelta(days=250),
            final_outcome=f"Complete {programme} and progress to: {destination}",
            long_term_goal=f"I want to go on to {destination.lower()}.",
            anticipated_destination=destination, qualifications=programme,
            planned_placements="One week's work taster in the spring term.",
            support_needed="Weekly check-in with my key worker." + (" Literacy support." if needs else ""),
        )
        services.plan_sign(org=org, plan=plan, by=user, role=SignerRole.LEARNER)
        services.plan_sign(org=org, plan=plan, by=key_worker, role=SignerRole.TUTOR)
        area = {a.code: a for a in services.target_areas_seed_defaults(org=org)}
        long_term = services.target_create(
            org=org, plan=plan, by=key_worker, set_by_role=SetByRole.STAFF, term=TargetTerm.LONG,
            title="Improve my written English", area=area["english"], due_on=plan.ends_on,
            success_criteria="Grade 5 in English", skills_required="Planning and proofreading",
            support_strategy="Writing frames; weekly feedback",
        )
        states = [TargetStatus.ACHIEVED, TargetStatus.IN_PROGRESS, TargetStatus.NOT_STARTED, TargetStatus.PARTLY_ACHIEVED]
        titles = ["Hand in every homework on time for six weeks", "Write a 500-word essay with a plan",
                  "Research three careers linked to my interests", "Attend every lesson this half term"]
        codes = ["english", "english", "careers", "personal_social"]
        for n, (title, status, code) in enumerate(zip(titles, states, codes)):
            learner_set = n == 2
            target = services.target_create(
                org=org, plan=plan, by=user if learner_set else key_worker,
                set_by_role=SetByRole.LEARNER if learner_set else SetByRole.STAFF,
                parent=long_term if code == "english" else None, area=area[code], title=title,
                due_on=today + datetime.timedelta(days=14 * (n + 1) - 30),
                skills_required="Organisation" if n % 2 else "", support_strategy="Reminder from key worker",
            )
            if learner_set and index % 2:
                services.target_approve(org=org, target=target, by=key_worker)
            if status != TargetStatus.NOT_STARTED:
                services.target_progress_update(org=org, target=target, by=user, status=TargetStatus.IN_PROGRESS,
                                                note="Started this week.")
            if status in (TargetStatus.ACHIEVED, TargetStatus.PARTLY_ACHIEVED):
                services.target_progress_update(org=org, target=target, by=key_worker, status=status,
                                                note="Reviewed together.")
        services.narrative_append(org=org, plan=plan, by=key_worker, author_role=AuthorRole.TUTOR,
                                  text="Induction completed. Settled well and set first targets.")
        services.narrative_append(org=org, plan=plan, by=user, author_role=AuthorRole.LEARNER,
                                  text="I have enjoyed the practical sessions and want to improve my writing.")
        services.narrative_append(org=org, plan=plan, by=key_worker, author_role=AuthorRole.KEY_WORKER,
                                  text="Discussed home circumstances; support in place.", audience=Audience.STAFF)
        for days_ago, kind in ((60, LogEntryKind.ACTIVITY_DIARY), (20, LogEntryKind.BLOG)):
            services.log_entry_add(
                org=org, plan=plan, by=user, kind=kind, written_on=today - datetime.timedelta(days=days_ago),
                title="This week", what_learned="How to plan an essay.", how_learned="Working with a partner.",
                enjoyed="The group task.", found_difficult="Finishing in time.",
                ecm_outcomes=["enjoy_and_achieve", "economic_well_being"],
            )
        services.concern_raise(
            org=org, plan=plan, by=key_worker, category=ConcernCategory.ATTENDANCE if index % 3 else ConcernCategory.PROGRESS,
            description="Late to lessons several times this half term.", follow_up_how="Weekly check-in",
            follow_up_on=today + datetime.timedelta(days=7), owner=key_worker,
        )
        if index % 2 == 0:
            concern = services.concern_raise(org=org, plan=plan, by=user, raised_by_learner=True,
                                             category=ConcernCategory.WELLBEING, audience=Audience.RESTRICTED,
                                             restricted_roles=["subject_tutor"],
                                             description="Feeling anxious about exams.")
            services.concern_resolve(org=org, concern=concern, by=key_worker, resolution="Referred to mentor.")
        for subject, working, target_grade, effort in (("English", "4", "5", Effort.GOOD), ("Mathematics", "3", "5", Effort.SATISFACTORY), ("Science", "5", "6", Effort.EXCELLENT)):
            services.subject_report_add(org=org, plan=plan, by=key_worker, subject=subject,
                                        reported_on=today - datetime.timedelta(days=10), working_at_grade=working,
                                        target_grade=target_grade, attendance_percent=94, effort=effort,
                                        comment="Steady progress.")
        if needs:
            services.subject_report_add(org=org, plan=plan, by=key_worker, subject="Dyslexia support",
                                        is_specialist_advice=True, reported_on=today - datetime.timedelta(days=5),
                                        comment="Use coloured overlays; allow extra time.", audience=Audience.STAFF)
        level = ["green", "amber", "red", "silver", "gold", "green"][index % 6]
        services.at_risk_set(org=org, profile=profile, level=levels[level], reason="Half-term review", by=key_worker)
        made += 1

    northgate = demo.orgs["northgate"]
    learner = demo.users["learner@demoshire.test"]
    plan = Plan.objects.for_org(northgate).filter(profile__user=learner, status="active").first()
    if plan is not None and not plan.shares.filter(revoked_at__isnull=True).exists():
        parent = demo.users["parent@demoshire.test"]
        services.plan_share_grant(org=northgate, plan=plan, grantee=parent,
                                  relationship=ShareRelationship.PARENT_CARER, by=learner)
        parent_share = plan.shares.get(grantee=parent, revoked_at__isnull=True)
        services.plan_contribution_add(org=northgate, plan=plan, share=parent_share, by=parent,
                                       text="Lily has been practising her reading at home every evening.")
    # Learning away from school (seed 001): Tess Trainer at the training provider is Jo's
    # off-site tutor and runs the four-weekly off-site reviews; Jo chose that what she writes is
    # read by the staff only. (Not Lily's plan: a provider's grant adds a signature to every
    # review, and the demo keeps one of Lily's reviews open for the key worker to run.)
    tutor = demo.users.get("supervisor.training@demoshire.test")
    jo_plan = Plan.objects.for_org(northgate).filter(profile__user__email="jo.ks4@demoshire.test",
                                                      status="active").first()
    if tutor is not None and jo_plan is not None and not jo_plan.shares.filter(grantee=tutor).exists():
        services.plan_update(org=northgate, plan=jo_plan, by=jo_plan.created_by, expected_version=jo_plan.version,
                             off_site_schedule="Tuesdays, 9am to 3pm, at Demoshire Training (motor vehicle taster)")
        tutor_share = services.plan_share_grant(
            org=northgate, plan=jo_plan, grantee=tutor, relationship=ShareRelationship.OFF_SITE_TUTOR,
            by=jo_plan.profile.user, contributions_audience=Audience.STAFF)
        services.off_site_review_record(
            org=northgate, plan=jo_plan, share=tutor_share, by=tutor, held_on=today - datetime.timedelta(days=10),
            progress="Jo works safely in the workshop and is on time every week.",
            next_steps="Start the brake-check task.")
    demo.log.append(f"learners: {made} new learner profiles with plans")


def seed_transitions(demo) -> None:
    """Issue 13 (called by keyworkers/seeding/demo.py once key workers and reviews exist): Finn, in Year
    11 at Northgate, agreed a moving-on plan, left, started at Demoshire College and consented
    to the transfer of his record: the college's tutor reads his school plan read-only and can
    start his college plan from it. Idempotent."""
    from plp_portal.organisations.choices import Role

    from ..choices import ApplicationStatus, DestinationCategory, LeavingReason, MovingOnShareWith
    from ..models import RecordTransfer

    user = demo.users.get("finn.leaver@demoshire.test")
    school, college = demo.orgs.get("northgate"), demo.orgs.get("college")
    profile = user and LearnerProfile.objects.for_org(school).filter(user=user).select_related("key_worker").first()
    if profile is None or college is None:
        return
    plan = Plan.objects.for_org(school).filter(profile=profile).order_by("-pk").first()
    key_worker = profile.key_worker
    if plan is not None and key_worker is not None and plan.moving_on_or_none is None:
        moving_on = services.moving_on_save(
            org=school, plan=plan, by=key_worker, expected_version=None,
            destination_category=DestinationCategory.EDUCATION,
            destination_detail="Demoshire College, Level 2 Diploma in Professional Cookery",
            applications_note="Open evening at Demoshire College attended in November.",
            next_organisation_should_know="Works best with hands-on tasks; likes a quiet start to the day.",
            continuing_support="Weekly check-in with a tutor for the first half-term.",
            share_with=[MovingOnShareWith.NEXT_ORGANISATION, MovingOnShareWith.CAREERS_SERVICE])
        for provider, course, status in (
                ("Demoshire College", "Level 2 Diploma in Professional Cookery", ApplicationStatus.ACCEPTED),
                ("Riverside Sixth Form", "BTEC Hospitality", ApplicationStatus.DECLINED)):
            services.moving_on_application_save(
                org=school, moving_on=moving_on, by=key_worker, provider=provider, course_or_role=course,
                status=status, applied_on=demo.today - datetime.timedelta(days=120),
                decision_on=demo.today - datetime.timedelta(days=60))
        services.moving_on_agree(org=school, moving_on=moving_on, by=user, version=moving_on.version)
    if profile.is_active and key_worker is not None:
        services.learner_enrolment_end(org=school, profile=profile, left_on=demo.today - datetime.timedelta(days=3),
                                       reason=LeavingReason.MOVED_SCHOOL, by=key_worker,
                                       closing_note="Finn moves to Demoshire College for a catering course. Good luck!")
    tutor = demo.users.get(KEY_WORKERS["college"])
    demo.user("finn.leaver@demoshire.test", "Finn Doyle", college, Role.LEARNER)
    there = LearnerProfile.objects.for_org(college).filter(user=user).first()
    if there is None:
        there = services.learner_profile_create(org=college, user=user, target_group=TargetGroup.POST_16_FULL_TIME,
                                                by=tutor, year_group="12")
        services.learner_set_key_worker(org=college, learner=there, user=tutor, by=tutor)
    if not RecordTransfer.objects.for_org(school).filter(learner=user, receiving_organisation=college).exists():
        transfer = services.record_transfer_request(org=college, profile=there, sending_org=school, by=tutor)
        services.record_transfer_consent(transfer=transfer, by=user, include_staff_records=False)
    demo.log.append("learners: Finn left Northgate and shared his record with the college")
