"""The learner's own guidance pages (/me/guidance/): their records and action plans (audience
PLAN only — what a learner may see, ``learners.permissions``), the entitlements of seed 004, and
a simple form to ask for careers guidance."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import redirect, render

from plp_portal.organisations.permissions import signed_in_required
from learners.selectors import own_profiles

from . import forms, selectors, services
from .choices import (
    ENTITLEMENTS,
    ENTITLEMENTS_FOR_LEARNERS,
    ENTITLEMENTS_FOR_PARENTS,
    TIER_DESCRIPTIONS,
    TIERS_EXPLAINED,
    ReferralSource,
    Urgency,
)


@signed_in_required
def index(request):
    return render(request, "guidance/me_index.html", {
        "enrolments": selectors.my_guidance(user=request.user),
        "entitlements": [ENTITLEMENTS_FOR_LEARNERS[key] for key, _ in ENTITLEMENTS],
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
            org=profile.organisation,
        )
        messages.success(request, "Thank you. Your request has been sent to the careers adviser.")
        return redirect("me_guidance:index")
    return render(request, "guidance/me_refer.html", {"form": form, "profile": profile})


def _explained(request, *, for_parents: bool):
    plain = ENTITLEMENTS_FOR_PARENTS if for_parents else ENTITLEMENTS_FOR_LEARNERS

    return render(request, "guidance/me_how_it_works.html", {
        "for_parents": for_parents,
        "is_learner": own_profiles(user=request.user).filter(is_active=True).exists(),
        "tiers": [(name, parent if for_parents else learner) for _, name, learner, parent in TIERS_EXPLAINED],
        "entitlements": [(plain[key], text) for key, text in ENTITLEMENTS],
    })


@signed_in_required
def how_it_works(request):
    """The three tiers of guidance, how to ask for help, and the eleven things every young
    person can expect (seed 004), in plain words for the learner."""
    return _explained(request, for_parents=False)


@signed_in_required
def for_parents(request):
    """The same, written for a parent or carer."""
    return _explained(request, for_parents=True)
