"""django-allauth's social accounts, restricted to what a school needs: sign in with the
Microsoft or Google account of an organisation that has set it up, into an account that already
exists (imported or invited) — never a new account.

The rule, checked in ``pre_social_login`` for every sign-in (new link or returning):
1. the identity provider is enabled by its organisation (else allauth answers 404);
2. the provider vouches for the email address (``email_verified`` true; for Microsoft Entra ID,
   which does not send it, the optional claim ``xms_edov`` true);
3. the address's domain is one the organisation allows;
4. for Google, the ID token's ``hd`` claim (the Google Workspace domain) is one the
   organisation allows: a personal Google account is refused, whatever its address;
5. an active account with that address exists and is an active member of that organisation;
6. an identity already linked must still carry the account's address.
Anything else is refused with a page that says why; nothing is created.
"""

from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.contrib.auth import get_user_model
from django.shortcuts import render

from plp_portal.audit.services import audit_log
from plp_portal.organisations.selectors import membership_for

from . import selectors
from .models import ProviderKind


def _truthy(value) -> bool:
    return value is True or str(value).lower() == "true"


def id_token_claims(sociallogin) -> dict:
    return (sociallogin.account.extra_data or {}).get("id_token") or {}


def claims(sociallogin) -> dict:
    """The identity provider's claims about the person: userinfo over the ID token."""
    data = sociallogin.account.extra_data or {}
    return {**(data.get("id_token") or {}), **(data.get("userinfo") or {})}


def verified_email(sociallogin) -> str | None:
    data = claims(sociallogin)
    email = str(data.get("email") or "").strip().lower()
    if email and (_truthy(data.get("email_verified")) or _truthy(data.get("xms_edov"))):
        return email
    return None


def workspace_domain(sociallogin) -> str | None:
    """The Google Workspace domain of the account (the ID token's ``hd`` claim, which Google
    sends only for Workspace accounts), lower-case; None for a personal account."""
    hd = id_token_claims(sociallogin).get("hd")
    return hd.strip().lower() if isinstance(hd, str) and hd.strip() else None


def asserted_mfa(sociallogin) -> bool:
    """Whether the identity provider says this sign-in used multi-factor authentication
    (RFC 8176 ``amr`` value "mfa" in the ID token, as Microsoft Entra ID sends it)."""
    amr = id_token_claims(sociallogin).get("amr") or []
    return isinstance(amr, list) and "mfa" in amr


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request, provider=None, client_id=None):
        """Apps come from the organisations' settings, one per enabled identity provider, and
        only by name: no page lists every organisation's providers (the sign-in page asks for
        the email address first, plp_portal.sso.views.start)."""
        if not provider:
            return []
        idp = selectors.identity_provider_enabled_by_provider_id(provider_id=provider)
        if idp is None or (client_id and client_id != idp.client_id):
            return []
        return [social_app(idp)]

    def is_open_for_signup(self, request, sociallogin):
        return False

    def is_auto_signup_allowed(self, request, sociallogin):
        return False

    def pre_social_login(self, request, sociallogin):
        idp = selectors.identity_provider_enabled_by_provider_id(
            provider_id=sociallogin.account.provider
        )
        if idp is None:
            self._refuse(request, sociallogin, None, "not_enabled",
                         "Signing in this way is not set up for your organisation.")
        email = verified_email(sociallogin)
        if email is None:
            self._refuse(request, sociallogin, idp, "email_not_verified",
                         f"{idp.get_kind_display()} did not confirm your email address, so it "
                         "cannot be used to sign in. Sign in with your email and password.")
        if idp.kind == ProviderKind.GOOGLE and workspace_domain(sociallogin) not in idp.domains:
            # A personal Google account can carry any verified address (an alias at the school's
            # domain included): only the school's Google Workspace, which signs ``hd``, counts.
            self._refuse(request, sociallogin, idp, "not_workspace",
                         f"This Google account is not one of {idp.organisation.name}'s Google "
                         "Workspace accounts. Sign in with your school Google account, or with your "
                         "email and password.")
        domain = email.rpartition("@")[2]
        if domain not in idp.domains:
            self._refuse(request, sociallogin, idp, "domain_refused",
                         f"{idp.organisation.name} does not let {domain} accounts sign in with "
                         f"{idp.get_kind_display()}. Use your {idp.organisation.name} account, or "
                         "sign in with your email and password.")
        if sociallogin.is_existing:
            user = sociallogin.user
            if user.email.lower() != email:
                self._refuse(request, sociallogin, idp, "email_changed",
                             "This account is linked to a different email address. Ask your "
                             "organisation's admin to check your email address.")
        else:
            user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None or not user.is_active or membership_for(org=idp.organisation, user=user) is None:
            self._refuse(request, sociallogin, idp, "unknown_email",
                         f"There is no PLP Portal account for {email} at {idp.organisation.name}. "
                         "Ask your organisation to import or invite you, then sign in again.")
        if request.user.is_authenticated and request.user != user:
            self._refuse(request, sociallogin, idp, "other_account",
                         "You are signed in as someone else. Sign out first.")
        # The provider vouched for the address: record it as verified, as an invitation does.
        EmailAddress.objects.update_or_create(
            user=user, email__iexact=email, defaults={"email": user.email, "verified": True}
        )
        if not sociallogin.is_existing:
            # Linked to the existing account (no new user); allauth then signs it in.
            sociallogin.connect(request, user)
            audit_log("sso.linked", request=request, actor=user, org=idp.organisation, obj=user,
                      data={"provider": idp.kind})

    def _refuse(self, request, sociallogin, idp, reason: str, message: str):
        audit_log(
            "sso.refused", request=request, org=idp.organisation if idp else None,
            data={"reason": reason, "provider": sociallogin.account.provider,
                  "email": str(claims(sociallogin).get("email") or "")[:254]},
        )
        raise ImmediateHttpResponse(
            render(request, "sso/refused.html", {"message": message}, status=403)
        )


def social_app(idp) -> SocialApp:
    """The in-memory allauth app of an organisation's identity provider (never saved)."""
    return SocialApp(
        provider="openid_connect",
        provider_id=idp.provider_id,
        name=ProviderKind(idp.kind).label,
        client_id=idp.client_id,
        secret=idp.secret(),
        settings={"server_url": idp.server_url, "oauth_pkce_enabled": True},
    )
