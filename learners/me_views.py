"""The learner's own space (/me/) and the read-only view of plans shared with a person.

Outside any organisation: every object is looked up through the signed-in person — their own
plans (``selectors.my_plan_get``) or plans shared with them (``selectors.plan_get_shared``) — so
another person's id is a 404, like a missing one. Visibility of each record: ``can_see`` /
``audience_q`` with the person's ``PlanViewer``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from plp_portal.organisations.choices import Role
from plp_portal.organisations.forms import AcceptInvitationForm
from plp_portal.organisations.permissions import public_view, signed_in_required
from plp_portal.organisations.selectors import user_memberships
from plp_portal.uploads import serve_upload

from . import forms, selectors, services
from .choices import Audience, AuthorRole, SetByRole, ShareRelationship, SignerRole, TargetTerm
from .lookups import plan_for_request
from .models import LogEntry, PlanShare, PlanShareInvitation
from .pdf import progress_file_view
from .permissions import can_manage_sharing, can_see, plan_viewer
from .views import _extension, plan_context


def _me_plan_url(plan, name="me:plan"):
    return reverse(name, kwargs={"learner_plan_id": plan.pk})


@signed_in_required
def home(request):
    plans = list(selectors.my_plans(user=request.user))
    shared = list(selectors.plans_shared_with(user=request.user))
    current = next((p for p in plans if p.status == "active"), plans[0] if plans else None)
    # Only a learner is offered the learner's pages (reviews, guidance); a parent or carer
    # reads the plans shared with them.
    is_learner = bool(plans) or user_memberships(user=request.user).filter(role=Role.LEARNER).exists()
    context = {"plans": plans, "shared": shared, "is_learner": is_learner}
    if current is not None:
        context.update(_plan_home_context(request, current))
    return render(request, "learners/me/home.html", context)


def _plan_home_context(request, plan):
    viewer = plan_viewer(plan=plan, user=request.user)
    return {"plan": plan, "viewer": viewer, "headlines": selectors.me_headlines(plan=plan, viewer=viewer),
            "pending_approval": plan.targets.filter(approved_at__isnull=True, set_by_role=SetByRole.LEARNER).count(),
            "learner_signed": plan.signatures.filter(role=SignerRole.LEARNER, plan_version=plan.version).exists(),
            "sign_form": forms.SignForm(initial={"version": plan.version})}


@signed_in_required
def plan(request, learner_plan_id):
    plan, _viewer = plan_for_request(request, learner_plan_id, need="own")
    context = {"plans": list(selectors.my_plans(user=request.user)), "shared": []}
    context.update(_plan_home_context(request, plan))
    return render(request, "learners/me/home.html", context)


@signed_in_required
def plan_full(request, learner_plan_id):
    """Everything on the plan the learner may see (the whole contract, journey, reports)."""
    plan, viewer = plan_for_request(request, learner_plan_id, need="own")
    context = plan_context(plan=plan, viewer=viewer, request=request)
    context.update({"me": True, "sign_form": forms.SignForm(initial={"version": context["plan"].version})})
    return render(request, "learners/me/plan_full.html", context)


@require_POST
@signed_in_required
def plan_sign(request, learner_plan_id):
    plan, _viewer = plan_for_request(request, learner_plan_id, need="own")
    form = forms.SignForm(request.POST)
    try:
        services.plan_sign(org=plan.organisation, plan=plan, by=request.user, role=SignerRole.LEARNER,
                           expected_version=form.cleaned_data["version"] if form.is_valid() else None)
    except services.StalePlanError:
        messages.error(request, "Your plan changed since you opened it. Read it again, then sign.")
    else:
        messages.success(request, "You signed your learning contract.")
    return redirect(_me_plan_url(plan, "me:plan_full"))


# --- Targets ---------------------------------------------------------------------------------


@signed_in_required
def targets(request, learner_plan_id):
    plan, viewer = plan_for_request(request, learner_plan_id, need="own")
    detail = selectors.plan_detail(plan=plan, viewer=viewer)
    return render(request, "learners/me/targets.html", {"plan": detail, "targets": detail.visible_targets})


@signed_in_required
def target_add(request, learner_plan_id):
    plan, _viewer = plan_for_request(request, learner_plan_id, need="own")
    form = forms.TargetForm(request.POST or None, plan=plan, learner=True)
    if request.method == "POST" and form.is_valid():
        data = form.target_kwargs()
        data["term"] = TargetTerm.SHORT
        target = services.target_create(org=plan.organisation, plan=plan, by=request.user,
                                        set_by_role=SetByRole.LEARNER, audience=Audience.PLAN, **data)
        services.target_awaiting_approval_notify(org=plan.organisation, target=target)
        messages.success(request, f"Your target is saved: {target.title}. Your key worker will approve it.")
        return redirect("me:targets", learner_plan_id=plan.pk)
    return render(request, "learners/me/target_add.html", {"form": form, "plan": plan})


@signed_in_required
def target(request, target_id):
    target = selectors.my_target_get(user=request.user, target_id=target_id)
    viewer = plan_viewer(plan=target.plan, user=request.user)
    if not can_see(viewer, target):
        raise Http404
    form = forms.ProgressForm(request.POST or None, initial={"status": target.status})
    if request.method == "POST" and form.is_valid():
        services.target_progress_update(org=target.plan.organisation, target=target, by=request.user,
                                        **form.cleaned_data)
        messages.success(request, "Your progress is saved.")
        return redirect("me:targets", learner_plan_id=target.plan_id)
    return render(request, "learners/me/target.html", {
        "target": target, "plan": target.plan, "form": form,
        "progress": target.progress.select_related("recorded_by")[:20]})


# --- Journey and concerns --------------------------------------------------------------------


@signed_in_required
def journey_add(request, learner_plan_id):
    plan, _viewer = plan_for_request(request, learner_plan_id, need="own")
    form = forms.LearnerNarrativeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.narrative_append(org=plan.organisation, plan=plan, by=request.user, author_role=AuthorRole.LEARNER,
                                  text=form.cleaned_data["text"])
        messages.success(request, "Added to your learning journey.")
        return redirect(_me_plan_url(plan, "me:plan_full") + "#journey")
    return render(request, "learners/me/simple_form.html", {
        "form": form, "plan": plan, "title": "Add to my learning journey", "button": "Add entry",
        "hint": "Your learning journey only grows: an entry cannot be changed later."})


@signed_in_required
def concern_add(request, learner_plan_id):
    plan, _viewer = plan_for_request(request, learner_plan_id, need="own")
    form = forms.LearnerConcernForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.concern_raise(org=plan.organisation, plan=plan, by=request.user, raised_by_learner=True,
                               **form.cleaned_data)
        messages.success(request, "Thank you. Your key worker will follow it up with you.")
        return redirect(_me_plan_url(plan))
    return render(request, "learners/me/simple_form.html", {
        "form": form, "plan": plan, "title": "Tell us about something that is getting in the way",
        "button": "Send", "hint": "Your key worker and the staff working with you will see it."})


# --- Learning log ----------------------------------------------------------------------------


@signed_in_required
def log(request, learner_plan_id):
    plan, viewer = plan_for_request(request, learner_plan_id, need="own")
    page = Paginator(selectors.log_blocks_for(plan=plan, viewer=viewer), 3).get_page(request.GET.get("page"))
    return render(request, "learners/me/log.html", {"plan": plan, "page": page, "file_url_name": "me:log_file"})


@signed_in_required
def log_add(request, learner_plan_id):
    plan, _viewer = plan_for_request(request, learner_plan_id, need="own")
    form = forms.LogEntryForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.log_entry_add(org=plan.organisation, plan=plan, by=request.user, audience=Audience.PLAN,
                                   **form.entry_kwargs())
        except services.LogBlockFiledError as error:
            form.add_error("written_on", str(error))
        else:
            messages.success(request, "Your log entry is saved.")
            return redirect("me:log", learner_plan_id=plan.pk)
    return render(request, "learners/me/log_add.html", {"form": form, "plan": plan})


@signed_in_required
def log_file(request, log_entry_id):
    """A voice recording or photo, for the learner or a grantee who may see the entry."""
    org_ids = set(selectors.own_org_ids(user=request.user))
    shared = selectors.plans_shared_with(user=request.user)
    org_ids |= set(shared.values_list("organisation_id", flat=True))

    entry = get_object_or_404(
        LogEntry.objects.for_orgs(org_ids).filter(Q(plan__profile__user=request.user) | Q(plan__in=shared))
        .select_related("plan__profile"),
        pk=log_entry_id,
    )
    viewer = plan_viewer(plan=entry.plan, user=request.user)
    if not can_see(viewer, entry) or not entry.file:
        raise Http404
    return serve_upload(entry.file, content_type=entry.file_content_type,
                        download_name=f"log-entry-{entry.pk}{_extension(entry.file.name)}", inline=True)


# --- Progress file ---------------------------------------------------------------------------


@signed_in_required
def plan_pdf(request, learner_plan_id, render_id=None, download=False):
    """My progress file, rendered by the workers: queue it (this URL), its page
    (``render_id``), the file (``download``)."""
    plan, viewer = plan_for_request(request, learner_plan_id, need="own")
    return progress_file_view(request, plan=plan, viewer=viewer, url_name="me:plan_pdf",
                              url_kwargs={"learner_plan_id": plan.pk}, render_id=render_id,
                              download=download, back_url=_me_plan_url(plan), back_label="Back to my plan")


# --- Sharing ---------------------------------------------------------------------------------


@signed_in_required
def sharing(request, learner_plan_id):
    plan, viewer = plan_for_request(request, learner_plan_id, need="own")
    org = plan.organisation
    return render(request, "learners/me/sharing.html", {
        "plan": plan, "shares": selectors.plan_shares_list(org=org, plan=plan),
        "invitations": selectors.share_invitations_open(org=org, plan=plan),
        "can_manage": can_manage_sharing(viewer, plan.profile),
    })


@signed_in_required
def share_add(request, learner_plan_id):
    plan, viewer = plan_for_request(request, learner_plan_id, need="own")
    form = forms.ShareForm(request.POST or None, learner_email=request.user.email,
                           initial={"relationship": ShareRelationship.PARENT_CARER})
    if request.method == "POST" and form.is_valid():
        result = services.plan_share_invite(
            org=plan.organisation, plan=plan, email=form.cleaned_data["email"],
            relationship=form.cleaned_data["relationship"], by=request.user, expires_at=form.expires_at(),
            request=request)
        email = form.cleaned_data["email"]
        messages.success(request, f"{email} can now see your plan: we have emailed them a link."
                         if isinstance(result, PlanShare) else
                         f"We have emailed {email} an invitation to see your plan.")
        return redirect("me:sharing", learner_plan_id=plan.pk)
    return render(request, "learners/me/share_add.html", {"form": form, "plan": plan})


def _my_orgs(user):
    return selectors.own_org_ids(user=user)


@signed_in_required
def share_revoke(request, share_id):
    share = get_object_or_404(
        PlanShare.objects.for_orgs(_my_orgs(request.user)).filter(plan__profile__user=request.user)
        .select_related("plan", "grantee"), pk=share_id)
    back = reverse("me:sharing", kwargs={"learner_plan_id": share.plan_id})
    if request.method == "POST":
        services.plan_share_revoke(org=share.organisation, share=share, by=request.user)
        messages.success(request, f"{share.grantee} can no longer see your plan.")
        return redirect(back)
    return render(request, "learners/share_revoke.html", {"share": share, "plan": share.plan, "name": share.grantee,
                                                          "back": back, "me": True})


@signed_in_required
def share_invitation_revoke(request, share_invitation_id):
    invitation = get_object_or_404(
        PlanShareInvitation.objects.for_orgs(_my_orgs(request.user)).filter(plan__profile__user=request.user)
        .select_related("plan"), pk=share_invitation_id)
    back = reverse("me:sharing", kwargs={"learner_plan_id": invitation.plan_id})
    if request.method == "POST":
        services.plan_share_invitation_revoke(org=invitation.organisation, invitation=invitation, by=request.user,
                                              request=request)
        messages.success(request, f"The invitation to {invitation.email} is withdrawn.")
        return redirect(back)
    return render(request, "learners/share_revoke.html", {"invitation": invitation, "plan": invitation.plan,
                                                          "name": invitation.email, "back": back, "me": True})


@public_view("the invitation's secret token is the grant; an unknown token is a 404")
def share_invitation_accept(request, token):
    """The link in a plan-share invitation email (mounted at /invitations/plan/<token>/): the
    token is the bearer grant. Creates the account if needed (no organisation membership)."""
    invitation = services.plan_share_invitation_by_token(token=token)
    if invitation is None or not invitation.is_open:
        return render(request, "learners/me/share_invitation_invalid.html", status=404 if invitation is None else 410)
    learner = invitation.plan.profile.user
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                share = services.plan_share_invitation_accept(invitation=invitation, user=request.user,
                                                              request=request)
            except services.ShareInvitationError as error:
                messages.error(request, str(error))
                return redirect("me:home")
            return redirect("me:shared_plan", learner_plan_id=share.plan_id)
        return render(request, "learners/me/share_invitation_accept.html",
                      {"invitation": invitation, "learner": learner, "existing": True})
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            share = services.plan_share_invitation_accept(
                invitation=invitation, full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"], request=request)
        except services.ShareInvitationError as error:
            messages.error(request, str(error))
            return redirect("account_login")
        login(request, share.grantee, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"You can now see {learner}'s learning plan.")
        return redirect("me:shared_plan", learner_plan_id=share.plan_id)
    return render(request, "learners/me/share_invitation_accept.html",
                  {"invitation": invitation, "learner": learner, "form": form})


# --- Plans shared with me (parents, off-site tutors, employers) ------------------------------


@signed_in_required
def shared_plan(request, learner_plan_id):
    plan, viewer = plan_for_request(request, learner_plan_id, need="shared")
    context = plan_context(plan=plan, viewer=viewer, request=request)
    share = PlanShare.objects.for_org(plan.organisation_id).select_related("plan").get(pk=viewer.share_id) \
        if viewer.share_id else None
    context.update({
        "shared": True, "share": share,
        "can_sign": share is not None and share.relationship == ShareRelationship.OFF_SITE_TUTOR,
        "sign_form": forms.SignForm(initial={"version": context["plan"].version}),
    })
    return render(request, "learners/me/shared_plan.html", context)


@require_POST
@signed_in_required
def shared_plan_sign(request, learner_plan_id):
    plan, viewer = plan_for_request(request, learner_plan_id, need="shared")
    share = PlanShare.objects.for_org(plan.organisation_id).filter(pk=viewer.share_id).first()
    if share is None or share.relationship != ShareRelationship.OFF_SITE_TUTOR:
        raise Http404
    form = forms.SignForm(request.POST)
    try:
        services.plan_sign(org=plan.organisation, plan=plan, by=request.user, role=SignerRole.OFF_SITE_PROVIDER,
                           expected_version=form.cleaned_data["version"] if form.is_valid() else None)
    except services.StalePlanError:
        messages.error(request, "The plan changed since you opened it. Read it again, then sign.")
    else:
        messages.success(request, "You signed the learning contract as the off-site provider.")
    return redirect("me:shared_plan", learner_plan_id=plan.pk)


@signed_in_required
def shared_plan_pdf(request, learner_plan_id, render_id=None, download=False):
    """The progress file of a plan shared with me (what a grantee may see), rendered by the
    workers: queue it, its page, the file."""
    plan, viewer = plan_for_request(request, learner_plan_id, need="shared")
    return progress_file_view(request, plan=plan, viewer=viewer, url_name="me:shared_plan_pdf",
                              url_kwargs={"learner_plan_id": plan.pk}, render_id=render_id,
                              download=download, back_url=_me_plan_url(plan, "me:shared_plan"),
                              back_label="Back to the plan")
