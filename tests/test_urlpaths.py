import pytest
from django.urls import reverse

from plp_portal.urlpaths import row_url


def test_row_url_is_reverse_with_each_rows_id():
    url = row_url("learners:target", "target_id", org_slug="school-a")
    for target_id in (1, 42, 10**12):
        assert url(target_id) == reverse("learners:target", kwargs={"org_slug": "school-a", "target_id": target_id})


def test_row_url_refuses_an_address_without_the_id():
    with pytest.raises(Exception):
        row_url("learners:target", "no_such_kwarg", org_slug="school-a")
