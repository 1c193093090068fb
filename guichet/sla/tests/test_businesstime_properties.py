"""What holds for every start, every duration and every calendar (hypothesis).

Starts range over 2026–2027 in several zones (imaginary times in a spring-forward gap
included: they still name an instant); durations go up to 40 days of open time. Instants
are compared and subtracted in UTC: between two datetimes of one zone Python compares and
subtracts wall clocks, and between zones `==` is always False for an imaginary time (PEP 495).
"""

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from guichet.policies.durations import Duration
from guichet.sla.businesstime import BusinessCalendar, add_duration

MICRO = timedelta(microseconds=1)
PARIS = ZoneInfo("Europe/Paris")

CALENDARS = {
    # A small French team with a lunch break, French holidays and a summer closure.
    "paris_lunch": BusinessCalendar(
        timezone="Europe/Paris",
        hours={wd: [(9 * 60, 12 * 60 + 30), (14 * 60, 17 * 60 + 30)] for wd in range(5)},
        holiday_country="FR",
        closures=[(date(2026, 8, 10), date(2026, 8, 21))],
    ),
    # Jamla24: longer weekdays, shorter weekends, Moroccan holidays and Ramadan's offset.
    "casablanca": BusinessCalendar(
        timezone="Africa/Casablanca",
        hours={wd: [(9 * 60, (21 if wd < 5 else 18) * 60)] for wd in range(7)},
        holiday_country="MA",
    ),
    "toronto": BusinessCalendar(
        timezone="America/Toronto",
        hours={wd: [(9 * 60, 17 * 60)] for wd in range(5)},
        holiday_country="CA",
        holiday_subdivision="ON",
    ),
    # A night shift over the hours the clocks change: Saturday 22:00 to Sunday 04:00.
    "paris_night": BusinessCalendar(
        timezone="Europe/Paris", hours={5: [(22 * 60, 24 * 60)], 6: [(0, 4 * 60)]}
    ),
    "paris_always": BusinessCalendar(
        timezone="Europe/Paris", hours={wd: [(0, 24 * 60)] for wd in range(7)}
    ),
    # EJ's business-days clock: whole Jamaican working days.
    "jamaica_days": BusinessCalendar(
        timezone="America/Jamaica",
        hours={wd: [(9 * 60, 17 * 60)] for wd in range(5)},
        holiday_country="JM",
    ).whole_days(),
}

calendars = st.sampled_from(sorted(CALENDARS)).map(CALENDARS.__getitem__)
instants = st.datetimes(
    min_value=datetime(2026, 1, 1),
    max_value=datetime(2027, 12, 31, 23, 59, 59),
    timezones=st.sampled_from(
        [UTC, PARIS, ZoneInfo("Africa/Casablanca"), ZoneInfo("America/Toronto")]
    ),
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40))
positive_durations = st.timedeltas(min_value=MICRO, max_value=timedelta(days=40))

fast = settings(max_examples=200, deadline=None)


@fast
@given(calendars, instants, durations)
def test_between_measures_exactly_what_add_added(calendar, start, duration):
    assert calendar.between(start, calendar.add(start, duration)) == duration


@fast
@given(calendars, instants, positive_durations)
def test_a_deadline_is_open_time_or_the_end_of_open_time(calendar, start, duration):
    # Never strictly inside a closed period: the instant just before it was open.
    deadline = calendar.add(start, duration)
    assert deadline > start
    assert deadline.tzinfo is UTC
    assert calendar.is_open(deadline - MICRO)


@fast
@given(calendars, instants, instants, durations)
def test_a_later_start_never_gives_an_earlier_deadline(calendar, a, b, duration):
    a, b = sorted([a.astimezone(UTC), b.astimezone(UTC)])
    assert calendar.add(a, duration) <= calendar.add(b, duration)


@fast
@given(calendars, instants, durations, durations)
def test_a_longer_duration_never_gives_an_earlier_deadline(calendar, start, d1, d2):
    d1, d2 = sorted([d1, d2])
    assert calendar.add(start, d1) <= calendar.add(start, d2)


@fast
@given(calendars, instants, positive_durations)
def test_subtracting_what_was_added_gives_the_next_opening(calendar, start, duration):
    # Not `start` itself when it is closed: every instant from `start` to the next opening is
    # the same open time away from the deadline, and subtract answers the latest of them.
    back = calendar.subtract(calendar.add(start, duration), duration)
    assert back == calendar.next_open(start)
    if calendar.is_open(start):
        assert back == start.astimezone(UTC)


@fast
@given(calendars, instants, positive_durations)
def test_adding_what_was_subtracted_gives_the_last_open_instant_up_to_the_end(
    calendar, end, duration
):
    there = calendar.add(calendar.subtract(end, duration), duration)
    assert there <= end
    assert calendar.between(there, end) == timedelta(0)
    assert calendar.is_open(there - MICRO)
    if calendar.is_open(end - MICRO):
        assert there == end.astimezone(UTC)


@fast
@given(calendars, instants, instants, instants)
def test_between_adds_up_over_consecutive_periods(calendar, a, b, c):
    a, b, c = sorted(x.astimezone(UTC) for x in (a, b, c))
    assert calendar.between(a, b) + calendar.between(b, c) == calendar.between(a, c)
    assert calendar.between(a, c) <= c - a
    assert calendar.between(c, a) == timedelta(0)


@fast
@given(calendars, instants, durations)
def test_open_intervals_are_ordered_disjoint_merged_and_inside_the_range(calendar, start, span):
    start = start.astimezone(UTC)
    end = start + span
    intervals = list(calendar.open_intervals(start, end))
    for lo, hi in intervals:
        assert lo.tzinfo is UTC
        assert hi.tzinfo is UTC
        assert start <= lo < hi <= end
        assert calendar.is_open(lo)
        assert calendar.is_open(hi - MICRO)
        assert hi == end or not calendar.is_open(hi)  # merged: a clipped end or a real closing
    for (_, previous_end), (next_start, _) in itertools.pairwise(intervals):
        assert previous_end < next_start  # disjoint and not even touching
    assert sum((hi - lo for lo, hi in intervals), timedelta(0)) == calendar.between(start, end)


@fast
@given(calendars, instants)
def test_next_open_skips_no_open_time(calendar, at):
    opening = calendar.next_open(at)
    assert opening >= at
    assert calendar.is_open(opening)
    assert calendar.between(at, opening) == timedelta(0)
    assert (opening == at.astimezone(UTC)) == calendar.is_open(at)


@fast
@given(calendars, instants, st.integers(min_value=0, max_value=30))
def test_business_days_land_on_open_time_and_only_move_forward(calendar, start, days):
    landed = calendar.add_business_days(start, days)
    assert calendar.is_open(landed)
    assert landed >= calendar.next_open(start)
    assert landed <= calendar.add_business_days(start, days + 1)


@fast
@given(instants, durations)
def test_an_always_open_calendar_is_plain_arithmetic(start, duration):
    always = CALENDARS["paris_always"]
    assert always.add(start, duration) == start.astimezone(UTC) + duration
    assert always.subtract(start, duration) == start.astimezone(UTC) - duration
    assert always.between(start, start.astimezone(UTC) + duration) == duration


@fast
@given(
    calendars,
    instants,
    st.integers(min_value=0, max_value=30),
    st.integers(min_value=0, max_value=86_400 * 3),
)
def test_the_calendar_clock_ignores_the_calendar(calendar, start, days, seconds):
    deadline = add_duration("calendar", calendar, start, Duration(days, seconds))
    assert deadline == start.astimezone(UTC) + timedelta(days=days, seconds=seconds)
