"""Pages of the guidance app. Thin: every object comes through a scoped selector
(``selectors.guidance_scope`` once per request — for an adviser, only the schools with a current
partnership with their service)."""

from __future__ import annotations

import dataclasses
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from learners.permissions import PlanViewer, audience_q, can_see, plan_viewer, profile_viewer
from learners.selectors import narrative_for
from plp_portal import clock
from plp_portal.pagination import keyset_page
from plp_portal.audit.services import audit_log
from plp_portal.organisations.choices import OrganisationKind, Role
from plp_portal.organisations.permissions import org_role_required
from plp_portal.uploads import serve_upload
from plp_portal.urlpaths import row_url
from learners.pdf import progress_file_view

from . import charts, forms, selectors, services
from .choices import (
    DEFAULT_TRIAGE_TARGET_SCHOOL_DAYS,
    PARTNERSHIP_SCOPE,
    ReferralStatus,
    Tier,
    TriageDecision,
)
from .filters import GuidanceLearnerFilterSet, ReferralQueueFilterSet, RegisterFilterSet
from .lookups import referral_for_request
from .objectives import STATUTORY_GROUPS
from .pdf_renders import PARTNER_PROGRESS_FILE, partner_audience

GUIDANCE_ROLES = (Role.CAREERS_ADVISER, Role.KEY_WORKER, Role.CAREERS_LEAD, Role.ORG_ADMIN)
PAGE_SIZE = 25


def guidance_view(*, service_only=False):
    """Role check, then the request's ``GuidanceScope`` as ``request.guidance``."""

    def decorator(view):
        @org_role_required(*GUIDANCE_ROLES)
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            request.guidance = selectors.guidance_scope(org=request.org, membership=request.membership)
            if service_only and not request.guidance.is_service:
                raise PermissionDenied("Careers service advisers only")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _viewer(request, *, profile, plan) -> PlanViewer:
    """The signed-in person's relation to the learner, which every record's audience is checked
    against — the plan's viewer, or without a plan the profile's (no grantees) with
    ``plan_id=None`` so it matches records that have no plan. A careers adviser of a partner
    service counts as working staff (``partner_role``): the scope has checked the partnership."""
    partner_role = Role.CAREERS_ADVISER if request.guidance.is_service else None
    if plan is not None:
        return plan_viewer(plan=plan, user=request.user, membership=request.membership, partner_role=partner_role)
    viewer = profile_viewer(profile=profile, user=request.user, membership=request.membership)
    if partner_role and not (viewer.is_learner or viewer.is_key_worker or viewer.staff_role):
        viewer = dataclasses.replace(viewer, staff_role=partner_role)
    return dataclasses.replace(viewer, plan_id=None)


def _url(request, name, **kwargs):
    return reverse(f"guidance:{name}", kwargs={"org_slug": request.org.slug, **kwargs})


def _acting_org(request):
    """The organisation the signed-in person works for: the school itself, or the careers
    service (whose partnership the services check again). Never None."""
    return request.org


# --- Queue and referrals ----------------------------------------------------------------------


@guidance_view()
def index(request):
    """The triage queue (advisers: every partner school) / the school's referrals."""
    scope = request.guidance
    filterset = ReferralQueueFilterSet(request.GET or None, queryset=selectors.referral_queue(scope=scope),
                                       org=request.org, scope=scope)
    # Keyset pages (issue 19): "Next" starts after the last referral shown, so a deep page
    # costs what the first does.
    page = keyset_page(filterset.qs, keys=selectors.REFERRAL_QUEUE_KEYS, cursor=request.GET.get("cursor"),
                       size=PAGE_SIZE)
    target_days = (selectors.service_settings_get(org=request.org).triage_target_school_days
                   if scope.is_service else DEFAULT_TRIAGE_TARGET_SCHOOL_DAYS)
    today = clock.today(request.org)
    rows = []
    for referral in page.object_list:
        age = selectors.school_days_between(timezone.localtime(referral.created_at).date(), today)
        rows.append({"referral": referral, "age": age,
                     "breached": referral.status == ReferralStatus.NEW and age > target_days})
    partners = [] if scope.is_service else list(selectors.partnerships_of_school(school_id=request.org.pk))
    return render(request, "guidance/index.html", {
        "partners": partners, "filterset": filterset,
        "scope": scope, "page": page, "rows": rows, "target_days": target_days,
    })


@guidance_view()
def referral_new(request, profile_id):
    scope = request.guidance
    profile = selectors.learner_get(scope=scope, profile_id=profile_id)
    form = forms.ReferralForm(request.POST or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        referral = services.referral_make(
            profile=profile, source=data["source"], by=request.user, reasons=data["reasons"],
            suggested_tier=data["suggested_tier"], urgency=data["urgency"], notes=data["notes"],
            consent=data["consent"], consent_wording="Consent confirmed by the referrer" if data["consent"] else "",
            agency_name=data["agency_name"], org=_acting_org(request), audience=data["audience"],
        )
        messages.success(request, "Referral made.")
        return redirect(_url(request, "referral_detail", referral_id=referral.pk))
    return render(request, "guidance/referral_form.html", {"form": form, "profile": profile})


def _referral_page(request, referral, *, triage_form=None, feedback_form=None):
    """The referral's page; a refused triage or feedback comes back here with what was typed."""
    scope = request.guidance
    if triage_form is None and scope.is_service:
        triage_form = forms.TriageForm(org=request.org)
    return render(request, "guidance/referral_detail.html", {
        "referral": referral, "events": selectors.referral_events(referral=referral), "scope": scope,
        "triage_form": triage_form, "feedback_form": feedback_form or forms.FeedbackForm(),
        "can_triage": scope.is_service and referral.status == ReferralStatus.NEW,
        "can_close": scope.is_service and ReferralStatus.CLOSED in services.REFERRAL_TRANSITIONS[ReferralStatus(referral.status)],
        "can_withdraw": not scope.is_service and referral.status == ReferralStatus.NEW,
    })


@guidance_view()
def referral_detail(request, referral_id):
    referral = referral_for_request(request, referral_id)
    return _referral_page(request, referral)


@require_POST
@guidance_view(service_only=True)
def referral_triage(request, referral_id):
    referral = referral_for_request(request, referral_id)
    form = forms.TriageForm(request.POST, org=request.org)
    if referral.status != ReferralStatus.NEW:
        messages.error(request, "This referral has already been triaged.")
        return redirect(_url(request, "referral_detail", referral_id=referral.pk))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.referral_triage(
                referral=referral, by=request.user, org=request.org, decision=data["decision"],
                note=data["note"], allocated_adviser=data["allocated_adviser"],
                referred_on_to=data["referred_on_to"], review_on=data["review_on"],
                tier_reasons=data["tier_reasons"] or None,
            )
        except ValueError as error:
            form.add_error(None, str(error).capitalize())
        else:
            messages.success(request, f"Referral triaged: {TriageDecision(data['decision']).label.lower()}.")
            return redirect(_url(request, "referral_detail", referral_id=referral.pk))
    return _referral_page(request, referral, triage_form=form)


@require_POST
@guidance_view(service_only=True)
def referral_close(request, referral_id):
    referral = referral_for_request(request, referral_id)
    form = forms.FeedbackForm(request.POST)
    if ReferralStatus.CLOSED not in services.REFERRAL_TRANSITIONS[ReferralStatus(referral.status)]:
        messages.error(request, "This referral cannot be closed now: it is "
                       f"{referral.get_status_display().lower()}.")
        return redirect(_url(request, "referral_detail", referral_id=referral.pk))
    if not form.is_valid():
        return _referral_page(request, referral, feedback_form=form)
    services.referral_close(referral=referral, by=request.user, feedback=form.cleaned_data["feedback"],
                            org=request.org)
    messages.success(request, "Feedback recorded and the key worker told.")
    return redirect(_url(request, "referral_detail", referral_id=referral.pk))


@require_POST
@guidance_view()
def referral_withdraw(request, referral_id):
    referral = referral_for_request(request, referral_id)
    if request.guidance.is_service or referral.status != ReferralStatus.NEW:
        raise PermissionDenied("Only the school may withdraw a referral waiting for triage")
    services.referral_withdraw(referral=referral, by=request.user, org=_acting_org(request))
    messages.success(request, "Referral withdrawn.")
    return redirect(_url(request, "referral_detail", referral_id=referral.pk))


# --- Learners ---------------------------------------------------------------------------------


@guidance_view()
def learner_list(request):
    scope = request.guidance
    filterset = GuidanceLearnerFilterSet(request.GET or None, queryset=selectors.learner_search(scope=scope),
                                         org=request.org)
    # Keyset pages (issue 19): an adviser's list spans every partner school.
    page = keyset_page(filterset.qs, keys=selectors.LEARNER_KEYS, cursor=request.GET.get("cursor"), size=PAGE_SIZE)
    return render(request, "guidance/learner_list.html", {"page": page, "filterset": filterset, "scope": scope})


@guidance_view()
def learner_detail(request, profile_id):
    scope = request.guidance
    profile = selectors.learner_get(scope=scope, profile_id=profile_id)
    plan = selectors.active_plan_for(profile=profile)
    viewer = _viewer(request, profile=profile, plan=plan)
    narrative = []
    if plan is not None and viewer.can_view_plan:
        narrative = list(narrative_for(plan=plan, viewer=viewer).order_by("-created_at")[:5])
    visible = audience_q(viewer)
    audit_log("guidance.learner.viewed", request=request, obj=profile)
    return render(request, "guidance/learner_detail.html", {
        "profile": profile, "plan": plan, "narrative": narrative, "scope": scope,
        "guidance": selectors.learner_guidance_get(profile=profile),
        "tier_history": selectors.tier_history(profile=profile, audience_filter=visible),
        "referrals": selectors.referrals_for_learner(profile=profile, audience_filter=visible),
        "interviews": selectors.interviews_for_learner(profile=profile, audience_filter=visible),
        "destinations": selectors.destinations_for_learner(profile=profile),
    })


@guidance_view(service_only=True)
def learner_progress_file(request, profile_id, render_id=None, download=False):
    """A partner school's learner's progress file for the service's adviser: what a careers
    adviser of the school would see (``partner_role``), rendered by the workers while the
    partnership is current (``guidance.pdf_renders``)."""
    profile = selectors.learner_get(scope=request.guidance, profile_id=profile_id)
    plan = selectors.active_plan_for(profile=profile)
    if plan is None:
        raise Http404("No active plan")
    viewer = _viewer(request, profile=profile, plan=plan)
    return progress_file_view(
        request, plan=plan, viewer=viewer, url_name="guidance:learner_progress_file",
        url_kwargs={"org_slug": request.org.slug, "profile_id": profile.pk},
        back_url=_url(request, "learner_detail", profile_id=profile.pk), back_label="Back to the learner",
        render_id=render_id, download=download, kind=PARTNER_PROGRESS_FILE, audience=partner_audience(request.org))


@guidance_view(service_only=True)
def tier_change(request, profile_id):
    profile = selectors.learner_get(scope=request.guidance, profile_id=profile_id)
    guidance = selectors.learner_guidance_get(profile=profile)
    form = forms.TierForm(request.POST or None, initial={"tier": guidance.tier if guidance else Tier.CORE})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.tier_set(profile=profile, to_tier=data["tier"], reasons=data["reasons"], by=request.user,
                          review_on=data["review_on"], note=data["note"], org=request.org)
        messages.success(request, f"Tier changed to {Tier(data['tier']).label.lower()}.")
        return redirect(_url(request, "learner_detail", profile_id=profile.pk))
    return render(request, "guidance/tier_form.html", {"form": form, "profile": profile})


@guidance_view(service_only=True)
def interview_new(request, profile_id):
    profile = selectors.learner_get(scope=request.guidance, profile_id=profile_id)
    plan = selectors.active_plan_for(profile=profile)
    viewer = _viewer(request, profile=profile, plan=plan)
    referral = None
    if request.GET.get("referral", "").isdigit():
        referral = selectors.referrals_for_learner(profile=profile, audience_filter=audience_q(viewer)).filter(
            pk=int(request.GET["referral"])).first()
    if referral is None:  # from the learner's page: the accepted referral the adviser is working on
        referral = selectors.referral_in_progress(profile=profile)
    form = forms.InterviewForm(request.POST or None, initial={"held_on": clock.today(request.org)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        interview = services.interview_record(
            profile=profile, org=request.org, adviser=request.user, kind=data["kind"], held_on=data["held_on"],
            summary=data["summary"], actions=data["actions"], audience=data["audience"], referral=referral,
        )
        messages.success(request, f"Interview recorded with {len(data['actions'])} action(s) added to the plan.")
        return redirect(_url(request, "interview_detail", interview_id=interview.pk))
    narrative = []
    if plan is not None and viewer.can_view_plan:
        narrative = list(narrative_for(plan=plan, viewer=viewer).order_by("-created_at")[:3])
    return render(request, "guidance/interview_form.html", {
        "form": form, "profile": profile, "plan": plan, "narrative": narrative, "referral": referral})


def _interview_page(request, interview, *, feedback_form=None):
    return render(request, "guidance/interview_detail.html", {
        "interview": interview, "scope": request.guidance, "feedback_form": feedback_form or forms.FeedbackForm()})


@guidance_view()
def interview_detail(request, interview_id):
    interview = selectors.interview_get(scope=request.guidance, interview_id=interview_id)
    # With or without a plan, the interview's audience decides (no plan never means "show it").
    if not can_see(_viewer(request, profile=interview.profile, plan=interview.plan), interview):
        raise Http404("No interview")
    audit_log("guidance.interview.viewed", request=request, obj=interview)
    return _interview_page(request, interview)


@require_POST
@guidance_view(service_only=True)
def interview_feedback(request, interview_id):
    interview = selectors.interview_get(scope=request.guidance, interview_id=interview_id)
    form = forms.FeedbackForm(request.POST)
    if not form.is_valid():
        return _interview_page(request, interview, feedback_form=form)
    services.interview_feedback(interview=interview, by=request.user, org=request.org,
                                feedback=form.cleaned_data["feedback"])
    messages.success(request, "Feedback recorded and the key worker told.")
    return redirect(_url(request, "interview_detail", interview_id=interview.pk))


@guidance_view()
def destination_new(request, profile_id):
    profile = selectors.learner_get(scope=request.guidance, profile_id=profile_id)
    form = forms.DestinationForm(request.POST or None, initial={"recorded_on": clock.today(request.org)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.destination_record(
            profile=profile, by=request.user, kind=data["kind"], category=data["category"],
            recorded_on=data["recorded_on"], detail=data["detail"], confirmed_how=data["confirmed_how"],
            follow_up_on=data["follow_up_on"], org=_acting_org(request),
        )
        if data["left_on"]:
            services.leaver_record(profile=profile, left_on=data["left_on"], by=request.user, org=_acting_org(request))
        messages.success(request, "Destination recorded.")
        return redirect(_url(request, "learner_detail", profile_id=profile.pk))
    return render(request, "guidance/destination_form.html", {"form": form, "profile": profile})


@guidance_view()
def neet_list(request):
    page = keyset_page(selectors.neet_list(scope=request.guidance), keys=selectors.NEET_KEYS,
                       cursor=request.GET.get("cursor"), size=PAGE_SIZE)
    return render(request, "guidance/neet_list.html", {
        "page": page, "scope": request.guidance,
        "learner_url": row_url("guidance:learner_detail", "profile_id", org_slug=request.org.slug)})


@guidance_view()
def dashboard(request):
    scope = request.guidance
    school = request.GET.get("school", "")
    school_id = int(school) if school.isdigit() and int(school) in scope.org_ids else None
    if scope.is_service:
        service = request.org
    else:  # a school compares itself with what its partner careers service expects
        partner = selectors.partnerships_of_school(school_id=request.org.pk).first()
        service = partner.organisation if partner is not None else None
    figures = selectors.dashboard(scope=scope, service=service, school_id=school_id)
    return render(request, "guidance/dashboard.html", {
        "figures": figures, "scope": scope, "school_id": school_id,
        "schools": selectors.partner_school_choices(scope=scope) if scope.is_service else [],
        "tier_chart": charts.tier_chart(figures["tiers"]),
        "source_chart": charts.bar_chart(figures["by_source"], title="Referrals by source"),
        "destination_chart": charts.bar_chart([(label, n) for label, n, _ in figures["destinations"]],
                                              title="Destinations"),
    })


# --- Group sessions ---------------------------------------------------------------------------


@guidance_view(service_only=True)
def group_session_list(request):
    page = Paginator(selectors.group_session_list(scope=request.guidance), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "guidance/group_session_list.html", {
        "page": page, "schools": selectors.partner_school_choices(scope=request.guidance)})


def _partner_school(request):
    scope = request.guidance
    school_param = request.GET.get("school", "")
    if not (school_param.isdigit() and int(school_param) in scope.org_ids):
        raise Http404("Choose a partner school")
    return selectors.partner_schools(scope=scope).get(pk=int(school_param))


def _register(request, *, school, session=None):
    """One page of a group session's register: the school's learners narrowed by the GET filters
    (tutor group, year group, name or UPN), ``ATTENDANCE_PAGE_SIZE`` at a time. A POST carries
    the learners that were shown (``shown``), so the form has exactly the rows the adviser saw."""
    scope = request.guidance
    groups = selectors.school_learner_groups(scope=scope, school_id=school.pk)
    filterset = RegisterFilterSet(
        request.GET or None, queryset=selectors.attendance_candidates(scope=scope, school_id=school.pk),
        org=request.org, **groups)
    page = Paginator(filterset.qs, selectors.ATTENDANCE_PAGE_SIZE).get_page(request.GET.get("page"))
    if request.method == "POST":
        shown = [int(v) for v in request.POST.getlist("shown") if v.isdigit()][:selectors.ATTENDANCE_PAGE_SIZE]
        learners = list(selectors.attendance_candidates(scope=scope, school_id=school.pk).filter(pk__in=shown))
    else:
        learners = list(page.object_list)
    recorded = selectors.group_attendance_for(session=session, profile_ids=[p.pk for p in learners]) if session else {}
    form = forms.AttendanceForm(request.POST or None, learners=learners, recorded=recorded)
    return {"attendance_form": form, "page": page, "filterset": filterset, **groups}


def _attendance_saved(request, result, *, first: str) -> None:
    """Say what the save did: who was referred, and who was flagged but not referred again, and why."""
    text = first
    if result.attended or result.removed:
        text += f" {result.attended} on the register from this page"
        text += f", {result.removed} taken off." if result.removed else "."
    if result.referred:
        text += " Referred for an individual interview: " + ", ".join(p.user.full_name for p in result.referred) + "."
    messages.success(request, text)
    if result.not_referred:
        messages.warning(request, "Not referred again: " + "; ".join(
            f"{p.user.full_name} ({why})" for p, why in result.not_referred) + ".")


@guidance_view(service_only=True)
def group_session_new(request):
    school = _partner_school(request)
    form = forms.GroupSessionForm(request.POST or None, initial={"held_on": clock.today(request.org)})
    register = _register(request, school=school)
    attendance = register["attendance_form"]
    if request.method == "POST" and form.is_valid() and attendance.is_valid():
        data = form.cleaned_data
        session = services.group_session_create(
            school=school, org=request.org, adviser=request.user, held_on=data["held_on"], topic=data["topic"],
            learning_objectives=data["learning_objectives"])
        result = services.group_session_attendance_save(session=session, org=request.org, by=request.user,
                                                        attendance=attendance.attendance())
        _attendance_saved(request, result, first="Group session recorded.")
        return redirect(_url(request, "group_session_detail", session_id=session.pk))
    return render(request, "guidance/group_session_form.html", {
        "form": form, "school": school, **register})


@guidance_view(service_only=True)
def group_session_attendance(request, session_id):
    session = selectors.group_session_get(scope=request.guidance, session_id=session_id)
    register = _register(request, school=session.organisation, session=session)
    attendance = register["attendance_form"]
    if request.method == "POST" and attendance.is_valid():
        result = services.group_session_attendance_save(session=session, org=request.org, by=request.user,
                                                        attendance=attendance.attendance())
        _attendance_saved(request, result, first="Attendance saved.")
        url = _url(request, "group_session_attendance", session_id=session.pk)
        query = request.GET.urlencode()
        return redirect(f"{url}?{query}" if query else url)
    return render(request, "guidance/group_session_attendance.html", {"session": session, **register})


@guidance_view(service_only=True)
def group_session_detail(request, session_id):
    session = selectors.group_session_get(scope=request.guidance, session_id=session_id)
    return render(request, "guidance/group_session_detail.html", {"session": session})


# --- Partnerships and settings (the careers service's own rows) -------------------------------


def _service_admin(view):
    @org_role_required(Role.CAREERS_ADVISER, Role.ORG_ADMIN)
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        request.guidance = selectors.guidance_scope(org=request.org, membership=request.membership)
        if not request.guidance.is_service:
            raise PermissionDenied("Careers service only")
        return view(request, *args, **kwargs)

    return wrapped


@_service_admin
def partnership_list(request):
    today = clock.today(request.org)
    # A page at a time (issue 19): a service has an agreement per school and year, a county's
    # worth after a few years.
    page = Paginator(selectors.partnership_list(org=request.org), PAGE_SIZE).get_page(request.GET.get("page"))
    detail_url = row_url("guidance:partnership_detail", "partnership_id", org_slug=request.org.slug)
    names = selectors.partnership_adviser_names(org=request.org, partnership_ids=[p.pk for p in page.object_list])
    for partnership in page.object_list:  # each row's link, reversed once for the page, and advisers
        partnership.url = detail_url(partnership.pk)
        partnership.named_advisers = names.get(partnership.pk, [])
    return render(request, "guidance/partnership_list.html", {
        "page": page, "today": today})


@_service_admin
def partnership_new(request):
    form = forms.PartnershipForm(request.POST or None, org=request.org, today=clock.today(request.org))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            partnership = services.partnership_propose(
                org=request.org, school=data["school"], academic_year=data["academic_year"], by=request.user,
                advisers=data["advisers"], referral_process=data["referral_process"],
                clinic_sessions=data["clinic_sessions"],
            )
        except services.PartnershipRefused as error:  # also when proposed twice at once
            form.add_error("school", str(error)[:1].upper() + str(error)[1:])
        else:
            messages.success(request, "Partnership proposed. The school's organisation admin will accept or decline "
                                      "it; until then your advisers see nothing of the school.")
            return redirect(_url(request, "partnership_detail", partnership_id=partnership.pk))
    return render(request, "guidance/partnership_form.html", {"form": form})


@_service_admin
def partnership_detail(request, partnership_id):
    partnership = selectors.partnership_get(org=request.org, partnership_id=partnership_id)
    initial = {"advisers": [a.adviser for a in partnership.advisers.all()],
               "referral_process": partnership.referral_process, "clinic_sessions": partnership.clinic_sessions}
    form = forms.PartnershipEditForm(request.POST or None, request.FILES or None, org=request.org, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changed = services.partnership_change(
                org=request.org, partnership=partnership, by=request.user, advisers=data["advisers"],
                referral_process=data["referral_process"], clinic_sessions=data["clinic_sessions"])
        except services.PartnershipRefused as error:
            form.add_error(None, str(error))
        else:
            if data.get("agreement"):
                services.partnership_agreement_attach(org=request.org, partnership=changed, file=data["agreement"],
                                                      content_type=form.agreement_content_type, by=request.user)
            if changed.pk != partnership.pk:
                messages.success(request, "Change proposed. The school must accept it; until then the partnership "
                                          "stays as it was.")
            else:
                messages.success(request, "Partnership saved.")
            return redirect(_url(request, "partnership_detail", partnership_id=changed.pk))
    return _partnership_page(request, partnership, form=form)


def _partnership_page(request, partnership, *, form=None, objective_form=None, objective_id=None):
    """The partnership's page; a refused objective comes back with what was typed and its errors."""
    if form is None:
        initial = {"advisers": [a.adviser for a in partnership.advisers.all()],
                   "referral_process": partnership.referral_process, "clinic_sessions": partnership.clinic_sessions}
        form = forms.PartnershipEditForm(org=request.org, initial=initial)
    groups = {}
    for objective in partnership.objectives.all():
        row = {"o": objective, "text": objective.text, "status": objective.status, "evidence": objective.evidence,
               "errors": {}}
        if objective_form is not None and objective.pk == objective_id:
            row.update({name: objective_form[name].value() or "" for name in ("text", "status", "evidence")})
            row["errors"] = objective_form.errors
        groups.setdefault(objective.get_target_group_display(), []).append(row)
    return render(request, "guidance/partnership_detail.html", {
        "partnership": partnership, "form": form, "groups": groups, "objective_form": objective_form,
        "is_current": partnership.is_current(), "objective_statuses": forms.ObjectiveStatus.choices,
        "can_change": partnership.status in (partnership.Status.PROPOSED, partnership.Status.ACCEPTED),
        "pending_change": selectors.partnership_pending_change(org=request.org, partnership=partnership)})


@require_POST
@_service_admin
def objective_update(request, partnership_id, objective_id):
    partnership = selectors.partnership_get(org=request.org, partnership_id=partnership_id)
    objective = next((o for o in partnership.objectives.all() if o.pk == objective_id), None)
    if objective is None:
        raise Http404("No objective")
    form = forms.ObjectiveForm(request.POST, auto_id=f"o-{objective.pk}-%s")
    if not form.is_valid():
        return _partnership_page(request, partnership, objective_form=form, objective_id=objective.pk)
    services.objective_update(org=request.org, objective=objective, by=request.user, **form.cleaned_data)
    messages.success(request, "Objective saved.")
    return redirect(_url(request, "partnership_detail", partnership_id=partnership.pk) + f"#objective-{objective.pk}")


def _end_page(request, partnership, *, back: str, template_context: dict):
    """The confirmation page for ending a partnership early (either side): why, and from when."""
    if not partnership.can_end:
        messages.error(request, "This partnership is not in force, so there is nothing to end.")
        return redirect(back)
    form = forms.PartnershipEndForm(request.POST or None, last_day=partnership.ends_on,
                                    initial={"effective_on": clock.today(request.org)})
    if request.method == "POST" and form.is_valid():
        try:
            services.partnership_end(org=request.org, partnership=partnership, by=request.user,
                                     reason=form.cleaned_data["reason"],
                                     effective_on=form.cleaned_data["effective_on"])
        except services.PartnershipRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Partnership ended. The other side has been told.")
            return redirect(back)
    return render(request, "guidance/partnership_end.html", {
        "form": form, "partnership": partnership, "back": back, **template_context})


@_service_admin
def partnership_end(request, partnership_id):
    partnership = selectors.partnership_get(org=request.org, partnership_id=partnership_id)
    return _end_page(request, partnership, back=_url(request, "partnership_detail", partnership_id=partnership.pk),
                     template_context={"other": partnership.school})


@_service_admin
def partnership_agreement(request, partnership_id):
    partnership = selectors.partnership_get(org=request.org, partnership_id=partnership_id)
    if not partnership.agreement:
        raise Http404("No agreement uploaded")
    audit_log("guidance.partnership.agreement_read", request=request, obj=partnership)
    return serve_upload(partnership.agreement, content_type=partnership.agreement_content_type,
                        download_name=partnership.agreement_name or "agreement")


@_service_admin
def service_settings(request):
    settings = selectors.service_settings_get(org=request.org)
    expected = selectors.expected_percent_of(org=request.org)
    initial = {"triage_target_school_days": settings.triage_target_school_days}
    for group in STATUTORY_GROUPS:
        if group in expected:
            initial[f"{group}_filtered"], initial[f"{group}_intensive"] = expected[group]
    form = forms.SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.service_settings_update(
            org=request.org, by=request.user, triage_target_school_days=data["triage_target_school_days"],
            expected={g: (data[f"{g}_filtered"], data[f"{g}_intensive"]) for g in STATUTORY_GROUPS},
        )
        messages.success(request, "Settings saved.")
        return redirect(_url(request, "settings"))
    return render(request, "guidance/settings.html", {"form": form})


# --- The school's side of a partnership ---------------------------------------------------------

SCHOOL_AGREEMENT_ROLES = (Role.ORG_ADMIN, Role.CAREERS_LEAD)


def _school_side(*roles):
    """The school (college, provider) deciding on partnerships that name it: its organisation
    admin decides and ends; its careers lead may read."""

    def decorator(view):
        @org_role_required(*roles)
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.org.kind == OrganisationKind.CAREERS_SERVICE:
                raise PermissionDenied("Schools, colleges and providers only")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


@_school_side(*SCHOOL_AGREEMENT_ROLES)
def agreement_list(request):
    today = clock.today(request.org)
    agreements = list(selectors.agreements_of_school(school=request.org))
    return render(request, "guidance/agreement_list.html", {
        "agreements": agreements, "today": today,
        "waiting": [a for a in agreements if a.status == a.Status.PROPOSED],
        "can_decide": request.membership.role == Role.ORG_ADMIN})


@_school_side(*SCHOOL_AGREEMENT_ROLES)
def agreement_detail(request, agreement_id):
    agreement = selectors.agreement_get(school=request.org, agreement_id=agreement_id)
    can_decide = request.membership.role == Role.ORG_ADMIN and agreement.status == agreement.Status.PROPOSED
    form = forms.PartnershipDecisionForm(request.POST or None)
    if request.method == "POST":
        if not can_decide:
            raise PermissionDenied("Only the school's organisation admin decides on a waiting proposal")
        if form.is_valid():
            accept = form.cleaned_data["decision"] == "accept"
            try:
                services.partnership_decide(school=request.org, partnership=agreement, by=request.user,
                                            accept=accept, note=form.cleaned_data["note"])
            except services.PartnershipRefused as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Partnership accepted: the named advisers can now see what is listed "
                                          "below." if accept else "Partnership declined: the careers service sees "
                                                                   "nothing of your learners through it.")
                return redirect(_url(request, "agreement_detail", agreement_id=agreement.pk))
    groups = {}
    for objective in agreement.objectives.all():
        groups.setdefault(objective.get_target_group_display(), []).append(objective)
    return render(request, "guidance/agreement_detail.html", {
        "agreement": agreement, "form": form, "can_decide": can_decide, "groups": groups,
        "scope_items": PARTNERSHIP_SCOPE, "is_current": agreement.is_current(),
        "can_end": request.membership.role == Role.ORG_ADMIN and agreement.can_end})


@_school_side(Role.ORG_ADMIN)
def agreement_end(request, agreement_id):
    agreement = selectors.agreement_get(school=request.org, agreement_id=agreement_id)
    return _end_page(request, agreement, back=_url(request, "agreement_detail", agreement_id=agreement.pk),
                     template_context={"other": agreement.organisation})
