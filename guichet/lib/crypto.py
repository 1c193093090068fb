"""Secrets stored at rest (mailbox passwords): encrypted with Fernet (AES-128-CBC with an
HMAC), under a key from GUICHET_ENCRYPTION_KEY or, failing that, derived from SECRET_KEY.

Rotating SECRET_KEY without setting GUICHET_ENCRYPTION_KEY makes stored secrets
unreadable: production installations set GUICHET_ENCRYPTION_KEY (any long random string).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from guichet.lib.env import env_str


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted (the key changed)."""


def _fernet() -> Fernet:
    material = env_str("GUICHET_ENCRYPTION_KEY") or settings.SECRET_KEY
    key = hashlib.sha256(b"guichet-secrets:" + material.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable("the secret was encrypted under another key") from None
