"""Filters of the authority dashboard (``plp_portal.filters``): the authority's schools narrowed
in SQL by this year's plan — its RAG (from the stored score and the template's bands, the rule of
``PlanTemplate.rag_for``), phase and approval. Sorting is ``selectors.authority_school_rows``'s,
in SQL too; ``sort``/``dir`` are validated here and carried as hidden fields."""

import django_filters
from django.forms import HiddenInput

from plp_portal.filters import FilterSet

from . import selectors
from .choices import Phase, Rag, RecommendationStatus

NO_PLAN = "none"
STATUSES = [("approved", "Approved"), ("not_approved", "Not approved"), ("no_plan", "No plan"),
            ("late", "Late for the approval deadline")]
SORT_COLUMNS = ["name", "status", "phase", "score", "rag", "incomplete"]


class AuthorityFilterSet(FilterSet):
    not_narrowing = ("sort", "dir")

    rag = django_filters.ChoiceFilter(label="RAG this year", method="with_rag", empty_label="Any",
                                      choices=[*Rag.choices, (NO_PLAN, "No plan")])
    phase = django_filters.ChoiceFilter(label="Phase", method="with_phase", empty_label="Any", choices=Phase.choices)
    status = django_filters.ChoiceFilter(label="Approval", method="with_status", empty_label="Any", choices=STATUSES)
    sort = django_filters.ChoiceFilter(method="unchanged", widget=HiddenInput,
                                       choices=[(c, c) for c in SORT_COLUMNS])
    dir = django_filters.ChoiceFilter(method="unchanged", widget=HiddenInput, choices=[("desc", "desc")])

    def __init__(self, *args, org, year: int, school_ids, deadline_passed: bool = False, **kwargs):
        super().__init__(*args, org=org, **kwargs)
        self.plans = selectors.authority_plans(authority=org, years=[year], school_ids=school_ids)
        # Late (``dashboard.SchoolLine.late``): the approval deadline has passed and the school
        # has no approved plan this year.
        self.deadline_passed = deadline_passed

    def _with_plan(self, queryset, plans):
        return queryset.filter(pk__in=plans.values("organisation_id"))

    def with_rag(self, queryset, name, value):
        if value == NO_PLAN:
            return queryset.exclude(pk__in=self.plans.values("organisation_id"))
        return self._with_plan(queryset, self.plans.alias(rag=selectors.plan_rag()).filter(rag=value))

    def with_phase(self, queryset, name, value):
        return self._with_plan(queryset, self.plans.filter(phase=value))

    def with_status(self, queryset, name, value):
        if value == "no_plan":
            return queryset.exclude(pk__in=self.plans.values("organisation_id"))
        if value == "late":
            if not self.deadline_passed:
                return queryset.none()
            return queryset.exclude(pk__in=self.plans.filter(is_approved=True).values("organisation_id"))
        return self._with_plan(queryset, self.plans.filter(is_approved=value == "approved"))

    def unchanged(self, queryset, name, value):
        return queryset

    def choice(self, name: str, default: str = "") -> str:
        """A valid ``sort``/``dir`` value, else ``default``."""
        if not self.is_bound:
            return default
        self.errors  # validates the form
        return self.form.cleaned_data.get(name) or default

    def narrowing(self) -> dict:
        """The filters in use, to carry into the sort links and the CSV download."""
        if not self.is_bound:
            return {}
        self.errors
        return {name: value for name, value in self.form.cleaned_data.items()
                if value and name not in self.not_narrowing}


class RecommendationFilterSet(FilterSet):
    """The authority's recommendations by status, offered as tabs (links, no form): waiting for
    the school's answer unless another tab is chosen; a value that is not a tab shows that default
    tab (there is no form to show an error on)."""

    DEFAULT = RecommendationStatus.OPEN
    TABS = {RecommendationStatus.OPEN: "Waiting for the school", RecommendationStatus.ANSWERED: "Answered",
            RecommendationStatus.CLOSED: "Closed", "all": "All"}

    status = django_filters.ChoiceFilter(choices=list(TABS.items()))

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data if data is not None else {}, *args, **kwargs)  # no choice is a choice too

    @property
    def tab(self) -> str:
        return (self.form.cleaned_data.get("status") if self.is_valid() else None) or self.DEFAULT

    def filter_queryset(self, queryset):
        return queryset if self.tab == "all" else queryset.filter(status=self.tab)
