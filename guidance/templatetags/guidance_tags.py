from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from guidance.choices import PartnershipStatus
from plp_portal.clock import day_label

register = template.Library()


@register.filter
def duration_days(value) -> str:
    """A timedelta as days with one decimal ("2.5 days")."""
    days = value.total_seconds() / 86400
    return f"{days:.1f} day{'s' if round(days, 1) != 1 else ''}"


_SUPPRESSED = '<span class="plp-suppressed">suppressed</span>'


@register.filter
def outcome_cells(cells, total):
    """A row of an outcome table (``guidance.outcomes.OutcomeTable``): its figures then its total
    as numeric cells, a withheld one reading "suppressed". A filter, not template tags per figure:
    the authority's tables have a row per school (issue 19). The figures are counts (integers,
    written with ``int``: nothing to escape)."""
    return mark_safe("".join(
        f'<td class="govuk-table__cell govuk-table__cell--numeric">{_SUPPRESSED if n is None else int(n)}</td>'
        for n in [*cells, total]))


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


@register.filter
def neet_cells(p, learner_url):
    """A row of the NEET list (a ``selectors.neet_list`` dict): the learner's name linked to their
    page (``learner_url``: ``plp_portal.urlpaths.row_url``, reversed once for the list), school,
    day they left, latest actual destination and follow-up day. One filter with the dates
    formatted in Python, not a ``{% url %}`` and three date filters per row (issue 19); the name,
    the school and the address are escaped, the rest are dates and the category's value."""
    category = p["latest_category"]
    latest = (f'<strong class="govuk-tag govuk-tag--orange">{escape(capfirst(category))}</strong> '
              f'{day_label(p["latest_recorded_on"])}' if category else "None recorded")
    return mark_safe(
        f'<td class="govuk-table__cell"><a class="govuk-link" href="{escape(learner_url(p["profile_id"]))}">'
        f'{escape(p["name"])}</a></td><td class="govuk-table__cell">{escape(p["school"])}</td>'
        f'<td class="govuk-table__cell">{day_label(p["left_on"]) or "–"}</td>'
        f'<td class="govuk-table__cell">{latest}</td>'
        f'<td class="govuk-table__cell">{day_label(p["latest_follow_up_on"]) or "–"}</td>')


@register.simple_tag
def partnership_cells(p, today):
    """A row of the partnerships list (``selectors.partnership_list``; ``p.url`` and
    ``p.named_advisers``, names from ``selectors.partnership_adviser_names``, set by the view):
    the school linked to the agreement, the academic year, the named advisers and the status
    (``partnership_status``). One tag a row, not a dozen template nodes and a loop (issue 19);
    names are escaped."""
    year = p.year_label
    advisers = ", ".join(escape(name) for name in p.named_advisers) or "None"
    return mark_safe(
        f'<td class="govuk-table__cell"><a class="govuk-link" href="{escape(p.url)}">{escape(p.school.name)}'
        f'<span class="govuk-visually-hidden">, {year}</span></a></td><td class="govuk-table__cell">{year}</td>'
        f'<td class="govuk-table__cell">{advisers}</td>'
        f'<td class="govuk-table__cell">{partnership_status(p, today)}</td>')
