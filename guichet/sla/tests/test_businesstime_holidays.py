"""Public holidays and the preset brands' calendars, read from their policy files.

Expected instants are in UTC; the comments give the brand's local time.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from guichet.policies.durations import Duration
from guichet.policies.loader import parse_policy
from guichet.policies.schema import (
    CalendarSection,
    Closure,
    HolidaySource,
    LocalText,
    WeekHours,
)
from guichet.sla.businesstime import BusinessCalendar, add_duration

H = timedelta(hours=1)


def preset_calendar(slug: str) -> CalendarSection:
    text = (settings.GUICHET_PRESETS_DIR / f"{slug}.toml").read_text(encoding="utf-8")
    return parse_policy(text, f"{slug}.toml").calendar


def utc(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def local(zone: str, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=ZoneInfo(zone))


# --- France (Respect: Paris, 09:00–12:30 and 14:00–17:30, FR holidays) ---------------------


@pytest.fixture(scope="module")
def respect() -> BusinessCalendar:
    return BusinessCalendar.from_policy(preset_calendar("respect"))


@pytest.mark.parametrize("day", [date(2026, 5, 1), date(2026, 5, 8), date(2026, 7, 14)])
def test_french_public_holidays_are_closed(respect, day):
    assert respect.is_holiday(day)
    assert not respect.is_open_day(day)


def test_an_ordinary_french_weekday_is_open(respect):
    assert not respect.is_holiday(date(2026, 7, 13))
    assert respect.is_open_day(date(2026, 7, 13))


def test_a_deadline_skips_labour_day(respect):
    thursday_4pm = local("Europe/Paris", 4, 30, 16)  # 1½ hours left on Thursday
    assert respect.add(thursday_4pm, 2 * H) == utc(5, 4, 7, 30)  # Monday 09:30


def test_a_deadline_skips_victory_day(respect):
    thursday_4pm = local("Europe/Paris", 5, 7, 16)
    assert respect.add(thursday_4pm, 2 * H) == utc(5, 11, 7, 30)  # Monday 09:30


def test_a_deadline_skips_bastille_day(respect):
    monday_4pm = local("Europe/Paris", 7, 13, 16)
    assert respect.add(monday_4pm, 2 * H) == utc(7, 15, 7, 30)  # Wednesday 09:30


def test_business_days_skip_a_holiday(respect):
    assert respect.add_business_days(local("Europe/Paris", 4, 30, 16), 1) == utc(5, 4, 14)
    assert respect.add_business_days(local("Europe/Paris", 5, 7, 11), 2) == utc(5, 12, 9)


def test_a_subdivision_adds_its_own_holidays():
    # Good Friday is a holiday in Alsace-Moselle (Moselle is 57), not in the rest of France.
    hours = {weekday: [(9 * 60, 17 * 60)] for weekday in range(5)}
    france = BusinessCalendar(timezone="Europe/Paris", hours=hours, holiday_country="FR")
    moselle = BusinessCalendar(
        timezone="Europe/Paris", hours=hours, holiday_country="FR", holiday_subdivision="57"
    )
    good_friday = date(2026, 4, 3)
    assert not france.is_holiday(good_friday)
    assert moselle.is_holiday(good_friday)


# --- Jamaica (EJ: Monday–Friday 09:00–17:00, JM holidays, UTC-5 all year) ------------------


@pytest.fixture(scope="module")
def ej() -> BusinessCalendar:
    return BusinessCalendar.from_policy(preset_calendar("ej"))


def test_jamaican_holidays_include_observed_days(ej):
    assert ej.is_holiday(date(2026, 2, 18))  # Ash Wednesday
    assert ej.is_holiday(date(2026, 5, 25))  # Labour Day, observed on the Monday
    assert ej.is_holiday(date(2026, 10, 19))  # National Heroes Day


def test_a_jamaican_deadline_skips_national_heroes_day(ej):
    friday_4pm = local("America/Jamaica", 10, 16, 16)
    assert ej.add(friday_4pm, 2 * H) == utc(10, 20, 15)  # Tuesday 10:00


def test_ejs_five_business_days_answer_skips_the_holiday(ej):
    # The full written answer: "5d" on the business_days clock. Friday 10:00–24:00 is 14 hours,
    # Monday 19 is a holiday, Tuesday to Friday 96 hours, Monday 26 the last 10.
    friday_10am = local("America/Jamaica", 10, 16, 10)
    five_days = Duration.parse("5d")
    assert add_duration("business_days", ej, friday_10am, five_days) == utc(10, 26, 15)
    assert add_duration("business_hours", ej, friday_10am, five_days) == utc(10, 26, 15)


def test_one_jamaican_business_day_skips_independence_day(ej):
    wednesday_11am = local("America/Jamaica", 8, 5, 11)
    assert ej.add_business_days(wednesday_11am, 1) == utc(8, 7, 16)  # Friday 11:00


# --- Côte d'Ivoire (Ivoire Toner: Monday–Friday 08:00–18:00, CI holidays, UTC) --------------


@pytest.fixture(scope="module")
def ivoire() -> BusinessCalendar:
    return BusinessCalendar.from_policy(preset_calendar("ivoire-toner"))


def test_ivorian_holidays(ivoire):
    assert ivoire.is_holiday(date(2026, 5, 14))  # Ascension
    assert ivoire.is_holiday(date(2026, 8, 7))  # Fête nationale
    assert not ivoire.is_holiday(date(2026, 8, 6))


def test_24_hours_except_weekends_and_holidays_skips_ascension(ivoire):
    # "24 heures (hors weekends et jours fériés)": Wednesday 10:00–24:00, then Friday 00:00–10:00.
    wednesday_10am = local("Africa/Abidjan", 5, 13, 10)
    deadline = add_duration("business_days", ivoire, wednesday_10am, Duration.parse("24h"))
    assert deadline == utc(5, 15, 10)


def test_24_hours_except_weekends_from_friday_afternoon_is_monday_afternoon(ivoire):
    friday_3pm = local("Africa/Abidjan", 6, 5, 15)
    deadline = add_duration("business_days", ivoire, friday_3pm, Duration.parse("24h"))
    assert deadline == utc(6, 8, 15)


def test_24_hours_except_weekends_from_saturday_ends_when_monday_does(ivoire):
    saturday_10am = local("Africa/Abidjan", 6, 6, 10)
    deadline = add_duration("business_days", ivoire, saturday_10am, Duration.parse("24h"))
    assert deadline == utc(6, 9, 0)  # Monday 24:00, which is Tuesday 00:00


# --- Morocco (Jamla24: Casablanca, MA holidays) ---------------------------------------------


def test_jamla24_first_answer_skips_eid_and_lands_after_ramadans_offset_ends():
    jamla24 = BusinessCalendar.from_policy(preset_calendar("jamla24"))
    assert jamla24.is_holiday(date(2026, 3, 20))  # Eid al-Fitr (estimated by the package)
    assert jamla24.is_holiday(date(2026, 3, 21))
    thursday_8pm = local("Africa/Casablanca", 3, 19, 20)  # UTC+0 during Ramadan
    deadline = add_duration("business_hours", jamla24, thursday_8pm, Duration.parse("2h"))
    assert deadline == utc(3, 22, 9)  # Sunday 10:00 at UTC+1


# --- Ontario (Jive) and calendars built from a policy section ------------------------------


def test_a_provinces_holidays_come_from_the_policy_subdivision():
    jive = BusinessCalendar.from_policy(preset_calendar("jive"))
    assert jive.holiday_subdivision == "ON"
    assert jive.is_holiday(date(2026, 2, 16))  # Family Day, an Ontario holiday


def test_a_channels_own_hours_replace_the_brands_but_keep_its_holidays():
    section = CalendarSection(
        timezone="Europe/Paris",
        holidays=HolidaySource(country="FR"),
        hours=WeekHours(mon=["09:00-17:00"]),
        closures=[
            Closure(
                start=date(2026, 12, 24),
                end=date(2026, 12, 31),
                reason=LocalText({"fr": "Fermeture annuelle", "en": "Annual closure"}),
            )
        ],
    )
    chat = BusinessCalendar.from_policy(section, hours=WeekHours(sat=["10:00-12:00"]))
    assert not chat.is_open(local("Europe/Paris", 6, 1, 10))  # a Monday
    assert chat.is_open(local("Europe/Paris", 6, 6, 10))  # a Saturday
    assert not chat.is_open_day(date(2026, 8, 15))  # Assumption, a Saturday in 2026
    assert not chat.is_open_day(date(2026, 12, 26))  # the annual closure
    # Saturday 19 December 11:00–12:00, then (26 December is closed) Saturday 2 January 2027
    # 10:00–11:00 CET.
    deadline = chat.add(local("Europe/Paris", 12, 19, 11), 2 * H)
    assert deadline == datetime(2027, 1, 2, 10, 0, tzinfo=UTC)
