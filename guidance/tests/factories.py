"""Factories for guidance: a careers service, a school partnered with it for the current
academic year, an adviser, learners with plans. Rows derive their organisation from the learner
(school) or the service."""

import datetime

from django.utils import timezone

from guidance import services
from guidance.choices import ReferralReason, ReferralSource, Tier, Urgency
from learners.tests.factories import LearnerProfileFactory, plan_for
from plp_portal.organisations.choices import OrganisationKind, Role
from tests.factories import OrganisationFactory, member


def careers_service(**kw):
    kw.setdefault("kind", OrganisationKind.CAREERS_SERVICE)
    return OrganisationFactory(**kw)


def current_year(today=None):
    today = today or timezone.localdate()
    return today.year if today.month >= 9 else today.year - 1


def proposal(service, school, *, academic_year=None, advisers=(), by=None, **kw):
    """A partnership the careers service has proposed and the school has not yet decided on."""
    by = by or member(service, Role.ORG_ADMIN)
    return services.partnership_propose(org=service, school=school, academic_year=academic_year or current_year(),
                                        by=by, advisers=advisers, **kw)


def partnership(service, school, *, academic_year=None, advisers=(), by=None, accepted_by=None, **kw):
    """A partnership proposed by the service and accepted by the school's organisation admin."""
    p = proposal(service, school, academic_year=academic_year, advisers=advisers, by=by, **kw)
    accepted_by = accepted_by or member(school, Role.ORG_ADMIN)
    return services.partnership_decide(school=school, partnership=p, by=accepted_by, accept=True)


def learner(school, *, with_plan=True, key_worker=None, target_group=None):
    fields = {"organisation": school}
    if target_group:
        fields["target_group"] = target_group
    profile = LearnerProfileFactory(**fields)
    if key_worker is not None:
        from learners.services import learner_set_key_worker

        learner_set_key_worker(org=school, learner=profile, user=key_worker, by=key_worker)
        profile.refresh_from_db()
    if with_plan:
        today = timezone.localdate()
        plan_for(profile, starts_on=today - datetime.timedelta(days=30), ends_on=today + datetime.timedelta(days=300))
    return profile


def referral(profile, *, by=None, source=ReferralSource.KEY_WORKER, reasons=(ReferralReason.TRANSITION_UNCLEAR,),
             urgency=Urgency.ROUTINE, suggested_tier=Tier.FILTERED, **kw):
    by = by or member(profile.organisation, Role.KEY_WORKER)
    kw.setdefault("org", profile.organisation)  # the school's own staff, unless an adviser refers
    if source == ReferralSource.SELF:
        kw.setdefault("consent", True)
    if source == ReferralSource.OTHER_AGENCY:
        kw.setdefault("agency_name", "Youth Offending Team")
    return services.referral_make(profile=profile, source=source, by=by, reasons=list(reasons), urgency=urgency,
                                  suggested_tier=suggested_tier, **kw)
