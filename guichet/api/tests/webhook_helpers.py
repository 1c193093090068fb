"""Helpers of the webhook tests: an endpoint at the local receiver, the docs' verifier."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from guichet.api.events import EventType
from guichet.api.models import WebhookDelivery
from guichet.api.webhooks.services import webhook_create
from guichet.lib.scoping import brand_scope

DOCS = Path(__file__).resolve().parents[3] / "docs" / "api.md"


def verify_signature() -> Any:
    """The receiver's check exactly as docs/api.md gives it."""
    blocks = re.findall(r"```python\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    code = next(block for block in blocks if "def verify_signature" in block)
    namespace: dict[str, Any] = {}
    exec(compile(code, str(DOCS), "exec"), namespace)  # noqa: S102 - our own documentation
    return namespace["verify_signature"]


def hook(brand, url: str, events=tuple(EventType.values)):
    """An endpoint of `brand` at `url`, and its secret."""
    return webhook_create(brand=brand, url=url, events=list(events))


def deliveries(brand, **filters) -> list[WebhookDelivery]:
    with brand_scope(brand):
        return list(
            WebhookDelivery.objects.filter(**filters)
            .select_related("endpoint")
            .prefetch_related("attempt_log")
            .order_by("pk")
        )
