"""What the Meta tests share: the brand's accounts, and Meta's documented webhook payloads
(WhatsApp Cloud API, Messenger platform, page feed and Instagram comments), posted to the
account's URL with the signature Meta computes from the app secret."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client
from django.urls import reverse

from guichet.brands.models import Brand
from guichet.channels.models import ChannelAccount, ChannelHandle
from guichet.channels.providers.meta import signature
from guichet.channels.services import account_create
from guichet.contacts.models import ContactPhone
from guichet.lib import clock
from guichet.lib.scoping import all_brands
from guichet.tickets.models import Ticket

APP_SECRET = "0123456789abcdef0123456789abcdef"
VERIFY_TOKEN = "guichet-verify-4f1c"
ACCESS_TOKEN = "EAAGtestPageOrSystemUserToken"
PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"
PAGE_ID = "101472468730124"
IG_ID = "17841405822304914"
WA_ID = "18765550199"  # a Jamaican number, as WhatsApp names it: no "+"


def meta_account(brand: Brand, provider: str, address: str, api_base: str) -> ChannelAccount:
    return account_create(
        brand=brand,
        actor=None,
        provider=provider,
        name=f"{brand.name} {provider}",
        address=address,
        secret=APP_SECRET,
        access_token=ACCESS_TOKEN,
        verify_token=VERIFY_TOKEN,
        api_base=api_base,
    )


def url_of(account: ChannelAccount) -> str:
    return reverse("channel_webhook", kwargs={"provider": account.provider, "token": account.token})


def post(
    account: ChannelAccount,
    payload: Any,
    *,
    secret: str = APP_SECRET,
    signed: bool = True,
    body: bytes | None = None,
) -> Any:
    """POST as Meta does: the JSON body signed with the app secret."""
    raw = body if body is not None else json.dumps(payload, ensure_ascii=False).encode()
    headers = {"X-Hub-Signature-256": signature(secret, raw)} if signed else {}
    return Client().post(url_of(account), raw, content_type="application/json", headers=headers)


def now() -> int:
    return int(clock.now().timestamp())


# --- WhatsApp Cloud API ------------------------------------------------------------------------


def whatsapp(
    *,
    messages: list[dict[str, Any]] | None = None,
    statuses: list[dict[str, Any]] | None = None,
    contacts: list[tuple[str, str]] | None = None,
    phone_number_id: str = PHONE_NUMBER_ID,
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "18765550100", "phone_number_id": phone_number_id},
    }
    if contacts:
        value["contacts"] = [{"profile": {"name": name}, "wa_id": wa} for wa, name in contacts]
    if messages:
        value["messages"] = messages
    if statuses:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}],
    }


def wa_message(wamid: str, kind: str = "text", wa_id: str = WA_ID, **body: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "from": wa_id,
        "id": wamid,
        "timestamp": str(now()),
        "type": kind,
    }
    message[kind] = body
    return message


def wa_text(wamid: str, text: str, wa_id: str = WA_ID, name: str = "Marcia Brown") -> Any:
    return whatsapp(
        messages=[wa_message(wamid, "text", wa_id, body=text)], contacts=[(wa_id, name)]
    )


def wa_status(wamid: str, status: str, errors: list[dict[str, Any]] | None = None) -> Any:
    receipt: dict[str, Any] = {
        "id": wamid,
        "status": status,
        "timestamp": str(now()),
        "recipient_id": WA_ID,
    }
    if status != "failed":
        receipt["conversation"] = {"id": "CONVERSATION_ID", "origin": {"type": "service"}}
        receipt["pricing"] = {"billable": False, "pricing_model": "PMP", "category": "service"}
    if errors:
        receipt["errors"] = errors
    return whatsapp(statuses=[receipt])


# --- Messenger and Instagram (the Messenger platform) ---------------------------------------


def messaging(obj: str, owner: str, *events: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": obj,
        "entry": [{"id": owner, "time": now() * 1000, "messaging": list(events)}],
    }


def dm(
    sender: str,
    recipient: str,
    mid: str,
    text: str = "",
    *,
    attachments: list[dict[str, Any]] | None = None,
    echo: bool = False,
) -> dict[str, Any]:
    message: dict[str, Any] = {"mid": mid}
    if text:
        message["text"] = text
    if attachments:
        message["attachments"] = attachments
    if echo:
        message["is_echo"] = True
        message["app_id"] = 1517776481860111
    return {
        "sender": {"id": sender},
        "recipient": {"id": recipient},
        "timestamp": now() * 1000,
        "message": message,
    }


def feed_comment(
    comment_id: str,
    text: str,
    *,
    author: tuple[str, str] = ("6583918744968301", "Kemar Campbell"),
    verb: str = "add",
    permalink: str = "",
) -> dict[str, Any]:
    post_id = comment_id.split("_")[0]
    value: dict[str, Any] = {
        "from": {"id": author[0], "name": author[1]},
        "post": {
            "status_type": "added_photos",
            "is_published": True,
            "updated_time": "2026-11-23T13:59:00+0000",
            "promotion_status": "inactive",
            "id": f"{PAGE_ID}_{post_id}",
        },
        "message": text,
        "post_id": f"{PAGE_ID}_{post_id}",
        "comment_id": comment_id,
        "created_time": now(),
        "item": "comment",
        "parent_id": f"{PAGE_ID}_{post_id}",
        "verb": verb,
    }
    if permalink:
        value["post"]["permalink_url"] = permalink
    return {
        "object": "page",
        "entry": [{"id": PAGE_ID, "time": now(), "changes": [{"field": "feed", "value": value}]}],
    }


def ig_comment(
    comment_id: str,
    text: str,
    *,
    author: tuple[str, str] = ("6789012345678901", "kemar.travels"),
    parent_id: str = "",
    media_id: str = "17896450804038745",
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "from": {"id": author[0], "username": author[1]},
        "media": {"id": media_id, "media_product_type": "FEED"},
        "id": comment_id,
        "text": text,
    }
    if parent_id:
        value["parent_id"] = parent_id
    return {
        "object": "instagram",
        "entry": [{"id": IG_ID, "time": now(), "changes": [{"field": "comments", "value": value}]}],
    }


# --- reading back ----------------------------------------------------------------------------


def tickets_of_number(number: str) -> list[Ticket]:
    with all_brands():
        contact_ids = ContactPhone.objects.filter(number=number).values("contact_id")
        return list(Ticket.objects.filter(contact_id__in=contact_ids).order_by("pk"))


def tickets_of_handle(provider: str, external_id: str) -> list[Ticket]:
    with all_brands():
        contact_ids = ChannelHandle.objects.filter(
            provider=provider, external_id=external_id
        ).values("contact_id")
        return list(Ticket.objects.filter(contact_id__in=contact_ids).order_by("pk"))
