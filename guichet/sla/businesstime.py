"""Business time: counting deadlines in a brand's opening hours, holidays and closures.

A pure module (no database): the deadline engine asks it "when is 4 business hours after
this instant?" and "how much business time has passed?", and the simulator asks it
hundreds of thousands of times, so every answer is a couple of binary searches.

The model. Each local date of the brand's time zone has opening intervals (its weekday's
hours, none on a public holiday or a closure). They are turned into UTC instants once per
local year and kept as sorted, merged intervals together with a running total of open
time. Counting open time up to an instant is then a bisection in that table; adding open
time is the inverse bisection. Internally instants are whole microseconds since the Unix
epoch, so `between(s, add(s, d)) == d` holds exactly.

Time-zone rules (zoneinfo):
- a local start or end that falls in a spring-forward gap is moved to the transition
  instant (an interval entirely inside the gap is empty);
- on a fall-back day a start is read at the first of the repeated times and an end at the
  second, so the repeated hour counts its real length: 00:00–24:00 on 2026-10-25 in
  Europe/Paris is 25 hours of open time, on 2026-03-29 it is 23 hours.

Every instant given must be timezone-aware (any zone); every instant returned is in UTC.
"""

from __future__ import annotations

import functools
import zoneinfo
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import holidays

from guichet.policies.durations import Duration
from guichet.policies.schema import CalendarSection, ClockKind, WeekHours

__all__ = [
    "LOOKAHEAD_YEARS",
    "BusinessCalendar",
    "CalendarClock",
    "add_duration",
    "clock_for",
    "elapsed",
]

# How far to look for open time before deciding a calendar has none: a brand that is closed
# for three whole years has a policy mistake, and looping forever would hide it.
LOOKAHEAD_YEARS = 3

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_ZERO = timedelta(0)
_DAY_MINUTES = 24 * 60

# An instant as whole microseconds since the Unix epoch (exact, and fast to compare).
_Micros = int


def _micros(at: datetime, name: str = "at") -> _Micros:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, not the naive {at.isoformat()}")
    return (at - _EPOCH) // _MICROSECOND


def _instant(micros: _Micros) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def _utc(at: datetime, name: str = "at") -> datetime:
    return _instant(_micros(at, name))


def _length(duration: timedelta) -> _Micros:
    if duration < _ZERO:
        raise ValueError(f"a duration of open time cannot be negative ({duration})")
    return duration // _MICROSECOND


@functools.lru_cache(maxsize=512)
def _public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    # Shared by every calendar of the process: building a year of holidays is slow (lunar
    # calendars, observed days) and the answer never changes.
    return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))


@dataclass(frozen=True, slots=True)
class _Year:
    """The open intervals of one local year, clipped to [lo, hi) in UTC.

    `before[i]` is the open time in [lo, starts[i]), `through[i]` in [lo, ends[i]).
    Intervals are sorted, disjoint, non-adjacent and never empty, so `through` is strictly
    increasing.
    """

    lo: _Micros
    hi: _Micros
    starts: list[_Micros]
    ends: list[_Micros]
    before: list[_Micros]
    through: list[_Micros]

    @property
    def total(self) -> _Micros:
        return self.through[-1] if self.through else 0

    def open_before(self, t: _Micros) -> _Micros:
        """Open time in [lo, t). Precondition: lo <= t <= hi."""
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return 0
        return self.before[i] + min(t, self.ends[i]) - self.starts[i]

    def contains(self, t: _Micros) -> bool:
        i = bisect_right(self.starts, t) - 1
        return i >= 0 and t < self.ends[i]


def _normalise(intervals: Sequence[tuple[int, int]], weekday: int) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if not 0 <= start < end <= _DAY_MINUTES:
            raise ValueError(
                f"weekday {weekday}: ({start}, {end}) is not an interval of minutes within a "
                "day (0 <= start < end <= 1440)"
            )
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return tuple(merged)


class BusinessCalendar:
    """A brand's opening hours in its time zone, minus public holidays and closures.

    Treat it as immutable once built (its caches assume so); the caches it fills as it is
    asked are safe to share between threads (the worst a race does is compute a year twice).
    """

    def __init__(
        self,
        *,
        timezone: str,
        hours: Mapping[int, Sequence[tuple[int, int]]],
        holiday_country: str | None = None,
        holiday_subdivision: str | None = None,
        closures: Sequence[tuple[date, date]] = (),
    ) -> None:
        """`hours` maps a Python weekday (Monday is 0) to its local opening intervals in
        minutes since midnight (`end` may be 1440); a missing or empty weekday is closed.
        Intervals may be given in any order; overlapping or touching ones are joined.
        `closures` are inclusive ranges of local dates. Raises ValueError for an unknown
        time zone or holiday country, or an impossible interval or closure."""
        try:
            self._zone = zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {timezone!r}") from None
        self.timezone = timezone
        unknown = set(hours) - set(range(7))
        if unknown:
            raise ValueError(f"weekdays are 0 (Monday) to 6 (Sunday), not {sorted(unknown)}")
        self.hours: dict[int, tuple[tuple[int, int], ...]] = {
            weekday: _normalise(hours.get(weekday, ()), weekday) for weekday in range(7)
        }
        if holiday_subdivision and not holiday_country:
            raise ValueError("a holiday subdivision needs its country")
        if holiday_country:
            try:
                holidays.country_holidays(holiday_country, subdiv=holiday_subdivision)
            except NotImplementedError as error:
                raise ValueError(f"no public holidays known for this place: {error}") from None
        self.holiday_country = holiday_country
        self.holiday_subdivision = holiday_subdivision
        for start, end in closures:
            if end < start:
                raise ValueError(f"the closure {start}–{end} ends before it starts")
        self.closures: tuple[tuple[date, date], ...] = tuple(sorted(closures))
        self._years: dict[int, _Year] = {}
        self._year_starts: dict[int, _Micros] = {}
        self._open_days: dict[int, list[int]] = {}
        self._whole_days: BusinessCalendar | None = None

    @classmethod
    def from_policy(
        cls, calendar: CalendarSection, *, hours: WeekHours | None = None
    ) -> BusinessCalendar:
        """The calendar of a policy's `[calendar]` section; `hours` (a channel's own
        opening hours) replaces the section's hours but keeps its holidays and closures."""
        week = hours if hours is not None else calendar.hours
        source = calendar.holidays
        return cls(
            timezone=calendar.timezone,
            hours={wd: [(i.start, i.end) for i in week.for_weekday(wd)] for wd in range(7)},
            holiday_country=source.country if source else None,
            holiday_subdivision=source.subdivision if source else None,
            closures=[(closure.start, closure.end) for closure in calendar.closures],
        )

    def whole_days(self) -> BusinessCalendar:
        """The same open days, each open 00:00–24:00 local: the `business_days` clock.
        Built once per calendar, so its caches are kept between calls."""
        if self._whole_days is None:
            self._whole_days = BusinessCalendar(
                timezone=self.timezone,
                hours={wd: [(0, _DAY_MINUTES)] for wd, spans in self.hours.items() if spans},
                holiday_country=self.holiday_country,
                holiday_subdivision=self.holiday_subdivision,
                closures=self.closures,
            )
        return self._whole_days

    def __repr__(self) -> str:
        return (
            f"BusinessCalendar(timezone={self.timezone!r}, hours={self.hours!r}, "
            f"holiday_country={self.holiday_country!r}, "
            f"holiday_subdivision={self.holiday_subdivision!r}, closures={self.closures!r})"
        )

    # --- days ------------------------------------------------------------------------------

    def is_holiday(self, day: date) -> bool:
        """A public holiday of the calendar's country (and subdivision) or a closure.
        `day` is a local date."""
        if self.holiday_country and day in _public_holidays(
            self.holiday_country, self.holiday_subdivision, day.year
        ):
            return True
        return any(start <= day <= end for start, end in self.closures)

    def is_open_day(self, day: date) -> bool:
        """The local date's weekday has opening hours and it is not a holiday or closure."""
        return bool(self.hours[day.weekday()]) and not self.is_holiday(day)

    # --- instants ----------------------------------------------------------------------------

    def is_open(self, at: datetime) -> bool:
        """`at` lies inside an open interval [start, end)."""
        t = _micros(at)
        return self._year(self._year_of(t)).contains(t)

    def next_open(self, at: datetime) -> datetime:
        """`at` (in UTC) if it is open, else the start of the next open interval. Raises
        ValueError if there is none within LOOKAHEAD_YEARS."""
        return _instant(self._next_open(_micros(at)))

    def open_intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open intervals within [start, end), in order, in UTC, clipped to the range and
        merged: touching intervals (24:00 then 00:00, 12:00–14:00 then 14:00–18:00) come out
        as one. Nothing if end <= start."""
        lo, hi = _micros(start, "start"), _micros(end, "end")
        if hi <= lo:
            return
        pending: tuple[_Micros, _Micros] | None = None
        number = self._year_of(lo)
        while True:
            year = self._year(number)
            if year.lo >= hi:
                break
            first = max(bisect_right(year.starts, lo) - 1, 0)
            for i in range(first, len(year.starts)):
                s, e = max(year.starts[i], lo), min(year.ends[i], hi)
                if s >= hi:
                    break
                if e <= s:
                    continue
                if pending is not None and s <= pending[1]:
                    # Years are tabled apart; an interval running through New Year's midnight
                    # is cut in two there and joined here.
                    pending = (pending[0], max(pending[1], e))
                else:
                    if pending is not None:
                        yield _instant(pending[0]), _instant(pending[1])
                    pending = (s, e)
            number += 1
        if pending is not None:
            yield _instant(pending[0]), _instant(pending[1])

    # --- arithmetic ------------------------------------------------------------------------

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which `duration` of open time has passed since `start`.

        Precondition: duration >= 0. A zero duration gives `start` back (in UTC). Otherwise
        the answer is the earliest such instant: it is open, or it is exactly the end of an
        open interval (8 business hours from Monday 09:00 is Monday 17:00, not Tuesday 09:00).
        A closed `start` counts from the next opening. Raises ValueError when the calendar has
        no open time within LOOKAHEAD_YEARS.
        """
        s, d = _micros(start, "start"), _length(duration)
        if d == 0:
            return _instant(s)
        number = self._year_of(s)
        year = self._year(number)
        target = year.open_before(s) + d
        empty = 0
        while target > year.total:
            target -= year.total
            empty = empty + 1 if year.total == 0 else 0
            if empty > LOOKAHEAD_YEARS:
                raise ValueError(f"{self!r} has no open time after {start.isoformat()}")
            number += 1
            year = self._year(number)
        # 0 < target <= total: the first interval whose running total reaches the target.
        i = bisect_left(year.through, target)
        return _instant(year.starts[i] + target - year.before[i])

    def subtract(self, end: datetime, duration: timedelta) -> datetime:
        """The latest instant from which `duration` of open time runs until `end`.

        Precondition: duration >= 0. A zero duration gives `end` back (in UTC). Otherwise the
        answer is open (2 business hours before Monday 11:00 is Monday 09:00, not Friday
        17:00), so `subtract(add(s, d), d) == next_open(s)` for d > 0. Raises ValueError
        when there is no open time within LOOKAHEAD_YEARS before `end`.
        """
        e, d = _micros(end, "end"), _length(duration)
        if d == 0:
            return _instant(e)
        number = self._year_of(e)
        year = self._year(number)
        target = year.open_before(e) - d
        empty = 0
        while target < 0:
            empty = empty + 1 if year.total == 0 else 0
            if empty > LOOKAHEAD_YEARS:
                raise ValueError(f"{self!r} has no open time before {end.isoformat()}")
            number -= 1
            year = self._year(number)
            target += year.total
        # 0 <= target < open time up to `end`, so this year has intervals; take the last
        # interval whose running total starts at or before the target.
        i = bisect_right(year.before, target) - 1
        t = year.starts[i] + target - year.before[i]
        if t == year.ends[i]:
            # The year's last interval ends exactly there: the answer is the next opening,
            # in a later year (and no later than `end`, which has open time after t).
            return _instant(self._next_open(t))
        return _instant(t)

    def between(self, a: datetime, b: datetime) -> timedelta:
        """The open time in [a, b); zero if b <= a."""
        x, y = _micros(a, "a"), _micros(b, "b")
        if y <= x:
            return _ZERO
        first, last = self._year_of(x), self._year_of(y)
        if first == last:
            year = self._year(first)
            return timedelta(microseconds=year.open_before(y) - year.open_before(x))
        start_year = self._year(first)
        total = start_year.total - start_year.open_before(x)
        total += sum(self._year(number).total for number in range(first + 1, last))
        total += self._year(last).open_before(y)
        return timedelta(microseconds=total)

    def add_business_days(self, start: datetime, days: int) -> datetime:
        """The same local time of day, `days` open days later.

        Counting starts from the open instant `next_open(start)`: a `start` on a closed day
        or outside hours counts from the next opening (Saturday 10:00 plus one business day
        is Tuesday at Monday's opening time). If that local time is not open on the target
        day (past its closing time, or in a lunch break), the answer is the next opening
        after it. `days == 0` gives `next_open(start)`. Precondition: days >= 0.
        """
        if days < 0:
            raise ValueError(f"cannot add a negative number of business days ({days})")
        base = _micros(start, "start")
        opened = self._next_open(base)
        local = _instant(opened).astimezone(self._zone)
        target = self._nth_open_day_after(local.date(), days)
        if target == local.date():
            return _instant(opened)
        wall = datetime.combine(target, local.time())
        return _instant(self._next_open(self._wall_to_micros(wall, fold=local.fold)))

    # --- the tables ------------------------------------------------------------------------

    def _next_open(self, t: _Micros) -> _Micros:
        number = self._year_of(t)
        year = self._year(number)
        i = bisect_right(year.starts, t) - 1
        if i >= 0 and t < year.ends[i]:
            return t
        if i + 1 < len(year.starts):
            return year.starts[i + 1]
        for _ in range(LOOKAHEAD_YEARS + 1):
            number += 1
            year = self._year(number)
            if year.starts:
                return year.starts[0]
        raise ValueError(f"{self!r} has no open time after {_instant(t).isoformat()}")

    def _nth_open_day_after(self, day: date, n: int) -> date:
        """The n-th open local date after `day` (`day` itself when n == 0)."""
        if n == 0:
            return day
        number = day.year
        days = self._open_days_of(number)
        k = bisect_right(days, day.toordinal()) + n - 1
        empty = 0
        while k >= len(days):
            k -= len(days)
            empty = empty + 1 if not days else 0
            if empty > LOOKAHEAD_YEARS:
                raise ValueError(f"{self!r} has no open day after {day.isoformat()}")
            number += 1
            days = self._open_days_of(number)
        return date.fromordinal(days[k])

    def _open_days_of(self, number: int) -> list[int]:
        days = self._open_days.get(number)
        if days is None:
            first, last = date(number, 1, 1).toordinal(), date(number, 12, 31).toordinal()
            days = [o for o in range(first, last + 1) if self.is_open_day(date.fromordinal(o))]
            self._open_days[number] = days
        return days

    def _year_start(self, number: int) -> _Micros:
        """The instant of local midnight starting 1 January of that year."""
        micros = self._year_starts.get(number)
        if micros is None:
            micros = self._wall_to_micros(datetime(number, 1, 1), fold=0)
            self._year_starts[number] = micros
        return micros

    def _year_of(self, t: _Micros) -> int:
        # The local year differs from the UTC year by at most one (offsets are under a day).
        number = _instant(t).year
        if t < self._year_start(number):
            return number - 1
        if t >= self._year_start(number + 1):
            return number + 1
        return number

    def _year(self, number: int) -> _Year:
        year = self._years.get(number)
        if year is None:
            year = self._build_year(number)
            self._years[number] = year
        return year

    def _build_year(self, number: int) -> _Year:
        lo, hi = self._year_start(number), self._year_start(number + 1)
        # 31 December before and 1 January after too: on a fall-back at midnight their
        # intervals can reach into this year; clipping to [lo, hi) keeps each instant in
        # exactly one year.
        first = date(number, 1, 1).toordinal() - 1
        last = date(number, 12, 31).toordinal() + 1
        spans: list[tuple[_Micros, _Micros]] = []
        for ordinal in range(first, last + 1):
            day = date.fromordinal(ordinal)
            if not self.is_open_day(day):
                continue
            midnight = datetime.combine(day, time())
            for start, end in self.hours[day.weekday()]:
                # Start at the first reading of a repeated time, end at the second, so a
                # fall-back hour inside the interval counts its real length.
                s = self._wall_to_micros(midnight + timedelta(minutes=start), fold=0)
                e = self._wall_to_micros(midnight + timedelta(minutes=end), fold=1)
                s, e = max(s, lo), min(e, hi)
                if e > s:
                    spans.append((s, e))
        spans.sort()
        starts: list[_Micros] = []
        ends: list[_Micros] = []
        for s, e in spans:
            if ends and s <= ends[-1]:
                ends[-1] = max(ends[-1], e)
            else:
                starts.append(s)
                ends.append(e)
        before: list[_Micros] = []
        through: list[_Micros] = []
        running = 0
        for s, e in zip(starts, ends, strict=True):
            before.append(running)
            running += e - s
            through.append(running)
        return _Year(lo=lo, hi=hi, starts=starts, ends=ends, before=before, through=through)

    def _wall_to_micros(self, wall: datetime, *, fold: int) -> _Micros:
        """The instant of a naive local wall time. `fold` picks the reading of a repeated
        (fall-back) time; a time in a spring-forward gap gives the transition instant."""
        micros = _micros(wall.replace(tzinfo=self._zone, fold=fold))
        if _instant(micros).astimezone(self._zone).replace(tzinfo=None) == wall:
            return micros
        # In a gap the two readings straddle the transition: the earlier has the old offset,
        # the later the new one. Bisect for the first microsecond with the new offset.
        other = _micros(wall.replace(tzinfo=self._zone, fold=1 - fold))
        lo, hi = min(micros, other), max(micros, other)
        new_offset = self._offset(hi)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self._offset(mid) == new_offset:
                hi = mid
            else:
                lo = mid
        return hi

    def _offset(self, t: _Micros) -> timedelta | None:
        return _instant(t).astimezone(self._zone).utcoffset()


class CalendarClock:
    """Wall-clock time, 24/7: the `calendar` clock, with BusinessCalendar's method names."""

    def __repr__(self) -> str:
        return "CalendarClock()"

    def is_holiday(self, day: date) -> bool:
        return False

    def is_open_day(self, day: date) -> bool:
        return True

    def is_open(self, at: datetime) -> bool:
        _micros(at)
        return True

    def next_open(self, at: datetime) -> datetime:
        return _utc(at)

    def open_intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """[start, end) as one interval in UTC; nothing if end <= start."""
        lo, hi = _utc(start, "start"), _utc(end, "end")
        if hi > lo:
            yield lo, hi

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """start + duration. Precondition: duration >= 0."""
        return _instant(_micros(start, "start") + _length(duration))

    def subtract(self, end: datetime, duration: timedelta) -> datetime:
        """end - duration. Precondition: duration >= 0."""
        return _instant(_micros(end, "end") - _length(duration))

    def between(self, a: datetime, b: datetime) -> timedelta:
        """b - a; zero if b <= a (as on every clock)."""
        return max(_utc(b, "b") - _utc(a, "a"), _ZERO)

    def add_business_days(self, start: datetime, days: int) -> datetime:
        """start + days × 24 hours. Precondition: days >= 0."""
        if days < 0:
            raise ValueError(f"cannot add a negative number of days ({days})")
        return _utc(start, "start") + timedelta(days=days)


def clock_for(kind: ClockKind, calendar: BusinessCalendar) -> BusinessCalendar | CalendarClock:
    """The clock a deadline of that kind counts on."""
    if kind == "calendar":
        return CalendarClock()
    if kind == "business_hours":
        return calendar
    if kind == "business_days":
        return calendar.whole_days()
    raise ValueError(f"unknown clock {kind!r}")


def add_duration(
    kind: ClockKind, calendar: BusinessCalendar, start: datetime, duration: Duration
) -> datetime:
    """When a policy duration counted from `start` on that clock runs out (in UTC).

    - calendar: start + days × 24 h + seconds, absolute time;
    - business_hours: `days` business days (the same local time, see `add_business_days`),
      then `seconds` of opening hours;
    - business_days: days × 24 h + seconds counted only on open days, 00:00–24:00 ("24
      heures (hors weekends et jours fériés)").

    A zero duration gives `start` back on every clock.
    """
    if kind == "calendar":
        return _utc(start, "start") + duration.as_timedelta()
    if kind == "business_hours":
        moment = calendar.add_business_days(start, duration.days) if duration.days else start
        return calendar.add(moment, timedelta(seconds=duration.seconds))
    if kind == "business_days":
        return calendar.whole_days().add(start, duration.as_timedelta())
    raise ValueError(f"unknown clock {kind!r}")


def elapsed(kind: ClockKind, calendar: BusinessCalendar, a: datetime, b: datetime) -> timedelta:
    """The time counted between a and b on that clock; zero if b <= a."""
    return clock_for(kind, calendar).between(a, b)
