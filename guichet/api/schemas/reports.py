"""The reports' resources (docs/reports.md, "Exports and the API"): the figures of a brand
for a period and filters, the names of the figures, and the parameters of both and of the
export of tickets."""

from __future__ import annotations

from datetime import date
from typing import Literal

from ninja import Field, Schema

from guichet.api.schemas import IsoDate, Out
from guichet.policies.schema import KpiKey
from guichet.tickets.choices import Channel, ContactType


class ReportQuery(Schema):
    """The period and filters of a report, as the dashboard takes them."""

    brand: str | None = Field(None, description="brand slug (staff sessions with several)")
    # A period from 1970 to 2999, of five years at most (else 400 `dates`).
    start: IsoDate | None = Field(None, description="first day (in the brand's time zone)")
    end: IsoDate | None = Field(None, description="the day after the last (default: tomorrow)")
    month: str | None = Field(None, pattern=r"^[0-9]{4}-[0-9]{2}$", description="YYYY-MM")
    period: Literal["month", "30d", "quarter", "year", "12m"] | None = Field(
        None, description="without start, end or month: this period to date (default: month)"
    )
    team: int | None = Field(None, ge=1, le=2**31 - 1, description="a team's id")
    channel: Channel | None = None
    category: str | None = Field(None, max_length=60, description="a category's key")
    contact_type: ContactType | None = None
    level: int | None = Field(None, ge=1, le=20, description="tickets that reached this level")


class FiguresQuery(ReportQuery):
    kpi: list[KpiKey] = Field(
        [], description="the figures to compute (repeat it); none: the brand's report"
    )


class TicketExportQuery(ReportQuery):
    bom: bool = Field(False, description="start with a byte order mark (for Excel)")
    sep: Literal[",", ";"] = Field(",", description="the column separator")


class CellOut(Out):
    text: str
    value: int | float | None
    status: str  # "met" or "missed" against the policy's goal, or ""
    link: dict[str, str] | None  # what the tickets behind the cell are filtered on


class FigureOut(Out):
    key: str
    title: str
    summary: str
    empty: str  # why the figure has nothing to show ("" when it has)
    note: str
    headers: list[str]
    rows: list[list[CellOut]]


class FiguresOut(Out):
    brand: str
    start: date
    end: date  # the day after the last
    filters: dict[str, str]
    figures: list[FigureOut]
    # The live chat's figures (chats offered, answered, abandoned, the wait, per agent,
    # ratings), whatever `kpi` names; empty when the brand had no chat in the period.
    chat: list[FigureOut]
    # The help centre's figures (articles read, helpful answers, suggestions opened,
    # deflections, FAQ candidates; the articles read most); empty when nothing was counted.
    help_centre: list[FigureOut]


class KpiOut(Out):
    key: str
    title: str
    in_report: bool  # among the figures of the brand's report (`[reports] kpis`)
