"""Filters of the learners list (``plp_portal.filters``)."""

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q

from plp_portal.filters import FilterSet
from plp_portal.organisations.choices import Role
from plp_portal.organisations.selectors import member_users

from .choices import TargetGroup
from .models import AtRiskLevel


def offer_the_organisations_choices(filterset, *, risk: str, key_worker: str, show_key_worker: bool) -> None:
    """Give ``filterset``'s at-risk filter (``risk``) and key-worker filter (``key_worker``) the
    organisation's own at-risk levels and key workers; without ``show_key_worker``, drop the
    key-worker filter."""
    filterset.filters[risk].queryset = AtRiskLevel.objects.for_org(filterset.org)
    if show_key_worker:
        filterset.filters[key_worker].queryset = member_users(org=filterset.org, roles=[Role.KEY_WORKER])
    else:
        del filterset.filters[key_worker]


class LearnerFilterSet(FilterSet):
    q = django_filters.CharFilter(label="Name, email or UPN", method="search", max_length=200)
    at_risk_level = django_filters.ModelChoiceFilter(label="At-risk status", queryset=AtRiskLevel.objects.none(),
                                                     empty_label="Any")
    target_group = django_filters.ChoiceFilter(label="Target group", choices=TargetGroup.choices, empty_label="Any")
    year_group = django_filters.CharFilter(label="Year group", max_length=20)
    key_worker = django_filters.ModelChoiceFilter(label="Key worker", queryset=get_user_model().objects.none(),
                                                  empty_label="Any")

    def __init__(self, *args, org, show_key_worker=True, **kwargs):
        super().__init__(*args, org=org, **kwargs)
        offer_the_organisations_choices(self, risk="at_risk_level", key_worker="key_worker",
                                        show_key_worker=show_key_worker)

    def search(self, queryset, name, value):
        return queryset.filter(Q(user__full_name__icontains=value) | Q(user__email__icontains=value) | Q(upn=value))
