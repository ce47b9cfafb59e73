"""Factories for the core models. Feature apps keep theirs in <app>/tests/factories.py and
derive each row's organisation from its parent object."""

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from plp_portal.organisations.choices import OrganisationKind, Role
from plp_portal.organisations.models import Membership, Organisation

PASSWORD = "correct horse battery staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    kind = OrganisationKind.SCHOOL


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    # Unique and never a substring of another (pages are searched for names in tests).
    full_name = factory.Sequence(lambda n: f"Sam Person{n:05d}")

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save()
            EmailAddress.objects.get_or_create(
                user=self, email=self.email, defaults={"verified": True, "primary": True}
            )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.LEARNER


def member(org, role, **user_fields):
    """A new person with ``role`` in ``org``; staff get a TOTP authenticator (MFA on)."""
    user = UserFactory(**user_fields)
    MembershipFactory(organisation=org, user=user, role=role)
    if role not in (Role.LEARNER, Role.PARENT_CARER):
        enable_totp(user)
    return user


TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def enable_totp(user, secret=TOTP_SECRET):
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(user, secret)
    return secret


def totp_code(secret=TOTP_SECRET) -> str:
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    return format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
