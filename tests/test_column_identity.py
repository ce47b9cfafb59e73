"""plp_portal/column_identity.py: a column's identity, computed directly, is Django's own."""

import pytest
from django.db.models import Count
from django.db.models.expressions import Col, Expression

from learners.models import Plan, Target
from plp_portal import column_identity

DJANGOS_IDENTITY = Expression.__dict__["identity"].func


def _columns():
    pk, name = Plan._meta.get_field("id"), Plan._meta.get_field("programme_name")
    fk = Target._meta.get_field("plan")
    return [
        Col("learners_plan", pk), Col("T3", name), Col("learners_plan", pk, pk), Col("learners_plan", pk, name),
        Col(alias="learners_target", target=fk), Col("learners_target", target=fk, output_field=pk),
        Col(None, name), fk.get_col("learners_target"), pk.get_col("T2", name),
    ]


def test_it_is_installed_and_gives_djangos_identity_for_every_way_a_column_is_built():
    assert column_identity.install() is True
    assert "identity" in Col.__dict__
    for col in _columns():
        assert col.identity == DJANGOS_IDENTITY(col), col


def test_equal_columns_stay_equal_and_different_ones_different():
    a, b, c, d, *_ = _columns()
    pk = Plan._meta.get_field("id")
    assert a == Col("learners_plan", pk) and hash(a) == hash(Col("learners_plan", pk))
    assert a != b and a != c and c != d  # another field, or another output field, is another column
    assert a != Col("T9", pk)


@pytest.mark.django_db
def test_ordered_queries_compile_as_before():
    """The columns' hashes are what the compiler uses for an ORDER BY: the SQL is unchanged."""
    qs = (Target.objects.system("test").select_related("plan__profile__user").order_by("plan__programme_name", "-pk"))
    sql = str(qs.query)
    assert 'ORDER BY "learners_plan"."programme_name" ASC, "learners_target"."id" DESC' in sql
    grouped = Plan.objects.system("test").values("status").annotate(n=Count("pk")).order_by("status")
    # The grouped and ordered column is found among the selected ones by its hash: by position.
    assert str(grouped.query).endswith('GROUP BY 1 ORDER BY 1 ASC')
