"""Template helpers for GOV.UK Design System markup. Loaded as builtins (settings.TEMPLATES)."""

import copy

from django import forms, template
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

_CLASSES = {
    forms.Textarea: "govuk-textarea",
    forms.Select: "govuk-select",
    forms.ClearableFileInput: "govuk-file-upload",
    forms.FileInput: "govuk-file-upload",
    forms.DateInput: "govuk-input govuk-input--width-10",
    forms.NumberInput: "govuk-input govuk-input--width-5",
}


@register.filter
def govuk_widget(field):
    """Render a bound field's widget with the GOV.UK class and aria-describedby for its hint
    and error message."""
    widget = field.field.widget
    css = next((c for kind, c in _CLASSES.items() if isinstance(widget, kind)), "govuk-input")
    if field.errors:
        css += {
            "govuk-textarea": " govuk-textarea--error",
            "govuk-select": " govuk-select--error",
            "govuk-file-upload": " govuk-file-upload--error",
        }.get(css.split(" ")[0], " govuk-input--error")
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}-hint")
    if field.errors:
        described.append(f"{field.auto_id}-error")
    limit = character_limit(field)
    if limit:
        described.append(f"{field.auto_id}-info")
        css += " govuk-js-character-count"
    attrs = {"class": css}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    # No maxlength: a browser cuts pasted text at maxlength without a word. The server refuses
    # what is too long, naming the field, and keeps it on the page to shorten; a textarea shows
    # the GOV.UK character count of what is left.
    widget = copy.copy(widget)
    widget.attrs = {k: v for k, v in widget.attrs.items() if k != "maxlength"}
    return field.as_widget(widget=widget, attrs=attrs)


@register.filter
def character_limit(field) -> int | None:
    """The maximum length of a free-text field rendered as a textarea (shown with a count)."""
    if isinstance(field.field.widget, forms.Textarea):
        return getattr(field.field, "max_length", None)
    return None


@register.filter
def widget_kind(field) -> str:
    widget = field.field.widget
    # CheckboxSelectMultiple subclasses RadioSelect in Django: ask about it first, or every
    # multiple-choice field renders as radios and keeps one answer.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    return "input"


@register.filter
def select_options(choices, selected=None):
    """The ``<option>``s of a select from (value, label) pairs, the one equal to ``selected``
    marked: ``<select …>{{ schools|select_options:school_id }}</select>``. One filter for a list
    that grows with the data (a careers service's or an authority's schools), not three template
    nodes an option (issue 19). Values and labels are escaped."""
    return mark_safe("".join(
        f'<option value="{escape(value)}"{" selected" if value == selected else ""}>{escape(label)}</option>'
        for value, label in choices))


@register.simple_tag(takes_context=True)
def url_with_page(context, page_number):
    """The current URL with ?page= replaced, keeping the other query parameters (filters)."""
    query = context["request"].GET.copy()
    query["page"] = page_number
    return f"?{query.urlencode()}"


@register.simple_tag(takes_context=True)
def url_with_cursor(context, cursor):
    """The current URL with ?cursor= replaced (keyset pagination, ``plp_portal.pagination``),
    keeping the filters."""
    query = context["request"].GET.copy()
    query.pop("page", None)
    query["cursor"] = cursor
    return f"?{query.urlencode()}"


@register.simple_tag
def table_head(*labels, numeric="", hidden=""):
    """A GOV.UK table's head: a column header per label. ``numeric`` names (comma-separated) the
    labels of columns of numbers, aligned right; ``hidden`` adds a last column whose header only
    screen readers hear (a column of actions).
    Usage: {% table_head "Tutor group" "Pupils" numeric="Pupils" hidden="Actions" %}"""
    numbers = {label.strip() for label in numeric.split(",")}
    cells = format_html_join(
        "", '<th scope="col" class="govuk-table__header{}">{}</th>',
        ((" govuk-table__header--numeric" if label in numbers else "", label) for label in labels))
    if hidden:
        cells += format_html('<th scope="col" class="govuk-table__header">'
                             '<span class="govuk-visually-hidden">{}</span></th>', hidden)
    return format_html('<thead class="govuk-table__head"><tr class="govuk-table__row">{}</tr></thead>',
                       cells)


class TableNode(template.Node):
    def __init__(self, labels, options, caption, rows):
        self.labels, self.options, self.caption, self.rows = labels, options, caption, rows

    def render(self, context):
        options = {name: value.resolve(context) for name, value in self.options.items()}
        caption = self.caption.render(context) if self.caption else options.pop("caption")
        size = options.pop("caption_size", "m")
        css = "govuk-table__caption" + (f" govuk-table__caption--{size}" if size else "")
        if options.pop("caption_hidden", False):
            css += " govuk-visually-hidden"
        head = table_head(*(label.resolve(context) for label in self.labels), **options)
        return format_html('<table class="govuk-table"><caption class="{}">{}</caption>{}'
                           '<tbody class="govuk-table__body">{}</tbody></table>',
                           css, caption, head, self.rows.render(context))


@register.tag
def table(parser, token):
    """A GOV.UK table around its body rows: the caption, the head (as ``table_head``, with its
    ``numeric`` and ``hidden``) and the body.
    The caption is ``caption=``, or a ``{% caption %}…{% endcaption %}`` first inside the table
    when it carries variables. ``caption_size`` is "m" (the default), "s" or ""; ``caption_hidden=True``
    leaves the caption to screen readers.
    Usage: {% table "Name" "Email" caption="People" hidden="Actions" %}{% for m in page %}<tr class="govuk-table__row">…</tr>{% endfor %}{% endtable %}
    or {% table "Name" %}{% caption %}{{ count }} learner{{ count|pluralize }}{% endcaption %}…{% endtable %}"""
    labels, options = [], {}
    for bit in token.split_contents()[1:]:
        name, equals, value = bit.partition("=")
        if equals and name.isidentifier():
            options[name] = parser.compile_filter(value)
        else:
            labels.append(parser.compile_filter(bit))
    rows, caption = parser.parse(("caption", "endtable")), None
    if parser.next_token().contents == "caption":
        caption = parser.parse(("endcaption",))
        parser.delete_first_token()
        rows = parser.parse(("endtable",))
        parser.delete_first_token()
    if (caption is None) == ("caption" not in options):
        raise template.TemplateSyntaxError("{% table %} takes caption= or a {% caption %} block")
    return TableNode(labels, options, caption, rows)
