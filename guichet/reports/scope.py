"""What a report is about: a brand, a period of days in the brand's time zone, and filters
(team, channel, category, contact type, level). The figures read the read model through a
scope, and a figure's link to the tickets behind it is the scope's parameters plus what the
figure counts (`behind`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.reports.models import ChatFact, DeadlineFact, LevelFact, Tally, TicketFact

if TYPE_CHECKING:
    from guichet.brands.models import Brand
    from guichet.policies.schema import Policy

FILTERS = ("team", "channel", "category", "contact_type", "level")
# The value of a filter that asks for tickets without one (a figure's row "(none)").
NONE = "-"
T = TypeVar("T")
EARLIEST, LATEST = date(1970, 1, 1), date(3000, 1, 1)


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


@dataclass(frozen=True)
class Scope:
    brand: Brand
    start: date  # the first day, in the brand's time zone
    end: date  # the day after the last
    team: int | None = None
    channel: str = ""
    category: str = ""
    contact_type: str = ""
    level: int | None = None
    # What a page computes once for several of its figures and charts (`memo`): each new
    # scope, `replace`d ones too, starts empty.
    _memo: dict[str, Any] = field(
        default_factory=dict, init=False, compare=False, hash=False, repr=False
    )

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """`compute()` once for this scope (the rows of a query two figures read)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]  # type: ignore[no-any-return,unused-ignore]

    def memoised(self, key: str) -> bool:
        return key in self._memo

    # --- making one ---------------------------------------------------------------------
    @classmethod
    def month(cls, brand: Brand, day: date, **filters: Any) -> Scope:
        first = month_of(day)
        return cls(brand=brand, start=first, end=next_month(first), **filters)

    @classmethod
    def from_params(cls, brand: Brand, params: Any) -> Scope:
        """A scope from a request's query (?start=2026-11-01&end=2026-12-01&channel=email or
        ?month=2026-11 or ?period=30d|month|quarter|year). Bad values are a clear error."""
        today = clock.now().astimezone(ZoneInfo(brand.get_policy().calendar.timezone)).date()
        period = params.get("period") or ""
        if params.get("month"):
            try:
                year, number = (int(x) for x in str(params["month"]).split("-"))
                start = date(year, number, 1)
                end = next_month(start)
            except (ValueError, OverflowError) as error:
                raise InvalidRequest("month: YYYY-MM", code="month") from error
        elif params.get("start") or params.get("end"):
            try:
                start = date.fromisoformat(str(params.get("start") or today - timedelta(days=30)))
                end = date.fromisoformat(str(params.get("end") or today + timedelta(days=1)))
            except ValueError as error:
                raise InvalidRequest("start, end: YYYY-MM-DD", code="dates") from error
        elif period == "year":
            start, end = today.replace(month=1, day=1), today + timedelta(days=1)
        elif period == "quarter":
            start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
            end = today + timedelta(days=1)
        elif period == "30d":
            start, end = today - timedelta(days=29), today + timedelta(days=1)
        elif period == "12m":
            start, end = next_month(today.replace(year=today.year - 1)), today + timedelta(days=1)
        else:
            start, end = month_of(today), today + timedelta(days=1)
        if end <= start:
            raise InvalidRequest("the period ends before it starts", code="dates")
        if start < EARLIEST or end > LATEST:
            # Beyond, a day's midnight in the brand's time zone may not be a datetime.
            raise InvalidRequest("a period from 1970 to 2999", code="dates")
        if (end - start).days > 366 * 5:
            raise InvalidRequest("a period of five years at most", code="dates")
        filters: dict[str, Any] = {}
        for name in FILTERS:
            value = str(params.get(name) or "").strip()
            if not value:
                continue
            if name in ("team", "level"):
                try:
                    filters[name] = int(value)
                except ValueError as error:
                    raise InvalidRequest(f"{name}: a number", code=name) from error
                if not 0 < filters[name] < 2**31:  # what the columns hold
                    raise InvalidRequest(f"{name}: a number", code=name)
            else:
                filters[name] = value[:60]
        return cls(brand=brand, start=start, end=end, **filters)

    # --- what it covers -----------------------------------------------------------------
    @property
    def policy(self) -> Policy:
        return self.brand.get_policy()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.policy.calendar.timezone)

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), self.zone)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end, time(), self.zone)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def is_month(self) -> bool:
        return self.months() == 1

    def months(self) -> int:
        """How many whole calendar months the period is (0 if it is not whole months)."""
        if self.start.day != 1 or self.end.day != 1:
            return 0
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month

    def previous(self) -> Scope:
        """The period just before: as many months before for whole months (the previous
        month, quarter or year), else as many days."""
        months = self.months()
        if months:
            start = self.start
            for _ in range(months):
                start = previous_month(start)
            return replace(self, start=start, end=self.start)
        return replace(self, start=self.start - (self.end - self.start), end=self.start)

    def filtered(self) -> bool:
        return any(getattr(self, name) not in (None, "") for name in FILTERS)

    def params(self) -> dict[str, str]:
        """The query string that gives this scope back."""
        out = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        for name in FILTERS:
            value = getattr(self, name)
            if value not in (None, ""):
                out[name] = str(value)
        return out

    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    # --- the rows it reads --------------------------------------------------------------
    def tickets(self) -> QuerySet[TicketFact]:
        """The tickets received in the period that pass the filters."""
        rows = TicketFact._base_manager.filter(
            brand=self.brand, received_on__gte=self.start, received_on__lt=self.end
        )
        if self.team is not None:
            rows = rows.filter(team_id=self.team)
        for name in ("channel", "category", "contact_type"):
            value = getattr(self, name)
            if value:
                # "-": none given (a ticket without a category).
                rows = rows.filter(**{name: "" if value == NONE else value})
        if self.level is not None:
            rows = rows.filter(
                ticket_id__in=LevelFact._base_manager.filter(
                    brand=self.brand, level=self.level
                ).values("ticket_id")
            )
        return rows

    def _of_tickets(self, rows: QuerySet[Any]) -> QuerySet[Any]:
        rows = rows.filter(
            brand=self.brand, received_at__gte=self.since, received_at__lt=self.until
        )
        if self.filtered():
            rows = rows.filter(ticket_id__in=self.tickets().values("ticket_id"))
        return rows

    def stays(self) -> QuerySet[LevelFact]:
        """The stays at a level of the scope's tickets."""
        return self._of_tickets(LevelFact._base_manager.all())

    def deadlines(self) -> QuerySet[DeadlineFact]:
        """The promises made to the scope's tickets."""
        return self._of_tickets(DeadlineFact._base_manager.all())

    def tallies(self, *whats: str) -> QuerySet[Tally]:
        """What was counted during the period (by when it happened), on tickets that pass
        the filters."""
        rows = Tally._base_manager.filter(
            brand=self.brand, what__in=whats, at__gte=self.since, at__lt=self.until
        )
        if self.filtered():
            everything = replace(self, start=date(1970, 1, 1), end=date(9999, 1, 1))
            rows = rows.filter(ticket_id__in=everything.tickets().values("ticket_id"))
        return rows

    def chats(self) -> QuerySet[ChatFact]:
        """The live chats offered during the period (by when they entered the queue), on
        tickets that pass the filters."""
        rows = ChatFact._base_manager.filter(
            brand=self.brand, offered_at__gte=self.since, offered_at__lt=self.until
        )
        if self.filtered():
            everything = replace(self, start=date(1970, 1, 1), end=date(9999, 1, 1))
            rows = rows.filter(ticket_id__in=everything.tickets().values("ticket_id"))
        return rows
