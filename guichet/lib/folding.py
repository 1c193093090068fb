"""Text folded for matching what people type against what is stored: lower case, accents
and ligatures removed, typographic apostrophes and dashes made plain ("Hélène" finds
"helene", "l’équipe" finds "l'equipe")."""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = re.compile(r"[’‘`´]")
_DASHES = re.compile(r"[‐-―]")


def fold(text: str) -> str:
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    text = _DASHES.sub("-", _APOSTROPHES.sub("'", text))
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))
