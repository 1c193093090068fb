"""The calls a report counts (RP-1, "phone answered within 30 s"): the telephony's `Call`
rows themselves, read by one aggregate query.

Not a fact of the read model: the other facts are kept from the ticket's event log, and
most calls have no ticket (a caller is answered before anyone opens one, a missed call may
never become one), so a call fact would need a second way in (a hook in every call service)
and a second rebuild (from these same rows) to copy four columns. The query reads codes,
times and seconds only, never a number or a name, and is served by the index on the
brand's calls by start (`call_brand_started`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from guichet.reports.scope import Scope
from guichet.telephony.models import Call, CallDirection, CallState


@dataclass(frozen=True)
class Answering:
    """The inbound calls of a period whose wait is known, by how they were answered, and
    those left out (ringing still, or their wait unknown)."""

    within: int  # answered after a wait of at most the target
    later: int  # answered after a longer wait
    missed: int  # ended without an answer (abandoned, busy, voicemail, forwarded…)
    unmeasured: int  # over, but with no wait known (logged by hand, a ring never reported)

    @property
    def counted(self) -> int:
        return self.within + self.later + self.missed


def answering(scope: Scope, limit_s: float) -> Answering:
    """The inbound calls of the scope's brand that began in its period (days in the brand's
    time zone). Calls ringing now are not counted yet. A wait is whole seconds: 30.9 s is
    30 s, within 30 s."""
    known = Q(wait_s__isnull=False)
    answered = Q(answered_at__isnull=False)
    counted = Call._base_manager.filter(
        brand=scope.brand,
        direction=CallDirection.INBOUND,
        started_at__gte=scope.since,
        started_at__lt=scope.until,
    ).aggregate(
        within=Count("pk", filter=known & answered & Q(wait_s__lte=limit_s)),
        later=Count("pk", filter=known & answered & Q(wait_s__gt=limit_s)),
        missed=Count("pk", filter=known & ~answered & Q(state=CallState.ENDED)),
        unmeasured=Count("pk", filter=~known & (answered | Q(state=CallState.ENDED))),
    )
    return Answering(**counted)
