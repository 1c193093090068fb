"""What of a count may be shown (RP-3: "any group under 5 people is hidden"). Pure: no
database, no policy.

Two rules, applied to every figure the desk shows — each option's count and the total:

1. A count under `SMALLEST` (0 included, so that "nobody" and "one person" look alike) is
   not shown: the page says "fewer than 5".
2. Every other count is rounded to the nearest multiple of `ROUND_TO` (5, 6 and 7 show 5;
   8 to 12 show 10), and the total is rounded on its own, from the true total.

Why rounding rather than hiding a second cell. Hiding only the small cells is not enough:
with the exact total shown, a single hidden cell is the total minus the others. Hiding the
next smallest cell as well closes that within one table, but the page lets a manager pick
any period, contact type and category, and exact counts of two overlapping choices (twelve
months, and the same months but the first) give the difference — the hidden month's count —
by subtraction, whatever each table hid. With every figure rounded, a subtraction gives a
range, never a number: each rounded figure is off by up to 2, so the difference of two is
off by up to 4, as wide as the whole "fewer than 5" range. It is the way national
statistics offices publish small counts (the UK's Office for National Statistics and Higher
Education Statistics Agency round to 5). It is not a proof against every combination of
many queries; the counts themselves are per month and hold no person (models.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

SMALLEST = 5
ROUND_TO = 5


def shown(count: int) -> int | None:
    """The figure shown for a true count: None ("fewer than 5"), or the count rounded to
    the nearest multiple of 5 (never below 5)."""
    if count < SMALLEST:
        return None
    # Counts are integers and 5 is odd: no count falls half-way between two multiples.
    return max(SMALLEST, ROUND_TO * round(count / ROUND_TO))


@dataclass(frozen=True)
class Protected:
    """A table of counts as it may be shown: each key's figure and the total's (None:
    fewer than 5)."""

    cells: dict[str, int | None]
    total: int | None


def protect(counts: Mapping[str, int]) -> Protected:
    """`counts` (key -> true count; keys with no answer may be missing or 0) as they may
    be shown."""
    return Protected(
        cells={key: shown(count) for key, count in counts.items()},
        total=shown(sum(counts.values())),
    )
