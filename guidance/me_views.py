"""The learner's own guidance pages (/me/guidance/): their records and action plans (audience
PLAN only — what a learner may see, ``learners.permissions``), the entitlements of seed 004, and
a simple form to ask for careers guidance."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import redirect, render

from plp_portal.organisations.permissions import signed_in_required

from . import forms, selectors, services
from .choices import ENTITLEMENTS, TIER_DESCRIPTIONS, ReferralSource, Urgency


@signed_in_required
def index(request):
    return render(request, "guidance/me_index.html", {
        "enrolments": selectors.my_guidance(user=request.user),
        "entitlements": [text for _, text in ENTITLEMENTS],
        "tier_descriptions": TIER_DESCRIPTIONS,
    })


@signed_in_required
def self_refer(request):
    profile = selectors.my_profile_get(user=request.user, profile_id=None)
    adviser_ids = [a.adviser_id for p in selectors.partnerships_of_school(school_id=profile.organisation_id)
                   for a in p.advisers.all()]
    advisers = get_user_model().objects.filter(pk__in=adviser_ids).order_by("full_name")
    form = forms.SelfReferralForm(request.POST or None, advisers=advisers)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.referral_make(
            profile=profile, source=ReferralSource.SELF, by=request.user, reasons=data["reasons"],
            urgency=Urgency.URGENT if data["urgent"] else Urgency.ROUTINE, notes=data["notes"], consent=True,
            consent_wording=services.CONSENT_WORDING, preferred_adviser=data["preferred_adviser"],
            service=profile.organisation,
        )
        messages.success(request, "Thank you. Your request has been sent to the careers adviser.")
        return redirect("me_guidance:index")
    return render(request, "guidance/me_refer.html", {"form": form, "profile": profile})
