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

from plp_portal import clock
from plp_portal.organisations.forms import AcceptInvitationForm
from plp_portal.organisations.permissions import public_view, signed_in_required
from plp_portal.organisations.selectors import user_is_learner
from plp_portal.uploads import serve_upload
from plp_portal.urlpaths import row_url
from plp_portal.hooks import app_hook_modules

from . import forms, selectors, services
from .choices import Audience, AuthorRole, SetByRole, ShareRelationship, SignerRole, TargetTerm
from .lookups import plan_for_request
from .models import LogEntry, PlanShare, PlanShareInvitation
from .pdf import progress_file_view
from .permissions import can_manage_sharing, can_see, can_see_sensitive, plan_viewer
from .views import _extension, plan_context, sign_the_contract


def _me_plan_url(plan, name="me:plan"):
    return reverse(name, kwargs={"learner_plan_id": plan.pk})


@signed_in_required
def home(request):
    plans = list(selectors.my_plans(user=request.user))
    shared = list(selectors.plans_shared_with(user=request.user))
    current = next((p for p in plans if p.status == "active"), plans[0] if plans else None)
    # Only a learner is offered the learner's pages (reviews, guidance); a parent or carer
    # reads the plans shared with them.
    is_learner = bool(plans) or user_is_learner(request=request)
    context = {"plans": plans, "shared": shared, "is_learner": is_learner}
    if current is not None:
        context.update(_plan_home_context(request, current))
    return render(request, "learners/me/home.html", context)


def _plan_home_context(request, plan):
    viewer = plan_viewer(plan=plan, user=request.user)
    today = clock.today(plan.organisation)
    panels = [panel for module in app_hook_modules("me_home")
              for panel in module.panels(plan=plan, viewer=viewer, today=today)]
    last_visit = selectors.me_last_visit(user=request.user, plan=plan)
    targets = selectors.me_visible_targets(plan=plan, viewer=viewer)
    return {"plan": plan, "viewer": viewer, "headlines": selectors.me_headlines(plan=plan, viewer=viewer, targets=targets),
            "today": today, "next": selectors.me_next(targets=targets, today=today), "panels": panels,
            "last_visit": last_visit,
            "new_since": selectors.me_new_since(plan=plan, viewer=viewer, since=last_visit),
            # From the targets already read: the learner's own, that they can see, not yet agreed.
            "pending_approval": sum(t.approved_at is None and t.set_by_role == SetByRole.LEARNER for t in targets),
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
    context = plan_context(plan=plan, viewer=viewer, request=request, target_url=row_url("me:target", "target_id"))
    context.update({"me": True, "sign_form": forms.SignForm(initial={"version": context["plan"].version})})
    moving_on = context["plan"].visible_moving_on
    if moving_on is not None and plan.status == "active":
        context["moving_on_agree_form"] = forms.SignForm(initial={"version": moving_on.version})
    return render(request, "learners/me/plan_full.html", context)


@require_POST
@signed_in_required
def moving_on_agree(request, learner_plan_id):
    """The learner agrees to their moving-on plan as shown (the version in the form)."""
    plan, _viewer = plan_for_request(request, learner_plan_id, need="own")
    moving_on = plan.moving_on_or_none
    form = forms.SignForm(request.POST)
    if moving_on is None or plan.status != "active":
        raise Http404
    if not form.is_valid():
        messages.error(request, "Reload the page and try again.")
    else:
        try:
            services.moving_on_agree(org=plan.organisation, moving_on=moving_on, by=request.user,
                                     version=form.cleaned_data["version"])
        except services.StaleMovingOnError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "You agreed to your moving-on plan.")
    return redirect(_me_plan_url(plan, "me:plan_full") + "#moving-on")


@require_POST
@signed_in_required
def plan_sign(request, learner_plan_id):
    plan, _viewer = plan_for_request(request, learner_plan_id, need="own")
    sign_the_contract(request, plan, role=SignerRole.LEARNER, signed="You signed your learning contract.",
                      stale="Your plan changed since you opened it. Read it again, then sign.")
    return redirect(_me_plan_url(plan, "me:plan_full"))


# --- Targets ---------------------------------------------------------------------------------


TARGETS_PER_PAGE = 10


@signed_in_required
def targets(request, learner_plan_id):
    """My targets, late first then soonest due, ten to a page, filtered by state and area (a
    GET form: works without JavaScript, and the filter is kept in the page links)."""
    plan, viewer = plan_for_request(request, learner_plan_id, need="own")
    today = clock.today(plan.organisation)
    form = forms.MyTargetsFilterForm(request.GET or None, org=plan.organisation)
    chosen = form.filters()
    page = Paginator(selectors.my_targets(plan=plan, viewer=viewer, today=today, **chosen),
                     TARGETS_PER_PAGE).get_page(request.GET.get("page"))
    target_url = row_url("me:target", "target_id")
    for target in page.object_list:
        target.link = target_url(target.pk)
    return render(request, "learners/me/targets.html", {
        "plan": plan, "targets": page.object_list, "page": page, "form": form, "today": today,
        "filtered": bool(chosen["status"] or chosen["area"])})


@signed_in_required
def starting_point(request, learner_plan_id):
    """Stage 1 of seed 001, in plain words for the learner: where they are starting from."""
    plan, viewer = plan_for_request(request, learner_plan_id, need="own")

    return render(request, "learners/me/starting_point.html", {
        "plan": plan, "profile": plan.profile, "show_support": can_see_sensitive(viewer)})


@signed_in_required
def glossary(request):
    """The few words the plan cannot avoid (target, review, tier…), in plain words."""
    return render(request, "learners/me/glossary.html")


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
            request=request, contributions_audience=form.chosen_contributions_audience())
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

    today = clock.today(plan.organisation)
    context.update({
        "shared": True, "share": share,
        "can_sign": share is not None and share.relationship == ShareRelationship.OFF_SITE_TUTOR,
        "can_review": share is not None and share.relationship in services.OFF_SITE_REVIEWERS,
        "sign_form": forms.SignForm(initial={"version": context["plan"].version}),
        "panels": [panel for module in app_hook_modules("me_home") if hasattr(module, "shared_panels")
                   for panel in module.shared_panels(plan=plan, viewer=viewer, today=today)],
        "mine": selectors.contributions_by(plan=plan, user=request.user),
    })
    return render(request, "learners/me/shared_plan.html", context)


def _my_active_share(request, learner_plan_id):
    plan, viewer = plan_for_request(request, learner_plan_id, need="shared")
    share = selectors.my_share_of(plan=plan, viewer=viewer)
    if share is None:
        raise Http404
    return plan, viewer, share


@signed_in_required
def shared_note_add(request, learner_plan_id):
    """A parent or carer (or anyone the plan is shared with) adds a note to the plan. Who may
    read it was chosen by the learner when sharing (everyone on the plan, or staff only)."""
    plan, _viewer, share = _my_active_share(request, learner_plan_id)
    form = forms.ContributionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.plan_contribution_add(org=plan.organisation, plan=plan, share=share, by=request.user,
                                       text=form.cleaned_data["text"])
        messages.success(request, "Your note is added to the plan.")
        return redirect(_me_plan_url(plan, "me:shared_plan") + "#contributions")
    return render(request, "learners/me/shared_note_add.html", {"form": form, "plan": plan, "share": share})


@signed_in_required
def shared_off_site_review_add(request, learner_plan_id):
    """The off-site provider's or employer's four-weekly review of the learner's targets: saved
    and signed in one step."""
    plan, viewer, share = _my_active_share(request, learner_plan_id)
    if share.relationship not in services.OFF_SITE_REVIEWERS:
        raise Http404
    targets = selectors.my_targets(plan=plan, viewer=viewer, today=clock.today(
        plan.organisation), status=selectors.TARGET_FILTER_OPEN)[:20]
    form = forms.OffSiteReviewForm(request.POST or None, plan=plan, targets=targets)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.off_site_review_record(org=plan.organisation, plan=plan, share=share, by=request.user,
                                        held_on=data["held_on"], progress=data["progress"],
                                        next_steps=data["next_steps"], target_rows=form.target_rows())
        messages.success(request, "Your review is saved and signed. The key worker will see it at the next review.")
        return redirect(_me_plan_url(plan, "me:shared_plan") + "#contributions")
    last = selectors.contributions_for(plan=plan, viewer=viewer, limit=1)["off_site_reviews"]
    return render(request, "learners/me/shared_off_site_review_add.html", {
        "form": form, "plan": plan, "share": share, "last": last[0] if last else None})


@require_POST
@signed_in_required
def shared_plan_sign(request, learner_plan_id):
    plan, viewer = plan_for_request(request, learner_plan_id, need="shared")
    share = PlanShare.objects.for_org(plan.organisation_id).filter(pk=viewer.share_id).first()
    if share is None or share.relationship != ShareRelationship.OFF_SITE_TUTOR:
        raise Http404
    sign_the_contract(request, plan, role=SignerRole.OFF_SITE_PROVIDER,
                      signed="You signed the learning contract as the off-site provider.")
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


# --- Record transfer: the learner decides (issue 13) ------------------------------------------


@signed_in_required
def transfers(request):
    """The learner's record transfers: requests to decide, consents to withdraw, history."""
    items = list(selectors.my_transfers(user=request.user))
    can_offer = selectors.own_profiles(user=request.user).exists()
    return render(request, "learners/me/transfers.html", {"transfers": items, "can_offer": can_offer})


@signed_in_required
def transfer_offer(request):
    """Offer my record to the organisation I am moving to: the form, then exactly what goes,
    then the consent (POST with ``confirmed``)."""
    profiles = list(selectors.own_profiles(user=request.user).select_related("organisation"))
    if not profiles:
        raise Http404
    form = forms.TransferOfferForm(request.POST or None, profiles=profiles)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sending = next(p for p in profiles if str(p.organisation_id) == data["from_org"])
        if not data["confirmed"]:
            return render(request, "learners/me/transfer_offer_confirm.html", {
                "form": form, "to_org": data["to_org"], "from_org": sending.organisation,
                "include_staff_records": data["include_staff_records"], "include_sensitive": data["include_sensitive"],
                "preview": selectors.transfer_preview(user=request.user, sending_org_id=sending.organisation_id)})
        try:
            transfer = services.record_transfer_offer(learner=request.user, sending_profile=sending,
                                                      receiving_org=data["to_org"], request=request,
                                                      include_staff_records=data["include_staff_records"],
                                                      include_sensitive=data["include_sensitive"])
        except services.TransferError as error:
            form.add_error("to_org", str(error))
        else:
            messages.success(request, f"{transfer.receiving_organisation.name} can now read your record at "
                                      f"{sending.organisation.name}. You can withdraw this at any time.")
            return redirect("me:transfers")
    return render(request, "learners/me/transfer_offer.html", {"form": form})


@signed_in_required
def transfer(request, transfer_id):
    """One transfer: exactly what goes, and the decision (consent or refuse) while it is asked."""
    item = selectors.my_transfer_get(user=request.user, transfer_id=transfer_id)
    form = forms.TransferDecisionForm(request.POST or None) if item.status == "requested" else None
    if request.method == "POST":
        if form is None:
            messages.info(request, "This request has been decided already.")
            return redirect("me:transfer", transfer_id=item.pk)
        if form.is_valid():
            try:
                if form.cleaned_data["decision"] == "consent":
                    services.record_transfer_consent(transfer=item, by=request.user, request=request,
                                                     include_staff_records=form.cleaned_data["include_staff_records"],
                                                     include_sensitive=form.cleaned_data["include_sensitive"])
                    messages.success(request, f"{item.receiving_organisation.name} can now read your record. "
                                              "You can withdraw this at any time.")
                else:
                    services.record_transfer_refuse(transfer=item, by=request.user, request=request)
                    messages.success(request, "You refused. Nothing was shared, and your answer is recorded.")
            except services.TransferError as error:
                messages.error(request, str(error))
            return redirect("me:transfers")
    return render(request, "learners/me/transfer.html", {
        "transfer": item, "form": form,
        "preview": selectors.transfer_preview(user=request.user, sending_org_id=item.organisation_id)})


@require_POST
@signed_in_required
def transfer_withdraw(request, transfer_id):
    item = selectors.my_transfer_get(user=request.user, transfer_id=transfer_id)
    try:
        services.record_transfer_withdraw(transfer=item, by=request.user, request=request)
    except services.TransferError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{item.receiving_organisation.name} can no longer read your record at "
                                  f"{item.organisation.name}.")
    return redirect("me:transfers")
