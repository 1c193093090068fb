"""Durations as policies write them: "30s", "90min", "24h", "5d", "1d12h".

A day ("d") is kept apart from hours because its meaning depends on the clock a
deadline counts in: on a calendar clock it is 24 hours; on a business-hours clock it
is one business day (the same moment of the next opening day).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

_PART = re.compile(r"(\d+)(d|h|min|s)")
_UNIT_SECONDS = {"h": 3600, "min": 60, "s": 1}


@dataclass(frozen=True, slots=True)
class Duration:
    days: int = 0
    seconds: int = 0

    @classmethod
    def parse(cls, text: str) -> Duration:
        if not isinstance(text, str):
            raise ValueError('a duration is a string such as "24h", "5d" or "30s"')
        compact = text.replace(" ", "")
        if not compact:
            raise ValueError("a duration cannot be empty")
        pos = 0
        days = seconds = 0
        seen: list[str] = []
        for match in _PART.finditer(compact):
            if match.start() != pos:
                break
            number, unit = int(match.group(1)), match.group(2)
            if unit in seen:
                raise ValueError(f"unit {unit!r} appears twice in {text!r}")
            seen.append(unit)
            if unit == "d":
                days += number
            else:
                seconds += number * _UNIT_SECONDS[unit]
            pos = match.end()
        if pos != len(compact):
            raise ValueError(
                f'{text!r} is not a duration: use numbers with d, h, min or s, such as "24h", '
                '"5d", "90min" or "1d12h"'
            )
        return cls(days=days, seconds=seconds)

    @property
    def is_zero(self) -> bool:
        return self.days == 0 and self.seconds == 0

    def as_timedelta(self) -> timedelta:
        """The duration on a calendar clock (a day is 24 hours)."""
        return timedelta(days=self.days, seconds=self.seconds)

    def __str__(self) -> str:
        parts = []
        if self.days:
            parts.append(f"{self.days}d")
        hours, rest = divmod(self.seconds, 3600)
        minutes, secs = divmod(rest, 60)
        if hours:
            parts.append(f"{hours}h")
        if minutes:
            parts.append(f"{minutes}min")
        if secs or not parts:
            parts.append(f"{secs}s")
        return "".join(parts)
