"""Business time across clock changes: Paris, Toronto, and Casablanca's Ramadan offset.

Expected instants are written in UTC so the test cannot fall into the trap it checks:
adding a timedelta to a datetime in a zone moves its wall clock, not the instant.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from guichet.sla.businesstime import BusinessCalendar

PARIS = ZoneInfo("Europe/Paris")
TORONTO = ZoneInfo("America/Toronto")
CASABLANCA = ZoneInfo("Africa/Casablanca")
H = timedelta(hours=1)

NINE_TO_FIVE = {weekday: [(9 * 60, 17 * 60)] for weekday in range(5)}
ALWAYS = {weekday: [(0, 24 * 60)] for weekday in range(7)}
# Jamla24: "Lundi - Vendredi: 9:00 - 21:00 Samedi - Dimanche 9:00 - 18:00"
JAMLA24 = {weekday: [(9 * 60, (21 if weekday < 5 else 18) * 60)] for weekday in range(7)}


def utc(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def local(zone: ZoneInfo, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=zone)


def length(intervals: list[tuple[datetime, datetime]]) -> timedelta:
    return sum((end - start for start, end in intervals), timedelta(0))


# --- Europe/Paris: 29 March 2026 02:00 → 03:00, 25 October 2026 03:00 → 02:00 -------------


@pytest.fixture
def paris_office() -> BusinessCalendar:
    return BusinessCalendar(timezone="Europe/Paris", hours=NINE_TO_FIVE)


@pytest.fixture
def paris_always() -> BusinessCalendar:
    return BusinessCalendar(timezone="Europe/Paris", hours=ALWAYS)


def test_paris_business_hours_across_spring_forward(paris_office):
    friday_4pm = local(PARIS, 3, 27, 16)  # 15:00 UTC
    deadline = paris_office.add(friday_4pm, 2 * H)
    assert deadline == utc(3, 30, 8)  # Monday 10:00, now UTC+2
    assert paris_office.between(friday_4pm, deadline) == 2 * H


def test_paris_business_hours_across_fall_back(paris_office):
    friday_4pm = local(PARIS, 10, 23, 16)  # 14:00 UTC
    deadline = paris_office.add(friday_4pm, 2 * H)
    assert deadline == utc(10, 26, 9)  # Monday 10:00, now UTC+1
    assert paris_office.between(friday_4pm, deadline) == 2 * H


def test_paris_opening_stays_at_nine_local_on_both_sides_of_the_change(paris_office):
    assert paris_office.next_open(local(PARIS, 3, 28)) == utc(3, 30, 7)
    assert paris_office.next_open(local(PARIS, 3, 26, 18)) == utc(3, 27, 8)


def test_paris_always_open_adds_real_hours_across_spring_forward(paris_always):
    saturday_noon = local(PARIS, 3, 28, 12)  # 11:00 UTC
    assert paris_always.add(saturday_noon, 24 * H) == utc(3, 29, 11)  # 13:00 on the wall clock


def test_paris_always_open_adds_real_hours_across_fall_back(paris_always):
    saturday_noon = local(PARIS, 10, 24, 12)  # 10:00 UTC
    assert paris_always.add(saturday_noon, 24 * H) == utc(10, 25, 10)  # 11:00 on the wall clock


def test_paris_a_whole_day_lasts_23_hours_in_spring_and_25_in_autumn(paris_always):
    assert paris_always.between(local(PARIS, 3, 29), local(PARIS, 3, 30)) == 23 * H
    assert paris_always.between(local(PARIS, 10, 25), local(PARIS, 10, 26)) == 25 * H
    assert paris_always.between(local(PARIS, 3, 23), local(PARIS, 4, 6)) == 14 * 24 * H - H


def test_paris_always_open_has_no_gap_at_the_change(paris_always):
    intervals = list(paris_always.open_intervals(local(PARIS, 10, 24), local(PARIS, 10, 27)))
    assert intervals == [(utc(10, 23, 22), utc(10, 26, 23))]


def test_paris_sunday_only_business_days_count_the_real_length_of_the_day():
    sundays = BusinessCalendar(timezone="Europe/Paris", hours={6: [(0, 24 * 60)]})
    spring = list(sundays.open_intervals(local(PARIS, 3, 27), local(PARIS, 3, 31)))
    autumn = list(sundays.open_intervals(local(PARIS, 10, 23), local(PARIS, 10, 27)))
    assert spring == [(utc(3, 28, 23), utc(3, 29, 22))]
    assert autumn == [(utc(10, 24, 22), utc(10, 25, 23))]
    assert length(spring) == 23 * H
    assert length(autumn) == 25 * H


def test_paris_an_interval_starting_in_the_missing_hour_starts_at_the_change():
    night = BusinessCalendar(timezone="Europe/Paris", hours={6: [(2 * 60 + 30, 4 * 60)]})
    intervals = list(night.open_intervals(local(PARIS, 3, 29), local(PARIS, 3, 30)))
    assert intervals == [(utc(3, 29, 1), utc(3, 29, 2))]  # 03:00 to 04:00 CEST


def test_paris_an_interval_ending_in_the_missing_hour_ends_at_the_change():
    night = BusinessCalendar(timezone="Europe/Paris", hours={6: [(60, 2 * 60 + 30)]})
    intervals = list(night.open_intervals(local(PARIS, 3, 29), local(PARIS, 3, 30)))
    assert intervals == [(utc(3, 29, 0), utc(3, 29, 1))]  # 01:00 CET to the jump


def test_paris_an_interval_inside_the_missing_hour_has_no_open_time():
    night = BusinessCalendar(timezone="Europe/Paris", hours={6: [(2 * 60 + 15, 2 * 60 + 45)]})
    assert list(night.open_intervals(local(PARIS, 3, 29), local(PARIS, 3, 30))) == []
    assert night.is_open_day(date(2026, 3, 29))  # the day is open; its hours did not exist
    half_hour = timedelta(minutes=30)
    assert night.add(local(PARIS, 3, 28), half_hour) == utc(4, 5, 0, 45)  # the next Sunday


def test_paris_an_interval_over_the_repeated_hour_counts_it_twice():
    night = BusinessCalendar(timezone="Europe/Paris", hours={6: [(90, 2 * 60 + 30)]})
    intervals = list(night.open_intervals(local(PARIS, 10, 25), local(PARIS, 10, 26)))
    # 01:30 CEST to the second 02:30 (CET): two real hours for one hour of wall clock.
    assert intervals == [(utc(10, 24, 23, 30), utc(10, 25, 1, 30))]


def test_paris_business_days_across_the_change_keep_the_local_time(paris_office):
    friday_4pm = local(PARIS, 3, 27, 16)
    assert paris_office.add_business_days(friday_4pm, 1) == utc(3, 30, 14)  # 16:00 CEST


# --- America/Toronto: 8 March 2026 02:00 → 03:00, 1 November 2026 02:00 → 01:00 ----------


@pytest.fixture
def toronto_office() -> BusinessCalendar:
    return BusinessCalendar(timezone="America/Toronto", hours=NINE_TO_FIVE)


@pytest.fixture
def toronto_always() -> BusinessCalendar:
    return BusinessCalendar(timezone="America/Toronto", hours=ALWAYS)


def test_toronto_business_hours_across_spring_forward(toronto_office):
    friday_4pm = local(TORONTO, 3, 6, 16)  # 21:00 UTC
    deadline = toronto_office.add(friday_4pm, 2 * H)
    assert deadline == utc(3, 9, 14)  # Monday 10:00 EDT
    assert toronto_office.between(friday_4pm, deadline) == 2 * H


def test_toronto_business_hours_across_fall_back(toronto_office):
    friday_4pm = local(TORONTO, 10, 30, 16)  # 20:00 UTC
    deadline = toronto_office.add(friday_4pm, 2 * H)
    assert deadline == utc(11, 2, 15)  # Monday 10:00 EST
    assert toronto_office.between(friday_4pm, deadline) == 2 * H


def test_toronto_always_open_across_the_changes(toronto_always):
    assert toronto_always.between(local(TORONTO, 3, 7, 12), local(TORONTO, 3, 8, 12)) == 23 * H
    assert toronto_always.between(local(TORONTO, 10, 31, 12), local(TORONTO, 11, 1, 12)) == 25 * H
    saturday_10pm = local(TORONTO, 3, 7, 22)  # 03:00 UTC on the 8th
    assert toronto_always.add(saturday_10pm, 6 * H) == utc(3, 8, 9)  # 05:00 EDT


def test_toronto_an_interval_across_the_missing_hour_starts_at_the_change():
    night = BusinessCalendar(timezone="America/Toronto", hours={6: [(150, 210)]})
    intervals = list(night.open_intervals(local(TORONTO, 3, 8), local(TORONTO, 3, 9)))
    assert intervals == [(utc(3, 8, 7), utc(3, 8, 7, 30))]  # 03:00 to 03:30 EDT


# --- Africa/Casablanca: +01:00 suspended for Ramadan, 15 February to 22 March 2026 ---------


@pytest.fixture
def jamla24() -> BusinessCalendar:
    return BusinessCalendar(timezone="Africa/Casablanca", hours=JAMLA24)


def test_casablanca_runs_on_utc_during_ramadan_2026():
    # What the time-zone database says; the tests below depend on it.
    assert local(CASABLANCA, 2, 14, 12).utcoffset() == H
    assert local(CASABLANCA, 2, 15, 12).utcoffset() == timedelta(0)
    assert local(CASABLANCA, 3, 21, 12).utcoffset() == timedelta(0)
    assert local(CASABLANCA, 3, 22, 12).utcoffset() == H


def test_casablanca_opening_moves_an_hour_in_utc_when_ramadan_starts(jamla24):
    intervals = list(jamla24.open_intervals(utc(2, 14), utc(2, 16)))
    assert intervals == [(utc(2, 14, 8), utc(2, 14, 17)), (utc(2, 15, 9), utc(2, 15, 18))]


def test_casablanca_business_hours_across_the_start_of_ramadan(jamla24):
    saturday_5pm = local(CASABLANCA, 2, 14, 17)  # 16:00 UTC, an hour before closing
    deadline = jamla24.add(saturday_5pm, 2 * H)
    assert deadline == utc(2, 15, 10)  # Sunday 10:00, now UTC+0
    assert jamla24.between(saturday_5pm, deadline) == 2 * H
    assert deadline - saturday_5pm == 18 * H


def test_casablanca_business_hours_across_the_end_of_ramadan(jamla24):
    saturday_5pm = local(CASABLANCA, 3, 21, 17)  # 17:00 UTC
    deadline = jamla24.add(saturday_5pm, 2 * H)
    assert deadline == utc(3, 22, 9)  # Sunday 10:00, UTC+1 again
    assert deadline - saturday_5pm == 16 * H


def test_casablanca_whole_days_on_the_changes_last_25_and_23_hours(jamla24):
    days = jamla24.whole_days()
    assert days.between(local(CASABLANCA, 2, 15), local(CASABLANCA, 2, 16)) == 25 * H
    assert days.between(local(CASABLANCA, 3, 22), local(CASABLANCA, 3, 23)) == 23 * H


def test_casablanca_business_days_keep_the_local_time_across_ramadan(jamla24):
    thursday_10am = local(CASABLANCA, 2, 12, 10)  # 09:00 UTC
    assert jamla24.add_business_days(thursday_10am, 7) == utc(2, 19, 10)  # 10:00 at UTC+0
