from django.db import models


class TemplateKind(models.TextChoices):
    CAREERS_PLAN = "careers_plan", "Annual careers plan"
    ILP_CHECKLIST = "ilp_checklist", "ILP implementation and improvement checklist"


class Aim(models.TextChoices):
    """The Triple A rating of seed 002, with the seed's own description of each aim."""

    ASPIRATION = "aspiration", "Aspiration"
    ATTITUDE = "attitude", "Attitude"
    ACHIEVEMENT = "achievement", "Achievement"


AIM_DESCRIPTIONS = {
    Aim.ASPIRATION: "Students have a careers education experience that provides opportunities "
    "to inspire them about future career / life opportunities",
    Aim.ATTITUDE: "Students should have access to work related / enterprise experiences that "
    "develop appropriate employability skills",
    Aim.ACHIEVEMENT: "Students have access to appropriate curriculum pathways to maximise "
    "educational achievement to enhance career opportunities",
}


class Phase(models.TextChoices):
    """The seed's cycle: June/July planning, September monitoring, April review."""

    PLANNING = "planning", "Planning"
    MONITORING = "monitoring", "Monitoring"
    REVIEW = "review", "Review"


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class IlpAnswer(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    PRIORITY = "priority", "This is a priority for development"


class ReviewerKind(models.TextChoices):
    PEER = "peer", "Peer review (a careers lead of another school)"
    CONSULTANT = "consultant", "External consultant"


class RecommendationKind(models.TextChoices):
    """Seed 002: the plan "recommends specific priorities for improvement for the school"."""

    RECOMMENDATION = "recommendation", "Recommendation"
    PRIORITY = "priority", "Priority for improvement"


class RecommendationStatus(models.TextChoices):
    OPEN = "open", "Waiting for the school's answer"
    ANSWERED = "answered", "Answered by the school"
    CLOSED = "closed", "Closed by the authority"


class FeedbackAudience(models.TextChoices):
    """Seed 002: review the plan "taking into account the views of students, parents, employers
    and other learning providers" (the Annual Review section's four rows)."""

    STUDENTS = "students", "Students"
    PARENTS = "parents", "Parents and carers"
    EMPLOYERS = "employers", "Employers"
    PROVIDERS = "providers", "Other learning providers"


class FeedbackRating(models.IntegerChoices):
    VERY_USEFUL = 5, "Very useful"
    USEFUL = 4, "Useful"
    NEITHER = 3, "Neither useful nor not useful"
    NOT_VERY = 2, "Not very useful"
    NOT_AT_ALL = 1, "Not useful at all"


# The checklist item the students' feedback survey ticks (Kent item 20, "Student feedback received
# on CEIAG"): how the data migration (and a re-creation of the shipped templates) finds it.
STUDENT_FEEDBACK_ITEM_PREFIX = "Student feedback received"
