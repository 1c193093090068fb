"""The demo's moving clock: one ticket's story lived step by step, the clock frozen at
each moment and the deadline watcher caught up before it, so that the history is what the
running system would have written (guichet/demo/loader.py, guichet/demo/scenes.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from guichet.lib import clock
from guichet.sla import watcher
from guichet.tickets.models import Ticket


class Timeline:
    """Moves a frozen clock forward through one ticket's story. Before each step, the
    watcher acts on the ticket's deadlines at the moments they fell due (escalations,
    delay letters, breaches and the strikes they bring), so the history is what the
    running engine would have made. `advance` says False once the next step would be in
    the future, where the story stops."""

    def __init__(self, frozen: clock.FrozenClock, now: datetime) -> None:
        self.frozen = frozen
        self.now = now
        self.ticket: Ticket | None = None

    def advance(self, minutes: float) -> bool:
        target = self.frozen.now() + timedelta(minutes=minutes)
        if target >= self.now:
            self.finish()
            return False
        self._catch_up(target)
        self.frozen.set(target)
        if self.ticket is not None:
            self.ticket.refresh_from_db()
        return True

    def _catch_up(self, until: datetime) -> None:
        if self.ticket is not None:
            watcher.catch_up(self.ticket.pk, until)
            self.frozen.set(until)

    def finish(self) -> None:
        """The rest of the story, up to now, is the watcher's."""
        self._catch_up(self.now)
