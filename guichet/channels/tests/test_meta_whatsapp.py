"""WhatsApp through Meta's Cloud API, end to end: the documented webhooks signed as Meta
signs them, posted to the account's URL; the answers sent to a real HTTP server standing in
for the Graph API; their delivery receipts. REQUIREMENTS IN-2, AB-2."""

from __future__ import annotations

from datetime import timedelta

import pytest

from guichet.channels import outbound
from guichet.channels.models import (
    ChannelAccount,
    ChannelItem,
    InboundEvent,
    InboundState,
    OutboundChannelMessage,
    OutboundState,
)
from guichet.channels.tests.conftest import ProviderApi
from guichet.channels.tests.meta_payloads import (
    ACCESS_TOKEN,
    PHONE_NUMBER_ID,
    WA_ID,
    meta_account,
    post,
    tickets_of_number,
    wa_message,
    wa_status,
    wa_text,
    whatsapp,
)
from guichet.conftest import World
from guichet.contacts.services import contact_block
from guichet.lib import clock
from guichet.lib.scoping import all_brands
from guichet.tickets import services

pytestmark = pytest.mark.django_db
CUSTOMER = f"+{WA_ID}"


@pytest.fixture
def account(world: World, provider_api: ProviderApi) -> ChannelAccount:
    return meta_account(world.ej, "whatsapp", PHONE_NUMBER_ID, provider_api.base)


def last_event() -> InboundEvent:
    with all_brands():
        return InboundEvent.objects.order_by("pk").last()  # type: ignore[return-value]


def outbox() -> list[OutboundChannelMessage]:
    with all_brands():
        return list(OutboundChannelMessage.objects.order_by("pk"))


def test_a_message_opens_a_ticket_and_the_answer_goes_back_with_its_receipts(
    world: World, account: ChannelAccount, provider_api: ProviderApi
) -> None:
    answered = post(account, wa_text("wamid.HBgLMTg3NjU1NTAxOTkVAgASGBQ1", "Mon vol est annulé ?"))
    assert answered.status_code == 200
    [ticket] = tickets_of_number(CUSTOMER)
    assert (ticket.brand_id, ticket.channel) == (world.ej.pk, "social")
    assert ticket.contact.name == "Marcia Brown"
    assert ticket.subject == "Mon vol est annulé ?"
    # EJ's policy does not acknowledge on social networks: nothing is queued by itself.
    assert outbox() == []

    services.ticket_reply(ticket=ticket, actor=world.agent, text="Il part à 14 h. L'équipe EJ")
    [row] = outbox()
    assert (row.state, row.to) == (OutboundState.QUEUED, CUSTOMER)
    assert outbound.send_due() == {"sent": 1}
    method, path, headers, _body = provider_api.seen[-1]
    assert (method, path) == ("POST", f"/v21.0/{PHONE_NUMBER_ID}/messages")
    assert headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert headers["Content-Type"] == "application/json"
    assert provider_api.json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": WA_ID,
        "type": "text",
        "text": {"body": "Il part à 14 h. L'équipe EJ", "preview_url": False},
    }
    row.refresh_from_db()
    assert row.state == OutboundState.SENT and row.provider_id.startswith("wamid.")

    post(account, wa_status(row.provider_id, "sent"))
    post(account, wa_status(row.provider_id, "delivered"))
    row.refresh_from_db()
    assert row.state == OutboundState.DELIVERED and row.delivered_at is not None
    post(account, wa_status(row.provider_id, "read"))
    row.refresh_from_db()
    assert row.state == OutboundState.READ
    post(account, wa_status(row.provider_id, "delivered"))  # late: never back
    row.refresh_from_db()
    assert row.state == OutboundState.READ


def test_the_next_message_joins_the_open_ticket(account: ChannelAccount) -> None:
    post(account, wa_text("wamid.A1", "Bonjour"))
    post(account, wa_text("wamid.A2", "Réservation EJ-4410"))
    [ticket] = tickets_of_number(CUSTOMER)
    with all_brands():
        texts = list(ticket.messages.filter(direction="in").values_list("text", flat=True))
    assert texts == ["Bonjour", "Réservation EJ-4410"]


def test_one_payload_brings_every_message_and_receipt(
    world: World, account: ChannelAccount
) -> None:
    """Meta batches: several messages (two customers here) and a receipt in one change."""
    payload = whatsapp(
        contacts=[(WA_ID, "Marcia Brown"), ("18765550123", "Devon Clarke")],
        messages=[
            wa_message("wamid.B1", "text", body="Où est ma valise ?"),
            wa_message(
                "wamid.B2",
                "image",
                id="1479537139650973",
                mime_type="image/jpeg",
                sha256="abc",
                caption="Le reçu",
            ),
            wa_message(
                "wamid.B3",
                "document",
                "18765550123",
                id="781239123",
                filename="facture.pdf",
                mime_type="application/pdf",
            ),
            wa_message(
                "wamid.B4",
                "location",
                "18765550123",
                latitude=18.4762,
                longitude=-77.8939,
                name="Aéroport Sangster",
                address="Montego Bay",
            ),
            wa_message("wamid.B5", "audio", id="99887766", mime_type="audio/ogg", voice=True),
            wa_message(
                "wamid.B6",
                "interactive",
                type="button_reply",
                button_reply={"id": "yes", "title": "Oui, rappelez-moi"},
            ),
            wa_message("wamid.B7", "reaction", message_id="wamid.X", emoji="👍"),
        ],
        statuses=[{"id": "wamid.UNKNOWN", "status": "delivered", "timestamp": "1"}],
    )
    post(account, payload)
    event = last_event()
    assert (event.state, event.items) == (InboundState.PROCESSED, 7)  # the reaction: not one
    [marcia] = tickets_of_number(CUSTOMER)
    [devon] = tickets_of_number("+18765550123")
    assert devon.contact.name == "Devon Clarke"
    with all_brands():
        hers = list(marcia.messages.filter(direction="in").values_list("text", flat=True))
        his = list(devon.messages.filter(direction="in").values_list("text", flat=True))
    # EJ's default language is French: what Guichet adds says so in French.
    assert hers == [
        "Où est ma valise ?",
        "[Image — média 1479537139650973, non récupéré]\nLe reçu",
        "[Message vocal — média 99887766, non récupéré]",
        "Oui, rappelez-moi",
    ]
    assert his == [
        "[Document «\u00a0facture.pdf\u00a0» — média 781239123, non récupéré]",
        "[Lieu\u00a0: Aéroport Sangster, Montego Bay (18.4762, -77.8939)]",
    ]


def test_a_providers_retry_creates_nothing_twice(account: ChannelAccount) -> None:
    payload = wa_text("wamid.C1", "Remboursement ?")
    post(account, payload)
    post(account, payload)  # Meta retries when our answer was slow
    [ticket] = tickets_of_number(CUSTOMER)
    with all_brands():
        assert ticket.messages.filter(direction="in").count() == 1
        assert InboundEvent.objects.filter(state=InboundState.PROCESSED).count() == 2
        assert ChannelItem.objects.count() == 1


def test_a_payload_for_another_phone_number_is_ignored(account: ChannelAccount) -> None:
    """One Meta app may serve several numbers: those of another account are not ours."""
    post(account, whatsapp(messages=[wa_message("wamid.D1", body="x")], phone_number_id="999"))
    event = last_event()
    assert (event.state, event.reason) == (InboundState.IGNORED, "nothing")
    assert "999" in event.detail
    assert tickets_of_number(CUSTOMER) == []


def test_a_blocked_contacts_message_is_quarantined(world: World, account: ChannelAccount) -> None:
    post(account, wa_text("wamid.E1", "Premier message"))
    [ticket] = tickets_of_number(CUSTOMER)
    contact_block(contact=ticket.contact, actor=world.lead, reason="Insultes répétées")
    post(account, wa_text("wamid.E2", "Encore moi"))
    event = last_event()
    assert (event.state, event.reason) == (InboundState.QUARANTINED, "blocked_sender")
    with all_brands():
        assert ticket.messages.filter(direction="in").count() == 1


def test_outside_the_24_hour_window_the_answer_fails_for_good_and_says_why(
    world: World, account: ChannelAccount, provider_api: ProviderApi
) -> None:
    post(account, wa_text("wamid.F1", "Bonjour"))
    [ticket] = tickets_of_number(CUSTOMER)
    services.ticket_reply(ticket=ticket, actor=world.agent, text="Voici la réponse.")
    provider_api.answers = [
        (
            400,
            {
                "error": {
                    "message": "(#131047) Re-engagement message",
                    "type": "OAuthException",
                    "code": 131047,
                    "error_data": {
                        "messaging_product": "whatsapp",
                        "details": "Message failed to send because more than 24 hours have "
                        "passed since the customer last replied to this number.",
                    },
                    "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam",
                }
            },
        )
    ]
    assert outbound.send_due() == {"failed": 1}
    [row] = outbox()
    assert row.attempts == 1
    assert "24 heures" in row.last_error  # EJ's language
    assert "131047" in row.last_error and "more than 24 hours" in row.last_error


def test_a_rate_limit_is_tried_again_though_meta_says_400(
    world: World,
    account: ChannelAccount,
    provider_api: ProviderApi,
    frozen_clock: clock.FrozenClock,
) -> None:
    post(account, wa_text("wamid.G1", "Bonjour"))
    [ticket] = tickets_of_number(CUSTOMER)
    services.ticket_reply(ticket=ticket, actor=world.agent, text="Bien reçu.")
    limited = {"error": {"message": "(#131056) Pair rate limit hit", "code": 131056}}
    provider_api.answers = [(400, limited)]
    assert outbound.send_due() == {"queued": 1}
    frozen_clock.advance(timedelta(seconds=31))
    assert outbound.send_due() == {"sent": 1}


def test_a_failed_receipt_marks_the_answer_failed_with_metas_reason(
    world: World, account: ChannelAccount
) -> None:
    post(account, wa_text("wamid.H1", "Bonjour"))
    [ticket] = tickets_of_number(CUSTOMER)
    services.ticket_reply(ticket=ticket, actor=world.agent, text="Bien reçu.")
    outbound.send_due()
    [row] = outbox()
    error = {
        "code": 131026,
        "title": "Message undeliverable",
        "error_data": {"details": "Recipient is not on WhatsApp any more"},
    }
    post(account, wa_status(row.provider_id, "failed", errors=[error]))
    row.refresh_from_db()
    assert row.state == OutboundState.FAILED
    assert row.last_error == "131026 Message undeliverable Recipient is not on WhatsApp any more"


def test_an_answer_longer_than_whatsapp_takes_goes_in_parts(
    world: World, account: ChannelAccount, provider_api: ProviderApi
) -> None:
    post(account, wa_text("wamid.I1", "Tout le détail, s'il vous plaît"))
    [ticket] = tickets_of_number(CUSTOMER)
    first, second = "Premier point. " * 200, "Second point. " * 100
    services.ticket_reply(ticket=ticket, actor=world.agent, text=f"{first}\n\n{second}")
    assert outbound.send_due() == {"sent": 1}
    bodies = [provider_api.json(i)["text"]["body"] for i in range(len(provider_api.seen))]
    assert bodies == [first.strip(), second.strip()]  # cut at the paragraph
    [row] = outbox()
    assert row.provider_id == "wamid.TEST2"  # the last part's receipts follow the answer
