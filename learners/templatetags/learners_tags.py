from django import template

from learners.choices import EcmOutcome
from plp_portal import clock

import datetime

register = template.Library()
_ECM = dict(EcmOutcome.choices)


@register.filter
def ecm_label(code):
    return _ECM.get(code, code)


@register.filter
def due_in_words(due_on, today=None):
    """A due date in words, from ``today`` (the organisation's date; the server's if not given):
    "due today", "due tomorrow", "due in 3 days", "1 day late", "2 days late". Plain words for
    learners who find dates hard; the date itself is shown beside it."""
    if not isinstance(due_on, datetime.date):
        return ""
    if isinstance(due_on, datetime.datetime):
        due_on = due_on.date()
    today = today or clock.today()
    days = (due_on - today).days
    if days == 0:
        return "due today"
    if days == 1:
        return "due tomorrow"
    if days > 1:
        return f"due in {days} days"
    late = -days
    return f"{late} day{'s' if late != 1 else ''} late"


_STATUS_TAG_MODIFIERS = {
    "achieved": " govuk-tag--green", "in_progress": " govuk-tag--blue", "partly_achieved": " govuk-tag--yellow",
    "not_achieved": " govuk-tag--red", "withdrawn": " govuk-tag--grey", "open": " govuk-tag--orange",
    "monitoring": " govuk-tag--yellow", "resolved": " govuk-tag--green",
}


@register.filter
def status_tag_modifier(status) -> str:
    """The GOV.UK tag colour class of a status (what ``partials/status_tag.html`` chooses), for
    the cards repeated in a loop: a filter, not an include per card (issue 19)."""
    return _STATUS_TAG_MODIFIERS.get(status, " govuk-tag--grey")
