"""Mail on the seller's side of a marketplace dispute (docs/marketplace.md).

An email answers the seller's side of a ticket when the first Message-ID of its
In-Reply-To and References that we know names a message to or from the ticket's seller,
or an email Guichet sent the seller (a reminder) — or, with none of its Message-IDs known,
when its subject names a ticket and it comes from that ticket's seller. It is the seller's
answer (`services.seller_receive`): it stays on the seller's side, never in the customer's
conversation, and the customer sees it only if an agent passes it on.

It is heard only from the seller's own address or from one of its people who may sign in
(then it is theirs). From any other address it is quarantined ("seller_unknown_sender"),
as it is when the seller's account is terminated ("seller_terminated"); both can be
replayed after a fix (the address added to the seller's people…). An automatic reply (out
of office) is ignored: it is not an answer and must not meet the seller's deadline. The
sign-in links our emails carried, quoted back in the reply, are cut from what is kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from django.db import transaction

from guichet.brands.models import Brand
from guichet.intake.email import content
from guichet.intake.email.parsing import ParsedEmail
from guichet.intake.email.threading import Lookup, following_merges, reference_pattern
from guichet.intake.models import InboundEmail, InboundState
from guichet.lib.errors import ServiceError
from guichet.marketplace.models import Seller, SellerPerson, SellerStatus
from guichet.notify.models import OutboundEmail
from guichet.notify.sellers import seller_portal_paths
from guichet.tickets import services
from guichet.tickets.actors import SellerParty
from guichet.tickets.choices import Channel
from guichet.tickets.models import Message, Ticket


@dataclass(frozen=True)
class SellerThread:
    ticket: Ticket
    seller: Seller
    by: str  # "header" or "subject"


class SellerMail(Protocol):
    """What the seller's side needs of a stored email, parsed and checked (ingest's)."""

    row: InboundEmail
    brand: Brand
    parsed: ParsedEmail
    address: str  # the sender's, normalised
    robot: bool
    message_ids: list[str]  # In-Reply-To, then References newest first


def seller_threads(brand: Brand, lookups: Sequence[Lookup]) -> list[SellerThread | None]:
    """For each email, the ticket whose seller's side it answers (None: not the seller's
    side — the customer's conversation, or no ticket). A few queries for all. Call inside
    the brand's scope."""
    wanted = {i for lookup in lookups for i in lookup.message_ids if i}
    sides: dict[str, tuple[int, int | None]] = {}  # Message-ID -> (ticket, seller or None)
    if wanted:
        for external_id, ticket_id, seller_id in Message.objects.filter(
            brand=brand, external_id__in=list(wanted)
        ).values_list("external_id", "ticket_id", "seller_id"):
            if seller_id is not None or external_id not in sides:
                sides[external_id] = (ticket_id, seller_id)
        for rfc_message_id, ticket_id, seller_id in OutboundEmail.objects.filter(
            brand=brand, rfc_message_id__in=list(wanted), seller__isnull=False
        ).values_list("rfc_message_id", "ticket_id", "seller_id"):
            sides.setdefault(rfc_message_id, (ticket_id, seller_id))
    found: list[tuple[int, int, str] | None] = []
    by_subject: dict[int, str] = {}  # lookup index -> reference in its subject
    pattern = reference_pattern(brand.reference_prefix)
    for index, lookup in enumerate(lookups):
        known = next((sides[i] for i in lookup.message_ids if i in sides), None)
        if known is not None:
            on_ticket, of_seller = known
            found.append((on_ticket, of_seller, "header") if of_seller is not None else None)
            continue
        found.append(None)
        match = pattern.search(lookup.subject or "")
        if match:
            by_subject[index] = match.group(0).upper()
    if by_subject:
        tickets = dict(
            Ticket.objects.filter(
                brand=brand, reference__in=set(by_subject.values()), seller__isnull=False
            ).values_list("reference", "pk")
        )
        sellers = dict(
            Ticket.objects.filter(pk__in=tickets.values()).values_list("pk", "seller_id")
        )
        addresses = seller_addresses(set(sellers.values()))
        for index, reference in by_subject.items():
            pk = tickets.get(reference)
            if pk is not None and lookups[index].sender.lower() in addresses[sellers[pk]]:
                found[index] = (pk, sellers[pk], "subject")
    return _resolve(found)


def _resolve(found: list[tuple[int, int, str] | None]) -> list[SellerThread | None]:
    """The tickets and sellers of what was found; a merged ticket's seller side goes on
    where it was merged, if that ticket has the same seller."""
    ticket_ids = {item[0] for item in found if item}
    if not ticket_ids:
        return [None] * len(found)
    original = Ticket.objects.select_related("brand").in_bulk(ticket_ids)
    final = following_merges(dict(original))
    sellers = Seller.objects.in_bulk({item[1] for item in found if item})
    threads: list[SellerThread | None] = []
    for item in found:
        if item is None or item[0] not in original or item[1] not in sellers:
            threads.append(None)
            continue
        ticket_id, seller_id, by = item
        ticket = (
            final[ticket_id] if final[ticket_id].seller_id == seller_id else original[ticket_id]
        )
        threads.append(SellerThread(ticket, sellers[seller_id], by))
    return threads


def seller_addresses(seller_ids: set[int]) -> dict[int, set[str]]:
    """The addresses each seller is heard from: its own, and its people's who may sign in."""
    addresses: dict[int, set[str]] = {pk: set() for pk in seller_ids}
    for pk, email in Seller.objects.filter(pk__in=seller_ids).values_list("pk", "email"):
        if email:
            addresses[pk].add(email.lower())
    for pk, email in SellerPerson.objects.filter(
        seller_id__in=seller_ids, is_active=True
    ).values_list("seller_id", "email"):
        addresses[pk].add(email.lower())
    return addresses


def seller_party(seller: Seller, address: str) -> SellerParty | None:
    """Who answers for the seller from `address`: one of its people who may sign in, the
    seller itself from its own address, or no one."""
    address = address.strip().lower()
    person = SellerPerson.objects.filter(
        seller=seller, email__iexact=address, is_active=True
    ).first()
    if person is not None:
        return SellerParty(seller, person)
    if seller.email and seller.email.lower() == address:
        return SellerParty(seller, None)
    return None


def without_signin_links(brand: Brand, text: str) -> str:
    """`text` with the secret of every seller portal sign-in link of the brand cut out (a
    reply quotes the email it answers, and the link in it may still work)."""
    prefix = seller_portal_paths(brand.slug, "", "")[0]
    return re.sub(rf"({re.escape(prefix)})[A-Za-z0-9_-]{{8,}}", r"\1…", text)


def to_seller_side(mail: SellerMail, thread: SellerThread) -> None:
    """The email becomes the seller's answer on its ticket — or is ignored or quarantined
    with its reason; the outcome is left on its row (state, reason, ticket, message)."""
    row, ticket, seller = mail.row, thread.ticket, thread.seller
    row.ticket = ticket
    if mail.robot:
        _outcome(row, InboundState.IGNORED, "seller_auto_reply", ticket.reference)
        return
    party = seller_party(seller, mail.address)
    if party is None:
        _outcome(
            row,
            InboundState.QUARANTINED,
            "seller_unknown_sender",
            f"{mail.address} is neither the address of the seller {seller.name!r} nor one of"
            f" its people's, on the seller's side of {ticket.reference}",
        )
        return
    if seller.status == SellerStatus.TERMINATED:
        _outcome(
            row,
            InboundState.QUARANTINED,
            "seller_terminated",
            f"the seller {seller.name!r} is terminated ({ticket.reference})",
        )
        return
    parsed = mail.parsed
    try:
        with transaction.atomic():
            attachments, withheld = content.store_attachments(mail.brand, parsed)
            withheld += content.truncation(row)
            message = services.seller_receive(
                ticket=ticket,
                party=party,
                text=without_signin_links(mail.brand, content.body_text(parsed, withheld)),
                html=without_signin_links(mail.brand, parsed.html),
                channel=Channel.EMAIL,
                external_id=parsed.message_id,
                references=mail.message_ids,
                attachments=attachments,
                received_at=row.received_at,
            )
    except ServiceError as exc:
        _outcome(row, InboundState.QUARANTINED, "refused", str(exc))
        return
    row.message = message
    _outcome(row, InboundState.TICKET_MESSAGE, f"seller_by_{thread.by}")


def _outcome(row: InboundEmail, state: str, reason: str, detail: str = "") -> None:
    row.state, row.reason, row.detail = state, reason, detail
