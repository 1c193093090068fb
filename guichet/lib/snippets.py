"""Words of a typed query, text folded as the databases fold it, and the snippet of a text
around the first word found: what the ticket search (`guichet.search.queries`) and the
help centre's search (`guichet.knowledge.search`) share.

`fold_keeping_positions` folds as PostgreSQL's `unaccent` and FTS5's `remove_diacritics`
do (lower case, accents and ligatures removed: "Œuvre" gives "oeuvre") and says, for each
folded character, where it comes from, so that a match found in the folded text is cut
from the text as written."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

# Letters without a decomposition to strip, folded as PostgreSQL's unaccent folds them.
_LETTERS = str.maketrans(
    dict(zip("øØłŁđĐħĦıŧŦðÐĸĿŀŋŊ", "oollddhhittddqllnn", strict=True))
    | {"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "þ": "th", "Þ": "th", "ŉ": "'n"}
)


def query_terms(query: str, *, max_terms: int, max_chars: int) -> list[str]:
    """The words of a query: split on spaces, without control characters, each holding at
    least a letter or digit (cut at `max_chars`), duplicates removed, the first
    `max_terms`."""
    cleaned = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in query or "")
    terms: list[str] = []
    seen: set[str] = set()
    for word in cleaned.split():
        word = word[:max_chars]
        if any(ch.isalnum() for ch in word) and word.casefold() not in seen:
            seen.add(word.casefold())
            terms.append(word)
    return terms[:max_terms]


@lru_cache(maxsize=4096)
def _plain(char: str) -> str:
    if char.isascii():
        return char.lower()
    decomposed = unicodedata.normalize("NFKD", char.translate(_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def fold_keeping_positions(text: str) -> tuple[str, Sequence[int]]:
    """`text` in lower case without accents (as unaccent and FTS5's remove_diacritics fold
    it), and for each of its characters the position it comes from in `text`."""
    if text.isascii():
        return text.lower(), range(len(text))
    pieces = list(map(_plain, text))
    folded = "".join(pieces)
    if len(folded) == len(text):  # each letter folded to one: positions are the same
        return folded, range(len(text))
    origins: list[int] = []
    for position, plain in enumerate(pieces):
        origins += [position] * len(plain)
    return folded, origins


def snippet(text: str, needles: list[str], chars: int = 200) -> str:
    """About `chars` characters of `text` around the first needle (folded) found, at the
    start of a word if one is, whitespace collapsed; "" when none is found."""
    if not text or not needles:
        return ""
    folded, origins = fold_keeping_positions(text)
    found: tuple[int, int] | None = None
    for at_word_start in (True, False):
        for needle in needles:
            if at_word_start:
                match = re.search(r"(?<!\w)" + re.escape(needle), folded)
                at = match.start() if match else -1
            else:
                at = folded.find(needle)
            if at >= 0 and (found is None or at < found[0]):
                found = (at, len(needle))
        if found:
            break
    if found is None:
        return ""
    position = origins[found[0]]
    length = origins[found[0] + found[1] - 1] + 1 - position
    start = max(0, position - chars // 3)
    if start > 0:
        space = re.search(r"\s", text[start:position])
        start = start + space.end() if space else start
    end = min(len(text), start + chars)
    if end < len(text):
        spaces = list(re.finditer(r"\s", text[position + length : end]))
        end = position + length + spaces[-1].start() if spaces else end
    piece = " ".join(text[start:end].split())
    return ("…" if start > 0 else "") + piece + ("…" if end < len(text) else "")
