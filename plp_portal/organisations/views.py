from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from plp_portal import clock
from plp_portal.notifications import selectors as notification_selectors
from plp_portal.notifications.services import notification_mark_all_read

from . import selectors, services
from .choices import Role
from .data_access import access_rows
from .forms import AcceptInvitationForm, InvitationForm, MembershipRoleForm, TermForm
from .permissions import org_role_required, public_view

# What each role's landing page offers now and what is coming; navigation uses the same list.
ROLE_LANDING_TEMPLATES = {
    Role.LEARNER: "organisations/landing/learner.html",
    Role.PARENT_CARER: "organisations/landing/parent.html",
}


@org_role_required()
def org_home(request):
    """The landing page of the signed-in person's role in this organisation."""
    template = ROLE_LANDING_TEMPLATES.get(request.membership.role, "organisations/landing/staff.html")
    return render(request, template, {"role": request.membership.get_role_display()})


@org_role_required(Role.ORG_ADMIN, Role.CAREERS_LEAD)
def data_access(request):
    """Every organisation or person outside this one that can see any of its learners' data,
    through which grant, until when, with a way to end each this member may end (issue 12)."""
    rows = access_rows(org=request.org, membership=request.membership, today=clock.today(request.org))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "organisations/access.html", {"rows": page, "count": len(rows), "page": page})


@org_role_required(Role.ORG_ADMIN)
def member_list(request):
    page = Paginator(selectors.member_list(org=request.org), 50).get_page(request.GET.get("page"))
    form = InvitationForm()
    return render(
        request,
        "organisations/members.html",
        {
            "page": page,
            "form": form,
            "invitations": selectors.invitation_list_open(org=request.org),
        },
    )


def _back_to_members(request, message):
    messages.success(request, message)
    return redirect("organisations:members", org_slug=request.org.slug)


@org_role_required(Role.ORG_ADMIN)
def invitation_create(request):
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_create(
                org=request.org,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
                request=request,
            )
        except services.InvitationError as error:
            form.add_error("email", str(error))
        else:
            return _back_to_members(request, f"Invitation sent to {form.cleaned_data['email']}.")
    return render(request, "organisations/invite.html", {"form": form})


@org_role_required(Role.ORG_ADMIN)
def invitation_revoke(request, invitation_id):
    invitation = selectors.invitation_not_accepted_get(org=request.org, invitation_id=invitation_id)
    if request.method == "POST":
        services.invitation_revoke(org=request.org, invitation=invitation, by=request.user,
                                   request=request)
        return _back_to_members(request, f"Invitation to {invitation.email} withdrawn.")
    return render(request, "organisations/invitation_revoke.html", {"invitation": invitation})


@org_role_required(Role.ORG_ADMIN)
def membership_edit(request, membership_id):
    membership = selectors.membership_get(org=request.org, membership_id=membership_id)
    form = MembershipRoleForm(request.POST or None,
                              initial={"role": membership.role, "extra_roles": membership.extra_roles})
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "deactivate":
            services.membership_deactivate(org=request.org, membership=membership,
                                           by=request.user, request=request)
            return _back_to_members(request, f"{membership.user} can no longer use {request.org.name}.")
        services.membership_set_role(org=request.org, membership=membership,
                                     role=form.cleaned_data["role"], by=request.user,
                                     extra_roles=form.cleaned_data["extra_roles"], request=request)
        return _back_to_members(request, f"{membership.user} is now {membership.get_roles_display()}.")
    return render(request, "organisations/membership_edit.html",
                  {"membership": membership, "form": form})


def _term_form_saved(request, form, save) -> bool:
    """Run ``save`` (a service call) if the form is valid; the service's refusals go on the
    form's fields. True when saved."""
    if request.method != "POST" or not form.is_valid():
        return False
    try:
        save(form.changes())
    except ValidationError as error:
        form.add_error(None, error)
        return False
    return True


@org_role_required(Role.ORG_ADMIN)
def term_list(request):
    form = TermForm(request.POST or None, org=request.org)
    if _term_form_saved(request, form, lambda fields: services.term_create(org=request.org, by=request.user,
                                                                            **fields)):
        messages.success(request, "Term dates saved.")
        return redirect("organisations:terms", org_slug=request.org.slug)
    return render(request, "organisations/terms.html",
                  {"terms": selectors.term_list(org=request.org), "form": form})


@org_role_required(Role.ORG_ADMIN)
def term_edit(request, term_id):
    term = selectors.term_get(org=request.org, term_id=term_id)
    title = str(term)  # before the form changes the instance
    form = TermForm(request.POST or None, instance=term, org=request.org)
    if _term_form_saved(request, form, lambda fields: services.term_update(org=request.org, term=term,
                                                                            by=request.user, **fields)):
        messages.success(request, f"{term} saved.")
        return redirect("organisations:terms", org_slug=request.org.slug)
    return render(request, "organisations/term_edit.html", {"form": form, "title": title})


@org_role_required(Role.ORG_ADMIN)
def term_delete(request, term_id):
    """A confirmation page; the term is deleted only by its POST, and not while records
    depend on it (the page says which)."""
    term = selectors.term_get(org=request.org, term_id=term_id)
    refused = None
    if request.method == "POST":
        try:
            services.term_delete(org=request.org, term=term, by=request.user)
        except services.TermInUse as error:
            refused = str(error)
        else:
            messages.success(request, f"{term} deleted.")
            return redirect("organisations:terms", org_slug=request.org.slug)
    return render(request, "organisations/term_delete.html", {
        "term": term, "refused": refused,
        "dependents": [] if refused else services.term_dependents(org=request.org, term=term),
    })


@org_role_required()
def notification_list(request):
    notifications = notification_selectors.notification_list(org=request.org, user=request.user)
    page = Paginator(notifications, 25).get_page(request.GET.get("page"))
    return render(request, "organisations/notifications.html", {"page": page})


@org_role_required()
@require_POST
def notifications_mark_read(request):
    notification_mark_all_read(org=request.org, user=request.user)
    return redirect("organisations:notifications", org_slug=request.org.slug)


@public_view("the invitation's secret token is the grant; an unknown token is a 404")
def invitation_accept(request, token):
    """The link in an invitation email. Returns 404 for unknown tokens."""
    invitation = selectors.invitation_by_token(token=token)
    if invitation is None:
        return render(request, "organisations/invitation_invalid.html", status=404)
    if not invitation.is_open:
        return render(request, "organisations/invitation_invalid.html", status=410)
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                services.invitation_accept(invitation=invitation, user=request.user,
                                           request=request)
            except services.InvitationError as error:
                messages.error(request, str(error))
                return redirect("home")
            messages.success(request, f"You have joined {invitation.organisation.name}.")
            return redirect("organisations:home", org_slug=invitation.organisation.slug)
        return render(request, "organisations/invitation_accept_existing.html",
                      {"invitation": invitation})
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.invitation_accept(
                invitation=invitation,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                request=request,
            )
        except services.InvitationError as error:
            messages.error(request, str(error))
            return redirect("account_login")
        login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome to {invitation.organisation.name}.")
        return redirect("home")
    return render(request, "organisations/invitation_accept.html",
                  {"invitation": invitation, "form": form})
