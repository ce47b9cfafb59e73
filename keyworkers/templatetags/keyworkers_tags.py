from django import template

from learners.choices import TargetStatus

register = template.Library()


@register.filter
def status_label(review, today):
    return review.status_label(today)


@register.filter
def target_status(value):
    try:
        return TargetStatus(value).label
    except ValueError:
        return value
