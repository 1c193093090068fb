"""TEMPORARY stand-in until the i17-detect branch lands (same interface)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from django.utils.translation import gettext_lazy as _


class Severity(IntEnum):
    INSULT = 1
    HARASSMENT = 2
    DISCRIMINATION = 3
    THREAT = 4

    @property
    def label(self) -> object:
        return {
            1: _("Insult"),
            2: _("Harassment"),
            3: _("Discrimination"),
            4: _("Threat"),
        }[int(self)]


@dataclass(frozen=True)
class Hit:
    term: str
    found: str
    start: int
    end: int
    severity: Severity
    extra: bool = False


_TERMS = {
    "abruti": Severity.INSULT,
    "especes d'incapables": Severity.INSULT,
    "je sais ou vous trouver": Severity.THREAT,
    "connard": Severity.INSULT,
    "idiot": Severity.INSULT,
    "je vais vous tuer": Severity.THREAT,
    "i will kill you": Severity.THREAT,
}


def _fold(text: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c)
    )


def detect(
    text: str, *, extra_terms: Sequence[str] = (), extra_severity: Severity = Severity.HARASSMENT
) -> list[Hit]:
    folded = _fold(text)
    hits = []
    terms = [(t, s, False) for t, s in _TERMS.items()] + [
        (_fold(t), extra_severity, True) for t in extra_terms
    ]
    for term, severity, extra in terms:
        for m in re.finditer(r"\b" + re.escape(term) + r"s?\b", folded):
            hits.append(Hit(term, text[m.start() : m.end()], m.start(), m.end(), severity, extra))
    return sorted(hits, key=lambda h: h.start)


def worst(hits: Sequence[Hit]) -> Severity | None:
    return max((h.severity for h in hits), default=None)
