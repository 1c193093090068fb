"""Messenger and Instagram direct messages through the Messenger platform, end to end: a
conversation on one ticket, the page's own echoes passed over, answers to the Graph API's
/me/messages, delivery and read receipts. REQUIREMENTS IN-2."""

from __future__ import annotations

import pytest

from guichet.channels import outbound
from guichet.channels.models import (
    ChannelAccount,
    ChannelHandle,
    InboundEvent,
    InboundState,
    OutboundChannelMessage,
    OutboundState,
)
from guichet.channels.providers.meta import Instagram, Messenger, split
from guichet.channels.tests.conftest import ProviderApi
from guichet.channels.tests.meta_payloads import (
    ACCESS_TOKEN,
    IG_ID,
    PAGE_ID,
    dm,
    messaging,
    meta_account,
    now,
    post,
    tickets_of_handle,
)
from guichet.conftest import World, publish_preset
from guichet.lib.scoping import all_brands
from guichet.tickets import services

pytestmark = pytest.mark.django_db
PSID = "24680135792468013"
IGSID = "5938271640192837"


@pytest.fixture
def messenger(world: World, provider_api: ProviderApi) -> ChannelAccount:
    return meta_account(world.ej, "messenger", PAGE_ID, provider_api.base)


@pytest.fixture
def instagram(world: World, provider_api: ProviderApi) -> ChannelAccount:
    return meta_account(world.ej, "instagram", IG_ID, provider_api.base)


def last_event() -> InboundEvent:
    with all_brands():
        return InboundEvent.objects.order_by("pk").last()  # type: ignore[return-value]


def outbox() -> list[OutboundChannelMessage]:
    with all_brands():
        return list(OutboundChannelMessage.objects.order_by("pk"))


def test_a_messenger_conversation_threads_onto_one_ticket_and_is_answered(
    world: World, messenger: ChannelAccount, provider_api: ProviderApi
) -> None:
    post(messenger, messaging("page", PAGE_ID, dm(PSID, PAGE_ID, "m_AAA1", "Bonjour EJ")))
    photo = {"type": "image", "payload": {"url": "https://scontent.xx.fbcdn.net/v/t1/p.jpg"}}
    post(
        messenger,
        messaging(
            "page",
            PAGE_ID,
            dm(PSID, PAGE_ID, "m_AAA2", "Voici mon billet", attachments=[photo]),
            # The page's own message (sent from Meta Business Suite) comes back as an echo.
            dm(PAGE_ID, PSID, "m_ECHO1", "Bonjour, que puis-je faire ?", echo=True),
        ),
    )
    [ticket] = tickets_of_handle("messenger", PSID)
    assert (ticket.brand_id, ticket.channel) == (world.ej.pk, "social")
    with all_brands():
        texts = list(ticket.messages.filter(direction="in").values_list("text", flat=True))
        handle = ChannelHandle.objects.get(provider="messenger", external_id=PSID)
    assert texts == [
        "Bonjour EJ",
        "Voici mon billet\n[Image\u00a0: https://scontent.xx.fbcdn.net/v/t1/p.jpg]",
    ]
    assert handle.contact_id == ticket.contact_id
    assert last_event().items == 1  # the echo is not a customer's message

    services.ticket_reply(ticket=ticket, actor=world.agent, text="Votre billet est valable.")
    assert outbound.send_due() == {"sent": 1}
    _method, path, headers, _body = provider_api.seen[-1]
    assert path == "/v21.0/me/messages"
    assert headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert provider_api.json() == {
        "recipient": {"id": PSID},
        "messaging_type": "RESPONSE",
        "message": {"text": "Votre billet est valable."},
    }
    [row] = outbox()
    assert row.provider_id.startswith("m_")
    delivery = {
        "sender": {"id": PSID},
        "recipient": {"id": PAGE_ID},
        "timestamp": now() * 1000,
        "delivery": {"mids": [row.provider_id], "watermark": now() * 1000},
    }
    post(messenger, messaging("page", PAGE_ID, delivery))
    row.refresh_from_db()
    assert row.state == OutboundState.DELIVERED
    # Messenger's read receipt names no message (a watermark): it moves nothing.
    read = {**delivery, "read": {"watermark": now() * 1000}}
    del read["delivery"]
    post(messenger, messaging("page", PAGE_ID, read))
    assert last_event().state == InboundState.IGNORED
    row.refresh_from_db()
    assert row.state == OutboundState.DELIVERED


def test_an_instagram_direct_message_opens_a_ticket_answered_in_parts(
    world: World, instagram: ChannelAccount, provider_api: ProviderApi
) -> None:
    post(instagram, messaging("instagram", IG_ID, dm(IGSID, IG_ID, "aWdfZAG1fAAA", "Allô ?")))
    [ticket] = tickets_of_handle("instagram", IGSID)
    assert ticket.channel == "social"
    # Instagram takes 1,000 bytes a message: "é" is two of them.
    answer = "Réponse détaillée. " * 60  # 1,260 bytes
    services.ticket_reply(ticket=ticket, actor=world.agent, text=answer)
    assert outbound.send_due() == {"sent": 1}
    sent = [provider_api.json(i)["message"]["text"] for i in range(len(provider_api.seen))]
    assert len(sent) == 2 and all(len(part.encode()) <= 1000 for part in sent)
    assert " ".join(sent) == answer.strip()
    assert all(part.endswith(".") for part in sent)  # cut after a sentence
    [row] = outbox()
    receipt = {
        "sender": {"id": IGSID},
        "recipient": {"id": IG_ID},
        "timestamp": now() * 1000,
        "read": {"mid": row.provider_id},
    }
    post(instagram, messaging("instagram", IG_ID, receipt))
    row.refresh_from_db()
    assert row.state == OutboundState.READ


def test_outside_messengers_window_the_answer_fails_for_good_and_says_why(
    world: World, messenger: ChannelAccount, provider_api: ProviderApi
) -> None:
    post(messenger, messaging("page", PAGE_ID, dm(PSID, PAGE_ID, "m_OLD", "Bonjour")))
    [ticket] = tickets_of_handle("messenger", PSID)
    services.ticket_reply(ticket=ticket, actor=world.agent, text="Enfin une réponse.")
    provider_api.answers = [
        (
            400,
            {
                "error": {
                    "message": "(#10) This message is sent outside of allowed window.",
                    "type": "OAuthException",
                    "code": 10,
                    "error_subcode": 2018278,
                    "fbtrace_id": "AbCdEf",
                }
            },
        )
    ]
    assert outbound.send_due() == {"failed": 1}
    [row] = outbox()
    assert "24 heures" in row.last_error and "10/2018278" in row.last_error


def test_an_expired_token_fails_and_asks_for_a_new_one(
    world: World, messenger: ChannelAccount, provider_api: ProviderApi
) -> None:
    post(messenger, messaging("page", PAGE_ID, dm(PSID, PAGE_ID, "m_TOK", "Bonjour")))
    [ticket] = tickets_of_handle("messenger", PSID)
    services.ticket_reply(ticket=ticket, actor=world.agent, text="Bonjour.")
    expired = {
        "error": {
            "message": "Error validating access token: Session has expired.",
            "type": "OAuthException",
            "code": 190,
            "error_subcode": 463,
        }
    }
    provider_api.answers = [(400, expired)]
    assert outbound.send_due() == {"failed": 1}
    assert "jeton d’accès" in outbox()[0].last_error


def test_events_for_another_page_are_ignored(messenger: ChannelAccount) -> None:
    post(messenger, messaging("page", "999", dm(PSID, "999", "m_OTHER", "Bonjour")))
    event = last_event()
    assert (event.state, event.reason) == (InboundState.IGNORED, "nothing")
    assert tickets_of_handle("messenger", PSID) == []


def test_a_messenger_retry_creates_nothing_twice(messenger: ChannelAccount) -> None:
    payload = messaging("page", PAGE_ID, dm(PSID, PAGE_ID, "m_TWICE", "Bonjour"))
    post(messenger, payload)
    post(messenger, payload)
    [ticket] = tickets_of_handle("messenger", PSID)
    with all_brands():
        assert ticket.messages.filter(direction="in").count() == 1


def test_the_acknowledgement_goes_back_by_messenger_where_the_policy_says_so(
    provider_api: ProviderApi,
) -> None:
    """Ivoire Toner acknowledges on social networks (its policy's default): the
    acknowledgement goes to the person, through the page they wrote to."""
    ivoire = publish_preset("ivoire-toner")
    meta_account(ivoire, "whatsapp", "3344556677", provider_api.base)  # the brand's first
    page = meta_account(ivoire, "messenger", "2233445566", provider_api.base)
    post(page, messaging("page", "2233445566", dm(PSID, "2233445566", "m_IT1", "Mon toner fuit")))
    [ticket] = tickets_of_handle("messenger", PSID)
    [row] = outbox()
    assert row.automatic and (row.account_id, row.to) == (page.pk, PSID)
    assert ticket.reference in row.text
    assert outbound.send_due() == {"sent": 1}
    assert provider_api.seen[-1][1] == "/v21.0/me/messages"
    assert provider_api.json()["recipient"] == {"id": PSID}


@pytest.mark.parametrize(
    ("text", "limit", "parts"),
    [
        ("", 10, []),
        ("court", 10, ["court"]),
        ("un deux trois quatre", 10, ["un deux", "trois", "quatre"]),
        ("Une phrase. Deux.", 14, ["Une phrase.", "Deux."]),
        ("Une. Deux trois.", 12, ["Une. Deux", "trois."]),  # no sentence ends late enough
        ("ligne un\nligne deux", 12, ["ligne un", "ligne deux"]),
        ("x" * 25, 10, ["x" * 10, "x" * 10, "x" * 5]),  # no place to cut: at the limit
    ],
)
def test_split(text: str, limit: int, parts: list[str]) -> None:
    assert split(text, lambda t: len(t) <= limit) == parts


def test_the_networks_limits() -> None:
    assert Messenger().fits("a" * 2000) and not Messenger().fits("a" * 2001)
    assert Instagram().fits("é" * 500) and not Instagram().fits("é" * 501)
