"""The tickets' timekeeper (`tickets.reactions.Timekeeper`), as registered in every process
by SlaConfig.ready(): it plans a new ticket's deadlines and keeps them in step with its
changes, through `sla.services`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from guichet.tickets.models import Event, Ticket


class Deadlines:
    # `sla.services` is imported at the first ticket change, not when the app is ready:
    # the engine brings the policy schema (pydantic) and the holidays of every country,
    # a quarter of a second a process that changes no ticket should not pay.

    def plan_opening(self, ticket: Ticket) -> None:
        from guichet.sla import services

        services.plan_opening(ticket)

    def open(self, tickets: Sequence[Ticket]) -> list[Event]:
        from guichet.sla import services

        return services.deadlines_open(list(tickets))

    def refresh(
        self, changed: Sequence[tuple[Ticket, datetime]], *, reuse: set[int]
    ) -> list[Event]:
        if not changed:
            return []
        from guichet.sla import services

        return services.deadlines_refresh_many(list(changed), reuse=reuse)
