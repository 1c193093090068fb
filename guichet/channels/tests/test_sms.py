"""SMS through Twilio, end to end: the documented webhook form signed as Twilio signs it,
posted to the account's URL; replies sent to a real HTTP server standing in for Twilio's
API; its delivery receipts. REQUIREMENTS IN-2, AB-2 (a block covers every channel)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from guichet.channels import inbound, outbound
from guichet.channels.models import (
    ChannelAccount,
    ChannelItem,
    InboundEvent,
    InboundState,
    OutboundChannelMessage,
    OutboundState,
)
from guichet.channels.providers.twilio import signature
from guichet.channels.services import account_create
from guichet.channels.tests.conftest import TWILIO_NUMBER, TWILIO_SID, TWILIO_TOKEN, ProviderApi
from guichet.conftest import World, publish_preset
from guichet.contacts.models import ContactPhone
from guichet.contacts.services import contact_block
from guichet.lib import clock
from guichet.lib.crypto import encrypt
from guichet.lib.scoping import all_brands
from guichet.tickets import services
from guichet.tickets.models import Ticket

pytestmark = pytest.mark.django_db
CUSTOMER = "+18765550199"


def url_of(account: ChannelAccount) -> str:
    return reverse("channel_webhook", kwargs={"provider": "twilio", "token": account.token})


def post(
    account: ChannelAccount,
    fields: dict[str, str],
    *,
    token: str = TWILIO_TOKEN,
    signed: bool = True,
) -> Any:
    """POST the form as Twilio does, signed with `token` for the URL it is posted to."""
    path = url_of(account)
    headers = {}
    if signed:
        lists = {name: [value] for name, value in fields.items()}
        headers["X-Twilio-Signature"] = signature(token, f"http://testserver{path}", lists)
    return Client().post(
        path,
        urlencode(fields),
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )


def sms(sid: str, body: str, sender: str = CUSTOMER) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": TWILIO_SID,
        "From": sender,
        "To": TWILIO_NUMBER,
        "Body": body,
        "NumMedia": "0",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    }


def tickets_of(number: str) -> list[Ticket]:
    with all_brands():
        contact_ids = ContactPhone.objects.filter(number=number).values("contact_id")
        return list(Ticket.objects.filter(contact_id__in=contact_ids).order_by("pk"))


def test_an_sms_opens_a_ticket_and_the_next_one_joins_it(
    world: World, twilio: ChannelAccount
) -> None:
    answered = post(twilio, sms("SM" + "1" * 32, "Bonjour, ma réservation du 12 n'apparaît pas."))
    assert answered.status_code == 200
    assert answered["Content-Type"] == "text/xml" and b"<Response/>" in answered.content
    [ticket] = tickets_of(CUSTOMER)
    assert (ticket.brand_id, ticket.channel) == (world.ej.pk, "sms")
    assert ticket.subject.startswith("Bonjour, ma réservation")
    post(twilio, sms("SM" + "2" * 32, "Je précise : réservation EJ-4410."))
    assert tickets_of(CUSTOMER) == [ticket]
    with all_brands():
        texts = list(ticket.messages.order_by("pk").values_list("text", "channel"))
        event = InboundEvent.objects.order_by("pk").last()
    assert (
        texts[0][0].startswith("Bonjour") and ("Je précise : réservation EJ-4410.", "sms") in texts
    )
    assert (event.state, event.items, event.ticket_id) == (InboundState.PROCESSED, 1, ticket.pk)


def test_a_providers_retry_creates_nothing_twice(world: World, twilio: ChannelAccount) -> None:
    fields = sms("SM" + "3" * 32, "Remboursement ?")
    post(twilio, fields)
    post(twilio, fields)  # Twilio retries when our answer was slow
    [ticket] = tickets_of(CUSTOMER)
    with all_brands():
        assert ticket.messages.filter(direction="in").count() == 1
        assert InboundEvent.objects.filter(state=InboundState.PROCESSED).count() == 2
        assert ChannelItem.objects.count() == 1


def test_a_bad_signature_is_refused_kept_and_replayable(
    world: World, twilio: ChannelAccount
) -> None:
    answered = post(twilio, sms("SM" + "4" * 32, "Allô ?"), token="not-the-token")
    assert answered.status_code == 403
    assert answered.json()["error"] == "bad_signature"
    assert tickets_of(CUSTOMER) == []
    with all_brands():
        event = InboundEvent.objects.get()
    assert (event.state, event.reason) == (InboundState.REFUSED, "bad_signature")
    # The administrator had entered the wrong token: corrected, the message is not lost.
    with all_brands():
        ChannelAccount.objects.filter(pk=twilio.pk).update(
            secret_encrypted=encrypt("not-the-token")
        )
    assert inbound.replay(event.pk).state == InboundState.PROCESSED
    assert len(tickets_of(CUSTOMER)) == 1


def test_an_unsigned_or_unknown_request_is_refused(world: World, twilio: ChannelAccount) -> None:
    assert post(twilio, sms("SM" + "5" * 32, "x"), signed=False).json()["error"] == "unsigned"
    path = url_of(twilio).replace(twilio.token, "no-such-token")
    assert Client().post(path, {"Body": "x"}).status_code == 404
    assert tickets_of(CUSTOMER) == []


def test_a_blocked_customers_sms_is_held_not_answered(world: World, twilio: ChannelAccount) -> None:
    post(twilio, sms("SM" + "6" * 32, "Premier message"))
    [ticket] = tickets_of(CUSTOMER)
    contact_block(contact=ticket.contact, actor=world.lead, reason="Insultes répétées")
    post(twilio, sms("SM" + "7" * 32, "Encore moi"))
    with all_brands():
        event = InboundEvent.objects.order_by("pk").last()
        assert ticket.messages.filter(direction="in").count() == 1
    assert (event.state, event.reason) == (InboundState.QUARANTINED, "blocked_sender")


def test_an_agents_reply_goes_out_by_sms_and_its_receipts_follow(
    world: World, twilio: ChannelAccount, provider_api: ProviderApi
) -> None:
    post(twilio, sms("SM" + "8" * 32, "Où en est mon remboursement ?"))
    [ticket] = tickets_of(CUSTOMER)
    services.ticket_reply(ticket=ticket, actor=world.agent, text="Il part demain. L'équipe EJ")
    with all_brands():
        row = OutboundChannelMessage.objects.get(automatic=False)
    assert (row.state, row.to, row.segments) == (OutboundState.QUEUED, CUSTOMER, 1)
    assert outbound.send_due() == {"sent": 1}
    _method, path, headers, _body = provider_api.seen[-1]
    assert path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    assert headers["Authorization"].startswith("Basic ")
    sent = provider_api.form()
    assert (sent["To"], sent["From"], sent["Body"]) == (
        CUSTOMER,
        TWILIO_NUMBER,
        "Il part demain. L'équipe EJ",
    )
    assert sent["StatusCallback"].endswith(url_of(twilio))
    row.refresh_from_db()
    assert row.state == OutboundState.SENT and row.provider_id.startswith("SM")
    receipt = {
        "MessageSid": row.provider_id,
        "AccountSid": TWILIO_SID,
        "MessageStatus": "delivered",
    }
    assert post(twilio, receipt).status_code == 200
    row.refresh_from_db()
    assert row.state == OutboundState.DELIVERED and row.delivered_at is not None
    # A late "sent" receipt does not move it back.
    post(twilio, {**receipt, "MessageStatus": "sent"})
    row.refresh_from_db()
    assert row.state == OutboundState.DELIVERED


def test_sending_retries_then_gives_up(
    world: World, twilio: ChannelAccount, provider_api: ProviderApi, frozen_clock: clock.FrozenClock
) -> None:
    post(twilio, sms("SM" + "9" * 32, "Bonjour"))
    [ticket] = tickets_of(CUSTOMER)
    services.ticket_reply(ticket=ticket, actor=world.agent, text="Bonjour, c'est noté.")
    provider_api.answers = [503, 429]
    assert outbound.send_due() == {"queued": 1}
    assert outbound.send_due() == {}  # not before its pause
    frozen_clock.advance(timedelta(seconds=31))
    assert outbound.send_due() == {"queued": 1}  # 429: later again
    frozen_clock.advance(timedelta(minutes=3))
    assert outbound.send_due() == {"sent": 1}
    services.ticket_reply(ticket=ticket, actor=world.agent, text="Autre chose ?")
    provider_api.answers = [(400, {"code": 21211, "message": "The 'To' number is not valid"})]
    assert outbound.send_due() == {"failed": 1}
    with all_brands():
        failed = OutboundChannelMessage.objects.get(state=OutboundState.FAILED)
    assert "21211" in failed.last_error


def test_a_stored_event_never_processed_is_finished_by_the_worker(
    world: World, twilio: ChannelAccount, frozen_clock: clock.FrozenClock
) -> None:
    fields = sms("SM" + "a" * 32, "Stocké puis coupé")
    path = url_of(twilio)
    lists = {name: [value] for name, value in fields.items()}
    stored = inbound.store(
        twilio,
        inbound.Webhook(
            method="POST",
            url=f"http://testserver{path}",
            headers={
                "x-twilio-signature": signature(TWILIO_TOKEN, f"http://testserver{path}", lists)
            },
            body=urlencode(fields).encode(),
            content_type="application/x-www-form-urlencoded",
        ),
    )  # … and the process was killed here
    assert inbound.process_pending() == 0  # too fresh: its request may still be on it
    frozen_clock.advance(timedelta(minutes=2))
    assert inbound.process_pending() == 1
    stored.refresh_from_db()
    assert stored.state == InboundState.PROCESSED and len(tickets_of(CUSTOMER)) == 1


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("", 0),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # extension table: two units each
        ("€" * 81, 2),
        ("Réservation confirmée à 14 h", 1),  # é, à are GSM 7-bit
        ("ç" * 70, 1),  # ç is not (only Ç): UCS-2
        ("ç" * 71, 2),
        ("👍" * 35, 1),  # two UTF-16 units each
        ("👍" * 36, 2),
    ],
)
def test_sms_segments(text: str, count: int) -> None:
    assert outbound.segments(text) == count


def test_the_acknowledgement_goes_by_sms_where_the_policy_says_so(
    world: World, provider_api: ProviderApi
) -> None:
    """Ivoire Toner: `[[channels]] kind = "sms", acknowledge = true`. EJ names no SMS
    channel: its SMS tickets get no SMS acknowledgement (the tests above)."""
    ivoire = publish_preset("ivoire-toner")
    account = account_create(
        brand=ivoire,
        actor=None,
        provider="twilio",
        name="Ivoire Toner SMS",
        address="+2252720000000",
        secret=TWILIO_TOKEN,
        account_sid=TWILIO_SID,
        api_base=provider_api.base,
    )
    post(
        account,
        {**sms("SM" + "b" * 32, "Mon toner fuit", sender="+2250701020304"), "To": "+2252720000000"},
    )
    [ticket] = tickets_of("+2250701020304")
    with all_brands():
        row = OutboundChannelMessage.objects.get()
    assert row.automatic and row.to == "+2250701020304"
    assert ticket.reference in row.text and "Ivoire Toner" in row.text
    assert row.segments == outbound.segments(row.text) <= 2
    assert outbound.send_due() == {"sent": 1}
    assert provider_api.form()["Body"] == row.text
