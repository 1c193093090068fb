from datetime import timedelta

import pytest

from guichet.policies.durations import Duration


@pytest.mark.parametrize(
    ("text", "days", "seconds"),
    [
        ("30s", 0, 30),
        ("90min", 0, 5400),
        ("24h", 0, 86400),
        ("5d", 5, 0),
        ("1d12h", 1, 43200),
        ("0s", 0, 0),
    ],
)
def test_parse(text, days, seconds):
    assert Duration.parse(text) == Duration(days, seconds)


@pytest.mark.parametrize("text", ["", "24", "24 hours", "h", "5d5d", "1.5h", "-3h", "3h2x"])
def test_refuses_what_is_not_a_duration(text):
    with pytest.raises(ValueError):
        Duration.parse(text)


def test_days_are_kept_apart_from_hours():
    assert Duration.parse("1d") != Duration.parse("24h")
    assert (
        Duration.parse("1d").as_timedelta()
        == Duration.parse("24h").as_timedelta()
        == timedelta(hours=24)
    )


def test_round_trip():
    for text in ["30s", "5min", "24h", "5d", "1d12h30min"]:
        assert str(Duration.parse(text)) == text
