"""What the CTI tests share: a brand's CTI account, and posting Zammad's generic CTI push
events to its URL as a PBX connector does — JSON, a URL-encoded form, or a multipart form
(`curl --form`, as in Zammad's documentation)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.test import Client
from django.urls import reverse

from guichet.brands.models import Brand
from guichet.channels.models import ChannelAccount
from guichet.channels.services import account_create


def cti_account(brand: Brand, name: str = "PBX") -> ChannelAccount:
    return account_create(brand=brand, actor=None, provider="cti", name=name)


def url_of(account: ChannelAccount, provider: str = "cti") -> str:
    return reverse("channel_webhook", kwargs={"provider": provider, "token": account.token})


def push(account: ChannelAccount, fields: dict[str, Any], *, encoding: str = "json") -> Any:
    """POST one event. `encoding`: json (a list stays a list), form (URL-encoded, a list as
    repeated fields) or multipart."""
    path = url_of(account)
    client = Client()
    if encoding == "json":
        return client.post(path, json.dumps(fields), content_type="application/json")
    if encoding == "form":
        return client.post(
            path,
            urlencode(fields, doseq=True),
            content_type="application/x-www-form-urlencoded",
        )
    return client.post(path, fields)  # Django's test client: multipart/form-data


def event(
    name: str,
    call_id: str,
    *,
    direction: str = "in",
    caller: str = "+18765550101",
    called: str = "+18760000000",
    **more: Any,
) -> dict[str, Any]:
    """One of Zammad's events, with its documented fields."""
    return {
        "event": name,
        "from": caller,
        "to": called,
        "direction": direction,
        "callId": call_id,
        **more,
    }
