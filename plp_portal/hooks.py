"""Per-app hook modules: core calls features without importing them (DESIGN.md: no import from
core into a feature app). An app opts in by having the module."""

import importlib

from django.apps import apps


def app_hook_modules(name: str):
    """The ``<app>.<name>`` module of every installed app that has one, in INSTALLED_APPS
    order. Used for ``demo`` (seed_demo) and ``reminders`` (the daily reminder job)."""
    for config in apps.get_app_configs():
        try:
            yield importlib.import_module(f"{config.name}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.{name}":
                raise
