import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # These tests make many people; PBKDF2 costs ~0.7 s each on the CI machines. Hashing
    # strength is not what they test (the accounts tests keep the real hasher).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
