# The project fixtures (org, other_org, sign_in, page, the autouse guards) live in
# tests/conftest.py on this branch, which pytest applies only under tests/: re-export them.
# Where they have moved to the root conftest.py (as on main since 12f4636), pytest already
# gives them to every app's tests and there is nothing to re-export.
try:
    from tests.conftest import (  # noqa: F401
        _fresh_cache_and_eager_celery,
        _postgres_only,
        browser,
        org,
        other_org,
        page,
        sign_in,
    )
except ImportError:
    pass
