"""The review's charts: what each shows (`Bars`), and plain SVG bars drawn from it (`svg`)
until the dashboard's charts (`guichet.reports.charts`) draw them for both (`review.draw`
is the one place that chooses). Pure: no database, no request.

The SVG's words are `<text>` elements, so they stay text in the PDF (searchable)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import formats
from django.utils.html import escape
from django.utils.translation import gettext as _

# After the brand's colour, for the series of a stacked chart (channels): distinct on white
# and from one another for the usual colour blindnesses (Okabe and Ito's palette, darkened).
SERIES_COLOURS = ["#5f6b7a", "#b8860b", "#0072b2", "#009e73", "#cc79a7", "#d55e00", "#56b4e9"]
MISSED = "#b42318"


@dataclass(frozen=True)
class Bars:
    """One bar chart: a bar (or a stack of bars) per label.

    series: (name, one value per label) — one series, or several stacked (`stacked`).
    unit: "%" when the values are shares out of 100 (the axis then ends at 100).
    goals, statuses: per label, the policy's goal (a mark across the bar) and "met" or
    "missed" against it ("" for none). horizontal: long labels, one bar per line."""

    key: str
    title: str
    labels: list[str]
    series: list[tuple[str, list[float]]]
    unit: str = ""
    goals: list[float | None] | None = None
    statuses: list[str] | None = None
    stacked: bool = False
    horizontal: bool = False


def _value(value: float, unit: str) -> str:
    # Shares as the tables write them (whole percents); a half on a count axis stays.
    places = 0 if unit == "%" or float(value).is_integer() else 1
    text = formats.number_format(value, places, use_l10n=True, force_grouping=True)
    return f"{text}\N{NO-BREAK SPACE}%" if unit == "%" else text


def _colours(chart: Bars, colour: str) -> list[str]:
    return [colour, *SERIES_COLOURS][: max(1, len(chart.series))]


def _legend(chart: Bars, colours: list[str], width: int) -> tuple[list[str], int]:
    if len(chart.series) < 2:
        return [], 0
    parts, x, y = [], 0.0, 12
    for (name, _values), fill in zip(chart.series, colours, strict=False):
        step = 18 + 6.2 * len(name) + 14
        if x + step > width:
            x, y = 0.0, y + 16
        parts.append(f'<rect x="{x:.1f}" y="{y - 9}" width="11" height="11" fill="{fill}"/>')
        parts.append(f'<text x="{x + 16:.1f}" y="{y}" class="legend">{escape(name)}</text>')
        x += step
    return parts, y + 10


def svg(chart: Bars, colour: str, *, width: int = 640) -> str:
    return (
        _horizontal(chart, colour, width) if chart.horizontal else _vertical(chart, colour, width)
    )


def _open(width: int, height: float, chart: Bars) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" '
        f'width="{width}" height="{height:.0f}" role="img" aria-label="{escape(chart.title)}" '
        'font-family="DejaVu Sans, sans-serif" font-size="10">'
        "<style>.legend{font-size:10px;fill:#1a1a1a}.axis{font-size:9px;fill:#444}"
        ".value{font-size:9px;fill:#1a1a1a}</style>"
    )


def _vertical(chart: Bars, colour: str, width: int) -> str:
    colours = _colours(chart, colour)
    legend, top = _legend(chart, colours, width)
    count = len(chart.labels)
    totals = [sum(values[i] for _name, values in chart.series) for i in range(count)]
    ceiling = 100.0 if chart.unit == "%" else _nice(max(totals, default=0.0))
    # A day per bar is taller than a handful of outcomes: the review's charts fit one page.
    left, right, plot_top, plot_height = 40, 8, top + 14, 120 if count > 12 else 85
    base = plot_top + plot_height
    slot = (width - left - right) / max(1, count)
    bar = max(2.0, slot * 0.7)
    out: list[Any] = [_open(width, base + 24, chart), *legend]
    for share in (0.0, 0.5, 1.0):  # the axis: 0, half, the top
        y = base - plot_height * share
        out.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="#d0d5dd" stroke-width="0.6"/>'
        )
        out.append(
            f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" class="axis">'
            f"{escape(_value(ceiling * share, chart.unit))}</text>"
        )
    every = max(1, -(-count // 16))  # at most 16 labels under the bars
    for i, label in enumerate(chart.labels):
        x = left + slot * i + (slot - bar) / 2
        y = base
        for (_name, values), fill in zip(chart.series, colours, strict=False):
            height = plot_height * values[i] / ceiling if ceiling else 0
            if height > 0:
                y -= height
                out.append(
                    f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{height:.1f}" '
                    f'fill="{fill}"/>'
                )
        if totals[i] and count <= 16:
            out.append(
                f'<text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
                f'class="value">{escape(_value(totals[i], chart.unit))}</text>'
            )
        if i % every == 0:
            out.append(
                f'<text x="{x + bar / 2:.1f}" y="{base + 14}" text-anchor="middle" '
                f'class="axis">{escape(label)}</text>'
            )
    out.append("</svg>")
    return "".join(out)


def _horizontal(chart: Bars, colour: str, width: int) -> str:
    """One line per label: the label, a bar to 100 (or the largest value), the goal's
    mark, and the value written with "goal missed" where it was."""
    values = chart.series[0][1] if chart.series else []
    ceiling = 100.0 if chart.unit == "%" else _nice(max(values, default=0.0))
    label_width, right, line = 250, 130, 26
    plot = width - label_width - right
    height = line * len(chart.labels) + 4
    out: list[str] = [_open(width, height, chart)]
    for i, label in enumerate(chart.labels):
        y = 2 + line * i
        status = chart.statuses[i] if chart.statuses else ""
        goal = chart.goals[i] if chart.goals else None
        first, second = _two_lines(label, 46)
        if second:
            out.append(f'<text x="0" y="{y + 10}" class="axis">{escape(first)}</text>')
            out.append(f'<text x="0" y="{y + 21}" class="axis">{escape(second)}</text>')
        else:
            out.append(f'<text x="0" y="{y + 16}" class="axis">{escape(first)}</text>')
        out.append(
            f'<rect x="{label_width}" y="{y + 5}" width="{plot}" height="14" fill="#f2f4f7"/>'
        )
        length = plot * min(values[i], ceiling) / ceiling if ceiling else 0
        fill = MISSED if status == "missed" else colour
        out.append(
            f'<rect x="{label_width}" y="{y + 5}" width="{length:.1f}" height="14" fill="{fill}"/>'
        )
        if goal is not None and ceiling:
            gx = label_width + plot * min(goal, ceiling) / ceiling
            out.append(
                f'<line x1="{gx:.1f}" y1="{y + 2}" x2="{gx:.1f}" y2="{y + 22}" stroke="#1a1a1a" '
                'stroke-width="1.5"/>'
            )
        text = _value(values[i], chart.unit)
        if status:
            text += " · " + (_("goal met") if status == "met" else _("goal missed"))
        out.append(
            f'<text x="{label_width + plot + 6}" y="{y + 16}" class="value">{escape(text)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _two_lines(label: str, width: int) -> tuple[str, str]:
    """A label cut at a space into two lines of `width` characters at most (the second
    shortened with an ellipsis if it must be)."""
    if len(label) <= width:
        return label, ""
    cut = label.rfind(" ", 0, width + 1)
    cut = cut if cut > 0 else width
    rest = label[cut:].strip()
    if len(rest) > width:
        rest = rest[: width - 1] + "…"
    return label[:cut], rest


def _nice(top: float) -> float:
    """The axis' end: the largest value rounded up to 1, 2 or 5 times a power of ten."""
    if top <= 0:
        return 1.0
    power = 1.0
    while power * 10 <= top:
        power *= 10
    for step in (1, 2, 5, 10):
        if step * power >= top:
            return step * power
    return 10 * power
