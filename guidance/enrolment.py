"""The guidance app's part when a learner's enrolment ends or restarts (``learners.services``
calls it through ``plp_portal.hooks``): leavers join the destinations follow-up."""

from . import services


def enrolment_ended(*, org, profile, ending, by):
    services.enrolment_ended(profile=profile, left_on=ending.left_on, by=by)


def enrolment_restarted(*, org, profile, ending, by):
    services.enrolment_restarted(profile=profile, by=by)


def record_transfer_consented(*, transfer, receiving_profile, by):
    services.guidance_continue_after_transfer(transfer=transfer, receiving_profile=receiving_profile, by=by)
