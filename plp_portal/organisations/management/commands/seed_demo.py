import os

from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings

from plp_portal import clock
from plp_portal.hooks import app_hook_modules
from plp_portal.organisations.seeding.demo import ACCOUNTS, Demo
from plp_portal.tenancy import system_scope


class Command(BaseCommand):
    help = "Create (or top up) the Demoshire demo data. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=os.environ.get("DEMO_PASSWORD", "demoshire"),
            help="Password for every demo account (default: $DEMO_PASSWORD or 'demoshire').",
        )

    def handle(self, *args, password, **options):
        demo = Demo(password=password, today=clock.today())
        # Emails the seeding causes (share invitations, notifications) are not for anyone.
        quiet_mail = override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
        with system_scope("seed_demo creates the demo county"), transaction.atomic(), quiet_mail:
            for module in app_hook_modules("seeding.demo"):
                module.seed(demo)
        for line in demo.log:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Demoshire is ready. Sign in with:"))
        for email, _name, _org, role in ACCOUNTS:
            self.stdout.write(f"  {email:<26} {role.label:<22} password: {password}")
