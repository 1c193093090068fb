"""Business time: opening hours, lunch breaks, closures, the three clocks.

Dates are in June 2026 unless said otherwise: Monday 1 June to Sunday 7 June, no French
public holiday in that week.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from guichet.policies.durations import Duration
from guichet.sla.businesstime import (
    BusinessCalendar,
    CalendarClock,
    add_duration,
    clock_for,
    elapsed,
)

PARIS = ZoneInfo("Europe/Paris")
TORONTO = ZoneInfo("America/Toronto")
H = timedelta(hours=1)

NINE_TO_FIVE = {weekday: [(9 * 60, 17 * 60)] for weekday in range(5)}
WITH_LUNCH = {weekday: [(9 * 60, 12 * 60 + 30), (14 * 60, 17 * 60 + 30)] for weekday in range(5)}
ALWAYS = {weekday: [(0, 24 * 60)] for weekday in range(7)}


def paris(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


@pytest.fixture
def office() -> BusinessCalendar:
    return BusinessCalendar(timezone="Europe/Paris", hours=NINE_TO_FIVE)


@pytest.fixture
def lunch() -> BusinessCalendar:
    return BusinessCalendar(timezone="Europe/Paris", hours=WITH_LUNCH)


@pytest.fixture
def always() -> BusinessCalendar:
    return BusinessCalendar(timezone="Europe/Paris", hours=ALWAYS)


# --- adding open time ---------------------------------------------------------------------------


def test_adding_within_a_day_stays_on_that_day(office):
    assert office.add(paris(6, 1, 10), 3 * H) == paris(6, 1, 13)


def test_adding_past_closing_time_continues_at_the_next_opening(office):
    assert office.add(paris(6, 1, 16), 2 * H) == paris(6, 2, 10)


def test_a_full_days_worth_ends_at_closing_time_not_at_the_next_opening(office):
    deadline = office.add(paris(6, 1, 9), 8 * H)
    assert deadline == paris(6, 1, 17)
    assert not office.is_open(deadline)


def test_friday_afternoon_continues_on_monday(office):
    assert office.add(paris(6, 5, 16), 3 * H) == paris(6, 8, 11)


def test_a_closed_start_counts_from_the_next_opening(office):
    assert office.add(paris(6, 6, 10), H) == paris(6, 8, 10)  # Saturday
    assert office.add(paris(6, 1, 7), H) == paris(6, 1, 10)  # before opening
    assert office.add(paris(6, 1, 19), H) == paris(6, 2, 10)  # after closing


def test_a_zero_duration_gives_the_start_back_even_when_closed(office):
    saturday = paris(6, 6, 10)
    assert office.add(saturday, timedelta(0)) == saturday
    assert office.subtract(saturday, timedelta(0)) == saturday


def test_answers_are_in_utc_whatever_zone_the_question_was_in(office):
    asked_in_toronto = paris(6, 1, 16).astimezone(TORONTO)
    deadline = office.add(asked_in_toronto, 2 * H)
    assert deadline.tzinfo is UTC
    assert deadline == datetime(2026, 6, 2, 8, 0, tzinfo=UTC)  # 10:00 in Paris


def test_a_lunch_break_is_not_counted(lunch):
    assert lunch.add(paris(6, 1, 11, 30), 2 * H) == paris(6, 1, 15)
    assert lunch.between(paris(6, 1, 12), paris(6, 1, 14, 30)) == H
    assert not lunch.is_open(paris(6, 1, 13))


def test_a_deadline_that_uses_up_the_morning_ends_at_the_start_of_lunch(lunch):
    assert lunch.add(paris(6, 1, 9), timedelta(hours=3, minutes=30)) == paris(6, 1, 12, 30)


def test_overlapping_and_touching_intervals_are_joined():
    calendar = BusinessCalendar(
        timezone="Europe/Paris", hours={0: [(14 * 60, 17 * 60), (9 * 60, 12 * 60), (720, 780)]}
    )
    assert calendar.hours[0] == ((9 * 60, 13 * 60), (14 * 60, 17 * 60))
    assert list(calendar.open_intervals(paris(6, 1), paris(6, 2))) == [
        (paris(6, 1, 9), paris(6, 1, 13)),
        (paris(6, 1, 14), paris(6, 1, 17)),
    ]


# --- closures -------------------------------------------------------------------------------


def test_a_closure_is_a_range_of_days_that_are_skipped():
    summer = BusinessCalendar(
        timezone="Europe/Paris",
        hours=NINE_TO_FIVE,
        closures=[(date(2026, 8, 10), date(2026, 8, 14))],
    )
    assert summer.is_holiday(date(2026, 8, 10))
    assert summer.is_holiday(date(2026, 8, 14))  # the end date is closed too
    assert not summer.is_open_day(date(2026, 8, 12))
    assert summer.is_open_day(date(2026, 8, 17))
    assert summer.add(paris(8, 7, 16), 2 * H) == paris(8, 17, 10)
    assert summer.between(paris(8, 7, 9), paris(8, 18, 9)) == 16 * H


# --- a calendar that is always open ---------------------------------------------------------


def test_an_always_open_calendar_has_no_gap_at_midnight(always):
    week = list(always.open_intervals(paris(6, 1), paris(6, 8)))
    assert week == [(paris(6, 1), paris(6, 8))]


@pytest.mark.parametrize("hours", [0.5, 1, 23, 24, 25, 24 * 40 + 0.25])
def test_an_always_open_calendar_adds_like_plain_arithmetic(always, hours):
    start = paris(6, 1, 22, 15).astimezone(UTC)
    assert always.add(start, hours * H) == start + hours * H
    assert always.between(start, start + hours * H) == hours * H
    assert always.subtract(start + hours * H, hours * H) == start


# --- next opening, open intervals, subtracting, counting ------------------------------------


def test_next_open_is_the_instant_itself_when_open(office):
    assert office.next_open(paris(6, 1, 10)) == paris(6, 1, 10)
    assert office.next_open(paris(6, 1, 9)) == paris(6, 1, 9)


def test_next_open_after_closing_time_is_the_next_opening(office):
    # Intervals are [start, end): 17:00 itself is closed.
    assert office.next_open(paris(6, 1, 17)) == paris(6, 2, 9)
    assert office.next_open(paris(6, 6, 12)) == paris(6, 8, 9)


def test_open_intervals_are_clipped_to_the_range_asked(office):
    assert list(office.open_intervals(paris(6, 5, 12), paris(6, 8, 10))) == [
        (paris(6, 5, 12), paris(6, 5, 17)),
        (paris(6, 8, 9), paris(6, 8, 10)),
    ]
    assert list(office.open_intervals(paris(6, 8, 10), paris(6, 5, 12))) == []


def test_subtracting_goes_back_over_the_night(office):
    assert office.subtract(paris(6, 8, 10), 2 * H) == paris(6, 5, 16)


def test_subtracting_lands_on_an_opening_rather_than_the_closing_before_it(office):
    # Friday 17:00 and Monday 09:00 are both 2 business hours before Monday 11:00; the later
    # one is the answer, so a reminder set this way is sent while someone is there.
    assert office.subtract(paris(6, 8, 11), 2 * H) == paris(6, 8, 9)


def test_subtracting_what_was_added_from_a_closed_start_gives_the_next_opening(office):
    saturday = paris(6, 6, 10)
    assert office.subtract(office.add(saturday, H), H) == office.next_open(saturday)


def test_between_counts_only_open_time(office):
    assert office.between(paris(6, 5, 16), paris(6, 8, 10)) == 2 * H
    assert office.between(paris(6, 6, 0), paris(6, 7, 23)) == timedelta(0)


def test_between_is_zero_when_the_end_is_not_after_the_start(office):
    assert office.between(paris(6, 2, 10), paris(6, 1, 10)) == timedelta(0)
    assert office.between(paris(6, 2, 10), paris(6, 2, 10)) == timedelta(0)


def test_between_spans_new_year(office):
    # 31 December 2026 is a Thursday; 1 January 2027 a Friday.
    assert office.between(paris(12, 31, 16), paris(1, 4, 10, year=2027)) == 10 * H  # 1 + 8 + 1


# --- business days --------------------------------------------------------------------------


def test_one_business_day_from_friday_afternoon_is_monday_afternoon(office):
    assert office.add_business_days(paris(6, 5, 16), 1) == paris(6, 8, 16)


def test_business_days_from_a_saturday_count_from_mondays_opening(office):
    assert office.add_business_days(paris(6, 6, 10), 1) == paris(6, 9, 9)
    assert office.add_business_days(paris(6, 6, 10), 0) == paris(6, 8, 9)


def test_business_days_after_closing_time_count_from_the_next_opening(office):
    assert office.add_business_days(paris(6, 5, 18), 1) == paris(6, 9, 9)


def test_five_business_days_is_a_week_later(office):
    assert office.add_business_days(paris(6, 3, 11, 20), 5) == paris(6, 10, 11, 20)


def test_a_business_day_that_lands_after_the_shorter_days_closing_moves_to_the_next_opening():
    # Jamla24's hours: weekdays until 21:00, weekends until 18:00.
    jamla = BusinessCalendar(
        timezone="Africa/Casablanca",
        hours={wd: [(9 * 60, (21 if wd < 5 else 18) * 60)] for wd in range(7)},
    )
    friday_evening = datetime(2026, 6, 5, 20, 0, tzinfo=ZoneInfo("Africa/Casablanca"))
    sunday_opening = datetime(2026, 6, 7, 9, 0, tzinfo=ZoneInfo("Africa/Casablanca"))
    assert jamla.add_business_days(friday_evening, 1) == sunday_opening


def test_a_business_day_that_lands_in_the_lunch_break_moves_to_the_afternoon_opening():
    calendar = BusinessCalendar(
        timezone="Europe/Paris",
        hours={0: [(9 * 60, 17 * 60)], 1: [(9 * 60, 12 * 60), (14 * 60, 17 * 60)]},
    )
    assert calendar.add_business_days(paris(6, 1, 13), 1) == paris(6, 2, 14)


# --- the three clocks -----------------------------------------------------------------------


def test_the_business_days_clock_counts_whole_open_days(office):
    days = office.whole_days()
    assert [days.hours[weekday] for weekday in range(7)] == [((0, 1440),)] * 5 + [()] * 2
    assert office.whole_days() is days  # built once, caches kept


def test_24_business_day_hours_from_friday_afternoon_end_on_monday_afternoon(office):
    # Friday 15:00–24:00 counts 9 hours, Monday 00:00–15:00 the other 15.
    deadline = add_duration("business_days", office, paris(6, 5, 15), Duration.parse("24h"))
    assert deadline == paris(6, 8, 15)


def test_24_business_day_hours_from_a_saturday_start_on_monday_at_midnight(office):
    deadline = add_duration("business_days", office, paris(6, 6, 10), Duration.parse("24h"))
    assert deadline == paris(6, 9, 0)


def test_the_whole_days_clock_keeps_holidays_and_closures():
    calendar = BusinessCalendar(
        timezone="Europe/Paris", hours=NINE_TO_FIVE, closures=[(date(2026, 6, 8), date(2026, 6, 8))]
    )
    deadline = add_duration("business_days", calendar, paris(6, 5, 15), Duration.parse("24h"))
    assert deadline == paris(6, 9, 15)


def test_business_hours_days_then_hours(office):
    deadline = add_duration("business_hours", office, paris(6, 5, 15), Duration.parse("1d3h"))
    assert deadline == paris(6, 9, 10)  # Monday 15:00, then 2 hours Monday and 1 Tuesday


def test_the_calendar_clock_is_absolute_time(office):
    start = paris(3, 28, 12)  # the night before the clocks go forward
    deadline = add_duration("calendar", office, start, Duration.parse("1d2h"))
    # In UTC: adding to a datetime in a zone would move its wall clock, not the instant.
    assert deadline == start.astimezone(UTC) + timedelta(hours=26)
    assert deadline == paris(3, 29, 15)  # 14:00 on the wall clock plus the lost hour


@pytest.mark.parametrize("kind", ["calendar", "business_hours", "business_days"])
def test_a_zero_duration_is_the_start_on_every_clock(office, kind):
    saturday = paris(6, 6, 10)
    assert add_duration(kind, office, saturday, Duration()) == saturday


def test_elapsed_time_depends_on_the_clock(office):
    a, b = paris(6, 5, 16), paris(6, 8, 10)
    assert elapsed("calendar", office, a, b) == 66 * H
    assert elapsed("business_hours", office, a, b) == 2 * H
    assert elapsed("business_days", office, a, b) == 8 * H + 10 * H


def test_clock_for_picks_the_clock(office):
    assert isinstance(clock_for("calendar", office), CalendarClock)
    assert clock_for("business_hours", office) is office
    assert clock_for("business_days", office) is office.whole_days()


def test_the_calendar_clock_is_always_open():
    clock = CalendarClock()
    at = paris(6, 6, 3)
    assert clock.is_open(at)
    assert clock.is_open_day(date(2026, 12, 25))
    assert not clock.is_holiday(date(2026, 12, 25))
    assert clock.next_open(at) == at
    assert clock.next_open(at).tzinfo is UTC
    assert clock.add(at, 5 * H) == at + 5 * H
    assert clock.subtract(at, 5 * H) == at - 5 * H
    assert clock.between(at, at + 5 * H) == 5 * H
    assert clock.between(at + 5 * H, at) == timedelta(0)
    assert list(clock.open_intervals(at, at + H)) == [(at, at + H)]
    assert clock.add_business_days(paris(3, 28, 12), 1) == paris(3, 29, 13)  # 24 real hours


# --- refusals -------------------------------------------------------------------------------


def test_naive_datetimes_are_refused(office):
    naive = datetime(2026, 6, 1, 10)
    aware = paris(6, 1, 10)
    for call in [
        lambda: office.is_open(naive),
        lambda: office.next_open(naive),
        lambda: office.add(naive, H),
        lambda: office.subtract(naive, H),
        lambda: office.between(naive, aware),
        lambda: office.between(aware, naive),
        lambda: list(office.open_intervals(naive, aware)),
        lambda: office.add_business_days(naive, 1),
        lambda: add_duration("calendar", office, naive, Duration.parse("1h")),
        lambda: CalendarClock().add(naive, H),
        lambda: CalendarClock().between(aware, naive),
    ]:
        with pytest.raises(ValueError, match="timezone-aware"):
            call()


def test_negative_durations_are_refused(office):
    with pytest.raises(ValueError, match="negative"):
        office.add(paris(6, 1, 10), -H)
    with pytest.raises(ValueError, match="negative"):
        office.subtract(paris(6, 1, 10), -H)
    with pytest.raises(ValueError, match="negative"):
        office.add_business_days(paris(6, 1, 10), -1)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timezone": "Europe/Pariss"},
        {"hours": {0: [(600, 540)]}},
        {"hours": {0: [(0, 1441)]}},
        {"hours": {7: [(540, 600)]}},
        {"closures": [(date(2026, 8, 14), date(2026, 8, 10))]},
        {"holiday_country": "XX"},
        {"holiday_country": "FR", "holiday_subdivision": "Atlantis"},
        {"holiday_subdivision": "57"},
    ],
)
def test_an_impossible_calendar_is_refused(kwargs):
    with pytest.raises(ValueError):
        BusinessCalendar(**{"timezone": "Europe/Paris", "hours": NINE_TO_FIVE, **kwargs})


def test_a_calendar_with_no_opening_hours_raises_rather_than_looping():
    never = BusinessCalendar(timezone="Europe/Paris", hours={})
    assert not never.is_open(paris(6, 1, 10))
    assert never.between(paris(6, 1), paris(7, 1)) == timedelta(0)
    assert list(never.open_intervals(paris(6, 1), paris(7, 1))) == []
    for call in [
        lambda: never.add(paris(6, 1), H),
        lambda: never.subtract(paris(6, 1), H),
        lambda: never.next_open(paris(6, 1)),
        lambda: never.add_business_days(paris(6, 1), 1),
    ]:
        with pytest.raises(ValueError, match="no open"):
            call()


def test_a_calendar_closed_for_years_raises_rather_than_looping():
    closed = BusinessCalendar(
        timezone="Europe/Paris",
        hours=NINE_TO_FIVE,
        closures=[(date(2026, 1, 1), date(2035, 12, 31))],
    )
    with pytest.raises(ValueError, match="no open"):
        closed.add(paris(6, 1), H)
    # Open time that exists further than the guard looks is still found from nearer.
    assert closed.add(paris(6, 1, year=2034), H) == paris(1, 1, 10, year=2036)
