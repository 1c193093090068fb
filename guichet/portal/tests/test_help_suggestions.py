"""Suggestions before writing: the contact page asks for the best articles as the
customer types; an article opened from them is recorded for the browser (by a hash of
its session, never the session key), its "helpful" answer marks it, a request written
afterwards marks it, and the periodic job counts the others as deflections once the
grace period is over."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import django.test
import pytest

from guichet.conftest import World
from guichet.knowledge.models import ArticleDay, Suggestion
from guichet.knowledge.suggestions import GRACE, visitor_of
from guichet.knowledge.tasks import count_deflections
from guichet.lib.scoping import all_brands, brand_scope
from guichet.portal.tests.conftest import url
from guichet.portal.tests.help_fixtures import Help, make_help
from guichet.portal.tests.test_contact import form


@pytest.fixture
def help_(world: World) -> Help:
    return make_help(world)


def suggest(browser: django.test.Client, world: World, prefix: str = "", **params: str) -> str:
    response = browser.get(prefix + url(world.ej, "help_suggest"), params, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


def open_suggested(browser: django.test.Client, help_: Help, source: str = "contact") -> None:
    path = url(help_.article.brand, "help_article", pk=help_.article.pk, slug=help_.article.slug)
    assert browser.get(path, {"from": source}).status_code == 200


def suggestions_of(world: World) -> list[Suggestion]:
    with brand_scope(world.ej):
        return list(Suggestion.objects.filter(brand=world.ej).order_by("pk"))


def test_the_contact_page_asks_for_suggestions_as_the_customer_types(
    browser: django.test.Client, world: World
) -> None:
    html = browser.get(url(world.ej, "contact")).content.decode()
    assert f'hx-get="/b/{world.ej.slug}/help/suggest"' in html
    assert "delay:400ms" in html and 'hx-include="#id_subject, #id_message"' in html
    assert 'method="post"' in html  # the form itself is a plain form


def test_the_best_articles_of_the_brand_in_the_page_language_are_suggested(
    browser: django.test.Client, world: World, help_: Help
) -> None:
    html = suggest(browser, world, subject="commande", message="")
    assert "Quand arrive ma commande ?" in html and "?from=contact" in html
    assert "Procédure interne" not in html and "Brouillon" not in html
    assert "Jamla24" not in html
    english = suggest(browser, world, "/en", subject="order", message="")
    assert "When does my order arrive?" in english
    assert suggest(browser, world, subject="", message="").strip() == ""
    # A long message that matches nothing as a whole: the subject's words still find it.
    html = suggest(browser, world, subject="commande", message="bonjour, où est le colis")
    assert "Quand arrive ma commande ?" in html


def test_opening_a_suggested_article_records_it_for_the_browser_not_its_session(
    browser: django.test.Client, world: World, help_: Help
) -> None:
    open_suggested(browser, help_)
    open_suggested(browser, help_)  # the same visit: one record
    [suggestion] = suggestions_of(world)
    session_key = browser.session.session_key
    assert session_key and suggestion.visitor == visitor_of(session_key)
    assert session_key not in suggestion.visitor
    assert suggestion.source == "contact" and suggestion.helpful is None
    with brand_scope(world.ej):
        day = ArticleDay.objects.get(article=help_.article)
    assert (day.views, day.suggested) == (2, 2)
    # Opened from the chat's form.
    other = django.test.Client()
    open_suggested(other, help_, source="chat")
    assert [s.source for s in suggestions_of(world)] == ["contact", "chat"]


def test_a_helpful_suggestion_with_no_request_after_is_a_deflection(
    browser: django.test.Client, world: World, help_: Help, frozen_clock: Any
) -> None:
    open_suggested(browser, help_)
    browser.post(url(world.ej, "help_vote", pk=help_.article.pk), {"helpful": "yes"})
    [suggestion] = suggestions_of(world)
    assert suggestion.helpful is True
    frozen_clock.advance(GRACE - timedelta(minutes=1))
    assert count_deflections.call() == 0  # the customer may still write
    frozen_clock.advance(minutes=2)
    assert count_deflections.call() == 1
    assert count_deflections.call() == 0  # counted once
    [suggestion] = suggestions_of(world)
    assert suggestion.deflected_at == frozen_clock.now()
    with brand_scope(world.ej):
        assert ArticleDay.objects.get(article=help_.article).deflections == 1


def test_a_request_written_after_the_suggestion_is_not_a_deflection(
    browser: django.test.Client, world: World, help_: Help, frozen_clock: Any
) -> None:
    open_suggested(browser, help_)
    browser.post(url(world.ej, "help_vote", pk=help_.article.pk), {"helpful": "yes"})
    frozen_clock.advance(minutes=5)
    response = browser.post("/en" + url(world.ej, "contact"), form())
    assert response.status_code == 302
    [suggestion] = suggestions_of(world)
    assert suggestion.wrote_at == frozen_clock.now()
    frozen_clock.advance(hours=1)
    assert count_deflections.call() == 0
    with brand_scope(world.ej):
        assert ArticleDay.objects.get(article=help_.article).deflections == 0


def test_an_unhelpful_or_unanswered_suggestion_is_not_a_deflection(
    browser: django.test.Client, world: World, help_: Help, frozen_clock: Any
) -> None:
    open_suggested(browser, help_)
    other = django.test.Client()
    open_suggested(other, help_)
    other.post(url(world.ej, "help_vote", pk=help_.article.pk), {"helpful": "no"})
    frozen_clock.advance(hours=2)
    assert count_deflections.call() == 0
    with all_brands():
        assert not Suggestion.objects.filter(deflected_at__isnull=False).exists()


def test_the_job_is_registered() -> None:
    from guichet.lib import periodic

    names = {job.name: job.task_path for job in periodic.jobs()}
    assert names["knowledge.deflections"] == "guichet.knowledge.tasks.count_deflections"
