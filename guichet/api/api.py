"""The REST API, /api/v1/ (django-ninja): OpenAPI at /api/v1/openapi.json, interactive
documentation at /api/v1/docs."""

from __future__ import annotations

from ninja import NinjaAPI

from guichet.api import inbound

api = NinjaAPI(
    title="Guichet API",
    version="1",
    urls_namespace="api",
    description="Tickets, customers and inbound channels of one brand, with its API key.",
)
api.add_router("/inbound", inbound.router)
