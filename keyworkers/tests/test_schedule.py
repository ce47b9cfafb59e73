"""The review schedule: half-termly from the term dates by default, termly, every N weeks,
per-learner override; the next due date across half-term boundaries (time-machine)."""

import datetime
import zoneinfo

import pytest
import time_machine

from keyworkers import schedule, selectors, services
from plp_portal import clock
from keyworkers.choices import Cadence, ReviewStatus
from keyworkers.models import Review
from keyworkers.tests.factories import learner_with_plan, school_year

pytestmark = pytest.mark.django_db
d = datetime.date
LONDON = zoneinfo.ZoneInfo("Europe/London")


class T:  # a Term without the database
    def __init__(self, starts_on, half_term_starts_on, half_term_ends_on, ends_on):
        self.starts_on, self.half_term_starts_on = starts_on, half_term_starts_on
        self.half_term_ends_on, self.ends_on = half_term_ends_on, ends_on


TERMS = [
    T(d(2026, 9, 3), d(2026, 10, 26), d(2026, 10, 30), d(2026, 12, 18)),
    T(d(2027, 1, 5), d(2027, 2, 15), d(2027, 2, 19), d(2027, 3, 26)),
]


@pytest.mark.parametrize("last, due, expected", [
    (None, None, d(2026, 10, 26)),                      # first review: end of the first half term
    (d(2026, 10, 20), d(2026, 10, 26), d(2026, 12, 18)),  # held early → end of the next half term
    (d(2026, 10, 26), d(2026, 10, 26), d(2026, 12, 18)),  # on the boundary itself
    (d(2026, 11, 5), d(2026, 10, 26), d(2026, 12, 18)),   # held late: the next is still due 18 Dec
    (d(2026, 11, 2), d(2026, 12, 18), d(2027, 2, 15)),    # second half → the next term's first half
    (d(2026, 12, 20), d(2026, 10, 26), d(2027, 2, 15)),   # very late, in the holiday → spring
    (d(2027, 3, 20), d(2027, 3, 26), d(2027, 3, 26) + datetime.timedelta(weeks=6)),  # no terms known
])
def test_half_termly_due_dates_cross_half_term_boundaries(last, due, expected):
    assert schedule.next_due(rule=schedule.Rule(), terms=TERMS, last_review_on=last, last_due_on=due,
                             plan_starts_on=d(2026, 9, 1)) == expected


def test_termly_and_weekly_and_explicit():
    termly = schedule.Rule(Cadence.TERMLY)
    assert schedule.next_due(rule=termly, terms=TERMS, last_review_on=None, plan_starts_on=d(2026, 9, 1)) == d(2026, 12, 18)
    assert schedule.next_due(rule=termly, terms=TERMS, last_review_on=d(2026, 12, 1), last_due_on=d(2026, 12, 18), plan_starts_on=d(2026, 9, 1)) == d(2027, 3, 26)
    weekly = schedule.Rule(Cadence.WEEKS, 4)  # seed 001: every four weeks
    assert schedule.next_due(rule=weekly, terms=TERMS, last_review_on=d(2026, 10, 1), plan_starts_on=d(2026, 9, 1)) == d(2026, 10, 29)
    assert schedule.next_due(rule=weekly, terms=[], last_review_on=None, plan_starts_on=d(2026, 9, 1)) == d(2026, 9, 29)
    assert schedule.next_due(rule=schedule.Rule(), terms=TERMS, last_review_on=d(2026, 10, 1),
                             plan_starts_on=d(2026, 9, 1), explicit=d(2026, 11, 5)) == d(2026, 11, 5)


def test_current_period():
    assert schedule.current_period(terms=TERMS, today=d(2026, 11, 10)) == (d(2026, 10, 30), d(2026, 12, 18))
    assert schedule.current_period(terms=TERMS, today=d(2026, 10, 28)) == (d(2026, 9, 3), d(2026, 10, 26))


def test_completed_review_schedules_the_next_across_the_half_term(org, other_org):
    school_year(org)
    plan = learner_with_plan(org)
    kw = plan.profile.key_worker
    with time_machine.travel(datetime.datetime(2026, 10, 20, 10, tzinfo=LONDON), tick=False):
        assert selectors.computed_due_dates(org=org, plans=[plan])[plan.pk] == d(2026, 10, 26)
        review = services.review_start(org=org, plan=plan, by=kw)
        assert review.number == 1 and review.held_on == d(2026, 10, 20)
        # Without an agreed date the schedule gives the end of the next half term.
        suggested = selectors.computed_due_dates(org=org, plans=[plan])[plan.pk]
        assert suggested == d(2026, 10, 26)  # nothing completed yet
        services.review_save_draft(org=org, review=review, by=kw, expected_version=review.version, fields={"next_review_on": d(2026, 12, 18)})
        services.review_sign_key_worker(org=org, review=review, by=kw)
        services.review_sign_learner(org=org, review=review, by=plan.profile.user)
    nxt = Review.objects.for_org(org).get(plan=plan, number=2)
    assert nxt.status == ReviewStatus.SCHEDULED and nxt.due_on == d(2026, 12, 18)
    # Computed from the completed review (due 26 Oct, held early on 20 Oct): the end of the
    # following half term.
    Review.objects.for_org(org).filter(pk=review.pk).update(next_review_on=None)
    assert selectors.computed_due_dates(org=org, plans=[plan])[plan.pk] == d(2026, 12, 18)


def test_learner_override_and_org_cadence_redate_scheduled_reviews(org, other_org):
    school_year(org)
    plan = learner_with_plan(org)
    kw = plan.profile.key_worker
    review = services.review_schedule_next(org=org, plan=plan, by=kw)
    assert review.due_on == d(2026, 10, 26)
    services.review_settings_update(org=org, by=kw, cadence=Cadence.TERMLY)
    review.refresh_from_db()
    assert review.due_on == d(2026, 12, 18)
    services.schedule_override_set(org=org, profile=plan.profile, by=kw, cadence=Cadence.WEEKS, interval_weeks=4)
    review.refresh_from_db()
    assert review.due_on == d(2026, 9, 29)
    services.schedule_override_set(org=org, profile=plan.profile, by=kw, cadence=None)
    review.refresh_from_db()
    assert review.due_on == d(2026, 12, 18)


def test_today_follows_the_organisation_time_zone(org, other_org):
    other_org.time_zone = "Pacific/Auckland"
    other_org.save()
    with time_machine.travel(datetime.datetime(2026, 11, 22, 12, 30, tzinfo=datetime.UTC), tick=False):
        assert clock.today(org) == d(2026, 11, 22)
        assert clock.today(other_org) == d(2026, 11, 23)
