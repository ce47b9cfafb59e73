"""Demo data for guidance (runs after learners/seeding/demo.py): Demoshire Careers Service has current
partnerships with Northgate School and Riverside Academy (and last year's with Northgate, expired),
adviser@ and adviser2@ named; the triage queue holds referrals of every source, some past the
5-school-day target; learners in each tier; an interview with an action plan in a plan; a group
session; last year's leavers with destinations (some NEET or unknown, on the NEET list).
Idempotent: skipped when this year's Northgate partnership exists."""

import datetime

from django.utils import timezone

from learners import services as learner_services
from learners.choices import Audience, TargetGroup
from learners.models import LearnerProfile
from plp_portal.organisations.choices import Role
from plp_portal.clock import academic_year_of

from .. import services
from ..choices import (
    AttendanceFlag, DestinationCategory, DestinationKind, InterviewKind, ReferralReason,
    ReferralSource, Tier, TierReason, TriageDecision, Urgency,
)
from ..follow_up import follow_up_refresh
from ..models import Partnership

LEAVERS = [
    # email, name, school key, actual destination, detail
    ("leaver.amy@demoshire.test", "Amy Leaver", "northgate", DestinationCategory.EDUCATION, "A-levels, Demoshire College"),
    ("leaver.dan@demoshire.test", "Dan Leaver", "northgate", DestinationCategory.APPRENTICESHIP, "Electrical apprenticeship"),
    ("leaver.eve@demoshire.test", "Eve Leaver", "northgate", DestinationCategory.NEET, "Looking for work"),
    ("leaver.fin@demoshire.test", "Finn Leaver", "riverside", DestinationCategory.EMPLOYMENT_WITHOUT_TRAINING, "Warehouse"),
    ("leaver.gus@demoshire.test", "Gus Leaver", "riverside", DestinationCategory.UNKNOWN, "No contact since July"),
]


def _profile(org, email):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(email=email).first()
    return LearnerProfile.objects.for_org(org).filter(user=user).first() if user else None


def _school_admin(org):
    """The school's organisation admin (its head's delegate), else its careers lead, who accepts."""
    from plp_portal.organisations.models import Membership

    for role in (Role.ORG_ADMIN, Role.CAREERS_LEAD, Role.KEY_WORKER):
        membership = Membership.objects.for_org(org).filter(role=role, is_active=True).select_related("user") \
            .order_by("pk").first()
        if membership is not None:
            return membership.user
    raise LookupError(f"{org} has no staff to accept a partnership")


# The authority's outcome pages (issue 15) need cohorts big enough for figures to show beside the
# suppressed ones: leavers of the last two academic years, (school key, years back) → counts per
# destination category. Small cells are deliberate (NEET 2, not known 1, ...): they are suppressed.
COHORTS = {
    ("northgate", 1): {DestinationCategory.EDUCATION: 12, DestinationCategory.APPRENTICESHIP: 6,
                       DestinationCategory.EMPLOYMENT_WITH_TRAINING: 5, DestinationCategory.EMPLOYMENT_WITHOUT_TRAINING: 5,
                       DestinationCategory.NEET: 2, DestinationCategory.UNKNOWN: 1},
    ("riverside", 1): {DestinationCategory.EDUCATION: 9, DestinationCategory.APPRENTICESHIP: 5,
                       DestinationCategory.EMPLOYMENT_WITHOUT_TRAINING: 6, DestinationCategory.NEET: 5,
                       DestinationCategory.UNKNOWN: 5, DestinationCategory.MOVED_AWAY: 3},
    ("northgate", 2): {DestinationCategory.EDUCATION: 14, DestinationCategory.APPRENTICESHIP: 5,
                       DestinationCategory.EMPLOYMENT_WITHOUT_TRAINING: 6, DestinationCategory.NEET: 6,
                       DestinationCategory.UNKNOWN: 5},
    ("riverside", 2): {DestinationCategory.EDUCATION: 10, DestinationCategory.EMPLOYMENT_WITH_TRAINING: 5,
                       DestinationCategory.EMPLOYMENT_WITHOUT_TRAINING: 7, DestinationCategory.NEET: 3},
}


def seed_leaver_cohorts(demo, *, by) -> None:
    """Past leavers (inactive profiles of accounts that cannot sign in) with their actual
    destinations, in bulk. Idempotent: skipped when the first cohort's first leaver exists."""
    from django.contrib.auth import get_user_model

    from ..models import Destination, LearnerGuidance

    User = get_user_model()
    if User.objects.filter(email="cohort.northgate.1.1@demoshire.test").exists():
        return
    year = academic_year_of(demo.today)
    n_made = 0
    for (key, back), counts in COHORTS.items():
        school = demo.orgs[key]
        left_on = datetime.date(year - back + 1, 7, 18)
        recorded_on = min(datetime.date(year - back + 1, 10, 1), demo.today)
        number = 0
        for category, count in counts.items():
            for _ in range(count):
                number += 1
                user = User(email=f"cohort.{key}.{back}.{number}@demoshire.test", full_name=f"Leaver {number} of {key.title()}, {year - back + 1}")
                user.set_unusable_password()
                user.save()
                profile = LearnerProfile.objects.for_org(school).create(
                    organisation=school, user=user, target_group=TargetGroup.KEY_STAGE_4,
                    year_group="13" if number % 3 == 0 else "11", is_active=False)
                LearnerGuidance.objects.for_org(school).create(organisation=school, profile=profile, left_on=left_on)
                Destination.objects.for_org(school).create(
                    organisation=school, profile=profile, kind=DestinationKind.ACTUAL, category=category,
                    recorded_on=recorded_on, confirmed_by=by, confirmed_how="Phone call with the young person")
                n_made += 1
    demo.log.append(f"guidance: {n_made} past leavers with destinations for the authority's outcome pages")


def seed(demo) -> None:
    from ..figures import figures_refresh

    _seed(demo)
    follow_up_refresh()  # the NEET list's marker (the past leavers' cohorts are made in bulk)
    figures_refresh()  # the careers service dashboard's summary (guidance/figures.py)


def _seed(demo) -> None:
    careers = demo.orgs["careers"]
    northgate, riverside = demo.orgs["northgate"], demo.orgs["riverside"]
    year = academic_year_of(demo.today)
    seed_leaver_cohorts(demo, by=demo.users["adviser@demoshire.test"])
    if Partnership.objects.for_org(careers).filter(school=northgate, academic_year=year).exists():
        return
    adviser, adviser2 = demo.users["adviser@demoshire.test"], demo.users["adviser2@demoshire.test"]
    admin = adviser
    services.expected_shares_seed_defaults(org=careers)
    process = ("Tutors refer through PLP Portal (the learner's page, “Refer to the careers adviser”); learners can "
               "ask for themselves in “My careers guidance”. The adviser triages within 5 school days.")
    # Proposed by the service, accepted by each school's head or organisation admin (issue 12).
    school_admins = {org.pk: _school_admin(org) for org in (northgate, riverside)}
    last_year = services.partnership_propose(org=careers, school=northgate, academic_year=year - 1, by=admin,
                                             advisers=[adviser], referral_process=process)
    services.partnership_decide(school=northgate, partnership=last_year, by=school_admins[northgate.pk], accept=True)
    for school in (northgate, riverside):
        proposal = services.partnership_propose(
            org=careers, school=school, academic_year=year, by=admin, advisers=[adviser, adviser2],
            referral_process=process, clinic_sessions="Tuesday lunchtimes in the library, weeks 2–12 of each term.",
        )
        services.partnership_decide(school=school, partnership=proposal, by=school_admins[school.pk], accept=True,
                                    note="Agreed at the senior leadership meeting.")

    now = timezone.now()

    def ago(days):
        return now - datetime.timedelta(days=days)

    profiles = {email: _profile(org, email) for email, org in [
        ("learner@demoshire.test", northgate), ("sam.year9@demoshire.test", northgate),
        ("jo.ks4@demoshire.test", northgate), ("kai.ks4@demoshire.test", northgate),
        ("mia.ks4@demoshire.test", northgate), ("ben.ks4@demoshire.test", riverside),
        ("ella.year9@demoshire.test", riverside),
    ]}
    profiles = {k: v for k, v in profiles.items() if v is not None}
    tutor = demo.users["tutor@demoshire.test"]
    tutor_riverside = demo.users["tutor.riverside@demoshire.test"]

    def refer(email, **kw):
        if email in profiles:
            kw.setdefault("org", profiles[email].organisation)  # the school's own staff or learner
            return services.referral_make(profile=profiles[email], **kw)
        return None

    # The queue: every source, some over the target.
    refer("sam.year9@demoshire.test", source=ReferralSource.KEY_WORKER, by=tutor,
          reasons=[ReferralReason.TRANSITION_UNCLEAR], suggested_tier=Tier.FILTERED, urgency=Urgency.ROUTINE,
          notes="Unsure about GCSE options.", consent=True, created_at=ago(12))
    refer("mia.ks4@demoshire.test", source=ReferralSource.SELF, by=demo.users["mia.ks4@demoshire.test"],
          reasons=[ReferralReason.MAJOR_CHANGE, ReferralReason.INFORMATION], urgency=Urgency.SOON, consent=True,
          consent_wording=services.CONSENT_WORDING, notes="I am thinking of an apprenticeship instead of sixth form.",
          created_at=ago(2))
    refer("ben.ks4@demoshire.test", source=ReferralSource.OTHER_AGENCY, by=tutor_riverside,
          agency_name="Demoshire Youth Service", reasons=[ReferralReason.SOCIAL_EXCLUSION],
          suggested_tier=Tier.INTENSIVE, urgency=Urgency.URGENT, consent=True, created_at=ago(9))
    refer("ella.year9@demoshire.test", source=ReferralSource.KEY_WORKER, by=tutor_riverside,
          reasons=[ReferralReason.DEMOTIVATED], suggested_tier=Tier.FILTERED, consent=True, created_at=ago(1))
    if "learner@demoshire.test" in profiles:
        session = services.group_session_record(
            school=northgate, org=careers, adviser=adviser, held_on=demo.today - datetime.timedelta(days=8),
            topic="Post-16 options", learning_objectives="Know the three routes after Year 11.",
            attendance=[(profiles["learner@demoshire.test"], True, AttendanceFlag.UNFOCUSED)]
            + [(profiles[e], True, "") for e in ("jo.ks4@demoshire.test", "kai.ks4@demoshire.test") if e in profiles],
        )
        demo.log.append(f"guidance: group session {session.pk}")

    # Tiers: Jo filtered (after a triaged referral and an interview), Kai intensive.
    if "jo.ks4@demoshire.test" in profiles:
        jo = profiles["jo.ks4@demoshire.test"]
        referral = refer("jo.ks4@demoshire.test", source=ReferralSource.KEY_WORKER, by=tutor,
                         reasons=[ReferralReason.TRANSITION_UNCLEAR], suggested_tier=Tier.FILTERED, consent=True,
                         created_at=ago(20))
        services.referral_triage(referral=referral, by=adviser, org=careers,
                                 decision=TriageDecision.ACCEPT_FILTERED, allocated_adviser=adviser,
                                 note="Interview booked.", review_on=demo.today + datetime.timedelta(weeks=6))
        interview = services.interview_record(
            profile=jo, org=careers, adviser=adviser, kind=InterviewKind.INDIVIDUAL,
            held_on=demo.today - datetime.timedelta(days=10), referral=referral,
            summary="Jo wants an engineering apprenticeship. We looked at entry requirements and local employers.",
            actions=[("Research two engineering apprenticeships on the apprenticeship service",
                      demo.today + datetime.timedelta(days=14)),
                     ("Ask the maths teacher what grade is needed and how to reach it",
                      demo.today + datetime.timedelta(days=21))],
        )
        services.interview_feedback(interview=interview, by=adviser, org=careers,
                                    feedback="Jo is focused on engineering; please encourage the maths target.")
    if "kai.ks4@demoshire.test" in profiles:
        services.tier_set(profile=profiles["kai.ks4@demoshire.test"], to_tier=Tier.INTENSIVE,
                          reasons=[TierReason.SOCIAL_EXCLUSION], by=adviser, org=careers,
                          review_on=demo.today + datetime.timedelta(weeks=4), adviser=adviser,
                          note="At risk of exclusion; weekly contact.")

    # Last year's leavers and their destinations.
    left_on = datetime.date(year, 7, 20)
    for email, name, key, category, detail in LEAVERS:
        school = demo.orgs[key]
        user = demo.user(email, name, school, Role.LEARNER)
        profile = _profile(school, email) or learner_services.learner_profile_create(
            org=school, user=user, target_group=TargetGroup.KEY_STAGE_4, by=adviser, year_group="11", is_active=False)
        services.leaver_record(profile=profile, left_on=left_on, by=adviser, org=careers)
        services.destination_record(profile=profile, by=adviser, kind=DestinationKind.INTENDED,
                                    category=DestinationCategory.EDUCATION, recorded_on=datetime.date(year, 3, 1),
                                    detail="Sixth form or college", org=careers)
        services.destination_record(
            profile=profile, by=adviser, kind=DestinationKind.ACTUAL, category=category,
            recorded_on=min(datetime.date(year, 9, 30), demo.today), detail=detail, confirmed_how="Phone call with the young person",
            follow_up_on=demo.today + datetime.timedelta(days=14) if category in (
                DestinationCategory.NEET, DestinationCategory.UNKNOWN) else None, org=careers,
        )
    demo.log.append("guidance: 2 current partnerships, referrals of every source, tiers, leavers' destinations")


__all__ = ["seed", "Audience"]
