"""What of a count may be shown (RP-3: "any group under 5 people is hidden"). Pure: no
database, no policy.

Every figure the desk shows is a band, never an exact count:

- a count under `SMALLEST` (0 included, so that "nobody" and "one person" look alike) is
  "fewer than 5";
- any other is the band of 5 it falls in: 5 to 9, 10 to 14, 15 to 19…

And per question, only the policy's options are shown: not "prefer not to say", and no
total per question. The page gives one total, the answer sets counted (a band too).

Why this, and not exact counts with the small ones hidden. With an exact total, a single
hidden count is the total minus the others; hiding the next smallest as well closes that
within one table, but every answer set answers every question, so each question's counts
add up to the same total — one question shown in full gives it back to all the others.
And the page lets a manager pick any months: exact counts of two overlapping periods
(twelve months, and the same months but the first) give the first month's counts by
subtraction, whatever each table hid.

Why bands, and not counts rounded to the nearest 5. The exhaustive tests found rounding
gives small groups away: two months of 4 each show "fewer than 5" one by one and 10
together (8 rounds to 10), so each was exactly 4. A band of 5 starting at a multiple of 5
is as wide as the "fewer than 5" band, so the difference of any two figures never pins a
hidden count (tests/test_desk_page.py checks it).

Why "prefer not to say" is not shown per question. With it, a question's bands plus the
total's would bound a hidden count from below as well as above, and bands at the edges
would pin it; without it, whatever the other figures of the page, a hidden count could be
any number from 1 up (or be known to be 0, which tells nothing about anyone).

What this does not do: someone who compares many periods, subtracting the sum of several
from another, could sometimes narrow a hidden count down. The counts hold no person
(models.py), and the page is for the brand's managers only.
"""

from __future__ import annotations

from dataclasses import dataclass

SMALLEST = 5
BAND = 5


@dataclass(frozen=True)
class Band:
    """A count shown as "low to high" (both included)."""

    low: int
    high: int


def band(count: int) -> Band | None:
    """The band shown for a true count: None ("fewer than 5"), or the band of 5 it is in."""
    if count < SMALLEST:
        return None
    low = count - count % BAND
    return Band(low, low + BAND - 1)
