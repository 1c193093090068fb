"""`Idempotency-Key` on creates: a retried call with the same key gets the first call's
response (with `Idempotent-Replayed: true`) and creates nothing twice.

The response is stored in the transaction of the create, under a unique (brand, caller,
key): a retry racing the first call waits for its transaction on PostgreSQL (or is
serialised by SQLite), fails to insert the same key, is rolled back — its object with it —
and answers the stored response. The same key with a different request is refused
(`idempotency_key_reused`): it is a caller's bug, not a retry. A key is kept KEPT_FOR
(24 hours), then deleted by the worker."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from guichet.api.errors import ApiError
from guichet.api.models import IdempotentRequest
from guichet.api.principal import Principal
from guichet.brands.models import Brand
from guichet.lib import clock
from guichet.lib.scoping import brand_scope

HEADER = "Idempotency-Key"
MAX_KEY = 255
# How long a key and its response are kept: a retry within this time is answered the
# first response; the worker deletes older ones (`guichet.api.retention`), after which
# the same key makes a new object.
KEPT_FOR = timedelta(hours=24)


def request_hash(operation: str, payload: Any) -> str:
    text = json.dumps({"operation": operation, "payload": payload}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(found: IdempotentRequest, digest: str) -> tuple[int, Any, bool]:
    if found.request_hash != digest:
        raise ApiError(
            422,
            "idempotency_key_reused",
            _("This Idempotency-Key was used for a different request."),
        )
    return found.status_code, found.response, True


def once(
    request: HttpRequest,
    who: Principal,
    *,
    brand: Brand,
    operation: str,
    payload: Any,
    create: Callable[[], tuple[int, Any]],
) -> tuple[int, Any, bool]:
    """(status, JSON body, replayed): `create()` run once per Idempotency-Key, or at every
    call without one. `payload` is the validated request (what makes two calls "the same")."""
    key = request.headers.get(HEADER)
    if key is None:
        return (*create(), False)
    key = key.strip()
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise ApiError(
            422,
            "idempotency_key",
            _("An Idempotency-Key is 1 to %(max)s printable characters."),
            max=MAX_KEY,
        )
    digest = request_hash(operation, payload)
    lookup = {"brand": brand, "user": who.user, "key": key}
    with brand_scope(brand):
        found = IdempotentRequest.objects.filter(**lookup).first()
        if found is not None:
            return _replay(found, digest)
        try:
            with transaction.atomic():
                status, body = create()
                IdempotentRequest.objects.create(
                    **lookup,
                    operation=operation,
                    request_hash=digest,
                    status_code=status,
                    response=json.loads(json.dumps(body, default=str)),
                    created_at=clock.now(),
                )
        except IntegrityError:
            found = IdempotentRequest.objects.filter(**lookup).first()
            if found is None:
                raise
            return _replay(found, digest)
    return status, body, False
