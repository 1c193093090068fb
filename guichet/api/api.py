"""The REST API, /api/v1/ (django-ninja): OpenAPI at /api/v1/openapi.json, interactive
documentation at /api/v1/docs. docs/api.md describes it for integrators.

Every operation authenticates (an API key, or the staff session with CSRF), is rate
limited per key, and runs inside the caller's brand scope and language; errors are JSON
with a stable code (`guichet.api.errors`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from ninja import NinjaAPI, Swagger

from guichet.api import (
    conduct,
    contacts,
    disputes,
    document,
    errors,
    inbound,
    knowledge,
    policy,
    reports,
    sellers,
    tickets,
    uploads,
    values,
)
from guichet.api.auth import AUTH
from guichet.api.events import described
from guichet.api.parser import JsonObjectParser
from guichet.api.principal import principal
from guichet.api.throttle import KeyRateThrottle
from guichet.api.webhooks import routes as webhooks


class Docs(Swagger):
    """Swagger UI (served from ninja's static files under the content security policy)
    that sends the CSRF token with the calls it tries: a signed-in member of the staff can
    try the writes with their session, which `StaffSessionAuth` checks itself (ninja looks
    for the check on the authentication class, finds none, and would leave it out)."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {
            "swagger_settings": json.dumps(self.settings, indent=1),
            "api": api,
            "add_csrf": True,
        }
        # ninja's own template, found through settings.TEMPLATES (ninja is not an installed
        # app, so ninja's render_template would take the CDN page that the CSP refuses).
        return render(request, self.template, context)


class GuichetApi(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """ninja's document, with the refusals every operation shares (`document`)."""
        return document.complete(super().get_openapi_schema(*args, **kwargs))


api = GuichetApi(
    title="Guichet API",
    version="1",
    urls_namespace="api",
    description=(
        "Tickets, customers, sellers and inbound channels of one brand, with its API key "
        "(`Authorization: Bearer gch_…`). See docs/api.md.\n\n" + described()
    ),
    auth=AUTH,
    throttle=KeyRateThrottle(),
    docs=Docs(),
    parser=JsonObjectParser(),
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
    # The seller's side and the money side of a ticket, under the same paths.
    ("/tickets", disputes.router),
    ("/tickets", conduct.router),
    ("/contact-releases", disputes.releases_router),
    ("/sellers", sellers.router),
    ("/strikes", sellers.strikes_router),
    ("/contacts", contacts.router),
    ("/uploads", uploads.router),
    ("/policy", policy.router),
    ("/reports", reports.router),
    ("/inbound", inbound.router),
    ("/webhooks", webhooks.router),
    ("/articles", knowledge.router),
]:
    router.add_decorator(scoped)
    router.add_decorator(values.checked)
    api.add_router(prefix, router)

# The public help centre: no key, no caller's scope (each operation enters its brand's).
knowledge.public_router.add_decorator(values.checked)
api.add_router("/help", knowledge.public_router)
