"""The conduct procedure (docs/conduct.md), as the brand's policy writes it (`[conduct]`):

- every message a customer sends, on any channel, is read for abuse as it arrives
  (`screen`, a reaction to the ticket's OPENED and MESSAGE_RECEIVED): what is found flags
  the ticket with its severity and the words; a threat is put in front of the managers at
  once, other flags in front of the ticket's assignee and team leads;
- a person decides each flag: `flag_confirm` or `flag_dismiss` (an agent may also flag a
  message by hand: `flag_by_staff`, which is its confirmation);
- a confirmed abusive message sends the brand's polite warning letter, up to
  `warnings_before_block` times since the customer's last block was lifted; the next one
  blocks the customer (`contacts.ContactBlock`: quarantined on every channel, never
  answered) and tells them once that correspondence stops;
- a person may also block (`conduct_block`: team leads and above), lift a block
  (`conduct_lift`: the policy's `lift_block_roles`) and refer a case to an authority
  (`conduct_refer`, where `referral_allowed`: the same roles), each with its reason, in the
  ticket's timeline and the customer's record.

Each writes through the ticket services (events) and the contacts' services (blocks)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from guichet.accounts.models import Membership, Role, User
from guichet.accounts.permissions import Action, is_unrestricted, require, role_in
from guichet.brands.models import Brand
from guichet.conduct.detect import Hit, Severity, detect
from guichet.conduct.models import (
    AbuseFlag,
    Authority,
    ConductWarning,
    Decision,
    FlagSource,
    Referral,
)
from guichet.contacts import services as contacts
from guichet.contacts.models import Contact, ContactBlock
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.notify.letters import send_letter
from guichet.notify.models import LetterKind
from guichet.notify.staff import notify_staff, watchers
from guichet.tickets import services
from guichet.tickets.actors import System
from guichet.tickets.choices import Direction, Verb
from guichet.tickets.models import Event, Message, Ticket

CONDUCT = System("conduct")


# --- reading every message as it arrives ------------------------------------------------------


def screen(event: Event, ticket: Ticket) -> None:
    """A reaction to OPENED and MESSAGE_RECEIVED: read the customer's message for abuse
    (the policy's `detect`; its `extra_terms` with the lexicon) and flag what is found."""
    message = event.message
    if message is None or not _from_customer(message):
        return
    policy = ticket.brand.get_policy()
    if not policy.conduct.detect:
        return
    extra = policy.conduct.extra_terms
    hits = [("text", hit) for hit in detect(message.text, extra_terms=extra)]
    if event.verb == Verb.OPENED and message.subject:
        hits += [("subject", hit) for hit in detect(message.subject, extra_terms=extra)]
    if not hits:
        return
    severity = max(hit.severity for _, hit in hits)
    try:
        with transaction.atomic():
            flag = AbuseFlag.objects.create(
                brand_id=ticket.brand_id,
                ticket=ticket,
                message=message,
                contact_id=ticket.contact_id,
                source=FlagSource.DETECTION,
                severity=severity,
                hits=[_hit_data(part, hit) for part, hit in hits],
                created_at=clock.now(),
            )
    except IntegrityError:
        return  # this message was read before (a retried intake)
    words = _words(flag.hits)
    services.ticket_flag_abuse(
        ticket=ticket,
        actor=CONDUCT,
        reason=_reason_detected(severity, words, ticket.brand),
        severity=int(severity),
        details={"flag": flag.pk, "message": message.pk, "words": words, "source": "detection"},
    )
    _tell_staff(flag, ticket, words)


def route_staff_complaint(event: Event, ticket: Ticket) -> None:
    """A reaction to OPENED and FIELD_CHANGED: a ticket in a topic about the staff
    (`about_staff`) is a complaint about a team member, wherever it came from."""
    if ticket.about_agent or not ticket.category:
        return
    if event.verb == Verb.FIELD_CHANGED and (event.data or {}).get("field") != "category":
        return
    category = ticket.brand.get_policy().category(ticket.category)
    if category is not None and category.about_staff:
        services.ticket_set_concerned_agent(ticket=ticket, actor=CONDUCT, agent=None)


def _from_customer(message: Message) -> bool:
    """A message the customer wrote: not the staff's (replies, notes), not a robot's, not
    the seller's side."""
    return (
        message.direction == Direction.INBOUND
        and not message.is_internal
        and not message.is_automatic
        and message.author_user_id is None
    )


def _hit_data(part: str, hit: Hit) -> dict[str, Any]:
    return {
        "part": part,
        "term": hit.term,
        "found": hit.found,
        "start": hit.start,
        "end": hit.end,
        "severity": int(hit.severity),
        "extra": hit.extra,
    }


def _words(hits: list[dict[str, Any]]) -> list[str]:
    """The words as written, each once, in order."""
    return list(dict.fromkeys(hit["found"] for hit in hits))[:20]


def _reason_detected(severity: Severity, words: list[str], brand: Brand) -> str:
    with translation.override(brand.default_language):
        return str(
            _("Detected: %(severity)s (%(words)s)")
            % {"severity": Severity(severity).label, "words": ", ".join(words)}
        )


def _tell_staff(flag: AbuseFlag, ticket: Ticket, words: list[str]) -> None:
    """A threat: the brand's managers and directors (and whoever may lift a block), at
    once; another flag: the ticket's assignee and its team's leads."""
    params = {"reference": ticket.reference, "words": ", ".join(words)}
    if flag.severity >= Severity.THREAT:
        notify_staff(
            ticket,
            managers(ticket.brand),
            "threat",
            _("Threat in %(reference)s: %(words)s"),
            **params,
        )
    else:
        notify_staff(
            ticket,
            watchers(ticket, {}),
            "abuse_flag",
            _("Abusive message in %(reference)s: %(words)s"),
            **params,
        )


def managers(brand: Brand) -> list[User]:
    """The brand's active managers and directors, and the roles its policy lets lift a block."""
    roles = {Role.MANAGER, Role.DIRECTOR, *brand.get_policy().conduct.lift_block_roles}
    return [
        m.user
        for m in Membership.objects.filter(
            brand=brand, is_active=True, user__is_active=True, role__in=roles
        ).select_related("user")
    ]


# --- deciding a flag ------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """What a confirmation led to: a warning (its number), the block, or nothing more (the
    customer was blocked already)."""

    warning: int | None = None
    block: ContactBlock | None = None


def flag_confirm(*, flag: AbuseFlag, actor: User, note: str = "") -> Step:
    """The message is abusive: recorded, then the procedure's next step for the customer."""
    with brand_scope(flag.brand_id), transaction.atomic():
        flag = _undecided(flag, actor)
        _decide(flag, actor, Decision.CONFIRMED, note)
        return _next_step(flag, actor)


def flag_dismiss(*, flag: AbuseFlag, actor: User, note: str = "") -> AbuseFlag:
    """The message is not abusive (a quotation, an idiom, a customer reporting an insult):
    recorded with the note; the ticket stays flagged only by its other flags."""
    with brand_scope(flag.brand_id), transaction.atomic():
        flag = _undecided(flag, actor)
        _decide(flag, actor, Decision.DISMISSED, note)
        return flag


def flag_by_staff(
    *,
    ticket: Ticket,
    actor: User,
    reason: str,
    severity: Severity = Severity.INSULT,
    message: Message | None = None,
) -> Step:
    """A member of the staff finds a message abusive (a call, a message detection missed):
    the flag is theirs and confirmed at once, and the procedure takes its next step."""
    reason = reason.strip()
    if not reason:
        raise InvalidRequest(_("Give the reason."), code="reason")
    if message is not None and message.ticket_id != ticket.pk:
        raise InvalidRequest(_("Not found."), code="not_found")
    with brand_scope(ticket.brand_id), transaction.atomic():
        require(actor, Action.NOTE, brand=ticket.brand)
        flag = AbuseFlag.objects.create(
            brand_id=ticket.brand_id,
            ticket=ticket,
            message=message,
            contact_id=ticket.contact_id,
            source=FlagSource.STAFF,
            severity=Severity(severity),
            reason=reason[:2000],
            created_at=clock.now(),
            created_by=actor,
        )
        services.ticket_flag_abuse(
            ticket=ticket,
            actor=actor,
            reason=reason,
            severity=int(severity),
            details={"flag": flag.pk, "source": "staff"},
        )
        _decide(flag, actor, Decision.CONFIRMED, reason)
        if flag.severity >= Severity.THREAT:
            _tell_staff(flag, ticket, [reason[:100]])
        return _next_step(flag, actor)


def _undecided(flag: AbuseFlag, actor: User) -> AbuseFlag:
    require(actor, Action.NOTE, brand=flag.brand)
    locked = AbuseFlag.objects.select_for_update().select_related("ticket").get(pk=flag.pk)
    if locked.decision:
        raise InvalidRequest(_("This flag has already been decided."), code="decided")
    if locked.ticket.concerned_agent_id == actor.pk:
        raise InvalidRequest(_("Not found."), code="not_found")
    return locked


def _decide(flag: AbuseFlag, actor: User, decision: str, note: str) -> None:
    flag.decision, flag.decided_at, flag.decided_by = decision, clock.now(), actor
    flag.decision_note = note.strip()[:2000]
    flag.save(update_fields=["decision", "decided_at", "decided_by", "decision_note"])
    left = (
        AbuseFlag.objects.filter(ticket_id=flag.ticket_id)
        .exclude(decision=Decision.DISMISSED)
        .aggregate(worst=Max("severity"))["worst"]
    )
    services.ticket_abuse_decide(
        ticket=flag.ticket,
        actor=actor,
        confirmed=decision == Decision.CONFIRMED,
        note=flag.decision_note,
        severity=left,
        details={"flag": flag.pk, "severity": flag.severity, "message": flag.message_id},
    )


def _next_step(flag: AbuseFlag, actor: User) -> Step:
    """A warning while the policy gives one, else the block (not twice)."""
    ticket = flag.ticket
    contact = Contact.objects.select_for_update().get(pk=flag.contact_id)
    if contact.merged_into_id is not None:
        contact = Contact.objects.select_for_update().get(pk=contact.merged_into_id)
    if contact.blocked_since is not None:
        return Step()
    policy = ticket.brand.get_policy()
    allowed = policy.conduct.warnings_before_block
    given = warnings_since_last_block(contact)
    if given < allowed:
        number = given + 1
        ConductWarning.objects.create(
            brand_id=ticket.brand_id,
            contact=contact,
            ticket=ticket,
            flag=flag,
            sent_at=clock.now(),
            sent_by=actor,
        )
        send_letter(
            ticket,
            LetterKind.CONDUCT_WARNING,
            {
                "warning_number": number,
                "warnings_before_block": allowed,
                "last_warning": "1" if number == allowed else "",
            },
        )
        services.ticket_record(
            ticket=ticket,
            actor=actor,
            verb=Verb.CONDUCT_WARNED,
            data={"flag": flag.pk, "number": number, "of": allowed},
        )
        return Step(warning=number)
    with translation.override(ticket.brand.default_language):
        reason = ngettext(
            "Abusive messages went on after %(count)s warning (the conduct policy).",
            "Abusive messages went on after %(count)s warnings (the conduct policy).",
            given,
        ) % {"count": given}
    block = _block(contact, ticket, actor, reason, by_policy=True)
    return Step(block=block)


def warnings_since_last_block(contact: Contact) -> int:
    """The warnings the customer received since their last block was lifted."""
    lifted = ContactBlock.objects.filter(contact=contact, lifted_at__isnull=False).aggregate(
        last=Max("lifted_at")
    )["last"]
    warnings = ConductWarning.objects.filter(contact=contact)
    if lifted is not None:
        warnings = warnings.filter(sent_at__gt=lifted)
    return warnings.count()


# --- blocks and referrals, decided by a person ----------------------------------------------


def conduct_block(
    *, contact: Contact, ticket: Ticket | None, actor: User, reason: str
) -> ContactBlock:
    """Block the customer (team leads and above), recorded on the ticket it was decided on;
    the customer is told once that correspondence stops."""
    with brand_scope(contact.brand_id), transaction.atomic():
        require(actor, Action.BLOCK, brand=contact.brand)
        if ticket is not None and ticket.contact_id != contact.pk:
            raise InvalidRequest(_("Not found."), code="not_found")
        return _block(contact, ticket, actor, reason, by_policy=False)


def _block(
    contact: Contact, ticket: Ticket | None, actor: User, reason: str, *, by_policy: bool
) -> ContactBlock:
    block = contacts.contact_block(
        contact=contact,
        actor=actor,
        reason=reason,
        ticket_id=ticket.pk if ticket else None,
        by_policy=by_policy,
    )
    if ticket is not None:
        send_letter(ticket, LetterKind.CONDUCT_BLOCKED)
        services.ticket_record(
            ticket=ticket,
            actor=actor,
            verb=Verb.CONTACT_BLOCKED,
            data={"block": block.pk, "reason": block.reason, "by_policy": by_policy},
        )
    return block


def may_lift(actor: User, brand: Brand) -> bool:
    """Whether the person may lift a block or refer a case: the policy's
    `lift_block_roles`, and administrators."""
    if is_unrestricted(actor):
        return True
    role = role_in(actor, brand)
    return role == Role.ADMIN or role in brand.get_policy().conduct.lift_block_roles


def conduct_lift(*, contact: Contact, actor: User, reason: str) -> ContactBlock:
    """Lift the customer's block (the policy's `lift_block_roles`); recorded on the ticket
    the block was decided on. The messages held meanwhile are the managers' to read and
    to process (the desk's held messages)."""
    with brand_scope(contact.brand_id), transaction.atomic():
        if not may_lift(actor, contact.brand):
            raise PermissionDenied(Action.LIFT_BLOCK.value)
        block = contacts.contact_lift_block(contact=contact, actor=actor, reason=reason)
        if block.ticket_id is not None:
            services.ticket_record(
                ticket=Ticket.objects.get(pk=block.ticket_id),
                actor=actor,
                verb=Verb.CONTACT_UNBLOCKED,
                data={"block": block.pk, "reason": block.lift_reason},
            )
        return block


def conduct_refer(
    *, contact: Contact, ticket: Ticket | None, actor: User, authority: str, note: str
) -> Referral:
    """Record that the case was referred to an authority (police, lawyer, platform…), where
    the policy allows it, by the roles that may lift a block; the note is required."""
    note = note.strip()
    if authority not in Authority.values:
        raise InvalidRequest(_("Choose who the case is referred to."), code="authority")
    if not note:
        raise InvalidRequest(_("Give a note on the referral."), code="note")
    brand = contact.brand
    with brand_scope(brand), transaction.atomic():
        if not brand.get_policy().conduct.referral_allowed:
            raise InvalidRequest(
                _("This brand's policy does not refer cases to an authority."), code="policy"
            )
        if not may_lift(actor, brand):
            raise PermissionDenied(Action.LIFT_BLOCK.value)
        if ticket is not None and ticket.contact_id != contact.pk:
            raise InvalidRequest(_("Not found."), code="not_found")
        referral = Referral.objects.create(
            brand=brand,
            contact=contact,
            ticket=ticket,
            authority=authority,
            note=note[:5000],
            referred_at=clock.now(),
            referred_by=actor,
        )
        if ticket is not None:
            services.ticket_record(
                ticket=ticket,
                actor=actor,
                verb=Verb.CONDUCT_REFERRED,
                data={"referral": referral.pk, "authority": authority, "note": note[:500]},
            )
        return referral


# --- the customer's record, merged --------------------------------------------------------


def on_contacts_merged(*, kept: Contact, merged: Contact, actor: Any, reason: str) -> None:
    """The merged record's flags, warnings and referrals are the kept record's: one person."""
    for model in (AbuseFlag, ConductWarning, Referral):
        model.objects.filter(contact=merged).update(contact=kept)
