"""Dashboard figures against hand-computed fixtures, and the queue's query budget."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from guidance import figures, selectors, services
from guidance.choices import DestinationCategory, ReferralReason, ReferralSource, Tier, TierReason
from guidance.models import Referral, SchoolFigure, SchoolFiguresState
from guidance.tests.factories import learner, partnership, referral
from learners.choices import TargetGroup
from plp_portal.organisations.choices import Role
from tests.factories import member

pytestmark = pytest.mark.django_db


def test_dashboard_figures_match_hand_computed_values(service, org, other_org):
    adviser = member(service, Role.CAREERS_ADVISER)
    partnership(service, org)
    services.service_settings_update(org=service, by=adviser, triage_target_school_days=5,
                                     expected={TargetGroup.KEY_STAGE_4: (25, 10)})
    ks4 = [learner(org, with_plan=False, target_group=TargetGroup.KEY_STAGE_4) for _ in range(4)]
    y9 = [learner(org, with_plan=False, target_group=TargetGroup.YEAR_9) for _ in range(2)]
    learner(other_org, with_plan=False)  # not a partner school: never counted
    review = datetime.date(2026, 12, 1)
    services.tier_set(profile=ks4[0], to_tier=Tier.FILTERED, reasons=[TierReason.DEMOTIVATED], by=adviser,
                      review_on=review, org=service)
    services.tier_set(profile=ks4[1], to_tier=Tier.INTENSIVE, reasons=[TierReason.MAJOR_CRISIS], by=adviser,
                      review_on=review, org=service)
    # Referrals: 3 key worker, 1 self; reasons counted per referral; triage waits 1, 2, 3, 10 days.
    now = timezone.now()
    waits = [1, 2, 3, 10]
    sources = [ReferralSource.KEY_WORKER] * 3 + [ReferralSource.SELF]
    reasons = [[ReferralReason.TRANSITION_UNCLEAR], [ReferralReason.TRANSITION_UNCLEAR, ReferralReason.INFORMATION],
               [ReferralReason.INFORMATION], [ReferralReason.OTHER]]
    for i, (wait, source, rs) in enumerate(zip(waits, sources, reasons)):
        profile = y9[i % 2]
        by = profile.user if source == ReferralSource.SELF else None
        ref = referral(profile, source=source, reasons=rs, by=by, created_at=now - datetime.timedelta(days=20))
        Referral.objects.for_org(org).filter(pk=ref.pk).update(triaged_at=ref.created_at + datetime.timedelta(days=wait),
                                                                status="kept_in_core")
    for profile, category in ((ks4[2], DestinationCategory.EDUCATION), (ks4[3], DestinationCategory.NEET),
                              (y9[0], DestinationCategory.EDUCATION)):
        services.destination_record(profile=profile, by=adviser, kind="actual", category=category,
                                    recorded_on=datetime.date(2026, 9, 30), org=service)
    # An older NEET record superseded by a newer education one counts once, as education.
    services.destination_record(profile=y9[1], by=adviser, kind="actual", category=DestinationCategory.NEET,
                                recorded_on=datetime.date(2026, 9, 1), org=service)
    services.destination_record(profile=y9[1], by=adviser, kind="actual", category=DestinationCategory.EDUCATION,
                                recorded_on=datetime.date(2026, 10, 1), org=service)

    scope = selectors.GuidanceScope(org=service, side="service", org_ids=tuple(selectors.partner_school_ids(org=service)),
                                    user_id=adviser.pk)
    # The services marked the school stale; the triage times were set behind their back (update()),
    # which is what the nightly rollup is for: both are what the worker's refresh recomputes.
    assert SchoolFiguresState.objects.for_org(org).get().stale_since is not None
    assert figures.figures_refresh(school_ids=[org.pk, other_org.pk]) == 2
    figures_ = selectors.dashboard(scope=scope, service=service)
    tiers = {row["target_group"]: row for row in figures_["tiers"]}
    assert (tiers["key_stage_4"]["total"], tiers["key_stage_4"]["core"], tiers["key_stage_4"]["filtered"],
            tiers["key_stage_4"]["intensive"]) == (4, 2, 1, 1)
    assert (tiers["key_stage_4"]["core_pct"], tiers["key_stage_4"]["filtered_pct"]) == (50.0, 25.0)
    assert tiers["key_stage_4"]["expected"].filtered_percent == 25
    assert (tiers["year_9"]["total"], tiers["year_9"]["core_pct"]) == (2, 100.0)
    assert dict(figures_["by_source"]) == {"Key worker": 3, "The learner": 1,
                                          "Careers adviser (group session or clinic)": 0, "Another agency": 0}
    by_reason = dict(figures_["by_reason"])
    assert by_reason[ReferralReason.TRANSITION_UNCLEAR.label] == 2
    assert by_reason[ReferralReason.INFORMATION.label] == 2
    assert by_reason[ReferralReason.OTHER.label] == 1
    # median of 1,2,3,10 = 2.5 days; p90 = 3 + 0.7 * (10 - 3) = 7.9 days (percentile_cont).
    assert figures_["triage"]["n"] == 4
    assert figures_["triage"]["median"] == datetime.timedelta(days=2.5)
    assert abs(figures_["triage"]["p90"] - datetime.timedelta(days=7.9)) < datetime.timedelta(seconds=1)
    dest = {label: (n, pct) for label, n, pct in figures_["destinations"]}
    assert dest["Education"] == (3, 75.0)
    assert dest[DestinationCategory.NEET.label] == (1, 25.0)
    assert figures_["destinations_total"] == 4


def test_the_dashboard_reads_the_schools_summaries_kept_current_by_the_writes(service, org, other_org, sign_in):
    """A write marks its school stale; the worker's minute job recomputes just those schools; the
    page reads the summary rows of the schools it shows (never the learners or referrals)."""
    adviser = member(service, Role.CAREERS_ADVISER)
    partnership(service, org)
    figures.figures_refresh(school_ids=[org.pk, other_org.pk])
    assert not SchoolFiguresState.objects.for_orgs([org.pk, other_org.pk]).filter(stale_since__isnull=False).exists()
    profile = learner(org, with_plan=False)
    referral(profile)
    state = SchoolFiguresState.objects.for_org(org).get()
    assert state.stale_since is not None
    # (A flag younger than a minute stays set after a refresh: the write may not have been visible to it.)
    SchoolFiguresState.objects.for_org(org).update(stale_since=state.stale_since - datetime.timedelta(minutes=5))
    assert figures.figures_refresh_stale() == 1
    assert figures.figures_refresh_stale() == 0  # nothing stale any more
    assert SchoolFigure.objects.for_org(org).get(kind="open").n == 1
    assert not SchoolFigure.objects.for_org(other_org).exists()
    url = reverse("guidance:dashboard", kwargs={"org_slug": service.slug})
    body = sign_in(adviser).get(url).content.decode()
    assert "1 waiting" in body and "Figures as of" in body


def test_percentiles_of_a_histogram_are_postgresqls_percentile_cont():
    assert figures.percentile_of_histogram({24: 1, 48: 1, 72: 1, 240: 1}, 0.5) == 60
    assert abs(figures.percentile_of_histogram({24: 1, 48: 1, 72: 1, 240: 1}, 0.9) - (72 + 0.7 * 168)) < 1e-9
    assert figures.percentile_of_histogram({5: 3}, 0.9) == 5
    assert figures.percentile_of_histogram({}, 0.5) is None


def test_neet_list_holds_unsettled_leavers_only(service, org, other_org):
    adviser = member(service, Role.CAREERS_ADVISER)
    partnership(service, org)
    settled, neet, silent = (learner(org, with_plan=False) for _ in range(3))
    for p in (settled, neet, silent):
        services.leaver_record(profile=p, left_on=datetime.date(2026, 7, 20), by=adviser, org=service)
    services.destination_record(profile=settled, by=adviser, kind="actual", category="apprenticeship",
                                recorded_on=datetime.date(2026, 9, 1), org=service)
    services.destination_record(profile=neet, by=adviser, kind="actual", category="neet",
                                recorded_on=datetime.date(2026, 9, 1), org=service)
    scope = selectors.GuidanceScope(org=service, side="service", org_ids=(org.pk,), user_id=adviser.pk)
    assert {p["profile_id"] for p in selectors.neet_list(scope=scope)} == {neet.pk, silent.pk}


def test_dashboard_page_renders_chart_and_tables(service, org, other_org, sign_in):
    adviser = member(service, Role.CAREERS_ADVISER)
    partnership(service, org)
    referral(learner(org, with_plan=False))
    response = sign_in(adviser).get(reverse("guidance:dashboard", kwargs={"org_slug": service.slug}))
    body = response.content.decode()
    assert response.status_code == 200 and "<svg" in body and "Tier distribution by target group" in body


def _make_referrals(org, n):
    kw = member(org, Role.KEY_WORKER)
    profiles = [learner(org, with_plan=False) for _ in range(3)]
    now = timezone.now()
    Referral.objects.bulk_create([
        Referral(organisation=org, profile=profiles[i % 3], source=ReferralSource.KEY_WORKER, referred_by=kw,
                 reasons=",transition_unclear,", suggested_tier=Tier.FILTERED, urgency=1 + i % 3,
                 created_at=now - datetime.timedelta(hours=i))
        for i in range(n)
    ])


def test_queue_costs_the_same_queries_with_thousands_of_referrals(service, org, other_org, sign_in,
                                                                  django_assert_max_num_queries):
    adviser = member(service, Role.CAREERS_ADVISER)
    partnership(service, org)
    client = sign_in(adviser)
    url = reverse("guidance:index", kwargs={"org_slug": service.slug})
    _make_referrals(org, 10)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _make_referrals(org, 3000)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url + "?school=%d&reason=transition_unclear&tier=filtered" % org.pk)
    assert response.status_code == 200


def test_queue_orders_most_urgent_then_oldest_and_highlights_breaches(service, org, other_org, sign_in):
    adviser = member(service, Role.CAREERS_ADVISER)
    partnership(service, org)
    now = timezone.now()
    old = referral(learner(org, with_plan=False), urgency=1, created_at=now - datetime.timedelta(days=30))
    urgent_new = referral(learner(org, with_plan=False), urgency=3, created_at=now)
    routine_new = referral(learner(org, with_plan=False), urgency=1, created_at=now - datetime.timedelta(hours=1))
    scope = selectors.GuidanceScope(org=service, side="service", org_ids=(org.pk,), user_id=adviser.pk)
    assert [r.pk for r in selectors.referral_queue(scope=scope)] == [urgent_new.pk, old.pk, routine_new.pk]  # every status
    body = sign_in(adviser).get(reverse("guidance:index", kwargs={"org_slug": service.slug})).content.decode()
    assert body.count("Over target") == 1


def test_school_days_skip_weekends():
    friday = datetime.date(2026, 11, 20)
    assert selectors.school_days_between(friday, datetime.date(2026, 11, 23)) == 1  # Monday
    assert selectors.school_days_between(friday, datetime.date(2026, 11, 27)) == 5


def _next_link(body):
    import html
    import re

    found = re.search(r'href="(\?[^"]*cursor=[^"]*)" rel="next"', body)
    return html.unescape(found.group(1)) if found else None


def test_queue_pages_through_every_referral_once_by_plain_links_at_the_same_cost(service, org, other_org, sign_in):
    """Keyset pages: "Next" is a plain link (no JavaScript) to the rows after the last one shown;
    every referral appears once, in the queue's order; a deep page makes the same queries as the
    first; "Previous" goes back; a cursor edited by hand shows the first page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    adviser = member(service, Role.CAREERS_ADVISER)
    partnership(service, org)
    _make_referrals(org, 60)  # urgencies 1-3, one an hour: ties in urgency ordered by age, then id
    client = sign_in(adviser)
    url = reverse("guidance:index", kwargs={"org_slug": service.slug})
    scope = selectors.GuidanceScope(org=service, side="service", org_ids=(org.pk,), user_id=adviser.pk)
    expected = [r.pk for r in selectors.referral_queue(scope=scope).filter(status="new")]
    seen, link, counts, bodies = [], url, [], []
    while link:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(link if link.startswith("/") else url + link)
        counts.append(len(ctx.captured_queries))
        body = response.content.decode()
        bodies.append((link, body))
        seen += [r["referral"].pk for r in response.context["rows"]]
        link = _next_link(body)
    assert seen == expected and len(seen) == 60
    assert len(counts) == 3 and counts[1] == counts[2]  # page 3 costs what page 2 does
    previous = re.search(r'href="(\?[^"]*)" rel="prev"', bodies[2][1])
    back = client.get(url + html.unescape(previous.group(1)))
    assert [r["referral"].pk for r in back.context["rows"]] == expected[25:50]
    filtered = client.get(url + f"?school={org.pk}&status=new")
    assert f"school={org.pk}" in _next_link(filtered.content.decode())  # the filters are kept
    broken = client.get(url + "?cursor=not-a-cursor")
    assert broken.status_code == 200 and [r["referral"].pk for r in broken.context["rows"]] == expected[:25]


def test_dashboard_adds_up_its_schools_in_the_same_queries_for_one_school_and_six(service, org, sign_in):
    """The page reads one summed row per figure (kind and key), whatever the number of partner
    schools: the same queries for one school and six, the totals of every school on the page, and
    a school chosen in the filter shows that school's alone."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from tests.factories import OrganisationFactory

    adviser = member(service, Role.CAREERS_ADVISER)
    client = sign_in(adviser)
    url = reverse("guidance:dashboard", kwargs={"org_slug": service.slug})

    def school_with_referrals(school, n):
        partnership(service, school)
        profile = learner(school, with_plan=False, target_group=TargetGroup.KEY_STAGE_4)
        for _ in range(n):
            referral(profile)

    school_with_referrals(org, 2)
    figures.figures_refresh(school_ids=[org.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        body = client.get(url).content.decode()
    assert "By source (2 in all, 2 waiting)" in body
    others = [OrganisationFactory(name=f"School {i}") for i in range(5)]
    for i, school in enumerate(others):
        school_with_referrals(school, i + 1)
    figures.figures_refresh(school_ids=[s.pk for s in others])
    with CaptureQueriesContext(connection) as six:
        body = client.get(url).content.decode()
    assert len(six.captured_queries) == len(one.captured_queries)
    assert "By source (17 in all, 17 waiting)" in body  # 2 + 1 + 2 + 3 + 4 + 5
    assert re.search(r'Key Stage 4</th><td class="govuk-table__cell govuk-table__cell--numeric">6</td>', body)
    assert all(f'<option value="{s.pk}">School {i}</option>' in body for i, s in enumerate(others))
    one_school = client.get(url + f"?school={others[4].pk}").content.decode()
    assert "By source (5 in all, 5 waiting)" in one_school and f'<option value="{others[4].pk}" selected>' in one_school
