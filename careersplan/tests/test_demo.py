import datetime

import pytest
from django.core.management import call_command

from careersplan import dashboard
from careersplan.choices import Phase, Rag
from careersplan.models import CareersPlan
from plp_portal.organisations.models import Organisation

from .factories import shipped_templates

pytestmark = pytest.mark.django_db


def test_demo_plans_show_every_rag_band_and_are_idempotent(org, other_org, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 22, 9, 0), tick=False)
    shipped_templates()
    call_command("seed_demo", password="demoshire", stdout=open("/dev/null", "w"))
    call_command("seed_demo", password="demoshire", stdout=open("/dev/null", "w"))
    northgate = Organisation.objects.get(slug="northgate-school")
    plans = {p.academic_year: p for p in CareersPlan.objects.for_org(northgate)}
    assert plans[2026].phase == Phase.MONITORING and hasattr(plans[2025], "approval")
    la = Organisation.objects.get(slug="demoshire-cc")
    lines, chart = dashboard.overview(authority=la, year=2026)
    assert {line.rag for line in lines if line.plan} == {Rag.RED, Rag.AMBER, Rag.GREEN}
    assert CareersPlan.objects.system("test").count() == 8
