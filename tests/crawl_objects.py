"""For the cross-organisation crawl: how to make, in a given organisation, the object each URL
keyword argument names. A view whose URL takes a new keyword argument needs an entry here (the
crawl fails and says so otherwise)."""

import datetime

from django.utils import timezone

from plp_portal.notifications.models import Notification
from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Invitation, Term
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


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


def _import_run(org, ctx):
    """A previewed (ready) MIS import of ``org``: two pupils."""
    from onboarding import samples, services

    run = services.import_run_create(
        org=org, kind="pupils", preset="sims", file_name="pupils.csv", by=UserFactory(),
        data=samples.to_csv(samples.PUPIL_HEADER, samples.pupil_rows(2)))
    return services.import_run_preview(org=org, run=run).pk


def _careers_plan(org, ctx):
    """A careers plan of ``org`` (one per organisation and call), with a row, evidence, a
    reviewer grant and an ILP self-assessment hanging off it."""
    if "careers_plan" not in ctx:
        from careersplan.tests.factories import make_plan

        ctx["careers_plan"] = make_plan(org, year=2026)
    return ctx["careers_plan"]


def _plan_id(org, ctx):
    return _careers_plan(org, ctx).pk


def _plan_section_id(org, ctx):
    # Sections belong to the shared template: the plan (or template) id in the same URL is
    # what must be refused.
    return _careers_plan(org, ctx).rows.first().template_row.section_id


def _plan_row_id(org, ctx):
    return _careers_plan(org, ctx).rows.first().pk


def _evidence_id(org, ctx):
    row = _careers_plan(org, ctx).rows.first()
    return row.evidence.create(organisation=org, text="Careers fair held").pk


def _grant_id(org, ctx):
    from careersplan.models import ReviewerGrant

    plan = _careers_plan(org, ctx)
    return ReviewerGrant.objects.create(
        organisation=org, plan=plan, reviewer=UserFactory(), kind="peer",
        expires_on=datetime.date(2099, 1, 1),
    ).pk


def _recommendation_id(org, ctx):
    """An authority's recommendation on ``org``'s careers plan."""
    from careersplan.models import Recommendation

    plan = _careers_plan(org, ctx)
    authority = OrganisationFactory(kind="local_authority")
    return Recommendation.objects.create(
        organisation=org, plan=plan, authority=authority, text="Invite employers",
        due_on=datetime.date(2099, 1, 1), created_by=UserFactory(),
    ).pk


def _survey_id(org, ctx):
    from careersplan.models import FeedbackSurvey

    return FeedbackSurvey.objects.create(
        organisation=org, plan=_careers_plan(org, ctx), audience="students", token=f"crawl-{org.pk}",
        closes_on=datetime.date(2099, 1, 1), created_by=UserFactory(),
    ).pk


def _assessment_id(org, ctx):
    from careersplan.models import IlpSelfAssessment
    from careersplan.tests.factories import shipped_templates

    return IlpSelfAssessment.objects.create(
        organisation=org, academic_year=2026, template=shipped_templates()[1]
    ).pk


def _template_id(org, ctx):
    """A template adapted by ``org`` (acting as an authority)."""
    from careersplan.services import template_copy
    from careersplan.tests.factories import kent_template

    return template_copy(authority=org, template=kent_template(), by=None).pk


def _review(org, ctx):
    from keyworkers import services as keyworker_services

    return keyworker_services.review_schedule_next(
        org=org, plan=_learner_plan(org, ctx), due_on=datetime.date(2026, 12, 1)
    ).pk


def _team_member(org, ctx):
    from keyworkers import services as keyworker_services

    return keyworker_services.team_member_add(
        org=org, profile=_learner_plan(org, ctx).profile, by=UserFactory(),
        team_role="youth_worker", name="Y. Worker",
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


def _record_transfer(org, ctx):
    """A transfer of the crawl learner's record at ``org`` asked for by a college."""
    from learners import services
    from tests.factories import OrganisationFactory

    plan = _learner_plan(org, ctx)
    college = OrganisationFactory(kind="college")
    profile = services.learner_profile_create(org=college, user=plan.profile.user, target_group="post_16_full_time",
                                              by=UserFactory())
    return services.record_transfer_request(org=college, profile=profile, sending_org=org, by=UserFactory()).pk


def _moving_on_application(org, ctx):
    """An application of the crawl plan's moving-on plan (written if it has none)."""
    from learners import services

    plan = _learner_plan(org, ctx)
    moving_on = plan.moving_on_or_none or services.moving_on_save(
        org=org, plan=plan, by=plan.created_by, expected_version=None, destination_category="education")
    return services.moving_on_application_save(org=org, moving_on=moving_on, by=plan.created_by,
                                               provider="Crawl College", course_or_role="Level 2").pk


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


def _pdf_render(kind, object_id, audience="plan"):
    """A finished render of ``org``'s document (plp_portal.pdfs) for ``audience``: its page and
    file must be refused to another organisation's people."""

    def make(org, ctx):
        from django.core.files.base import ContentFile

        from plp_portal.pdfs.models import PdfRender

        render = PdfRender(organisation=org, kind=kind, object_id=object_id(org, ctx), audience=audience,
                           fingerprint="crawl", status=PdfRender.Status.DONE)
        render.file.save("crawl.pdf", ContentFile(b"%PDF-1.4 crawl"), save=False)
        render.save()
        return render.pk

    return make


def _sar(org, ctx):
    """A finished subject access export of the world's learner (plp_portal.records)."""
    import datetime

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from plp_portal.records.models import SubjectAccessRequest

    learner = _learner_plan(org, ctx).profile.user
    sar = SubjectAccessRequest(organisation=org, learner=learner, requested_by=learner, status="ready",
                               progress=100, expires_at=timezone.now() + datetime.timedelta(days=1))
    sar.file.save("crawl.zip", ContentFile(b"PK crawl"), save=False)
    sar.save()
    return sar.pk


def _erasure(org, ctx):
    """An early erasure of the world's learner, waiting for a second admin (plp_portal.records)."""
    from plp_portal.records.models import Erasure

    profile = _learner_plan(org, ctx).profile
    return Erasure.objects.create(organisation=org, profile_id=profile.pk, reason="early",
                                  requested_by=UserFactory()).pk


def _bundle(org, ctx, user=None):
    """A finished ZIP of progress files (plp_portal.pdfs.PdfBundle) asked for by ``user``."""
    import datetime

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from plp_portal.pdfs.models import PdfBundle

    plan = _learner_plan(org, ctx)
    bundle = PdfBundle(organisation=org, kind="learners.progress_file", object_ids=[plan.pk], title="Crawl",
                       page_path="/", requested_by=user or UserFactory(), status="ready", done_count=1,
                       included_count=1, expires_at=timezone.now() + datetime.timedelta(days=1))
    bundle.file.save("crawl.zip", ContentFile(b"PK crawl"), save=False)
    bundle.save()
    return bundle.pk


# keyword argument -> function(org, ctx) returning the value to put in the URL. ``ctx`` is a
# dict shared by the calls for one organisation, for objects that depend on each other.
OBJECT_KWARGS = {
    "membership_id": _membership,
    "invitation_id": _invitation,
    "term_id": _term,
    "notification_id": _notification,
    "run_id": _import_run,
    # careersplan names its annual careers plans plan_id too: a key "<namespace>:<kwarg>"
    # wins over the plain kwarg for that namespace's URLs.
    "careersplan:plan_id": _plan_id,
    "careersplan_review:plan_id": _plan_id,
    "section_id": _plan_section_id,
    "row_id": _plan_row_id,
    "evidence_id": _evidence_id,
    "grant_id": _grant_id,
    "assessment_id": _assessment_id,
    "recommendation_id": _recommendation_id,
    "survey_id": _survey_id,
    "template_id": _template_id,
    "review_id": _review,
    "team_member_id": _team_member,
    "profile_id": _learner_profile,
    "learner_plan_id": _learner_plan_id,
    "plan_id": _learner_plan_id,  # keyworkers' URLs name the learner's plan plan_id
    "target_id": _learner_target,
    "narrative_id": _learner_narrative,
    "concern_id": _learner_concern,
    "log_entry_id": _learner_log_entry,
    "share_id": _learner_share,
    "transfer_id": _record_transfer,
    "application_id": _moving_on_application,
    "share_invitation_id": _learner_share_invitation,
    "area_id": _learner_area,
    "level_id": _learner_level,
    "render_id": _pdf_render("learners.progress_file", _learner_plan_id),
    "careersplan:render_id": _pdf_render("careersplan.plan", _plan_id),
    "guidance:render_id": _pdf_render("guidance.progress_file", _learner_plan_id),
    "keyworkers:render_id": _pdf_render("keyworkers.review", _review),
    "me_reviews:render_id": _pdf_render("keyworkers.review", _review),
    "sar_id": _sar,
    "bundle_id": _bundle,
    "erasure_id": _erasure,
    "careersplan_review:render_id": _pdf_render("careersplan.plan", _plan_id),
}

# URL patterns the crawl does not request, each with the reason. Keep this short.
EXCLUDED_NAMESPACES = {
    "admin": "platform operators only (superusers); organisation users are sent to its login",
}
EXCLUDED_PREFIXES = {
    "accounts/": "allauth's own account pages: no organisation objects, secret keys only",
    "invitations/": "the token in an invitation link is a bearer grant by design",
    "public/": "public by design, no sign-in: only what an organisation published explicitly "
               "(careersplan/tests/test_programme.py proves nothing else shows)",
}


# --- guidance (issue 5) -----------------------------------------------------------------------
# Objects of organisation ``org``: for the school-owned rows ``org`` is the learner's school; for
# the careers service's rows (partnership, objective) ``org`` is the service. Either way a member
# of another organisation — with any role, a careers adviser included — has no current
# partnership with ``org`` and must get 403/404.


def _guidance_user(ctx):
    # One person for every guidance object's "by"/adviser: each new user costs a password hash.
    if "guidance_user" not in ctx:
        ctx["guidance_user"] = UserFactory()
    return ctx["guidance_user"]


def _guidance_service(ctx):
    if "guidance_service" not in ctx:
        from tests.factories import OrganisationFactory

        ctx["guidance_service"] = OrganisationFactory(kind="careers_service")
    return ctx["guidance_service"]


def _guidance_profile(org, ctx):
    if "guidance_profile" not in ctx:
        from learners.tests.factories import LearnerProfileFactory

        ctx["guidance_profile"] = LearnerProfileFactory(organisation=org)
    return ctx["guidance_profile"]


def _guidance_referral(org, ctx):
    from guidance.tests.factories import referral

    profile = _guidance_profile(org, ctx)
    return referral(profile, by=profile.user, source="self").pk


def _guidance_interview(org, ctx):
    from guidance.models import Interview

    return Interview.objects.create(
        organisation=org, profile=_guidance_profile(org, ctx), careers_service=_guidance_service(ctx),
        adviser=_guidance_user(ctx), held_on=datetime.date(2026, 10, 1), summary="Talked about options",
    ).pk


def _guidance_session(org, ctx):
    from guidance.models import GroupSession

    return GroupSession.objects.create(
        organisation=org, careers_service=_guidance_service(ctx), adviser=_guidance_user(ctx),
        held_on=datetime.date(2026, 10, 1), topic="Post-16 options",
    ).pk


def _guidance_partnership(org, ctx):
    if "guidance_partnership" not in ctx:
        from guidance import services
        from guidance.tests.factories import current_year
        from tests.factories import OrganisationFactory

        ctx["guidance_partnership"] = services.partnership_propose(
            org=org, school=OrganisationFactory(), academic_year=current_year(), by=_guidance_user(ctx),
        )
    return ctx["guidance_partnership"].pk


def _guidance_agreement(org, ctx):
    """A partnership naming ``org`` as the school (another careers service proposed it, ``org``
    accepted it): the school's side of the grant."""
    if "guidance_agreement" not in ctx:
        from guidance import services
        from guidance.tests.factories import current_year

        proposal = services.partnership_propose(
            org=_guidance_service(ctx), school=org, academic_year=current_year(), by=_guidance_user(ctx))
        ctx["guidance_agreement"] = services.partnership_decide(
            school=org, partnership=proposal, by=_guidance_user(ctx), accept=True)
    return ctx["guidance_agreement"].pk


def _guidance_objective(org, ctx):
    _guidance_partnership(org, ctx)
    return ctx["guidance_partnership"].objectives.first().pk


OBJECT_KWARGS.setdefault("profile_id", lambda org, ctx: _guidance_profile(org, ctx).pk)
OBJECT_KWARGS.update({
    "referral_id": _guidance_referral,
    "interview_id": _guidance_interview,
    "session_id": _guidance_session,
    "partnership_id": _guidance_partnership,
    "agreement_id": _guidance_agreement,
    "objective_id": _guidance_objective,
})
