"""Line charts as SVG pictures, drawn on the server.

Every text that reaches the picture (titles with domain names, legends) is
escaped: a hostile domain name stays text. The console shows the pictures
with ``<img>``, where an SVG cannot run scripts anyway, and the response
forbids everything but inline styles (see views.graph).
"""

import datetime
from html import escape

from django.utils import timezone

WIDTH = 860
HEIGHT = 280
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 34, 56


def quoteattr(value):
    """``value`` as a double-quoted, escaped XML attribute."""
    return '"%s"' % escape(value, quote=True)


COLOURS = {
    "sent": "#1f77b4",
    "recv": "#2ca02c",
    "bounced": "#ff7f0e",
    "reject": "#d62728",
    "spam": "#9467bd",
    "virus": "#8c564b",
    "greylist": "#7f7f7f",
    "size_sent": "#1f77b4",
    "size_recv": "#2ca02c",
    "new_accounts": "#17becf",
}


def nice_ceiling(value):
    """The smallest of 1, 2, 2.5, 5 x 10^n that is >= ``value`` (1 for 0)."""
    if value <= 0:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    while magnitude > value:
        magnitude /= 10
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= value:
            result = factor * magnitude
            return int(result) if result >= 1 else result
    return value


def short_number(value):
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return ("%.1f" % (value / limit)).rstrip("0").rstrip(".") + suffix
    if value == int(value):
        return str(int(value))
    return "%.2f" % value


def time_label(moment, step, span):
    local = timezone.localtime(datetime.datetime.fromtimestamp(moment, datetime.UTC))
    if span <= 2 * 86400:
        return local.strftime("%H:%M")
    if span <= 62 * 86400:
        return local.strftime("%d/%m %Hh") if step < 86400 else local.strftime("%d/%m")
    return local.strftime("%d/%m/%y")


def line_chart(title, times, curves, step, y_label=""):
    """An SVG document: one polyline per ``(name, label, values)`` of
    ``curves`` over ``times`` (UNIX times of the points).
    """
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    peak = nice_ceiling(max((max(values, default=0) for _n, _l, values in curves), default=0))
    count = max(len(times), 1)

    def x(index):
        return LEFT + (plot_width * index / (count - 1) if count > 1 else plot_width / 2)

    def y(value):
        return TOP + plot_height - plot_height * value / peak

    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
        'viewBox="0 0 %d %d" role="img" font-family="sans-serif" font-size="11">'
        % (WIDTH, HEIGHT, WIDTH, HEIGHT),
        "<title>%s</title>" % escape(title),
        '<rect width="100%" height="100%" fill="#ffffff"/>',
        '<text x="%d" y="18" font-size="14" font-weight="bold">%s</text>' % (LEFT, escape(title)),
    ]
    if y_label:
        parts.append(
            '<text x="12" y="%d" transform="rotate(-90 12 %d)" text-anchor="middle">%s</text>'
            % (TOP + plot_height // 2, TOP + plot_height // 2, escape(y_label))
        )
    for tick in range(5):
        value = peak * tick / 4
        position = y(value)
        parts.append(
            '<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#dddddd"/>'
            % (LEFT, LEFT + plot_width, position, position)
        )
        parts.append(
            '<text x="%d" y="%.1f" text-anchor="end">%s</text>'
            % (LEFT - 6, position + 4, escape(short_number(value)))
        )
    span = (times[-1] - times[0] + step) if times else step
    ticks = min(6, count)
    for tick in range(ticks):
        index = round(tick * (count - 1) / max(ticks - 1, 1)) if count > 1 else 0
        if not times:
            break
        parts.append(
            '<text x="%.1f" y="%d" text-anchor="middle">%s</text>'
            % (x(index), TOP + plot_height + 16, escape(time_label(times[index], step, span)))
        )
    parts.append(
        '<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#999999"/>'
        % (LEFT, TOP, plot_width, plot_height)
    )
    legend_x = LEFT
    for name, label, values in curves:
        colour = COLOURS.get(name, "#000000")
        if values:
            points = " ".join("%.1f,%.1f" % (x(i), y(v)) for i, v in enumerate(values))
            parts.append(
                '<polyline fill="none" stroke=%s stroke-width="1.5" points="%s"/>'
                % (quoteattr(colour), points)
            )
        parts.append(
            '<rect x="%d" y="%d" width="12" height="12" fill=%s/>'
            % (legend_x, HEIGHT - 22, quoteattr(colour))
        )
        parts.append(
            '<text x="%d" y="%d">%s</text>' % (legend_x + 16, HEIGHT - 12, escape(str(label)))
        )
        legend_x += 24 + 7 * len(str(label))
    parts.append("</svg>")
    return "\n".join(parts)
