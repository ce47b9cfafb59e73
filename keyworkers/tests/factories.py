"""Factories for keyworkers tests; organisations derive from the learner's profile."""

import datetime
import re

from django.urls import reverse

from keyworkers import services
from keyworkers.choices import KeyWorkerType
from learners.tests.factories import LearnerProfileFactory, plan_for
from plp_portal.organisations.choices import Role
from plp_portal.organisations.models import Term
from tests.factories import member


def learner_with_plan(org, key_worker=None, *, starts_on=datetime.date(2026, 9, 1), **profile_fields):
    """A learner of ``org`` with an active plan and ``key_worker`` assigned (a new key worker if
    None). Returns the plan."""
    key_worker = key_worker or member(org, Role.KEY_WORKER)
    profile = LearnerProfileFactory(organisation=org, **profile_fields)
    services.key_worker_assign(org=org, profile=profile, key_worker=key_worker, worker_type=KeyWorkerType.TUTOR,
                               by=key_worker, starts_on=starts_on)
    profile.refresh_from_db()
    return plan_for(profile, by=key_worker, starts_on=starts_on)


def school_year(org, year=2026):
    """The three terms of ``year``/``year+1`` (English school dates)."""
    d = datetime.date
    rows = [
        ("Autumn", d(year, 9, 3), d(year, 10, 26), d(year, 10, 30), d(year, 12, 18)),
        ("Spring", d(year + 1, 1, 5), d(year + 1, 2, 15), d(year + 1, 2, 19), d(year + 1, 3, 26)),
        ("Summer", d(year + 1, 4, 12), d(year + 1, 5, 31), d(year + 1, 6, 4), d(year + 1, 7, 21)),
    ]
    return [
        Term.objects.create(organisation=org, academic_year=year, name=name, starts_on=a, half_term_starts_on=b,
                            half_term_ends_on=c, ends_on=e)
        for name, a, b, c, e in rows
    ]


def url(name, org, **kwargs):
    """The keyworkers page ``name`` of ``org``."""
    return reverse(f"keyworkers:{name}", kwargs={"org_slug": org.slug, **kwargs})


def form_version(response) -> str:
    """The draft version a page (or an autosave answer) gives the review form, as a browser keeps it."""
    return re.search(r'name="version" value="(\d+)"', response.content.decode()).group(1)
