"""The desk's exports of reports (/desk/reports/export/…) and their record
(/desk/reports/exports/): who may, for which brand, with the dashboard's parameters."""

import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from guichet.accounts.models import Membership, Role
from guichet.conftest import assert_hidden_from_outsider, make_staff
from guichet.lib.scoping import all_brands
from guichet.reports.models import ReportExport
from guichet.reports.tests.cases import publish_ej_with_export_roles, read_csv, some_tickets

pytestmark = pytest.mark.django_db


def url(what: str = "tickets", fmt: str = "csv") -> str:
    return reverse("desk:report_export", kwargs={"what": what, "fmt": fmt})


def exported(client, user, target: str, **params):
    client.force_login(user)
    return client.get(target, params)


def recorded() -> list[ReportExport]:
    with all_brands():
        return list(ReportExport.objects.order_by("pk"))


def test_a_manager_exports_the_tickets_as_csv_with_the_dashboards_filters(
    client, world, frozen_clock
):
    cases = some_tickets(world, frozen_clock)
    response = exported(client, world.manager, url(), month="2026-11", channel="web")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="ej-tickets-2026-11-01-2026-11-30.csv"'
    )
    assert response["Cache-Control"] == "private, no-store"
    rows = read_csv(b"".join(response.streaming_content))
    assert rows[0][0] == "Référence"  # the desk's language: French by default
    assert [row[0] for row in rows[1:]] == [cases.ej[1]]
    [made] = recorded()
    assert (made.brand, made.user, made.what, made.format, made.rows) == (
        world.ej,
        world.manager,
        "tickets",
        "csv",
        1,
    )
    assert made.filters == {"start": "2026-11-01", "end": "2026-12-01", "channel": "web"}


def test_the_headers_follow_the_desks_language(client, world, frozen_clock):
    some_tickets(world, frozen_clock)
    client.force_login(world.manager)
    response = client.get("/en" + url(), {"bom": "1", "sep": ";"})
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())
    assert read_csv(content, ";")[0][:3] == ["Reference", "Received at", "Channel"]


def test_a_report_table_as_xlsx(client, world, frozen_clock):
    some_tickets(world, frozen_clock)
    client.force_login(world.director)
    response = client.get("/en" + url("contacts_by_channel", "xlsx"), {"month": "2026-11"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("What", "Tickets", "Tickets (number)", "Share", "Share (number)")
    assert rows[1][:3] == ("Email", "2", 2)
    [made] = recorded()
    assert (made.what, made.format, made.rows, made.user) == (
        "contacts_by_channel",
        "xlsx",
        2,
        world.director,
    )


@pytest.mark.parametrize("role", ["agent", "lead", "investigator"])
def test_roles_outside_the_policys_export_roles_get_403(client, world, role):
    user = getattr(world, role)
    assert exported(client, user, url()).status_code == 403
    assert exported(client, user, url("satisfaction", "xlsx")).status_code == 403
    assert recorded() == []


def test_a_policy_that_adds_the_team_lead_lets_them_export(client, world):
    publish_ej_with_export_roles(["team_lead", "manager"])
    assert exported(client, world.lead, url()).status_code == 200
    # ...and one that leaves the director out refuses them.
    assert exported(client, world.director, url()).status_code == 403


def test_an_outsider_gets_404_for_the_brand_they_do_not_hold(client, world, frozen_clock):
    some_tickets(world, frozen_clock)
    assert_hidden_from_outsider(client, world.outsider_admin, url() + f"?brand={world.ej.pk}")
    # Their own export holds their brand's tickets only, whatever the filters say.
    response = exported(client, world.outsider_admin, url(), month="2026-11", category="billing")
    assert read_csv(b"".join(response.streaming_content))[1:] == []


def test_a_person_of_several_brands_names_the_brand(client, world, frozen_clock):
    cases = some_tickets(world, frozen_clock)
    both = make_staff(world.ej, "both", Role.MANAGER)
    Membership.objects.create(user=both, brand=world.jamla, role=Role.MANAGER)
    response = exported(client, both, url(), month="2026-11")
    assert response.status_code == 400
    assert "brand" in response.content.decode()
    response = exported(client, both, url(), month="2026-11", brand=world.jamla.pk)
    assert [row[0] for row in read_csv(b"".join(response.streaming_content))[1:]] == cases.jamla
    assert exported(client, both, url(), brand="99999").status_code == 404
    assert exported(client, both, url(), brand="abc").status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"month": "2026-13"},
        {"start": "2026-11-31"},
        {"start": "2026-12-01", "end": "2026-11-01"},
        {"start": "2000-01-01", "end": "2026-01-01"},
        {"start": "0001-01-01", "end": "0001-02-01"},
        {"month": "9999-12"},
        {"team": "x"},
        {"level": "99999999999999999999999"},
    ],
)
def test_bad_parameters_are_a_clear_400(client, world, params):
    response = exported(client, world.manager, url(), **params)
    assert response.status_code == 400
    assert "Cet export ne peut pas être fait" in response.content.decode()
    assert recorded() == []


def test_what_is_not_exported_is_404(client, world):
    client.force_login(world.manager)
    assert client.get(url("everything")).status_code == 404
    assert client.get(url("tickets", "pdf")).status_code == 404


def test_a_stranger_is_sent_to_sign_in(client, world):
    for target in (url(), reverse("desk:report_exports")):
        response = client.get(target)
        assert response.status_code == 302 and "/desk/account/login/" in response["Location"]


def test_managers_see_the_brands_recent_exports(client, world, frozen_clock):
    some_tickets(world, frozen_clock)
    exported(client, world.director, url(), month="2026-11", channel="email")
    exported(client, world.director, "/en" + url("satisfaction", "xlsx"), month="2026-11")
    client.force_login(world.manager)
    with translation.override("en"):
        page = client.get(reverse("desk:report_exports")).content.decode()
    assert page.count("Director") == 2  # who (first name), once per export
    assert "Satisfaction with the handling" in page and "Tickets" in page
    assert "channel: email" in page
    assert "11/30/2026" in page and "12/01/2026" not in page  # the last day, not the next
    # The director exports, but the list of exports is the managers'.
    client.force_login(world.director)
    assert client.get(reverse("desk:report_exports")).status_code == 403
    # Another brand's manager sees none of EJ's.
    client.force_login(world.outsider_admin)
    page = client.get(reverse("desk:report_exports")).content.decode()
    assert "Director" not in page
