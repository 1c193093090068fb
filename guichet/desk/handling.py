"""Who handles a ticket now, at which level, until when: what the ticket page's summary
bar shows above the conversation (a fixed number of queries).

- the handler: the assignee (or nobody yet) and the team;
- the level: its name in the brand's policy, and where it stands on the ladder;
- the next deadline: what is promised (the policy rule's label, else its kind), when (in
  the brand's time zone) and how much time is left, plain, amber when it nears, red once
  it has passed; paused while the ticket waits on the customer;
- the people a ticket at this level may be handed to: the level's team and the roles the
  policy says handle it (after an escalation, nobody has the ticket yet).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.db.models import F, Q

from guichet.accounts.models import Membership, User
from guichet.desk.queries import due_state
from guichet.sla.engine import NOT_OURS
from guichet.sla.models import ACTION_KINDS, Deadline, DeadlineKind
from guichet.tickets.choices import Status
from guichet.tickets.models import Ticket

if TYPE_CHECKING:
    # Annotations only: the schema (pydantic) loads with the first policy read.
    from guichet.policies.schema import Policy

_RULE = re.compile(r"^deadlines\[(\d+)\]$")


@dataclass
class NextDeadline:
    what: str  # "First response", or the policy rule's own label
    due_at: datetime | None  # None while paused (the time left is not counting)
    state: str  # "ok", "soon" or "late" (queries.due_state); "" while paused
    zone: ZoneInfo  # the brand's: the time is shown as the brand's customers read it
    paused: bool  # the ticket waits on the customer: its clocks stand still


@dataclass
class Handling:
    assignee: User | None
    team: str  # the team's name, or ""
    level: int
    levels: int  # how many the ladder has
    level_name: str
    final: bool  # the last level: its decision is final
    deadline: NextDeadline | None
    people: list[User] = field(default_factory=list)  # who it may be handed to

    @property
    def unassigned(self) -> bool:
        return self.assignee is None


def handling(
    ticket: Ticket, policy: Policy, language: str, now: datetime, *, with_people: bool = False
) -> Handling:
    """`with_people`: also whom it may be handed to (for those who may hand it, while
    nobody has it)."""
    number = min(max(ticket.level, 1), len(policy.levels))
    level = policy.level_at(number)
    return Handling(
        assignee=ticket.assignee,
        team=ticket.team.display_name(language) if ticket.team else "",
        level=ticket.level,
        levels=len(policy.levels),
        level_name=policy.text(level.name, language),
        final=number == policy.final_level,
        deadline=next_deadline(ticket, policy, language, now),
        people=people_at_level(ticket, level.handled_by) if with_people else [],
    )


def next_deadline(
    ticket: Ticket, policy: Policy, language: str, now: datetime
) -> NextDeadline | None:
    """The earliest running promise to the customer (the one `next_due_at` holds); while
    the ticket waits on the customer, the promise whose clock is paused. Another party's
    deadline (the seller's answer, the customer's return window) is not one: the seller's
    panel shows it."""
    if ticket.status == Status.CLOSED:
        return None
    paused = ticket.status == Status.WAITING_CUSTOMER
    running = (
        Deadline.objects.filter(ticket=ticket, met_at__isnull=True, cancelled_at__isnull=True)
        .exclude(kind__in=ACTION_KINDS | NOT_OURS)
        .order_by(
            F("due_at").asc(nulls_first=True) if paused else F("due_at").asc(nulls_last=True),
            "pk",
        )
    )
    row = running.first()
    if row is None or (row.due_at is None and not paused):
        return None
    return NextDeadline(
        what=_what(row, policy, language),
        due_at=row.due_at,
        state=due_state(row.due_at, now) if row.due_at else "",
        zone=ZoneInfo(ticket.brand.timezone),  # checked when the policy was published
        paused=paused,
    )


def _what(row: Deadline, policy: Policy, language: str) -> str:
    """The rule's label where the policy gives one ("Legal deadline (personal data)"),
    else the kind's name."""
    found = _RULE.match(row.rule)
    if found and int(found[1]) < len(policy.deadlines):
        rule = policy.deadlines[int(found[1])]
        if rule.kind == row.kind and rule.label:
            return policy.text(rule.label, language)
    try:
        return str(DeadlineKind(row.kind).label)
    except ValueError:
        return row.kind.replace("_", " ")


def people_at_level(ticket: Ticket, roles: Sequence[str]) -> list[User]:
    """The brand's active staff who handle this level: members of the ticket's team, and
    those whose role the policy lists for the level; by name (one query)."""
    at_level = Q(role__in=roles)
    if ticket.team_id:
        at_level |= Q(teams=ticket.team_id)
    members = (
        Membership.objects.filter(brand_id=ticket.brand_id, is_active=True, user__is_active=True)
        .filter(at_level)
        .select_related("user")
    )
    users = {m.user.pk: m.user for m in members}
    return sorted(users.values(), key=lambda u: (u.get_full_name() or u.username).lower())
