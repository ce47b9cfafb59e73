"""The ORM half of an append-only model (plp_portal.audit.models: ``AppendOnlyMixin`` and
``AppendOnlyQuerySetMixin``); the database's trigger is tested per table."""

import pytest

from plp_portal.audit.models import AppendOnlyError


def assert_append_only(row, rows, **change):
    """``row`` (already changed in memory) cannot be saved again or deleted, and ``rows`` (a
    queryset holding it) can be neither updated with ``change`` nor deleted in bulk."""
    for attempt in (row.save, row.delete, lambda: rows.update(**change), rows.delete):
        with pytest.raises(AppendOnlyError):
            attempt()
