"""The keyworkers app's part when a learner's enrolment ends (``learners.services`` calls it
through ``plp_portal.hooks``): reviews and reminders stop, the key-worker assignment ends."""

from . import services


def enrolment_ended(*, org, profile, ending, by):
    services.learner_left(org=org, profile=profile, left_on=ending.left_on, by=by)
