"""Charts drawn on the server as SVG: line, bar and stacked bar (labour's indicator dashboards, payments'
daily totals).

No script runs in the browser and nothing is styled inline (the Content-Security-Policy forbids both):
the geometry is computed here, the template writes it as SVG elements with classes, and
the app's stylesheet (labour/static/labour/charts.css) colours them from the theme (default and high contrast). In Arabic the
time axis runs from right to left and the value axis stands on the right. Numbers are written as the
portal writes them (Western digits, a comma between thousands).

Each chart comes with the same figures as a table and a one-paragraph summary, so a screen reader user
gets everything the picture says.
"""

import math
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 720, 360
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_AXIS, MARGIN_END = 24, 56, 96, 16
SERIES_CLASSES = 6


@dataclass
class ChartSeries:
    code: str
    label: str
    values: list  # one per category; None where there is no figure


@dataclass
class ChartData:
    categories: list  # periods, oldest first
    series: list
    percent: bool = False


@dataclass
class Drawing:
    kind: str
    width: int = WIDTH
    height: int = HEIGHT
    ticks: list = field(default_factory=list)  # (y, text, text_x, anchor)
    labels: list = field(default_factory=list)  # (x, y, text)
    lines: list = field(default_factory=list)  # (css class, dash, "x,y x,y …", [(x, y)])
    bars: list = field(default_factory=list)  # (css class, x, y, width, height, title)
    legend: list = field(default_factory=list)  # (css class, label)
    axis: tuple = (0, 0, 0, 0)
    baseline: tuple = (0, 0, 0, 0)


def format_number(value, percent=False):
    if value is None:
        return "—"
    if not percent and value == int(value):
        value = int(value)  # an axis tick of 1250000.0 is written 1,250,000
    if percent:
        return number_format(value, decimal_pos=1, use_l10n=True, force_grouping=True) + "%"
    return number_format(value, use_l10n=True, force_grouping=True)


def nice_ceiling(value):
    """A round number at or above `value` (1, 2, 2.5 or 5 times a power of ten) for the top of the axis."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def draw(data, kind, *, right_to_left, series_class="labour-series"):
    """The geometry of a chart of `data` (`line`, `bar` or `stacked`); series get the classes
    `<series_class>-1` … `-6`."""
    drawing = Drawing(kind=kind)
    plot_top, plot_bottom = MARGIN_TOP, HEIGHT - MARGIN_BOTTOM
    if right_to_left:
        plot_start, plot_end = MARGIN_END, WIDTH - MARGIN_AXIS
    else:
        plot_start, plot_end = MARGIN_AXIS, WIDTH - MARGIN_END
    count = max(len(data.categories), 1)
    if kind == "stacked":
        peak = max((sum(s.values[i] or 0 for s in data.series) for i in range(len(data.categories))), default=0)
    else:
        peak = max((value or 0 for s in data.series for value in s.values), default=0)
    top = nice_ceiling(peak)

    def y_of(value):
        return plot_bottom - (plot_bottom - plot_top) * (value / top)

    def x_band(index):
        """The band of category `index`, oldest at the start of the reading direction."""
        band = (plot_end - plot_start) / count
        position = index if not right_to_left else count - 1 - index
        return plot_start + band * position, band

    axis_x = plot_end if right_to_left else plot_start
    drawing.axis = (axis_x, plot_top, axis_x, plot_bottom)
    drawing.baseline = (plot_start, plot_bottom, plot_end, plot_bottom)
    for step in range(5):
        value = top * step / 4
        text_x = axis_x + 8 if right_to_left else axis_x - 8
        drawing.ticks.append((round(y_of(value), 1), format_number(value, data.percent), text_x, plot_start, plot_end))
    label_every = max(1, math.ceil(count / 10))
    for index, category in enumerate(data.categories):
        start, band = x_band(index)
        if index % label_every == 0 or index == count - 1:
            drawing.labels.append((round(start + band / 2, 1), plot_bottom + 20, category))
    series_count = max(len(data.series), 1)
    for number, series in enumerate(data.series):
        css = f"{series_class}-{number % SERIES_CLASSES + 1}"
        drawing.legend.append((css, series.label))
        if kind == "line":
            points = []
            for index, value in enumerate(series.values):
                if value is None:
                    continue
                start, band = x_band(index)
                points.append((round(start + band / 2, 1), round(y_of(value), 1)))
            path = " ".join(f"{x},{y}" for x, y in points)
            dash = ["", "8 4", "2 4", "12 4 2 4", "4 4", "16 6"][number % SERIES_CLASSES]
            drawing.lines.append((css, dash, path, points))
    if kind in ("bar", "stacked"):
        for index, category in enumerate(data.categories):
            start, band = x_band(index)
            inner = band * 0.8
            offset = start + band * 0.1
            running = 0
            for number, series in enumerate(data.series):
                value = series.values[index]
                if value is None:
                    continue
                css = f"{series_class}-{number % SERIES_CLASSES + 1}"
                title = f"{series.label}, {category}: {format_number(value, data.percent)}"
                if kind == "stacked":
                    y_top, y_bottom = y_of(running + value), y_of(running)
                    running += value
                    drawing.bars.append(
                        (css, round(offset, 1), round(y_top, 1), round(inner, 1), round(y_bottom - y_top, 1), title)
                    )
                else:
                    width = inner / series_count
                    slot = number if not right_to_left else series_count - 1 - number
                    y_top = y_of(value)
                    drawing.bars.append(
                        (
                            css,
                            round(offset + width * slot, 1),
                            round(y_top, 1),
                            round(width, 1),
                            round(plot_bottom - y_top, 1),
                            title,
                        )
                    )
    return drawing


def isolated(period):
    """A period kept left to right inside Arabic text (2024-Q1 would otherwise read Q1-2024)."""
    return f"\u2066{period}\u2069"


def summary(data, *, title):
    """One paragraph saying what the chart shows: each series from its first figure to its last."""
    if not data.categories or not data.series:
        return _("%(title)s: there are no figures for this choice yet.") % {"title": title}
    first, last = data.categories[0], data.categories[-1]
    parts = []
    for series in data.series:
        known = [
            (category, value)
            for category, value in zip(data.categories, series.values, strict=True)
            if value is not None
        ]
        if not known:
            continue
        (start_period, start_value), (end_period, end_value) = known[0], known[-1]
        parts.append(
            _("%(series)s: %(start)s in %(start_period)s, %(end)s in %(end_period)s")
            % {
                "series": series.label,
                "start": format_number(start_value, data.percent),
                "start_period": isolated(start_period),
                "end": format_number(end_value, data.percent),
                "end_period": isolated(end_period),
            }
        )
    return _("%(title)s, from %(first)s to %(last)s. %(details)s.") % {
        "title": title,
        "first": isolated(first),
        "last": isolated(last),
        "details": "; ".join(parts),
    }
