"""Exports of reports (docs/reports.md, "Exports and the API"): the tickets of a scope, one
row each from the read model, and any report table (a KPI's figure), as CSV or XLSX.

A `Table` is headers and rows read once, in order. CSV is streamed as it is read
(`.iterator()` over the read model: constant memory whatever the number of tickets);
XLSX is written row by row to a temporary file by XlsxWriter in `constant_memory` mode,
then streamed from it. Every text cell that a spreadsheet would take for a formula is
neutralised (`guard`). Who may export, and the record of each export, are the callers'
and `services.record_export`'s business: this module reads and writes bytes only.

Exports hold no personal data: the read model has none (models.py)."""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from django.http import FileResponse, HttpResponseBase, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from guichet.brands.models import Team
from guichet.lib import clock
from guichet.reports.figures import KPIS, Figure, category_label
from guichet.reports.scope import Scope
from guichet.tickets.choices import Channel, Complexity, ContactType, Outcome, Priority

FORMATS = ("csv", "xlsx")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows read from the database at a time, and the size of the pieces a CSV is sent in.
CHUNK_ROWS = 2000
CHUNK_BYTES = 64 * 1024
# What one sheet holds (Excel's limit), the header row included.
XLSX_MAX_ROWS = 1_048_576
BOM = "\ufeff"

# OWASP "CSV injection": a cell starting with one of these is read as a formula by
# spreadsheets; a leading apostrophe makes it text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard(value: Any) -> Any:
    """`value`, with a text that a spreadsheet would run as a formula made plain text."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


@dataclass
class Table:
    """What an export writes: `name` (tickets, or a KPI's key: the file's and the sheet's
    name), `headers`, `rows` (lists of str, int, float, datetime, date or None, read
    once), and `count`, the number of rows expected (recorded with the export)."""

    name: str
    headers: list[str]
    rows: Iterable[list[Any]]
    count: int


# --- the tickets ---------------------------------------------------------------------------

# The read model's columns an export of tickets reads, in its order.
_TICKET_COLUMNS = (
    "reference",
    "received_at",
    "channel",
    "contact_type",
    "category",
    "priority",
    "complexity",
    "team_id",
    "top_level",
    "is_open",
    "first_response_s",
    "first_response_bs",
    "full_answer_at",
    "resolved_at",
    "resolution_s",
    "outcome",
    "first_contact",
    "reopened",
    "escalations",
    "survey_score",
)


def ticket_headers() -> list[str]:
    return [
        _("Reference"),
        _("Received at"),
        _("Channel"),
        _("Nature"),
        _("Category"),
        _("Priority"),
        _("Complexity"),
        _("Team"),
        _("Level reached"),
        _("Status"),
        _("First response (hours)"),
        _("First response in opening hours (hours)"),
        _("Full answer at"),
        _("Resolved at"),
        _("Resolution time (hours)"),
        _("Outcome"),
        _("Resolved at first contact"),
        _("Times reopened"),
        _("Escalations"),
        _("Satisfaction score"),
    ]


def _labels(choices: Any) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


def _hours(seconds: int | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def ticket_table(scope: Scope) -> Table:
    """The scope's tickets, one row each, oldest first: what the read model knows of them,
    in the reader's language (labels, not codes), times in the brand's time zone."""
    zone = scope.zone
    lang = get_language() or "fr"
    channels, natures = _labels(Channel), _labels(ContactType)
    priorities, complexities, outcomes = _labels(Priority), _labels(Complexity), _labels(Outcome)
    # Every label is read now, in the caller's language: the rows are read later, as the
    # answer is sent, when the request's language and scope may be gone.
    teams = {t.pk: t.display_name(lang) for t in Team._base_manager.filter(brand=scope.brand)}
    categories = {c.key: category_label(scope, c.key) for c in scope.policy.categories}
    yes, no = _("yes"), _("no")
    opened, closed = pgettext("ticket status", "open"), pgettext("ticket status", "closed")

    def local(moment: datetime | None) -> datetime | None:
        return None if moment is None else moment.astimezone(zone).replace(tzinfo=None)

    query = scope.tickets().order_by("received_at", "pk").values_list(*_TICKET_COLUMNS)

    def rows() -> Iterator[list[Any]]:
        for (
            reference,
            received_at,
            channel,
            contact_type,
            category_key,
            priority,
            complexity,
            team_id,
            top_level,
            is_open,
            first_response_s,
            first_response_bs,
            full_answer_at,
            resolved_at,
            resolution_s,
            outcome,
            first_contact,
            reopened,
            escalations,
            survey_score,
        ) in query.iterator(chunk_size=CHUNK_ROWS):
            yield [
                reference,
                local(received_at),
                channels.get(channel, channel),
                natures.get(contact_type, contact_type),
                categories.get(category_key, category_key),
                priorities.get(priority, priority),
                complexities.get(complexity, complexity),
                teams.get(team_id, "") if team_id is not None else "",
                top_level,
                opened if is_open else closed,
                _hours(first_response_s),
                _hours(first_response_bs),
                local(full_answer_at),
                local(resolved_at),
                _hours(resolution_s),
                outcomes.get(outcome, outcome),
                None if first_contact is None else (yes if first_contact else no),
                reopened,
                escalations,
                survey_score,
            ]

    return Table("tickets", ticket_headers(), rows(), scope.tickets().count())


# --- report tables -------------------------------------------------------------------------


def figure_table(figure: Figure) -> Table:
    """A figure as a table: each column's text as a person reads it ("12 %", "3,5 h"),
    followed, where the column has numbers, by the number behind it, and where it is held
    to a goal, by whether the goal was met."""
    columns = max([len(figure.headers), *(len(row) for row in figure.rows)], default=0)
    names = figure.headers + [""] * (columns - len(figure.headers))
    numbered = [any(_cell(row, i).value is not None for row in figure.rows) for i in range(columns)]
    judged = [any(_cell(row, i).status for row in figure.rows) for i in range(columns)]
    headers: list[str] = []
    for i, name in enumerate(names):
        headers.append(name)
        if numbered[i]:
            headers.append(_("%(column)s (number)") % {"column": name})
        if judged[i]:
            headers.append(_("%(column)s (goal)") % {"column": name})
    status = {"met": _("met"), "missed": _("missed")}
    rows: list[list[Any]] = []
    for row in figure.rows:
        out: list[Any] = []
        for i in range(columns):
            cell = _cell(row, i)
            out.append(cell.text)
            if numbered[i]:
                out.append(cell.value)
            if judged[i]:
                out.append(status.get(cell.status, cell.status))
        rows.append(out)
    return Table(figure.key, headers, rows, len(rows))


class _NoCell:
    text = ""
    value = None
    status = ""


def _cell(row: list[Any], index: int) -> Any:
    return row[index] if index < len(row) else _NoCell


def kpi_titles(brand: Any) -> dict[str, str]:
    """Every KPI's title for this brand, in the reader's language: each figure made over an
    empty period (no row of the read model is read, the titles are the figures' own)."""
    day = clock.now().date()
    nothing = Scope(brand=brand, start=day, end=day)
    return {key: make(nothing).title for key, make in KPIS.items()}


# --- writing -------------------------------------------------------------------------------


class _Line:
    """A file-like object that hands back what the csv writer writes (one row)."""

    def write(self, value: str) -> str:
        return value


def _text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return guard(value)


def csv_chunks(
    table: Table,
    *,
    bom: bool = False,
    delimiter: str = ",",
    written: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The table as CSV (RFC 4180, UTF-8), in pieces of about CHUNK_BYTES; with `bom`,
    the byte order mark Excel needs to read UTF-8. `written(rows)` is called once the
    last row is sent, or when the client goes away (the rows sent so far)."""
    writer = csv.writer(_Line(), delimiter=delimiter)
    count = 0
    try:
        pending = [BOM if bom else "", writer.writerow([guard(h) for h in table.headers])]
        size = 0
        for row in table.rows:
            line = writer.writerow([_text(value) for value in row])
            pending.append(line)
            size += len(line)
            count += 1
            if size >= CHUNK_BYTES:
                yield "".join(pending).encode()
                pending, size = [], 0
        yield "".join(pending).encode()
    finally:
        if written is not None:
            written(count)


def xlsx_file(table: Table) -> BinaryIO:
    """The table as an XLSX workbook of one sheet, written row by row to a temporary file
    (constant memory), opened for reading; the file has no name left on disk once open,
    so closing it frees it."""
    import xlsxwriter

    handle, name = tempfile.mkstemp(prefix="guichet-export-", suffix=".xlsx")
    os.close(handle)
    path = Path(name)
    try:
        workbook = xlsxwriter.Workbook(
            name,
            {
                "constant_memory": True,
                "tmpdir": str(path.parent),
                # A text is a text: never a formula, a link or a number.
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        sheet = workbook.add_worksheet(table.name[:31])
        bold = workbook.add_format({"bold": True})
        moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        day = workbook.add_format({"num_format": "yyyy-mm-dd"})
        sheet.freeze_panes(1, 0)
        sheet.set_column(0, max(0, len(table.headers) - 1), 16)
        for column, header in enumerate(table.headers):
            sheet.write_string(0, column, guard(header), bold)
        for number, row in enumerate(table.rows, start=1):
            for column, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, bool):
                    sheet.write_boolean(number, column, value)
                elif isinstance(value, int | float):
                    sheet.write_number(number, column, value)
                elif isinstance(value, datetime):
                    sheet.write_datetime(number, column, value, moment)
                elif isinstance(value, date):
                    sheet.write_datetime(number, column, value, day)
                else:
                    sheet.write_string(number, column, guard(str(value)))
        workbook.close()
        opened = path.open("rb")  # the caller closes it (FileResponse does)
    finally:
        path.unlink()
    return opened


def filename(scope: Scope, what: str, fmt: str) -> str:
    name = f"{scope.brand.slug}-{what}-{scope.start.isoformat()}-{scope.last_day().isoformat()}"
    return f"{name}.{fmt}"


def csv_response(
    table: Table,
    name: str,
    *,
    bom: bool = False,
    delimiter: str = ",",
    written: Callable[[int], None] | None = None,
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        csv_chunks(table, bom=bom, delimiter=delimiter, written=written), content_type=CSV_TYPE
    )
    return _attachment(response, name)


def xlsx_response(table: Table, name: str) -> FileResponse:
    response = FileResponse(xlsx_file(table), content_type=XLSX_TYPE)
    return _attachment(response, name)


def _attachment[R: HttpResponseBase](response: R, name: str) -> R:
    response["Content-Disposition"] = content_disposition_header(True, name)
    # What leaves here is the brand's: kept by no cache on the way.
    response["Cache-Control"] = "private, no-store"
    return response
