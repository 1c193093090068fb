"""What a stored email gives the ticket it becomes a message of, whichever side of the
ticket it joins: its text (with a note of what was withheld or cut), its attachments
stored, and the brand's limits its parse is held to."""

from __future__ import annotations

from django.conf import settings

from guichet.brands.models import Brand
from guichet.intake.email.parsing import ParsedEmail
from guichet.intake.models import InboundEmail
from guichet.tickets.attachments import attachment_store
from guichet.tickets.models import Attachment

MB = 1024 * 1024


def limits(brand: Brand) -> dict[str, int]:
    intake = brand.get_policy().intake
    return {
        "max_attachment_bytes": intake.attachment_max_mb * MB,
        "max_total_attachment_bytes": intake.message_attachments_max_mb * MB,
    }


def store_attachments(brand: Brand, parsed: ParsedEmail) -> tuple[list[Attachment], list[str]]:
    """The attachments kept, stored; and a line for each one withheld (too large…)."""
    stored, withheld = [], []
    for part in parsed.attachments:
        if part.data is None:
            withheld.append(f"{part.filename} ({part.size} bytes): {part.withheld_reason}")
            continue
        stored.append(
            attachment_store(
                brand=brand,
                filename=part.filename,
                content=part.data,
                content_type=part.content_type,
                content_id=part.content_id,
                max_bytes=max(part.size, len(part.data)) + 1,
            )
        )
    return stored, withheld


def truncation(row: InboundEmail) -> list[str]:
    """The note for a message of which only the beginning was kept."""
    if not row.original_size:
        return []
    return [
        f"the whole message ({row.original_size} bytes): larger than the"
        f" {settings.GUICHET_INBOUND_MAX_BYTES} bytes taken whole, only its first"
        f" {row.size} bytes were kept / message trop volumineux, seul son début a été gardé"
    ]


def body_text(parsed: ParsedEmail, withheld: list[str]) -> str:
    text = parsed.text.strip()
    if parsed.calendar_text:
        text = f"{text}\n\n{parsed.calendar_text.strip()}".strip()
    if withheld:
        notes = "\n".join(f"- {item}" for item in withheld)
        text = f"{text}\n\n[Attachments withheld / pièces jointes retenues:]\n{notes}".strip()
    return text or parsed.subject or "(no text)"
