"""The watcher: acts on deadlines whose moment has come.

One indexed query finds due rows (`next_action_at <= now`). A worker claims a batch
(`SELECT … FOR UPDATE SKIP LOCKED`, then a lease written on the rows) in a short
transaction, then handles each claimed row in its own transaction that locks the ticket
first and the row second — the order every ticket service uses, so the watcher and
agents never deadlock. The action and the row's next moment commit together: a row is
acted on once, even with several workers on several hosts; a worker that dies mid-way
leaves its lease to expire and another worker takes the row over.

Actions, as the policy says: warn the assignee and team lead before a breach; escalate to
the next level; send the customer a delay letter before the full-answer deadline; record
a breach. Each is recorded through the ticket services, like any change of the ticket;
what follows for people — the staff warned, the letter written — is notify's reaction
to the events (DEADLINE_WARNED, DEADLINE_BREACHED, DELAY_LETTER_SENT).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.crypto import get_random_string

from guichet.lib import clock
from guichet.lib.errors import ServiceError
from guichet.lib.scoping import all_brands, brand_scope
from guichet.sla.models import Deadline, DeadlineKind
from guichet.sla.services import engine_for, next_action_at
from guichet.tickets import services
from guichet.tickets.actors import SYSTEM, System
from guichet.tickets.choices import Verb
from guichet.tickets.models import Ticket

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
BATCH = 200
SLA = System("sla")  # the watcher, as the events name it


def claim(
    worker_id: str, now: datetime, limit: int = BATCH, ticket_ids: Sequence[int] | None = None
) -> list[int]:
    """Claim up to `limit` due rows for this worker (of some tickets only, if given)."""
    with all_brands(), transaction.atomic():
        due = Deadline.objects.select_for_update(skip_locked=True).filter(next_action_at__lte=now)
        if ticket_ids is not None:
            due = due.filter(ticket_id__in=ticket_ids)
        ids = list(
            due.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("next_action_at")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            Deadline.objects.filter(pk__in=ids).update(
                claimed_by=worker_id, claimed_until=now + LEASE
            )
    return ids


def _is_plain_breach(row: Deadline, now: datetime) -> bool:
    """A promise past due with nothing else to do: the common case, written in bulk."""
    return (
        row.is_running
        and row.kind not in (DeadlineKind.ESCALATION, DeadlineKind.DELAY_LETTER)
        and row.due_at is not None
        and row.due_at <= now
        and row.breached_at is None
        and (row.warn_at is None or row.warned_at is not None or row.warn_at > now)
    )


def _breach(tickets: dict[int, Ticket], rows: list[Deadline], now: datetime) -> int:
    """Record the breach of each row (of the locked `tickets`): the rows in one statement,
    their DEADLINE_BREACHED events through the tickets' change (notify reacts to them: the
    assignee and team leads are told)."""
    if not rows:
        return 0
    for row in rows:
        row.breached_at = now
        row.claimed_by = ""
        row.claimed_until = None
        row.next_action_at = next_action_at(row)
    Deadline.objects.bulk_update(
        rows, ["breached_at", "claimed_by", "claimed_until", "next_action_at"]
    )
    services.tickets_record(
        records=[
            services.Record(tickets[row.ticket_id], Verb.DEADLINE_BREACHED, _data(row))
            for row in rows
        ],
        actor=SLA,
        at=now,
    )
    return len(rows)


def act_batch(ids: Sequence[int], worker_id: str, now: datetime) -> Counter[str]:
    """Do what the claimed deadlines call for, one transaction per brand in the batch.

    The tickets are locked first, in id order, then the rows still claimed by this worker
    (a row whose lease expired and was taken over is left to its new owner). Each row is
    handled in a savepoint: one that fails is logged and retried after its lease; the
    others commit."""
    done: Counter[str] = Counter()
    with all_brands():
        found = list(Deadline.objects.filter(pk__in=ids).values_list("pk", "ticket_id", "brand_id"))
    by_brand: dict[int, list[tuple[int, int]]] = {}
    for pk, ticket_id, brand_id in found:
        by_brand.setdefault(brand_id, []).append((pk, ticket_id))
    done["gone"] += len(ids) - len(found)
    for brand_id, items in by_brand.items():
        with brand_scope(brand_id), transaction.atomic():
            tickets = {
                t.pk: t
                for t in Ticket.objects.select_for_update(of=("self",))
                .select_related("brand", "assignee")
                .filter(pk__in={ticket_id for _, ticket_id in items})
                .order_by("pk")
            }
            rows = list(
                Deadline.objects.select_for_update()
                .filter(pk__in=[pk for pk, _ in items], claimed_by=worker_id)
                .order_by("pk")
            )
            done["lost"] += len(items) - len(rows)
            breaches = [r for r in rows if _is_plain_breach(r, now)]
            done["breached"] += _breach(tickets, breaches, now)
            for row in rows:
                if row in breaches:
                    continue
                try:
                    with transaction.atomic():
                        done[_act(tickets, row, now)] += 1
                except Exception:
                    # One deadline that fails must not stop the others: its lease expires
                    # and the next sweep tries it again.
                    logger.exception("acting on deadline %s failed", row.pk)
                    done["failed"] += 1
                    continue
                row.refresh_from_db()
                row.claimed_by = ""
                row.claimed_until = None
                row.next_action_at = next_action_at(row)
                row.save(update_fields=["claimed_by", "claimed_until", "next_action_at"])
    return done


def _act(tickets: dict[int, Ticket], row: Deadline, now: datetime) -> str:
    if not row.is_running or row.next_action_at is None or row.next_action_at > now:
        return "nothing"
    ticket = tickets[row.ticket_id]
    done = "nothing"
    if row.warn_at is not None and row.warned_at is None and row.warn_at <= now:
        # notify reacts: the assignee and team leads are warned.
        row.warned_at = now
        row.save(update_fields=["warned_at"])
        services.ticket_record(
            ticket=ticket, actor=SLA, verb=Verb.DEADLINE_WARNED, at=now, data=_data(row)
        )
        done = "warned"
    if row.due_at is None or row.due_at > now or row.breached_at is not None:
        return done
    if row.kind == DeadlineKind.ESCALATION:
        return _escalate(ticket, row, now)
    if row.kind == DeadlineKind.DELAY_LETTER:
        return "delay_letter" if send_delay_letter(ticket, now=now) else _cancel(ticket, row, now)
    _breach(tickets, [row], now)
    return "breached"


def _data(row: Deadline) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "level": row.level,
        "due": row.due_at.isoformat() if row.due_at else None,
        "target": row.target,
        "clock": row.clock,
        "rule": row.rule,
    }


def _cancel(ticket: Ticket, row: Deadline, now: datetime) -> str:
    row.cancelled_at = now
    row.save(update_fields=["cancelled_at"])
    services.ticket_record(
        ticket=ticket, actor=SLA, verb=Verb.DEADLINE_CANCELLED, at=now, data=_data(row)
    )
    return "cancelled"


def _escalate(ticket: Ticket, row: Deadline, now: datetime) -> str:
    try:
        with transaction.atomic():
            services.ticket_escalate(
                ticket=ticket,
                actor=SYSTEM,
                to_level=row.level,
                reason=f"{row.target} ({row.rule})",
                at=now,
            )
    except ServiceError as exc:
        logger.info("automatic escalation of %s not done: %s", ticket.reference, exc)
        return _cancel(ticket, row, now)
    return "escalated"


def send_delay_letter(
    ticket: Ticket, *, now: datetime, reason: str = "", unless_due_after: datetime | None = None
) -> bool:
    """Tell the customer the protected deadline (EJ: the full written answer) will be
    missed, why, and the new date — once per deadline. The new date is the target again,
    counted from the missed moment. With `unless_due_after`, nothing is sent when the
    deadline falls after that moment (it can still be met)."""
    policy = ticket.brand.get_policy()
    letter = policy.delay_letter
    if letter is None:
        return False
    protected = Deadline.objects.filter(
        ticket=ticket, kind=letter.deadline, met_at__isnull=True, cancelled_at__isnull=True
    ).first()
    if protected is None or protected.due_at is None or protected.promised_due_at is not None:
        return False
    if unless_due_after is not None and protected.due_at > unless_due_after:
        return False
    engine = engine_for(ticket.brand)
    rule = policy.deadlines[int(protected.rule.removeprefix("deadlines[").rstrip("]"))]
    previous = protected.due_at
    new_due = engine.extended_due(rule.clock, previous, rule.target)
    protected.original_due_at = previous
    protected.promised_due_at = new_due
    protected.due_at = new_due
    protected.warn_at = (
        engine.subtract(rule.clock, new_due, rule.warn_before) if rule.warn_before else None
    )
    protected.warned_at = None
    protected.next_action_at = next_action_at(protected)
    protected.save(
        update_fields=[
            "original_due_at",
            "promised_due_at",
            "due_at",
            "warn_at",
            "warned_at",
            "next_action_at",
        ]
    )
    Deadline.objects.filter(
        ticket=ticket,
        kind=DeadlineKind.DELAY_LETTER,
        met_at__isnull=True,
        cancelled_at__isnull=True,
    ).update(met_at=now, next_action_at=None)
    why = reason or policy.text(letter.default_reason, ticket.language)
    # notify reacts: the letter goes to the customer.
    services.ticket_record(
        ticket=ticket,
        actor=SLA,
        verb=Verb.DELAY_LETTER_SENT,
        at=now,
        data={
            "kind": protected.kind,
            "previous_due": previous.isoformat(),
            "new_due": new_due.isoformat(),
            "reason": why,
        },
    )
    return True


def sweep(
    *,
    now: datetime | None = None,
    worker_id: str = "",
    batch: int = BATCH,
    ticket_ids: Sequence[int] | None = None,
) -> Counter[str]:
    """Act on every deadline due at `now` (default: the clock's now). Returns counts."""
    now = now or clock.now()
    worker_id = worker_id or get_random_string(16)
    done: Counter[str] = Counter()
    while True:
        ids = claim(worker_id, now, batch, ticket_ids)
        if not ids:
            return done
        done.update(act_batch(ids, worker_id, now))
        if len(ids) < batch:
            return done


def catch_up(ticket_id: int, until: datetime) -> Counter[str]:
    """Act on one ticket's deadlines at each moment they fell due, up to `until`, as if the
    watcher had been running all along (for replays and the demo's history)."""
    done: Counter[str] = Counter()
    for _step in range(1000):  # a ticket has few deadlines; this bounds a runaway loop
        with all_brands():
            moment = (
                Deadline.objects.filter(ticket_id=ticket_id, next_action_at__lte=until)
                .order_by("next_action_at")
                .values_list("next_action_at", flat=True)
                .first()
            )
        if moment is None:
            break
        with clock.frozen(moment):
            done.update(sweep(now=moment, ticket_ids=[ticket_id]))
    return done
