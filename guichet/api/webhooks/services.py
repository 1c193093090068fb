"""Registering webhook endpoints, making deliveries when events are committed, replaying.

An endpoint's URL is checked when it is saved (`check_url`) and again at every send
(`delivery`): http or https, no credentials, and a host whose every address is public —
unless the operator lists it in `GUICHET_WEBHOOK_ALLOW_HOSTS` (host names, addresses or
networks; `guichet.lib.net`).

Deliveries are made from the `event_committed` signal, which every recorded event sends
after its transaction commits (services, the deadline watcher, the portal's surveys). When
no active endpoint anywhere subscribes to the event's type, nothing is read (a cache of
the subscribed types, SUBSCRIBED_TTL seconds across processes); else one query finds the
endpoints of the event's brand, and only when one subscribes is the body
built — the event and the ticket as the change left it — and a delivery row written for
each, the sending queued to the worker (`tasks.deliver_webhooks`) once that row is committed.
An event whose process stops between its commit and that row is not delivered: the event
log (GET /tickets/{reference}/events) stays the record to reconcile from.

A change of a seller's status is not an event of one ticket: the ticket services tell
`on_seller_status_committed` after it commits (registered in `ApiConfig.ready`), and its
deliveries (`seller.restricted`…) are made the same way, with a body of their own
(`seller_payload`) and no event; the seller's history (GET /sellers/{id}/status-changes)
is then the record to reconcile from.
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.api.events import FROM_SELLER_STATUS, FROM_VERB, EventType
from guichet.api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from guichet.api.webhooks.delivery import ALLOW_SETTING
from guichet.api.webhooks.signing import new_secret
from guichet.api.webhooks.tasks import deliver_webhooks
from guichet.brands.models import Brand
from guichet.lib import clock, net
from guichet.lib.crypto import encrypt
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import all_brands, brand_scope
from guichet.lib.ttlcache import TTLCache, ttl_cache
from guichet.marketplace.models import SellerStatusChange
from guichet.tickets.models import Event, Ticket

logger = logging.getLogger(__name__)


_REFUSALS = {
    "url": _("This is not a valid URL."),
    "scheme": _("The URL must start with https:// or http://."),
    "host": _("The URL must name a host, without a user name or password."),
    "port": _("The URL's port is not valid."),
    "address": _(
        "This host is on a private, loopback, link-local or reserved network: webhooks only "
        "go to public addresses, unless the operator allows this host."
    ),
}


def check_url(url: str) -> str:
    """`url`, stripped, if a webhook may be sent there now; InvalidRequest (code `url`)
    otherwise. The host is resolved: one that does not resolve is refused too."""
    url = url.strip()
    if len(url) > 2000:
        raise InvalidRequest(_("The URL is too long."), code="url")
    try:
        net.check_url(url, allow=net.allow_list(ALLOW_SETTING))
    except net.Refused as refused:
        raise InvalidRequest(_REFUSALS[refused.reason], code="url") from None
    except OSError:
        raise InvalidRequest(_("This host name cannot be resolved."), code="url") from None
    return url


def _check_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(EventType.values))
    if unknown or not events:
        raise InvalidRequest(
            _("Choose the events among %(events)s."),
            code="events",
            events=", ".join(EventType.values),
        )
    return sorted(set(events))


def webhook_create(
    *, brand: Brand, url: str, events: list[str], description: str = "", actor: User | None = None
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret, which is shown once (stored encrypted).
    The caller has checked that `actor` may manage the brand's integrations."""
    url = check_url(url)
    events = _check_events(events)
    secret = new_secret()
    with brand_scope(brand), transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            brand=brand,
            url=url,
            events=events,
            description=description.strip()[:200],
            sealed_secret=encrypt(secret),
            created_at=clock.now(),
            created_by=actor,
        )
    _subscribed.clear()
    return endpoint, secret


def webhook_update(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    events: list[str] | None = None,
    description: str | None = None,
    is_active: bool | None = None,
) -> WebhookEndpoint:
    """Change an endpoint; a new URL is checked as at creation."""
    if url is not None and url.strip() != endpoint.url:
        endpoint.url = check_url(url)
    if events is not None:
        endpoint.events = _check_events(events)
    if description is not None:
        endpoint.description = description.strip()[:200]
    if is_active is not None:
        endpoint.is_active = is_active
    with brand_scope(endpoint.brand_id):
        endpoint.save(update_fields=["url", "events", "description", "is_active"])
    _subscribed.clear()
    return endpoint


def webhook_delete(*, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint with its deliveries and their log."""
    with brand_scope(endpoint.brand_id), transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()
    _subscribed.clear()


# --- deliveries ------------------------------------------------------------------------------


# The event types some active endpoint subscribes to, in any brand: without one, an event
# costs no query (the watcher records breaches by the thousand). Cleared here on every
# change; another process sees a new endpoint within SUBSCRIBED_TTL seconds.
SUBSCRIBED_TTL = 5.0
_subscribed: TTLCache[frozenset[str]] = ttl_cache(SUBSCRIBED_TTL)


def subscribed_types() -> frozenset[str]:
    def compute() -> frozenset[str]:
        with all_brands():
            lists = WebhookEndpoint.objects.filter(is_active=True).values_list("events", flat=True)
            return frozenset(t for events in lists for t in events)

    return _subscribed.get("types", compute)


def on_event_committed(sender: Any, *, event_id: int, verb: str, **kwargs: Any) -> None:
    """`event_committed` receiver: deliveries for the endpoints that subscribe."""
    event_type = FROM_VERB.get(verb)
    if event_type is not None and event_type in subscribed_types():
        deliveries_for_event(event_id, event_type)


def _subscribers(brand: Any, event_type: str) -> list[WebhookEndpoint]:
    """The active endpoints of `brand` (an id, or a query of one) that subscribe to
    `event_type`: one query."""
    with all_brands():
        return [
            endpoint
            for endpoint in WebhookEndpoint.objects.filter(is_active=True, brand_id__in=brand)
            if event_type in endpoint.events
        ]


def _write_deliveries(
    brand_id: int,
    endpoints: list[WebhookEndpoint],
    *,
    event: Event | None,
    event_type: str,
    body: str,
) -> list[int]:
    """One delivery of `body` per endpoint, its sending queued once it is committed."""
    now = clock.now()
    with brand_scope(brand_id), transaction.atomic():
        created = WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    brand_id=brand_id,
                    endpoint=endpoint,
                    uid=uuid.uuid4(),
                    event=event,
                    event_type=event_type,
                    body=body,
                    next_attempt_at=now,
                    created_at=now,
                )
                for endpoint in endpoints
            ]
        )
        ids = [delivery.pk for delivery in created]
        _queue(ids)
    return ids


def deliveries_for_event(event_id: int, event_type: str) -> list[int]:
    """Write the deliveries of one committed event (its brand's active endpoints that
    subscribe to `event_type`) and queue their sending. Returns their ids."""
    with all_brands():
        brand = Event.objects.filter(pk=event_id).values("brand_id")
    endpoints = _subscribers(brand, event_type)
    if not endpoints:
        return []
    brand_id = endpoints[0].brand_id
    with brand_scope(brand_id):
        event = Event.objects.select_related("brand", "actor_user", "actor_contact").get(
            pk=event_id
        )
        body = payload_body(event, event_type)
    return _write_deliveries(brand_id, endpoints, event=event, event_type=event_type, body=body)


# --- a seller's status (not an event of one ticket) --------------------------------------


SELLER_TYPES = frozenset(FROM_SELLER_STATUS.values())


def on_seller_status_committed(seller_id: int, change_id: int) -> None:
    """`tickets.services.on_seller_status_committed` listener: the deliveries of a
    seller's new status (`seller.restricted`, `seller.reinstated`, `seller.terminated`),
    made as those of ticket events, with no event of their own (`WebhookDelivery.event`
    empty). No query unless an endpoint somewhere subscribes to one of these types."""
    if not SELLER_TYPES & subscribed_types():
        return
    deliveries_for_seller_change(change_id)


def deliveries_for_seller_change(change_id: int) -> list[int]:
    """Write the deliveries of one committed change of a seller's status and queue their
    sending. Returns their ids."""
    with all_brands():
        found = (
            SellerStatusChange.objects.filter(pk=change_id).values("brand_id", "to_status").first()
        )
    if found is None:
        return []
    event_type = FROM_SELLER_STATUS[found["to_status"]]
    endpoints = _subscribers([found["brand_id"]], event_type)
    if not endpoints:
        return []
    brand_id = found["brand_id"]
    with brand_scope(brand_id):
        change = SellerStatusChange.objects.select_related(
            "seller", "seller__brand", "actor_user"
        ).get(pk=change_id)
        body = _json(seller_payload(change, event_type))
    return _write_deliveries(brand_id, endpoints, event=None, event_type=event_type, body=body)


def seller_payload(change: SellerStatusChange, event_type: str) -> dict[str, Any]:
    """What a seller's status delivery says: the seller as the API gives it, and the change
    (`strike`: the strike that reached the threshold; `by`: the manager who decided)."""
    from guichet.api.schemas import PersonRef
    from guichet.api.schemas.sellers import SellerOut, seller_out

    seller = SellerOut.model_validate(seller_out(change.seller)).model_dump(mode="json")
    by = change.actor_user
    return {
        "id": f"sst_{change.pk}",
        "type": event_type,
        "created_at": _moment(change.at),
        "brand": change.seller.brand.slug,
        "seller": seller,
        "change": {
            "id": change.pk,
            "from": change.from_status,
            "to": change.to_status,
            "reason": change.reason,
            "strike": change.strike_id,
            "by": None
            if by is None
            else PersonRef(id=by.pk, name=by.get_full_name() or by.username).model_dump(),
            "at": _moment(change.at),
        },
    }


def _moment(value: Any) -> str:
    return str(value.isoformat().replace("+00:00", "Z"))


def _json(body: dict[str, Any]) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def payload(event: Event, event_type: str) -> dict[str, Any]:
    """What a delivery says: the event, and the ticket resource as the API gives it."""
    # Here, not at the top: ApiConfig.ready() imports this module in every process, and the
    # API's schemas bring django-ninja and pydantic's model building (0.05 s of start-up).
    from guichet.api.schemas import EventOut, TicketOut, event_out, ticket_out, with_relations

    ticket = None
    if event.ticket_id is not None:
        found = with_relations(Ticket.objects.filter(pk=event.ticket_id)).get()
        ticket = TicketOut.model_validate(ticket_out(found)).model_dump(mode="json")
    return {
        "id": f"evt_{event.pk}",
        "type": event_type,
        "created_at": _moment(event.at),
        "brand": event.brand.slug,
        "event": EventOut.model_validate(event_out(event)).model_dump(mode="json"),
        "ticket": ticket,
    }


def payload_body(event: Event, event_type: str) -> str:
    return _json(payload(event, event_type))


def webhook_replay(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery's body again, as a new delivery (its own id and log) to the same
    endpoint; it says which it replays. The endpoint must still be active."""
    with brand_scope(delivery.brand_id):
        endpoint = WebhookEndpoint.objects.get(pk=delivery.endpoint_id)
        if not endpoint.is_active:
            raise InvalidRequest(
                _("This webhook is disabled: enable it before replaying."), code="inactive"
            )
        now = clock.now()
        with transaction.atomic():
            replay = WebhookDelivery.objects.create(
                brand_id=delivery.brand_id,
                endpoint=endpoint,
                uid=uuid.uuid4(),
                event_id=delivery.event_id,
                event_type=delivery.event_type,
                body=delivery.body,
                status=DeliveryStatus.PENDING,
                next_attempt_at=now,
                created_at=now,
                replay_of=delivery,
            )
            _queue([replay.pk])
    return replay


def _queue(ids: list[int]) -> None:
    transaction.on_commit(lambda: deliver_webhooks.enqueue(ids), robust=True)
