"""The policy's `[reports] kpis`: a closed vocabulary, each name a figure, in its order."""

from datetime import date
from typing import get_args

import pytest
from django.utils import translation

from guichet.conftest import PRESETS
from guichet.policies.loader import load_policy
from guichet.policies.schema import KpiKey
from guichet.reports import figures
from guichet.reports.scope import Scope

pytestmark = pytest.mark.django_db


def test_every_name_a_policy_may_write_is_a_figure():
    assert set(get_args(KpiKey)) == set(figures.KPIS)
    assert set(figures.DEFAULT_KPIS) <= set(figures.KPIS)


def test_an_unknown_kpi_is_a_policy_check_error_at_its_line():
    text = (PRESETS / "jive.toml").read_text(encoding="utf-8")
    broken = text.replace('"ombudsman_referrals"', '"ombudsman_referals"')
    assert broken != text
    result = load_policy(broken, "jive.toml")
    [error] = result.errors
    assert error.path[:2] == ("reports", "kpis")
    assert "ombudsman_referrals" in error.message  # the names it could have been
    assert broken.splitlines()[error.line - 1].startswith("kpis")


def test_each_preset_reports_its_own_kpis_in_its_order(presets):
    for brand in presets.values():
        wanted = list(brand.get_policy().reports.kpis)
        assert wanted, brand.slug
        with translation.override("fr"):
            report = figures.report(Scope.month(brand, date(2026, 11, 1)))
        assert [figure.key for figure in report] == wanted
        for figure in report:
            assert figure.title and (figure.rows or figure.empty), (brand.slug, figure.key)


def test_phone_answers_show_no_data_rather_than_zero(presets):
    scope = Scope.month(presets["ivoire-toner"], date(2026, 11, 1))
    with translation.override("en"):
        figure = figures.phone_answered_within(scope)
    assert figure.title == "Calls answered within 30 s"  # the policy's answer_within
    assert figure.rows == [] and figure.empty.startswith("No data")


def test_the_period_before_a_quarter_is_the_quarter_before(presets):
    brand = presets["ej"]
    quarter = Scope(brand=brand, start=date(2026, 10, 1), end=date(2027, 1, 1))
    before = quarter.previous()
    assert (before.start, before.end) == (date(2026, 7, 1), date(2026, 10, 1))
    days = Scope(brand=brand, start=date(2026, 11, 10), end=date(2026, 11, 20)).previous()
    assert (days.start, days.end) == (date(2026, 10, 31), date(2026, 11, 10))
    assert Scope.month(brand, date(2026, 3, 15)).previous().start == date(2026, 2, 1)


def test_a_link_to_tickets_without_a_category_finds_them(world):
    from guichet.tickets import services

    bare = services.ticket_open(
        brand=world.ej,
        contact=world.customer,
        contact_type="question",
        subject="Sans",
        text="Bonjour",
        channel="web",
    )
    scope = Scope.month(world.ej, date(2026, 11, 1))
    [row] = [r for r in figures.contacts_by_category(scope).rows if r[1].link["category"] == "-"]
    params = {**scope.params(), **row[1].link}
    again = Scope.from_params(world.ej, params)
    assert [r["ticket_id"] for r in figures.behind(again, params)] == [bare.pk]
