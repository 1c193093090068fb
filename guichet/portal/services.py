"""The portal's writes: requests from the contact form, sign-in links and sessions,
satisfaction surveys, data-rights requests.

Changes to tickets go through guichet.tickets.services (ticket_open, ticket_receive,
ticket_escalate…); this module only owns the customers' links and sessions, and the
decisions of the web channel (which contact, whether to acknowledge). The satisfaction
survey is `surveys.py`.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from guichet.accounts.models import User
from guichet.brands.models import Brand
from guichet.contacts.models import Contact, ContactEmail
from guichet.contacts.services import contact_for_email, normalise_email
from guichet.intake.held import hold_web_request
from guichet.lib import clock
from guichet.lib.crypto import encrypt
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.notify.models import OutboundEmail
from guichet.portal.models import PortalSession, SignInLink
from guichet.portal.tasks import send_signin_link
from guichet.tickets import services as tickets
from guichet.tickets.actors import SYSTEM
from guichet.tickets.choices import Channel, ContactType
from guichet.tickets.models import Attachment, Ticket
from guichet.tickets.queries import staff_named

logger = logging.getLogger(__name__)

TOKEN_BYTES = 32  # 256 bits: guessing is hopeless, and rate limits stand in front anyway


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def new_secret() -> tuple[str, str]:
    secret = secrets.token_urlsafe(TOKEN_BYTES)
    return secret, digest(secret)


# --- the contact form ---------------------------------------------------------------------


def address_confirmed(contact: Contact) -> bool:
    """Whether the customer has proved the address is theirs (signed in with a link sent
    to it). Must be called inside a scope of the contact's brand."""
    return SignInLink.objects.filter(contact=contact, used_at__isnull=False).exists()


def _may_acknowledge(brand: Brand, contact: Contact) -> bool:
    """Acknowledge a web request unless the address is unconfirmed and already had its
    share of automatic emails today: a form cannot aim a storm at a stranger. (The
    policy's per-hour limit of the acknowledger applies on top.)"""
    if address_confirmed(contact):
        return True
    address = contact.primary_email
    since = clock.now() - timedelta(days=1)
    sent = OutboundEmail.objects.filter(
        brand=brand, to_address=address, automatic=True, created_at__gte=since
    ).count()
    return sent < settings.GUICHET_PORTAL_UNCONFIRMED_ACKS_PER_DAY


@dataclass(frozen=True)
class WebRequest:
    email: str
    name: str
    language: str
    contact_type: str
    category: str
    subject: str
    text: str
    order_reference: str = ""
    # The team member a complaint is about, as the customer names them (AB-3).
    staff_member: str = ""


def web_request_open(
    *, brand: Brand, request: WebRequest, attachments: Sequence[Attachment] = ()
) -> Ticket | None:
    """Open the ticket a contact-form submission asks for (channel "web"), or None when
    the address belongs to a blocked contact (their messages are never answered, AB-2:
    the form says "received" all the same). The order reference, when given, is checked
    against the brand's rule and recorded on the ticket (IN-5). A blocked customer's
    submission is kept, quarantined, for the managers to read (intake/held.py)."""
    contact = contact_for_email(
        brand=brand, email=request.email, name=request.name, language=request.language
    )
    with brand_scope(brand):
        if contact.blocked_since is not None:
            held = hold_web_request(
                brand=brand,
                contact=contact,
                email=request.email,
                name=request.name,
                subject=request.subject,
                text=request.text,
                language=request.language,
                attachments=attachments,
            )
            logger.info("web request from blocked contact %s held (%s)", contact.pk, held.pk)
            return None
        acknowledge = _may_acknowledge(brand, contact)
    ticket = tickets.ticket_open(
        brand=brand,
        contact=contact,
        contact_type=request.contact_type,
        category=request.category,
        subject=request.subject,
        text=request.text,
        channel=Channel.WEB,
        language=request.language,
        attachments=attachments,
        acknowledge=acknowledge,
    )
    policy = brand.get_policy()
    if request.order_reference and policy.validation.order_reference:
        tickets.ticket_validate_order(
            ticket=ticket, actor=SYSTEM, reference=request.order_reference
        )
    if request.staff_member:
        with brand_scope(brand):
            agent = staff_named(brand, request.staff_member)
        tickets.ticket_set_concerned_agent(
            ticket=ticket, actor=SYSTEM, agent=agent, name=request.staff_member
        )
    return ticket


def request_reply(
    *, ticket: Ticket, contact: Contact, text: str, attachments: Sequence[Attachment] = ()
) -> None:
    """The signed-in customer writes on their request (channel "web"). A blocked
    customer's message is held for the managers like their contact form (AB-2: on every
    channel), and the page thanks them all the same."""
    with brand_scope(ticket.brand_id):
        blocked = Contact.objects.filter(pk=contact.pk, blocked_since__isnull=False).first()
        if blocked is not None:
            hold_web_request(
                brand=ticket.brand,
                contact=blocked,
                email=blocked.primary_email,
                name=blocked.name,
                subject=f"Re: [{ticket.reference}] {ticket.subject}",
                text=text,
                language=ticket.language,
                attachments=attachments,
            )
            return
    tickets.ticket_receive(
        ticket=ticket, contact=contact, text=text, channel=Channel.WEB, attachments=attachments
    )


# --- sign-in links ------------------------------------------------------------------------


def signin_link_request(
    *, brand: Brand, reference: str, email: str, language: str, next_path: str = ""
) -> SignInLink | None:
    """A sign-in link for the customer of ticket `reference` if `email` is one of their
    addresses; None otherwise (the caller answers the same either way). The link is
    emailed after commit by a task, which alone receives the secret (sealed)."""
    try:
        address = normalise_email(email)
    except ValidationError:
        return None
    reference = reference.strip().upper()
    if not reference or len(reference) > 20:
        return None
    with brand_scope(brand):
        ticket = Ticket.objects.filter(brand=brand, reference=reference).only("contact").first()
        if (
            ticket is None
            or not ContactEmail.objects.filter(
                contact_id=ticket.contact_id, address=address
            ).exists()
        ):
            return None
        return _link_for(brand, ticket.contact_id, address, language, next_path)


def _link_for(
    brand: Brand, contact_id: int, address: str, language: str, next_path: str
) -> SignInLink:
    secret, hashed = new_secret()
    now = clock.now()
    with transaction.atomic():
        link = SignInLink.objects.create(
            brand=brand,
            contact_id=contact_id,
            address=address,
            token_hash=hashed,
            next_path=next_path[:200],
            created_at=now,
            expires_at=now + timedelta(minutes=settings.GUICHET_PORTAL_LINK_MINUTES),
        )
        sealed = encrypt(secret)
        transaction.on_commit(
            lambda: send_signin_link.enqueue(link_id=link.pk, sealed=sealed, language=language)
        )
    return link


def _usable(brand: Brand, token: str) -> SignInLink | None:
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    return (
        SignInLink.objects.select_related("contact")
        .filter(
            brand=brand,
            token_hash=digest(token),
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=clock.now(),
        )
        .first()
    )


def signin_link_peek(*, brand: Brand, token: str) -> SignInLink | None:
    """The link if it would sign in now (for the confirmation page; nothing is used)."""
    with brand_scope(brand):
        return _usable(brand, token)


@dataclass(frozen=True)
class SignedIn:
    session: PortalSession
    key: str  # the secret for the cookie; only its digest is stored
    next_path: str


def signin(*, brand: Brand, token: str) -> SignedIn | None:
    """Use a link: once, before it expires, at its brand, while its address is still the
    contact's. Its other unused links die with it. None when the link cannot be used."""
    now = clock.now()
    with brand_scope(brand), transaction.atomic():
        link = _usable(brand, token)
        if link is None:
            return None
        taken = SignInLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=now)
        if taken != 1:  # used by a concurrent request
            return None
        if not ContactEmail.objects.filter(
            contact_id=link.contact_id, address=link.address
        ).exists():
            return None
        SignInLink.objects.filter(
            contact_id=link.contact_id, used_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        key, hashed = new_secret()
        session = PortalSession.objects.create(
            brand=brand,
            contact=link.contact,
            key_hash=hashed,
            link=link,
            created_at=now,
            expires_at=now + timedelta(hours=settings.GUICHET_PORTAL_SESSION_HOURS),
        )
    return SignedIn(session=session, key=key, next_path=link.next_path)


def session_for(*, brand: Brand, key: str) -> PortalSession | None:
    """The live session whose cookie holds `key` at this brand."""
    if not key or len(key) > 100:
        return None
    with brand_scope(brand):
        return (
            PortalSession.objects.select_related("contact")
            .filter(
                brand=brand,
                key_hash=digest(key),
                revoked_at__isnull=True,
                expires_at__gt=clock.now(),
            )
            .first()
        )


def signout(*, session: PortalSession) -> None:
    with brand_scope(session.brand_id):
        PortalSession.objects.filter(pk=session.pk, revoked_at__isnull=True).update(
            revoked_at=clock.now()
        )


def signout_everywhere(*, brand: Brand, contact: Contact) -> None:
    """End every session of the customer at this brand and kill their unused links."""
    now = clock.now()
    with brand_scope(brand), transaction.atomic():
        PortalSession.objects.filter(contact=contact, revoked_at__isnull=True).update(
            revoked_at=now
        )
        SignInLink.objects.filter(
            contact=contact, used_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)


def portal_contact_merged(
    *, kept: Contact, merged: Contact, actor: User | None, reason: str
) -> None:
    """A customer's record merged into another (`contacts.services.contact_merge`, which
    calls this hook in its transaction): the merged record's sessions end and its unused
    links die — its addresses are the kept record's now, so the customer signs in again as
    that one — and its links go with its addresses to the kept record, as the proof they
    were confirmed."""
    brand = kept.brand
    signout_everywhere(brand=brand, contact=merged)
    with brand_scope(brand):
        SignInLink.objects.filter(contact=merged).update(contact=kept)


# --- data-rights requests (PD-1) --------------------------------------------------------------

DATA_RIGHTS = ("rectification", "erasure")


def data_rights_request(
    *, brand: Brand, contact: Contact, right: str, details: str, language: str
) -> Ticket:
    """Open a data-rights ticket (contact type `data_rights`, channel web) asking to
    rectify or erase the customer's personal data; its deadline is the policy's rule for
    that contact type (the legal one). Doing the erasure is the staff's, later."""
    if brand.get_policy().contact_type(ContactType.DATA_RIGHTS) is None:
        raise InvalidRequest(_("This brand does not take such requests here."), code="policy")
    if right not in DATA_RIGHTS:
        raise InvalidRequest(_("Choose what you ask for."), code="right")
    details = details.strip()
    if right == "rectification" and not details:
        raise InvalidRequest(_("Tell us what to correct."), code="details")
    with translation.override(language):
        if right == "rectification":
            subject = _("Rectification of my personal data")
            headline = _("I ask you to correct my personal data:")
        else:
            subject = _("Erasure of my personal data")
            headline = _("I ask you to erase my personal data.")
    return tickets.ticket_open(
        brand=brand,
        contact=contact,
        contact_type=ContactType.DATA_RIGHTS,
        subject=subject,
        text=f"{headline}\n\n{details}" if details else headline,
        channel=Channel.WEB,
        language=language,
    )
