"""Fixtures shared by the guidance tests: a careers service, one of its advisers, and an
accepted partnership between the service and the school ``org`` (conftest.py at the top
gives ``org`` and ``other_org``)."""

import pytest

from guidance.tests.factories import careers_service, partnership
from plp_portal.organisations.choices import Role
from tests.factories import member


@pytest.fixture
def service(db):
    return careers_service(slug="careers")


@pytest.fixture
def adviser(service):
    return member(service, Role.CAREERS_ADVISER)


@pytest.fixture
def partnered(service, org, adviser):
    return partnership(service, org, advisers=[adviser])
