"""seed_county: deterministic, set-based, and it refuses to run over real organisations."""

import pytest
from django.db import connection
from django.core.management import CommandError, call_command

from learners.models import LearnerProfile, Plan, Target
from plp_portal.seeding.bench import Timing, format_table
from plp_portal.organisations.models import Membership, Organisation
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def seed(**kwargs):
    call_command("seed_county", preset="small", learners=60, stdout=open("/dev/null", "w"),
                 **kwargs)


def snapshot(org_ids):
    return (
        sorted(Organisation.objects.filter(pk__in=org_ids).values_list("kind", flat=True)),
        sorted(LearnerProfile.objects.for_orgs(org_ids).values_list(
            "target_group", "year_group", "support_needs", "attendance_percent")),
        sorted(Target.objects.for_orgs(org_ids).values_list("title", "status", "due_on")),
    )


def test_seed_county_generates_every_part_and_is_deterministic():
    seed(seed=7)
    first_orgs = set(Organisation.objects.values_list("pk", flat=True))
    assert Organisation.objects.filter(is_generated=True).count() == 5
    assert LearnerProfile.objects.system("test").count() == 60
    assert Plan.objects.system("test").count() == 60 * 3
    assert Membership.objects.system("test").filter(role="key_worker").exists()
    needs = LearnerProfile.objects.system("test").exclude(support_needs="").count()
    assert 3 <= needs <= 25  # ~18%
    # (guidance adds careers targets from interviews' action plans on top of the plans' own)
    assert Target.objects.system("test").exclude(source_type="guidance.interview").count() == 60 * 3 * 15
    # The same seed gives the same data again (a second run, beside the first).
    seed(seed=7)
    second_orgs = set(Organisation.objects.values_list("pk", flat=True)) - first_orgs
    assert snapshot(first_orgs) == snapshot(second_orgs)
    seed(seed=8)
    third_orgs = set(Organisation.objects.values_list("pk", flat=True)) - first_orgs - second_orgs
    assert snapshot(third_orgs) != snapshot(first_orgs)


def test_seed_county_refuses_a_database_with_real_organisations():
    OrganisationFactory()
    with pytest.raises(CommandError, match="did not generate"):
        seed()
    seed(force=True)
    assert Organisation.objects.filter(is_generated=True).count() == 5


def test_bench_report_compares_with_the_floor():
    floor = Timing("framework floor", "/bench/floor", samples_sequential=[0.004] * 5,
                   queries=[2], statuses={200})
    page = Timing("plan", "/plan", samples_sequential=[0.02] * 9 + [0.05],
                  samples_concurrent=[0.03] * 8, concurrent_wall=0.1, queries=[9, 9],
                  statuses={200})
    row = page.summary(floor_median=0.004)
    assert row["median_ms"] == 20.0 and row["p95_ms"] == 50.0
    assert row["x_floor"] == 5.0 and row["queries"] == 9 and row["rps_c4"] == 80.0
    assert "plan" in format_table([floor.summary(None), row], [])


def test_seed_county_feature_apps_keep_their_invariants():
    """keyworkers, guidance and careersplan rows of the generated county obey each app's rules."""
    import datetime
    from collections import Counter, defaultdict

    from django.db.models import Count
    from django.utils import timezone

    from careersplan.models import (
        CareersPlan,
        ChecklistItem,
        ChecklistTick,
        GoverningBodyApproval,
        PlanRow,
        ScoreChange,
        TemplateRow,
    )
    from guidance.models import (
        ActionItem,
        Destination,
        Interview,
        LearnerGuidance,
        Partnership,
        Referral,
        ReferralEvent,
        TierChange,
    )
    from guidance.selectors import school_days_between
    from keyworkers.models import KeyWorkerAssignment, Review, ReviewTargetEvaluation
    from keyworkers.services import reviews_schedule_missing_everywhere

    from careersplan.tests.factories import shipped_templates

    shipped_templates()  # the data migration's templates, if a transactional test flushed them
    seed(seed=3)
    today = timezone.localdate()
    profiles = {p.pk: p for p in LearnerProfile.objects.system("test")}
    providers = set(Organisation.objects.filter(
        kind__in=["school", "college", "training_provider"]).values_list("pk", flat=True))

    # keyworkers: the current assignment mirrors LearnerProfile.key_worker.
    current = KeyWorkerAssignment.objects.system("test").filter(ends_on__isnull=True)
    assert current.count() == len(profiles)
    assert all(a.key_worker_id == profiles[a.profile_id].key_worker_id for a in current)
    # Reviews numbered 1..n per plan without gaps; one open review per active plan, none on others.
    numbers, open_per_plan = defaultdict(list), Counter()
    for r in Review.objects.system("test").select_related("plan"):
        numbers[r.plan_id].append(r.number)
        if r.is_open:
            assert r.plan.status == "active"
            open_per_plan[r.plan_id] += 1
    assert all(sorted(n) == list(range(1, len(n) + 1)) for n in numbers.values())
    active = set(Plan.objects.system("test").filter(status="active").values_list("pk", flat=True))
    assert set(open_per_plan) == active and set(open_per_plan.values()) == {1}
    assert all(len(numbers[p.pk]) == 6 for p in Plan.objects.system("test").filter(status="closed"))
    open_reviews = Review.objects.system("test").filter(status__in=["scheduled", "in_progress"])
    assert open_reviews.filter(due_on__lt=today).exists()
    assert open_reviews.filter(due_on__gte=today, due_on__lte=today + datetime.timedelta(days=6)).exists()
    assert not Review.objects.system("test").filter(status="completed", completed_at__isnull=True).exists()
    assert ReviewTargetEvaluation.objects.system("test").exists()
    assert reviews_schedule_missing_everywhere(reason="test") == 0

    # guidance: a partnership with every provider every year; a guidance row per learner.
    years = set(Plan.objects.system("test").values_list("starts_on__year", flat=True))
    assert Partnership.objects.system("test").count() == len(providers) * len(years)
    # ... each accepted by the school (issue 12: nothing is visible to the service before).
    assert not Partnership.objects.system("test").exclude(status="accepted").exists()
    assert not Partnership.objects.system("test").filter(decided_by__isnull=True).exists()
    guidance = LearnerGuidance.objects.system("test")
    assert guidance.count() == len(profiles)
    tiers = Counter(guidance.values_list("tier", flat=True))
    assert tiers["core"] > len(profiles) // 2 and tiers["filtered"] + tiers["intensive"] > 0
    for g in guidance.exclude(tier="core"):
        latest = TierChange.objects.system("test").filter(profile_id=g.profile_id).first()
        assert latest.to_tier == g.tier and latest.referral_id is not None
    referrals = Referral.objects.system("test")
    waiting = referrals.filter(status="new")
    assert 2 <= waiting.count() <= 20  # ~13% of 60
    assert any(school_days_between(r.created_at.date(), today) > 5 for r in waiting)
    assert not referrals.filter(source="self", consent=False).exists()
    assert not referrals.filter(source="other_agency", agency_name="").exists()
    assert not referrals.exclude(status="new").filter(status__in=["accepted", "kept_in_core", "referred_on"],
                                                      triaged_at__isnull=True).exists()
    with_events = set(ReferralEvent.objects.system("test").filter(to_status="new")
                      .values_list("referral_id", flat=True))
    assert with_events == set(referrals.values_list("pk", flat=True))
    assert Interview.objects.system("test").exists()
    actions = ActionItem.objects.system("test").select_related("target", "interview")
    assert actions.exists()
    assert all(a.target.source_id == str(a.interview_id) for a in actions if a.target_id)
    assert Destination.objects.system("test").exists()

    # careersplan: a plan per school/college per year, every template row, scores 0..20 in bands.
    plans = CareersPlan.objects.system("test")
    plan_orgs = Organisation.objects.filter(kind__in=["school", "college"]).count()
    assert plans.count() == plan_orgs * len(years)
    n_rows = TemplateRow.objects.filter(section__template_id=plans.first().template_id).count()
    assert set(PlanRow.objects.system("test").values("plan").annotate(n=Count("pk"))
               .values_list("n", flat=True)) == {n_rows}
    ticks = Counter(ChecklistTick.objects.system("test").values_list("plan_id", flat=True))
    approved = set(GoverningBodyApproval.objects.system("test").values_list("plan_id", flat=True))
    gb_item = ChecklistItem.objects.get(template_id=plans.first().template_id, is_governing_body_approval=True)
    gb_ticked = set(ChecklistTick.objects.system("test").filter(item=gb_item).values_list("plan_id", flat=True))
    assert approved == gb_ticked
    for plan in plans.select_related("template"):
        history = list(ScoreChange.objects.system("test").filter(plan=plan).values_list("score", flat=True))
        assert history == list(range(1, ticks[plan.pk] + 1))
        assert 0 <= ticks[plan.pk] <= 20
        # The stored summary the authority dashboard reads, computed after the COPY.
        assert (plan.score, plan.is_approved) == (ticks[plan.pk], plan.pk in approved)
    assert {plans.first().template.rag_for(ticks[p.pk]) for p in plans} == {"red", "amber", "green"}


def test_seed_county_refuses_rows_that_point_at_nothing(monkeypatch):
    """Row triggers are off while seeding (speed); the set-based foreign-key check at the end
    still refuses a broken generator, and nothing it wrote is kept."""
    from careersplan.seeding import county as careersplan_county
    from careersplan.models import CareersPlan

    real_seed = careersplan_county.seed

    def broken(county):
        real_seed(county)
        plan = CareersPlan.objects.system("test").order_by("-pk").first()
        with connection.cursor() as cursor:
            cursor.execute(f'UPDATE "{CareersPlan._meta.db_table}" SET template_id = 999999 '
                           f"WHERE id = %s", [plan.pk])

    monkeypatch.setattr(careersplan_county, "seed", broken)
    with pytest.raises(CommandError, match="point at nothing"):
        seed()
    assert not Organisation.objects.filter(is_generated=True).exists()


def test_bench_explain_reports_sequential_scans_of_large_tables():
    from careersplan.tests.factories import shipped_templates
    from guidance.seeding import bench as guidance_bench
    from plp_portal.seeding.bench import explain_page
    from plp_portal.tenancy import system_scope

    shipped_templates()
    seed(seed=5)
    with system_scope("test"):
        dashboard = next(p for p in guidance_bench.pages(password="county") if "dashboard" in p.name)
    # On a tiny county every table is "small" for the default threshold; with none, the
    # planner's sequential scans of the tiny tables show.
    assert explain_page(dashboard, min_rows=10**9) == []
    # (The dashboard reads its per-school summary rows since issue 19.)
    assert "guidance_schoolfigure" in explain_page(dashboard, min_rows=0)
