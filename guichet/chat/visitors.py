"""Who a widget's visitor is, without a cookie: a token the server signs and the widget
keeps (its local storage, per brand), and the signed ids of the files they uploaded.

A token names a random visitor key and the brand; it cannot be forged or carried to
another brand. An upload's id names the attachment and the visitor who sent it, so a
message can only carry its own sender's files."""

from __future__ import annotations

import secrets

from django.core import signing

_SALT = "guichet.chat.visitor"
_UPLOAD_SALT = "guichet.chat.upload"


def new_visitor(brand_id: int) -> tuple[str, str]:
    """A new visitor: (their key, the token that names it)."""
    key = secrets.token_hex(16)
    return key, signing.dumps({"b": brand_id, "v": key}, salt=_SALT, compress=False)


def visitor_of(token: str, brand_id: int) -> str | None:
    """The visitor key a token names, if it is ours and for this brand."""
    try:
        value = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or value.get("b") != brand_id:
        return None
    key = value.get("v")
    return key if isinstance(key, str) and len(key) == 32 else None


def upload_id(attachment_id: int, visitor: str) -> str:
    return signing.dumps({"a": attachment_id, "v": visitor}, salt=_UPLOAD_SALT)


def attachment_of(upload: str, visitor: str, max_age: int = 86400) -> int | None:
    """The attachment an upload id names, if this visitor sent it within `max_age` s."""
    try:
        value = signing.loads(upload, salt=_UPLOAD_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or value.get("v") != visitor:
        return None
    attachment = value.get("a")
    return attachment if isinstance(attachment, int) else None
