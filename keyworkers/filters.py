"""Filters of the caseload (``plp_portal.filters``)."""

import datetime

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.core.validators import RegexValidator
from django.forms import HiddenInput

from learners.filters import offer_the_organisations_choices
from learners.models import AtRiskLevel
from plp_portal.filters import FilterSet

from . import selectors
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


class QualityLearnersFilterSet(FilterSet):
    """The learners behind one figure of the quality page, reached by its links (no form):
    ``metric`` names the figure (none: all the learners), ``value=0`` those without it, ``group``
    a tutor group and ``worker`` a key worker's id (``selectors.NONE``: no tutor group / no key
    worker). The view answers 404 for a value that does not validate (a link that was never made)."""

    metric = django_filters.ChoiceFilter(choices=list(selectors.QUALITY_METRICS.items()), method="with_metric")
    value = django_filters.ChoiceFilter(choices=[("1", "With"), ("0", "Without")], method="unchanged")
    group = django_filters.CharFilter(method="in_group", max_length=40)
    worker = django_filters.CharFilter(method="with_worker", max_length=20,
                                       validators=[RegexValidator(rf"^({selectors.NONE}|\d+)$")])

    def __init__(self, *args, org, today: datetime.date, **kwargs):
        super().__init__(*args, org=org, **kwargs)
        self.today = today

    @property
    def without(self) -> bool:
        return self.is_bound and self.is_valid() and self.form.cleaned_data.get("value") == "0"

    def with_metric(self, queryset, name, value):
        return selectors.quality_narrowed(queryset, org=self.org, today=self.today, metric=value,
                                          value=not self.without)

    def unchanged(self, queryset, name, value):
        return queryset

    def in_group(self, queryset, name, value):
        return queryset.filter(tutor_group="" if value == selectors.NONE else value)

    def with_worker(self, queryset, name, value):
        return queryset.filter(key_worker_id=None if value == selectors.NONE else int(value))
