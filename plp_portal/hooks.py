"""Per-app hook modules: core calls features without importing them (DESIGN.md: no import from
core into a feature app). An app opts in by having the module."""

import importlib

from django.apps import apps


def app_hook_modules(name: str):
    """The ``<app>.<name>`` module of every installed app that has one, in INSTALLED_APPS
    order: e.g. ``reminders`` (the daily reminder job), ``seeding.demo`` (seed_demo; seeding
    hooks live in each app's ``seeding`` package). An app without the module (or without the
    package it would be in) is passed over; any other import error is raised."""
    for config in apps.get_app_configs():
        module = f"{config.name}.{name}"
        try:
            yield importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name is None or not (module == error.name or module.startswith(error.name + ".")):
                raise
