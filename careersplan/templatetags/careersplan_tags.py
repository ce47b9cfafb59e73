from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

_NONE = "—"
_LATE = ' <strong class="govuk-tag govuk-tag--red">Late</strong>'


def _figure(value) -> str:
    return _NONE if value is None else str(int(value))


@register.filter
def school_line_cells(line):
    """A row of the authority dashboard (``dashboard.SchoolLine``): the school (linked to this
    year's plan when it has one), approval (and "Late"), phase, score, RAG, last year's score and
    RAG, sections incomplete. One filter, not a dozen variables and tests per row (issue 19).

    Written out here rather than with ``format_html``, whose escaping of every figure and label
    was most of a row's cost: the name and the address are escaped; the rest are integers and
    the code's own words (``SchoolLine``'s labels and tag colours, from ``choices``)."""
    name = escape(line.name)
    if line.url:
        name = f'<a class="govuk-link" href="{escape(line.url)}">{name}</a>'
    last = (f'{_figure(line.last_score)} <strong class="govuk-tag govuk-tag--{line.last_rag_tag}">'
            f'{line.last_rag_label}</strong>' if line.last_rag else _NONE)
    return mark_safe(
        f'<td class="govuk-table__cell">{name}</td>'
        f'<td class="govuk-table__cell">{line.status}{_LATE if line.late else ""}</td>'
        f'<td class="govuk-table__cell">{line.phase or _NONE}</td>'
        f'<td class="govuk-table__cell">{_figure(line.score)}</td>'
        f'<td class="govuk-table__cell"><strong class="govuk-tag govuk-tag--{line.rag_tag}">'
        f'{line.rag_label or "No plan"}</strong></td>'
        f'<td class="govuk-table__cell">{last}</td>'
        f'<td class="govuk-table__cell">{_figure(line.sections_incomplete)}</td>')
