"""Filters of the caseload (``plp_portal.filters``)."""

import datetime

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.forms import HiddenInput

from learners.filters import offer_the_organisations_choices
from learners.models import AtRiskLevel
from plp_portal.filters import FilterSet

from .selectors import caseload_sorted

SORTS = [("due", "Next review"), ("name", "Name"), ("risk", "At-risk status"), ("targets", "Overdue targets")]


class CaseloadFilterSet(FilterSet):
    """``worker`` (a lead's view of one key worker's caseload, carried as a hidden field) is
    only there for leads; ``show`` counts "due" as within the organisation's reminder days."""

    not_narrowing = ("sort", "worker")

    q = django_filters.CharFilter(label="Name, programme or tutor group", method="search", max_length=100)
    show = django_filters.ChoiceFilter(label="Reviews", method="due", empty_label="All",
                                       choices=[("due", "Due soon or overdue"), ("overdue", "Review or concern follow-up overdue")])
    risk = django_filters.ModelChoiceFilter(label="At-risk status", field_name="profile__at_risk_level",
                                            queryset=AtRiskLevel.objects.none(), empty_label="Any")
    sort = django_filters.ChoiceFilter(label="Sort by", method="sorted", choices=SORTS, empty_label=None)
    worker = django_filters.ModelChoiceFilter(field_name="profile__key_worker", widget=HiddenInput,
                                              queryset=get_user_model().objects.none())

    def __init__(self, *args, org, today: datetime.date, days_ahead: int, is_lead: bool, **kwargs):
        super().__init__(*args, org=org, **kwargs)
        self.today, self.days_ahead = today, days_ahead
        self.filters["show"].extra["choices"] = [
            ("due", f"Due in {days_ahead} days or overdue"), ("overdue", "Review or concern follow-up overdue")]
        offer_the_organisations_choices(self, risk="risk", key_worker="worker", show_key_worker=is_lead)

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(profile__user__full_name__icontains=value) | Q(programme_name__icontains=value)
                               | Q(profile__tutor_group__iexact=value))

    def due(self, queryset, name, value):
        if value == "overdue":
            return queryset.filter(Q(open_due_on__lt=self.today) | Q(follow_ups_overdue__gt=0))
        return queryset.filter(open_due_on__lte=self.today + datetime.timedelta(days=self.days_ahead))

    def sorted(self, queryset, name, value):
        return caseload_sorted(queryset, value)
