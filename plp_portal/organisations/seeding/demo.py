"""Demoshire: the demo county's organisations, people and term dates.

Each app may have a ``seeding/demo.py`` with ``seed(demo)``; ``manage.py seed_demo`` calls them in
INSTALLED_APPS order, so feature apps add their own demo data on top of this. Every seed is
idempotent (get_or_create on natural keys)."""

import datetime
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from plp_portal.clock import academic_year_of

from ..choices import OrganisationKind as Kind
from ..choices import Role
from ..models import Membership, Organisation, Term


@dataclass
class Demo:
    password: str
    today: datetime.date
    orgs: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    log: list = field(default_factory=list)

    def user(self, email, full_name, org, role):
        """A verified demo user with ``role`` in ``org`` (created once)."""
        User = get_user_model()
        user, created = User.objects.get_or_create(email=email, defaults={"full_name": full_name})
        if created:
            user.set_password(self.password)
            user.save()
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        Membership.objects.for_org(org).get_or_create(
            organisation=org, user=user, defaults={"role": role}
        )
        self.users[email] = user
        return user


ORGANISATIONS = [
    # key, name, slug, kind, parent key
    ("la", "Demoshire County Council", "demoshire-cc", Kind.LOCAL_AUTHORITY, None),
    ("careers", "Demoshire Careers Service", "demoshire-careers", Kind.CAREERS_SERVICE, None),
    ("northgate", "Northgate School", "northgate-school", Kind.SCHOOL, "la"),
    ("riverside", "Riverside Academy", "riverside-academy", Kind.SCHOOL, "la"),
    ("hillcrest", "Hillcrest High School", "hillcrest-high", Kind.SCHOOL, "la"),
    ("college", "Demoshire College", "demoshire-college", Kind.COLLEGE, "la"),
    ("training", "Demoshire Training", "demoshire-training", Kind.TRAINING_PROVIDER, "la"),
]

# The demo accounts in the README, all with the demo password.
ACCOUNTS = [
    ("learner@demoshire.test", "Lily Learner", "northgate", Role.LEARNER),
    ("parent@demoshire.test", "Pat Parent", "northgate", Role.PARENT_CARER),
    ("tutor@demoshire.test", "Tom Tutor", "northgate", Role.KEY_WORKER),
    ("adviser@demoshire.test", "Ada Adviser", "careers", Role.CAREERS_ADVISER),
    ("lead@demoshire.test", "Lee Lead", "northgate", Role.CAREERS_LEAD),
    ("la@demoshire.test", "Laura Officer", "la", Role.LA_OFFICER),
    ("admin@demoshire.test", "Alex Admin", "northgate", Role.ORG_ADMIN),
]

# More learners, so lists and caseloads have something in them.
LEARNERS = [
    ("sam.year9@demoshire.test", "Sam Patel", "northgate"),
    ("ruby.year7@demoshire.test", "Ruby Clarke", "northgate"),
    ("omar.year8@demoshire.test", "Omar Haddad", "northgate"),
    ("finn.leaver@demoshire.test", "Finn Doyle", "northgate"),
    ("jo.ks4@demoshire.test", "Jo Okafor", "northgate"),
    ("kai.ks4@demoshire.test", "Kai Morgan", "northgate"),
    ("mia.ks4@demoshire.test", "Mia Novak", "northgate"),
    ("ben.ks4@demoshire.test", "Ben Hughes", "riverside"),
    ("ella.year9@demoshire.test", "Ella Wright", "riverside"),
    ("noah.post16@demoshire.test", "Noah Evans", "college"),
    ("zara.post16@demoshire.test", "Zara Ahmed", "college"),
    ("liam.trainee@demoshire.test", "Liam Foster", "training"),
    ("ava.trainee@demoshire.test", "Ava Collins", "training"),
]

STAFF = [
    ("tutor.riverside@demoshire.test", "Rita Rivers", "riverside", Role.KEY_WORKER),
    ("tutor.college@demoshire.test", "Colin Cole", "college", Role.KEY_WORKER),
    ("supervisor.training@demoshire.test", "Tess Trainer", "training", Role.KEY_WORKER),
    ("lead.riverside@demoshire.test", "Ruth Lead", "riverside", Role.CAREERS_LEAD),
    ("lead.hillcrest@demoshire.test", "Hal Lead", "hillcrest", Role.CAREERS_LEAD),
    ("senco@demoshire.test", "Sian Senco", "northgate", Role.SUBJECT_TUTOR),
    ("adviser2@demoshire.test", "Adam Adviser", "careers", Role.CAREERS_ADVISER),
]


def term_dates(year: int):
    """A typical English school year starting in September of ``year``."""
    d = datetime.date
    return [
        ("Autumn", d(year, 9, 3), d(year, 10, 26), d(year, 10, 30), d(year, 12, 18)),
        ("Spring", d(year + 1, 1, 5), d(year + 1, 2, 15), d(year + 1, 2, 19), d(year + 1, 3, 26)),
        ("Summer", d(year + 1, 4, 12), d(year + 1, 5, 31), d(year + 1, 6, 4), d(year + 1, 7, 21)),
    ]


def seed(demo: Demo) -> None:
    for key, name, slug, kind, parent in ORGANISATIONS:
        org, _ = Organisation.objects.update_or_create(
            slug=slug,
            defaults={"name": name, "kind": kind, "parent": demo.orgs.get(parent)},
        )
        demo.orgs[key] = org
    for email, full_name, org_key, role in ACCOUNTS + STAFF:
        demo.user(email, full_name, demo.orgs[org_key], role)
    for email, full_name, org_key in LEARNERS:
        demo.user(email, full_name, demo.orgs[org_key], Role.LEARNER)
    year = academic_year_of(demo.today)
    for org in demo.orgs.values():
        if org.kind in (Kind.LOCAL_AUTHORITY, Kind.CAREERS_SERVICE):
            continue
        for academic_year in (year - 1, year):
            for name, start, ht_start, ht_end, end in term_dates(academic_year):
                Term.objects.for_org(org).get_or_create(
                    organisation=org,
                    academic_year=academic_year,
                    name=name,
                    defaults={
                        "starts_on": start,
                        "half_term_starts_on": ht_start,
                        "half_term_ends_on": ht_end,
                        "ends_on": end,
                    },
                )
    demo.log.append(f"{len(demo.orgs)} organisations, {len(demo.users)} people")
