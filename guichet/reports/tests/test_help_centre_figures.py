"""The help centre's figures (articles read, helpful answers, suggestions opened,
deflections, FAQ candidates) per brand and period: counted from the knowledge app's rows,
a section of the desk's dashboard, and `help_centre` in the API's figures. Another brand's
counts never show."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from guichet.accounts.models import Role
from guichet.api.keys import api_key_create
from guichet.conftest import make_staff
from guichet.knowledge import services
from guichet.knowledge.models import ArticleDay, FaqCandidate, Suggestion
from guichet.lib.scoping import brand_scope
from guichet.reports import help_centre
from guichet.reports.scope import Scope

pytestmark = pytest.mark.django_db

DASHBOARD = "/desk/reports/"
NOVEMBER = {"period": "chosen", "month": "2026-11"}


def words(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).replace("\u00a0", " ")


def _article(brand: Any, actor: Any, title: str) -> Any:
    section = services.section_save(brand=brand, actor=actor, key="aide", title={"fr": "Aide"})
    article = services.article_create(
        brand=brand, actor=actor, section=section, language="fr", title=title, body="Texte."
    )
    services.article_publish(article=article, actor=actor)
    return article


@pytest.fixture
def readings(world: Any, frozen_clock: Any) -> Any:
    """In November: EJ's article read 3 times (once from a suggestion), 2 "yes", 1 "no",
    one suggestion that helped and was counted as a deflection, one after which the
    customer wrote; a FAQ candidate found. In October: one reading. Jamla24: 5 readings."""
    frozen_clock.set(datetime(2026, 11, 10, 9, 0, tzinfo=UTC))
    with brand_scope(world.ej):
        article = _article(world.ej, world.manager, "Remboursements")
        for suggested in (True, False, False):
            services.record_view(article, suggested=suggested)
        services.record_vote(article, helpful=True)
        services.record_vote(article, helpful=True)
        services.record_vote(article, helpful=False)
        now = frozen_clock.now()
        Suggestion.objects.create(
            brand=world.ej,
            article=article,
            visitor="a" * 64,
            source="contact",
            opened_at=now,
            helpful=True,
            deflected_at=now + timedelta(minutes=30),
        )
        Suggestion.objects.create(
            brand=world.ej,
            article=article,
            visitor="b" * 64,
            source="chat",
            opened_at=now,
            wrote_at=now + timedelta(minutes=2),
        )
        ArticleDay.objects.filter(article=article).update(deflections=1)
        FaqCandidate.objects.create(
            brand=world.ej,
            language="fr",
            period_start=now - timedelta(days=7),
            period_end=now,
            found_at=now,
            question="Comment changer mon billet ?",
            size=12,
            key="billet changer",
        )
    frozen_clock.set(datetime(2026, 10, 5, 9, 0, tzinfo=UTC))
    with brand_scope(world.ej):
        services.record_view(article)
    frozen_clock.set(datetime(2026, 11, 12, 9, 0, tzinfo=UTC))
    with brand_scope(world.jamla):
        theirs = _article(world.jamla, world.outsider_admin, "Livraison")
        for _ in range(5):
            services.record_view(theirs)
    frozen_clock.set(datetime(2026, 12, 1, 12, 0, tzinfo=UTC))
    return article


def test_the_figures_count_the_brands_period(world: Any, readings: Any) -> None:
    found = help_centre.totals(Scope.from_params(world.ej, {"month": "2026-11"}))
    assert (found.views, found.helpful, found.unhelpful, found.suggested) == (3, 2, 1, 1)
    assert (found.suggestions_opened, found.suggestions_helpful, found.suggestions_wrote) == (
        2,
        1,
        1,
    )
    assert (found.deflections, found.candidates_found, found.candidates_new) == (1, 1, 1)
    october = help_centre.totals(Scope.from_params(world.ej, {"month": "2026-10"}))
    assert (october.views, october.suggestions_opened, october.candidates_found) == (1, 0, 0)
    theirs = help_centre.totals(Scope.from_params(world.jamla, {"month": "2026-11"}))
    assert (theirs.views, theirs.helpful, theirs.candidates_found) == (5, 0, 0)
    top = help_centre.top_articles(Scope.from_params(world.ej, {"month": "2026-11"}))
    assert [[c.text for c in row] for row in top.rows] == [
        ["Remboursements", "FR", "3", "2", "1", "1", "1"]
    ]


def test_no_section_when_nothing_was_counted(world: Any, readings: Any) -> None:
    assert help_centre.section(Scope.from_params(world.ej, {"month": "2026-09"})) is None
    assert help_centre.section(Scope.from_params(world.ej, {"month": "2026-11"})) is not None


def test_the_dashboard_shows_the_help_centre(client: Any, world: Any, readings: Any) -> None:
    client.force_login(world.manager)
    page = client.get(DASHBOARD, {"brand": world.ej.pk, **NOVEMBER}).content.decode()
    section = words(page[page.index('aria-labelledby="help-report-title"') :])
    assert "Centre d’aide" in section and "Articles lus 3" in section
    assert "Demandes évitées 1" in section and "Remboursements" in section
    english = client.get("/en" + DASHBOARD, {"brand": world.ej.pk, **NOVEMBER}).content.decode()
    said = words(english[english.index('aria-labelledby="help-report-title"') :])
    assert "Help centre" in said and "Articles read 3" in said and "New FAQ candidates 1" in said
    quiet = client.get(DASHBOARD, {"brand": world.ej.pk, "period": "chosen", "month": "2026-09"})
    assert "help-report-title" not in quiet.content.decode()
    # Jamla24's manager sees Jamla24's readings only.
    client.force_login(make_staff(world.jamla, "directrice", Role.MANAGER))
    theirs = words(client.get(DASHBOARD, NOVEMBER).content.decode())
    assert "Articles lus 5" in theirs and "Remboursements" not in theirs


def test_the_api_gives_the_help_centre_figures(world: Any, readings: Any) -> None:
    _key, token = api_key_create(
        brand=world.ej, name="Rapports", scopes=["read"], role=Role.MANAGER
    )
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    body = Client().get("/api/v1/reports/figures", {"month": "2026-11"}, headers=headers).json()
    assert [f["key"] for f in body["help_centre"]] == ["help_centre", "help_articles"]
    first = body["help_centre"][0]
    assert first["rows"][0][1]["value"] == 3  # articles read
    quiet = Client().get("/api/v1/reports/figures", {"month": "2026-09"}, headers=headers)
    assert quiet.json()["help_centre"] == []
