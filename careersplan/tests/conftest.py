"""Fixtures shared by the careers plan tests."""

import datetime

import pytest
import time_machine

NOW = datetime.datetime(2026, 11, 2, 10, 0)


@pytest.fixture
def november_2026():
    """2 November 2026, 10:00, the clock frozen: the 2026/27 plans' autumn term. A module that
    wants it says ``pytestmark = [..., pytest.mark.usefixtures("november_2026")]``."""
    with time_machine.travel(NOW, tick=False):
        yield
