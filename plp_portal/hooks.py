"""Per-app hook modules: core calls features without importing them (DESIGN.md: no import from
core into a feature app). An app opts in by having the module."""

import importlib

from django.apps import apps

# (app module, hook name) pairs found to have no module. Looking for a module that does not
# exist searches the file system and raises; some hooks are looked up on every request
# (``record_reads``, ``me_home``), so a miss is remembered (issue 19: ~1 ms a request).
_MISSING: set[tuple[str, str]] = set()


def app_hook_modules(name: str):
    """The ``<app>.<name>`` module of every installed app that has one, in INSTALLED_APPS
    order: e.g. ``reminders`` (the daily reminder job), ``seeding.demo`` (seed_demo; seeding
    hooks live in each app's ``seeding`` package). An app without the module (or without the
    package it would be in) is passed over; any other import error is raised."""
    for config in apps.get_app_configs():
        if (config.name, name) in _MISSING:
            continue
        module = f"{config.name}.{name}"
        try:
            yield importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name is None or not (module == error.name or module.startswith(error.name + ".")):
                raise
            _MISSING.add((config.name, name))
