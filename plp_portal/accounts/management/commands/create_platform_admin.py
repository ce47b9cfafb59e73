"""Create a platform operator (a Django superuser) who signs in like everyone else.

    python manage.py create_platform_admin --email ops@example.org [--full-name "Ops Person"]

The password is asked for twice (or read from the PLP_ADMIN_PASSWORD environment variable with
--no-input); it must pass the site's password rules. The address is marked verified so the
operator can sign in at /accounts/login/; on first sign-in they must set up two-factor
authentication before any page — the admin included — opens."""

import getpass
import os

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from plp_portal.audit.services import audit_log


class Command(BaseCommand):
    help = "Create a platform operator (superuser) who must sign in with two-factor authentication."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--full-name", default="")
        parser.add_argument(
            "--no-input", action="store_true",
            help="Read the password from the PLP_ADMIN_PASSWORD environment variable.",
        )

    def handle(self, *args, email, full_name, no_input, **options):
        User = get_user_model()
        email = User.objects.normalize_email(email).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"An account with the email {email} exists already.")
        password = self._password(no_input)
        candidate = User(email=email, full_name=full_name)
        try:
            validate_password(password, candidate)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        with transaction.atomic():
            user = User.objects.create_superuser(email, password, full_name=full_name)
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            audit_log("account.platform_admin_created", obj=user, data={"by": "manage.py"})
        self.stdout.write(
            f"Created platform operator {email}. Sign in at /accounts/login/; two-factor "
            "authentication must be set up before any page, the admin included, opens."
        )

    def _password(self, no_input: bool) -> str:
        if no_input:
            password = os.environ.get("PLP_ADMIN_PASSWORD", "")
            if not password:
                raise CommandError("Set PLP_ADMIN_PASSWORD, or run without --no-input.")
            return password
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords do not match.")
        return password
