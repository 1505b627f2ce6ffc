"""The chart of a report page: stacked bars (fully aligned, partially
aligned, failed) per day or week, as geometry for an inline SVG drawn by
the server (no script, no external library).
"""

from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _

WIDTH = 720
HEIGHT = 220
LEFT = 48
BOTTOM = 24
TOP = 8


@dataclass
class Segment:
    y: float
    height: float
    css: str
    value: int


@dataclass
class Bar:
    x: float
    width: float
    label: str
    title: str
    segments: list
    show_label: bool


def _ceiling(value):
    """A round number at least ``value`` (the top of the scale)."""
    if value <= 0:
        return 1
    step = 1
    while step * 10 <= value:
        step *= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= value:
            return step * factor
    return step * 10


def chart_svg(summary):
    """A dict the ``dmarc/_chart.html`` template draws."""
    buckets = summary.buckets
    top = _ceiling(max((sum(values[1:]) for values in buckets), default=0))
    plot_height = HEIGHT - BOTTOM - TOP
    plot_width = WIDTH - LEFT - 8
    slot = plot_width / max(len(buckets), 1)
    every = max(1, len(buckets) // 8)
    bars = []
    for index, (day, fully, partially, failed) in enumerate(buckets):
        y = TOP + plot_height
        segments = []
        for value, css in ((fully, "fully"), (partially, "partially"), (failed, "failed")):
            height = plot_height * value / top
            y -= height
            if value:
                segments.append(Segment(round(y, 1), round(height, 1), css, value))
        label = date_format(day, "SHORT_DATE_FORMAT")
        bars.append(
            Bar(
                x=round(LEFT + index * slot + slot * 0.15, 1),
                width=round(slot * 0.7, 1),
                label=label,
                title=_(
                    "%(day)s: %(fully)d fully aligned, %(partially)d partially aligned, "
                    "%(failed)d failed"
                )
                % {"day": label, "fully": fully, "partially": partially, "failed": failed},
                segments=segments,
                show_label=index % every == 0,
            )
        )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "baseline": TOP + plot_height,
        "top": TOP,
        "max": top,
        "plot_height": plot_height,
        "bars": bars,
        "label_y": HEIGHT - 6,
    }
