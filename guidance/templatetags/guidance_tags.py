from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import format_html

from guidance.choices import PartnershipStatus

register = template.Library()


@register.filter
def duration_days(value) -> str:
    """A timedelta as days with one decimal ("2.5 days")."""
    days = value.total_seconds() / 86400
    return f"{days:.1f} day{'s' if round(days, 1) != 1 else ''}"


_TAGS = {  # (colour, text) of a partnership that is not current, by status
    PartnershipStatus.PROPOSED: ("yellow", "Waiting for the school"),
    PartnershipStatus.DECLINED: ("red", "Declined"),
    PartnershipStatus.ENDED: ("grey", "Ended"),
    PartnershipStatus.REPLACED: ("grey", "Replaced by a change"),
}


@register.simple_tag
def partnership_status(p, today):
    """A partnership's status tag on a list of partnerships (the careers service's and the
    school's): current (and when it ends, if ended early), waiting for the school, declined,
    ended, replaced, accepted but not started, or expired. A tag, not an include per row (issue 19)."""
    if p.is_current(today):
        ends = f" ends {date_format(p.end_effective_on, 'j M Y')}" if p.status == PartnershipStatus.ENDED else ""
        return format_html('<strong class="govuk-tag govuk-tag--green">Current</strong>{}', ends)
    if p.status == PartnershipStatus.PROPOSED and p.replaces_id:
        colour, text = "yellow", "Change waiting for the school"
    elif p.status in _TAGS:
        colour, text = _TAGS[p.status]
    elif p.starts_on > today:
        colour, text = "blue", "Accepted, not started"
    else:
        colour, text = "grey", "Expired"
    return format_html('<strong class="govuk-tag govuk-tag--{}">{}</strong>', colour, text)
