"""Rebuilding the read model from the event log alone (`guichet reports rebuild`).

Tickets are replayed in chunks, each in its own transaction with its tickets locked, so a
rebuild may run while people work: a change to a ticket of the chunk waits for the chunk,
and every change after it is projected as usual. The figures of a ticket whose events are
gone (a retention purge) are left as they are."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from django.db import transaction

from guichet.brands.models import Brand
from guichet.reports.models import ChatFact, DeadlineFact, LevelFact, Tally, TicketFact
from guichet.reports.projection import RELEVANT, Projection
from guichet.tickets.models import Event, Ticket

Progress = Callable[[int, int], None]


class Logged(NamedTuple):
    """An event as the projection reads it, without building a model instance for each
    of the millions a rebuild replays."""

    pk: int
    brand_id: int
    ticket_id: int
    verb: str
    at: datetime
    data: dict[str, Any]
    actor_user_id: int | None
    actor_contact_id: int | None


@dataclass
class Rebuilt:
    tickets: int = 0
    events: int = 0
    seconds: float = 0.0

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def rebuild(
    *, brands: Iterable[Brand] | None = None, chunk: int = 1000, progress: Progress | None = None
) -> Rebuilt:
    """Replay every event of these brands (all by default) into fresh figures."""
    started = time.perf_counter()
    chosen = list(brands) if brands is not None else list(Brand._base_manager.order_by("pk"))
    ids: list[int] = []
    for brand in chosen:
        ids += Ticket._base_manager.filter(brand=brand).order_by("pk").values_list("pk", flat=True)
    relevant = Event._base_manager.filter(brand__in=chosen, verb__in=RELEVANT)
    total = relevant.count() if progress else 0
    done = Rebuilt()
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        done.events += _replay(part)
        done.tickets += len(part)
        if progress is not None:
            progress(done.events, total)
    done.seconds = time.perf_counter() - started
    return done


def _replay(ticket_ids: list[int]) -> int:
    with transaction.atomic():
        list(
            Ticket._base_manager.select_for_update()
            .filter(pk__in=ticket_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for model in (TicketFact, LevelFact, DeadlineFact, Tally, ChatFact):
            model._base_manager.filter(ticket_id__in=ticket_ids).delete()
        projection = Projection()
        count = 0
        rows = (
            Event._base_manager.filter(ticket_id__in=ticket_ids, verb__in=RELEVANT)
            .order_by("ticket_id", "pk")
            .values_list(*Logged._fields)
            .iterator(chunk_size=2000)
        )
        for row in rows:
            projection.apply(Logged(*row))  # type: ignore[arg-type]
            count += 1
        projection.save()
    return count
