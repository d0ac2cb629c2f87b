"""The dashboard's charts, drawn on the server by pygal as inline SVG: no script, no CDN, nothing
fetched by the browser (the page works on an intranet and on a cheap phone).

pygal always writes a ``<script>`` with its configuration (for its optional tooltips script) and
comments naming its web site; ``_inline`` takes them out, with the XML namespace declarations
(inline SVG in HTML needs none), so that the SVG names no URL at all. Text (org names, labels) is
escaped by the XML serialiser. Each value gets a ``<title>`` (the browser's own tooltip, and what
a screen reader reads), and the whole chart ``role="img"`` with its name.

Sizes: a 400-unit wide view box drawn at the width of its box (``explicit_size`` off), with text of
16 units, so that on a 360-pixel phone it is still about 14 pixels and on a desktop, where the page
caps the chart's width, about 20. pygal sizes its margins for Latin text (0.6 em a character):
the horizontal charts widen the left margin for Chinese names, and write each value just past
the end of its bar.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pygal
from django.utils.translation import gettext as _
from pygal.style import Style

from .selectors.figures import DEFS, ReportFigures
from .selectors.weekly import SERIES, WeekPoint

FONT = "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, sans-serif"
WIDTH = 400
FONT_SIZE = 16
# The site's red first, then colours that stay apart for the colour-blind and in greyscale.
COLOURS = ("#b71c1c", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037")
# The axis of a rate: a guide every 25 points, written without decimals (the bars carry one).
PERCENT_AXIS = [{"value": v, "label": f"{v}%"} for v in (0, 25, 50, 75, 100)]
RATE_KEYS = ("coverage_rate", "response_rate", "resolution_rate", "satisfaction_rate", "actions_done_rate")

STYLE = Style(
    font_family=FONT, background="#ffffff", plot_background="#ffffff",
    foreground="#1a1a1a", foreground_strong="#1a1a1a", foreground_subtle="#666666",
    colors=COLOURS, opacity=".9", opacity_hover="1", stroke_width="3", stroke_width_hover="4",
    title_font_size=FONT_SIZE + 2, legend_font_size=FONT_SIZE, label_font_size=FONT_SIZE,
    major_label_font_size=FONT_SIZE, value_font_size=FONT_SIZE, value_label_font_size=FONT_SIZE,
    tooltip_font_size=FONT_SIZE, no_data_font_size=FONT_SIZE + 2,
    guide_stroke_color="#cccccc", major_guide_stroke_color="#999999",
)


def _config(**options) -> pygal.Config:
    config = pygal.Config(
        js=[], disable_xml_declaration=True, explicit_size=False, width=WIDTH, style=STYLE,
        legend_at_bottom=True, truncate_legend=-1, truncate_label=-1, margin=10, spacing=12,
        no_data_text=_("本期没有数据"), show_x_guides=False, dots_size=4, print_zeroes=True)
    for key, value in options.items():
        setattr(config, key, value)
    return config


def _is_markup(node) -> bool:
    return isinstance(node.tag, str)


def _local_name(node) -> str:
    return node.tag.rsplit("}", 1)[-1]


def _classes(node) -> list[str]:
    return (node.get("class") or "").split()


def _accessible(name: str, series: Sequence[str]):
    """An XML filter: no scripts or comments; ``role="img"`` and the chart's name; a ``<title>``
    on each value from pygal's own descriptions ("送学 9/2：3", or "学院社区：87.5%" for one
    series)."""
    def apply(root):
        for parent in list(root.iter()):
            for child in list(parent):
                if not _is_markup(child) or _local_name(child) == "script":
                    parent.remove(child)
        root.set("role", "img")
        root.set("aria-label", name)
        for node in root:
            if _local_name(node) == "title":
                node.text = name
        if "horizontal" in _classes(next((n for n in root if _local_name(n) == "g"), root)):
            for node in root.iter():
                if _local_name(node) == "text" and "value" in _classes(node):
                    node.set("text-anchor", "start")  # pygal puts it half a character past the bar's end
        for group in root.iter():
            index = next((int(c[6:]) for c in _classes(group) if c.startswith("serie-") and c[6:].isdigit()), None)
            if index is None or "series" not in _classes(group):
                continue
            prefix = f"{series[index]} " if len(series) > 1 and index < len(series) else ""
            for item in list(group.iter()):
                descs = {_classes(d)[0]: d.text for d in item if _local_name(d) == "desc" and _classes(d)}
                if "value" not in descs:
                    continue
                title = item.makeelement(item.tag[:-len(_local_name(item))] + "title", {})
                label = descs.get("x_label")
                title.text = f"{prefix}{label}：{descs['value']}" if label else f"{prefix}{descs['value']}"
                item.insert(0, title)
        return root
    return apply


def _inline(chart, name: str, series: Sequence[str]) -> str:
    chart.add_xml_filter(_accessible(name, series))
    svg = chart.render(is_unicode=True)
    # Namespace declarations are names, not links; inline SVG in HTML does without them.
    for declaration in (' xmlns="http://www.w3.org/2000/svg"', ' xmlns:xlink="http://www.w3.org/1999/xlink"'):
        svg = svg.replace(declaration, "", 1)
    return svg


def _ticks(top: float) -> list[int]:
    """Whole-number guide values from 0 past ``top``, at most six (counts are never fractional)."""
    if top <= 0:
        return [0, 1]
    raw = top / 5
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return list(range(0, int(math.ceil(top / step) * step) + 1, int(step)))


def _count(value) -> str:
    return "—" if value is None else f"{value:,.0f}"


def _percent(value) -> str:
    return "—" if value is None else f"{value:.1f}%"


def weekly_chart(weeks: Sequence[WeekPoint], keys: Sequence[str], *, name: str, kind: str = "line") -> str:
    """The series ``keys`` (of ``weekly.SERIES``) week by week: bars for one series, lines for
    several. The x labels are the Mondays ("9/2"; "11/30*" for a week the period cuts short); with
    many weeks only every n-th is written."""
    every = max(1, math.ceil(len(weeks) / 8))
    top = max((w.value(key) for w in weeks for key in keys), default=0)
    # The right margin keeps the last week's label whole under a line's last point.
    options = {"height": 300, "show_legend": len(keys) > 1, "y_labels": _ticks(top), "value_formatter": _count,
               "legend_at_bottom_columns": min(len(keys), 3), "margin_right": 10 if kind == "bar" else 26}
    if every > 1:
        options.update(x_labels_major_every=every, show_minor_x_labels=False)
    chart = (pygal.Bar if kind == "bar" else pygal.Line)(_config(**options))
    chart.x_labels = [w.label for w in weeks]
    names = []
    for key in keys:
        label, unit = SERIES[key]
        names.append(str(label))
        chart.add(f"{label}（{unit}）", [w.value(key) for w in weeks])
    return _inline(chart, name, names)


def _horizontal(labels: Sequence[str], **options) -> pygal.HorizontalBar:
    """A horizontal bar chart whose left margin fits ``labels`` in Chinese (pygal reckons 0.6 em a
    character; a Chinese one is a whole em) and whose right margin fits "100.0%"."""
    longest = max((min(len(label), 13) for label in labels), default=0)
    return pygal.HorizontalBar(_config(
        x_labels=list(labels), margin_left=10 + math.ceil(0.45 * FONT_SIZE * longest),
        margin_right=10 + math.ceil(3.5 * FONT_SIZE), show_legend=False, print_values=True, print_values_position="top",
        height=60 + 44 * max(len(labels), 1), **options))


def comparison_chart(rows: Sequence[ReportFigures], key: str, *, name: str) -> str:
    """The children side by side on the figure ``key``: one horizontal bar per child, the first
    child at the top, the value written at the end of its bar; a rate on a 0–100 scale."""
    is_rate = DEFS[key].unit == "%"
    values = [row.value(key) for row in rows]
    options = {"value_formatter": _percent if is_rate else _count, "truncate_label": 12}
    if is_rate:
        options.update(range=(0, 100), y_labels=PERCENT_AXIS)
    else:
        options.update(y_labels=_ticks(max((v or 0 for v in values), default=0)))
    # pygal draws the first label at the bottom: reversed, the list reads from the top like the table.
    chart = _horizontal([row.org.name for row in reversed(rows)], **options)
    chart.add(str(DEFS[key].label), list(reversed(values)))
    return _inline(chart, name, [str(DEFS[key].label)])


def rates_chart(figures: ReportFigures, *, name: str) -> str:
    """The rates of the org as bars on a 0–100 scale, like gauges: coverage, the three rates of
    voices, required actions done. A rate without a value (nothing to divide by) has no bar."""
    keys = [key for key in RATE_KEYS if key in figures.figures]
    chart = _horizontal([str(DEFS[key].label) for key in reversed(keys)], value_formatter=_percent,
                        range=(0, 100), y_labels=PERCENT_AXIS)
    chart.add(_("比率"), [figures.value(key) for key in reversed(keys)])
    return _inline(chart, name, [_("比率")])
