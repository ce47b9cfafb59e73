"""More values than PostgreSQL's protocol has parameters for (65,535) still work with
server-side binding (plp_portal/bind_limit.py): a long ``__in`` list. (A large ``bulk_create``
needs nothing: Django 5.2 sends each column as one array parameter, UNNEST.)"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

pytestmark = pytest.mark.django_db


def test_a_lookup_with_more_values_than_the_protocol_carries(org):
    user = get_user_model().objects.create(email="o'brien%50@example.org", full_name="Pat O'Brien")
    emails = [f"nobody'{i}%s@example.org" for i in range(70_000)] + [user.email]
    assert list(get_user_model().objects.filter(email__in=emails).values_list("full_name", flat=True)) == [
        "Pat O'Brien"]
    ids = list(range(10**9, 10**9 + 70_000)) + [user.pk]
    assert get_user_model().objects.filter(pk__in=ids).count() == 1
    assert connection.features.uses_server_side_binding  # the case it exists for

