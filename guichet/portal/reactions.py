"""What the portal does with a ticket's changes, in their transaction: a closed request
gets its satisfaction survey (CL-1)."""

from __future__ import annotations

from guichet.portal.surveys import survey_invite
from guichet.tickets import reactions
from guichet.tickets.choices import Verb
from guichet.tickets.models import Event, Ticket


def survey_on_close(event: Event, ticket: Ticket) -> None:
    survey_invite(ticket=ticket, event=event)


def register_all() -> None:
    reactions.register(Verb.CLOSED, survey_on_close)
