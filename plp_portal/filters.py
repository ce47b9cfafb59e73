"""The one way a list page filters: a django-filter ``FilterSet`` built with the organisation.

Every list page (caseload, learner lists, triage queue, authority dashboard, …) declares its
filters as a subclass of ``FilterSet`` here, in its app's ``filters.py``, and the view does
``SomeFilterSet(request.GET or None, queryset=<scoped selector>, org=request.org).qs``:

- ``org`` is required (a missing scope raises, it never means "everything"); choice querysets
  (at-risk levels, key workers, schools …) are built from it in the subclass's ``__init__``, so a
  list never offers — or accepts — another organisation's options;
- the form is a ``plp_portal.forms.Form`` (messages that name the field) and renders with the
  GOV.UK includes (``{% include "includes/form_fields.html" with form=filterset.form %}``), in a
  GET form that needs no JavaScript;
- a value that does not validate (an id of another organisation, a made-up choice) is shown as
  that field's error and that filter is not applied; the rest still are.

``tests/test_architecture.py`` fails when a view reads filter parameters from ``request.GET``
itself."""

import django_filters

from plp_portal.forms import Form
from plp_portal.tenancy import UnscopedQueryError


class FilterSet(django_filters.FilterSet):
    not_narrowing: tuple[str, ...] = ()  # fields that order or scope the list, not narrow it

    def __init__(self, data=None, queryset=None, *, org, **kwargs):
        if org is None:
            raise UnscopedQueryError(f"{type(self).__name__} needs the organisation (org=None)")
        self.org = org
        super().__init__(data, queryset, **kwargs)

    class Meta:
        form = Form

    @property
    def active(self) -> bool:
        """Whether any filter has a value (for the "clear the filters" empty state)."""
        return self.is_bound and self.is_valid() and any(
            value not in (None, "", [], ()) for name, value in self.form.cleaned_data.items()
            if name not in self.not_narrowing)
