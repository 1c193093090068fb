"""The help centre's frequent questions in the desk (`/desk/help/candidates`,
docs/help-centre.md "FAQ candidates"): the publishers see each candidate with its size,
trend, words and example tickets, start an article from one or dismiss it; who does not
publish is refused, and another brand's candidates never show."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from guichet.conftest import World, assert_hidden_from_outsider
from guichet.desk.kb_candidates_views import editor_url
from guichet.knowledge import services
from guichet.knowledge.models import Article, CandidateState, FaqCandidate
from guichet.lib import clock
from guichet.lib.scoping import brand_scope
from guichet.tickets import services as tickets

PAGE = reverse("desk:help_candidates")


def _candidate(brand: Any, ticket_ids: list[int], **extra: Any) -> FaqCandidate:
    now = clock.now()
    values = {
        "brand": brand,
        "language": "fr",
        "period_start": now,
        "period_end": now,
        "found_at": now,
        "terms": ["facture double", "debite deux"],
        "question": "Facture en double",
        "size": 12,
        "previous_size": 4,
        "ticket_ids": ticket_ids,
        "key": "debite deux facture double",
        **extra,
    }
    with brand_scope(brand):
        return FaqCandidate.objects.create(**values)


@pytest.fixture
def found(world: World) -> Any:
    section = services.section_save(
        brand=world.ej, actor=world.manager, key="factures", title={"fr": "Factures"}
    )
    candidate = _candidate(world.ej, [world.ticket.pk])
    theirs = _candidate(world.jamla, [], question="Colis jamais reçu chez Jamla")
    return candidate, theirs, section


def test_a_publisher_sees_each_candidate_with_its_size_trend_and_examples(client, world, found):
    client.force_login(world.manager)
    html = client.get(PAGE).content.decode()
    assert "Facture en double" in html
    assert "12 tickets" in html
    assert world.ticket.reference in html
    assert reverse("desk:ticket", args=[world.ticket.reference]) in html
    assert "facture double, debite deux" in html
    assert "Colis jamais reçu chez Jamla" not in html  # another brand's


def test_who_does_not_publish_is_refused(client, world, found):
    client.force_login(world.agent)
    assert client.get(PAGE).status_code == 403
    candidate = found[0]
    url = reverse("desk:help_candidate_dismiss", args=[candidate.pk])
    assert client.post(url).status_code == 403


def test_another_brands_candidate_is_not_there(client, world, found):
    candidate = found[0]
    for name in ("desk:help_candidate_dismiss", "desk:help_candidate_draft"):
        url = reverse(name, args=[candidate.pk])
        assert_hidden_from_outsider(client, world.outsider_admin, url, method="post")
    client.force_login(world.outsider_admin)
    assert "Facture en double" not in client.get(PAGE).content.decode()


def test_writing_an_article_from_a_candidate_opens_its_draft(client, world, found):
    candidate, _theirs, section = found
    tickets.ticket_reply(
        ticket=world.ticket, actor=world.agent, text="Le second débit vous a été remboursé."
    )
    client.force_login(world.manager)
    response = client.post(
        reverse("desk:help_candidate_draft", args=[candidate.pk]), {"section": section.pk}
    )
    with brand_scope(world.ej):
        candidate.refresh_from_db()
        assert candidate.state == CandidateState.DRAFTED
        article = Article.objects.select_related("latest").get(pk=candidate.article_id)
        assert article.latest.title == "Facture en double"
        assert "> Le second débit vous a été remboursé." in article.latest.body
    assert response.status_code == 302
    assert (
        response["Location"]
        == editor_url(article.pk)
        == reverse("desk:help_edit", args=[article.pk])
    )
    # Drafted: no longer among the new ones, listed with the drafted.
    assert "Facture en double" not in client.get(PAGE).content.decode()
    assert "Facture en double" in client.get(PAGE, {"state": "drafted"}).content.decode()


def test_a_section_must_be_chosen_and_belong_to_the_brand(client, world, found):
    candidate, _theirs, _section = found
    other = services.section_save(
        brand=world.jamla, actor=world.outsider_admin, key="x", title={"fr": "X"}
    )
    client.force_login(world.manager)
    client.post(reverse("desk:help_candidate_draft", args=[candidate.pk]), {"section": other.pk})
    with brand_scope(world.ej):
        candidate.refresh_from_db()
    assert candidate.state == CandidateState.NEW


def test_dismissing_a_candidate(client, world, found):
    candidate = found[0]
    client.force_login(world.manager)
    response = client.post(reverse("desk:help_candidate_dismiss", args=[candidate.pk]))
    assert response.status_code == 302
    with brand_scope(world.ej):
        candidate.refresh_from_db()
    assert candidate.state == CandidateState.DISMISSED
    assert "Facture en double" not in client.get(PAGE).content.decode()


def test_the_forms_need_post_and_csrf(client, world, found):
    candidate = found[0]
    client.force_login(world.manager)
    assert (
        client.get(reverse("desk:help_candidate_dismiss", args=[candidate.pk])).status_code == 405
    )
    html = client.get(PAGE).content.decode()
    assert html.count("csrfmiddlewaretoken") >= 2
