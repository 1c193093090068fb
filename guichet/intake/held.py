"""What a blocked customer sends (docs/conduct.md): never a ticket, never answered, but never
lost either. Email from a blocked address is quarantined by the email intake
(`blocked_sender`); a contact-form submission is kept the same way, as a message in the
raw store (`InboundSource.WEB`, quarantined), so the managers read both in one place (the
desk's held messages) and can process one after the block is lifted (`ingest.replay`)."""

from __future__ import annotations

from collections.abc import Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from django.db import transaction

from guichet.brands.models import Brand
from guichet.contacts.models import Contact
from guichet.intake.email.ingest import store
from guichet.intake.models import InboundEmail, InboundSource, InboundState
from guichet.lib import clock
from guichet.lib.scoping import all_brands
from guichet.notify.conduct import blocked_notice
from guichet.tickets.attachments import attachment_open
from guichet.tickets.models import Attachment

# The raw copy of a form says which channel it came from; only rows stored as WEB are read so.
WEB_DOMAIN = "web.guichet.invalid"


def hold_web_request(
    *,
    brand: Brand,
    contact: Contact,
    email: str,
    name: str,
    subject: str,
    text: str,
    language: str,
    attachments: Sequence[Attachment] = (),
) -> InboundEmail:
    """Keep a blocked customer's form submission, quarantined with its files, and send the
    policy's automatic answer if it has one (`auto_reply_when_blocked`)."""
    message = EmailMessage(policy=SMTP)
    message["From"] = Address(display_name=name[:200], addr_spec=email)
    message["To"] = Address(display_name=brand.name, addr_spec=f"contact-form@{WEB_DOMAIN}")
    message["Subject"] = subject[:300]
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid(domain=WEB_DOMAIN)
    message["Content-Language"] = language or brand.default_language
    message.set_content(text)
    for attachment in attachments:
        with attachment_open(attachment) as handle:
            data = handle.read()
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    stored = store(message.as_bytes(), source=InboundSource.WEB, brand=brand)
    row = stored.inbound
    since = contact.blocked_since or clock.now()
    with all_brands(), transaction.atomic():
        row.state, row.reason = InboundState.QUARANTINED, "blocked_sender"
        row.detail = f"{email} is blocked since {since:%Y-%m-%d %H:%M} UTC: no ticket, no reply"
        row.processed_at = clock.now()
        row.save(update_fields=["state", "reason", "detail", "processed_at"])
        blocked_notice(contact)
    return row
