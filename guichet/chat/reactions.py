"""What the chat does when a ticket changes: a reply written on a chat's ticket elsewhere
joins the live chat (or goes by email once it has ended): `services.replies_to_chats`."""

from __future__ import annotations

from guichet.tickets.models import Event, Ticket


def replies_to_chats(replies: list[tuple[Event, Ticket]]) -> None:
    # Imported when a reply is made, not when the apps start: the services load the
    # calendars (holidays) and the policy schema (docs/architecture.md, start-up time).
    from guichet.chat.services import replies_to_chats as join

    join(replies)


def contact_blocked(event: Event, ticket: Ticket) -> None:
    from guichet.chat.services import contact_blocked as end

    end(event, ticket)
