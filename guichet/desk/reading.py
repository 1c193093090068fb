"""What the intake read a message as (docs/intake-reading.md): the contact type it guessed and
the customer's words that decided, shown beside the properties, with the correction one
click away. A correction is an ordinary change of the type (an event with who and when),
which `guichet intake-corrections --export` turns into the benchmark's examples."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from guichet.tickets.choices import ContactType, Verb
from guichet.tickets.models import Event, Ticket

if TYPE_CHECKING:
    from guichet.policies.schema import Policy

_QUOTED = re.compile(r'"([^"]{1,80})"')
# The types most often mistaken for one another come first among the corrections offered.
_FIRST = ("question", "complaint", "comment", "service_request")


@dataclass(frozen=True)
class IntakeReading:
    contact_type: str
    label: str
    phrases: list[str]
    # Whether the ticket still has the guessed type (then the correction is offered).
    standing: bool
    alternatives: list[tuple[str, str]] = field(default_factory=list)


def intake_reading(ticket: Ticket, policy: Policy) -> IntakeReading | None:
    """The guess recorded when the ticket opened, if the intake made one (email)."""
    opened = Event.objects.filter(ticket=ticket, verb=Verb.OPENED).only("data").first()
    guess = (opened.data or {}).get("guess") if opened is not None else None
    if not guess or not guess.get("contact_type"):
        return None
    guessed = guess["contact_type"]
    phrases = [
        phrase
        for reason in guess.get("reasons", ())
        if not str(reason).startswith("category")
        for phrase in _QUOTED.findall(str(reason))
    ][:4]
    labels = dict(ContactType.choices)
    enabled = [rule.type for rule in policy.contact_types]
    others = sorted(
        (kind for kind in enabled if kind != ticket.contact_type),
        key=lambda kind: (_FIRST.index(kind) if kind in _FIRST else len(_FIRST), kind),
    )
    return IntakeReading(
        contact_type=guessed,
        label=str(labels.get(guessed, guessed)),
        phrases=phrases,
        standing=ticket.contact_type == guessed,
        alternatives=[(kind, str(labels[kind])) for kind in others[:3]],
    )
