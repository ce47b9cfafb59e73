import datetime
import hashlib
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from plp_portal import clock
from plp_portal.tenancy import TenantModel

from .choices import STAFF_ROLES, OrganisationKind, Role


class Organisation(models.Model):
    """A tenant: a school, college, provider, careers service, local authority…"""

    Kind = OrganisationKind

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=32, choices=OrganisationKind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        limit_choices_to={"kind": OrganisationKind.LOCAL_AUTHORITY},
        help_text="The local authority this organisation reports to, if any.",
    )
    time_zone = models.CharField(max_length=64, default="Europe/London")
    # Marks rows made by seed_county, so it can refuse to run over real organisations.
    is_generated = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["parent", "kind"])]

    def __str__(self):
        return self.name


class Membership(TenantModel):
    """A person's roles in an organisation: one membership per person per organisation, with a
    main ``role`` (what their landing page and navigation show) and any ``extra_roles`` (a
    careers lead who is also a form tutor). Use ``has_role`` to ask whether they hold a role."""

    # Row-level security (plp_portal/rls.py): a person sees their own memberships anywhere, so a
    # request can find its organisation before it has one.
    plp_rls_person_fields = ("user",)

    Role = Role

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    extra_roles = models.JSONField(default=list, blank=True,
                                   help_text="Other roles the person holds here, besides the main one.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"], name="membership_one_per_user_per_org"
            )
        ]
        indexes = [models.Index(fields=["organisation", "role"])]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} at {self.organisation_id}"

    @property
    def roles(self) -> list[str]:
        """The main role first, then the others, each once."""
        return list(dict.fromkeys([self.role, *(r for r in self.extra_roles or [] if r in Role.values)]))

    def has_role(self, *roles) -> bool:
        return any(r in roles for r in self.roles)

    def get_roles_display(self) -> str:
        return ", ".join(Role(r).label for r in self.roles)

    @property
    def is_staff_role(self) -> bool:
        return any(r in STAFF_ROLES for r in self.roles)


TERM_YEARS = (2000, 2100)  # a plausible academic year


class Term(TenantModel):
    """One term of an organisation's academic year, with its half-term break.

    Reviews are due at half-term boundaries: the end of the first half (when the break starts)
    and the end of the term."""

    academic_year = models.PositiveIntegerField(
        help_text="The year the academic year starts in.",
        validators=[MinValueValidator(TERM_YEARS[0]), MaxValueValidator(TERM_YEARS[1])],
    )
    name = models.CharField(max_length=40)
    starts_on = models.DateField()
    half_term_starts_on = models.DateField()
    half_term_ends_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "academic_year", "name"], name="term_unique_name_per_year"
            ),
            models.CheckConstraint(
                condition=models.Q(starts_on__lt=models.F("half_term_starts_on"))
                & models.Q(half_term_starts_on__lte=models.F("half_term_ends_on"))
                & models.Q(half_term_ends_on__lt=models.F("ends_on")),
                name="term_dates_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(academic_year__gte=TERM_YEARS[0], academic_year__lte=TERM_YEARS[1]),
                name="term_academic_year_range",
            ),
        ]

    def __str__(self):
        return f"{self.name} {self.year_label}"

    @property
    def year_label(self) -> str:
        return clock.academic_year_label(self.academic_year)

    def date_order_problems(self) -> dict[str, str]:
        """The dates out of order (what ``term_dates_in_order`` refuses), in words, by field."""
        starts, ht_starts, ht_ends, ends = self.starts_on, self.half_term_starts_on, self.half_term_ends_on, self.ends_on
        if None in (starts, ht_starts, ht_ends, ends):
            return {}
        if ends <= starts:
            return {"ends_on": f"Enter a date the term ends after the day it starts ({starts:%-d/%-m/%Y})"}
        if not starts < ht_starts < ends:
            return {"half_term_starts_on": "Enter a date the half-term break starts between the day the term "
                                           f"starts ({starts:%-d/%-m/%Y}) and the day it ends ({ends:%-d/%-m/%Y})"}
        if ht_ends < ht_starts:
            return {"half_term_ends_on": "Enter a date the half-term break ends on or after the day it starts "
                                         f"({ht_starts:%-d/%-m/%Y})"}
        if ht_ends >= ends:
            return {"half_term_ends_on": "Enter a date the half-term break ends before the term ends "
                                         f"({ends:%-d/%-m/%Y})"}
        return {}


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(TenantModel):
    """An organisation admin's invitation of a person, by email, to a role.

    Only a hash of the token is stored; the token itself travels in the email link."""

    VALID_FOR = datetime.timedelta(days=14)

    email = models.EmailField()
    role = models.CharField(max_length=32, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organisation", "email"])]

    def __str__(self):
        return f"Invitation of {self.email} as {self.get_role_display()}"

    @staticmethod
    def new_token() -> tuple[str, str]:
        token = secrets.token_urlsafe(32)
        return token, _hash_token(token)

    @staticmethod
    def hash_token(token: str) -> str:
        return _hash_token(token)

    @property
    def is_open(self) -> bool:
        return (
            self.accepted_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )
