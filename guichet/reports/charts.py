"""Charts drawn on the server as SVG: the dashboard's (desk) and the monthly review's (PDF).

Pure functions: data in, one `<svg>` element out (a string, every text escaped), no
script, no request, no page around it. Each chart is an image to assistive technology
(`role="img"`, a `<title>` and a `<desc>` that says what it shows in words), has a
`viewBox` and no fixed size so it takes the width of its box (a phone's, a page's), and
writes its numbers as text: a colour is never the only way to read a value or a status
(met and missed are written beside the bar). An empty chart says "No data" rather than
drawing nothing.

Colours: the brand's colour first (darkened, if needed, to stand out at 3:1 on white),
then the Okabe–Ito palette, which people with the common colour-vision deficiencies tell
apart; a colour too close to the brand's is left out.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from guichet.lib.contrast import nearest_compliant

# The width of every chart's drawing, in its own units: the text sizes below are chosen
# for it (11 to 13 px on a phone 360 px wide, 15 to 18 px in half a laptop's page).
WIDTH = 380
TEXT = 14  # labels and values
SMALL = 12.5  # axis ticks, legends' notes
INK = "#1d2430"
MUTED = "#535c69"
GRID = "#d9dde3"
TRACK = "#eef1f4"
# Okabe & Ito, "Color Universal Design" (2008), without its yellow (too light on white).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#6b6b6b")
MET = "#007a5a"  # green, 5:1 on white
MISSED = "#c0392b"  # vermillion-red, 5:1 on white
NEUTRAL = "#6b7785"
GRAPHIC_CONTRAST = 3.0  # WCAG 2.2, 1.4.11: graphical objects against their background
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', sans-serif"


@dataclass(frozen=True)
class Series:
    """One stack of the stacked bars: its name (the legend) and a value per bar."""

    name: str
    values: Sequence[float]


@dataclass(frozen=True)
class GoalBar:
    """One bar of the attainment chart: a share in percent, the goal it is held to (None:
    no goal) and whether the goal was met ("met", "missed" or "")."""

    label: str
    value: float
    goal: float | None = None
    status: str = ""


# --- colours -------------------------------------------------------------------------------


def palette(brand_colour: str | None = None, size: int = len(PALETTE)) -> list[str]:
    """`size` colours for series: the brand's first, then the fixed palette (repeated past
    its end), leaving out those that look like the brand's."""
    colours: list[str] = []
    if brand_colour:
        with contextlib.suppress(ValueError):  # not a #rrggbb colour: the palette alone
            colours.append(nearest_compliant(brand_colour, minimum=GRAPHIC_CONTRAST))
    colours += [c for c in PALETTE if not colours or _distance(c, colours[0]) > 170]
    return [colours[i % len(colours)] for i in range(size)]


def brand_colour(colour: str | None) -> str:
    """The colour of a chart of one series: the brand's, or the palette's first."""
    return palette(colour, 1)[0]


def _distance(first: str, second: str) -> float:
    """How far apart two colours look, roughly ("redmean": RGB weighted as the eye does)."""
    (r1, g1, b1), (r2, g2, b2) = _rgb(first), _rgb(second)
    mean = (r1 + r2) / 2
    return math.sqrt(
        (2 + mean / 256) * (r1 - r2) ** 2
        + 4 * (g1 - g2) ** 2
        + (2 + (255 - mean) / 256) * (b1 - b2) ** 2
    )


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


# --- the charts ----------------------------------------------------------------------------


def stacked_bars(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str = "",
    colours: Sequence[str] | None = None,
    ident: str = "",
) -> str:
    """Vertical bars, one per label (a day, a month), each a stack of the series (the
    channels), with a legend naming each series and its total. Past a dozen bars, only
    some labels are written under the axis, and the totals are not written over the bars."""
    count = len(labels)
    series = [s for s in series if any(_clean(v) for v in s.values)]
    totals = [sum(_clean(s.values[i]) for s in series if i < len(s.values)) for i in range(count)]
    if not count or not any(totals):
        return empty(title=title, desc=desc, ident=ident)
    colours = list(colours or palette(size=len(series)))
    svg = _Svg(title, desc or _described_series(labels, series), ident)

    # The legend: a swatch, the name and its total, as many to a line as fit.
    y = 4.0
    x = 0.0
    for index, s in enumerate(series):
        text = f"{s.name} ({_number(sum(_clean(v) for v in s.values))})"
        width = 18 + _text_width(text, SMALL) + 14
        if x and x + width > WIDTH:
            x, y = 0.0, y + 22
        svg.rect(x, y + 2, 12, 12, colours[index % len(colours)])
        svg.text(x + 17, y + 12.5, text, size=SMALL)
        x += width
    top = y + 30

    # The axis and its grid: a round maximum in four steps.
    scale_max, steps = _axis(max(totals))
    left, right, height = _text_width(_number(scale_max), SMALL) + 10, 4.0, 190.0
    plot = WIDTH - left - right
    for step in range(steps + 1):
        value = scale_max * step / steps
        gy = top + height - height * step / steps
        svg.line(left, gy, WIDTH - right, gy, GRID)
        svg.text(left - 6, gy + 4, _number(value), size=SMALL, anchor="end", fill=MUTED)

    band = plot / count
    bar = max(1.0, band * 0.72)
    write_totals = count <= 12
    every = max(1, math.ceil(count / max(1, int(plot // 62))))
    for i, label in enumerate(labels):
        x0 = left + i * band + (band - bar) / 2
        base = top + height
        for index, s in enumerate(series):
            value = _clean(s.values[i]) if i < len(s.values) else 0
            if not value:
                continue
            h = height * value / scale_max
            base -= h
            svg.rect(
                x0,
                base,
                bar,
                h,
                colours[index % len(colours)],
                tip=f"{label} — {s.name}: {_number(value)}",
                separated=True,
            )
        if write_totals and totals[i]:
            svg.text(x0 + bar / 2, base - 4, _number(totals[i]), size=SMALL, anchor="middle")
        if i % every == 0:
            svg.text(
                left + i * band + band / 2, top + height + 17, label, size=SMALL, anchor="middle"
            )
    svg.line(left, top + height, WIDTH - right, top + height, MUTED)
    return svg.done(top + height + 26)


def goal_bars(rows: Sequence[GoalBar], *, title: str, desc: str = "", ident: str = "") -> str:
    """Horizontal bars from 0 to 100 %, one per row, each with its label above it, the goal
    marked across it, and its value written after it with the status in words ("goal
    met", "goal missed"): green or red, but read without the colour too."""
    if not rows:
        return empty(title=title, desc=desc, ident=ident)
    svg = _Svg(title, desc or _described_goals(rows), ident)
    # The legend: what the mark and the colours mean.
    x = 0.0
    for colour, text in ((MET, _("goal met")), (MISSED, _("goal missed"))):
        svg.rect(x, 4, 12, 12, colour)
        svg.text(x + 17, 14.5, text, size=SMALL)
        x += 17 + _text_width(text, SMALL) + 18
    svg.line(x + 5, 2, x + 5, 18, INK, width=3)
    svg.text(x + 14, 14.5, _("goal"), size=SMALL)

    said = [_said(row) for row in rows]
    # Bold (a missed goal) is wider than the average text.
    value_width = min(WIDTH * 0.45, max(len(words) * TEXT * 0.64 for words in said) + 10)
    track = WIDTH - value_width
    y = 30.0
    for row, words in zip(rows, said, strict=True):
        value = max(0.0, min(100.0, _clean(row.value)))
        lines = _wrap(row.label, int(WIDTH / (TEXT * 0.55)))
        for n, line in enumerate(lines):
            svg.text(0, y + 13 + n * 18, line, size=TEXT)
        bar_y = y + 20 + (len(lines) - 1) * 18
        colour = {"met": MET, "missed": MISSED}.get(row.status, NEUTRAL)
        svg.rect(0, bar_y, track, 16, TRACK)
        if value:
            svg.rect(0, bar_y, track * value / 100, 16, colour, tip=f"{row.label}: {_pct(value)}")
        if row.goal is not None:
            goal_x = track * max(0.0, min(100.0, row.goal)) / 100
            svg.line(goal_x, bar_y - 4, goal_x, bar_y + 20, INK, width=3)
        svg.text(
            track + 8,
            bar_y + 13,
            words,
            size=TEXT,
            bold=row.status == "missed",
            fill={"met": MET, "missed": MISSED}.get(row.status, INK),
        )
        y = bar_y + 30
    return svg.done(y)


def _said(row: GoalBar) -> str:
    """A bar's value as written after it, with its status in words."""
    status = {"met": pgettext("goal", "met"), "missed": pgettext("goal", "missed")}.get(
        row.status, ""
    )
    value = _pct(max(0.0, min(100.0, _clean(row.value))))
    return f"{value} · {status}" if status and row.goal is not None else value


def bars(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    desc: str = "",
    colour: str | None = None,
    ident: str = "",
) -> str:
    """Vertical bars, one per item (an age, an outcome, a score), each with its value
    written over it and its label under it (on two lines when long)."""
    values = [_clean(v) for _label, v in items]
    if not items or not any(values):
        return empty(title=title, desc=desc, ident=ident)
    svg = _Svg(title, desc or _described_items(items), ident)
    colour = colour or PALETTE[0]
    top, height = 22.0, 170.0
    band = WIDTH / len(items)
    bar = min(band * 0.66, 64)
    scale_max = max(values)
    per_line = max(4, int((band - 4) / (SMALL * 0.55)))
    lines = [_wrap(label, per_line) for label, _v in items]
    deepest = max(len(found) for found in lines)
    for i, value in enumerate(values):
        x0 = i * band + (band - bar) / 2
        h = height * value / scale_max
        if value:
            svg.rect(x0, top + height - h, bar, h, colour, tip=f"{items[i][0]}: {_number(value)}")
        svg.text(x0 + bar / 2, top + height - h - 6, _number(value), size=TEXT, anchor="middle")
        for n, line in enumerate(lines[i]):
            svg.text(
                i * band + band / 2, top + height + 18 + n * 15, line, size=SMALL, anchor="middle"
            )
    svg.line(0, top + height, WIDTH, top + height, MUTED)
    return svg.done(top + height + 12 + deepest * 15)


def empty(*, title: str, desc: str = "", ident: str = "") -> str:
    """A chart with nothing to draw: a frame that says so."""
    words = _("No data")
    svg = _Svg(title, f"{desc} {words}." if desc else f"{words}.", ident)
    svg.rect(0.5, 0.5, WIDTH - 1, 78, "#f7f9fb", stroke=GRID)
    svg.text(WIDTH / 2, 45, words, size=TEXT + 1, anchor="middle", fill=MUTED)
    return svg.done(80)


# --- drawing -------------------------------------------------------------------------------


class _Svg:
    """The elements of one chart, written as they are drawn."""

    def __init__(self, title: str, desc: str, ident: str) -> None:
        self.title, self.desc = title, desc
        self.ident = ident or "chart-" + hashlib.sha1(title.encode()).hexdigest()[:8]  # noqa: S324
        self.parts: list[str] = []

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        fill: str,
        *,
        tip: str = "",
        stroke: str = "",
        separated: bool = False,
    ) -> None:
        extra = f' stroke="{stroke}"' if stroke else ""
        if separated:  # stacked segments: a white line between two of them
            extra = ' stroke="#fff" stroke-width="1"'
        attrs = f'x="{x:.1f}" y="{y:.1f}" width="{max(0.0, w):.1f}" height="{max(0.0, h):.1f}"'
        body = f"<title>{escape(tip)}</title>" if tip else ""
        end = f">{body}</rect>" if body else "/>"
        self.parts.append(f'<rect {attrs} fill="{fill}"{extra}{end}')

    def line(
        self, x1: float, y1: float, x2: float, y2: float, colour: str, *, width: float = 1
    ) -> None:
        self.parts.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke="{colour}" stroke-width="{width}"/>'
        )

    def text(
        self,
        x: float,
        y: float,
        words: str,
        *,
        size: float = TEXT,
        anchor: str = "start",
        fill: str = INK,
        bold: bool = False,
        tip: str = "",
    ) -> None:
        weight = ' font-weight="700"' if bold else ""
        start = "" if anchor == "start" else f' text-anchor="{anchor}"'
        body = escape(words) + (f"<title>{escape(tip)}</title>" if tip else "")
        self.parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}"{start}{weight}>'
            f"{body}</text>"
        )

    def done(self, height: float) -> str:
        ident = escape(self.ident)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'viewBox="0 0 {WIDTH} {math.ceil(height)}" '
            f'aria-labelledby="{ident}-title {ident}-desc" font-family="{escape(FONT)}">'
            f'<title id="{ident}-title">{escape(self.title)}</title>'
            f'<desc id="{ident}-desc">{escape(self.desc)}</desc>'
            f"{''.join(self.parts)}</svg>"
        )


# --- words and numbers ---------------------------------------------------------------------


def _clean(value: float | None) -> float:
    """A value that can be drawn: a negative, missing or not-a-number one counts as zero."""
    if value is None or isinstance(value, bool):
        return 0.0
    number = float(value)
    return number if math.isfinite(number) and number > 0 else 0.0


def _number(value: float) -> str:
    places = 0 if float(value).is_integer() else 1
    return formats.number_format(value, places, use_l10n=True, force_grouping=True)


def _pct(value: float) -> str:
    return _("%(value)s %%") % {"value": _number(round(value))}


def _axis(value: float) -> tuple[float, int]:
    """Where the axis ends and in how many steps: steps of 1, 2 or 5 × 10ⁿ (whole numbers,
    as counts are), three to five of them, the last at or above `value`."""
    power = 1.0
    while True:
        for step in (power, 2 * power, 5 * power):
            steps = max(1, math.ceil(value / step))
            if steps <= 5:
                return step * steps, steps
        power *= 10


def _text_width(words: str, size: float) -> float:
    """About how wide a line of text is drawn (an average glyph is ~0.56 of the size)."""
    return len(words) * size * 0.56


def _shortened(words: str, most: int) -> str:
    return words if len(words) <= most else words[: max(1, most - 1)].rstrip() + "…"


def _wrap(words: str, per_line: int, most: int = 3) -> list[str]:
    """At most `most` lines of about `per_line` characters, the last shortened if needed."""
    lines: list[str] = []
    for word in words.split():
        if lines and len(lines[-1]) + 1 + len(word) <= per_line:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > most:
        lines = [*lines[: most - 1], " ".join(lines[most - 1 :])]
    return [_shortened(line, per_line) for line in lines] or [""]


def _described_series(labels: Sequence[str], series: Sequence[Series]) -> str:
    parts = [f"{s.name}: {_number(sum(_clean(v) for v in s.values))}" for s in series]
    span = f"{labels[0]} – {labels[-1]}" if len(labels) > 1 else labels[0]
    return f"{span}. " + "; ".join(parts) + "."


def _described_goals(rows: Sequence[GoalBar]) -> str:
    parts = []
    for row in rows:
        text = f"{row.label}: {_pct(_clean(row.value))}"
        if row.goal is not None:
            text += " (" + _("goal %(goal)s") % {"goal": _pct(row.goal)}
            status = {"met": _("goal met"), "missed": _("goal missed")}.get(row.status, "")
            text += f", {status})" if status else ")"
        parts.append(text)
    return "; ".join(parts) + "."


def _described_items(items: Sequence[tuple[str, float]]) -> str:
    return "; ".join(f"{label}: {_number(_clean(value))}" for label, value in items) + "."
