"""Phone numbers as people read them."""

from __future__ import annotations

import phonenumbers


def spaced(number: str) -> str:
    """An E.164 number spaced as its numbering plan groups it (+33 6 12 34 56 78); what is
    not one (an extension, a number kept as typed) as it is."""
    if not number.startswith("+"):
        return number
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
