"""Choices of the guidance app (seed 000's three-tier model, seed 004's entitlements). Values are
stable strings stored in the database: never rename a value, only its label."""

from django.db import models


class Tier(models.TextChoices):
    """Seed 000: "Guidance provision should be available at three levels"."""

    CORE = "core", "Core"
    FILTERED = "filtered", "Filtered"
    INTENSIVE = "intensive", "Intensive"


# Core < filtered < intensive: a learner already at a tier or above is not referred for it again.
TIER_RANK = {Tier.CORE: 0, Tier.FILTERED: 1, Tier.INTENSIVE: 2}

TIER_DESCRIPTIONS = {
    Tier.CORE: "core service for all",
    Tier.FILTERED: "filtered service for those who need specialist help",
    Tier.INTENSIVE: "intensive service for those in particular need of ongoing specialist help",
}


class TierReason(models.TextChoices):
    """Why a learner needs filtered or intensive provision (seed 000, word for word)."""

    # Filtered provision is likely to be needed when:
    TRANSITION_UNCLEAR = "transition_unclear", (
        "At a key transition point and unclear, unfocused or unrealistic about career intentions"
    )
    DEMOTIVATED = "demotivated", "Demotivated and in need of a new sense of direction"
    MAJOR_CHANGE = "major_change", "Wishes to consider a major change of direction"
    # Intensive provision is likely to be needed when:
    MAJOR_CRISIS = "major_crisis", "Faced with a major crisis which affects their learning and work"
    SOCIAL_EXCLUSION = "social_exclusion", (
        "At risk of, or already experiencing, exclusion from formal education, training and employment"
    )


FILTERED_REASONS = (TierReason.TRANSITION_UNCLEAR, TierReason.DEMOTIVATED, TierReason.MAJOR_CHANGE)
INTENSIVE_REASONS = (TierReason.MAJOR_CRISIS, TierReason.SOCIAL_EXCLUSION)
REASONS_FOR_TIER = {Tier.FILTERED: FILTERED_REASONS, Tier.INTENSIVE: INTENSIVE_REASONS, Tier.CORE: ()}


class ReferralReason(models.TextChoices):
    """Why someone is referred: the seed's five tier reasons, plus information and other."""

    TRANSITION_UNCLEAR = TierReason.TRANSITION_UNCLEAR.value, TierReason.TRANSITION_UNCLEAR.label
    DEMOTIVATED = TierReason.DEMOTIVATED.value, TierReason.DEMOTIVATED.label
    MAJOR_CHANGE = TierReason.MAJOR_CHANGE.value, TierReason.MAJOR_CHANGE.label
    MAJOR_CRISIS = TierReason.MAJOR_CRISIS.value, TierReason.MAJOR_CRISIS.label
    SOCIAL_EXCLUSION = TierReason.SOCIAL_EXCLUSION.value, TierReason.SOCIAL_EXCLUSION.label
    INFORMATION = "information", "Wants information or advice about options"
    OTHER = "other", "Other"


# The same reasons in words a learner uses on their own request form.
LEARNER_REASON_LABELS = {
    ReferralReason.TRANSITION_UNCLEAR: "I'm not sure what to do next (after this year or course)",
    ReferralReason.DEMOTIVATED: "I've lost motivation and want a new sense of direction",
    ReferralReason.MAJOR_CHANGE: "I'm thinking about a big change of direction",
    ReferralReason.MAJOR_CRISIS: "Something big is happening that affects my learning or work",
    ReferralReason.SOCIAL_EXCLUSION: "I've been excluded, or I'm worried about dropping out",
    ReferralReason.INFORMATION: "I'd like information about my options",
    ReferralReason.OTHER: "Something else",
}


class ReferralSource(models.TextChoices):
    """Seed 000: referrals "may be made by the key worker; by individuals themselves; by the
    specialist guidance workers through their involvement in core provision" — and, in
    partnership working, by another agency."""

    KEY_WORKER = "key_worker", "Key worker"
    SELF = "self", "The learner"
    ADVISER = "adviser", "Careers adviser (group session or clinic)"
    OTHER_AGENCY = "other_agency", "Another agency"


class Urgency(models.IntegerChoices):
    """Stored as a number so the queue sorts most urgent first in SQL."""

    ROUTINE = 1, "Routine"
    SOON = 2, "Soon"
    URGENT = 3, "Urgent"


class ReferralStatus(models.TextChoices):
    """The triage state machine (``services.REFERRAL_TRANSITIONS``)."""

    NEW = "new", "Waiting for triage"
    ACCEPTED = "accepted", "Accepted"
    KEPT_IN_CORE = "kept_in_core", "Kept in core with advice"
    REFERRED_ON = "referred_on", "Referred on to another agency"
    WITHDRAWN = "withdrawn", "Withdrawn"
    CLOSED = "closed", "Closed after feedback"


# A referral is open while it waits for triage or the adviser is working on it (accepted, until
# the feedback closes it): a learner with one is not referred again (e.g. from a group session).
OPEN_REFERRAL_STATUSES = (ReferralStatus.NEW, ReferralStatus.ACCEPTED)


class TriageDecision(models.TextChoices):
    ACCEPT_FILTERED = "accept_filtered", "Accept into filtered guidance"
    ACCEPT_INTENSIVE = "accept_intensive", "Accept into intensive guidance"
    KEEP_IN_CORE = "keep_in_core", "Keep in core with advice"
    REFER_ON = "refer_on", "Refer on to another agency"


class InterviewKind(models.TextChoices):
    INDIVIDUAL = "individual", "Individual guidance interview"
    CLINIC = "clinic", "Clinic drop-in"
    PHONE_ONLINE = "phone_online", "Phone or online"
    GROUP = "group", "Group session"


class AttendanceFlag(models.TextChoices):
    """Seed 000 (KS4 objective 4): "identify students who are unclear, unfocused or unrealistic
    and who may need an individual interview"."""

    NONE = "", "No concerns"
    UNCLEAR = "unclear", "Unclear"
    UNFOCUSED = "unfocused", "Unfocused"
    UNREALISTIC = "unrealistic", "Unrealistic"


class DestinationKind(models.TextChoices):
    INTENDED = "intended", "Intended"
    ACTUAL = "actual", "Actual"


# The destination categories live with the learner's plan (its moving-on plan uses them too);
# guidance records destinations with the same values.
from learners.choices import DestinationCategory  # noqa: E402


# An actual destination in one of these means the leaver is settled (seed 000, unemployed young
# people objective 1: "followed up ... until settled into a successful opportunity").
SETTLED_CATEGORIES = (
    DestinationCategory.EDUCATION,
    DestinationCategory.APPRENTICESHIP,
    DestinationCategory.EMPLOYMENT_WITH_TRAINING,
    DestinationCategory.EMPLOYMENT_WITHOUT_TRAINING,
)
NOT_SETTLED_CATEGORIES = (DestinationCategory.NEET, DestinationCategory.UNKNOWN, DestinationCategory.OTHER)


class ObjectiveStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    MET = "met", "Met"
    NOT_MET = "not_met", "Not met"


# Seed 004, "Expectations of a universal Connexions Service": all eleven things every young
# person should expect, word for word (key, seed text), in the seed's order.
ENTITLEMENTS = [
    ("identified_adviser",
     "information, advice and guidance, from an identified individual, which will empower and enable "
     "them to participate effectively in learning, to fulfil their potential and to progress towards "
     "longer-term career goals"),
    ("support_network", "access to a network of support, on a range of issues"),
    ("choice_of_adviser",
     "equality of opportunity, including an element of personal choice over their personal adviser"),
    ("monitoring",
     "monitoring of their progress, and help at times when it is needed (within the bounds that the "
     "resources can support)"),
    ("continuity", "continuity of PA support, particularly for the target group (within operational possibilities)"),
    ("pastoral", "pastoral and tutorial support within the school"),
    ("diagnostic_assessment", "diagnostic assessment of their learning and guidance needs"),
    ("impartial_guidance", "impartial careers guidance"),
    ("transition", "support for progression and transition"),
    ("advocacy", "advocacy support where required, including brokerage with education and training providers"),
    ("careers_curriculum",
     "a curriculum which develops self-help skills and includes good-quality careers education, taught by "
     "trained specialists"),
]

# The same eleven in plain words: to the learner ("you") and to their parent or carer ("your child").
ENTITLEMENTS_FOR_LEARNERS = {
    "identified_adviser": "A named person who gives you advice and helps you reach your goals.",
    "support_network": "Help with other things in your life too, not just school work.",
    "choice_of_adviser": "A fair chance, and some say in who your adviser is.",
    "monitoring": "Someone who checks how you are doing and helps when you need it.",
    "continuity": "The same adviser for as long as we can manage it.",
    "pastoral": "Help from your tutor and from staff at school.",
    "diagnostic_assessment": "A check of what you need help with in learning and in choosing.",
    "impartial_guidance": "Fair advice about jobs and courses. No one pushes you one way.",
    "transition": "Help when you move on to a new school, course or job.",
    "advocacy": "Someone to speak up for you and to help you get a place on a course.",
    "careers_curriculum": "Lessons that teach you about jobs and how to help yourself.",
}
ENTITLEMENTS_FOR_PARENTS = {
    "identified_adviser": "A named adviser who gives your child advice and helps them work towards their goals.",
    "support_network": "Access to help on other matters too, not only school work.",
    "choice_of_adviser": "Fair treatment, and some choice over who your child's adviser is.",
    "monitoring": "Someone who keeps an eye on your child's progress and helps when it is needed.",
    "continuity": "The same adviser for as long as possible, above all for young people who need most help.",
    "pastoral": "Care and support from tutors at school.",
    "diagnostic_assessment": "A check of what your child needs help with, in learning and in choosing.",
    "impartial_guidance": "Fair careers advice that does not push your child one way.",
    "transition": "Help when your child moves to a new school, course or job.",
    "advocacy": "Someone who speaks up for your child and helps them get a place on a course.",
    "careers_curriculum": "Careers lessons taught by trained staff, that help your child help themselves.",
}

# Seed 000's three tiers in plain words (learner, parent).
TIERS_EXPLAINED = [
    (Tier.CORE, "Help for all",
     "Everyone gets this. Your key worker talks with you about your plan and your next steps.",
     "Every young person gets this: their key worker talks with them about their plan and next steps."),
    (Tier.FILTERED, "Extra help",
     "For when you are not sure what to do next, or want to change what you do. You meet a careers adviser.",
     "For a young person who is unsure about what to do next or wants a big change: they meet a careers "
     "adviser."),
    (Tier.INTENSIVE, "A lot of help",
     "For when things are very hard. A careers adviser meets you often, for as long as you need.",
     "For a young person going through a very hard time, or at risk of dropping out: a careers adviser "
     "works with them often, for as long as needed."),
]

# Seed 000: "The role of the Careers Service is to:" (word for word).
CAREERS_SERVICE_ROLE = [
    "secure the agreement of the partner organisation/professionals to support the model;",
    "offer training and other support for the key worker;",
    "provide, in collaboration with the key worker, the core service for all;",
    "provide filtered and intensive services for those who need more specialist help.",
]

# Seed 000: "Referrals to such guidance may be made:" (word for word).
REFERRAL_ROUTES = [
    "by the key worker;",
    "by individuals themselves;",
    'by the specialist guidance workers through their involvement in "core" provision available to all.',
]


class PartnershipStatus(models.TextChoices):
    """Where a partnership is in its consent: the careers service proposes, the school accepts or
    declines; an accepted one is ended early by either side, or replaced by an accepted change."""

    PROPOSED = "proposed", "Waiting for the school"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined by the school"
    ENDED = "ended", "Ended early"
    REPLACED = "replaced", "Replaced by a change the school accepted"


# What a careers service's advisers can see of a school's learners while a partnership is
# current — shown to the school before it accepts (issue 12).
PARTNERSHIP_SCOPE = (
    "Your learners' names, UPNs, year and tutor groups, and their key workers",
    "Careers guidance referrals about your learners, and their triage",
    "Each learner's guidance tier and its history",
    "Guidance interviews, action plans and the careers targets they add to a learner's plan",
    "Group sessions and their attendance registers",
    "Destinations (intended and actual) and the NEET follow-up list",
    "Entries of a learner's plan narrative that are shared with staff",
)


# Referrals waiting longer than this many school days are highlighted: a service's own setting
# (ServiceSettings.triage_target_school_days) starts here, and a school's view uses it as is.
DEFAULT_TRIAGE_TARGET_SCHOOL_DAYS = 5


class FigureKind(models.TextChoices):
    """What a row of a school's dashboard summary counts (``figures.py``)."""

    LEARNERS = "learners", "Active learners by target group"
    ABOVE_CORE = "above_core", "Active learners in the filtered or intensive tier, by target group"
    SOURCE = "source", "Referrals by source"
    REASON = "reason", "Referrals by reason"
    OPEN = "open", "Referrals waiting for triage"
    TRIAGE_HOURS = "triage_hours", "Triaged referrals by whole hours waited"
    DESTINATION = "destination", "Learners by latest actual destination"
    # The local authority's outcome figures (``outcomes.py``), by academic year:
    LEAVERS = "leavers", "Leavers by academic year, latest actual destination, age and year group"
    REFERRALS_MADE = "referrals_year", "Referrals by academic year made"
    TRIAGE_HOURS_YEAR = "triage_hours_year", "Triaged referrals by academic year made and whole hours waited"
