"""Filters of the triage queue and the guidance learner list (``plp_portal.filters``). The school
choices are the request's guidance scope (``request.guidance``): a careers service is offered —
and may pick — only its current partner schools."""

import django_filters
from django.db.models import Q

from plp_portal.filters import FilterSet

from . import selectors
from .choices import ReferralReason, ReferralSource, ReferralStatus, Tier


class ReferralQueueFilterSet(FilterSet):
    """A careers service's queue shows new referrals until another status (or "Any status") is
    chosen (``with_default_status``)."""

    school = django_filters.ChoiceFilter(label="School", field_name="organisation_id", choices=(),
                                         empty_label="All partner schools")
    reason = django_filters.ChoiceFilter(label="Reason", method="with_reason", choices=ReferralReason.choices,
                                         empty_label="Any reason")
    tier = django_filters.ChoiceFilter(label="Suggested tier", field_name="suggested_tier", choices=Tier.choices,
                                       empty_label="Any tier")
    status = django_filters.ChoiceFilter(label="Status", choices=ReferralStatus.choices, empty_label="Any status")
    source = django_filters.ChoiceFilter(label="Source", choices=ReferralSource.choices, empty_label="Any source")

    def __init__(self, data=None, *args, org, scope: selectors.GuidanceScope, **kwargs):
        if scope.is_service:
            data = self.with_default_status(data)
        super().__init__(data, *args, org=org, **kwargs)
        if scope.is_service:  # one query: the same list validates the choice and renders it
            self.filters["school"].extra["choices"] = selectors.partner_school_choices(scope=scope)
        else:
            del self.filters["school"]

    @staticmethod
    def with_default_status(data):
        data = data.copy() if data is not None else {}
        data.setdefault("status", ReferralStatus.NEW)
        return data

    def with_reason(self, queryset, name, value):
        return queryset.filter(reasons__contains=f",{value},")


class GuidanceLearnerFilterSet(FilterSet):
    q = django_filters.CharFilter(label="Name or UPN", method="search", max_length=100)
    tier = django_filters.ChoiceFilter(label="Tier", field_name="current_tier", choices=Tier.choices,
                                       empty_label="Any tier")

    def search(self, queryset, name, value):
        return queryset.filter(Q(user__full_name__icontains=value) | Q(upn=value))


class RegisterFilterSet(FilterSet):
    """A group session's register: the school's learners by tutor group, year group, name or
    UPN. The group choices are the school's own (``selectors.school_learner_groups``)."""

    tutor_group = django_filters.ChoiceFilter(label="Tutor group", choices=(), empty_label="Any tutor group")
    year_group = django_filters.ChoiceFilter(label="Year group", choices=(), empty_label="Any year group")
    q = django_filters.CharFilter(label="Name or UPN", method="search", max_length=100)

    def __init__(self, *args, org, tutor_groups, year_groups, **kwargs):
        super().__init__(*args, org=org, **kwargs)
        self.filters["tutor_group"].extra["choices"] = [(g, g) for g in tutor_groups]
        self.filters["year_group"].extra["choices"] = [(g, g) for g in year_groups]

    def search(self, queryset, name, value):
        return queryset.filter(Q(user__full_name__icontains=value.strip()) | Q(upn=value.strip()))
