"""Creating and checking API keys. The secret has 256 bits of randomness, so a fast hash
(SHA-256) is enough to store it; it is compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from guichet.api.models import ApiKey, Scope
from guichet.brands.models import Brand
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import all_brands, brand_scope


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def api_key_create(
    *, brand: Brand, name: str, scopes: list[str], actor: Any = None
) -> tuple[ApiKey, str]:
    """A new key and its clear text, which is shown once and never stored."""
    unknown = set(scopes) - set(Scope.values)
    if unknown or not scopes:
        raise InvalidRequest(
            "choose scopes among %(scopes)s", code="scopes", scopes=", ".join(Scope.values)
        )
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        brand=brand,
        name=name.strip()[:100] or "API",
        prefix=prefix,
        secret_hash=_hash(secret),
        scopes=sorted(set(scopes)),
        created_at=clock.now(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    return key, f"gch_{prefix}_{secret}"


def api_key_revoke(*, key: ApiKey) -> None:
    with brand_scope(key.brand_id):
        ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=clock.now())


def authenticate(token: str) -> ApiKey | None:
    """The active key `token` stands for, or None."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != "gch" or not parts[1] or not parts[2]:
        return None
    with all_brands():
        key = (
            ApiKey.objects.select_related("brand")
            .filter(prefix=parts[1], revoked_at__isnull=True)
            .first()
        )
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(parts[2])):
        return None
    now = clock.now()
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        # At most one write a minute per key: the last-used time is for people, not accounting.
        with all_brands():
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


def has_scope(key: ApiKey, scope: str) -> bool:
    return scope in key.scopes or (scope == Scope.INBOUND and Scope.WRITE in key.scopes)
