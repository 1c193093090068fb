"""Creating and checking API keys. The secret has 256 bits of randomness, so a fast hash
(SHA-256) is enough to store it; it is compared in constant time.

Each key has its own user (no password, no membership), created with it: the author of the
key's replies and notes and the actor of its events. What the key may do is its `role` in
its brand, answered by the one permission resolver (`guichet.api.principal.key_principal`)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db import transaction

from guichet.accounts.models import STAFF_ROLES, Role, User
from guichet.api.models import DEFAULT_RATE_PER_MINUTE, ApiKey, Scope
from guichet.brands.models import Brand
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import all_brands, brand_scope


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def key_user(*, prefix: str, name: str, language: str) -> User:
    """The user a key acts as: named after the key, unable to sign in."""
    user = User(
        username=f"api-{prefix}",
        first_name=name[:150],
        last_name="(API)",
        language=language if language in ("fr", "en") else "fr",
        is_active=True,
        is_staff=False,
    )
    user.set_unusable_password()
    user.save()
    return user


def api_key_create(
    *,
    brand: Brand,
    name: str,
    scopes: list[str],
    role: str = Role.AGENT,
    rate_per_minute: int = DEFAULT_RATE_PER_MINUTE,
    actor: User | None = None,
) -> tuple[ApiKey, str]:
    """A new key and its clear text, which is shown once and never stored."""
    unknown = set(scopes) - set(Scope.values)
    if unknown or not scopes:
        raise InvalidRequest(
            "choose scopes among %(scopes)s", code="scopes", scopes=", ".join(Scope.values)
        )
    if role not in STAFF_ROLES:
        raise InvalidRequest("“%(value)s” is not a staff role", code="role", value=role)
    if rate_per_minute < 1:
        raise InvalidRequest("the rate limit is at least one request a minute", code="rate")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    name = name.strip()[:100] or "API"
    with transaction.atomic(), brand_scope(brand):
        key = ApiKey.objects.create(
            brand=brand,
            name=name,
            prefix=prefix,
            secret_hash=_hash(secret),
            scopes=sorted(set(scopes)),
            role=role,
            rate_per_minute=rate_per_minute,
            user=key_user(prefix=prefix, name=name, language=brand.default_language),
            created_at=clock.now(),
            created_by=actor,
        )
    return key, f"gch_{prefix}_{secret}"


def api_key_revoke(*, key: ApiKey) -> None:
    """Revoke a key for good: it authenticates no more, and its user is deactivated."""
    with brand_scope(key.brand_id), transaction.atomic():
        ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=clock.now())
        if key.user_id:
            User.objects.filter(pk=key.user_id).update(is_active=False)


def authenticate(token: str) -> ApiKey | None:
    """The active key `token` stands for (with its brand and user loaded), or None."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != "gch" or not parts[1] or not parts[2]:
        return None
    with all_brands():
        key = (
            ApiKey.objects.select_related("brand", "user")
            .filter(prefix=parts[1], revoked_at__isnull=True)
            .first()
        )
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(parts[2])):
        return None
    if not key.brand.is_active:
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
