"""A customer's words as a marketplace's seller may read them (docs/marketplace.md): the
messages an agent showed the seller, their files' names and the ticket's subject, in the
seller's email and on its portal alike.

An agent who shares a message shares what it says of the dispute, not how to reach the
customer: every email address and phone number is replaced by a mark — those of any shape,
and the customer's known numbers however they are written — and the customer's name by
"the customer". A postal address in free text has no shape to find: sharing a message that
holds one is the agent's choice."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from guichet.contacts.models import Contact, ContactPhone

_EMAIL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A phone number as written in a message: international (+212 6 12…, 00212…) or national
# (06 12…), nine digits or more.
_PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}|00\d{1,3}|0)(?:[\s.\-()/]{0,3}\d){8,13}(?![\w])")
_SEPARATORS = r"[\s.\-()/]*"


def phone_pattern(number: str) -> re.Pattern[str] | None:
    """A phone number as people write it: its last eight digits, with or without
    separators, and whatever prefix they put before them (+212 6…, 06…)."""
    digits = re.sub(r"\D", "", number)
    if len(digits) < 6:
        return None
    core = _SEPARATORS.join(digits[-8:])
    return re.compile(rf"(?<![\d+])(?:\+?\d[\d\s.\-()/]{{0,8}}?)?{core}(?!\d)")


class CustomerMask:
    """The mask of one customer: built once (their numbers read once), applied to each
    text. Call it inside the brand's scope."""

    def __init__(self, contact: Contact | None) -> None:
        self.phones: list[re.Pattern[str]] = []
        self.name: re.Pattern[str] | None = None
        if contact is None:
            return
        numbers = ContactPhone.objects.filter(contact=contact).values_list("number", flat=True)
        self.phones = [p for p in (phone_pattern(n) for n in numbers) if p is not None]
        name = contact.name.strip()
        if name:
            parts = sorted({name, *(p for p in name.split() if len(p) >= 3)}, key=len, reverse=True)
            self.name = re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(p) for p in parts) + r")(?!\w)", re.IGNORECASE
            )

    def __call__(self, text: str) -> str:
        hidden = _("[hidden]")
        text = _PHONE.sub(hidden, _EMAIL.sub(hidden, text))
        for pattern in self.phones:
            text = pattern.sub(hidden, text)
        if self.name is not None:
            text = self.name.sub(_("the customer"), text)
        return text
