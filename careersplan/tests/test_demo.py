import datetime

import pytest

from careersplan import dashboard
from careersplan.seeding import demo as careersplan_demo
from careersplan.choices import Phase
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
    school_ids = list(Organisation.objects.filter(parent=la).values_list("pk", flat=True))
    this_year = dashboard.chart(authority=la, school_ids=school_ids, year=2026)[-1]
    assert this_year["red"] and this_year["amber"] and this_year["green"]
    # The stored summaries (``_fill`` writes rows directly; the seed recomputes them).
    for plan in CareersPlan.objects.system("test"):
        incomplete = {row.template_row.section_id for row in plan.rows.filter(planned="").select_related("template_row")}
        assert (plan.score, plan.sections_incomplete, plan.is_approved) == (
            plan.ticks.count(), len(incomplete), hasattr(plan, "approval")), plan.organisation_id
    assert CareersPlan.objects.system("test").count() == 8
