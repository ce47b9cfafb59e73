"""Staff pages of the learners app, under /o/<org_slug>/learners/. Thin: objects come from
selectors (404 for another organisation's), visibility from ``learners.permissions``, writes
from services."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from plp_portal.organisations.choices import Role
from plp_portal.organisations.permissions import org_role_required
from plp_portal.uploads import serve_upload
from plp_portal.urlpaths import row_url

from . import forms, selectors, services
from .choices import PlanStatus, SetByRole, SignerRole, TargetTerm
from .filters import LearnerFilterSet
from .lookups import plan_for_request
from .models import changed_after_signing, latest_signed_versions
from .pdf import progress_file_view
from .permissions import (
    WORKING_STAFF_ROLES,
    UNDER_13_OFFER_ROLES,
    can_end_enrolment,
    can_manage_sharing,
    can_offer_record_for_under_13,
    can_see,
    can_see_sensitive,
    plan_viewer,
    profile_viewer,
)

# Staff who may open the learners area (key workers see their own caseload only).
LEARNER_STAFF = (Role.KEY_WORKER, *sorted(WORKING_STAFF_ROLES))
PAGE_SIZE = 25


def _visible_record(request, record):
    viewer = plan_viewer(plan=record.plan, user=request.user, membership=request.membership)
    if not viewer.is_staff_side or not can_see(viewer, record):
        raise Http404
    return viewer


def _profile_and_viewer(request, profile_id):
    profile = selectors.learner_profile_get(org=request.org, profile_id=profile_id)
    viewer = profile_viewer(profile=profile, user=request.user, membership=request.membership)
    if not viewer.is_staff_side:
        raise Http404
    return profile, viewer


def _plan_url(plan, anchor=""):
    return reverse("learners:plan", kwargs={"org_slug": plan.organisation.slug, "learner_plan_id": plan.pk}) + anchor


def _back_to_plan(request, plan, message, anchor=""):
    """A change to ``plan`` is saved: say so, and back to the plan page (at ``anchor``)."""
    messages.success(request, message)
    return redirect(_plan_url(plan, anchor))


# --- List and enrolment ----------------------------------------------------------------------


@org_role_required(*LEARNER_STAFF)
def index(request):
    is_key_worker = request.membership.role == Role.KEY_WORKER
    filterset = LearnerFilterSet(
        request.GET or None, org=request.org, show_key_worker=not is_key_worker,
        queryset=selectors.learner_list(org=request.org, key_worker=request.user if is_key_worker else None))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    profile_url = row_url("learners:profile", "profile_id", org_slug=request.org.slug)
    for learner in page.object_list:
        learner.url = profile_url(learner.pk)
    return render(request, "learners/index.html", {
        "form": filterset.form, "page": page, "is_key_worker": is_key_worker,
        "can_enrol": request.membership.role in WORKING_STAFF_ROLES,
        "is_admin": request.membership.role == Role.ORG_ADMIN,
    })


@org_role_required(*sorted(WORKING_STAFF_ROLES))
def learner_add(request):
    form = forms.EnrolForm(request.POST or None, org=request.org)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                profile = services.learner_profile_create(
                    org=request.org, user=data["learner"], target_group=data["target_group"], by=request.user,
                    **{k: data[k] for k in ("year_group", "tutor_group", "date_of_birth", "upn", "uln")},
                )
                services.plan_create(
                    org=request.org, profile=profile, by=request.user, programme_name=data["programme_name"],
                    starts_on=data["starts_on"], ends_on=data["ends_on"], final_outcome=data["final_outcome"],
                    long_term_goal=data["long_term_goal"],
                )
        except (ValidationError, IntegrityError):
            form.add_error(None, "This learner could not be enrolled: they may have been enrolled already")
        else:
            messages.success(request, f"{profile.user} is enrolled. Now complete the initial assessment.")
            return redirect("learners:profile_edit", org_slug=request.org.slug, profile_id=profile.pk)
    return render(request, "learners/learner_add.html", {"form": form})


# --- Profile ---------------------------------------------------------------------------------


@org_role_required(*LEARNER_STAFF)
def profile(request, profile_id):
    profile, viewer = _profile_and_viewer(request, profile_id)
    sensitive = services.profile_sensitive_read(profile=profile, viewer=viewer, actor=request.user, request=request)
    return render(request, "learners/profile.html", {
        "profile": profile, "sensitive": sensitive, "can_see_sensitive": can_see_sensitive(viewer),
        "can_end_enrolment": can_end_enrolment(viewer),
        "can_offer_record": can_offer_record_for_under_13(viewer, profile),
        "ending": None if profile.is_active else selectors.enrolment_current_end(profile=profile),
        "plans": selectors.learner_plans(profile=profile),
        "history": selectors.at_risk_history(profile=profile)[:10],
    })


@org_role_required(*LEARNER_STAFF)
def profile_edit(request, profile_id):
    profile, viewer = _profile_and_viewer(request, profile_id)
    include_sensitive = can_see_sensitive(viewer)
    sensitive = (services.profile_sensitive_read(profile=profile, viewer=viewer, actor=request.user, request=request)
                 if include_sensitive and request.method == "GET" else None)
    form = forms.ProfileForm(request.POST or None, instance=profile, org=request.org,
                             include_sensitive=include_sensitive, sensitive_values=sensitive)
    if request.method == "POST" and form.is_valid():
        services.learner_profile_update(org=request.org, profile=profile, by=request.user, **form.changes())
        messages.success(request, "The initial assessment is saved.")
        return redirect("learners:profile", org_slug=request.org.slug, profile_id=profile.pk)
    return render(request, "learners/profile_edit.html", {"form": form, "profile": profile})


@org_role_required(*LEARNER_STAFF)
def at_risk_set(request, profile_id):
    profile, viewer = _profile_and_viewer(request, profile_id)
    services.at_risk_levels_seed_defaults(org=request.org)  # idempotent: the defaults on first use
    form = forms.AtRiskForm(request.POST or None, org=request.org,
                            initial={"level": profile.at_risk_level_id})
    if request.method == "POST" and form.is_valid():
        services.at_risk_set(org=request.org, profile=profile, level=form.cleaned_data["level"],
                             reason=form.cleaned_data["reason"], by=request.user)
        messages.success(request, f"At-risk status set to {form.cleaned_data['level']}.")
        return redirect("learners:profile", org_slug=request.org.slug, profile_id=profile.pk)
    return render(request, "learners/at_risk_set.html", {
        "form": form, "profile": profile, "history": selectors.at_risk_history(profile=profile)[:20]})


# --- Plan ------------------------------------------------------------------------------------


def plan_context(*, plan, viewer, request, target_url=None):
    """What the plan page shows (also used by the learner's and the grantee's read-only views).
    ``target_url``: a target's page from its id (``urlpaths.row_url``), or None for no links."""
    detail = selectors.plan_detail(plan=plan, viewer=viewer)
    long_terms, steps, loose = [], {}, []
    for target in detail.visible_targets:
        target.link = target_url(target.pk) if target_url else ""
        if target.term == TargetTerm.LONG:
            long_terms.append(target)
        elif target.parent_id:
            steps.setdefault(target.parent_id, []).append(target)
        else:
            loose.append(target)
    visible_long = {t.pk for t in long_terms}
    for parent_id, items in list(steps.items()):
        if parent_id not in visible_long:
            loose.extend(items)
    for target in long_terms:
        target.visible_steps = steps.get(target.pk, [])
    signatures = list(detail.signatures.all())
    latest_by_role = latest_signed_versions(signatures)
    for sig in signatures:
        # An older signature of a role that has signed the plan again since is history.
        sig.signed_again = latest_by_role[sig.role] > sig.plan_version
    return {
        "plan": detail, "viewer": viewer, "profile": detail.profile,
        "long_term_targets": long_terms, "other_targets": sorted(loose, key=lambda t: (t.due_on, t.pk)),
        "signatures": signatures,
        "changed_after_signing": changed_after_signing(signatures, detail.version),
        "narrative": selectors.narrative_for(plan=detail, viewer=viewer),
        "concerns": selectors.concerns_for(plan=detail, viewer=viewer),
        "tracking": selectors.tracking_table(plan=detail, viewer=viewer),
        "log_summary": selectors.log_summary(plan=detail, viewer=viewer),
        "timeline": selectors.timeline_for(plan=detail, viewer=viewer)[:10],
        "contributions": selectors.contributions_for(plan=detail, viewer=viewer, limit=20),
    }


@org_role_required(*LEARNER_STAFF)
def plan(request, learner_plan_id):
    plan, viewer = plan_for_request(request, learner_plan_id, list_flags=True)
    context = plan_context(plan=plan, viewer=viewer, request=request,
                           target_url=row_url("learners:target", "target_id", org_slug=request.org.slug))
    context.update({
        "sign_form": forms.SignForm(initial={"version": context["plan"].version}),
        "can_manage_sharing": can_manage_sharing(viewer, context["profile"]),
        "at_risk_latest": selectors.at_risk_latest(profile=context["profile"]),
    })
    return render(request, "learners/plan.html", context)


@org_role_required(*LEARNER_STAFF)
def plan_edit(request, learner_plan_id):
    plan, viewer = plan_for_request(request, learner_plan_id)
    form = forms.PlanForm(request.POST or None, instance=plan)
    current = None
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_update(org=request.org, plan=plan, by=request.user,
                                 expected_version=form.cleaned_data["version"], **form.changes())
        except services.StalePlanError:
            # Keep the person's input; show what the other person saved; a second save with the
            # current version (now in the hidden field) overwrites knowingly.
            current, _ = plan_for_request(request, plan.pk)
            data = request.POST.copy()
            data["version"] = current.version
            form = forms.PlanForm(data, instance=current)
            form.is_valid()
            form.add_error(None, "Someone else changed this plan while you were editing it. Their version is "
                                 "shown below; your changes are kept in the form. Check them and save again.")
        else:
            return _back_to_plan(request, plan, "The plan is saved.")
    return render(request, "learners/plan_edit.html", {"form": form, "plan": plan, "current": current})


@require_POST
@org_role_required(*LEARNER_STAFF)
def plan_sign(request, learner_plan_id):
    plan, viewer = plan_for_request(request, learner_plan_id)
    sign_the_contract(request, plan, role=SignerRole.TUTOR, signed="You signed the learning contract as tutor.")
    return redirect(_plan_url(plan, "#contract"))


def sign_the_contract(request, plan, *, role, signed: str,
                      stale: str = "The plan changed since you opened it. Read it again, then sign.") -> None:
    """Sign ``plan``'s learning contract as ``role`` from a posted ``SignForm`` (the version the
    signer read); a plan changed since then is not signed and the signer is told (``stale``)."""
    form = forms.SignForm(request.POST)
    try:
        services.plan_sign(org=plan.organisation, plan=plan, by=request.user, role=role,
                           expected_version=form.cleaned_data["version"] if form.is_valid() else None)
    except services.StalePlanError:
        messages.error(request, stale)
    else:
        messages.success(request, signed)


@org_role_required(*LEARNER_STAFF)
def timeline(request, learner_plan_id):
    """The plan's timeline, merged with the learner's timelines at previous organisations that
    consented transfers let the staff here read (marked; their reads audited on both sides)."""
    plan, viewer = plan_for_request(request, learner_plan_id)
    events, transfers = selectors.timeline_merged(plan=plan, viewer=viewer, user=request.user)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = selectors.mark_previous(page.object_list, plan=plan)
    _audit_transfer_reads(request, [(e.organisation_id, e.plan_id) for e in shown if e.is_previous], transfers)
    return render(request, "learners/timeline.html", {"plan": plan, "page": page, "events": shown,
                                                      "merged": bool(transfers)})


# --- Targets ---------------------------------------------------------------------------------


@org_role_required(*LEARNER_STAFF)
def target_add(request, learner_plan_id):
    plan, viewer = plan_for_request(request, learner_plan_id)
    form = forms.StaffTargetForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        target = services.target_create(org=request.org, plan=plan, by=request.user, set_by_role=SetByRole.STAFF,
                                        **form.target_kwargs(), **form.audience_kwargs())
        return _back_to_plan(request, plan, f"Target set: {target.title}", "#targets")
    return render(request, "learners/target_add.html", {"form": form, "plan": plan})


@org_role_required(*LEARNER_STAFF)
def target(request, target_id):
    target = selectors.target_get(org=request.org, target_id=target_id)
    _visible_record(request, target)
    form = forms.ProgressForm(request.POST or None, initial={"status": target.status})
    if request.method == "POST" and form.is_valid():
        services.target_progress_update(org=request.org, target=target, by=request.user, **form.cleaned_data)
        messages.success(request, "Progress recorded.")
        return redirect("learners:target", org_slug=request.org.slug, target_id=target.pk)
    return render(request, "learners/target.html", {
        "target": target, "plan": target.plan, "form": form,
        "progress": target.progress.select_related("recorded_by"),
    })


@require_POST
@org_role_required(*LEARNER_STAFF)
def target_approve(request, target_id):
    target = selectors.target_get(org=request.org, target_id=target_id)
    _visible_record(request, target)
    services.target_approve(org=request.org, target=target, by=request.user)
    return _back_to_plan(request, target.plan, f"Target approved: {target.title}", "#targets")


# --- Narrative -------------------------------------------------------------------------------


def _record_add_page(request, learner_plan_id, form_class, save, message, anchor, template, **form_kwargs):
    """The page that adds a record with its audience (a journey entry, a concern, a report) to a
    plan: the form; posted and valid, ``save(org=, plan=, by=, **record)`` (a service), the
    ``message`` (its ``{field}`` filled from the form) and back to the plan page at ``anchor``."""
    plan, viewer = plan_for_request(request, learner_plan_id)
    form = form_class(request.POST or None, **form_kwargs)
    if request.method == "POST" and form.is_valid():
        save(org=request.org, plan=plan, by=request.user, **form.record_kwargs())
        return _back_to_plan(request, plan, message.format(**form.cleaned_data), anchor)
    return render(request, template, {"form": form, "plan": plan})


@org_role_required(*LEARNER_STAFF)
def narrative_add(request, learner_plan_id):
    return _record_add_page(request, learner_plan_id, forms.NarrativeForm, services.narrative_append,
                            "The entry is added to the learning journey.", "#journey", "learners/narrative_add.html")


@org_role_required(*LEARNER_STAFF)
def narrative_correct(request, narrative_id):
    entry = selectors.narrative_entry_get(org=request.org, narrative_id=narrative_id)
    _visible_record(request, entry)
    form = forms.CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.narrative_correct(org=request.org, entry=entry, by=request.user, **form.cleaned_data)
        return _back_to_plan(request, entry.plan, "The correction is added to the learning journey.", "#journey")
    return render(request, "learners/narrative_correct.html", {"form": form, "entry": entry, "plan": entry.plan})


# --- Concerns --------------------------------------------------------------------------------


@org_role_required(*LEARNER_STAFF)
def concern_add(request, learner_plan_id):
    return _record_add_page(request, learner_plan_id, forms.ConcernForm, services.concern_raise,
                            "The concern is recorded.", "#concerns", "learners/concern_add.html", org=request.org)


@org_role_required(*LEARNER_STAFF)
def concern(request, concern_id):
    concern = selectors.concern_get(org=request.org, concern_id=concern_id)
    _visible_record(request, concern)
    update_form = forms.ConcernUpdateForm(
        request.POST if request.POST.get("action") == "update" else None, org=request.org,
        initial={"status": concern.status, "follow_up_how": concern.follow_up_how,
                 "follow_up_on": concern.follow_up_on, "owner": concern.owner_id},
        prefix="update")
    resolve_form = forms.ConcernResolveForm(request.POST if request.POST.get("action") == "resolve" else None,
                                            prefix="resolve")
    if request.method == "POST" and concern.status != "resolved":
        if request.POST.get("action") == "update" and update_form.is_valid():
            services.concern_update(org=request.org, concern=concern, by=request.user, **update_form.cleaned_data)
            messages.success(request, "The concern is updated.")
            return redirect("learners:concern", org_slug=request.org.slug, concern_id=concern.pk)
        if request.POST.get("action") == "resolve" and resolve_form.is_valid():
            services.concern_resolve(org=request.org, concern=concern, by=request.user, **resolve_form.cleaned_data)
            return _back_to_plan(request, concern.plan, "The concern is resolved.", "#concerns")
    return render(request, "learners/concern.html", {
        "concern": concern, "plan": concern.plan, "update_form": update_form, "resolve_form": resolve_form})


# --- Subject reports -------------------------------------------------------------------------


@org_role_required(*LEARNER_STAFF)
def report_add(request, learner_plan_id):
    return _record_add_page(request, learner_plan_id, forms.SubjectReportForm, services.subject_report_add,
                            "Report added: {subject}", "#tracking", "learners/report_add.html")


@org_role_required(*LEARNER_STAFF)
def reports(request, learner_plan_id):
    plan, viewer = plan_for_request(request, learner_plan_id)
    page = Paginator(selectors.subject_reports_for(plan=plan, viewer=viewer), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "learners/reports.html", {"plan": plan, "page": page})


# --- Learning log ----------------------------------------------------------------------------


@org_role_required(*LEARNER_STAFF)
def log(request, learner_plan_id):
    plan, viewer = plan_for_request(request, learner_plan_id)
    blocks = Paginator(selectors.log_blocks_for(plan=plan, viewer=viewer), 3).get_page(request.GET.get("page"))
    return render(request, "learners/log.html", {"plan": plan, "page": blocks, "file_url_name": "learners:log_file"})


@org_role_required(*LEARNER_STAFF)
def log_file(request, log_entry_id):
    entry = selectors.log_entry_get(org=request.org, log_entry_id=log_entry_id)
    _visible_record(request, entry)
    if not entry.file:
        raise Http404
    return serve_upload(entry.file, content_type=entry.file_content_type,
                        download_name=f"log-entry-{entry.pk}{_extension(entry.file.name)}", inline=True)


def _extension(name):
    return "." + name.rsplit(".", 1)[1] if "." in name else ""


# --- Progress file PDF -----------------------------------------------------------------------


@org_role_required(*LEARNER_STAFF)
def plan_pdf(request, learner_plan_id, render_id=None, download=False):
    """The progress file, rendered by the workers: queue it (this URL), its page
    (``render_id``), the file (``download``)."""
    plan, viewer = plan_for_request(request, learner_plan_id)
    kwargs = {"org_slug": request.org.slug, "learner_plan_id": plan.pk}
    return progress_file_view(request, plan=plan, viewer=viewer, url_name="learners:plan_pdf",
                              url_kwargs=kwargs, render_id=render_id, download=download,
                              back_url=reverse("learners:plan", kwargs=kwargs), back_label="Back to the plan")


# --- Sharing (staff, for learners under 13) --------------------------------------------------


@org_role_required(*LEARNER_STAFF)
def sharing(request, learner_plan_id):
    plan, viewer = plan_for_request(request, learner_plan_id, need="sharing")
    form = forms.ShareForm(request.POST or None, learner_email=plan.profile.user.email)
    if request.method == "POST" and form.is_valid():
        result = services.plan_share_invite(
            org=request.org, plan=plan, email=form.cleaned_data["email"],
            relationship=form.cleaned_data["relationship"], by=request.user, expires_at=form.expires_at(),
            request=request, contributions_audience=form.chosen_contributions_audience())
        messages.success(request, f"{form.cleaned_data['email']} has been "
                                  f"{'given access' if hasattr(result, 'grantee') else 'invited by email'}.")
        return redirect("learners:sharing", org_slug=request.org.slug, learner_plan_id=plan.pk)
    return render(request, "learners/sharing.html", {
        "plan": plan, "form": form, "shares": selectors.plan_shares_list(org=request.org, plan=plan),
        "invitations": selectors.share_invitations_open(org=request.org, plan=plan),
        "revoke_url_name": "learners:share_revoke", "invitation_revoke_url_name": "learners:share_invitation_revoke",
        "org_slug": request.org.slug,
    })


@org_role_required(*LEARNER_STAFF)
def share_revoke(request, share_id):
    share = selectors.plan_share_get(org=request.org, share_id=share_id)
    plan, viewer = plan_for_request(request, share.plan_id, need="sharing")
    if request.method == "POST":
        services.plan_share_revoke(org=request.org, share=share, by=request.user)
        messages.success(request, f"{share.grantee} can no longer see the plan.")
        return redirect("learners:sharing", org_slug=request.org.slug, learner_plan_id=plan.pk)
    return render(request, "learners/share_revoke.html", {"share": share, "plan": plan, "name": share.grantee,
                                                          "back": reverse("learners:sharing", kwargs={
                                                              "org_slug": request.org.slug, "learner_plan_id": plan.pk})})


@org_role_required(*LEARNER_STAFF)
def share_invitation_revoke(request, share_invitation_id):
    invitation = selectors.share_invitation_get(org=request.org, share_invitation_id=share_invitation_id)
    plan, viewer = plan_for_request(request, invitation.plan_id, need="sharing")
    if request.method == "POST":
        services.plan_share_invitation_revoke(org=request.org, invitation=invitation, by=request.user,
                                              request=request)
        messages.success(request, f"The invitation to {invitation.email} is withdrawn.")
        return redirect("learners:sharing", org_slug=request.org.slug, learner_plan_id=plan.pk)
    return render(request, "learners/share_revoke.html", {
        "invitation": invitation, "plan": plan, "name": invitation.email,
        "back": reverse("learners:sharing", kwargs={"org_slug": request.org.slug, "learner_plan_id": plan.pk})})


# --- Organisation settings -------------------------------------------------------------------


@dataclass(frozen=True)
class _SettingsList:
    """One of the organisation's settings lists, each row editable: its defaults (created on
    first use, idempotent), its rows, its form, the service that saves a row, and its page."""

    seed: Callable
    rows: Callable
    form_class: type
    save: Callable  # save(org=, row=, by=, request=)
    page: str  # the list page's URL name
    template: str
    rows_name: str
    noun: str  # in the messages: "Area added: …"
    title: str  # the edit page's: "Edit area: …"

    def list_page(self, request):
        self.seed(org=request.org)
        form = self.form_class(request.POST or None, org=request.org)
        if request.method == "POST" and form.is_valid():
            row = self.save(org=request.org, row=form.save(commit=False), by=request.user, request=request)
            messages.success(request, f"{self.noun} added: {row.name}")
            return redirect(self.page, org_slug=request.org.slug)
        return render(request, self.template, {"form": form, self.rows_name: self.rows(org=request.org)})

    def edit_page(self, request, row_id):
        row = get_object_or_404(self.rows(org=request.org), pk=row_id)
        form = self.form_class(request.POST or None, instance=row, org=request.org)
        if request.method == "POST" and form.is_valid():
            self.save(org=request.org, row=form.save(commit=False), by=request.user, request=request)
            messages.success(request, f"{self.noun} saved: {row.name}")
            return redirect(self.page, org_slug=request.org.slug)
        return render(request, "learners/settings_edit.html", {"form": form, "title": f"Edit {self.title}: {row.name}",
                                                               "back": self.page})


TARGET_AREAS = _SettingsList(
    seed=services.target_areas_seed_defaults, rows=selectors.target_areas, form_class=forms.TargetAreaForm,
    save=lambda *, row, **kwargs: services.target_area_save(area=row, **kwargs),
    page="learners:settings_areas", template="learners/settings_areas.html", rows_name="areas",
    noun="Area", title="area")
AT_RISK_LEVELS = _SettingsList(
    seed=services.at_risk_levels_seed_defaults, rows=selectors.at_risk_levels, form_class=forms.AtRiskLevelForm,
    save=lambda *, row, **kwargs: services.at_risk_level_save(level=row, **kwargs),
    page="learners:settings_levels", template="learners/settings_levels.html", rows_name="levels",
    noun="Status", title="at-risk status")


@org_role_required(Role.ORG_ADMIN)
def settings_areas(request):
    return TARGET_AREAS.list_page(request)


@org_role_required(Role.ORG_ADMIN)
def settings_levels(request):
    return AT_RISK_LEVELS.list_page(request)


@org_role_required(Role.ORG_ADMIN)
def settings_area_edit(request, area_id):
    return TARGET_AREAS.edit_page(request, area_id)


@org_role_required(Role.ORG_ADMIN)
def settings_level_edit(request, level_id):
    return AT_RISK_LEVELS.edit_page(request, level_id)


# --- Leaving and re-enrolment (issue 13) -----------------------------------------------------


def _enrolment_profile(request, profile_id):
    """The profile, for the people who end or restart an enrolment: 404 for a foreign or unseen
    learner, 403 for staff who see the learner but may not end the enrolment."""
    profile, viewer = _profile_and_viewer(request, profile_id)
    if not can_end_enrolment(viewer):
        raise PermissionDenied
    return profile


def _iso_date(value):
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return None


@org_role_required(*LEARNER_STAFF)
def enrolment_end(request, profile_id):
    """End the enrolment: the form, then a confirmation page saying what will change, then the
    change (POST with ``confirmed``). ``?left_on=`` pre-fills the date (the careers service's
    recorded leaver links here)."""
    profile = _enrolment_profile(request, profile_id)
    if not profile.is_active:
        messages.info(request, f"{profile.user} has already left.")
        return redirect("learners:profile", org_slug=request.org.slug, profile_id=profile.pk)
    form = forms.EnrolmentEndForm(request.POST or None, initial={"left_on": _iso_date(request.GET.get("left_on"))})
    summary = selectors.enrolment_end_summary(profile=profile)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not data["confirmed"]:
            return render(request, "learners/enrolment_end_confirm.html", {
                "form": form, "profile": profile, "data": data, "summary": summary,
                "reason_label": dict(form.fields["reason"].choices)[data["reason"]],
                "targets_label": dict(form.fields["targets"].choices)[data["targets"]]})
        try:
            services.learner_enrolment_end(
                org=request.org, profile=profile, left_on=data["left_on"], reason=data["reason"],
                targets=data["targets"], by=request.user, closing_note=data["closing_note"],
                reason_detail=data["reason_detail"], request=request)
        except services.EnrolmentError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"{profile.user}'s enrolment has ended and their plans are closed. "
                                      "They can still read them.")
        return redirect("learners:profile", org_slug=request.org.slug, profile_id=profile.pk)
    return render(request, "learners/enrolment_end.html", {"form": form, "profile": profile, "summary": summary})


@org_role_required(*LEARNER_STAFF)
def reenrol(request, profile_id):
    """Enrol a leaver again: a new plan linked to the closed one (its goal carried over)."""
    profile = _enrolment_profile(request, profile_id)
    if profile.is_active:
        messages.info(request, f"{profile.user} is enrolled.")
        return redirect("learners:profile", org_slug=request.org.slug, profile_id=profile.pk)
    previous = selectors.learner_plans(profile=profile).filter(status=PlanStatus.CLOSED).first()
    initial = {"programme_name": previous.programme_name, "long_term_goal": previous.long_term_goal} if previous else {}
    form = forms.ReenrolForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.learner_reenrol(org=request.org, profile=profile, by=request.user, request=request,
                                            **form.cleaned_data)
        except (services.EnrolmentError, ValidationError, IntegrityError):
            form.add_error(None, "This learner could not be enrolled again: reload the page and try again")
        else:
            return _back_to_plan(request, plan, f"{profile.user} is enrolled again with a new plan.")
    return render(request, "learners/reenrol.html", {"form": form, "profile": profile, "previous": previous})


# --- Moving-on plan (issue 13) -----------------------------------------------------------------


@org_role_required(*LEARNER_STAFF)
def moving_on_edit(request, learner_plan_id):
    """Write or change the plan's moving-on plan (with the learner). A stale save is refused
    with the other person's version shown and this person's input kept."""
    plan, viewer = plan_for_request(request, learner_plan_id)
    moving_on = plan.moving_on_or_none
    if moving_on is not None and not can_see(viewer, moving_on):
        raise Http404
    initial = {}
    if moving_on is not None:
        initial = {name: getattr(moving_on, name) for name in services.MOVING_ON_FIELDS}
        initial.update(audience=moving_on.audience, version=moving_on.version)
    form = forms.MovingOnForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.moving_on_save(org=request.org, plan=plan, by=request.user, expected_version=version, **data)
        except services.StaleMovingOnError as error:
            form.add_error(None, str(error))
        else:
            return _back_to_plan(request, plan, "The moving-on plan is saved. Ask the learner to agree to it in their plan.",
                                 "#moving-on")
    return render(request, "learners/moving_on_edit.html", {"form": form, "plan": plan, "moving_on": moving_on})


@org_role_required(*LEARNER_STAFF)
def moving_on_application(request, learner_plan_id, application_id=None):
    """Add one application to the moving-on plan, or change one (provider, course or role, where
    it stands, dates): one at a time, no JavaScript needed."""
    plan, viewer = plan_for_request(request, learner_plan_id)
    moving_on = plan.moving_on_or_none
    if moving_on is not None and not can_see(viewer, moving_on):
        raise Http404
    application = None
    if application_id is not None:
        if moving_on is None:
            raise Http404
        application = selectors.moving_on_application_get(moving_on=moving_on, application_id=application_id)
    initial = {name: getattr(application, name) for name in services.APPLICATION_FIELDS} if application else {}
    form = forms.MovingOnApplicationForm(request.POST or None, initial=initial)
    if request.method == "POST" and moving_on is not None and form.is_valid():
        services.moving_on_application_save(org=request.org, moving_on=moving_on, by=request.user,
                                            application=application, **form.cleaned_data)
        return _back_to_plan(request, plan, "The application is saved.", "#moving-on")
    return render(request, "learners/moving_on_application.html", {
        "form": form, "plan": plan, "moving_on": moving_on, "application": application})


# --- Record transfer at the receiving organisation (issue 13) ---------------------------------


@org_role_required(*LEARNER_STAFF)
def transfer_request(request, profile_id):
    """Ask for the learner's record at their previous organisation: the learner decides."""
    profile, _viewer = _profile_and_viewer(request, profile_id)
    form = forms.TransferRequestForm(request.POST or None, org=request.org)
    if request.method == "POST" and form.is_valid():
        sending = form.cleaned_data["sending_org"]
        services.record_transfer_request(org=request.org, profile=profile, sending_org=sending, by=request.user,
                                         request=request)
        messages.success(request, f"{profile.user} is asked in their own space whether {sending.name} may share "
                                  "their record with you.")
        return redirect("learners:previous_record", org_slug=request.org.slug, profile_id=profile.pk)
    return render(request, "learners/transfer_request.html", {"form": form, "profile": profile})


def _audit_transfer_reads(request, shown, transfers):
    """A read of transferred records is in both organisations' audit logs: once per transfer
    whose records were shown (``shown``: (organisation id, plan id) of what was shown)."""
    for transfer in {t.pk: t for t in transfers}.values():
        plan_ids = sorted({plan_id for org_id, plan_id in shown if org_id == transfer.organisation_id})
        if plan_ids:
            services.record_transfer_read(transfer=transfer, by=request.user, request=request, plans=plan_ids)


@org_role_required(*LEARNER_STAFF)
def previous_record(request, profile_id):
    """The learner's records at their previous organisations, read-only, as the learner's consent
    allows (plan-audience records; staff-audience ones only if consented; restricted never)."""
    profile, _viewer = _profile_and_viewer(request, profile_id)
    plans = selectors.transferred_plans(org=request.org, profile=profile, user=request.user)
    services.transferred_stage_one(plans=plans, viewer_here=_viewer, actor=request.user, request=request)
    _audit_transfer_reads(request, [(p.organisation_id, p.pk) for p in plans], [p.transfer for p in plans])
    return render(request, "learners/previous_record.html", {
        "profile": profile, "plans": plans,
        "can_start_plan": can_end_enrolment(_viewer) and profile.is_active})


@org_role_required(*LEARNER_STAFF)
def plan_from_previous(request, profile_id):
    """Start the learner's plan here from a transferred plan (``?plan=`` its id): its long-term
    goal and the open targets the key worker confirms."""
    profile, viewer = _profile_and_viewer(request, profile_id)
    if not can_end_enrolment(viewer):
        raise PermissionDenied
    plan_id = request.POST.get("previous_plan") or request.GET.get("plan")
    if not str(plan_id or "").isdigit():
        raise Http404
    transfer, previous = selectors.transferred_plan_get(org=request.org, profile=profile, plan_id=int(plan_id))
    reader = selectors.transfer_viewer(transfer=transfer, plan=previous, user=request.user)
    open_targets = selectors.transferred_open_targets(plan=previous, viewer=reader)
    form = forms.PlanFromPreviousForm(request.POST or None, targets=open_targets, initial={
        "previous_plan": previous.pk, "long_term_goal": previous.long_term_goal,
        "targets": list(open_targets.values_list("pk", flat=True))})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = services.plan_continue_from_transfer(
                org=request.org, profile=profile, transfer=transfer, previous_plan=previous, by=request.user,
                programme_name=data["programme_name"], starts_on=data["starts_on"], ends_on=data["ends_on"],
                final_outcome=data["final_outcome"], long_term_goal=data["long_term_goal"],
                targets=list(data["targets"]), request=request)
        except (services.TransferError, ValidationError, IntegrityError):
            form.add_error(None, "The plan could not be started: the learner may already have an active plan for "
                                 "this programme, or their consent has changed")
        else:
            return _back_to_plan(request, plan, "The plan is started from the previous one.")
    return render(request, "learners/plan_from_previous.html", {
        "form": form, "profile": profile, "previous": previous, "transfer": transfer})


@org_role_required(*sorted(UNDER_13_OFFER_ROLES))
def transfer_offer_for_under_13(request, profile_id):
    """The school offers the record of a learner under 13 to the organisation they move to (the
    learner cannot consent alone): the form, then exactly what goes, then the offer (POST with
    ``confirmed``). The receiving organisation then reads it as after a learner's consent."""
    profile, viewer = _profile_and_viewer(request, profile_id)
    if not can_offer_record_for_under_13(viewer, profile):
        raise PermissionDenied
    form = forms.TransferOfferForUnder13Form(request.POST or None, org=request.org)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not data["confirmed"]:
            return render(request, "learners/transfer_offer_for_under_13_confirm.html", {
                "form": form, "profile": profile, "to_org": data["to_org"],
                "include_staff_records": data["include_staff_records"], "include_sensitive": data["include_sensitive"],
                "preview": selectors.transfer_preview(user=profile.user, sending_org_id=request.org.pk)})
        try:
            services.record_transfer_offer_for_under_13(
                org=request.org, profile=profile, receiving_org=data["to_org"], by=request.user, request=request,
                include_staff_records=data["include_staff_records"], include_sensitive=data["include_sensitive"])
        except services.TransferError as error:
            form.add_error("to_org", str(error))
        else:
            messages.success(request, f"{data['to_org'].name} can now read {profile.user}'s record here.")
            return redirect("learners:profile", org_slug=request.org.slug, profile_id=profile.pk)
    return render(request, "learners/transfer_offer_for_under_13.html", {"form": form, "profile": profile})


@org_role_required(Role.CAREERS_LEAD, Role.ORG_ADMIN)
def transfer_out(request, transfer_id):
    """At the sending organisation: a transfer of one of its learners' records — who asked, the
    learner's decision — and a note of what it must keep by law."""
    item = selectors.transfer_out_get(org=request.org, transfer_id=transfer_id)
    form = forms.TransferNoteForm(request.POST or None, initial={"sending_note": item.sending_note})
    if request.method == "POST" and form.is_valid():
        services.record_transfer_note(org=request.org, transfer=item, by=request.user, request=request,
                                      note=form.cleaned_data["sending_note"])
        messages.success(request, "Your note is saved.")
        return redirect("learners:transfer_out", org_slug=request.org.slug, transfer_id=item.pk)
    return render(request, "learners/transfer_out.html", {"form": form, "transfer": item})
