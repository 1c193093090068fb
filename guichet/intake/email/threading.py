"""Which ticket an email belongs to, and whether its sender may join it.

In order: any Message-ID of In-Reply-To and References that we know on the brand (inbound
or outbound — letters and replies get their Message-ID when queued), then the reference
tag in the subject. A reply joins a ticket only if its sender is a participant of that
ticket (its customer's addresses, or a sender already on it); otherwise it opens a new
ticket related to the first — a third party never replaces the requester, and a
newsletter's recipients are never merged into one conversation.

`threads_for` answers for many emails with a few queries (the batches of the email
channel); `find_thread` is the same for one.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from guichet.brands.models import Brand
from guichet.contacts.models import ContactEmail
from guichet.tickets.choices import Direction
from guichet.tickets.models import Message, MessageReference, Ticket, reference_key

# At most this many tickets per kind of evidence (a Message-ID quoted by a mass mailing).
LIMIT = 20


@dataclass(frozen=True)
class Thread:
    ticket: Ticket
    by: str  # "header", "subject", "answered" (a reply to it arrived first) or "sibling"
    participant: bool  # whether the sender may write on it
    also: tuple[Ticket, ...] = ()  # other tickets answering this message, to link to it


@dataclass(frozen=True)
class Lookup:
    """What threading needs to know of an email."""

    message_ids: Sequence[str]  # In-Reply-To, then References newest first
    subject: str
    sender: str  # the sender's address
    own_id: str = ""  # its own Message-ID


@dataclass
class _Found:
    header: list[tuple[object, int, int]] = field(default_factory=list)  # (created, pk, ticket)
    answered: list[tuple[object, int, int]] = field(default_factory=list)
    sibling: list[tuple[object, int, int]] = field(default_factory=list)
    subject: int | None = None


@functools.lru_cache(maxsize=64)
def reference_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?<![A-Za-z0-9]){re.escape(prefix)}-\d{{2}}-\d{{5,}}(?![0-9])", re.IGNORECASE
    )


def find_thread(
    brand: Brand, *, message_ids: list[str], subject: str, sender: str, own_id: str = ""
) -> Thread | None:
    """The brand's ticket this email belongs to (see `threads_for`)."""
    return threads_for(brand, [Lookup(message_ids, subject, sender, own_id)])[0]


def threads_for(brand: Brand, lookups: Sequence[Lookup]) -> list[Thread | None]:
    """The brand's ticket each email belongs to, with at most five queries for all.

    Candidates come from its headers, then the reference in its subject, then — mail is not
    always delivered in order — replies to this very email that arrived first ("answered"),
    then messages answering the same message as it, which we do not have ("sibling"). The
    first candidate on which the sender is a participant wins; tickets that answer this
    email too are returned in `also`, to be linked (branches of one conversation). If the
    sender is a participant of none, the first candidate comes back with `participant`
    False: the caller opens a new ticket linked to it — even when that candidate answers
    this email, so an original arriving after a third party's reply to it still opens the
    customer's own ticket, with the customer as its requester.
    Call inside the brand's scope."""
    candidates = _candidates(brand, lookups)
    ids = {pk for found in candidates for pk, _by in found}
    if not ids:
        return [None] * len(lookups)
    tickets = following_merges(Ticket.objects.in_bulk(ids))
    for ticket in tickets.values():
        ticket.brand = brand  # spares the services reading it again
    writers = participants(list({t.pk: t for t in tickets.values()}.values()))
    chosen = []
    for lookup, found in zip(lookups, candidates, strict=True):
        unique: dict[int, tuple[Ticket, str]] = {}
        for pk, by in found:
            if pk in tickets:
                unique.setdefault(tickets[pk].pk, (tickets[pk], by))
        chosen.append(_choose(list(unique.values()), lookup, writers))
    return chosen


def following_merges(tickets: dict[int, Ticket]) -> dict[int, Ticket]:
    """Each candidate id → the ticket that now holds its conversation: a merged ticket's
    mail goes to the ticket it was merged into (a few hops at most)."""
    final = dict(tickets)
    for _hop in range(5):
        pending = {t.merged_into_id for t in final.values() if t.merged_into_id}
        if not pending:
            break
        targets = Ticket.objects.in_bulk(pending)
        final = {
            pk: targets.get(t.merged_into_id, t) if t.merged_into_id else t
            for pk, t in final.items()
        }
    return final


def _candidates(brand: Brand, lookups: Sequence[Lookup]) -> list[list[tuple[int, str]]]:
    """Ticket ids each email may belong to, best evidence first."""
    found = [_Found() for _ in lookups]
    wanted: dict[str, list[int]] = defaultdict(list)  # Message-ID -> lookups quoting it
    for index, lookup in enumerate(lookups):
        for message_id in {i for i in lookup.message_ids if i}:
            wanted[message_id].append(index)
    if wanted:
        for external_id, pk, ticket_id, created in Message.objects.filter(
            brand=brand, external_id__in=list(wanted)
        ).values_list("external_id", "pk", "ticket_id", "created_at"):
            for index in wanted[external_id]:
                found[index].header.append((created, pk, ticket_id))
    pattern = reference_pattern(brand.reference_prefix)
    references: dict[str, list[int]] = defaultdict(list)
    for index, lookup in enumerate(lookups):
        match = pattern.search(lookup.subject or "")
        if match:
            references[match.group(0).upper()].append(index)
    if references:
        for reference, pk in Ticket.objects.filter(
            brand=brand, reference__in=list(references)
        ).values_list("reference", "pk"):
            for index in references[reference]:
                found[index].subject = pk
    # Stored messages that quote this one ("answered"), or quote what this one quotes
    # ("sibling": two replies to a message we do not have, as mail readers thread them).
    own: dict[str, list[int]] = defaultdict(list)
    quoted: dict[str, list[int]] = defaultdict(list)
    for index, lookup in enumerate(lookups):
        if lookup.own_id:
            own[reference_key(lookup.own_id)].append(index)
        for message_id in {i for i in lookup.message_ids if i}:
            quoted[reference_key(message_id)].append(index)
    if own or quoted:
        for key, pk, ticket_id, created in MessageReference.objects.filter(
            brand=brand, key__in=list(own.keys() | quoted.keys())
        ).values_list("key", "pk", "message__ticket_id", "message__created_at"):
            for index in own.get(key, ()):
                found[index].answered.append((created, pk, ticket_id))
            for index in quoted.get(key, ()):
                found[index].sibling.append((created, pk, ticket_id))
    ordered = []
    for item in found:
        best: list[tuple[int, str]] = []
        # Newest message first for headers; oldest reply first for "answered".
        header = sorted(item.header, key=lambda h: (h[0], h[1]), reverse=True)[:LIMIT]
        best += [(ticket_id, "header") for _c, _pk, ticket_id in header]
        if item.subject is not None:
            best.append((item.subject, "subject"))
        answered = sorted(item.answered, key=lambda a: (a[0], a[1]))[:LIMIT]
        best += [(ticket_id, "answered") for _c, _pk, ticket_id in answered]
        sibling = sorted(item.sibling, key=lambda a: (a[0], a[1]))[:LIMIT]
        best += [(ticket_id, "sibling") for _c, _pk, ticket_id in sibling]
        unique: dict[int, str] = {}
        for ticket_id, by in best:
            unique.setdefault(ticket_id, by)
        ordered.append(list(unique.items()))
    return ordered


def _choose(
    candidates: list[tuple[Ticket, str]], lookup: Lookup, writers: dict[int, set[str]]
) -> Thread | None:
    if not candidates:
        return None
    address = lookup.sender.lower()
    chosen = next(
        ((ticket, by) for ticket, by in candidates if address in writers.get(ticket.pk, ())),
        None,
    )
    if chosen is None:
        return Thread(candidates[0][0], candidates[0][1], False)
    answered = [ticket for ticket, by in candidates if by == "answered"]
    also = tuple(t for t in answered if t.pk != chosen[0].pk)
    return Thread(chosen[0], chosen[1], True, also)


def participants(tickets: list[Ticket]) -> dict[int, set[str]]:
    """Addresses that may write on each ticket: its customer's, and those of people whose
    messages are already on it (two queries for all the tickets)."""
    contacts: dict[int, set[int]] = {t.pk: {t.contact_id} for t in tickets}
    for ticket_id, contact_id in (
        Message.objects.filter(
            ticket_id__in=list(contacts),
            direction=Direction.INBOUND,
            author_contact__isnull=False,
        )
        .values_list("ticket_id", "author_contact_id")
        .distinct()
    ):
        contacts[ticket_id].add(contact_id)
    addresses: dict[int, set[str]] = defaultdict(set)
    for contact_id, address in ContactEmail.objects.filter(
        contact_id__in={c for ids in contacts.values() for c in ids}
    ).values_list("contact_id", "address"):
        addresses[contact_id].add(address)
    return {
        ticket_id: {a for c in ids for a in addresses.get(c, ())}
        for ticket_id, ids in contacts.items()
    }
