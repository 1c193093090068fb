"""WhatsApp (Cloud API), Messenger and Instagram through Meta's Graph API: its documented
webhooks and send API (docs/channels.md, "WhatsApp, Messenger and Instagram (Meta)").

- **Subscription**: Meta checks the webhook's URL with a GET (`hub.mode=subscribe`,
  `hub.verify_token`, `hub.challenge`); the challenge is answered, as plain text, only when
  the verify token is the account's.
- **Inbound**: a JSON POST signed in `X-Hub-Signature-256` (`sha256=` and the hex
  HMAC-SHA256 of the raw body, keyed by the Meta app's secret).
  WhatsApp (`object: whatsapp_business_account`): `entry[].changes[].value` with
  `metadata.phone_number_id`, `contacts[]` (`wa_id`, `profile.name`), `messages[]` and
  `statuses[]` (the delivery receipts of what we sent). Messenger (`object: page`) and
  Instagram (`object: instagram`): `entry[].messaging[]` (a message, a delivery, a read)
  and, for public comments, `entry[].changes[]` (`feed` on a Facebook page, `comments` on
  Instagram).
- **Outbound**: WhatsApp `POST /v21.0/{phone-number-id}/messages`; Messenger and Instagram
  `POST /v21.0/me/messages` (the page's token: /me is the page); a public comment is
  answered publicly under it (`POST /{comment-id}/comments` on Facebook,
  `/{comment-id}/replies` on Instagram) — never by a private message, and never by an
  automatic one. Text longer than the network takes is sent in parts.

Media are not downloaded: a message with a photo, a document, a voice note… says what was
sent, with its media id or address."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guichet.brands.models import cached_brand
from guichet.channels.inbound import Ignore, Item, Quarantine, Refused, SendError, Webhook
from guichet.channels.models import (
    ChannelAccount,
    ChannelItem,
    InboundEvent,
    OutboundChannelMessage,
    Provider,
)
from guichet.channels.providers import http
from guichet.lib import clock
from guichet.lib.crypto import decrypt

API = "https://graph.facebook.com"
VERSION = "v21.0"
SIGNATURE = "x-hub-signature-256"

# Meta's error codes worth another try whatever the HTTP status they come with (rate limits
# and passing failures often come as 400): the Graph API's (1 unknown, 2 service, 4, 17,
# 32, 341, 613 and 80001-80014 rate limits) and WhatsApp's (130429 throughput, 131000
# something went wrong, 131016 service unavailable, 131048 spam rate limit, 131056 pair
# rate limit, 131057 maintenance, 133004 server unavailable), Messenger's 1200.
TRANSIENT_CODES = frozenset(
    {1, 2, 4, 17, 32, 341, 613, 1200, 130429, 131000, 131016, 131048, 131056, 131057, 133004}
    | set(range(80001, 80015))
)
# Outside the window in which a business may answer (24 hours after the customer's last
# message): WhatsApp's re-engagement error, Messenger's and Instagram's code 10 subcodes.
WINDOW_CLOSED = frozenset({(131047, None), (10, 2018278), (10, 2534022)})
TOKEN_CODES = frozenset({190, 102})

KINDS = {
    "image": gettext_lazy("Image"),
    "video": gettext_lazy("Video"),
    "audio": gettext_lazy("Audio"),
    "voice": gettext_lazy("Voice message"),
    "document": gettext_lazy("Document"),
    "file": gettext_lazy("File"),
    "sticker": gettext_lazy("Sticker"),
    "share": gettext_lazy("Shared post"),
    "story_mention": gettext_lazy("Mention in a story"),
    "ig_reel": gettext_lazy("Reel"),
    "reel": gettext_lazy("Reel"),
}


# --- reading ----------------------------------------------------------------------------------


def signature(secret: str, body: bytes) -> str:
    """What Meta sends in X-Hub-Signature-256 for this body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _when(value: Any, *, millis: bool = False) -> datetime | None:
    """A Unix time (seconds, or milliseconds for the Messenger platform) as an instant, never
    later than now (a provider's clock ahead of ours does not date a message in the
    future)."""
    try:
        seconds = float(value) / (1000 if millis else 1)
        at = datetime.fromtimestamp(seconds, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return min(at, clock.now())


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class Reading:
    """The items a payload brings, and what was passed over (kept as the event's detail
    when nothing is left)."""

    def __init__(self) -> None:
        self.items: list[Item] = []
        self.skipped: list[str] = []

    def skip(self, why: str) -> None:
        if why not in self.skipped:
            self.skipped.append(why)

    def result(self) -> list[Item]:
        if not self.items:
            raise Ignore("nothing", "; ".join(self.skipped)[:2000])
        return self.items


def _media_line(kind: str, media: str, name: str = "") -> str:
    """What a message carried that Guichet does not download (in the active language)."""
    label = KINDS.get(kind)
    shown = str(label) if label is not None else kind
    if name:
        return _("[%(kind)s “%(name)s” — media %(id)s, not fetched]") % {
            "kind": shown,
            "name": name,
            "id": media,
        }
    return _("[%(kind)s — media %(id)s, not fetched]") % {"kind": shown, "id": media}


def _join(*parts: str) -> str:
    return "\n".join(part.strip() for part in parts if part and part.strip())


# --- the three networks -----------------------------------------------------------------------


class MetaAdapter(ABC):
    """What WhatsApp, Messenger and Instagram share: the challenge, the signature, the
    Graph API's calls and errors."""

    provider: str
    object_name: ClassVar[str]  # the payload's `object`
    headers: Sequence[str] = (SIGNATURE, "content-type")

    # -- webhooks --

    def challenge(self, account: ChannelAccount, query: Mapping[str, str]) -> str | None:
        """The subscription's check: `hub.challenge` back when `hub.verify_token` is the
        account's, else None (the view answers 403)."""
        given = _str(query.get("hub.verify_token"))
        if query.get("hub.mode") != "subscribe" or not account.verify_token or not given:
            return None
        if not hmac.compare_digest(given.encode(), account.verify_token.encode()):
            return None
        return _str(query.get("hub.challenge"))

    def verify(self, account: ChannelAccount, webhook: Webhook) -> None:
        given = webhook.headers.get(SIGNATURE, "").strip()
        if not given:
            raise Refused("unsigned", "no X-Hub-Signature-256 header")
        secret = decrypt(account.secret_encrypted)
        if not secret:
            raise Refused("bad_signature", f"{account} has no app secret")
        expected = signature(secret, webhook.body)
        if not hmac.compare_digest(expected.encode(), given.lower().encode("utf-8", "replace")):
            raise Refused("bad_signature", "X-Hub-Signature-256 does not match the app secret")

    def items(self, account: ChannelAccount, webhook: Webhook) -> list[Item]:
        try:
            payload = webhook.json()
        except (ValueError, UnicodeDecodeError) as error:
            raise Quarantine("unreadable", f"not JSON: {error}") from error
        if not isinstance(payload, dict):
            raise Quarantine("unreadable", "the payload is not a JSON object")
        if payload.get("object") != self.object_name:
            raise Ignore("nothing", f"object {payload.get('object')!r} is not {self.object_name!r}")
        reading = Reading()
        brand = cached_brand(account.brand_id)
        # The lines Guichet adds to a message (what a photo was…) are in the brand's language.
        with translation.override(brand.default_language):
            for entry in _list(payload.get("entry")):
                self.read_entry(account, _dict(entry), reading)
        return reading.result()

    @abstractmethod
    def read_entry(self, account: ChannelAccount, entry: dict[str, Any], reading: Reading) -> None:
        """Add what one entry of the payload brings to `reading`."""

    # -- sending --

    @abstractmethod
    def fits(self, text: str) -> bool:
        """Whether the network takes this text as one message."""

    def send(self, account: ChannelAccount, outbound: OutboundChannelMessage) -> str:
        token = decrypt(account.access_token_encrypted)
        if not token:
            raise SendError(_explained(account, "no_token"), permanent=True)
        comment = self.comment_to_answer(account, outbound)
        if comment is not None:
            return self.reply_publicly(account, outbound, comment, token)
        if not outbound.to:
            raise SendError("no recipient", permanent=True)
        parts = split(outbound.text, self.fits)
        if not parts:
            raise SendError("an empty message", permanent=True)
        sent: list[str] = []
        for part in parts:
            try:
                sent.append(self.send_text(account, outbound.to, part, token))
            except SendError as error:
                if not sent:
                    raise
                # Some parts went out: trying again would send them twice.
                raise SendError(
                    f"{len(sent)} of {len(parts)} parts sent ({', '.join(sent)}); "
                    f"the next one failed: {error}",
                    permanent=True,
                ) from error
        # The last part's receipts tell when the whole answer was delivered and read.
        return sent[-1]

    @abstractmethod
    def send_text(self, account: ChannelAccount, to: str, text: str, token: str) -> str:
        """Send one message of text; the network's id for it."""

    def comment_to_answer(
        self, account: ChannelAccount, outbound: OutboundChannelMessage
    ) -> ChannelItem | None:
        """The public comment this message answers: the ticket's latest comment through
        this account, when the customer has written no private message on it (then the
        answer goes privately, whatever they also wrote in public)."""
        return None

    def reply_publicly(
        self,
        account: ChannelAccount,
        outbound: OutboundChannelMessage,
        comment: ChannelItem,
        token: str,
    ) -> str:
        raise SendError("comments cannot be answered on this network", permanent=True)

    def call(self, account: ChannelAccount, path: str, payload: Any, token: str) -> Any:
        base = (account.api_base or API).rstrip("/")
        try:
            answer = http.post(f"{base}/{VERSION}/{path}", payload=payload, bearer=token)
        except SendError as error:
            raise meta_error(account, error) from error
        return answer if isinstance(answer, dict) else {}


def split(text: str, fits: Callable[[str], bool]) -> list[str]:
    """The text in as few parts as the network takes, each cut after a paragraph, a line, a
    sentence or a word when one ends in its second half."""
    rest, parts = text.strip(), []
    while rest and not fits(rest):
        low, high = 1, len(rest)  # the longest start that fits
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if fits(rest[:middle]) else (low, middle - 1)
        window = rest[:low]
        cut = low
        for separator, keep in (("\n\n", 0), ("\n", 0), (". ", 1), ("? ", 1), ("! ", 1), (" ", 0)):
            at = window.rfind(separator)
            if at >= low // 2:
                cut = at + keep
                break
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


class WhatsApp(MetaAdapter):
    provider = Provider.WHATSAPP.value
    object_name = "whatsapp_business_account"
    LIMIT = 4096  # characters of a text message's body

    def read_entry(self, account: ChannelAccount, entry: dict[str, Any], reading: Reading) -> None:
        for change in _list(entry.get("changes")):
            change = _dict(change)
            field = _str(change.get("field"))
            if field != "messages":
                reading.skip(f"field {field!r}")
                continue
            value = _dict(change.get("value"))
            number = _str(_dict(value.get("metadata")).get("phone_number_id"))
            if number != account.address:
                reading.skip(f"phone_number_id {number!r} is not this account's")
                continue
            names = {
                _str(_dict(c).get("wa_id")): _str(_dict(_dict(c).get("profile")).get("name"))
                for c in _list(value.get("contacts"))
            }
            for message in _list(value.get("messages")):
                self.read_message(_dict(message), names, reading)
            for status in _list(value.get("statuses")):
                self.read_status(_dict(status), reading)
            for error in _list(value.get("errors")):
                reading.skip(f"error {_dict(error).get('code')}: {_dict(error).get('title')}")

    def read_message(
        self, message: dict[str, Any], names: dict[str, str], reading: Reading
    ) -> None:
        kind, wa_id, mid = _str(message.get("type")), _str(message.get("from")), message.get("id")
        if not mid or not wa_id:
            reading.skip("a message without id or sender")
            return
        if kind in ("reaction", "system", "ephemeral"):
            reading.skip(f"a {kind} message")
            return
        text = self.text_of(kind, message)
        reading.items.append(
            Item(
                kind="message",
                external_id=_str(mid),
                # The contacts service reads an international number: the wa_id is one
                # without its "+".
                sender=wa_id if wa_id.startswith("+") else f"+{wa_id}",
                sender_name=names.get(wa_id, ""),
                text=text,
                at=_when(message.get("timestamp")),
            )
        )

    @staticmethod
    def text_of(kind: str, message: dict[str, Any]) -> str:
        body = _dict(message.get(kind))
        if kind == "text":
            return _str(body.get("body"))
        if kind in ("image", "video", "audio", "document", "sticker"):
            shown = "voice" if kind == "audio" and body.get("voice") else kind
            line = _media_line(shown, _str(body.get("id")), _str(body.get("filename")))
            return _join(line, _str(body.get("caption")))
        if kind == "location":
            place = ", ".join(_str(body.get(k)) for k in ("name", "address") if body.get(k))
            where = f"{body.get('latitude')}, {body.get('longitude')}"
            line = _("[Location: %(place)s (%(where)s)]") % {
                "place": place or where,
                "where": where,
            }
            return _join(line, _str(body.get("url")))
        if kind == "interactive":
            chosen = _dict(body.get("button_reply")) or _dict(body.get("list_reply"))
            return _join(_str(chosen.get("title")), _str(chosen.get("description")))
        if kind == "button":
            return _str(body.get("text"))
        if kind == "contacts":
            cards = []
            for card in _list(message.get("contacts")):
                card = _dict(card)
                name = _str(_dict(card.get("name")).get("formatted_name"))
                phones = [_str(_dict(p).get("phone")) for p in _list(card.get("phones"))]
                cards.append(" ".join([name, *phones]).strip())
            return _("[Contact card: %(cards)s]") % {"cards": "; ".join(cards)}
        return _("[A message of type %(kind)s, which Guichet cannot show]") % {"kind": kind or "?"}

    @staticmethod
    def read_status(status: dict[str, Any], reading: Reading) -> None:
        wamid, state = _str(status.get("id")), _str(status.get("status"))
        if not wamid or not state:
            reading.skip("a status without id")
            return
        errors = [
            " ".join(
                part
                for part in (
                    _str(_dict(e).get("code")),
                    _str(_dict(e).get("title")),
                    _str(_dict(_dict(e).get("error_data")).get("details")),
                )
                if part
            )
            for e in _list(status.get("errors"))
        ]
        reading.items.append(
            Item(
                kind="status",
                external_id=f"{wamid}:{state}",
                at=_when(status.get("timestamp")),
                data={"status": state, "provider_id": wamid, "error": "; ".join(errors)},
            )
        )

    def fits(self, text: str) -> bool:
        return len(text) <= self.LIMIT

    def send_text(self, account: ChannelAccount, to: str, text: str, token: str) -> str:
        if not account.address:
            raise SendError("the account has no phone number id", permanent=True)
        answer = self.call(
            account,
            f"{account.address}/messages",
            {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": to.lstrip("+"),
                "type": "text",
                "text": {"body": text, "preview_url": False},
            },
            token,
        )
        messages = _list(answer.get("messages"))
        wamid = _dict(messages[0]).get("id") if messages else None
        if not wamid:
            raise SendError(f"WhatsApp answered without a message id: {answer!r}"[:500])
        return _str(wamid)


class Messaging(MetaAdapter):
    """Messenger and Instagram: the Messenger platform's events, and public comments."""

    # Where a public comment is answered: POST /{comment-id}/<this>.
    REPLY_EDGE: ClassVar[str]

    def read_entry(self, account: ChannelAccount, entry: dict[str, Any], reading: Reading) -> None:
        owner = _str(entry.get("id"))
        if account.address and owner != account.address:
            reading.skip(f"entry {owner!r} is not this account's")
            return
        for event in _list(entry.get("messaging")):
            self.read_event(account, _dict(event), reading)
        for change in _list(entry.get("changes")):
            self.read_change(account, _dict(change), reading)
        if entry.get("standby"):
            reading.skip("standby (another app has the conversation)")

    def read_event(self, account: ChannelAccount, event: dict[str, Any], reading: Reading) -> None:
        sender = _str(_dict(event.get("sender")).get("id"))
        at = _when(event.get("timestamp"), millis=True)
        if "message" in event:
            message = _dict(event.get("message"))
            mid = _str(message.get("mid"))
            if message.get("is_echo") or (account.address and sender == account.address):
                reading.skip("an echo of the account's own message")
            elif message.get("is_deleted") or not mid:
                reading.skip("a deleted message")
            else:
                lines = [_str(message.get("text"))]
                lines += [self.attachment_line(_dict(a)) for a in _list(message.get("attachments"))]
                reading.items.append(
                    Item(kind="message", external_id=mid, sender=sender, text=_join(*lines), at=at)
                )
        elif "postback" in event:
            # A button of ours tapped ("Get started"…): what it said is the customer's word.
            postback = _dict(event.get("postback"))
            mid = _str(postback.get("mid")) or f"postback:{sender}:{event.get('timestamp')}"
            title = _str(postback.get("title")) or _str(postback.get("payload"))
            reading.items.append(
                Item(kind="message", external_id=mid, sender=sender, text=title, at=at)
            )
        elif "delivery" in event:
            for mid in _list(_dict(event.get("delivery")).get("mids")):
                reading.items.append(self.receipt(_str(mid), "delivered", at))
        elif "read" in event:
            mid = _str(_dict(event.get("read")).get("mid"))
            if mid:  # Instagram names the message read
                reading.items.append(self.receipt(mid, "read", at))
            else:  # Messenger gives a watermark only: not mapped to one message
                reading.skip("a read receipt by watermark")
        else:
            known = [k for k in event if k not in ("sender", "recipient", "timestamp")]
            reading.skip(f"a {'/'.join(known) or 'empty'} event")

    @staticmethod
    def receipt(mid: str, state: str, at: datetime | None) -> Item:
        return Item(
            kind="status",
            external_id=f"{mid}:{state}",
            at=at,
            data={"status": state, "provider_id": mid, "error": ""},
        )

    @staticmethod
    def attachment_line(attachment: dict[str, Any]) -> str:
        kind = _str(attachment.get("type"))
        payload = _dict(attachment.get("payload"))
        address = _str(payload.get("url"))
        if kind == "fallback":  # a shared link
            return _join(_str(attachment.get("title")), address)
        shown = KINDS.get(kind)
        return _("[%(kind)s: %(address)s]") % {
            "kind": str(shown) if shown is not None else kind,
            "address": address or _str(payload.get("sticker_id")) or "?",
        }

    @abstractmethod
    def read_change(
        self, account: ChannelAccount, change: dict[str, Any], reading: Reading
    ) -> None:
        """Add what a change of the page's or account's feed brings (a comment)."""

    def comment(self, account: ChannelAccount, reading: Reading, item: Item) -> None:
        if account.address and item.sender == account.address:
            reading.skip("the account's own comment")
            return
        if not item.external_id or not item.sender:
            reading.skip("a comment without id or author")
            return
        # A comment is the policy's `comment` contact type where the brand's policy has one
        # (EJ: it may get no answer); elsewhere the intake reads it as any message.
        if cached_brand(account.brand_id).get_policy().contact_type("comment") is not None:
            item.data["contact_type"] = "comment"
        reading.items.append(item)

    def send_text(self, account: ChannelAccount, to: str, text: str, token: str) -> str:
        answer = self.call(
            account,
            "me/messages",
            {"recipient": {"id": to}, "messaging_type": "RESPONSE", "message": {"text": text}},
            token,
        )
        mid = answer.get("message_id")
        if not mid:
            raise SendError(f"Meta answered without a message id: {answer!r}"[:500])
        return _str(mid)

    def comment_to_answer(
        self, account: ChannelAccount, outbound: OutboundChannelMessage
    ) -> ChannelItem | None:
        items = ChannelItem.objects.filter(
            ticket_id=outbound.ticket_id, account=account, kind__in=("message", "comment")
        )
        if items.filter(kind="message").exists():
            return None
        return items.order_by("-pk").first()

    def reply_publicly(
        self,
        account: ChannelAccount,
        outbound: OutboundChannelMessage,
        comment: ChannelItem,
        token: str,
    ) -> str:
        if outbound.automatic:
            # An acknowledgement is for the customer, not for everyone reading the post.
            raise SendError(_explained(account, "automatic_comment"), permanent=True)
        if not self.fits_comment(outbound.text):
            raise SendError(_explained(account, "comment_too_long"), permanent=True)
        target = self.comment_target(comment)
        answer = self.call(
            account, f"{target}/{self.REPLY_EDGE}", {"message": outbound.text.strip()}, token
        )
        reply = answer.get("id")
        if not reply:
            raise SendError(f"Meta answered without a comment id: {answer!r}"[:500])
        return _str(reply)

    @abstractmethod
    def fits_comment(self, text: str) -> bool:
        """Whether the network takes this text as one public reply."""

    def comment_target(self, comment: ChannelItem) -> str:
        return comment.external_id


class Messenger(Messaging):
    provider = Provider.MESSENGER.value
    object_name = "page"
    REPLY_EDGE = "comments"
    LIMIT = 2000  # characters of a Messenger text
    COMMENT_LIMIT = 8000  # characters of a Facebook comment

    def read_change(
        self, account: ChannelAccount, change: dict[str, Any], reading: Reading
    ) -> None:
        value = _dict(change.get("value"))
        field, item, verb = (
            _str(change.get("field")),
            _str(value.get("item")),
            _str(value.get("verb")),
        )
        if field != "feed" or item != "comment" or verb != "add":
            reading.skip(f"{field} {item} {verb}".strip())
            return
        author = _dict(value.get("from"))
        comment_id = _str(value.get("comment_id"))
        photo = _str(value.get("photo"))
        shown = _("[Photo: %(address)s]") % {"address": photo} if photo else ""
        self.comment(
            account,
            reading,
            Item(
                kind="comment",
                external_id=comment_id,
                sender=_str(author.get("id")),
                sender_name=_str(author.get("name")),
                text=_join(_str(value.get("message")), shown),
                at=_when(value.get("created_time")),
                link=comment_link(comment_id, _str(_dict(value.get("post")).get("permalink_url"))),
            ),
        )

    def fits(self, text: str) -> bool:
        return len(text) <= self.LIMIT

    def fits_comment(self, text: str) -> bool:
        return len(text.strip()) <= self.COMMENT_LIMIT


class Instagram(Messaging):
    provider = Provider.INSTAGRAM.value
    object_name = "instagram"
    REPLY_EDGE = "replies"
    LIMIT = 1000  # bytes of UTF-8: Instagram's limit for a message's text
    COMMENT_LIMIT = 2200  # characters of an Instagram comment

    def read_change(
        self, account: ChannelAccount, change: dict[str, Any], reading: Reading
    ) -> None:
        field = _str(change.get("field"))
        if field not in ("comments", "live_comments"):
            reading.skip(f"field {field!r}")
            return
        value = _dict(change.get("value"))
        author = _dict(value.get("from"))
        media = _str(_dict(value.get("media")).get("id"))
        self.comment(
            account,
            reading,
            Item(
                kind="comment",
                external_id=_str(value.get("id")),
                sender=_str(author.get("id")),
                sender_name=_str(author.get("username")),
                # Instagram sends no address of the comment (its post's needs an API call).
                text=_join(
                    _str(value.get("text")),
                    _("[A comment on Instagram media %(id)s]") % {"id": media} if media else "",
                ),
                at=_when(value.get("timestamp") or value.get("created_time")),
            ),
        )

    def fits(self, text: str) -> bool:
        return len(text.encode()) <= self.LIMIT

    def fits_comment(self, text: str) -> bool:
        return len(text.strip()) <= self.COMMENT_LIMIT

    def comment_target(self, comment: ChannelItem) -> str:
        """Instagram answers top-level comments only: a reply to a reply goes under the
        comment it replied to (read again from the webhook as it arrived)."""
        try:
            payload = json.loads(bytes(_event_of(comment).body))
        except (ValueError, UnicodeDecodeError):
            return comment.external_id
        for entry in _list(_dict(payload).get("entry")):
            for change in _list(_dict(entry).get("changes")):
                value = _dict(_dict(change).get("value"))
                if _str(value.get("id")) == comment.external_id:
                    return _str(value.get("parent_id")) or comment.external_id
        return comment.external_id


def comment_link(comment_id: str, post_link: str) -> str:
    """A Facebook comment's public address: under its post's permalink when the webhook
    gives it (`?comment_id=` the comment's own part of its id), else Facebook's address of
    the object."""
    if post_link.startswith("https://") and "_" in comment_id:
        parts = urlsplit(post_link)
        query = urlencode([*parse_qsl(parts.query), ("comment_id", comment_id.split("_")[-1])])
        return urlunsplit(parts._replace(query=query))
    return f"https://www.facebook.com/{comment_id}"


def _event_of(item: ChannelItem) -> InboundEvent:
    return InboundEvent.objects.only("body").get(pk=item.event_id)


# --- errors -----------------------------------------------------------------------------------

_HTTP = re.compile(r"HTTP (\d{3}): (.*)", re.DOTALL)


def meta_error(account: ChannelAccount, error: SendError) -> SendError:
    """The Graph API's error read: permanent unless Meta says it will pass (its rate limits
    and passing failures, even as HTTP 400), with a sentence an agent can act on."""
    found = _HTTP.fullmatch(str(error))
    if found is None:
        return error  # the network: tried again
    status = int(found[1])
    try:
        body = _dict(_dict(json.loads(found[2])).get("error"))
    except ValueError:
        return error
    if not body:
        return error
    code = body.get("code") if isinstance(body.get("code"), int) else None
    subcode = body.get("error_subcode") if isinstance(body.get("error_subcode"), int) else None
    transient = (
        code in TRANSIENT_CODES
        or body.get("is_transient") is True
        or status >= 500
        or status in (408, 429)
    )
    said = " ".join(
        part
        for part in (
            _str(body.get("message")),
            _str(_dict(body.get("error_data")).get("details")),
            _str(body.get("error_user_msg")),
        )
        if part
    )
    technical = f"Meta error {code}{f'/{subcode}' if subcode else ''} (HTTP {status}): {said}"
    if (code, subcode) in WINDOW_CLOSED or (code, None) in WINDOW_CLOSED:
        reason = "window"
    elif code in TOKEN_CODES:
        reason = "token"
    else:
        return SendError(technical, permanent=not transient)
    return SendError(f"{_explained(account, reason)} — {technical}", permanent=not transient)


def _explained(account: ChannelAccount, reason: str) -> str:
    """Why a message cannot go, in the brand's language (kept on the outbox row, as the
    words of a failure are)."""
    with translation.override(cached_brand(account.brand_id).default_language):
        if reason == "window":
            return _(
                "The customer last wrote more than 24 hours ago: Meta lets a business answer "
                "only within 24 hours of the customer's last message (on WhatsApp, an approved "
                "template is needed after that). Answer by another channel, or wait until the "
                "customer writes again."
            )
        if reason == "token":
            return _(
                "Meta refused the channel account's access token (expired or revoked): an "
                "administrator must enter a new one."
            )
        if reason == "no_token":
            return _("The channel account has no access token: an administrator must enter one.")
        if reason == "automatic_comment":
            return _(
                "An automatic message is not posted under a public comment: an agent answers "
                "it, or closes the ticket without a reply."
            )
        if reason == "comment_too_long":
            return _("This answer is too long to be posted as a public comment: shorten it.")
    return reason


ADAPTERS = (WhatsApp(), Messenger(), Instagram())
