"""RP-1's "phone answered within 30 s" (Ivoire Toner: `answer_within = "30s"` on its phone
channel), counted from the telephony's calls: inbound calls of the brand begun in the period
(days in the brand's time zone), answered within the target, later, or missed; hand-computed
expectations, the clock moved to each event."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import translation

from guichet.brands.models import Brand
from guichet.brands.services import policy_publish
from guichet.conftest import PRESETS, World
from guichet.lib import clock
from guichet.reports import figures
from guichet.reports.scope import Scope
from guichet.telephony import services

pytestmark = pytest.mark.django_db


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def reported(
    frozen: clock.FrozenClock,
    brand: Brand,
    call_id: str,
    start: datetime,
    *,
    answer_after: int | None = None,
    end_after: int | None = 60,
    direction: str = "in",
    cause: str = "normalClearing",
) -> None:
    """A call as the telephone system reports it, each event when the clock says so."""
    frozen.set(start)
    services.call_ring(
        brand=brand,
        external_id=call_id,
        direction=direction,
        from_number="+18765550101",
        to_number="+18760000000",
        at=clock.now(),
    )
    if answer_after is not None:
        frozen.advance(seconds=answer_after)
        services.call_answer(brand=brand, external_id=call_id, at=clock.now())
    if end_after is not None:
        frozen.set(start + timedelta(seconds=end_after))
        services.call_hangup(brand=brand, external_id=call_id, at=clock.now(), cause=cause)


@pytest.fixture
def november(world: World, frozen_clock: clock.FrozenClock) -> World:
    """EJ's calls (Kingston, UTC−5; no `answer_within`: 30 s), by hand:

    | call | began (UTC) | in Kingston | answered after | counted in November |
    |---|---|---|---|---|
    | c1 | 10 Nov 15:00 | 10 Nov | 10 s | within |
    | c2 | 10 Nov 16:00 | 10 Nov | 30 s | within (30 s is within 30 s) |
    | c3 | 11 Nov 14:00 | 11 Nov | 31 s | later |
    | c4 | 12 Nov 14:00 | 12 Nov | never (hung up at 50 s) | missed |
    | c5 | 12 Nov 15:00 | 12 Nov | 40 s, outbound | no: outbound |
    | c6 | 1 Dec 03:00 | 30 Nov 22:00 | 5 s | within |
    | c7 | 1 Nov 04:00 | 31 Oct 23:00 | 90 s | no: October |
    | c8 | 20 Nov 14:00 | 20 Nov | rings still | no: not over |
    | d1 | 13 Nov 14:00 | 13 Nov | logged by hand, wait unknown | no: unmeasured |
    | d2 | 13 Nov 15:00 | 13 Nov | logged by hand, waited 45 s | later |
    | j1 | 10 Nov 15:00 | Jamla24's | 5 s | no: another brand |

    November: 6 counted, 3 within (50 %), 2 later, 1 missed; 1 unmeasured."""
    ej = world.ej
    reported(frozen_clock, ej, "c1", at(10, 15), answer_after=10)
    reported(frozen_clock, ej, "c2", at(10, 16), answer_after=30)
    reported(frozen_clock, ej, "c3", at(11, 14), answer_after=31)
    reported(frozen_clock, ej, "c4", at(12, 14), end_after=50, cause="cancel")
    reported(frozen_clock, ej, "c5", at(12, 15), answer_after=40, direction="out")
    reported(frozen_clock, ej, "c7", at(1, 4), answer_after=90)
    reported(frozen_clock, ej, "c8", at(20, 14), end_after=None)
    reported(frozen_clock, world.jamla, "j1", at(10, 15), answer_after=5)
    frozen_clock.set(at(13, 16))
    for started, wait in ((at(13, 14), None), (at(13, 15), 45)):
        services.call_log(
            brand=ej,
            actor=world.agent,
            direction="in",
            started_at=started,
            outcome="answered",
            wait_s=wait,
            duration_s=120,
        )
    reported(frozen_clock, ej, "c6", at(1, 3, month=12), answer_after=5)
    return world


def test_calls_are_counted_within_the_target_later_and_missed(november: World) -> None:
    with translation.override("en"):
        figure = figures.phone_answered_within(Scope.month(november.ej, date(2026, 11, 1)))
    assert figure.title == "Calls answered within 30 s"
    assert figure.headers == [
        "Inbound calls",
        "Answered within 30 s",
        "Answered later",
        "Missed",
        "Answered in time",
        "Target",
    ]
    [row] = figure.rows
    assert [cell.value for cell in row] == [6, 3, 2, 1, 50.0, 30]
    assert [cell.text for cell in row] == ["6", "3", "2", "1", "50%", "30 s"]
    assert all(cell.link is None for cell in row)  # calls, not tickets
    assert figure.summary == "50% answered within 30 s"
    assert "1 call without a known waiting time is not counted." in figure.note


def test_the_period_is_days_in_the_brands_time_zone(november: World) -> None:
    october = figures.phone_answered_within(Scope.month(november.ej, date(2026, 10, 1)))
    assert [cell.value for cell in october.rows[0]][:4] == [1, 0, 1, 0]  # c7, 90 s
    days = Scope(brand=november.ej, start=date(2026, 11, 10), end=date(2026, 11, 11))
    assert [cell.value for cell in figures.phone_answered_within(days).rows[0]][:4] == [2, 2, 0, 0]


def test_the_policys_answer_within_is_the_target(november: World) -> None:
    text = (PRESETS / "ej.toml").read_text(encoding="utf-8")
    longer = text.replace(
        'phone = "+1 876 000 0000"\n', 'phone = "+1 876 000 0000"\nanswer_within = "1min"\n'
    )
    assert longer != text
    brand = policy_publish(text=longer, source="test").brand
    with translation.override("en"):
        figure = figures.phone_answered_within(Scope.month(brand, date(2026, 11, 1)))
    assert figure.title == "Calls answered within 60 s"
    # c3 (31 s) and d2 (45 s) are within a minute now.
    assert [cell.value for cell in figure.rows[0]] == [6, 5, 0, 1, 83.3, 60]


def test_filters_of_tickets_do_not_apply_to_calls_and_another_channel_has_none(
    november: World,
) -> None:
    with translation.override("en"):
        by_team = figures.phone_answered_within(
            Scope.month(november.ej, date(2026, 11, 1), team=1, category="billing")
        )
        email = figures.phone_answered_within(
            Scope.month(november.ej, date(2026, 11, 1), channel="email")
        )
        phone = figures.phone_answered_within(
            Scope.month(november.ej, date(2026, 11, 1), channel="phone")
        )
    assert [cell.value for cell in by_team.rows[0]][:4] == [6, 3, 2, 1]
    assert "The team, category, type and level filters do not apply to calls." in by_team.note
    assert email.rows == [] and email.empty.startswith("No data")
    assert [cell.value for cell in phone.rows[0]][:4] == [6, 3, 2, 1]


def test_no_call_is_no_data_not_zero(world: World) -> None:
    with translation.override("fr"):
        figure = figures.phone_answered_within(Scope.month(world.ej, date(2026, 11, 1)))
    assert figure.rows == [] and figure.empty  # "no data", in French
    assert figure.title == "Appels décrochés en 30 s"


def test_the_figure_reads_in_french(november: World) -> None:
    with translation.override("fr"):
        figure = figures.phone_answered_within(Scope.month(november.ej, date(2026, 11, 1)))
    assert figure.summary == "50\u00a0% décrochés en 30 s"
    assert figure.headers[0] == "Appels entrants"
