"""Seeding code: the demo (``manage.py seed_demo``), the county-scale data set (``seed_county``)
and the benchmark (``manage.py bench``). Run only by those commands (through
``plp_portal.hooks.app_hook_modules("seeding.<kind>")``) and by tests; production code never
imports it (``tests/test_architecture.py``)."""
