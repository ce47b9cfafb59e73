from django.db import models


class OrganisationKind(models.TextChoices):
    SCHOOL = "school", "School"
    COLLEGE = "college", "College"
    TRAINING_PROVIDER = "training_provider", "Training provider"
    EMPLOYER = "employer", "Employer"
    CAREERS_SERVICE = "careers_service", "Careers service"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    OTHER_AGENCY = "other_agency", "Other agency"


class Role(models.TextChoices):
    LEARNER = "learner", "Learner"
    PARENT_CARER = "parent_carer", "Parent or carer"
    KEY_WORKER = "key_worker", "Key worker"
    SUBJECT_TUTOR = "subject_tutor", "Subject or specialist tutor"
    CAREERS_ADVISER = "careers_adviser", "Careers adviser"
    CAREERS_LEAD = "careers_lead", "Careers lead"
    ORG_ADMIN = "org_admin", "Organisation admin"
    LA_OFFICER = "la_officer", "Local authority officer"
    # Seed 004's school roles (issue 14). A person may hold several roles in one organisation:
    # ``Membership.role`` is the main one, ``Membership.extra_roles`` the others.
    SENCO = "senco", "SENCO"
    HEAD_OF_YEAR = "head_of_year", "Head of year"
    LEARNING_MENTOR = "learning_mentor", "Learning mentor"
    PSHE_LEAD = "pshe_lead", "PSHE lead"


# Roles that work with other people's records; they must use MFA when PLP_REQUIRE_STAFF_MFA.
STAFF_ROLES = frozenset(Role) - {Role.LEARNER, Role.PARENT_CARER}
