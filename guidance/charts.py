"""Server-rendered SVG charts for the dashboards: no JavaScript, text alternatives, and the data
table is always shown beside them. Each chart is an image (``role="img"``) whose label says what
it shows and points to that table for the figures. All user-controlled text is escaped."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

WIDTH = 420
BAR_H = 22
GAP = 8
LABEL_W = 190
COLOURS = {"core": "#1d70b8", "filtered": "#f47738", "intensive": "#d4351c", "bar": "#1d70b8"}


def bar_chart(rows, *, title: str, suffix: str = "", target=None, target_label: str = ""):
    """Horizontal bars for ``[(label, value), ...]``, each with its figure written beside it (never
    colour alone). A value of ``None`` is a withheld figure: no bar, the word "suppressed".
    ``target`` draws a labelled dashed line at that value."""
    rows = list(rows)
    top = max([v for _, v in rows if v is not None] + [float(target or 0), 1])
    height = len(rows) * (BAR_H + GAP) + GAP + (18 if target is not None else 0)
    span = WIDTH - LABEL_W - 60
    bars = []
    for n, (label, value) in enumerate(rows):
        y = GAP + n * (BAR_H + GAP)
        w = 0 if value is None else int(span * float(value) / top)
        shown = "suppressed" if value is None else f"{value}{suffix}"
        bars.append(format_html(
            '<text x="0" y="{}" font-size="12" fill="#0b0c0c">{}</text>'
            '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>'
            '<text x="{}" y="{}" font-size="12" fill="#0b0c0c">{}</text>',
            y + 15, str(label)[:30], LABEL_W, y, w, BAR_H, COLOURS["bar"], LABEL_W + w + 4, y + 15, shown,
        ))
    if target is not None:
        x = LABEL_W + int(span * float(target) / top)
        bottom = height - 18
        bars.append(format_html(
            '<line x1="{}" y1="0" x2="{}" y2="{}" stroke="#0b0c0c" stroke-width="2" stroke-dasharray="4 3"></line>'
            '<text x="{}" y="{}" font-size="12" fill="#0b0c0c">{}</text>',
            x, x, bottom, max(0, x - 40), height - 4, target_label or f"Target {target}{suffix}",
        ))
    return format_html(
        '<svg class="plp-chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="100%" '
        'xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}</svg>',
        f"{title} (the table gives the figures)", WIDTH, height, title, mark_safe("".join(bars)),
    )


def tier_chart(tiers):
    """A 100% stacked bar per target group: core / filtered / intensive."""
    height = len(tiers) * (BAR_H + GAP) + GAP + 24
    parts = []
    span = WIDTH - LABEL_W - 10
    for n, row in enumerate(tiers):
        y = GAP + n * (BAR_H + GAP)
        parts.append(format_html('<text x="0" y="{}" font-size="12" fill="#0b0c0c">{}</text>', y + 15, row["label"]))
        x = LABEL_W
        for tier in ("core", "filtered", "intensive"):
            w = span * row[f"{tier}_pct"] / 100
            parts.append(format_html('<rect x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>',
                                     round(x, 1), y, round(w, 1), BAR_H, COLOURS[tier]))
            x += w
    legend_y = GAP + len(tiers) * (BAR_H + GAP) + 12
    legend = format_html_join("", '<rect x="{}" y="{}" width="12" height="12" fill="{}"></rect>'
                              '<text x="{}" y="{}" font-size="12" fill="#0b0c0c">{}</text>',
                              ((LABEL_W + i * 80, legend_y - 10, COLOURS[t], LABEL_W + i * 80 + 16, legend_y, t.capitalize())
                               for i, t in enumerate(("core", "filtered", "intensive"))))
    return format_html(
        '<svg class="plp-chart" role="img" aria-label="Tier distribution by target group (the table gives the '
        'figures)" viewBox="0 0 {} {}" width="100%" xmlns="http://www.w3.org/2000/svg">'
        '<title>Tier distribution by target group</title>{}{}</svg>',
        WIDTH, height, mark_safe("".join(parts)), legend,
    )
