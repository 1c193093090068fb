"""The satisfaction survey (CL-1): a closing emails a link (only its digest is kept; the
secret travels sealed in the outbox and is forgotten once sent); the link answers once,
without signing in, until it expires; a "not satisfied" answer offers the next level or
reopening, once, to the browser that answered. Hostile input: guessed, altered, expired,
reused, another brand's and another ticket's links, CSRF, scores off the scale."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import django.test
import pytest

from guichet.brands.models import Brand
from guichet.brands.services import policy_publish
from guichet.conftest import PRESETS, World, last
from guichet.contacts.services import contact_for_email
from guichet.desk.timeline import describe
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.notify.delivery import deliver_due
from guichet.notify.models import OutboundEmail, OutboxStatus
from guichet.notify.outbox import SECRET_MARK
from guichet.portal import services as portal
from guichet.portal import surveys
from guichet.portal.models import SurveyAnswer, SurveyLink
from guichet.portal.tests.conftest import url
from guichet.tickets import services
from guichet.tickets.actors import SYSTEM, Customer
from guichet.tickets.choices import Channel, EscalationTrigger, Outcome, Status, Verb
from guichet.tickets.models import Ticket

SURVEY_PATH = re.compile(r"https?://[^/\s]+(/(?:en/)?b/[^/\s]+/survey/([A-Za-z0-9_-]+))")


def fresh(ticket: Ticket) -> Ticket:
    with brand_scope(ticket.brand_id):
        return Ticket.objects.get(pk=ticket.pk)


def close(world: World, ticket: Ticket | None = None) -> Ticket:
    ticket = ticket or world.ticket
    return services.ticket_close(
        ticket=ticket, actor=world.agent, outcome=Outcome.NOT_UPHELD, summary="Pas d'erreur."
    )


def survey_emails(ticket: Ticket) -> list[OutboundEmail]:
    with brand_scope(ticket.brand_id):
        return list(
            OutboundEmail.objects.filter(ticket=ticket, message__isnull=True).order_by("pk")
        )


def links(ticket: Ticket) -> list[SurveyLink]:
    with brand_scope(ticket.brand_id):
        return list(SurveyLink.objects.filter(ticket=ticket).order_by("pk"))


def answers(ticket: Ticket) -> list[SurveyAnswer]:
    with brand_scope(ticket.brand_id):
        return list(SurveyAnswer.objects.filter(ticket=ticket))


def delivered_link(mailoutbox: list[Any]) -> tuple[str, str]:
    """(path, secret) of the survey link in the last email delivered."""
    deliver_due()
    for mail in reversed(mailoutbox):
        found = SURVEY_PATH.search(mail.body)
        if found:
            return found.group(1), found.group(2)
    raise AssertionError("no survey email was delivered")


def with_policy(slug: str, *replacements: tuple[str, str]) -> Brand:
    """A preset published with some of its lines changed."""
    text = (Path(PRESETS) / f"{slug}.toml").read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return policy_publish(text=text, source=f"test:{slug}").brand


@pytest.fixture
def surveyed(world: World, mailoutbox: list[Any]) -> tuple[str, str]:
    """The EJ complaint closed, its survey delivered: (path, secret)."""
    close(world)
    return delivered_link(mailoutbox)


# --- the invitation -------------------------------------------------------------------------


def test_closing_emails_a_survey_link_kept_only_as_a_digest(
    world: World, mailoutbox: list[Any], settings: Any
) -> None:
    close(world)
    [email] = survey_emails(world.ticket)
    assert email.automatic and email.status == OutboxStatus.QUEUED
    assert email.subject == f"[{world.ticket.reference}] Votre avis sur notre réponse"
    assert SECRET_MARK in email.text and SECRET_MARK in email.html
    assert email.sealed_secret  # the secret, sealed until delivery
    [link] = links(world.ticket)
    assert link.sent_at == clock.now() and link.expires_at == clock.now() + timedelta(days=14)

    path, secret = delivered_link(mailoutbox)
    assert path == f"/b/ej/survey/{secret}"  # French: the ticket's language
    assert f"{settings.SITE_URL}{path}" in mailoutbox[-1].body
    assert "Êtes-vous satisfait" in mailoutbox[-1].body  # EJ's own question
    assert portal.digest(secret) == link.token_hash
    with brand_scope(world.ej):
        sent = OutboundEmail.objects.get(pk=email.pk)
    assert sent.status == OutboxStatus.SENT and sent.sealed_secret == ""
    assert secret not in sent.text and secret not in sent.html  # nothing stored works


def test_no_survey_when_the_policy_or_the_closing_does_not_call_for_one(world: World) -> None:
    compliment = services.ticket_open(
        brand=world.ej,
        contact=world.customer,
        contact_type="compliment",
        subject="Merci",
        text="Bravo à l'équipe.",
        channel=Channel.EMAIL,
    )
    services.ticket_close(ticket=compliment, actor=world.agent)  # EJ surveys complaints, questions
    withdrawn = services.ticket_close(
        ticket=world.ticket, actor=Customer(world.customer), outcome=Outcome.WITHDRAWN
    )
    assert links(compliment) == [] and links(withdrawn) == []

    blocked = contact_for_email(brand=world.ej, email="bloque@exemple.fr", name="Bloqué")
    question = services.ticket_open(
        brand=world.ej,
        contact=blocked,
        contact_type="question",
        subject="Question",
        text="?",
        channel=Channel.EMAIL,
    )
    with brand_scope(world.ej):
        blocked.blocked_since = clock.now()
        blocked.save(update_fields=["blocked_since"])
    services.ticket_close(ticket=question, actor=world.agent)
    assert links(question) == []


def test_no_survey_where_the_policy_turns_it_off(world: World, db: Any) -> None:
    brand = with_policy("jamla24", ("[survey]\nenabled = true", "[survey]\nenabled = false"))
    customer = contact_for_email(brand=brand, email="s@exemple.ma", name="S")
    ticket = services.ticket_open(
        brand=brand,
        contact=customer,
        contact_type="question",
        subject="Question",
        text="?",
        channel=Channel.EMAIL,
    )
    services.ticket_close(ticket=ticket, actor=SYSTEM)
    assert links(ticket) == []


def test_a_survey_with_a_delay_goes_out_from_the_periodic_job_unless_reopened(
    world: World, frozen_clock: clock.FrozenClock, mailoutbox: list[Any]
) -> None:
    brand = with_policy("jamla24", ('send_after = "0s"', 'send_after = "2d"'))
    customer = contact_for_email(brand=brand, email="s@exemple.ma", name="S")

    def closed_question() -> Ticket:
        ticket = services.ticket_open(
            brand=brand,
            contact=customer,
            contact_type="question",
            subject="Question",
            text="?",
            channel=Channel.EMAIL,
        )
        return services.ticket_close(ticket=ticket, actor=SYSTEM)

    first, second = closed_question(), closed_question()
    assert [link.sent_at for link in links(first)] == [None] and survey_emails(first) == []
    assert surveys.surveys_send_due() == 0
    services.ticket_receive(ticket=second, contact=customer, text="Encore moi", channel="email")
    frozen_clock.advance(days=2)
    assert surveys.surveys_send_due() == 1  # the reopened one is cancelled
    assert surveys.surveys_send_due() == 0  # each once
    assert len(survey_emails(first)) == 1 and survey_emails(second) == []
    assert links(second)[0].cancelled_at is not None


# --- answering ----------------------------------------------------------------------------------


def test_the_link_answers_once_without_signing_in(
    world: World, surveyed: tuple[str, str], browser: django.test.Client
) -> None:
    path, secret = surveyed
    page = browser.get("/en" + path)
    assert page.status_code == 200 and page["Referrer-Policy"] == "strict-origin"
    assert 'name="score"' in page.content.decode() and answers(world.ticket) == []  # GET: nothing

    response = browser.post("/en" + path, {"score": "4", "comment": " Rapide et clair. "})
    assert response.status_code == 302 and response["Location"].endswith(path)
    [answer] = answers(world.ticket)
    assert (answer.score, answer.scale, answer.comment, answer.level) == (
        4,
        5,
        "Rapide et clair.",
        1,
    )
    event = last(world.ticket, Verb.SURVEY_ANSWERED)
    assert event.actor_contact_id == world.customer.pk
    assert event.data == {
        "score": 4,
        "scale": 5,
        "not_satisfied": False,
        "comment": "Rapide et clair.",
        "level": 1,
    }
    thanks = browser.get("/en" + path).content.decode()
    assert "4 out of 5" in thanks and 'name="score"' not in thanks
    assert "next level" not in thanks  # satisfied: nothing to offer

    again = django.test.Client().post("/en" + path, {"score": "1"})  # reused elsewhere
    assert again.status_code == 200 and "4 out of 5" in again.content.decode()
    assert len(answers(world.ticket)) == 1
    with pytest.raises(InvalidRequest):
        surveys.survey_answer(brand=world.ej, token=secret, score=1)


@pytest.mark.parametrize("score", ["0", "6", "-1", "3.5", "abc", "", "99999999999999999999"])
def test_scores_off_the_scale_are_refused(
    world: World, surveyed: tuple[str, str], browser: django.test.Client, score: str
) -> None:
    path, _ = surveyed
    response = browser.post(path, {"score": score, "comment": "x"})
    assert response.status_code == 400 and answers(world.ticket) == []
    assert links(world.ticket)[0].answered_at is None  # still usable


def test_the_service_refuses_scores_off_the_scale(world: World, surveyed: tuple[str, str]) -> None:
    _, secret = surveyed
    for score in (0, 6, True):
        with pytest.raises(InvalidRequest):
            surveys.survey_answer(brand=world.ej, token=secret, score=score)  # type: ignore[arg-type]
    assert answers(world.ticket) == []


def test_an_oversized_comment_is_refused(
    world: World, surveyed: tuple[str, str], browser: django.test.Client
) -> None:
    path, _ = surveyed
    response = browser.post(path, {"score": "3", "comment": "x" * 2001})
    assert response.status_code == 400 and answers(world.ticket) == []


def test_an_expired_link_does_not_work(
    world: World, surveyed: tuple[str, str], browser: django.test.Client, frozen_clock: Any
) -> None:
    path, _ = surveyed
    frozen_clock.advance(days=14, seconds=1)
    assert browser.get(path).status_code == 404
    assert browser.post(path, {"score": "5"}).status_code == 404
    assert answers(world.ticket) == []


def test_guessed_altered_and_other_brands_links_do_not_work_and_guessing_is_limited(
    world: World, surveyed: tuple[str, str], browser: django.test.Client
) -> None:
    path, secret = surveyed
    altered = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for bad in (altered, secret[:20], secret + "x", "a" * 200, "%00", "..%2Ftrack"):
        assert browser.post(url(world.ej, "survey", token=bad), {"score": "5"}).status_code in (
            404,
            429,
        )
    jamla = browser.get(url(world.jamla, "survey", token=secret))  # EJ's link at Jamla24
    assert jamla.status_code == 404
    assert answers(world.ticket) == []
    # Guessing is limited per IP address (the budget of the pages links open).
    codes = [
        browser.get(url(world.ej, "survey", token=secrets.token_urlsafe(32))).status_code
        for _ in range(25)
    ]
    assert set(codes) == {404, 429} and codes[-1] == 429
    assert browser.get(path).status_code == 429  # even the right link, from there, for now


def test_csrf_is_checked(world: World, surveyed: tuple[str, str]) -> None:
    path, _ = surveyed
    strict = django.test.Client(enforce_csrf_checks=True)
    assert strict.post(path, {"score": "1"}).status_code == 403
    assert answers(world.ticket) == []


# --- not satisfied -----------------------------------------------------------------------------


def test_not_satisfied_offers_the_next_level_and_takes_it_once(
    world: World, surveyed: tuple[str, str], browser: django.test.Client
) -> None:
    path, secret = surveyed
    browser.post("/en" + path, {"score": "2", "comment": "Personne ne m'a écoutée."})
    page = browser.get("/en" + path).content.decode()
    assert "Ask for the next level" in page and "Reopen my request" in page
    assert "Personne ne m&#x27;a écoutée." in page  # the comment, ready as the reason

    response = browser.post(
        "/en" + path + "/next", {"choice": "escalate", "reason": "Personne ne m'a écoutée."}
    )
    assert response.status_code == 302
    ticket = fresh(world.ticket)
    assert (ticket.level, ticket.status) == (2, Status.OPEN)
    escalated = last(ticket, Verb.ESCALATED)
    assert escalated.actor_contact_id == world.customer.pk
    assert escalated.data["trigger"] == EscalationTrigger.CUSTOMER
    assert escalated.data["reason"] == "Personne ne m'a écoutée."
    assert "moved to the next level" in browser.get("/en" + path).content.decode()

    again = browser.post("/en" + path + "/next", {"choice": "escalate", "reason": "Encore"})
    assert again.status_code == 404  # once
    with pytest.raises(InvalidRequest):
        surveys.survey_follow_up(brand=world.ej, token=secret, choice="reopen", reason="Encore")
    assert fresh(world.ticket).level == 2


def test_without_an_answer_not_satisfied_offers_no_next_level(
    world: World, surveyed: tuple[str, str], browser: django.test.Client
) -> None:
    """A request closed before the brand answered anything (the answer's moments cleared
    here): the next level reviews an answer, so only reopening is offered."""
    with brand_scope(world.ej):
        Ticket.objects.filter(pk=world.ticket.pk).update(first_responded_at=None, answered_at=None)
    path, secret = surveyed
    browser.post("/en" + path, {"score": "1", "comment": "Rien reçu."})
    page = browser.get("/en" + path).content.decode()
    assert "Ask for the next level" not in page and "Reopen my request" in page
    with pytest.raises(InvalidRequest):
        surveys.survey_follow_up(brand=world.ej, token=secret, choice="escalate", reason="x")
    assert fresh(world.ticket).level == 1


def test_not_satisfied_can_reopen_the_request(
    world: World, surveyed: tuple[str, str], browser: django.test.Client
) -> None:
    path, _ = surveyed
    browser.post(path, {"score": "1"})
    missing = browser.post(path + "/next", {"choice": "reopen", "reason": "  "})
    assert missing.status_code == 400 and fresh(world.ticket).status == Status.CLOSED
    browser.post(path + "/next", {"choice": "reopen", "reason": "Le problème continue."})
    ticket = fresh(world.ticket)
    assert ticket.status == Status.OPEN and ticket.level == 1 and ticket.closed_at is None
    reopened = last(ticket, Verb.REOPENED)
    assert reopened.actor_contact_id == world.customer.pk
    assert reopened.data["reason"] == "Le problème continue."
    assert "Le problème continue." in describe(reopened)


def test_only_the_browser_that_answered_may_follow_up_and_only_on_its_link(
    world: World, surveyed: tuple[str, str], browser: django.test.Client, mailoutbox: list[Any]
) -> None:
    path, _ = surveyed
    browser.post(path, {"score": "1"})
    stranger = django.test.Client()
    assert "Reopen my request" not in stranger.get(path).content.decode()
    taken = stranger.post(path + "/next", {"choice": "escalate", "reason": "x"})
    assert taken.status_code == 404

    other = services.ticket_open(
        brand=world.ej,
        contact=world.customer,
        contact_type="question",
        subject="Autre question",
        text="?",
        channel=Channel.EMAIL,
    )
    services.ticket_close(ticket=other, actor=world.agent)
    other_path, _ = delivered_link(mailoutbox)
    # The grant of the first link does not work with the second ticket's link.
    crossed = browser.post(other_path + "/next", {"choice": "reopen", "reason": "x"})
    assert crossed.status_code == 404
    assert fresh(other).status == Status.CLOSED and fresh(world.ticket).level == 1


def test_a_satisfied_answer_leads_nowhere(
    world: World, surveyed: tuple[str, str], browser: django.test.Client
) -> None:
    path, _ = surveyed
    browser.post(path, {"score": "3"})
    response = browser.post(path + "/next", {"choice": "escalate", "reason": "x"})
    assert response.status_code == 400
    assert fresh(world.ticket).level == 1 and fresh(world.ticket).status == Status.CLOSED


def test_a_reply_from_the_customer_reopens_a_closed_request(world: World) -> None:
    close(world)
    services.ticket_receive(
        ticket=world.ticket,
        contact=world.customer,
        text="Je ne suis pas d'accord.",
        channel="email",
    )
    assert fresh(world.ticket).status == Status.OPEN
    assert last(world.ticket, Verb.REOPENED).data["reason"] == "customer_message"


def test_the_customer_reopens_only_their_own_closed_request(world: World) -> None:
    neighbour = contact_for_email(brand=world.ej, email="voisin@exemple.fr", name="Voisin")
    with pytest.raises(InvalidRequest):
        services.ticket_reopen(ticket=world.ticket, actor=Customer(world.customer), reason="x")
    close(world)
    for contact, reason in ((neighbour, "x"), (world.customer, " ")):
        with pytest.raises(InvalidRequest):
            services.ticket_reopen(ticket=world.ticket, actor=Customer(contact), reason=reason)
    assert fresh(world.ticket).status == Status.CLOSED


# --- where answers show -------------------------------------------------------------------------


def test_the_desk_timeline_and_my_data_show_the_answer(
    world: World, surveyed: tuple[str, str], signed_in: django.test.Client
) -> None:
    _, secret = surveyed
    surveys.survey_answer(brand=world.ej, token=secret, score=2, comment="Trop long.")
    line = describe(last(world.ticket, Verb.SURVEY_ANSWERED))
    assert "2" in line and "5" in line and "Trop long." in line
    data = signed_in.get(url(world.ej, "my_data")).json()
    assert data["survey_answers"] == [
        {
            "reference": world.ticket.reference,
            "score": 2,
            "out_of": 5,
            "comment": "Trop long.",
            "at": clock.now().isoformat(),
        }
    ]


def test_answers_stay_in_their_brand(world: World, surveyed: tuple[str, str]) -> None:
    _, secret = surveyed
    surveys.survey_answer(brand=world.ej, token=secret, score=5)
    with brand_scope(world.jamla):
        assert not SurveyAnswer.objects.exists() and not SurveyLink.objects.exists()
    with pytest.raises(InvalidRequest):
        surveys.survey_answer(brand=world.jamla, token=secret, score=5)
