"""The webhook event types and the event verbs they come from."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from guichet.tickets.choices import Verb


class EventType(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("A ticket was opened")
    TICKET_REPLIED = "ticket.replied", _("A reply was sent to the customer")
    TICKET_ESCALATED = "ticket.escalated", _("A ticket went to another level")
    TICKET_DEADLINE_BREACHED = "ticket.deadline_breached", _("A deadline was missed")
    TICKET_CLOSED = "ticket.closed", _("A ticket was closed")
    SURVEY_ANSWERED = "survey.answered", _("A customer answered the satisfaction survey")


# Event verb → webhook event type. `seller.restricted` joins when the marketplace records it.
FROM_VERB: dict[str, str] = {
    Verb.OPENED: EventType.TICKET_CREATED,
    Verb.REPLIED: EventType.TICKET_REPLIED,
    Verb.ESCALATED: EventType.TICKET_ESCALATED,
    Verb.DEADLINE_BREACHED: EventType.TICKET_DEADLINE_BREACHED,
    Verb.CLOSED: EventType.TICKET_CLOSED,
    Verb.SURVEY_ANSWERED: EventType.SURVEY_ANSWERED,
}
