"""Choices of the learners app. Values are stable strings stored in the database: never rename
a value, only its label."""

from django.db import models


class TargetGroup(models.TextChoices):
    """The PLP target groups of seed 000."""

    # Key stage 3 (issue 13): the careers duty on schools covers Year 8 upwards and seed 001
    # argues for plans from the start of KS3.
    YEAR_7 = "year_7", "Year 7"
    YEAR_8 = "year_8", "Year 8"
    YEAR_9 = "year_9", "Year 9"
    KEY_STAGE_4 = "key_stage_4", "Key Stage 4"
    POST_16_FULL_TIME = "post_16_full_time", "Full-time post-16"
    WORK_BASED_TRAINEE = "work_based_trainee", "Work-based trainee"
    UNEMPLOYED_YOUNG_PERSON = "unemployed_young_person", "Unemployed young person"
    EMPLOYED_YOUNG_PERSON = "employed_young_person", "Employed young person"
    HE_STUDENT = "he_student", "Higher education student"
    EMPLOYED_ADULT = "employed_adult", "Employed adult"
    UNEMPLOYED_ADULT = "unemployed_adult", "Unemployed adult"
    SELF_EMPLOYED = "self_employed", "Self-employed"
    UNWAGED_ADULT = "unwaged_adult", "Unwaged adult"


class Audience(models.TextChoices):
    """Who may see a record on a plan. The rule is in ``learners.permissions``."""

    PLAN = "plan", "Everyone who can see the plan"
    STAFF = "staff", "Staff working with the learner"
    RESTRICTED = "restricted", "Named roles and the key worker only"


class PlanStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


class SignerRole(models.TextChoices):
    LEARNER = "learner", "Learner"
    TUTOR = "tutor", "Tutor"
    OFF_SITE_PROVIDER = "off_site_provider", "Off-site provider"


class TargetTerm(models.TextChoices):
    LONG = "long", "Long-term"
    SHORT = "short", "Short-term"


class TargetStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    ACHIEVED = "achieved", "Achieved"
    PARTLY_ACHIEVED = "partly_achieved", "Partly achieved"
    NOT_ACHIEVED = "not_achieved", "Not achieved"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Statuses after which a target is no longer being worked on.
TARGET_CLOSED_STATUSES = frozenset(
    {
        TargetStatus.ACHIEVED,
        TargetStatus.PARTLY_ACHIEVED,
        TargetStatus.NOT_ACHIEVED,
        TargetStatus.WITHDRAWN,
    }
)
TARGET_OPEN_STATUSES = frozenset({TargetStatus.NOT_STARTED, TargetStatus.IN_PROGRESS})


class SetByRole(models.TextChoices):
    """Who set a target: the learner (needs staff approval) or staff (approved when set)."""

    LEARNER = "learner", "Learner"
    STAFF = "staff", "Staff"


class AuthorRole(models.TextChoices):
    """The capacity in which someone wrote a narrative entry (free of the membership role: a key
    worker may write as a learning mentor)."""

    LEARNER = "learner", "Learner"
    TUTOR = "tutor", "Tutor"
    LEARNING_MENTOR = "learning_mentor", "Learning mentor"
    KEY_WORKER = "key_worker", "Key worker"
    SUBJECT_TUTOR = "subject_tutor", "Subject or specialist tutor"
    CAREERS_ADVISER = "careers_adviser", "Careers adviser"
    OTHER = "other", "Other"


class LogEntryKind(models.TextChoices):
    ACTIVITY_DIARY = "activity_diary", "Activity diary"
    WORK_PLACEMENT_DIARY = "work_placement_diary", "Work-placement diary"
    BLOG = "blog", "Blog entry"
    VOICE_RECORDING = "voice_recording", "Voice recording"
    PHOTO = "photo", "Photo"


class EcmOutcome(models.TextChoices):
    """The five Every Child Matters outcomes (seed 001)."""

    BE_HEALTHY = "be_healthy", "Be healthy"
    STAY_SAFE = "stay_safe", "Stay safe"
    ENJOY_AND_ACHIEVE = "enjoy_and_achieve", "Enjoy and achieve"
    POSITIVE_CONTRIBUTION = "positive_contribution", "Make a positive contribution"
    ECONOMIC_WELL_BEING = "economic_well_being", "Achieve economic well-being"


class ConcernCategory(models.TextChoices):
    ATTENDANCE = "attendance", "Attendance"
    BEHAVIOUR = "behaviour", "Behaviour"
    WELLBEING = "wellbeing", "Wellbeing"
    PROGRESS = "progress", "Progress"
    PERSONAL_CIRCUMSTANCES = "personal_circumstances", "Personal circumstances"
    OTHER = "other", "Other"


class ConcernStatus(models.TextChoices):
    OPEN = "open", "Open"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"


class Effort(models.TextChoices):
    EXCELLENT = "excellent", "Excellent"
    GOOD = "good", "Good"
    SATISFACTORY = "satisfactory", "Satisfactory"
    CAUSE_FOR_CONCERN = "cause_for_concern", "Cause for concern"


class LeavingReason(models.TextChoices):
    """Why an enrolment ended (issue 13)."""

    COMPLETED_PROGRAMME = "completed_programme", "Completed programme"
    MOVED_SCHOOL = "moved_school", "Moved school"
    MOVED_AREA = "moved_area", "Moved area"
    EXCLUDED = "excluded", "Excluded"
    OTHER = "other", "Other"


class OpenTargetsOnLeaving(models.TextChoices):
    """What happens to a leaver's open targets: the key worker chooses."""

    WITHDRAW = "withdraw", "Withdraw them"
    KEEP = "keep", "Keep them open, with a note"


class DestinationCategory(models.TextChoices):
    """Destination categories: of the moving-on plan's intended destination, and of the
    destinations the careers adviser records (``guidance.models.Destination``)."""

    EDUCATION = "education", "Education"
    APPRENTICESHIP = "apprenticeship", "Apprenticeship"
    EMPLOYMENT_WITH_TRAINING = "employment_with_training", "Employment with training"
    EMPLOYMENT_WITHOUT_TRAINING = "employment_without_training", "Employment without training"
    NEET = "neet", "Not in education, employment or training (NEET)"
    UNKNOWN = "unknown", "Unknown"
    OTHER = "other", "Other"
    # Left the area: out of the authority's cohort (the next authority tracks them). A recorded
    # destination only: the moving-on plan does not offer it as an intended destination.
    MOVED_AWAY = "moved_away", "Moved away"


class MovingOnShareWith(models.TextChoices):
    """Who the learner consents to share their moving-on plan with."""

    NEXT_ORGANISATION = "next_organisation", "The organisation I move on to"
    CAREERS_SERVICE = "careers_service", "The careers service"
    PARENT_CARER = "parent_carer", "My parent or carer"


class ApplicationStatus(models.TextChoices):
    """Where one application of a moving-on plan stands (issue 13)."""

    PLANNING = "planning", "Planning to apply"
    APPLIED = "applied", "Applied"
    OFFER = "offer", "Offer received"
    ACCEPTED = "accepted", "Offer accepted"
    DECLINED = "declined", "Offer declined"
    REJECTED = "rejected", "Not successful"


class TransferStatus(models.TextChoices):
    """A record-transfer grant's state (issue 13)."""

    REQUESTED = "requested", "Requested by the new organisation"
    CONSENTED = "consented", "Consented"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Consent withdrawn"


class ShareRelationship(models.TextChoices):
    PARENT_CARER = "parent_carer", "Parent or carer"
    OFF_SITE_TUTOR = "off_site_tutor", "Tutor at another provider"
    EMPLOYER = "employer", "Employer"
    OTHER = "other", "Other"


# Default target areas (issue 3): (code, name). ``careers`` is the stable code guidance uses.
DEFAULT_TARGET_AREAS = [
    ("english", "English"),
    ("maths", "Mathematics"),
    ("ict", "ICT"),
    ("personal_social", "Personal and social development"),
    ("vocational", "Vocational or subject"),
    ("work_placement", "Work placement"),
    ("life_skills", "Life skills"),
    ("healthy_living", "Healthy living"),
    ("leisure", "Leisure and recreation"),
    ("careers", "Careers"),
]
CAREERS_AREA_CODE = "careers"
FINAL_OUTCOME_AREA_CODE = "vocational"

# Default at-risk scale (seed 003): (code, name, description), in display order.
DEFAULT_AT_RISK_LEVELS = [
    ("red", "Red", "At serious risk of not completing or not progressing"),
    ("amber", "Amber", "Some risk: being monitored"),
    ("green", "Green", "On track"),
    ("silver", "Silver", "Doing well beyond the targets set"),
    ("gold", "Gold", "Outstanding progress"),
]


class TimelineKind:
    """Stable event kinds of the plan timeline. Other apps add theirs as dotted strings of the
    same shape (``review.signed_off``, ``guidance.interview``, ``referral.made`` …)."""

    PROFILE_UPDATED = "profile.updated"
    PLAN_CREATED = "plan.created"
    PLAN_UPDATED = "plan.updated"
    PLAN_SIGNED = "plan.signed"
    TARGET_SET = "target.set"
    TARGET_APPROVED = "target.approved"
    TARGET_UPDATED = "target.updated"
    TARGET_ACHIEVED = "target.achieved"
    NARRATIVE_ADDED = "narrative.added"
    NARRATIVE_CORRECTED = "narrative.corrected"
    LOG_ENTRY_ADDED = "log.entry_added"
    LOG_BLOCK_FILED = "log.block_filed"
    CONCERN_RAISED = "concern.raised"
    CONCERN_UPDATED = "concern.updated"
    CONCERN_RESOLVED = "concern.resolved"
    SUBJECT_REPORT_ADDED = "subject_report.added"
    AT_RISK_CHANGED = "at_risk.changed"
    KEY_WORKER_CHANGED = "key_worker.changed"
    SHARE_GRANTED = "share.granted"
    SHARE_REVOKED = "share.revoked"
    CONTRIBUTION_ADDED = "contribution.added"
    OFF_SITE_REVIEW = "off_site_review.signed"
    REVIEW_SCHEDULED = "review.scheduled"
    PLAN_CLOSED = "plan.closed"
    ENROLMENT_ENDED = "enrolment.ended"
    REENROLLED = "enrolment.restarted"
    MOVING_ON_SAVED = "moving_on.saved"
    MOVING_ON_AGREED = "moving_on.agreed"
    TRANSFER_CONSENTED = "transfer.consented"
    TRANSFER_ENDED = "transfer.ended"
    PLAN_CONTINUED = "plan.continued_from_transfer"
