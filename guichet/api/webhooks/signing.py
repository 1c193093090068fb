"""The signature of a delivery: `Guichet-Signature: t=<unix time>,v1=<hex>`, where the hex
is HMAC-SHA256, under the endpoint's secret, of the timestamp, a full stop and the raw body.

The timestamp is signed with the body so that a receiver can refuse an old request played
again (docs/api.md gives the receiver's check, tested as written there). Each attempt signs
with its own time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), b"%d." % timestamp + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"
