"""/api/v1/reports: the figures as JSON (the same as the dashboard's), the names of the
figures, and the export of tickets as CSV — with the key's brand and role only."""

import json

import pytest
from django.test import Client
from django.utils import translation

from guichet.accounts.models import Role
from guichet.api.tests.conftest import Caller
from guichet.lib.scoping import all_brands
from guichet.reports.figures import KPIS, report
from guichet.reports.models import ReportExport
from guichet.reports.scope import Scope
from guichet.reports.tests.cases import publish_ej_with_export_roles, read_csv, some_tickets

pytestmark = pytest.mark.django_db

FIGURES = "/api/v1/reports/figures"
KPI_LIST = "/api/v1/reports/kpis"
TICKETS = "/api/v1/reports/tickets.csv"


def recorded() -> list[ReportExport]:
    with all_brands():
        return list(ReportExport.objects.order_by("pk"))


def test_the_figures_are_those_of_the_figures_functions(world, frozen_clock, api):
    some_tickets(world, frozen_clock)
    response = api(role=Role.TEAM_LEAD).get(FIGURES, {"month": "2026-11"})
    assert response.status_code == 200
    body = response.json()
    with translation.override("en"):
        expected = [f.as_json() for f in report(Scope.from_params(world.ej, {"month": "2026-11"}))]
    assert body["figures"] == json.loads(json.dumps(expected))
    assert [f["key"] for f in body["figures"]] == list(world.ej.get_policy().reports.kpis)
    assert (body["brand"], body["start"], body["end"]) == ("ej", "2026-11-01", "2026-12-01")
    assert body["filters"] == {}


def test_chosen_figures_with_filters_in_french(world, frozen_clock, api):
    some_tickets(world, frozen_clock)
    caller = api(role=Role.MANAGER)
    caller.language = "fr"
    params = {"kpi": ["contacts_by_channel", "retention"], "month": "2026-11", "channel": "web"}
    body = caller.get(FIGURES, params).json()
    with translation.override("fr"):
        scope = Scope.from_params(world.ej, {"month": "2026-11", "channel": "web"})
        expected = [KPIS[k](scope).as_json() for k in ("contacts_by_channel", "retention")]
    assert body["figures"] == json.loads(json.dumps(expected))
    assert body["figures"][0]["title"] == "Contacts par canal"
    assert body["filters"] == {"channel": "web"}


def test_the_kpis_are_listed_with_their_titles_the_brands_first(world, api):
    body = api(role=Role.TEAM_LEAD).get(KPI_LIST).json()
    chosen = list(world.ej.get_policy().reports.kpis)
    assert [k["key"] for k in body[: len(chosen)]] == chosen
    assert {k["key"] for k in body} == set(KPIS)
    assert all(k["in_report"] == (k["key"] in chosen) for k in body)
    by_key = {k["key"]: k["title"] for k in body}
    assert by_key["contacts_by_channel"] == "Contacts by channel"


def test_an_agents_key_sees_no_figures(world, api):
    caller = api(role=Role.AGENT)
    for path in (FIGURES, KPI_LIST, TICKETS):
        response = caller.get(path)
        assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_the_tickets_export_is_streamed_and_recorded(world, frozen_clock, api, make_key):
    cases = some_tickets(world, frozen_clock)
    key, token = make_key(role=Role.DIRECTOR)
    response = Caller(Client(), token).get(TICKETS, {"month": "2026-11", "bom": "true"})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())
    rows = read_csv(content)
    assert rows[0][0] == "Reference" and [r[0] for r in rows[1:]] == cases.ej
    [made] = recorded()
    assert (made.brand, made.user, made.what, made.format, made.rows) == (
        world.ej,
        key.user,
        "tickets",
        "csv",
        3,
    )


def test_exporting_needs_a_role_of_the_policys_export_roles(world, api):
    assert api(role=Role.TEAM_LEAD).get(TICKETS).status_code == 403
    assert api(role=Role.MANAGER).get(TICKETS).status_code == 200
    publish_ej_with_export_roles(["team_lead"])
    assert api(role=Role.TEAM_LEAD).get(TICKETS).status_code == 200
    assert api(role=Role.MANAGER).get(TICKETS).status_code == 403
    assert len(recorded()) == 2


def test_another_brands_key_gets_nothing_of_this_brand(world, frozen_clock, api):
    cases = some_tickets(world, frozen_clock)
    jamla = api(brand=world.jamla, role=Role.ADMIN)
    for path in (FIGURES, KPI_LIST, TICKETS):
        response = jamla.get(path, {"brand": "ej"})
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    rows = read_csv(b"".join(jamla.get(TICKETS, {"month": "2026-11"}).streaming_content))
    assert [r[0] for r in rows[1:]] == cases.jamla
    body = jamla.get(FIGURES, {"month": "2026-11", "kpi": "contacts_by_channel"}).json()
    [channels] = body["figures"]
    assert body["brand"] == "jamla24" and channels["summary"] == "2 tickets received"


def test_a_read_only_key_reads_figures_and_exports(world, api):
    caller = api(role=Role.MANAGER, scopes=["read"])
    assert caller.get(FIGURES).status_code == 200
    assert caller.get(TICKETS).status_code == 200
    inbound = api(role=Role.MANAGER, scopes=["inbound"])
    assert inbound.get(FIGURES).status_code == 403


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"start": "2026-12-01", "end": "2026-11-01"}, 400, "dates"),
        ({"start": "2000-01-01", "end": "2026-01-01"}, 400, "dates"),
        ({"start": "1900-01-01", "end": "1900-02-01"}, 400, "dates"),
        ({"month": "2026-13"}, 400, "month"),
        ({"month": "9999-12"}, 400, "month"),
        ({"start": "2026-11-31"}, 422, "validation"),
        ({"month": "November"}, 422, "validation"),
        ({"level": "0"}, 422, "validation"),
        ({"channel": "pigeon"}, 422, "validation"),
    ],
)
def test_bad_parameters_are_refused_clearly(world, api, params, status, code):
    caller = api(role=Role.MANAGER)
    for path in (FIGURES, TICKETS):
        response = caller.get(path, params)
        assert response.status_code == status and response.json()["code"] == code
    assert recorded() == []


def test_an_unknown_figure_is_refused(world, api):
    response = api(role=Role.MANAGER).get(FIGURES, {"kpi": ["retention", "everything"]})
    assert response.status_code == 422
    assert [e["field"].rsplit(".", 2)[-2:] for e in response.json()["errors"]] == [["kpi", "1"]]


def test_the_document_describes_the_reports(client):
    document = client.get("/api/v1/openapi.json").json()
    assert {FIGURES, KPI_LIST, TICKETS} <= set(document["paths"])
    export = document["paths"][TICKETS]["get"]["responses"]["200"]
    assert "text/csv" in export["content"]
    figures = document["paths"][FIGURES]["get"]
    assert figures["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/FiguresOut"
    )
    assert {"CellOut", "FigureOut", "KpiOut"} <= set(document["components"]["schemas"])
