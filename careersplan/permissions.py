from plp_portal.organisations.choices import Role

# Who edits a plan, who may read it in the organisation.
PLAN_EDITORS = (Role.CAREERS_LEAD,)
PLAN_READERS = (Role.CAREERS_LEAD, Role.ORG_ADMIN)
AUTHORITY = (Role.LA_OFFICER,)


def can_edit_plan(membership) -> bool:
    return membership is not None and membership.role in PLAN_EDITORS
