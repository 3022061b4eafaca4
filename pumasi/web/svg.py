"""Charts drawn on the server as SVG (no JavaScript): stacked columns, lines and stacked bars. Each is
an image with a title and a description (role="img"); the page puts the numbers in a table beside it."""
import math

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 16, 56


def nice_max(value, whole=True):
    """A round top for an axis of four steps: each step 1, 2, 2.5 or 5 times a power of ten (whole
    numbers for counts), the top at least value."""
    quarter = max(value, 0) / 4
    if quarter <= 0:
        return 4 if whole else 1
    power = 10 ** math.floor(math.log10(quarter))
    for step in (1, 2, 2.5, 5, 10):
        size = step * power
        if size >= quarter and (not whole or float(size).is_integer()):
            return 4 * size
    return 4 * 10 * power


def _number(value):
    return f"{value:,.0f}" if value >= 10 or float(value).is_integer() else f"{value:.1f}"


def _frame(chart_id, title, description, body):
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{chart_id}-title '
        f'{chart_id}-desc" preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title><desc id="{chart_id}-desc">{escape(description)}</desc>'
        f'{body}</svg>')


def _y_axis(top_value, fmt=_number):
    plot = HEIGHT - TOP - BOTTOM
    parts = []
    for n in range(5):
        value = top_value * n / 4
        y = HEIGHT - BOTTOM - plot * n / 4
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
                     f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(fmt(value))}</text>')
    return "".join(parts)


def _x_labels(labels):
    step = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    return "".join(f'<text class="tick" x="{LEFT + step * (i + .5):.1f}" y="{HEIGHT - BOTTOM + 16}" '
                   f'text-anchor="middle">{escape(label)}</text>' for i, label in enumerate(labels))


def _legend(series):
    """The series' colours and names under the chart, on a second row when the first is full."""
    parts, x, y = [], 8, HEIGHT - BOTTOM + 28
    for name, color, _ in series:
        width = 30 + sum(14 if ord(char) > 0x2000 else 8 for char in str(name))
        if x + width > WIDTH - RIGHT:
            x, y = 8, y + 20
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{color}"/>'
                     f'<text class="legend" x="{x + 16}" y="{y + 11}">{escape(name)}</text>')
        x += width
    return "".join(parts)


def stacked_columns(chart_id, title, description, labels, series):
    """Columns per label, stacked by series: series is [(name, color, [value per label])]."""
    totals = [sum(values[i] for _, _, values in series) for i in range(len(labels))]
    top = nice_max(max(totals, default=0))
    plot, step = HEIGHT - TOP - BOTTOM, (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    bars = []
    for i in range(len(labels)):
        base = HEIGHT - BOTTOM
        for name, color, values in series:
            height = plot * values[i] / top
            if height > 0:
                base -= height
                bars.append(f'<rect x="{LEFT + step * i + step * .15:.1f}" y="{base:.1f}" width="{step * .7:.1f}" '
                            f'height="{height:.1f}" fill="{color}"/>')
    return _frame(chart_id, title, description, _y_axis(top) + "".join(bars) + _x_labels(labels) + _legend(series))


def lines(chart_id, title, description, labels, series, fmt=_number):
    """A line per series over the labels, a dot per known value: [(name, color, [value or None])]."""
    known = [value for _, _, values in series for value in values if value is not None]
    top = nice_max(max(known, default=0), whole=False)
    plot, step = HEIGHT - TOP - BOTTOM, (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    drawn = []
    for name, color, values in series:
        points = [(LEFT + step * (i + .5), HEIGHT - BOTTOM - plot * value / top)
                  for i, value in enumerate(values) if value is not None]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            drawn.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
        drawn += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{color}"/>' for x, y in points]
    return _frame(chart_id, title, description,
                  _y_axis(top, fmt) + "".join(drawn) + _x_labels(labels) + _legend(series))


def stacked_bars(chart_id, title, description, labels, series):
    """Horizontal bars per label (a site), stacked by series; labels shortened to fit."""
    rows = max(len(labels), 1)
    totals = [sum(values[i] for _, _, values in series) for i in range(len(labels))]
    top = nice_max(max(totals, default=0))
    left, plot_height = 150, HEIGHT - TOP - BOTTOM
    band = min(plot_height / rows, 40)
    width = WIDTH - left - RIGHT
    parts = []
    for n in range(5):
        x = left + width * n / 4
        parts.append(f'<line class="grid" x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}"/>'
                     f'<text class="tick" x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                     f'{escape(_number(top * n / 4))}</text>')
    for i, label in enumerate(labels):
        y = TOP + band * i
        short = label if len(label) <= 10 else label[:9] + "…"
        parts.append(f'<text class="tick" x="{left - 6}" y="{y + band / 2 + 4:.1f}" text-anchor="end">{escape(short)}</text>')
        x = left
        for name, color, values in series:
            length = width * values[i] / top
            if length > 0:
                parts.append(f'<rect x="{x:.1f}" y="{y + band * .2:.1f}" width="{length:.1f}" height="{band * .6:.1f}" '
                             f'fill="{color}"/>')
                x += length
    return _frame(chart_id, title, description, "".join(parts) + _legend(series))
