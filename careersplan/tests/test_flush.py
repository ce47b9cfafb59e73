"""The shipped templates come from a data migration; `manage.py flush` (and every transactional
test's teardown) empties them. Seeding must not depend on them surviving."""

import pytest
from django.core.management import call_command

from careersplan.models import PlanTemplate


@pytest.mark.django_db(transaction=True)
def test_seed_demo_works_after_a_flush():
    call_command("flush", "--noinput", verbosity=0)
    assert not PlanTemplate.objects.exists()
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert PlanTemplate.objects.filter(owner__isnull=True, name="Kent Annual Careers Plan").exists()
