"""/api/v1/webhooks: the brand's webhook endpoints, for its administrators (a key with the
`admin` role, or a signed-in administrator of the brand): list, register (the signing
secret is in that answer only), read, remove, the latest deliveries and replaying one.
Another brand's endpoint answers 404, as one that does not exist."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Status

from guichet.accounts.permissions import Action
from guichet.api.errors import ApiError
from guichet.api.models import WebhookDelivery, WebhookEndpoint
from guichet.api.principal import Principal, principal
from guichet.api.schemas import ERRORS, DeliveryOut, WebhookCreated, WebhookIn, WebhookOut
from guichet.api.webhooks.services import webhook_create, webhook_delete, webhook_replay
from guichet.brands.models import Brand

router = Router(tags=["webhooks"])

DELIVERIES_SHOWN = 50


def _out(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.pk,
        "brand": endpoint.brand.slug,
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events),
        "active": endpoint.is_active,
        "created_at": endpoint.created_at,
    }


def _delivery_out(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.uid,
        "event": delivery.event_type,
        "event_id": delivery.event_id,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "next_attempt_at": delivery.next_attempt_at,
        "created_at": delivery.created_at,
        "delivered_at": delivery.delivered_at,
        "replay_of": delivery.replay_of.uid if delivery.replay_of else None,
    }


def _managed_brands(who: Principal) -> list[Brand]:
    return [b for b in who.access().brands if who.can(Action.MANAGE_POLICY, b)]


def _forbidden() -> ApiError:
    return ApiError(403, "forbidden", _("Your role does not allow this action."))


def _endpoint(who: Principal, webhook_id: int) -> WebhookEndpoint:
    """The endpoint if the caller manages its brand; 404 otherwise, as for a missing one."""
    found = (
        WebhookEndpoint.objects.select_related("brand")
        .filter(pk=webhook_id, brand__in=_managed_brands(who))
        .first()
    )
    if found is None:
        raise ApiError(404, "not_found", _("Not found."))
    return found


@router.get("", response={200: list[WebhookOut], **ERRORS}, summary="List webhooks")
def list_webhooks(request: HttpRequest) -> list[dict[str, Any]]:
    who = principal(request)
    who.require_read()
    brands = _managed_brands(who)
    if not brands:
        raise _forbidden()
    endpoints = WebhookEndpoint.objects.select_related("brand").filter(brand__in=brands)
    return [_out(e) for e in endpoints.order_by("pk")]


@router.post("", response={201: WebhookCreated, **ERRORS}, summary="Register a webhook")
def create_webhook(request: HttpRequest, payload: WebhookIn) -> Status:
    """The URL must reach a public address (or a host the operator allows); the answer
    carries the signing secret, shown this once."""
    who = principal(request)
    who.require_write()
    brand = who.brand_for(payload.brand)
    if not who.can(Action.MANAGE_POLICY, brand):
        raise _forbidden()
    endpoint, secret = webhook_create(
        brand=brand,
        url=payload.url,
        events=[str(e) for e in payload.events],
        description=payload.description,
        actor=who.user,
    )
    return Status(201, {**_out(endpoint), "secret": secret})


@router.get("/{webhook_id}", response={200: WebhookOut, **ERRORS}, summary="Read a webhook")
def read_webhook(request: HttpRequest, webhook_id: int) -> dict[str, Any]:
    who = principal(request)
    who.require_read()
    return _out(_endpoint(who, webhook_id))


@router.delete("/{webhook_id}", response={204: None, **ERRORS}, summary="Remove a webhook")
def delete_webhook(request: HttpRequest, webhook_id: int) -> Status:
    who = principal(request)
    who.require_write()
    webhook_delete(endpoint=_endpoint(who, webhook_id))
    return Status(204, None)


@router.get(
    "/{webhook_id}/deliveries",
    response={200: list[DeliveryOut], **ERRORS},
    summary="Latest deliveries of a webhook",
)
def list_deliveries(request: HttpRequest, webhook_id: int) -> list[dict[str, Any]]:
    who = principal(request)
    who.require_read()
    endpoint = _endpoint(who, webhook_id)
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint).select_related("replay_of")
    return [_delivery_out(d) for d in deliveries.order_by("-created_at", "-pk")[:DELIVERIES_SHOWN]]


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/replay",
    response={201: DeliveryOut, **ERRORS},
    summary="Send a delivery again",
)
def replay_delivery(request: HttpRequest, webhook_id: int, delivery_id: UUID) -> Status:
    who = principal(request)
    who.require_write()
    endpoint = _endpoint(who, webhook_id)
    delivery = WebhookDelivery.objects.filter(endpoint=endpoint, uid=delivery_id).first()
    if delivery is None:
        raise ApiError(404, "not_found", _("Not found."))
    replay = webhook_replay(delivery=delivery)
    replay.replay_of = delivery
    return Status(201, _delivery_out(replay))
