"""Everything a brand keeps about a customer, as they may download it (docs/requirements.md PD-1,
access and portability). Internal notes and staff-only data (events' reasons, staff
names beyond the first name on replies) are not the customer's data and stay out."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from guichet.brands.models import Brand
from guichet.contacts.models import Contact
from guichet.portal.models import SignInLink, SurveyAnswer
from guichet.tickets.models import Message, Ticket


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def export_contact(brand: Brand, contact: Contact) -> dict[str, Any]:
    """Call inside the brand's scope."""
    tickets = list(Ticket.objects.filter(brand=brand, contact=contact).order_by("created_at"))
    messages: dict[int, list[dict[str, Any]]] = {t.pk: [] for t in tickets}
    for message in (
        Message.objects.filter(ticket__in=tickets, is_internal=False)
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    ):
        messages[message.ticket_id].append(
            {
                "at": _when(message.created_at),
                "direction": message.direction,
                "channel": message.channel,
                "subject": message.subject,
                "text": message.text,
                "attachments": [
                    {"name": a.filename, "size": a.size, "sha256": a.sha256}
                    for a in message.attachments.all()
                ],
            }
        )
    return {
        "brand": brand.name,
        "customer": {
            "name": contact.name,
            "language": contact.language,
            "emails": [e.address for e in contact.emails.all()],
            "phones": [p.number for p in contact.phones.all()],
            "since": _when(contact.created_at),
        },
        "requests": [
            {
                "reference": t.reference,
                "subject": t.subject,
                "contact_type": t.contact_type,
                "category": t.category,
                "channel": t.channel,
                "status": t.status,
                "level": t.level,
                "outcome": t.outcome,
                "order_reference": t.order_reference,
                "received": _when(t.created_at),
                "closed": _when(t.closed_at),
                "messages": messages[t.pk],
            }
            for t in tickets
        ],
        "survey_answers": [
            {
                "reference": a.ticket.reference,
                "score": a.score,
                "out_of": a.scale,
                "comment": a.comment,
                "at": _when(a.answered_at),
            }
            for a in SurveyAnswer.objects.filter(ticket__in=tickets)
            .select_related("ticket")
            .order_by("answered_at", "pk")
        ],
        "sign_in_links": [
            {"sent_to": link.address, "at": _when(link.created_at), "used": _when(link.used_at)}
            for link in SignInLink.objects.filter(contact=contact).order_by("created_at")
        ],
    }
