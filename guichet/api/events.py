"""The webhook event types and what they come from: the event verbs of tickets
(`FROM_VERB`), and the changes of a seller's status (`FROM_SELLER_STATUS`, which are not
events of one ticket: `webhooks.services.on_seller_status_committed`)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from guichet.marketplace.models import SellerStatus
from guichet.tickets.choices import Verb


class EventType(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("A ticket was opened")
    TICKET_REPLIED = "ticket.replied", _("A reply was sent to the customer")
    TICKET_ESCALATED = "ticket.escalated", _("A ticket went to another level")
    TICKET_DEADLINE_BREACHED = "ticket.deadline_breached", _("A deadline was missed")
    TICKET_CLOSED = "ticket.closed", _("A ticket was closed")
    TICKET_PAYMENT_RECORDED = "ticket.payment_recorded", _("A refund or a credit was recorded")
    TICKET_CONTACT_DETAILS_RELEASED = (
        "ticket.contact_details_released",
        _("A seller's contact details were given to the customer"),
    )
    TICKET_ABUSE_FLAGGED = "ticket.abuse_flagged", _("A message was flagged as abusive")
    TICKET_CONTACT_BLOCKED = "ticket.contact_blocked", _("The ticket's customer was blocked")
    SURVEY_ANSWERED = "survey.answered", _("A customer answered the satisfaction survey")
    SELLER_CONTACTED = "seller.contacted", _("A seller was written to about a ticket")
    SELLER_ANSWERED = "seller.answered", _("A seller answered about a ticket")
    SELLER_STRIKE_RECORDED = "seller.strike_recorded", _("A strike was recorded against a seller")
    SELLER_RESTRICTED = "seller.restricted", _("A seller was restricted")
    SELLER_REINSTATED = "seller.reinstated", _("A seller was reinstated")
    SELLER_TERMINATED = "seller.terminated", _("A seller's account was terminated")


# Event verb → webhook event type.
FROM_VERB: dict[str, str] = {
    Verb.OPENED: EventType.TICKET_CREATED,
    Verb.REPLIED: EventType.TICKET_REPLIED,
    Verb.ESCALATED: EventType.TICKET_ESCALATED,
    Verb.DEADLINE_BREACHED: EventType.TICKET_DEADLINE_BREACHED,
    Verb.CLOSED: EventType.TICKET_CLOSED,
    Verb.ABUSE_FLAGGED: EventType.TICKET_ABUSE_FLAGGED,
    Verb.CONTACT_BLOCKED: EventType.TICKET_CONTACT_BLOCKED,
    Verb.SURVEY_ANSWERED: EventType.SURVEY_ANSWERED,
    Verb.SELLER_CONTACTED: EventType.SELLER_CONTACTED,
    Verb.SELLER_ANSWERED: EventType.SELLER_ANSWERED,
    Verb.STRIKE_RECORDED: EventType.SELLER_STRIKE_RECORDED,
    Verb.PAYMENT_RECORDED: EventType.TICKET_PAYMENT_RECORDED,
    Verb.CONTACT_DETAILS_RELEASED: EventType.TICKET_CONTACT_DETAILS_RELEASED,
}

# A seller's new status → webhook event type (back to active from either is reinstated).
FROM_SELLER_STATUS: dict[str, str] = {
    SellerStatus.RESTRICTED: EventType.SELLER_RESTRICTED,
    SellerStatus.ACTIVE: EventType.SELLER_REINSTATED,
    SellerStatus.TERMINATED: EventType.SELLER_TERMINATED,
}

# What each type announces and what its body holds, for the OpenAPI document's readers
# (docs/api.md, "Webhooks", says the same at length).
DESCRIBED: dict[str, str] = {
    EventType.TICKET_CREATED: "a ticket is opened",
    EventType.TICKET_REPLIED: "a reply goes to the customer",
    EventType.TICKET_ESCALATED: "the ticket goes to another level",
    EventType.TICKET_DEADLINE_BREACHED: "a deadline passes unmet",
    EventType.TICKET_CLOSED: "the ticket is closed",
    EventType.TICKET_PAYMENT_RECORDED: (
        "a refund or a credit is recorded (`event.data`: kind, amount as a string, currency)"
    ),
    EventType.TICKET_CONTACT_DETAILS_RELEASED: (
        "the seller's contact details are given to the customer"
    ),
    EventType.TICKET_ABUSE_FLAGGED: (
        "a message is flagged as abusive, by detection or by hand (`event.data`: severity "
        "1 insult … 4 threat, the words found, the flag's id)"
    ),
    EventType.TICKET_CONTACT_BLOCKED: (
        "the ticket's customer is blocked on every channel (`event.data`: reason, by_policy)"
    ),
    EventType.SURVEY_ANSWERED: "the customer answers the satisfaction survey",
    EventType.SELLER_CONTACTED: "an agent writes to the ticket's seller",
    EventType.SELLER_ANSWERED: "the seller answers (`event.data.proposal`: what it proposes)",
    EventType.SELLER_STRIKE_RECORDED: (
        "a strike against the ticket's seller (`event.data`: reason, count, threshold)"
    ),
    EventType.SELLER_RESTRICTED: "a seller is restricted (the strikes' threshold, or a manager)",
    EventType.SELLER_REINSTATED: "a restricted or terminated seller is active again",
    EventType.SELLER_TERMINATED: "a seller's account is terminated",
}


def described() -> str:
    """The event types for the OpenAPI document's description (markdown)."""
    rows = "\n".join(f"| `{kind}` | {DESCRIBED[kind]} |" for kind in EventType.values)
    return (
        "**Webhook events** (`POST /webhooks`; signed with `Guichet-Signature`). The "
        'ticket events\' body is `{id: "evt_…", type, created_at, brand, event, ticket}`; '
        "the seller's status changes' (`seller.restricted`, `seller.reinstated`, "
        '`seller.terminated`) is `{id: "sst_…", type, created_at, brand, seller, change: '
        "{from, to, reason, strike, at}}`.\n\n"
        "| event | when |\n|---|---|\n" + rows
    )
