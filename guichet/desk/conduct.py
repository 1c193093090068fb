"""What the ticket page shows of the conduct procedure (docs/conduct.md, docs/desk.md): the
ticket's abuse flags with their severity, source and decision; the words found, marked in
the messages themselves; the customer's block, warnings, blocks and referrals; what the
person may do about it. Reads only (the actions are `conduct_views`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from guichet.accounts.models import User
from guichet.accounts.permissions import Action, StaffAccess
from guichet.brands.models import Brand
from guichet.conduct.detect import Severity
from guichet.conduct.models import AbuseFlag, Authority, Referral
from guichet.conduct.services import may_lift, warnings_since_last_block
from guichet.contacts.models import Contact, ContactBlock
from guichet.intake.models import InboundEmail, InboundState
from guichet.tickets.models import Ticket


def severity_name(value: Any) -> str:
    """The word for a severity ("Threat"), "" for none."""
    try:
        return str(Severity(int(value)).label)
    except (TypeError, ValueError):
        return ""


@dataclass
class ConductSide:
    """The conduct panel of one ticket."""

    flags: list[AbuseFlag]
    contact: Contact
    block: ContactBlock | None  # in force
    blocks: list[ContactBlock]  # the customer's, latest first
    referrals: list[Referral]
    warnings: int  # sent since the last block was lifted
    warnings_allowed: int
    can_decide: bool
    can_block: bool
    can_lift: bool
    can_refer: bool
    authorities: list[tuple[str, str]] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        """The panel shows when there is something to show."""
        return bool(self.flags or self.block or self.blocks or self.referrals or self.warnings)

    @property
    def visible(self) -> bool:
        """The panel shows: something to show, or something the person may do (block,
        refer) on any ticket."""
        return self.shown or self.can_block or self.can_refer

    @property
    def undecided(self) -> int:
        return sum(1 for flag in self.flags if not flag.decision)


def customer_of(ticket: Ticket) -> Contact:
    """The ticket's customer, as their record is now (a merged record: the one kept)."""
    contact = ticket.contact
    if contact.merged_into_id is not None:
        return Contact.objects.get(pk=contact.merged_into_id)
    return contact


def conduct_side(desk: StaffAccess, ticket: Ticket) -> ConductSide:
    brand = ticket.brand
    policy = brand.get_policy()
    contact = customer_of(ticket)
    blocks = list(
        ContactBlock.objects.filter(contact=contact).select_related("blocked_by", "lifted_by")[:20]
    )
    user = desk.user
    assert isinstance(user, User)
    lift = may_lift(user, brand)
    return ConductSide(
        flags=list(
            AbuseFlag.objects.filter(ticket=ticket)
            .select_related("created_by", "decided_by", "message")
            .order_by("created_at", "pk")
        ),
        contact=contact,
        block=next((b for b in blocks if b.lifted_at is None), None),
        blocks=blocks,
        referrals=list(Referral.objects.filter(contact=contact).select_related("referred_by")[:20]),
        warnings=warnings_since_last_block(contact),
        warnings_allowed=policy.conduct.warnings_before_block,
        can_decide=desk.can(Action.NOTE, brand),
        can_block=desk.can(Action.BLOCK, brand),
        can_lift=lift,
        can_refer=lift and policy.conduct.referral_allowed,
        authorities=[(str(v), str(label)) for v, label in Authority.choices],
    )


def marked(text: str, spans: list[tuple[int, int]]) -> SafeString:
    """`text` escaped, with each span (offsets into the text) in a <mark>: escaped piece by
    piece, so the offsets stay those of the text as stored. Spans out of the text or
    overlapping one before are left out."""
    pieces: list[str] = []
    at = 0
    for start, end in sorted(spans):
        if start < at or end <= start or end > len(text):
            continue
        pieces += [escape(text[at:start]), "<mark>", escape(text[start:end]), "</mark>"]
        at = end
    pieces.append(escape(text[at:]))
    return mark_safe("".join(pieces))  # noqa: S308 (every piece escaped above)


def spans_by_message(flags: list[AbuseFlag]) -> dict[tuple[int, str], list[tuple[int, int]]]:
    """The words found, by (message, part): the spans to mark, from flags not dismissed."""
    found: dict[tuple[int, str], list[tuple[int, int]]] = {}
    for flag in flags:
        if flag.message_id is None or flag.decision == "dismissed":
            continue
        for hit in flag.hits or []:
            try:
                start, end = int(hit["start"]), int(hit["end"])
            except (KeyError, TypeError, ValueError):
                continue
            part = "subject" if hit.get("part") == "subject" else "text"
            found.setdefault((flag.message_id, part), []).append((start, end))
    return found


def mark_timeline(items: list[Any], flags: list[AbuseFlag]) -> None:
    """Give the timeline's flagged messages their text (and subject) with the words found
    marked (`Item.marked`, `Item.marked_subject`)."""
    spans = spans_by_message(flags)
    if not spans:
        return
    for item in items:
        message = getattr(item, "message", None)
        if message is None:
            continue
        if (message.pk, "text") in spans:
            item.marked = marked(message.text, spans[(message.pk, "text")])
        if (message.pk, "subject") in spans:
            item.marked_subject = marked(message.subject, spans[(message.pk, "subject")])


# --- held messages -----------------------------------------------------------------------


def held_brands(desk: StaffAccess) -> list[Brand]:
    """The person's brands whose held messages they may read: where they may lift a block."""
    user = desk.user
    assert isinstance(user, User)
    return [brand for brand in desk.brands if may_lift(user, brand)]


def held_rows(brands: list[Brand]) -> QuerySet[InboundEmail]:
    return InboundEmail.objects.filter(
        brand__in=brands, state=InboundState.QUARANTINED, reason="blocked_sender"
    )


def held_count(desk: StaffAccess) -> int | None:
    """How many messages are held for the person (None: the page is not theirs)."""
    brands = held_brands(desk)
    if not brands:
        return None
    return held_rows(brands).order_by().count()
