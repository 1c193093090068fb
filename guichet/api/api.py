"""The REST API, /api/v1/ (django-ninja): OpenAPI at /api/v1/openapi.json, interactive
documentation at /api/v1/docs. docs/api.md describes it for integrators.

Every operation authenticates (an API key, or the staff session with CSRF), is rate
limited per key, and runs inside the caller's brand scope and language; errors are JSON
with a stable code (`guichet.api.errors`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest
from django.utils import translation
from ninja import NinjaAPI

from guichet.api import contacts, errors, inbound, policy, tickets, uploads
from guichet.api.auth import AUTH, principal
from guichet.api.throttle import KeyRateThrottle
from guichet.api.webhooks import routes as webhooks

api = NinjaAPI(
    title="Guichet API",
    version="1",
    urls_namespace="api",
    description=(
        "Tickets, customers and inbound channels of one brand, with its API key "
        "(`Authorization: Bearer gch_…`). See docs/api.md."
    ),
    auth=AUTH,
    throttle=KeyRateThrottle(),
)
errors.install(api)


def scoped(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run the operation inside the caller's brand scope, in the language it asks for."""

    @wraps(view)
    def run(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        with principal(request).scope(), translation.override(errors.request_language(request)):
            return view(request, *args, **kwargs)

    return run


for prefix, router in [
    ("/tickets", tickets.router),
    ("/contacts", contacts.router),
    ("/uploads", uploads.router),
    ("/policy", policy.router),
    ("/inbound", inbound.router),
    ("/webhooks", webhooks.router),
]:
    router.add_decorator(scoped)
    api.add_router(prefix, router)
