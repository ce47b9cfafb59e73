"""``__any`` (plp_portal.lookups): the rows ``__in`` gives, from one array parameter; and the list
helpers of issue 19 that print what the template filters printed."""

import datetime

import pytest
from django.template import Context, Template

from learners.models import LearnerProfile
from learners.tests.factories import LearnerProfileFactory
from plp_portal.clock import day_label
from plp_portal.organisations.models import Organisation
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_any_gives_the_rows_in_gives(org, other_org):
    third = OrganisationFactory()
    ids = [org.pk, third.pk]
    assert set(Organisation.objects.filter(pk__any=ids)) == set(Organisation.objects.filter(pk__in=ids)) == {org, third}
    mine, theirs = LearnerProfileFactory(organisation=org), LearnerProfileFactory(organisation=other_org)
    assert list(LearnerProfile.objects.for_orgs([org.pk])) == [mine]
    assert set(LearnerProfile.objects.for_orgs((org.pk, other_org.pk))) == {mine, theirs}
    assert list(LearnerProfile.objects.for_orgs([])) == []
    assert list(LearnerProfile.objects.for_org(org).filter(user_id__any=[mine.user_id, theirs.user_id])) == [mine]
    with pytest.raises(TypeError):
        Organisation.objects.filter(pk__any=Organisation.objects.values("pk"))


def test_day_label_prints_what_the_date_filter_printed():
    template = Template('{{ d|date:"j M Y" }}')
    for day in (datetime.date(2026, 9, 3), datetime.date(2027, 1, 31), datetime.date(2025, 5, 9)):
        assert day_label(day) == template.render(Context({"d": day}))
    assert day_label(None) == ""
