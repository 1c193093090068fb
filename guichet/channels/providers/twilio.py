"""SMS through Twilio (its documented webhooks and REST API).

- Inbound: Twilio POSTs a form (`MessageSid`, `AccountSid`, `From`, `To`, `Body`,
  `NumMedia`…) to the account's webhook, signed in `X-Twilio-Signature`: Base64 of the
  HMAC-SHA1, keyed by the auth token, of the full URL followed by every POST field's name
  and value, sorted by name. A delivery receipt (the `StatusCallback` of a message we sent)
  carries `MessageStatus` (queued, sent, delivered, undelivered, failed, read).
- Outbound: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (`To`, `From`, `Body`,
  `StatusCallback`), with the account SID and auth token as basic authentication.

The webhook answers an empty TwiML `<Response/>`: Twilio sends nothing by itself."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse

from guichet.channels.inbound import Item, Quarantine, Refused, SendError, Webhook
from guichet.channels.models import ChannelAccount, InboundEvent, OutboundChannelMessage
from guichet.channels.providers import http
from guichet.lib.crypto import decrypt

API = "https://api.twilio.com"
SIGNATURE = "x-twilio-signature"


def signature(auth_token: str, url: str, fields: dict[str, list[str]]) -> str:
    """What Twilio signs a form POST to `url` with (twilio-python's compute_signature)."""
    text = url
    for name in sorted(fields):
        for value in sorted(fields[name]):
            text += name + value
    digest = hmac.new(auth_token.encode(), text.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _url_variants(url: str) -> list[str]:
    """The URL as called, and with the default port written or left out (Twilio signs the
    URL as configured, which a proxy may have rewritten either way)."""
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    variants = [url]
    if parts.port is None and default:
        variants.append(urlunsplit(parts._replace(netloc=f"{host}:{default}")))
    elif parts.port == default:
        variants.append(urlunsplit(parts._replace(netloc=host)))
    return variants


class Twilio:
    provider = "twilio"
    headers: Sequence[str] = (SIGNATURE, "i-twilio-idempotency-token", "content-type")

    def verify(self, account: ChannelAccount, webhook: Webhook) -> None:
        given = webhook.headers.get(SIGNATURE, "")
        if not given:
            raise Refused("unsigned", "no X-Twilio-Signature header")
        token = decrypt(account.secret_encrypted)
        fields = webhook.form_lists()
        for url in _url_variants(webhook.url):
            if hmac.compare_digest(signature(token, url, fields), given):
                break
        else:
            raise Refused("bad_signature", f"X-Twilio-Signature does not match for {webhook.url}")
        sid = webhook.form().get("AccountSid", "")
        if account.account_sid and sid != account.account_sid:
            raise Refused("bad_signature", f"AccountSid {sid!r} is not this account's")

    def items(self, account: ChannelAccount, webhook: Webhook) -> list[Item]:
        form = webhook.form()
        sid = form.get("MessageSid") or form.get("SmsSid") or ""
        if not sid:
            raise Quarantine("unreadable", "no MessageSid")
        status = form.get("MessageStatus", "")
        if status:
            return [
                Item(
                    kind="status",
                    external_id=f"{sid}:{status}",
                    data={
                        "status": status,
                        "provider_id": sid,
                        "error": form.get("ErrorCode", ""),
                    },
                )
            ]
        media = [form.get(f"MediaUrl{n}", "") for n in range(int(form.get("NumMedia") or 0) or 0)]
        text = form.get("Body", "")
        if media:
            text = "\n".join([text, *[f"[media] {url}" for url in media if url]]).strip()
        return [
            Item(
                kind="message",
                external_id=sid,
                sender=form.get("From", ""),
                sender_name=form.get("ProfileName", ""),
                text=text,
                data={"to": form.get("To", "")},
            )
        ]

    def send(self, account: ChannelAccount, outbound: OutboundChannelMessage) -> str:
        if not account.account_sid:
            raise SendError("the account has no account SID", permanent=True)
        base = (account.api_base or API).rstrip("/")
        callback = settings.SITE_URL + reverse(
            "channel_webhook", kwargs={"provider": account.provider, "token": account.token}
        )
        answer = http.post(
            f"{base}/2010-04-01/Accounts/{account.account_sid}/Messages.json",
            form={
                "To": outbound.to,
                "From": account.address,
                "Body": outbound.text,
                "StatusCallback": callback,
            },
            basic=(account.account_sid, decrypt(account.secret_encrypted)),
        )
        sid = (answer or {}).get("sid") if isinstance(answer, dict) else None
        if not sid:
            raise SendError(f"Twilio answered without a message sid: {answer!r}"[:500])
        return str(sid)

    def answer(self, event: InboundEvent) -> HttpResponse:
        return HttpResponse(
            '<?xml version="1.0" encoding="UTF-8"?><Response/>', content_type="text/xml"
        )
