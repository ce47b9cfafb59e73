"""Factories for learners models. Each derives its organisation from its parent object
(profile → plan → target …), so a test cannot build a child in another organisation by mistake."""

import datetime

import factory

from learners import services
from learners.choices import Audience, SetByRole, TargetGroup
from learners.models import LearnerProfile
from plp_portal.organisations.choices import Role
from tests.factories import UserFactory, member


class LearnerProfileFactory(factory.django.DjangoModelFactory):
    """``LearnerProfileFactory(organisation=org)``: a learner member of ``org`` with a profile."""

    class Meta:
        model = LearnerProfile

    organisation = factory.SubFactory("tests.factories.OrganisationFactory")
    user = factory.LazyAttribute(lambda o: member(o.organisation, Role.LEARNER))
    target_group = TargetGroup.KEY_STAGE_4
    year_group = "10"
    tutor_group = "10A"
    date_of_birth = datetime.date(2010, 5, 1)


def plan_for(profile=None, *, org=None, by=None, programme_name="Key Stage 4 programme",
             starts_on=datetime.date(2026, 9, 1), ends_on=datetime.date(2027, 7, 20), **fields):
    """An active plan (with its final-outcome target) for ``profile`` (made in ``org`` if not given)."""
    if profile is None:
        profile = LearnerProfileFactory(organisation=org)
    org = profile.organisation
    by = by or member(org, Role.KEY_WORKER)
    return services.plan_create(
        org=org, profile=profile, by=by, programme_name=programme_name, starts_on=starts_on,
        ends_on=ends_on, final_outcome=fields.pop("final_outcome", "Five GCSEs at grade 4 or above"),
        **fields,
    )


def target_for(plan, *, by=None, audience=Audience.PLAN, restricted_roles=(), **fields):
    org = plan.organisation
    fields.setdefault("title", "Read one book a month")
    fields.setdefault("due_on", datetime.date(2026, 12, 1))
    fields.setdefault("set_by_role", SetByRole.STAFF)
    return services.target_create(org=org, plan=plan, by=by or plan.created_by, audience=audience,
                                  restricted_roles=restricted_roles, **fields)


def staff(org, role=Role.KEY_WORKER):
    return member(org, role)


__all__ = ["LearnerProfileFactory", "plan_for", "target_for", "staff", "UserFactory"]
