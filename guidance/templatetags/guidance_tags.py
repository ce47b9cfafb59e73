from django import template

register = template.Library()


@register.filter
def duration_days(value) -> str:
    """A timedelta as days with one decimal ("2.5 days")."""
    days = value.total_seconds() / 86400
    return f"{days:.1f} day{'s' if round(days, 1) != 1 else ''}"
