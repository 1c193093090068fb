"""Split what the sender just wrote from the history and signature below it.

`split_quoted(text)` returns `(new_text, folded)`: `new_text` is a prefix of the text (what
the sender wrote, with any inline quotes they answered between), `folded` is the rest (the
quoted history, forwarded messages and the signature), kept for the agent to unfold. The
text is cut at the first of:

- an attribution line, "On Mon, Mar 3, 2026 at 10:00 AM X <x@y> wrote:" or "Le lun. 3 mars
  2026 à 10:00, X <x@y> a écrit :" (also wrapped over two lines), when only quoted lines
  follow it (an answer written between quoted lines is kept);
- a separator: "-----Original Message-----", "-----Message d'origine-----", Gmail's
  "---------- Forwarded message ---------", Apple's "Begin forwarded message:";
- an Outlook header block ("De : … Envoyé : … À : … Objet :", "From: … Sent: … Subject:");
- a trailing block of "> " lines;
- a signature: the "-- " line, or "Envoyé de mon iPhone" / "Sent from my iPhone" and kin.

When everything looks quoted, nothing is folded: the new text is never empty when the
message has text.
"""

from __future__ import annotations

import re

_MAX_ATTRIBUTION = 400

_N = "{0,400}"  # an attribution line's length between its fixed words
_ATTRIBUTION = re.compile(
    rf"^\s*(?:"
    rf"on\b.{_N}\bwrote|"
    rf"le\b.{_N}\ba\s+[ée]crit|"
    rf".{_N}\ba\s+[ée]crit|"
    rf"am\b.{_N}\bschrieb.{_N}|.{_N}\bschrieb am\b.{_N}|"
    rf"el\b.{_N}\bescribi[óo]|"
    rf"il giorno\b.{_N}\bha scritto|.{_N}\bha scritto|"
    rf"op\b.{_N}\bschreef.{_N}|"
    rf"em\b.{_N}\bescreveu"
    rf")\s*:\s*$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(
    r"^\s*(?:"
    r"-{2,}\s*(?:original message|message d'origine|message original|forwarded message|"
    r"message transf[ée]r[ée]|mensaje original|urspr[üu]ngliche nachricht|"
    r"weitergeleitete nachricht|messaggio originale|oorspronkelijk bericht)\s*-{2,}|"
    r"begin forwarded message\s*:|d[ée]but du message r[ée]exp[ée]di[ée]\s*:|"
    r"-{8,}\s*(?:reply above this line|r[ée]pondez au-dessus de cette ligne).*"
    r")\s*$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*\*?(?:from|de|von|da|van)\s*\*?\s*:\s*\S", re.IGNORECASE)
_HEADER_OTHER = re.compile(
    r"^\s*\*?(?:sent|envoy[ée]|date|to|[àa]|cc|subject|objet|gesendet|an|betreff|"
    r"inviato|oggetto|enviado|para|asunto|verzonden|aan|onderwerp)\s*\*?\s*:",
    re.IGNORECASE,
)
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(?:sent from my\b|sent from (?:mail|outlook|yahoo)\b|sent via\b|"
    r"envoy[ée] (?:de|depuis) (?:mon|ma|l'application|outlook|yahoo)\b|"
    r"get outlook for\b|obtenir outlook pour\b|t[ée]l[ée]charge[rz] outlook pour\b|"
    r"von meinem .{0,40}gesendet|enviado desde mi\b|inviato da(?:l mio)?\b)"
    r".{0,80}$",
    re.IGNORECASE,
)


def _is_quoted(line: str) -> bool:
    return line.lstrip(" ").startswith(">")


def _is_blank(line: str) -> bool:
    return not line.strip()


def _attribution_at(lines: list[str], index: int) -> int:
    """How many lines (1 or 2) an attribution starting at `index` spans, or 0."""
    line = lines[index]
    if not line.strip() or _is_quoted(line) or len(line) > 2 * _MAX_ATTRIBUTION:
        return 0
    if line.rstrip().endswith(":"):
        return 1 if _ATTRIBUTION.match(line) and _mentions_when_or_who(line) else 0
    if index + 1 < len(lines) and lines[index + 1].rstrip().endswith(":"):
        joined = f"{line.rstrip()} {lines[index + 1].strip()}"
        if len(joined) <= 2 * _MAX_ATTRIBUTION and _ATTRIBUTION.match(joined):
            return 2 if _mentions_when_or_who(joined) else 0
    return 0


def _mentions_when_or_who(line: str) -> bool:
    """A date, a time or an address: "On Monday I wrote:" in a customer's text is not one."""
    return any(ch.isdigit() for ch in line) or "@" in line


def _only_quotes_after(lines: list[str], start: int) -> bool:
    """No unquoted text follows the first quoted line after `start` (else it is an answer
    written between quotes, which stays in the new text)."""
    seen_quote = False
    for index in range(start, len(lines)):  # no slice: a copy per candidate is quadratic
        line = lines[index]
        if _is_quoted(line):
            seen_quote = True
        elif seen_quote and line.strip():
            return False
    return True


def _outlook_block_at(lines: list[str], index: int) -> bool:
    if not _HEADER_FROM.match(lines[index]):
        return False
    others = 0
    for line in lines[index + 1 : index + 8]:
        if _HEADER_OTHER.match(line):
            others += 1
            if others >= 2:
                return True
    return False


def _signature_at(lines: list[str], index: int) -> bool:
    line = lines[index]
    if line.rstrip("\r") == "-- ":
        return True
    if line.strip() == "--":  # "-- " whose space was trimmed: only before a short ending
        following = 0
        for position in range(index + 1, len(lines)):
            if lines[position].strip():
                following += 1
                if following > 10:
                    return False
        return True
    return bool(_MOBILE_SIGNATURE.match(line))


def _trailing_quote_start(lines: list[str], end: int) -> int:
    """Start of the block of quoted (and blank) lines that ends the text before `end`."""
    index = end
    while index > 0 and (_is_quoted(lines[index - 1]) or _is_blank(lines[index - 1])):
        index -= 1
    while index < end and _is_blank(lines[index]):
        index += 1
    if index < end and _is_quoted(lines[index]):
        if index > 0 and _attribution_at(lines, index - 1):
            return index - 1
        if index > 1 and _attribution_at(lines, index - 2) == 2:
            return index - 2
        return index
    return end


def find_cut(lines: list[str]) -> int:
    """Index of the first folded line (len(lines) when nothing is folded)."""
    for index, line in enumerate(lines):
        if not line.strip() or _is_quoted(line):
            continue
        first = line.lstrip()[:1]
        if first in "-_" and (_SEPARATOR.match(line) or _UNDERSCORES.match(line)):
            if _UNDERSCORES.match(line):
                if index + 1 < len(lines) and _outlook_block_at(lines, index + 1):
                    return index
                continue
            return index
        if _signature_at(lines, index):
            return index
        if first in "BbDd" and _SEPARATOR.match(line):
            return index
        if _outlook_block_at(lines, index):
            return index
        span = _attribution_at(lines, index)
        if span and _only_quotes_after(lines, index + span):
            return index
    return _trailing_quote_start(lines, len(lines))


def split_quoted(text: str) -> tuple[str, str]:
    """(new text, folded part); the new text keeps its own line breaks, right-stripped."""
    if not text.strip():
        return text, ""
    lines = text.split("\n")
    cut = find_cut(lines)
    new = "\n".join(lines[:cut]).rstrip()
    if not new.strip():
        return text, ""
    folded = "\n".join(lines[cut:]).strip("\n")
    return new, folded
