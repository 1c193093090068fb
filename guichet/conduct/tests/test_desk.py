"""The conduct procedure through the desk (docs/desk.md "Conduct in the desk"), Respect's
policy: the words found marked in the message, Confirm / Dismiss, the warning then the
block, the held messages read and processed by a manager after the lift; a complaint about
a team member that this person cannot reach anywhere, concluded in writing; who may do
what; another brand's staff reach nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from guichet.conduct.models import AbuseFlag, Decision, Referral
from guichet.conftest import VerifiedClient
from guichet.contacts.models import Contact, ContactBlock
from guichet.intake.models import InboundEmail, InboundState
from guichet.lib.scoping import brand_scope
from guichet.notify.models import OutboundEmail
from guichet.tickets.choices import Outcome, Verb
from guichet.tickets.models import Event, Ticket

pytestmark = pytest.mark.django_db

INSULT = "Bonjour, vous êtes vraiment une bande de connards, ma commande n'est jamais arrivée."
AGAIN = "Toujours rien. Bande de connards."
THREAT = "Si je n'ai pas mon remboursement demain, je vais vous tuer."
HELD = "Je voulais aussi signaler un vrai défaut du produit."
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    """The desk's pages in English (/en/desk/…, as `reverse` gives them now); a test reads
    them in French under `translation.override("fr")`."""
    with translation.override("en"):
        yield


def signed_in(user: Any) -> VerifiedClient:
    client = VerifiedClient(raise_request_exception=False)
    client.force_login(user)
    return client


def plain(html: str) -> str:
    """Spaces as spaces (French typography puts no-break spaces before colons)."""
    return html.replace("\u00a0", " ").replace("\u202f", " ")


def page(client: VerifiedClient, ticket: Ticket) -> str:
    response = client.get(reverse("desk:ticket", args=[ticket.reference]))
    assert response.status_code == 200
    return plain(response.content.decode())


def flags(respect: Any) -> list[AbuseFlag]:
    with brand_scope(respect.brand):
        return list(AbuseFlag.objects.order_by("pk"))


def letters(ticket: Ticket) -> list[str]:
    with brand_scope(ticket.brand_id):
        return [
            e.data.get("letter")
            for e in Event.objects.filter(ticket=ticket, verb=Verb.REPLIED).order_by("pk")
        ]


def decide(client: VerifiedClient, ticket: Ticket, flag: AbuseFlag, decision: str, note: str = ""):
    return client.post(
        reverse("desk:flag_decide", args=[ticket.reference, flag.pk]),
        {"decision": decision, "note": note},
        **HX,
    )


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", plain(response.content.decode()))


def test_the_respect_story_through_the_desk(respect):
    agent, manager = signed_in(respect.agent), signed_in(respect.manager)
    ticket = respect.email(INSULT).ticket

    # The ticket page shows the flag, its severity and source, and the words marked in
    # the message itself (escaped around them).
    shown = page(agent, ticket)
    assert "bande de <mark>connards</mark>, ma commande n&#x27;est jamais arrivée" in shown
    assert 'class="severity sev-1"' in shown and "Insult" in shown
    assert "detected" in shown
    assert "Confirming sends warning 1 of 1 to the customer." in shown

    # The agent confirms: the warning letter goes out, the page says so.
    [first] = flags(respect)
    done = decide(agent, ticket, first, "confirm", "Insulte caractérisée.")
    assert done.status_code == 200
    assert "Warning 1 of 1 sent to the customer." in text(done)
    assert letters(ticket)[-1] == "conduct_warning"
    with brand_scope(respect.brand):
        warning = OutboundEmail.objects.filter(ticket=ticket).order_by("pk").last()
        assert warning is not None and warning.to_address == "paul@exemple.fr"
    shown = page(agent, ticket)
    assert "Warning 1 of 1 sent to the customer" in shown  # the timeline's line
    assert "Warnings sent: 1 of 1 before a block" in shown

    # It goes on: confirmed, the customer is blocked; the banner says since when and why.
    respect.email(AGAIN, reply_to=ticket.reference)
    second = flags(respect)[-1]
    assert "Confirming blocks the customer" in page(agent, ticket)
    done = decide(agent, ticket, second, "confirm")
    assert "Customer blocked: correspondence stops." in text(done)
    assert letters(ticket)[-1] == "conduct_blocked"
    shown = re.sub(r"\s+", " ", page(agent, ticket))
    assert 'class="banner blocked"' in shown and "by the conduct policy" in shown
    # The reason, in the brand's language.
    assert "Customer blocked: Les messages abusifs ont continué après 1 avertissement" in shown
    assert "Lift the block" not in shown  # the agent may not lift

    # The next email is held, unanswered; the manager reads it, the agent cannot.
    with brand_scope(respect.brand):
        sent = OutboundEmail.objects.count()
    held = respect.email(HELD)
    assert (held.state, held.reason, held.ticket) == (
        InboundState.QUARANTINED,
        "blocked_sender",
        None,
    )
    with brand_scope(respect.brand):
        assert OutboundEmail.objects.count() == sent
    assert agent.get(reverse("desk:held")).status_code == 404
    assert agent.post(reverse("desk:held"), {"inbound": held.pk}).status_code == 404
    listed = manager.get(reverse("desk:held"))
    assert listed.status_code == 200
    body = text(listed)
    assert HELD.replace("'", "&#x27;") in body and "Paul Martin" in body
    assert "paul@exemple.fr" in body and "Process now" not in body  # still blocked
    assert f"Lift the block on {ticket.reference}" in body
    inbox = text(manager.get(reverse("desk:inbox", args=["abusive"])))
    assert 'Held messages</span><span class="count">1</span>' in inbox
    # Not processed while the block holds.
    assert manager.post(reverse("desk:held"), {"inbound": held.pk}).status_code == 403

    # The manager lifts the block from the desk; "Process now" opens the ticket.
    lifted = manager.post(
        reverse("desk:lift", args=[ticket.reference]), {"reason": "Il s'est excusé."}, **HX
    )
    assert lifted.status_code == 200 and "Block lifted." in text(lifted)
    with brand_scope(respect.brand):
        assert Contact.objects.get(pk=respect.customer.pk).blocked_since is None
    assert "Customer&#x27;s block lifted: Il s&#x27;est excusé." in page(manager, ticket)
    assert "Process now" in text(manager.get(reverse("desk:held")))
    processed = manager.post(reverse("desk:held"), {"inbound": held.pk})
    assert processed.status_code == 302
    with brand_scope(respect.brand):
        held.refresh_from_db()
        opened = Ticket.objects.get(pk=held.ticket_id)
    assert held.state == InboundState.TICKET_MESSAGE
    assert processed["Location"] == reverse("desk:ticket", args=[opened.reference])
    assert "No message is held." in text(manager.get(reverse("desk:held")))


@pytest.fixture
def in_french() -> Iterator[None]:
    with translation.override("fr"):
        yield


def test_dismissing_a_flag_and_the_words_are_no_longer_marked(respect, in_french):
    agent = signed_in(respect.agent)
    ticket = respect.email(INSULT).ticket
    [first] = flags(respect)
    done = decide(agent, ticket, first, "dismiss", "Citation d'un autre client.")
    assert done.status_code == 200 and "Signalement écarté" in text(done)
    with brand_scope(respect.brand):
        first.refresh_from_db()
        assert first.decision == Decision.DISMISSED
        assert Ticket.objects.get(pk=ticket.pk).abuse_flagged_at is None
    shown = page(agent, ticket)
    assert "<mark>" not in shown.split('id="timeline"')[1].split("</section>")[0]
    assert "Écarté : pas abusif" in shown
    # Decided once: a second decision is refused.
    assert decide(agent, ticket, first, "confirm").status_code == 400


def test_a_threat_is_above_an_insult_on_the_page_and_in_the_lists(respect):
    lead = signed_in(respect.lead)
    insult = respect.email(INSULT, subject="Commande A").ticket
    threat = respect.email(THREAT, subject="Commande B").ticket
    shown = page(lead, threat)
    assert 'class="severity sev-4"' in shown and "Threat" in shown
    assert "abusive: threat" in shown  # in words, not in colour alone
    listed = text(lead.get(reverse("desk:inbox", args=["abusive"])))
    assert listed.index(threat.reference) < listed.index(insult.reference)
    assert "abusive: threat" in listed and "abusive: insult" in listed


def test_a_word_in_the_subject_is_marked_in_the_subject(respect):
    agent = signed_in(respect.agent)
    ticket = respect.email("Ma commande n'est pas arrivée.", subject="Bande de connards").ticket
    assert '<p class="subject">Bande de <mark>connards</mark></p>' in page(agent, ticket)


def test_an_agent_flags_by_hand_with_a_severity_and_the_message(respect):
    agent = signed_in(respect.agent)
    ticket = respect.email("Ma commande n'est pas arrivée, je suis très déçu.").ticket
    assert not flags(respect)
    with brand_scope(respect.brand):
        message = ticket.messages.order_by("pk").first()
    done = agent.post(
        reverse("desk:flag", args=[ticket.reference]),
        {"reason": "Menaces au téléphone", "severity": "4", "message": message.pk},
        **HX,
    )
    assert done.status_code == 200 and "Warning 1 of 1 sent to the customer." in text(done)
    [flag] = flags(respect)
    assert (flag.source, flag.severity, flag.decision, flag.message_id) == (
        "staff",
        4,
        Decision.CONFIRMED,
        message.pk,
    )
    shown = page(agent, ticket)
    assert "flagged by Respect-Agent Durand" in shown
    # Without a reason: refused, nothing recorded.
    refused = agent.post(
        reverse("desk:flag", args=[ticket.reference]), {"reason": "", "severity": "1"}, **HX
    )
    assert refused.status_code == 400 and len(flags(respect)) == 1


def test_who_may_block_lift_and_refer_from_the_desk(respect):
    ticket = respect.email("Bonjour, où en est ma commande ?").ticket
    agent, lead = signed_in(respect.agent), signed_in(respect.lead)
    manager = signed_in(respect.manager)
    block = reverse("desk:block", args=[ticket.reference])
    lift = reverse("desk:lift", args=[ticket.reference])
    refer = reverse("desk:refer", args=[ticket.reference])

    assert "Block the customer" not in page(agent, ticket)
    assert agent.post(block, {"reason": "Assez."}, **HX).status_code == 403
    assert agent.post(block, {"reason": "Assez."}).status_code == 403
    assert "Block the customer" in page(lead, ticket)
    assert lead.post(block, {"reason": "Insultes au téléphone."}, **HX).status_code == 200
    with brand_scope(respect.brand):
        assert ContactBlock.objects.get(lifted_at__isnull=True).blocked_by == respect.lead
    shown = re.sub(r"\s+", " ", page(lead, ticket))
    assert "by Respect-Lead" in shown and "Insultes au téléphone." in shown
    assert "Lift the block" not in shown  # lift_block_roles = ["manager"]
    assert lead.post(lift, {"reason": "Excuses."}, **HX).status_code == 403
    assert agent.post(lift, {"reason": "Excuses."}, **HX).status_code == 403
    assert lead.post(refer, {"authority": "police", "note": "Plainte."}, **HX).status_code == 403

    # The manager refers the case and lifts the block: both in the timeline and the record.
    assert "Refer to an authority" in page(manager, ticket)
    referred = manager.post(
        refer, {"authority": "police", "note": "Plainte déposée au commissariat."}, **HX
    )
    assert referred.status_code == 200 and "Referral recorded." in text(referred)
    assert manager.post(refer, {"authority": "police", "note": " "}, **HX).status_code == 400
    assert manager.post(lift, {"reason": "Excuses."}, **HX).status_code == 200
    shown = re.sub(r"\s+", " ", page(manager, ticket))
    assert "Referred to the police: Plainte déposée au commissariat." in shown
    assert "Customer blocked: Insultes au téléphone." in shown
    assert "lifted on" in shown and "Referred to: Police" in shown
    assert "by Respect-Lead:" not in shown  # lifted: the banner is gone
    with brand_scope(respect.brand):
        assert Referral.objects.get().referred_by == respect.manager
    # The French lines of the timeline.
    with translation.override("fr"):
        french = re.sub(r"\s+", " ", page(manager, ticket))
    assert "Signalé à la police : Plainte déposée au commissariat." in french
    assert "Client bloqué : Insultes au téléphone." in french


def complaint_about_the_agent(respect: Any, client: Any) -> Ticket:
    """A complaint about respect-agent, through the portal's contact form."""
    with brand_scope(respect.brand):
        before = set(Ticket.objects.values_list("pk", flat=True))
    sent = client.post(
        reverse("portal:contact", kwargs={"brand": respect.brand.slug}),
        {
            "name": "Paul Martin",
            "email": "paul@exemple.fr",
            "contact_type": "complaint",
            "category": "agent-conduct",
            "staff_member": "Respect-agent Durand",
            "subject": "Un conseiller impoli",
            "message": "Votre conseiller m'a raccroché au nez deux fois.",
            "language": "fr",
            "consent": "on",
            "website": "",
        },
    )
    assert sent.status_code == 302, sent.content.decode()[:2000]
    with brand_scope(respect.brand):
        return Ticket.objects.exclude(pk__in=before).get()


def test_a_complaint_about_an_agent_is_out_of_their_reach_and_concluded_in_writing(respect, client):
    ticket = complaint_about_the_agent(respect, client)
    assert ticket.about_agent and ticket.concerned_agent == respect.agent
    agent = signed_in(respect.agent)
    ref = ticket.reference
    # 404 on the page, its timeline and every action of the ticket page.
    names = [
        "ticket",
        "timeline",
        "reply",
        "note",
        "take",
        "assign",
        "fields",
        "level",
        "close",
        "reopen",
        "flag",
        "block",
        "lift",
        "refer",
        "concerned",
        "thank",
        "close_quietly",
    ]
    for name in names:
        url = reverse(f"desk:{name}", args=[ref])
        response = agent.get(url) if name in ("ticket", "timeline") else agent.post(url, {})
        assert response.status_code == 404, name
    assert agent.post(reverse("desk:flag_decide", args=[ref, 1]), {}).status_code == 404
    # Nowhere in the lists nor in search.
    for view in ("all", "unassigned", "mine", "abusive"):
        listed = agent.get(reverse("desk:inbox", args=[view]))
        assert ref not in listed.content.decode(), view
    link = reverse("desk:ticket", args=[ref])
    for words in (ref, "raccroché"):
        found = agent.get(reverse("desk:search"), {"q": words})
        assert found.status_code == 200 and link not in found.content.decode(), words
    assert link in manager_search(respect, "raccroché")

    # The manager sees whom it is about; closing needs the written conclusions.
    manager = signed_in(respect.manager)
    shown = page(manager, ticket)
    assert "complaint about Respect-Agent Durand" in shown
    assert "Complaint about Respect-Agent Durand" in shown  # the timeline's line
    assert "Your written conclusions (sent to the customer)" in shown
    close = reverse("desk:close", args=[ref])
    with brand_scope(respect.brand):
        revision = Ticket.objects.get(pk=ticket.pk).revision
    refused = manager.post(close, {"outcome": "upheld", "summary": " ", "revision": revision}, **HX)
    assert refused.status_code == 400
    assert "written conclusions" in text(refused)
    conclusions = "Nous avons entendu notre conseiller ; il vous présente ses excuses."
    closed = manager.post(
        close, {"outcome": Outcome.UPHELD, "summary": conclusions, "revision": revision}, **HX
    )
    assert closed.status_code == 200, text(closed)[:500]
    assert "outcome" in letters(ticket)
    with brand_scope(respect.brand):
        sent = [e for e in OutboundEmail.objects.filter(ticket=ticket) if conclusions in e.text]
        assert [e.to_address for e in sent] == ["paul@exemple.fr"]
        assert Ticket.objects.get(pk=ticket.pk).status == "closed"


def manager_search(respect: Any, words: str) -> str:
    """What the manager's search finds (the control: the ticket is found by words)."""
    return signed_in(respect.manager).get(reverse("desk:search"), {"q": words}).content.decode()


def test_staff_say_whom_a_complaint_is_about(respect):
    ticket = respect.email("Votre conseiller a été très impoli au téléphone.").ticket
    lead = signed_in(respect.lead)
    concerned = reverse("desk:concerned", args=[ticket.reference])
    shown = page(lead, ticket)
    assert 'id="concerned-agent"' in shown
    options = shown.split('id="concerned-agent"')[1].split("</select>")[0]
    assert f'value="{respect.agent.pk}"' in options
    assert f'value="{respect.lead.pk}"' not in options  # not themselves
    assert lead.post(concerned, {"agent": respect.lead.pk}, **HX).status_code == 400
    assert (
        signed_in(respect.agent).post(concerned, {"agent": respect.agent2.pk}, **HX).status_code
        == 403
    )
    done = lead.post(concerned, {"agent": respect.agent.pk}, **HX)
    assert done.status_code == 200
    with brand_scope(respect.brand):
        ticket.refresh_from_db()
    assert ticket.concerned_agent == respect.agent and ticket.level == 2
    assert (
        signed_in(respect.agent).get(reverse("desk:ticket", args=[ticket.reference])).status_code
        == 404
    )
    # Another brand's person is not one to choose.
    outsider = lead.post(concerned, {"agent": respect.outsider.pk}, **HX)
    assert outsider.status_code == 400


def test_another_brands_manager_reaches_nothing(respect):
    ticket = respect.email(INSULT).ticket
    [flag] = flags(respect)
    with brand_scope(respect.brand):
        from guichet.conduct import services

        services.flag_confirm(flag=flag, actor=respect.agent)
        respect.email(AGAIN, reply_to=ticket.reference)
        services.flag_confirm(flag=flags(respect)[-1], actor=respect.agent)
    held = respect.email(HELD)
    assert held.state == InboundState.QUARANTINED
    outsider = signed_in(respect.outsider)
    ref = ticket.reference
    for name in ("flag", "block", "lift", "refer", "concerned"):
        assert outsider.post(reverse(f"desk:{name}", args=[ref]), {}).status_code == 404, name
    decided = reverse("desk:flag_decide", args=[ref, flag.pk])
    assert outsider.post(decided, {"decision": "dismiss"}).status_code == 404
    # The held page is theirs (they manage EJ) but lists nothing of Respect.
    listed = outsider.get(reverse("desk:held"))
    assert listed.status_code in (200, 404)
    assert HELD not in listed.content.decode()
    assert outsider.post(reverse("desk:held"), {"inbound": held.pk}).status_code == 404
    with brand_scope(respect.brand):
        assert InboundEmail.objects.get(pk=held.pk).state == InboundState.QUARANTINED
