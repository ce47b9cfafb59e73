"""Generate a realistic, deterministic county-scale dataset (PostgreSQL only).

    python manage.py seed_county --preset county --seed 1

Organisations, people (one password for every generated account: --password) and term dates
are made here; each app's ``seeding/county.py`` adds its own rows (plans, reviews, referrals, careers
plans…). Inserts are set-based (COPY). It refuses to run on a database that holds organisations
it did not generate, unless --force."""

import random
import time

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from plp_portal import clock
from plp_portal.seeding.county import PRESETS, County, CountyWriter
from plp_portal.hooks import app_hook_modules
from plp_portal.organisations.choices import OrganisationKind as Kind
from plp_portal.organisations.choices import Role
from plp_portal.clock import academic_year_of
from plp_portal.organisations.seeding.demo import term_dates
from plp_portal.organisations.models import Membership, Organisation, Term
from plp_portal.tenancy import system_scope

LEARNERS_PER_KEY_WORKER = 25


class Command(BaseCommand):
    help = "Generate a county-scale dataset for benchmarks (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--preset", choices=sorted(PRESETS), default="small")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--password", default="county",
                            help="password of every generated account (default: county)")
        parser.add_argument("--learners", type=int, default=None,
                            help="override the preset's number of learners (tests use a few)")
        parser.add_argument("--organisations", type=int, default=None,
                            help="override the preset's number of organisations")
        parser.add_argument("--force", action="store_true",
                            help="run even though the database holds real organisations")

    def handle(self, *args, preset, seed, password, force, learners=None, organisations=None,
               **options):
        if connection.vendor != "postgresql":
            raise CommandError("seed_county runs on PostgreSQL (set DATABASE_URL)")
        if Organisation.objects.filter(is_generated=False).exists() and not force:
            raise CommandError(
                "This database holds organisations seed_county did not generate. "
                "Use an empty database, or --force to add generated data beside them."
            )
        n_orgs, n_learners, n_years = PRESETS[preset]
        n_learners = learners or n_learners
        n_orgs = organisations or n_orgs
        today = clock.today()
        current = academic_year_of(today)
        county = County(
            rng=random.Random(seed),
            writer=CountyWriter(),
            today=today,
            years=list(range(current - n_years + 1, current + 1)),
            n_learners=n_learners,
            password_hash=make_password(password),
            out=self.stdout,
        )
        started = time.monotonic()
        with system_scope("seed_county generates a whole county"), transaction.atomic():
            deferred_checks = self._skip_row_triggers()
            prefix = self._prefix(seed)
            self._organisations(county, n_orgs, prefix)
            self._people(county, prefix)
            self._terms(county)
            for module in app_hook_modules("seeding.county"):
                module.seed(county)
                county.log(f"{module.__name__} done")
            if deferred_checks:
                self._check_foreign_keys(county)
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        with connection.cursor() as cursor:
            # Statistics for the planner, and (outside a transaction) the visibility map that
            # index-only scans need — what autovacuum would do some time after a real load.
            statement = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            cursor.execute(statement)
        county.log(f"{statement} done")
        total = sum(county.writer.counts.values())
        for label, count in sorted(county.writer.counts.items()):
            self.stdout.write(f"  {label:<40} {count:>12,}")
        self.stdout.write(self.style.SUCCESS(
            f"seed_county --preset {preset}: {total:,} rows in {time.monotonic() - started:.0f}s"
        ))

    @staticmethod
    def _skip_row_triggers() -> bool:
        """Millions of rows each queue a deferred foreign-key check that PostgreSQL runs one
        row at a time at COMMIT (most of the seeding time). As a superuser, switch the row
        triggers off for this transaction and check every foreign key set-based at the end
        instead (``_check_foreign_keys``). Other roles keep the row-by-row checks."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if not cursor.fetchone()[0]:
                return False
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SET LOCAL synchronous_commit = off")
        return True

    @staticmethod
    def _check_foreign_keys(county):
        """One anti-join per foreign key of every table written: no row may point at nothing."""
        from django.apps import apps

        tables = {m._meta.db_table for m in apps.get_models() if m._meta.label in county.writer.counts}
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, fa.attname
                  FROM pg_constraint c
                  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                  JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
                 WHERE c.contype = 'f' AND array_length(c.conkey, 1) = 1
                """
            )
            broken = []
            for table, column, target, target_column in cursor.fetchall():
                if table.strip('"') not in tables:
                    continue
                cursor.execute(
                    f'SELECT count(*) FROM {table} t WHERE t."{column}" IS NOT NULL AND NOT EXISTS '
                    f'(SELECT 1 FROM {target} p WHERE p."{target_column}" = t."{column}")'
                )
                missing = cursor.fetchone()[0]
                if missing:
                    broken.append(f"{table}.{column} → {target}: {missing:,} rows")
        if broken:
            raise CommandError("generated rows point at nothing (rolled back):\n" + "\n".join(broken))
        county.log(f"foreign keys checked ({len(tables)} tables)")

    @staticmethod
    def _prefix(seed):
        # Several runs with different seeds can share a database: slugs and emails differ.
        existing = Organisation.objects.filter(is_generated=True).count()
        return f"s{seed}n{existing}"

    def _organisations(self, county, n_orgs, prefix):
        writer = county.writer
        rng = county.rng
        n_providers = max(n_orgs - 2, 1)
        n_colleges = max(1, n_providers // 10)
        n_training = max(1 if n_providers > 2 else 0, (n_providers * 15) // 100)
        n_schools = max(1, n_providers - n_colleges - n_training)
        ids = writer.ids(Organisation, 2 + n_schools + n_colleges + n_training)
        county.la_id, county.careers_service_id = ids[0], ids[1]
        rows = [
            {"id": ids[0], "name": f"County Council {prefix}", "slug": f"la-{prefix}",
             "kind": Kind.LOCAL_AUTHORITY, "parent_id": None, "is_generated": True},
            {"id": ids[1], "name": f"County Careers Service {prefix}",
             "slug": f"careers-{prefix}", "kind": Kind.CAREERS_SERVICE, "parent_id": None,
             "is_generated": True},
        ]
        kinds = ([Kind.SCHOOL] * n_schools + [Kind.COLLEGE] * n_colleges
                 + [Kind.TRAINING_PROVIDER] * n_training)
        names = {Kind.SCHOOL: "School", Kind.COLLEGE: "College",
                 Kind.TRAINING_PROVIDER: "Training"}
        for org_id, kind in zip(ids[2:], kinds):
            town = rng.choice(TOWNS)
            rows.append({"id": org_id, "name": f"{town} {names[kind]} {org_id}",
                         "slug": f"{kind.replace('_', '-')}-{org_id}-{prefix}", "kind": kind,
                         "parent_id": county.la_id, "is_generated": True})
            county.providers[org_id] = kind
        writer.copy(Organisation, rows)
        county.log(f"{len(rows)} organisations")

    def _people(self, county, prefix):
        """Learners spread over the providers (schools get more), staff in proportion."""
        writer = county.writer
        rng = county.rng
        User = get_user_model()
        weights = {Kind.SCHOOL: 10, Kind.COLLEGE: 18, Kind.TRAINING_PROVIDER: 3}
        providers = list(county.providers.items())
        total_weight = sum(weights[kind] for _, kind in providers)
        per_org = {org_id: county.n_learners * weights[kind] // total_weight
                   for org_id, kind in providers}
        per_org[providers[0][0]] += county.n_learners - sum(per_org.values())

        users, memberships, emails = [], [], []

        def person(org_id, role, label):
            user_id = user_ids[len(users)]
            email = f"{label}{user_id}@{prefix}.county.test"
            users.append({"id": user_id, "email": email, "full_name": fake_name(rng),
                          "password": county.password_hash, "is_active": True,
                          "is_staff": False, "is_superuser": False, "last_login": None})
            emails.append({"user_id": user_id, "email": email, "verified": True,
                           "primary": True})
            memberships.append({"organisation_id": org_id, "user_id": user_id, "role": role,
                                "is_active": True})
            return user_id

        n_staff = sum(max(1, n // LEARNERS_PER_KEY_WORKER) + 4 for n in per_org.values()) + 40
        user_ids = writer.ids(User, county.n_learners + n_staff)
        for org_id, kind in providers:
            county.learners[org_id] = [person(org_id, Role.LEARNER, "learner")
                                       for _ in range(per_org[org_id])]
            staff_roles = [(Role.KEY_WORKER, max(1, per_org[org_id] // LEARNERS_PER_KEY_WORKER)),
                           (Role.ORG_ADMIN, 1), (Role.SUBJECT_TUTOR, 2)]
            if kind in (Kind.SCHOOL, Kind.COLLEGE):
                staff_roles.append((Role.CAREERS_LEAD, 1))
            for role, n in staff_roles:
                county.staff[(org_id, role)] = [person(org_id, role, role.replace("_", ""))
                                                for _ in range(n)]
        n_advisers = max(2, len(providers) // 3)
        county.staff[(county.careers_service_id, Role.CAREERS_ADVISER)] = [
            person(county.careers_service_id, Role.CAREERS_ADVISER, "adviser")
            for _ in range(n_advisers)
        ]
        county.staff[(county.careers_service_id, Role.ORG_ADMIN)] = [
            person(county.careers_service_id, Role.ORG_ADMIN, "csadmin")]
        county.staff[(county.la_id, Role.LA_OFFICER)] = [
            person(county.la_id, Role.LA_OFFICER, "officer") for _ in range(2)]
        writer.copy(User, users)
        email_ids = writer.ids(EmailAddress, len(emails))
        writer.copy(EmailAddress, ({"id": i, **e} for i, e in zip(email_ids, emails)))
        membership_ids = writer.ids(Membership, len(memberships))
        writer.copy(Membership, ({"id": i, **m} for i, m in zip(membership_ids, memberships)))
        county.log(f"{len(users):,} people ({county.n_learners:,} learners)")

    def _terms(self, county):
        rows = []
        for org_id in county.providers:
            for year in county.years + [county.years[-1] + 1]:
                for name, start, ht_start, ht_end, end in term_dates(year):
                    rows.append({"organisation_id": org_id, "academic_year": year, "name": name,
                                 "starts_on": start, "half_term_starts_on": ht_start,
                                 "half_term_ends_on": ht_end, "ends_on": end})
        ids = county.writer.ids(Term, len(rows))
        county.writer.copy(Term, ({"id": i, **r} for i, r in zip(ids, rows)))


TOWNS = ["Ashford", "Bexley", "Canterbury", "Dover", "Eastry", "Faversham", "Gravesend",
         "Hythe", "Ivychurch", "Jury's Gap", "Kingsdown", "Lydd", "Maidstone", "Northfleet",
         "Otford", "Penshurst", "Queenborough", "Ramsgate", "Sandwich", "Tonbridge"]
FIRST = ["Amir", "Bea", "Cal", "Dani", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jade", "Kit", "Lou",
         "Max", "Nia", "Oli", "Pip", "Raf", "Sia", "Tom", "Uma", "Vic", "Wes", "Yas", "Zoe"]
LAST = ["Adams", "Begum", "Clarke", "Davies", "Evans", "Fox", "Green", "Hall", "Iqbal",
        "Jones", "Khan", "Lee", "Moore", "Nowak", "Owen", "Patel", "Reid", "Shah", "Taylor",
        "Walsh", "Young"]


def fake_name(rng) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"
