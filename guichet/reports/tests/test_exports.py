"""Exports of the tickets and of the report tables (docs/reports.md, "Exports and the API"):
what the CSV and the XLSX hold, in both languages, with every would-be formula made text,
and the record of each export."""

from datetime import datetime

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.reports import exports, services
from guichet.reports.figures import KPIS, Cell, Figure
from guichet.reports.models import ReportExport
from guichet.reports.scope import Scope
from guichet.reports.tests.cases import (
    FORMULA,
    name_a_team_like_a_formula,
    read_csv,
    some_tickets,
)

pytestmark = pytest.mark.django_db


def csv_of(table: exports.Table, **options) -> list[list[str]]:
    return read_csv(b"".join(exports.csv_chunks(table, **options)), options.get("delimiter", ","))


def month(world) -> Scope:
    return Scope.from_params(world.ej, {"month": "2026-11"})


def test_the_tickets_csv_has_one_row_per_ticket_of_the_scope_with_its_figures(world, frozen_clock):
    cases = some_tickets(world, frozen_clock)
    with translation.override("en"):
        rows = csv_of(exports.ticket_table(month(world)))
    header, *body = rows
    assert header[:5] == ["Reference", "Received at", "Channel", "Nature", "Category"]
    assert "First response in opening hours (hours)" in header
    assert [row[0] for row in body] == cases.ej  # oldest first, EJ's only
    first = dict(zip(header, body[0], strict=True))
    # Opened 2026-11-23 14:00 UTC: 09:00 in Kingston (EJ's time zone).
    assert first["Received at"] == "2026-11-23 09:00:00"
    assert first["Channel"] == "Email" and first["Nature"] == "Complaint"
    assert first["Status"] == "closed" and first["Outcome"] == "Upheld"
    assert first["Level reached"] == "1"
    assert first["Resolved at first contact"] == "yes"
    assert float(first["First response (hours)"]) == 0.0  # answered the minute it came
    assert float(first["Resolution time (hours)"]) == 3.0
    second = dict(zip(header, body[1], strict=True))
    assert second["Channel"] == "Web form" and second["Status"] == "open"
    assert second["Resolution time (hours)"] == "" and second["Outcome"] == ""


def test_the_headers_and_labels_are_in_the_readers_language(world, frozen_clock):
    some_tickets(world, frozen_clock)
    with translation.override("fr"):
        header, first, *_rest = csv_of(exports.ticket_table(month(world)))
    assert header[:4] == ["Référence", "Reçu le", "Canal", "Nature"]
    row = dict(zip(header, first, strict=True))
    assert row["Statut"] == "clos" and row["Issue"] == "Retenue"
    assert row["Catégorie"] == "Facturation"
    with translation.override("en"):
        header, first, *_rest = csv_of(exports.ticket_table(month(world)))
    assert dict(zip(header, first, strict=True))["Category"] == "Billing"


def test_a_text_that_a_spreadsheet_would_run_is_made_text(world, frozen_clock):
    some_tickets(world, frozen_clock)
    name_a_team_like_a_formula(world.ej, "front-line")
    with translation.override("en"):
        header, *body = csv_of(exports.ticket_table(month(world)))
    categories = [row[header.index("Category")] for row in body]
    teams = {row[header.index("Team")] for row in body}
    assert "'" + FORMULA in categories and FORMULA not in categories
    assert teams == {"'+cmd|' /C calc'!A0"}
    for value in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert exports.guard(value) == "'" + value
    for value in ("1 234", "— ", "Level 2", "", "a=b", -5, 2.5, None):
        assert exports.guard(value) == value


def test_the_xlsx_holds_the_same_rows_as_numbers_and_dates_with_formulas_made_text(
    world, frozen_clock
):
    cases = some_tickets(world, frozen_clock)
    with translation.override("en"):
        handle = exports.xlsx_file(exports.ticket_table(month(world)))
    with handle:
        sheet = openpyxl.load_workbook(handle).active
        rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "tickets"
    header, *body = rows
    assert header[0] == "Reference" and len(header) == len(exports.ticket_headers())
    assert [row[0] for row in body] == cases.ej
    first = dict(zip(header, body[0], strict=True))
    assert first["Received at"] == datetime(2026, 11, 23, 9, 0)
    assert first["Level reached"] == 1 and first["Resolution time (hours)"] == 3.0
    assert first["Satisfaction score"] is None
    categories = [row[header.index("Category")] for row in body]
    assert "'" + FORMULA in categories
    # Written as text, never as a formula (a formula cell would read back starting with =).
    assert not any(isinstance(v, str) and v.startswith("=") for row in rows for v in row)


def test_the_csv_options_for_excel_a_byte_order_mark_and_semicolons(world, frozen_clock):
    some_tickets(world, frozen_clock)
    table = exports.ticket_table(month(world))
    content = b"".join(exports.csv_chunks(table, bom=True, delimiter=";"))
    assert content.startswith("\ufeff".encode())
    assert read_csv(content, ";")[0][0] in ("Référence", "Reference")
    plain = b"".join(exports.csv_chunks(exports.ticket_table(month(world))))
    assert not plain.startswith("\ufeff".encode()) and b";" not in plain.split(b"\r\n")[0]


def test_a_report_table_keeps_its_texts_and_adds_its_numbers_and_goals(world, frozen_clock):
    some_tickets(world, frozen_clock)
    scope = month(world)
    with translation.override("en"):
        figure = KPIS["contacts_by_channel"](scope)
        header, *body = csv_of(exports.figure_table(figure))
        handle = exports.xlsx_file(exports.figure_table(figure))
    assert header == ["What", "Tickets", "Tickets (number)", "Share", "Share (number)"]
    assert body == [["Email", "2", "2", "67%", "66.7"], ["Web form", "1", "1", "33%", "33.3"]]
    with handle:
        sheet = openpyxl.load_workbook(handle).active
        rows = list(sheet.iter_rows(values_only=True))
    assert sheet.title == "contacts_by_channel"
    assert rows[1] == ("Email", "2", 2, "67%", 66.7)
    held = Figure(
        "held",
        "Held to a goal",
        headers=["Target", "Met"],
        rows=[
            [Cell("=A"), Cell("90 %", 90.0, status="met")],
            [Cell("B"), Cell("50 %", 50.0, status="missed")],
        ],
    )
    with translation.override("en"):
        table = exports.figure_table(held)
    assert table.headers == ["Target", "Met", "Met (number)", "Met (goal)"]
    assert list(table.rows) == [["=A", "90 %", 90.0, "met"], ["B", "50 %", 50.0, "missed"]]
    assert csv_of(table)[1][0] == "'=A"


def test_every_kpi_can_be_exported(world, frozen_clock):
    some_tickets(world, frozen_clock)
    scope = month(world)
    for key, make in KPIS.items():
        table = exports.figure_table(make(scope))
        assert table.name == key
        rows = csv_of(table)
        assert len(rows) == 1 + table.count
        assert all(len(row) == len(table.headers) for row in rows)


def test_a_brands_export_never_holds_another_brands_tickets(world, frozen_clock):
    cases = some_tickets(world, frozen_clock)
    jamla = Scope.from_params(world.jamla, {"month": "2026-11", "channel": "email"})
    references = [row[0] for row in csv_of(exports.ticket_table(jamla))[1:]]
    assert references == cases.jamla
    # Filters name another brand's things: nothing of it, nothing of the other brand.
    with brand_scope(world.jamla):
        jamla_team = world.jamla.teams.first()
    ej = Scope.from_params(world.ej, {"month": "2026-11", "team": jamla_team.pk})
    assert csv_of(exports.ticket_table(ej)) == [exports.ticket_headers()]


def test_each_export_is_recorded_with_who_what_filters_and_rows(world, frozen_clock):
    some_tickets(world, frozen_clock)
    scope = Scope.from_params(world.ej, {"month": "2026-11", "channel": "email"})
    table = exports.ticket_table(scope)
    made = services.record_export(
        brand=world.ej,
        user=world.manager,
        what="tickets",
        format="csv",
        filters=scope.params(),
        rows=table.count,
    )
    chunks = exports.csv_chunks(
        table, written=lambda n: services.record_export_rows(export=made, rows=n)
    )
    assert table.count == 2
    next(chunks)  # the client reads the start, then goes away
    chunks.close()
    with brand_scope(world.ej):
        [recorded] = ReportExport.objects.all()
    assert (recorded.user, recorded.what, recorded.format) == (world.manager, "tickets", "csv")
    assert recorded.filters == {"start": "2026-11-01", "end": "2026-12-01", "channel": "email"}
    assert recorded.at == frozen_clock.now()
    assert recorded.rows == 2  # both rows were in the first chunk


def test_recording_an_export_checks_the_role_and_what_is_exported(world):
    scope = month(world)
    arguments = {"brand": world.ej, "filters": scope.params(), "rows": 0, "format": "csv"}
    with pytest.raises(PermissionDenied):
        services.record_export(user=world.lead, what="tickets", **arguments)
    with pytest.raises(PermissionDenied):
        services.record_export(user=world.outsider_admin, what="tickets", **arguments)
    with pytest.raises(InvalidRequest):
        services.record_export(user=world.manager, what="everything", **arguments)
    with pytest.raises(InvalidRequest):
        services.record_export(user=world.manager, what="tickets", **{**arguments, "format": "pdf"})
    with brand_scope(world.ej):
        assert not ReportExport.objects.exists()


def test_every_kpi_has_its_title(world):
    with translation.override("en"):
        titles = exports.kpi_titles(world.ej)
    assert set(titles) == set(KPIS)
    assert titles["contacts_by_channel"] == "Contacts by channel"
    with translation.override("fr"):
        assert exports.kpi_titles(world.ej)["contacts_by_channel"] != "Contacts by channel"
