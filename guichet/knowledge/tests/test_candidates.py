"""FAQ candidates (KB-2): the tickets a brand's customers sent grouped by what they ask,
each brand apart, groups an article answers left out, the trend, a run that replaces the
new candidates and keeps what publishers decided, and a draft started from a candidate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bench.faq_tickets import generate
from guichet.accounts.models import Role
from guichet.conftest import make_staff, publish_preset
from guichet.contacts.services import contact_for_email
from guichet.knowledge import candidates, services
from guichet.knowledge.models import Article, CandidateState, FaqCandidate, VersionState
from guichet.lib import periodic
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.tickets import services as tickets
from guichet.tickets.choices import Channel


@pytest.fixture
def w(db: Any, frozen_clock: Any) -> Any:
    class W:
        pass

    w = W()
    w.clock = frozen_clock
    w.brand = publish_preset("ivoire-toner")
    w.other = publish_preset("jamla24")
    w.agent = make_staff(w.brand, "awa", Role.AGENT)
    w.manager = make_staff(w.brand, "kouame", Role.MANAGER)
    w.section = services.section_save(
        brand=w.brand, actor=w.manager, key="aide", title={"fr": "Aide", "en": "Help"}
    )
    return w


def _open(brand: Any, items: list[Any]) -> list[Any]:
    contact = contact_for_email(
        brand=brand, email=f"client@{brand.slug}.example", name="Client", language="fr"
    )
    contact_type = brand.get_policy().contact_types[0].type
    return tickets.tickets_open(
        [
            {
                "brand": brand,
                "contact": contact,
                "contact_type": contact_type,
                "subject": item.subject,
                "text": item.text,
                "channel": Channel.WEB,
                "language": item.language,
                "acknowledge": False,
            }
            for item in items
        ]
    )


def _items(kinds: tuple[str, ...], n: int, seed: int = 1, noise: float = 0.0) -> list[Any]:
    return generate(n, seed=seed, languages=("fr",), kinds=kinds, noise=noise)


def _find(brand: Any, w: Any) -> list[FaqCandidate]:
    candidates.candidates_find(brand=brand, language="fr", now=w.clock.now() + timedelta(hours=1))
    with brand_scope(brand):
        return list(FaqCandidate.objects.filter(brand=brand, language="fr").order_by("-size"))


def test_the_frequent_questions_of_a_brand_become_candidates_apart_from_another_brands(w):
    ours = _open(w.brand, _items(("password", "cancel_order"), 40, noise=0.1))
    theirs = _open(w.other, _items(("refund",), 15, seed=2))
    found = _find(w.brand, w)
    assert len(found) == 2
    ids = {t.pk for t in ours}
    for candidate in found:
        assert candidate.size >= candidates.min_size()
        assert set(candidate.ticket_ids) <= ids
        assert candidate.terms and candidate.key == candidates.candidate_key(candidate.terms)
        assert candidate.question in {t.subject for t in ours}  # as the customers put it
        assert candidate.state == CandidateState.NEW and candidate.previous_size == 0
    words = " ".join(" ".join(c.terms) for c in found)
    assert "passe" in words and "annul" in words and "rembours" not in words
    # The other brand's run sees its own tickets only.
    mine = _find(w.other, w)
    assert len(mine) == 1 and set(mine[0].ticket_ids) <= {t.pk for t in theirs}
    with brand_scope(w.brand):
        assert FaqCandidate.objects.filter(brand=w.brand).count() == 2


def test_a_question_an_article_answers_is_no_candidate(w):
    _open(w.brand, _items(("password", "cancel_order"), 40))
    article = services.article_create(
        brand=w.brand,
        actor=w.manager,
        section=w.section,
        language="fr",
        title="Mot de passe oublié : réinitialiser le mot de passe",
        body="Pour réinitialiser votre mot de passe, cliquez sur « mot de passe oublié » "
        "sur la page de connexion. Le lien de réinitialisation arrive par email.",
    )
    services.article_publish(article=article, actor=w.manager)
    found = _find(w.brand, w)
    assert len(found) == 1
    assert "annul" in " ".join(found[0].terms) and "mot passe" not in found[0].terms


def test_the_period_before_gives_the_trend(w):
    w.clock.advance(timedelta(days=-40))
    _open(w.brand, _items(("password",), 6, seed=3))
    w.clock.advance(timedelta(days=40))
    _open(w.brand, _items(("password",), 15, seed=4))
    (candidate,) = _find(w.brand, w)
    assert candidate.size == 15 and candidate.previous_size == 6


def test_a_new_run_replaces_new_candidates_and_keeps_what_publishers_decided(w):
    _open(w.brand, _items(("password", "cancel_order"), 40))
    first = _find(w.brand, w)
    second = _find(w.brand, w)
    assert len(second) == len(first) == 2  # replaced, not added
    assert {c.key for c in second} == {c.key for c in first}
    dismissed = candidates.candidate_dismiss(candidate=second[0], actor=w.manager)
    w.clock.advance(timedelta(days=1))
    _open(w.brand, _items(("password", "cancel_order"), 10, seed=9))
    again = _find(w.brand, w)
    assert len(again) == 2
    kept = next(c for c in again if c.pk == dismissed.pk)
    assert kept.state == CandidateState.DISMISSED
    assert kept.found_at > dismissed.found_at  # its figures brought up to date
    assert kept.period_end == w.clock.now() + timedelta(hours=1)
    with pytest.raises(InvalidRequest):  # dealt with already
        candidates.candidate_dismiss(candidate=kept, actor=w.manager)


def test_writing_an_article_from_a_candidate_quotes_the_agents_answers(w):
    opened = _open(w.brand, _items(("password",), 8))
    (candidate,) = _find(w.brand, w)
    typical = next(t for t in opened if t.pk == candidate.ticket_ids[0])
    tickets.ticket_reply(
        ticket=typical,
        actor=w.agent,
        text="Cliquez sur « mot de passe oublié », puis suivez le lien reçu.",
    )
    with pytest.raises(InvalidRequest):  # an agent writes articles but does not publish
        candidates.candidate_draft(candidate=candidate, actor=w.agent, section=w.section)
    drafted = candidates.candidate_draft(candidate=candidate, actor=w.manager, section=w.section)
    assert drafted.state == CandidateState.DRAFTED
    with brand_scope(w.brand):
        article = Article.objects.select_related("latest").get(pk=drafted.article_id)
        assert article.language == "fr" and article.published is None
        assert article.latest.state == VersionState.DRAFT
        assert article.latest.title == candidate.question
        assert "> Cliquez sur « mot de passe oublié »" in article.latest.body
    with pytest.raises(InvalidRequest):
        candidates.candidate_draft(candidate=drafted, actor=w.manager, section=w.section)


def test_normalising_keeps_the_customers_own_words():
    text = (
        "Bonjour,\nJ'ai reçu ma commande CMD-12345 cassée le 12/11, voir https://x.fr/a?b=1 "
        "ou écrivez à jean@exemple.fr.\n\nCordialement,\nJean Dupont\n"
        "Le lun. 3 nov. 2026 à 10:02, Service <s@x.fr> a écrit :\n> Votre demande est reçue"
    )
    assert candidates.normalise("Colis abîmé", text) == (
        "colis abime bonjour j ai recu ma commande cassee le voir ou ecrivez a"
    )


def test_the_question_is_the_subject_most_tickets_share_without_references():
    rows = [
        (1, "Delivery delayed order A-984325", ""),
        (2, "Where is my parcel?", ""),
        (3, "where is my parcel", ""),
        (4, "Late delivery", ""),
    ]
    assert candidates._question(rows, [0, 1, 2, 3]) == "Where is my parcel?"
    assert candidates._question(rows, [0, 3]) == "Delivery delayed order"
    assert candidates._question([(5, "", "Hello\nMy parcel is late.")], [0]) == (
        "Hello My parcel is late."
    )


def test_the_job_runs_each_night():
    job = next(j for j in periodic.jobs() if j.name == "knowledge.candidates")
    assert job.task_path == "guichet.knowledge.tasks.find_candidates"
    assert job.every == timedelta(hours=24)
