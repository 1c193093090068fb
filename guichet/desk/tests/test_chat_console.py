"""The live chat's console (`/desk/chat/`, docs/chat.md "The console"): open to the staff
of a brand that offers chat, the websocket's address given by the server (and allowed by
the page's content security policy); beside a chat, the customer's earlier requests, a
canned reply filled for the chat's ticket and the colleagues a chat may be handed to —
each for the chats of the person's brands at the levels they reach, 404 otherwise."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse

from guichet.accounts.models import Role
from guichet.brands.models import Brand
from guichet.chat.models import (
    AgentPresence,
    ChatSession,
    ChatState,
    ChatWidget,
    PresenceStatus,
)
from guichet.conftest import World, assert_hidden_from_outsider, make_staff, publish_preset
from guichet.contacts.models import Contact
from guichet.contacts.services import contact_for_email
from guichet.desk.models import CannedReply
from guichet.lib import clock
from guichet.lib.scoping import all_brands, brand_scope
from guichet.portal.tests.conftest import sign_in
from guichet.tickets import services
from guichet.tickets.choices import Channel
from guichet.tickets.models import Ticket

CONSOLE = reverse("desk:chat")


def open_chat(
    brand: Brand, contact: Contact, text: str, *, level: int = 1, agent=None
) -> ChatSession:
    """A chat as the widget starts one: its ticket opened on the chat channel, the session
    queued (or taken by `agent`) at `level`."""
    ticket = services.ticket_open(
        brand=brand,
        contact=contact,
        contact_type="complaint",
        subject=text[:60],
        text=text,
        channel=Channel.CHAT,
    )
    now = clock.now()
    with brand_scope(brand):
        return ChatSession.objects.create(
            brand=brand,
            ticket=ticket,
            contact=contact,
            visitor="v" * 32,
            state=ChatState.ACTIVE if agent else ChatState.QUEUED,
            language="fr",
            level=level,
            agent=agent,
            queued_at=now,
            accepted_at=now if agent else None,
            visitor_seen_at=now,
            last_message_at=now,
            created_at=now,
            updated_at=now,
        )


def earlier_request(brand: Brand, contact: Contact, subject: str) -> Ticket:
    return services.ticket_open(
        brand=brand,
        contact=contact,
        contact_type="question",
        subject=subject,
        text=subject,
        channel=Channel.EMAIL,
    )


@pytest.fixture
def chat(world: World) -> ChatSession:
    """Salma's chat at Jamla24 (whose policy offers chat), waiting at the first level."""
    return open_chat(world.jamla, world.other_customer, "Ma commande JM-12 n'est pas arrivée.")


def page_config(html: str) -> dict:
    found = re.search(r'<script id="chat-config" type="application/json">(.*?)</script>', html)
    assert found, "the page gives chat.js its configuration"
    return json.loads(found.group(1))


def customer_url(chat: ChatSession) -> str:
    return reverse("desk:chat_customer", kwargs={"pk": chat.pk})


# --- the console ----------------------------------------------------------------------------------


def test_the_staff_of_a_brand_with_chat_open_the_console(client, world: World):
    client.force_login(world.outsider)  # an agent of Jamla24
    response = client.get(CONSOLE)
    assert response.status_code == 200
    html = response.content.decode()
    for testid in ("queue", "mine", "message-list", "reply-box", "send-button", "transfer-button"):
        assert f'data-testid="{testid}"' in html
    assert 'data-testid="end-button"' in html and 'data-testid="presence-toggle"' in html
    config = page_config(html)
    assert config["socket"] == "ws://testserver/chat/ws/staff/"
    assert config["status"] == "available"
    assert config["urls"]["customer"] == "/desk/chat/{id}/customer/"
    assert config["strings"]["accept"] == "Accepter"  # in the person's language
    # The page may connect to the websocket's address, and nowhere else new.
    assert "connect-src 'self' ws://testserver" in response["Content-Security-Policy"]
    assert "script-src 'self' 'nonce-" in response["Content-Security-Policy"]


def test_the_console_speaks_english_at_its_english_address(client, world: World):
    client.force_login(world.outsider)
    html = client.get("/en" + CONSOLE).content.decode()
    config = page_config(html)
    assert config["strings"]["accept"] == "Accept"
    assert config["urls"]["customer"] == "/en/desk/chat/{id}/customer/"
    assert "Enter sends; Shift+Enter starts a new line." in html


@override_settings(GUICHET_CHAT_URL="wss://chat.example.com/")
def test_the_socket_is_where_the_deployment_says(client, world: World):
    client.force_login(world.outsider)
    response = client.get(CONSOLE)
    assert page_config(response.content.decode())["socket"] == (
        "wss://chat.example.com/chat/ws/staff/"
    )
    assert "connect-src 'self' wss://chat.example.com" in response["Content-Security-Policy"]


def test_the_toggle_starts_from_the_agents_presence(client, world: World):
    AgentPresence.objects.create(
        user=world.outsider, status=PresenceStatus.AWAY, seen_at=clock.now()
    )
    client.force_login(world.outsider)
    html = client.get(CONSOLE).content.decode()
    assert page_config(html)["status"] == "away"
    assert 'role="switch" aria-checked="false"' in html


def test_a_stranger_and_a_customer_are_sent_to_sign_in(client, world: World, chat):
    urls = [CONSOLE, customer_url(chat)]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/desk/account/login/" in response["Location"]
    sign_in(client, world.jamla, world.other_customer)  # signed in at the brand's portal
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/desk/account/login/" in response["Location"]


def test_staff_of_brands_without_chat_have_no_console(client, world: World):
    client.force_login(world.agent)  # EJ's policy has no chat channel
    assert client.get(CONSOLE).status_code == 404
    inbox = client.get(reverse("desk:inbox", args=["mine"])).content.decode()
    assert CONSOLE not in inbox


def test_a_brand_whose_widget_is_off_has_no_console(client, world: World):
    with brand_scope(world.jamla):
        ChatWidget.objects.create(brand=world.jamla, is_enabled=False, updated_at=clock.now())
    client.force_login(world.outsider)
    assert client.get(CONSOLE).status_code == 404
    assert CONSOLE not in client.get(reverse("desk:inbox", args=["mine"])).content.decode()


def test_the_views_lead_to_the_console_for_who_takes_chats(client, world: World):
    client.force_login(world.outsider)
    inbox = client.get(reverse("desk:inbox", args=["mine"])).content.decode()
    assert f'<a href="{CONSOLE}"><span>Chat en direct</span></a>' in inbox
    console = client.get(CONSOLE).content.decode()
    assert f'<a href="{CONSOLE}" aria-current="page"><span>Chat en direct</span></a>' in console


# --- the customer's panel -----------------------------------------------------------------------


def test_the_panel_lists_the_customers_earlier_requests_only(client, world: World):
    salma = world.other_customer
    first = earlier_request(world.jamla, salma, "Remboursement de la commande JM-3")
    second = earlier_request(world.jamla, salma, "Changer mon adresse")
    someone = contact_for_email(brand=world.jamla, email="karim@exemple.ma", name="Karim B.")
    not_hers = earlier_request(world.jamla, someone, "Une autre personne")
    chat = open_chat(world.jamla, salma, "Où en est ma commande ?")
    client.force_login(world.outsider)
    response = client.get(customer_url(chat))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Salma Alaoui" in html and "salma@exemple.ma" in html
    earlier = html.split('data-testid="earlier-tickets"')[1].split("</ul>")[0]
    assert first.reference in earlier and second.reference in earlier
    assert "Remboursement de la commande JM-3" in earlier
    assert chat.ticket.reference not in earlier  # the chat's own ticket is not "earlier"
    assert not_hers.reference not in html


def test_the_panel_says_when_there_is_nothing_earlier(client, world: World, chat):
    client.force_login(world.outsider)
    html = client.get(customer_url(chat)).content.decode()
    assert "Aucune demande antérieure." in html
    assert "La marque n’a aucune réponse type." in html


def test_another_brands_staff_cannot_reach_a_chat(client, world: World, chat):
    jive = publish_preset("jive")  # its policy offers chat too
    stranger = make_staff(jive, "jiveagent", Role.AGENT)
    reply = canned(world.jamla, "Bonjour", "Bonjour {{ customer_name }}")
    for url in (
        customer_url(chat),
        reverse("desk:chat_transfer", kwargs={"pk": chat.pk}),
        reverse("desk:chat_canned", kwargs={"pk": chat.pk, "reply_id": reply.pk}),
    ):
        assert_hidden_from_outsider(client, stranger, url)
        assert_hidden_from_outsider(client, world.agent, url)  # EJ: no chat at all


def test_a_missing_chat_is_404(client, world: World):
    client.force_login(world.outsider)
    assert client.get(reverse("desk:chat_customer", kwargs={"pk": 999999})).status_code == 404


def test_a_chat_at_a_level_the_role_does_not_reach_is_hidden(client, world: World):
    investigator = make_staff(world.jamla, "jinvestigator", Role.INVESTIGATOR)
    first = open_chat(world.jamla, world.other_customer, "Au premier niveau")
    second = open_chat(world.jamla, world.other_customer, "Au deuxième niveau", level=2)
    client.force_login(investigator)  # Jamla24's second level: investigators, team leads
    assert client.get(customer_url(first)).status_code == 404
    assert client.get(customer_url(second)).status_code == 200
    client.force_login(world.outsider)  # an agent: the first level only…
    assert client.get(customer_url(second)).status_code == 404
    with brand_scope(world.jamla):
        ChatSession.objects.filter(pk=second.pk).update(agent=world.outsider)
    assert client.get(customer_url(second)).status_code == 200  # …and the chats they hold


def test_a_chat_on_a_complaint_about_the_agent_is_hidden_from_them(client, world: World, chat):
    with all_brands():
        Ticket.objects.filter(pk=chat.ticket_id).update(concerned_agent=world.outsider)
    client.force_login(world.outsider)
    assert client.get(customer_url(chat)).status_code == 404


# --- canned replies -----------------------------------------------------------------------------


def canned(brand: Brand, title: str, body: str, language: str = "fr") -> CannedReply:
    with brand_scope(brand):
        return CannedReply.objects.create(brand=brand, title=title, body=body, language=language)


def test_a_canned_reply_is_filled_for_the_chats_ticket(client, world: World, chat):
    reply = canned(
        world.jamla,
        "Suivi",
        "Bonjour {{ customer_name }}, votre demande {{ reference }} est suivie par {{ agent_name }}.",
    )
    client.force_login(world.outsider)
    panel = client.get(customer_url(chat)).content.decode()
    address = reverse("desk:chat_canned", kwargs={"pk": chat.pk, "reply_id": reply.pk})
    assert f'<option value="{address}">Suivi (FR)</option>' in panel
    response = client.get(address)
    assert response.status_code == 200
    assert response.json() == {
        "text": f"Bonjour Salma Alaoui, votre demande {chat.ticket.reference} est suivie par Outsider."
    }


def test_another_brands_or_a_retired_canned_reply_is_not_given(client, world: World, chat):
    theirs = canned(world.ej, "EJ", "Bonjour de la part d’EJ")
    retired = canned(world.jamla, "Ancienne", "Plus utilisée")
    with brand_scope(world.jamla):
        CannedReply.objects.filter(pk=retired.pk).update(is_active=False)
    client.force_login(world.outsider)
    for reply in (theirs, retired):
        address = reverse("desk:chat_canned", kwargs={"pk": chat.pk, "reply_id": reply.pk})
        assert client.get(address).status_code == 404
    assert "Plus utilisée" not in client.get(customer_url(chat)).content.decode()


# --- transfers ----------------------------------------------------------------------------------


def test_a_chat_is_handed_to_colleagues_available_now_or_to_a_level(client, world: World, chat):
    here = make_staff(world.jamla, "mina", Role.AGENT)
    away = make_staff(world.jamla, "omar", Role.AGENT)
    gone = make_staff(world.jamla, "lina", Role.AGENT)
    investigator = make_staff(world.jamla, "ines", Role.INVESTIGATOR)
    now = clock.now()
    AgentPresence.objects.create(user=here, status=PresenceStatus.AVAILABLE, seen_at=now)
    AgentPresence.objects.create(user=away, status=PresenceStatus.AWAY, seen_at=now)
    AgentPresence.objects.create(
        user=gone, status=PresenceStatus.AVAILABLE, seen_at=now - timedelta(minutes=5)
    )
    AgentPresence.objects.create(user=investigator, status=PresenceStatus.AVAILABLE, seen_at=now)
    AgentPresence.objects.create(user=world.outsider, status=PresenceStatus.AVAILABLE, seen_at=now)
    client.force_login(world.outsider)
    html = client.get(reverse("desk:chat_transfer", kwargs={"pk": chat.pk})).content.decode()
    colleagues = html.split('name="to"')[1].split("</select>")[0]
    assert f'<option value="{here.pk}">Mina</option>' in colleagues
    for not_offered in (away, gone, investigator, world.outsider):
        assert f'value="{not_offered.pk}"' not in colleagues
    levels = html.split('name="level"')[1].split("</select>")[0]
    assert '<option value="1">Service client (ce niveau)</option>' in levels
    assert '<option value="2">Équipe de résolution des problèmes</option>' in levels
    assert '<option value="3">Équipe expérience client</option>' in levels


def test_with_nobody_available_the_transfer_says_so(client, world: World, chat):
    client.force_login(world.outsider)
    html = client.get(reverse("desk:chat_transfer", kwargs={"pk": chat.pk})).content.decode()
    assert "Aucun collègue pouvant la prendre n’est disponible maintenant." in html
    assert "disabled" in html.split('name="to"')[1].split(">")[0]
