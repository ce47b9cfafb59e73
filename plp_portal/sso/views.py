from urllib.parse import urlsplit

from allauth.core import ratelimit

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from plp_portal.organisations.choices import Role
from plp_portal.organisations.permissions import org_role_required, public_view

from . import selectors, services
from .forms import IdentityProviderForm, SignInEmailForm
from .models import ProviderKind, provider_id_for


START_RATE_LIMIT_ACTION = "sso_start"


def _callback_url(request, idp_provider_id: str) -> str:
    return request.build_absolute_uri(
        reverse("openid_connect_callback", kwargs={"provider_id": idp_provider_id})
    )


@org_role_required(Role.ORG_ADMIN)
def provider_list(request):
    """Which identity providers this organisation signs in with, and their redirect URIs."""

    rows = [
        {"kind": kind, "label": label, "idp": idp,
         "redirect_uri": _callback_url(request, provider_id_for(organisation_id=request.org.pk, kind=kind)),
         "edit_url": reverse(f"sso:provider_edit_{kind}", kwargs={"org_slug": request.org.slug})}
        for kind, label, idp in selectors.identity_provider_list(org=request.org)
    ]
    return render(request, "sso/provider_list.html", {"rows": rows})


@org_role_required(Role.ORG_ADMIN)
def provider_edit(request, kind):
    idp = selectors.identity_provider_get(org=request.org, kind=kind)
    initial = {}
    if idp is not None:
        initial = {"enabled": idp.enabled, "tenant": idp.tenant, "client_id": idp.client_id,
                   "allowed_domains": idp.allowed_domains}
    form = IdentityProviderForm(request.POST or None, initial=initial, kind=kind,
                                has_secret=bool(idp and idp.client_secret))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.identity_provider_save(
            org=request.org, kind=kind, enabled=data["enabled"], tenant=data.get("tenant", ""),
            client_id=data["client_id"], client_secret=data["client_secret"],
            allowed_domains=data["allowed_domains"], by=request.user, request=request,
        )
        state = "on" if data["enabled"] else "off"
        messages.success(request, f"Sign-in with {ProviderKind(kind).label} saved: it is {state}.")
        return redirect("sso:providers", org_slug=request.org.slug)

    return render(request, "sso/provider_edit.html", {
        "form": form, "kind_label": ProviderKind(kind).label, "kind": kind, "idp": idp,
        "redirect_uri": _callback_url(request, provider_id_for(organisation_id=request.org.pk, kind=kind)),
    })


@public_view("the sign-in start page: it shows which identity providers take an address, nothing else")
def start(request):
    """"Sign in with Microsoft or Google": the person gives their email address, and the page
    offers the identity providers of the organisations that accept its domain. Nothing is
    written; each button posts to allauth, which sends the browser to the provider."""
    form = SignInEmailForm(request.POST or None)
    if request.method == "POST" and not ratelimit.consume(request, action=START_RATE_LIMIT_ACTION):
        # The sign-in limit per address (ACCOUNT_RATE_LIMITS, sized for classes signing in
        # at once): the page tells which organisations take a domain, so it is not for scraping.
        return render(request, "sso/start.html", {"form": SignInEmailForm(), "too_many": True}, status=429)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = ""
    providers = None
    if request.method == "POST" and form.is_valid():
        domain = form.cleaned_data["email"].rpartition("@")[2].lower()
        providers = selectors.identity_providers_for_domain(domain=domain)
        if not providers:
            form.add_error("email", f"No organisation has set up signing in with Microsoft or "
                                    f"Google for {domain} addresses. Sign in with your email and "
                                    "password instead.")
            providers = None
    response = render(request, "sso/start.html", {
        "form": form, "providers": providers, "next": next_url,
    })
    if providers:
        # The buttons post to allauth, which redirects the form submission to the identity
        # provider: the page's CSP form-action must allow those origins (browsers check it on
        # redirects too).
        origins = sorted({"{0.scheme}://{0.netloc}".format(urlsplit(idp.server_url)) for idp in providers})
        response._csp_update = {"form-action": origins}
    return response
