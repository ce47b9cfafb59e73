# The project fixtures (org, other_org, sign_in, page, the autouse guards) live in
# tests/conftest.py, which pytest applies only under tests/; app test packages re-export them.
from tests.conftest import (  # noqa: F401
    _fresh_cache_and_eager_celery,
    _postgres_only,
    browser,
    org,
    other_org,
    page,
    sign_in,
)
