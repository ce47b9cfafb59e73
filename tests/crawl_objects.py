"""For the cross-organisation crawl: how to make, in a given organisation, the object each URL
keyword argument names. A view whose URL takes a new keyword argument needs an entry here (the
crawl fails and says so otherwise)."""

import datetime

from django.utils import timezone

from plp_portal.notifications.models import Notification
from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Invitation, Term
from tests.factories import MembershipFactory, UserFactory


def _membership(org, ctx):
    return MembershipFactory(organisation=org, role=Role.LEARNER).pk


def _invitation(org, ctx):
    _token, token_hash = Invitation.new_token()
    return Invitation.objects.create(
        organisation=org,
        email="invitee@example.test",
        role=Role.KEY_WORKER,
        token_hash=token_hash,
        invited_by=UserFactory(),
        expires_at=timezone.now() + datetime.timedelta(days=3),
    ).pk


def _term(org, ctx):
    return Term.objects.create(
        organisation=org,
        academic_year=2026,
        name="Autumn",
        starts_on=datetime.date(2026, 9, 3),
        half_term_starts_on=datetime.date(2026, 10, 26),
        half_term_ends_on=datetime.date(2026, 10, 30),
        ends_on=datetime.date(2026, 12, 18),
    ).pk


def _notification(org, ctx):
    return Notification.objects.create(
        organisation=org, user=UserFactory(), kind="test", title="Hello"
    ).pk


def _profile(org, ctx):
    from learners.tests.factories import LearnerProfileFactory

    if "profile" not in ctx:
        ctx["profile"] = LearnerProfileFactory(organisation=org)
    return ctx["profile"].pk


def _plan(org, ctx):
    from learners.tests.factories import plan_for

    if "plan" not in ctx:
        _profile(org, ctx)
        ctx["plan"] = plan_for(ctx["profile"])
    return ctx["plan"].pk


def _review(org, ctx):
    from keyworkers import services as keyworker_services

    _plan(org, ctx)
    return keyworker_services.review_schedule_next(
        org=org, plan=ctx["plan"], due_on=datetime.date(2026, 12, 1)
    ).pk


def _team_member(org, ctx):
    from keyworkers import services as keyworker_services

    _profile(org, ctx)
    return keyworker_services.team_member_add(
        org=org, profile=ctx["profile"], by=UserFactory(), team_role="youth_worker", name="Y. Worker"
    ).pk


# keyword argument -> function(org, ctx) returning the value to put in the URL. ``ctx`` is a
# dict shared by the calls for one organisation, for objects that depend on each other.
OBJECT_KWARGS = {
    "membership_id": _membership,
    "invitation_id": _invitation,
    "term_id": _term,
    "notification_id": _notification,
    "profile_id": _profile,
    "plan_id": _plan,
    "review_id": _review,
    "team_member_id": _team_member,
}

# URL patterns the crawl does not request, each with the reason. Keep this short.
EXCLUDED_NAMESPACES = {
    "admin": "platform operators only (superusers); organisation users are sent to its login",
}
EXCLUDED_PREFIXES = {
    "accounts/": "allauth's own account pages: no organisation objects, secret keys only",
    "invitations/": "the token in an invitation link is a bearer grant by design",
}
