import datetime

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from learners.choices import TARGET_OPEN_STATUSES, EcmOutcome
from plp_portal import clock

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


def _row(key: str, value) -> str:
    return format_html('<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{}</dt>'
                       '<dd class="govuk-summary-list__value">{}</dd></div>', key, value)


@register.simple_tag(takes_context=True)
def target_card(context, target, level="3", link="", due_words=False):
    """A target's summary card (the plan page, the learner's targets, a target's own page): its
    status, term, area, due date (with "due in 3 days" / "2 days late" when ``due_words`` and
    the target is still open, from the page's ``today``), what success looks like, the support,
    who set it, its latest progress (``target.progress`` newest first, prefetched) and ``link``.

    Built here, not in an included template: a plan page has dozens of cards, and an include
    costs five times as much per card (issue 19). Every value is escaped by ``format_html``."""
    rows = [_row("Term", format_html("{}{}", target.get_term_display(),
                                     " (agreed final outcome)" if target.is_final_outcome else ""))]
    if target.area_id:
        rows.append(_row("Area", target.area.name))
    due = date_format(target.due_on, "j F Y")
    today = context.get("today")
    if due_words and today and target.status in TARGET_OPEN_STATUSES:
        due = format_html('{} <strong class="govuk-tag {}">{}</strong>', due,
                          "govuk-tag--red" if target.due_on < today else "govuk-tag--grey",
                          due_in_words(target.due_on, today))
    rows.append(_row("Due", due))
    if target.success_criteria:
        rows.append(_row("Success looks like", linebreaksbr(target.success_criteria)))
    if target.support_strategy:
        rows.append(_row("Support", linebreaksbr(target.support_strategy)))
    rows.append(_row("Set by", f"{target.set_by.display_name} ({target.get_set_by_role_display()})"))
    last = next(iter(target.progress.all()), None)
    if last is not None:
        rows.append(_row("Latest progress", f"{clock.day_label(timezone.localtime(last.recorded_at).date())}: {last.note or last.get_status_display()}"))
    actions = format_html('<li class="govuk-summary-card__action"><strong class="govuk-tag{}">{}</strong></li>',
                          status_tag_modifier(target.status), target.get_status_display())
    if not target.is_approved:
        actions += mark_safe('<li class="govuk-summary-card__action"><strong class="govuk-tag govuk-tag--purple">'
                             'Awaiting approval</strong></li>')
    footer = format_html('<p class="govuk-body"><a class="govuk-link" href="{}">{}<span class="govuk-visually-hidden">'
                         ' on {}</span></a></p>', link, "Update progress", target.title) if link else ""
    return format_html(
        '<div class="govuk-summary-card">\n  <div class="govuk-summary-card__title-wrapper">\n'
        '    <h{} class="govuk-summary-card__title">{}</h{}>\n    <ul class="govuk-summary-card__actions">{}</ul>\n'
        '  </div>\n  <div class="govuk-summary-card__content">\n    <dl class="govuk-summary-list">{}</dl>\n    {}\n'
        '  </div>\n</div>', level, target.title, level, actions, mark_safe("".join(rows)), footer)


@register.simple_tag
def timeline_event(event):
    """One event of a plan's timeline (``partials/timeline.html``): when, who, what, and for an
    event of a previous organisation (``selectors.mark_previous``) a mark and a link to read it.
    Built here rather than in template tags per event, for the same reason as ``target_card``."""
    when = timezone.localtime(event.occurred_at)
    who = format_html(" · {}", event.actor.display_name) if event.actor_id else ""
    previous = getattr(event, "is_previous", False)
    mark = format_html(' · <strong class="govuk-tag govuk-tag--grey">From {} (previous organisation, read-only)'
                       '</strong>', event.organisation.name) if previous else ""
    url = getattr(event, "previous_url", "")
    link = format_html(' <a class="govuk-link" href="{}">Read it<span class="govuk-visually-hidden">: {}</span></a>',
                       url, event.summary) if url else ""
    return format_html(
        '<li class="govuk-!-margin-bottom-3">\n    <p class="govuk-body-s govuk-!-margin-bottom-0"><time datetime="{}">{}'
        '</time>{}{}</p>\n    <p class="govuk-body govuk-!-margin-bottom-0">{}{}</p>\n  </li>',
        when.isoformat(), date_format(when, "j M Y, H:i"), who, mark, event.summary, link)


_AT_RISK_MODIFIERS = {"red": " govuk-tag--red", "amber": " govuk-tag--orange", "green": " govuk-tag--green",
                      "gold": " govuk-tag--yellow"}


@register.filter
def at_risk_tag(level) -> str:
    """A learner's at-risk level (an ``AtRiskLevel``, or None) as a tag coloured by its code. A
    filter, not an include: the caseload and the learner list show one a row (issue 19)."""
    if not level:
        return mark_safe('<span class="govuk-body-s">Not set</span>')
    return format_html('<strong class="govuk-tag{}">{}</strong>', _AT_RISK_MODIFIERS.get(level.code, " govuk-tag--grey"),
                       level.name)
