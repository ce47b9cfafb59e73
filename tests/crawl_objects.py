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


# --- learners (issue 3): a plan needs a profile needs a user; children derive from the plan.


def _learner_plan(org, ctx):
    if "learners.plan" not in ctx:
        from learners.tests.factories import LearnerProfileFactory, plan_for

        ctx["learners.plan"] = plan_for(LearnerProfileFactory(organisation=org))
    return ctx["learners.plan"]


def _learner_profile(org, ctx):
    return _learner_plan(org, ctx).profile_id


def _learner_plan_id(org, ctx):
    return _learner_plan(org, ctx).pk


def _learner_target(org, ctx):
    return _learner_plan(org, ctx).targets.get(is_final_outcome=True).pk


def _learner_narrative(org, ctx):
    from learners import services

    plan = _learner_plan(org, ctx)
    return services.narrative_append(org=org, plan=plan, by=plan.created_by, author_role="tutor", text="Hi").pk


def _learner_concern(org, ctx):
    from learners import services

    plan = _learner_plan(org, ctx)
    return services.concern_raise(org=org, plan=plan, by=plan.created_by, category="other",
                                  description="x", audience="plan").pk


def _learner_log_entry(org, ctx):
    from django.core.files.base import ContentFile

    from learners import services

    plan = _learner_plan(org, ctx)
    return services.log_entry_add(
        org=org, plan=plan, by=plan.profile.user, kind="voice_recording", written_on=plan.starts_on,
        file=ContentFile(b"OggS" + b"\0" * 60, name="voice.ogg"), file_content_type="audio/ogg",
    ).pk


def _learner_share(org, ctx):
    from learners import services

    plan = _learner_plan(org, ctx)
    return services.plan_share_grant(org=org, plan=plan, grantee=UserFactory(), relationship="parent_carer",
                                     by=plan.profile.user).pk


def _learner_share_invitation(org, ctx):
    from learners import services

    plan = _learner_plan(org, ctx)
    return services.plan_share_invite(org=org, plan=plan, email=f"nobody-{plan.pk}@example.test",
                                      relationship="employer", by=plan.profile.user).pk


def _learner_area(org, ctx):
    from learners import services

    return services.target_area_get(org=org, code="careers").pk


def _learner_level(org, ctx):
    from learners import services

    return services.at_risk_levels_seed_defaults(org=org)[0].pk


# keyword argument -> function(org, ctx) returning the value to put in the URL. ``ctx`` is a
# dict shared by the calls for one organisation, for objects that depend on each other.
OBJECT_KWARGS = {
    "membership_id": _membership,
    "invitation_id": _invitation,
    "term_id": _term,
    "notification_id": _notification,
    "profile_id": _learner_profile,
    "learner_plan_id": _learner_plan_id,
    "target_id": _learner_target,
    "narrative_id": _learner_narrative,
    "concern_id": _learner_concern,
    "log_entry_id": _learner_log_entry,
    "share_id": _learner_share,
    "share_invitation_id": _learner_share_invitation,
    "area_id": _learner_area,
    "level_id": _learner_level,
}

# URL patterns the crawl does not request, each with the reason. Keep this short.
EXCLUDED_NAMESPACES = {
    "admin": "platform operators only (superusers); organisation users are sent to its login",
}
EXCLUDED_PREFIXES = {
    "accounts/": "allauth's own account pages: no organisation objects, secret keys only",
    "invitations/": "the token in an invitation link is a bearer grant by design",
}
