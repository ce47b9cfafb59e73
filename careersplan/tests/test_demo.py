import datetime

import pytest

from careersplan import dashboard
from careersplan.seeding import demo as careersplan_demo
from careersplan.choices import Phase, Rag
from careersplan.models import CareersPlan
from plp_portal.organisations.seeding import demo as organisations_demo
from plp_portal.organisations.models import Organisation
from plp_portal.tenancy import system_scope

from .factories import shipped_templates

pytestmark = pytest.mark.django_db


def test_demo_plans_show_every_rag_band_and_are_idempotent(org, other_org, settings):
    """The core demo county, then this app's seed, twice (as seed_demo would run it)."""
    # Two dozen demo passwords: a fast hasher keeps the suite fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    shipped_templates()
    with system_scope("demo seed in a test"):
        for _ in range(2):
            demo = organisations_demo.Demo(password="demoshire",
                                           today=datetime.date(2026, 11, 22))
            organisations_demo.seed(demo)
            careersplan_demo.seed(demo)
    northgate = Organisation.objects.get(slug="northgate-school")
    plans = {p.academic_year: p for p in CareersPlan.objects.for_org(northgate)}
    assert plans[2026].phase == Phase.MONITORING and hasattr(plans[2025], "approval")
    la = Organisation.objects.get(slug="demoshire-cc")
    lines, chart = dashboard.overview(authority=la, year=2026)
    assert {line.rag for line in lines if line.plan} == {Rag.RED, Rag.AMBER, Rag.GREEN}
    assert CareersPlan.objects.system("test").count() == 8
