"""Abusive messages found in a customer's text (AB-1): insults, harassment, discrimination and
threats, in French and English, from the lexicon in `lexicon/` plus a policy's `extra_terms`.

Pure Python, no database: `detect(text)` returns the hits with their offsets in the text as
given, `worst(hits)` the highest severity. docs/conduct.md ("Detection") describes the rules.

How a text is read:
1. Folded one character for one character (so offsets need no map): lower case, accents and
   look-alike letters (Cyrillic "о", fullwidth "Ｃ") to their Latin base letter, curly quotes
   to "'". Quoted earlier messages (lines opening with ">", everything after a reply header)
   become blanks.
2. Cut into words of letters, digits and the symbols people put for letters (`c0nn@rd`,
   `$hit`, `sh!t`, `f*ck`). Runs of single letters (`c o n n a r d`, `c.o.n.n.a.r.d`) are
   joined into one word.
3. Each word is reduced to a skeleton: digits and symbols read as letters when the word has a
   letter (`1d10t` → idiot; `50$` stays), letters repeated once (`connnnard`, `connard` →
   `conard`). The lexicon's entries are reduced the same way, so both meet on skeletons.
4. Entries are matched word by word (a word matches an entry's word itself or with a plural
   `s`/`x`; `word*` matches any word beginning so), never inside a longer word: `concombre`,
   `Scunthorpe`, `assistance` hold no hit.
5. A hit is dropped when it overlaps a harmless idiom (`lexicon/safe.txt`: "mort de rire",
   "killer deal"), when its sentence reports what someone else said ("m'a traité de",
   "called me"), when a negation names it ("je ne vous traite pas de"), or, for an insult,
   when the speaker calls themselves so ("I'm such an idiot", "je suis vraiment idiote").
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cache, lru_cache, reduce
from importlib.resources import files
from itertools import accumulate
from operator import or_
from typing import Any, NamedTuple

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Severity(IntEnum):
    """How grave a hit is; a higher value ranks above (a threat above an insult)."""

    INSULT = 1
    HARASSMENT = 2
    DISCRIMINATION = 3
    THREAT = 4

    @property
    def label(self) -> Promise:
        return _LABELS[self]


_LABELS = {
    Severity.INSULT: _("Insult"),
    Severity.HARASSMENT: _("Harassment"),
    Severity.DISCRIMINATION: _("Discrimination"),
    Severity.THREAT: _("Threat"),
}


@dataclass(frozen=True)
class Hit:
    term: str  # the lexicon entry (or policy extra term) that matched, in its canonical form
    found: str  # the text exactly as written in the message (for highlighting)
    start: int  # offsets in the text given to detect()
    end: int
    severity: Severity
    extra: bool = False  # True when it came from the policy's extra_terms


def detect(
    text: str,
    *,
    extra_terms: Sequence[str] = (),
    extra_severity: Severity = Severity.HARASSMENT,
) -> list[Hit]:
    """The abusive passages of a customer's message, in the order they appear, none
    overlapping another. `extra_terms` (the policy's own phrases) are read like the text and
    hit with `extra_severity` and `extra=True`."""
    if not text:
        return []
    folded = _fold(text)
    matchers = [_lexicon()]
    if extra_terms:
        matchers.append(_extras(tuple(extra_terms), extra_severity))
    plan = _plan(folded, matchers)
    if plan is None:
        return []
    words: list[_Word] = []
    slices: list[tuple[int, int, _Rules]] = []
    for low, high, rules in plan:
        first = len(words)
        _window_words(folded, low, high, words)
        slices.append((first, len(words), rules))
    return _hits(text, folded, words, matchers, slices)


def _hits(
    text: str,
    folded: str,
    words: Sequence[_Word],
    matchers: Sequence[_Matcher],
    slices: Sequence[tuple[int, int, _Rules]] = (),
) -> list[Hit]:
    """The hits among the words: all the text's, or those of the windows `_plan` chose
    (`slices`: where each window's words are in `words`, and the rules to try there)."""
    if not words:
        return []
    found: list[tuple[int, int, _Entry]] = []
    for at, matcher in enumerate(matchers):
        if not slices:
            found.extend(matcher.find(words))
        for low, high, rules in slices:
            if rules[at]:
                part = words[low:high]
                found.extend((low + a, low + b, e) for a, b, e in matcher.find(part, rules[at]))
    if not found:
        return []
    safe = _safe().find(words)
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []
    # The gravest and longest first; a passage already taken is not hit twice.
    for first, last, entry in sorted(found, key=lambda f: (-f[2].severity, f[0] - f[1], f[0])):
        start, end = words[first].start, words[last].end
        if any(start < e and s < end for s, e in taken):
            continue
        if any(words[s0].start < end and start < words[s1].end for s0, s1, _e in safe):
            continue
        if _excused(folded, words, first, last, entry):
            continue
        taken.append((start, end))
        hits.append(Hit(entry.term, text[start:end], start, end, entry.severity, extra=entry.extra))
    hits.sort(key=lambda hit: hit.start)
    return hits


def worst(hits: Sequence[Hit]) -> Severity | None:
    """The highest severity among the hits, None when there are none."""
    return max((hit.severity for hit in hits), default=None)


# --- 1. Folding ------------------------------------------------------------------------------


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x41, 0x2B0):
        char = chr(code)
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        ).lower()
        if len(base) == 1 and base != char:
            table[code] = base
    # Letters that look Latin (homoglyphs), fullwidth forms, and the quotes people type.
    for look, latin in zip(
        "аеорсухіјѕԁɡοαντκмнвтΑΒΕΗΙΚΜΝΟΡΤΧΥ", "aeopcyxijsdgoavtkmhbtabehikmnoptxy", strict=True
    ):
        table[ord(look)] = latin
    for code in range(0xFF21, 0xFF3B):
        table[code] = chr(code - 0xFF21 + ord("a"))
    for code in range(0xFF41, 0xFF5B):
        table[code] = chr(code - 0xFF41 + ord("a"))
    for quote in "’‘ʼ`´′":
        table[ord(quote)] = "'"
    table[ord("œ")] = "o"  # one character for one: "cœur" is read "cour" (no entry needs œ)
    table[ord("æ")] = "a"
    return table


_FOLD = _fold_table()

# A reply header: everything after it is an earlier message, not the customer's words.
_REPLY = re.compile(
    r"^[ \t]*(?:"
    r"le\b[^\n]{0,200}\ba [ée]crit ?:"
    r"|on\b[^\n]{0,200}\bwrote:"
    r"|-{2,}[ \t]*(?:original message|message d'origine|message original|forwarded message|message transf[ée]r[ée])[ \t]*-{2,}"
    r"|(?:de|from) ?:[^\n]*\n(?:[^\n]*\n){0,3}?[ \t]*(?:envoy[ée]|sent|date) ?:"
    r")",
    re.IGNORECASE | re.MULTILINE,
)
# What every reply header holds (a quick test before the slower _REPLY), with the characters
# that _REPLY's IGNORECASE takes for its letters.
_MAY_REPLY = ("crit", "wrote:", "--", "de:", "de :", "from:", "from :", "ı", "İ", "ſ")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")
_CHAINED = frozenset(latin for latin in _FOLD.values() if ord(latin) in _FOLD)
_QUOTED_LINE = re.compile(r"^[ \t]*>[^\n]*", re.MULTILINE)
_LINKS = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+\.[\w.-]+")


_LINK_MARK = re.compile(r"@|www\.|://")
_NOT_BLANK = re.compile(r"\S*")


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group())


def _unlinked(folded: str) -> str:
    pieces: list[str] = []
    done = 0
    for mark in _LINK_MARK.finditer(folded):
        if mark.start() < done:
            continue
        start = mark.start()
        while start > done and not folded[start - 1].isspace():
            start -= 1
        end = _NOT_BLANK.match(folded, mark.start()).end()  # type: ignore[union-attr]
        pieces += (folded[done:start], _LINKS.sub(_blank, folded[start:end]))
        done = end
    pieces.append(folded[done:])
    return "".join(pieces)


def _fold(text: str) -> str:
    """The text lower-cased and stripped of accents, quoted mail and links, with one character
    for each of the original's (an offset in it is an offset in the text)."""
    # str.translate is slow on a text that is not all ASCII: only its other runs go through
    # the table (its ASCII entries are the capitals, lower-cased below, and "`").
    translated = text
    if not text.isascii():
        # Each of the few other characters replaced in turn (one whose replacement is replaced
        # too, "æ", first: a character is replaced once, as str.translate does).
        for char in sorted(set(_NOT_ASCII.findall(text)), key=lambda c: c not in _CHAINED):
            if (latin := _FOLD.get(ord(char))) is not None:
                translated = translated.replace(char, latin)
    if "`" in translated:
        translated = translated.replace("`", "'")
    folded = translated.lower()
    if len(folded) != len(text):  # a rare capital whose lower case is longer ("İ")
        folded = "".join(c.lower() if len(c.lower()) == 1 else c for c in translated)
    if any(needle in folded for needle in _MAY_REPLY):
        reply = _REPLY.search(folded)
        if reply:
            folded = folded[: reply.start()] + " " * (len(folded) - reply.start())
    if ">" in folded:
        folded = _QUOTED_LINE.sub(_blank, folded)
    if "@" in folded or "www." in folded or "://" in folded:
        # A link holds no blank: _LINKS read only the chunks between blanks that may hold one
        # (on a whole text, its `[\w.+-]+@` tries every letter).
        folded = _unlinked(folded)
    return folded


# --- 2. and 3. Words and their skeletons ------------------------------------------------------


class _Word(NamedTuple):  # a tuple: made by the thousand, and fast to make
    skeleton: str
    start: int
    end: int
    alternatives: tuple[str, ...] = ()  # other readings ("1" read as "l" as well as "i")
    after_break: bool = False  # a clause ends between the word before and this one


_CLAUSE = re.compile(r"[,.;:!?\n()\[\]«»\"]")
_TOKEN = re.compile(r"[a-z0-9@$€!|*]+")
_LETTER_SYMBOLS = frozenset("@$")
_HAS_LETTER = re.compile(r"[a-z]")
_LEET = str.maketrans(
    {
        "0": "o",
        "1": "i",
        "3": "e",
        "4": "a",
        "5": "s",
        "7": "t",
        "8": "b",
        "9": "g",
        "@": "a",
        "$": "s",
        "€": "e",
        "!": "i",
        "|": "i",
    }
)
_REPEATS = re.compile(r"(.)\1+")
_V_FOR_U = re.compile(r"(?<=[b-df-hj-np-tw-z])v(?=[b-df-hj-np-tw-z])")
_skeletons: dict[str, tuple[str, ...]] = {}


def _skeleton(token: str) -> tuple[str, ...]:
    """The readings of a word: the first with digits read as letters and repeats collapsed;
    others when a "1" may be an "l" too."""
    known = _skeletons.get(token)
    if known is not None:
        return known
    core = token.strip("*").rstrip("!|")
    if not _HAS_LETTER.search(core):
        readings: tuple[str, ...] = (core,) if core.isdigit() else ()
    else:
        first = _REPEATS.sub(r"\1", core.translate(_LEET))
        readings = (first,)
        if "1" in core:
            readings += (_REPEATS.sub(r"\1", core.replace("1", "l").translate(_LEET)),)
        if "v" in first and _V_FOR_U.search(first):  # "fvck": a v between consonants
            readings += (_REPEATS.sub(r"\1", _V_FOR_U.sub("u", first)),)
    if len(_skeletons) > 100_000:
        _skeletons.clear()
    _skeletons[token] = readings
    return readings


def _words(folded: str, windows: Iterable[tuple[int, int]] = ()) -> list[_Word]:
    """The words of the text, or of the windows of it given (spans that begin and end in a
    gap between clauses, see _plan): read alone, a window gives the words the whole text has
    there."""
    words: list[_Word] = []
    for low, high in windows or ((0, len(folded)),):
        _window_words(folded, low, high, words)
    return words


def _window_words(folded: str, low: int, high: int, words: list[_Word]) -> None:
    singles: list[tuple[str, int, int]] = []  # a run of one-letter words (c o n n a r d)
    first = len(words)

    def add(readings: tuple[str, ...], start: int, end: int) -> None:
        previous = words[-1].end if len(words) > first else low
        gap = folded[previous:start]
        after_break = gap != " " and _CLAUSE.search(gap) is not None
        words.append(_Word(readings[0], start, end, readings[1:], after_break))

    def flush() -> None:
        if len(singles) >= 3:
            gaps = [folded[singles[at - 1][2] : singles[at][1]] for at in range(1, len(singles))]
            for first, last in _pieces(gaps):
                readings = _skeleton("".join(s for s, _, _ in singles[first : last + 1]))
                if readings:
                    add(readings, singles[first][1], singles[last][2])
        else:
            for token, start, end in singles:
                readings = _skeleton(token)
                if readings:
                    add(readings, start, end)
        singles.clear()

    for match in _TOKEN.finditer(folded, low, high):
        token = match.group()
        start, end = match.span()
        if len(token) == 1 and (token.isalnum() or token in _LETTER_SYMBOLS):
            if singles:
                gap = folded[singles[-1][2] : start]
                if len(gap) > 3 or "\n" in gap:
                    flush()
            singles.append((token, start, end))
            continue
        if singles:
            flush()
        readings = _skeleton(token)
        if readings:
            add(readings, start, end)
    if singles:
        flush()


# --- 4. The lexicon and its matching -----------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    term: str
    severity: Severity
    extra: bool = False


# A pattern is a tuple of steps: ("=", skeleton) a word, ("*", skeleton) a word beginning so,
# ("…", 3) up to three words of anything, ("$", "") the end of a clause, ("|", options) one of
# several patterns (an empty one: the group is optional).
_Step = tuple[str, object]
_Pattern = tuple[_Step, ...]
# What a token may stand for (_Matcher._token_info): rules anchored, requirements met, crossings.
_TokenInfo = tuple[tuple[int, ...], int, int]  # the requirements met as bits


_Index = dict[str, list[tuple[_Pattern, _Entry, int]]]  # a first word: its patterns, in order


@dataclass
class _Matcher:
    exact: _Index = field(default_factory=dict)
    prefix: _Index = field(default_factory=dict)  # by the first three letters of a `word*`
    vocabulary: set[str] = field(default_factory=set)  # every word of every entry
    # For the quick reading (_plan). A rule (the n-th pattern added) requires some words:
    # for each of its steps that needs one, a word of a set (a requirement, by number); its
    # anchor is the requirement whose words look rarest.
    requirement_ids: dict[frozenset[tuple[str, Any]], int] = field(default_factory=dict)
    requirement_words: dict[str, list[int]] = field(default_factory=dict)
    requirement_prefixes: list[tuple[str, int]] = field(default_factory=list)
    requires: list[int] = field(default_factory=list)  # by rule, as bits (1 << requirement)
    rules: list[tuple[_Pattern, _Entry, tuple[tuple[bool, str], ...]]] = field(
        default_factory=list
    )  # by rule: its pattern, entry and first words (True: a prefix)
    restricted: dict[frozenset[int], tuple[_Index, _Index]] = field(default_factory=dict)
    crossings: list[int] = field(default_factory=list)  # by rule: clause ends it may run across
    anchored: dict[int, list[int]] = field(default_factory=dict)  # requirement → rules
    tokens: dict[str, _TokenInfo] = field(default_factory=dict)  # those read, see learn
    anchoring: dict[str, int] = field(default_factory=dict)  # those holding an anchor: crossings

    def add(self, pattern: _Pattern, entry: _Entry) -> None:
        rule = len(self.requires)
        firsts: list[tuple[bool, str]] = []
        for kind, value in _first_words(pattern):
            if kind == "=":
                for key in value:
                    self.exact.setdefault(key, []).append((pattern, entry, rule))
                    firsts.append((False, key))
            else:
                self.prefix.setdefault(value[:3], []).append((pattern, entry, rule))
                firsts.append((True, value[:3]))
        self.rules.append((pattern, entry, tuple(firsts)))
        self.vocabulary.update(_all_words(pattern))
        needs = _requirements(pattern)
        if not needs:
            raise ValueError(f"a lexicon entry must hold a word: {pattern}")
        ids = [self._requirement(words) for _score, words in needs]
        anchor = max(range(len(needs)), key=lambda at: (needs[at][0], at))
        self.anchored.setdefault(ids[anchor], []).append(rule)
        self.requires.append(sum(1 << n for n in set(ids)))
        self.crossings.append(_crossings(pattern))

    def _requirement(self, words: frozenset[tuple[str, Any]]) -> int:
        known = self.requirement_ids.get(words)
        if known is not None:
            return known
        number = self.requirement_ids[words] = len(self.requirement_ids)
        for kind, value in words:
            if kind == "=":
                for key in value:
                    self.requirement_words.setdefault(key, []).append(number)
            else:
                self.requirement_prefixes.append((value, number))
        return number

    def learn(self, tokens: set[str]) -> None:
        """Reads the tokens of a text not read yet into `tokens` (and `anchoring`)."""
        missing = tokens - self.tokens.keys()
        if len(self.tokens) + len(missing) > 100_000:
            self.tokens.clear()
            self.anchoring.clear()
            missing = tokens
        for token in missing:
            info = self.tokens[token] = self._token_info(token)
            if info[0]:
                self.anchoring[token] = info[2]

    def _token_info(self, token: str) -> _TokenInfo:
        """What a token of the text (or a run of single letters joined) may stand for, in any
        of its readings: the rules anchored on it, the requirements it meets, and the most
        clause ends those rules may cross."""
        readings = _skeleton(token)
        if readings and "*" in readings[0]:
            word = self._unstarred(_Word(readings[0], 0, 0, readings[1:]))
            readings = (*readings, word.skeleton, *word.alternatives)
        met: set[int] = set()
        for reading in readings:
            met.update(self.requirement_words.get(reading, ()))
            met.update(n for start, n in self.requirement_prefixes if reading.startswith(start))
        rules = sorted({rule for n in met for rule in self.anchored.get(n, ())})
        bits = sum(1 << n for n in met)
        return tuple(rules), bits, max((self.crossings[r] for r in rules), default=0)

    def find(
        self, words: Sequence[_Word], only: frozenset[int] | None = None
    ) -> Iterable[tuple[int, int, _Entry]]:
        """(first word, last word, entry) of every match; `only`: the rules to try."""
        exact, prefix = (self.exact, self.prefix) if only is None else self._restricted(only)
        if not exact and not prefix:
            return
        for index, word in enumerate(words):
            if "*" in word.skeleton:
                word = self._unstarred(word)
            tried: set[int] = set()
            for reading in (word.skeleton, *word.alternatives):
                for pattern, entry, _rule in (
                    *exact.get(reading, ()),
                    *prefix.get(reading[:3], ()),
                ):
                    if id(pattern) in tried:
                        continue
                    tried.add(id(pattern))
                    last = _match(pattern, words, index, word)
                    if last is not None and last > index:
                        yield index, last - 1, entry

    def _restricted(self, only: frozenset[int]) -> tuple[_Index, _Index]:
        """The index of first words kept to some rules (in the same order)."""
        known = self.restricted.get(only)
        if known is None:
            exact: _Index = {}
            prefix: _Index = {}
            for rule in sorted(only):  # the rules' order, as in the whole index
                pattern, entry, firsts = self.rules[rule]
                for is_prefix, key in firsts:
                    (prefix if is_prefix else exact).setdefault(key, []).append(
                        (pattern, entry, rule)
                    )
            known = exact, prefix
            if len(self.restricted) > 10_000:
                self.restricted.clear()
            self.restricted[only] = known
        return known

    def _unstarred(self, word: _Word) -> _Word:
        """A word with letters hidden by stars (`f*ck`, `enc**é`) read as the lexicon's words
        it may stand for, two letters at least showing."""
        shown = word.skeleton.strip("*")
        if "*" not in shown or sum(c.isalpha() for c in shown) < 2:
            return word
        hidden = re.compile("".join("[a-z]+" if c == "*" else re.escape(c) for c in shown))
        readings = [w for w in self.vocabulary if len(w) >= 3 and hidden.fullmatch(w)]
        if not readings:
            return word
        return _Word(
            readings[0], word.start, word.end, (*readings[1:], *word.alternatives), word.after_break
        )


# Words too frequent in customers' messages to anchor a rule (see _anchor).
_COMMON = frozenset(
    _skeleton(word)[0]
    for word in """
    je j tu t te toi vous v on il elle nous me m ma mon ta ton votre vos des de d du le la les l
    un une et est es etes suis ai as avez a au aux en pas plus que qu qui ne n se s ce c ca sa
    son ses leur y avec pour par sur dans tout tous faire fait vais va vas allez aller mais ou
    bien tres trop vraiment service client commande colis livreur livraison equipe site
    compte souhaite adresse numero societe attendre attends attend payer paye retard arriver
    arrive passer livre livree livrees photo photos date agence bureau famille boutique
    magasin petit petite grand grande mal rien noir noire retourne retour renvoyer rentre
    cassee cassees produit temps jour jours mois semaine heure merci bonjour reponse message
    facture prix rembourser remboursement demande fils fille mere parler dire dit sais
    i you u your ur youre we he she it they the an to of is are am and my me will ll be this
    that what so just get got go going gonna want all at on in for not no do dont can with
    service company team support order store shop staff agent people guy guys
    account address number please thanks delivery refund product time day days week back
    find where send after like know live make sure name last still again new sent came pay
    """.split()
)


_Rarity = tuple[int, int]  # how rare a set of words looks: - its common words, its shortest
_Need = tuple[_Rarity, frozenset[tuple[str, Any]]]  # how rare its words look; the words


def _requirements(steps: _Pattern) -> list[_Need]:
    """For each step that needs a word, the words (kind, skeletons or prefix) one of which a
    match holds there, and how rare they look; for a choice, its options' rarest together
    (none when an option may be empty)."""
    found: list[_Need] = []
    for kind, value in steps:
        if kind == "=":
            found.append((_rarity(value), frozenset({(kind, value)})))  # type: ignore[arg-type]
        elif kind == "*":
            found.append((_rarity((value,)), frozenset({(kind, value)})))  # type: ignore[arg-type]
        elif kind == "|":
            options = [_best(option) for option in value]  # type: ignore[attr-defined]
            if all(option is not None for option in options):
                words = frozenset().union(*(o[1] for o in options if o is not None))
                common = sum(o[0][0] for o in options if o is not None)
                shortest = min(o[0][1] for o in options if o is not None)
                found.append(((common, shortest), words))
    return found


def _best(steps: _Pattern) -> _Need | None:
    """The rarest-looking requirement of the steps (the last of equals)."""
    best = None
    for need in _requirements(steps):
        if best is None or need[0] >= best[0]:
            best = need
    return best


def _rarity(words: Iterable[str]) -> _Rarity:
    """Fewer common words first, then longer words (a word's plurals are its own)."""
    common = [w for w in words if w in _COMMON]
    rare = [len(w) for w in words if w not in _COMMON and not any(w.startswith(c) for c in common)]
    return -len(common), min(rare, default=99)


def _crossings(pattern: _Pattern) -> int:
    """How many clause ends (`$`) a pattern may run across."""
    count = 0
    for kind, value in pattern:
        if kind == "$":
            count += 1
        elif kind == "|":
            count += max(_crossings(option) for option in value)  # type: ignore[attr-defined]
    return count


def _plurals(value: str) -> tuple[str, ...]:
    return (value, _REPEATS.sub(r"\1", value + "s"), value + "x")


def _first_words(pattern: _Pattern) -> set[tuple[str, Any]]:
    """The words (kind, skeleton or skeletons) a pattern may begin with."""
    if not pattern:
        return set()
    kind, value = pattern[0]
    if kind in "=*":
        return {(kind, value)}
    if kind == "|":
        found: set[tuple[str, Any]] = set()
        for option in value:  # type: ignore[attr-defined]
            found |= _first_words(option + pattern[1:])
        return found
    raise ValueError(f"a lexicon entry must begin with a word: {pattern}")


def _all_words(pattern: _Pattern) -> Iterable[str]:
    for kind, value in pattern:
        if kind == "=":
            yield from value  # type: ignore[misc]
        elif kind == "*":
            yield value  # type: ignore[misc]
        elif kind == "|":
            for option in value:  # type: ignore[attr-defined]
                yield from _all_words(option)


def _match(
    pattern: _Pattern, words: Sequence[_Word], index: int, first: _Word | None = None
) -> int | None:
    """The index after the last word matched when the pattern matches from words[index]
    (`first`: words[index] as read, stars resolved)."""
    if not pattern:
        return index
    kind, value = pattern[0]
    rest = pattern[1:]
    if kind == "$":  # the clause ends here; what follows may begin the next one
        if index == len(words):
            return _match(rest, words, index)
        return _match(rest, words, index, words[index]) if words[index].after_break else None
    if kind == "|":
        for option in value:  # type: ignore[attr-defined]
            end = _match(option + rest, words, index, first)
            if end is not None:
                return end
        return None
    if kind == "…":
        for skip in range(4):
            if index + skip > len(words) or (skip and words[index + skip - 1].after_break):
                break
            end = _match(rest, words, index + skip, first if skip == 0 else None)
            if end is not None:
                return end
        return None
    if index >= len(words) or (first is None and words[index].after_break):
        return None  # a phrase does not run across a clause's end
    word = first or words[index]
    for reading in (word.skeleton, *word.alternatives):
        if reading.startswith(value) if kind == "*" else reading in value:  # type: ignore[arg-type, operator]
            end = _match(rest, words, index + 1)
            if end is not None:
                return end
    return None


def _parse(pattern: str, *, syntax: bool) -> _Pattern:
    """A lexicon line (or a policy's phrase, `syntax=False`) as pattern steps, its words read
    like a message's (same folding and skeletons)."""
    if not syntax:
        tokens = _TOKEN.findall(pattern.translate(_FOLD).lower())
        return tuple(("=", frozenset(_plurals(r[0]))) for t in tokens if (r := _skeleton(t)))
    steps, end = _parse_group(pattern, 0)
    if end != len(pattern):
        raise ValueError(f"unbalanced parentheses: {pattern}")
    return steps


def _parse_group(pattern: str, at: int) -> tuple[_Pattern, int]:
    steps: list[_Step] = []
    chunk = ""

    def words() -> None:
        nonlocal chunk
        for piece in chunk.split():
            if piece in ("...", "…"):
                steps.append(("…", 3))
            elif piece == "$":
                steps.append(("$", ""))
            else:
                star = piece.endswith("*")
                for token in _TOKEN.findall(piece.rstrip("*").translate(_FOLD).lower()):
                    readings = _skeleton(token)
                    if readings:
                        steps.append(("=", readings[0]))
                if star and steps and steps[-1][0] == "=":
                    steps[-1] = ("*", steps[-1][1])

        chunk = ""

    while at < len(pattern):
        char = pattern[at]
        if char == "(":
            words()
            options: list[_Pattern] = []
            at += 1
            while True:
                option, at = _parse_group(pattern, at)
                options.append(option)
                if at >= len(pattern):
                    raise ValueError(f"unbalanced parentheses: {pattern}")
                if pattern[at] == ")":
                    at += 1
                    break
                at += 1  # "|"
            steps.append(_group(tuple(options)))
        elif char in "|)":
            break
        else:
            chunk += char
            at += 1
    words()
    return tuple(
        (k, frozenset(_plurals(v))) if k == "=" and isinstance(v, str) else (k, v) for k, v in steps
    ), at


def _group(options: tuple[_Pattern, ...]) -> _Step:
    """Alternatives of one word each become one step matching any of them (the common case,
    and the fast one); the others stay a choice between patterns."""
    words = [o for o in options if len(o) == 1 and o[0][0] == "="]
    if len(words) == len(options):
        return ("=", frozenset().union(*(o[0][1] for o in words)))  # type: ignore[arg-type]
    if len(words) + sum(1 for o in options if not o) == len(options) and words:
        merged: _Step = ("=", frozenset().union(*(o[0][1] for o in words)))  # type: ignore[arg-type]
        return ("|", (((merged,)), ()))
    return ("|", options)


def _canonical(pattern: str) -> str:
    """The first reading of a pattern: "(je|j) vais (vous|te) tuer" → "je vais vous tuer"."""
    while True:
        inner = re.search(r"\(([^()]*)\)", pattern)
        if not inner:
            break
        pattern = pattern[: inner.start()] + inner.group(1).split("|")[0] + pattern[inner.end() :]
    return re.sub(
        r"\s+", " ", pattern.replace("*", "").replace("$", "").replace("...", "…")
    ).strip()


_SECTIONS = {
    "insult": Severity.INSULT,
    "harassment": Severity.HARASSMENT,
    "discrimination": Severity.DISCRIMINATION,
    "threat": Severity.THREAT,
    "safe": Severity.INSULT,  # safe.txt: the severity is unused
}


def _read_lexicon(name: str) -> Iterable[tuple[str, Severity, str]]:
    """(pattern, severity, canonical term) for each line of a lexicon file.

    The format: `[insult]`, `[harassment]`, `[discrimination]` or `[threat]` opens a section;
    each line below is one entry, optionally followed by ` = canonical term`; `#` comments."""
    severity = Severity.INSULT
    text = files("guichet.conduct").joinpath("lexicon", name).read_text(encoding="utf-8")
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            try:
                severity = _SECTIONS[line[1:-1].strip()]
            except KeyError:
                raise ValueError(f"lexicon/{name}:{number}: unknown section {line}") from None
            continue
        pattern, _sep, canonical = line.partition(" = ")
        pattern = pattern.strip()
        yield pattern, severity, canonical.strip() or _canonical(pattern)


def _compile(names: Sequence[str]) -> _Matcher:
    matcher = _Matcher()
    for name in names:
        for pattern, severity, term in _read_lexicon(name):
            matcher.add(_parse(pattern, syntax=True), _Entry(term, severity))
    return matcher


LEXICON_FILES = ("fr.txt", "en.txt")


@cache
def _lexicon() -> _Matcher:
    return _compile(LEXICON_FILES)


@cache
def _safe() -> _Matcher:
    return _compile(("safe.txt",))


@lru_cache(maxsize=64)
def _extras(terms: tuple[str, ...], severity: Severity) -> _Matcher:
    matcher = _Matcher()
    for term in terms:
        steps = _parse(term, syntax=False)
        if steps:
            matcher.add(steps, _Entry(term.strip(), severity, extra=True))
    return matcher


# --- 4b. The quick reading ---------------------------------------------------------------------
# Most messages hold no abuse, and reading every word of a long one costs. So the text's
# tokens are first looked up, each once, in the index of the rules' anchors (_Matcher.add):
# no anchor, no hit. Around each anchor found, the window from the clause end before to the
# clause end after (further by one clause for each `$` its rules may run across) is read word
# by word, unless it lacks a word every rule anchored there requires. A clause end is a gap
# between tokens holding , . ; : ? ( or a line break that no run of single letters spans: no
# phrase runs across it, and the words of a window read alone are those of the whole text
# there, so the hits are those a reading of every word finds.

_SPLIT = re.compile(r"([a-z0-9@$€!|*]+)")  # the gaps and the tokens of _TOKEN, in turn
_SINGLE = frozenset("abcdefghijklmnopqrstuvwxyz0123456789@$")  # a token of one: a single
_CUT = re.compile(r"[,.;:?\n(]")
_Rules = tuple[frozenset[int], ...]  # for each matcher, the rules to try


def _plan(folded: str, matchers: Sequence[_Matcher]) -> list[tuple[int, int, _Rules]] | None:
    """The windows of the text to read, in order (start, end, the rules to try there); None
    when no rule can match."""
    parts = _SPLIT.split(folded)
    tokens = parts[1::2]
    if not tokens:
        return None
    runs = _runs(parts)
    unique = set(tokens)
    if runs:
        unique.update(joined for _first, _last, joined in runs)
    hot: dict[str, int] = {}  # the tokens holding an anchor: the clause ends their rules cross
    for matcher in matchers:
        matcher.learn(unique)
        anchoring, known, requires = matcher.anchoring, matcher.tokens, matcher.requires
        anchored = anchoring.keys() & unique
        if not anchored:
            continue
        met = reduce(or_, [known[token][1] for token in unique])  # in the whole text
        for token in anchored:  # with a rule whose words are all in the text
            if any(requires[r] & met == requires[r] for r in known[token][0]):
                hot[token] = max(hot.get(token, 0), anchoring[token])
    if not hot:
        return None

    # Clause ends, by the number of the gap (gap k comes before token k).
    gaps = parts[0::2]
    cuts = []
    for k in [k for k, gap in enumerate(gaps) if gap != " "]:
        gap = gaps[k]
        if 0 < k < len(tokens) and _CUT.search(gap):
            before, after = tokens[k - 1], tokens[k]
            if len(gap) > 3 or "\n" in gap or before not in _SINGLE or after not in _SINGLE:
                cuts.append(k)

    spans: list[tuple[int, int]] = []  # windows as token numbers [first, last + 1)
    seen: set[tuple[int, int]] = set()  # (clause, crossings) already spanned
    anchors = [(i, hot[t]) for i, t in enumerate(tokens) if t in hot]
    anchors += [(first, hot[joined]) for first, _last, joined in runs if joined in hot]
    for i, cross in anchors:
        at = bisect_right(cuts, i)
        if (at, cross) in seen:
            continue
        seen.add((at, cross))
        low = cuts[at - 1 - cross] if at - 1 - cross >= 0 else 0
        high = cuts[at + cross] if at + cross < len(cuts) else len(tokens)
        spans.append((low, high))
    spans.sort()
    merged = [spans[0]]
    for low, high in spans[1:]:
        if low < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(high, merged[-1][1]))
        else:
            merged.append((low, high))

    ends: list[int] = []  # token i: ends[2i] to ends[2i + 1], once a window is kept
    windows: list[tuple[int, int, _Rules]] = []
    for low, high in merged:
        inside = set(tokens[low:high])
        if runs:
            inside.update(joined for first, _last, joined in runs if low <= first < high)
        rules = []
        for matcher in matchers:
            infos = list(map(matcher.tokens.__getitem__, inside))
            met = reduce(or_, [info[1] for info in infos])
            requires = matcher.requires
            rules.append(
                frozenset(r for info in infos for r in info[0] if requires[r] & met == requires[r])
            )
        if any(rules):
            ends = ends or list(accumulate(map(len, parts)))
            start = ends[2 * low - 1] if low else 0
            end = ends[2 * high - 1] if high < len(tokens) else len(folded)
            windows.append((start, end, tuple(rules)))
    return windows or None


def _runs(parts: list[str]) -> list[tuple[int, int, str]]:
    """The words made of runs of three single letters or more, as _words joins them (number
    of the first token, of the last, the letters joined)."""
    tokens = parts[1::2]
    singles = [i for i, token in enumerate(tokens) if token in _SINGLE]
    runs: list[tuple[int, int, str]] = []
    group: list[int] = []
    for i in [*singles, -2]:
        if group and i == group[-1] + 1 and len(parts[2 * i]) <= 3 and "\n" not in parts[2 * i]:
            group.append(i)
            continue
        if len(group) >= 3:
            gaps = [parts[2 * j] for j in group[1:]]
            for first, last in _pieces(gaps):
                joined = "".join(tokens[j] for j in group[first : last + 1])
                runs.append((group[first], group[last], joined))
        group = [i]
    return runs


def _pieces(gaps: list[str]) -> list[tuple[int, int]]:
    """A run of single letters cut into words (first and last letter, by number) where two
    blanks or more part letters otherwise one character apart ("f u c k  o f f"), or a mark
    and a blank letters otherwise one blank apart ("f u c k, i want")."""
    if min(map(len, gaps)) > 1:
        return [(0, len(gaps))]
    spaced = " " in gaps
    pieces: list[tuple[int, int]] = []
    first = 0
    for at, gap in enumerate(gaps, 1):
        if len(gap) > 1 and (gap.isspace() or (spaced and gap[-1].isspace())):
            pieces.append((first, at - 1))
            first = at
    pieces.append((first, len(gaps)))
    return pieces


# --- 5. What excuses a hit ---------------------------------------------------------------------

# Someone else's words, reported: the customer was insulted, or quotes what they were told.
_REPORTED = re.compile(
    r"\b(?:"
    # French: "m'a traité de", "nous a insultés", "il a dit", "j'ai été traitée de"
    r"(?:m|t|l|nous|vous|les|me|te|se)\s*'?\s*(?:a|ont|avait|avaient)\s+(?:\w+\s+)?(?:trait|insult|menac|trait|appel|dit|r[ée]pondu|lanc|cri|[ée]crit|qualifi|hurl|envoy)\w*"
    r"|(?:m'|nous\s+|lui\s+|leur\s+)?(?:a|ont|avait|avaient)\s+(?:dit|[ée]crit|r[ée]pondu|cri[ée]|hurl[ée]|lanc[ée]|qualifi[ée]e?)\b"
    r"|(?:me|m|nous|se|de\s+me|de\s+nous)\s*'?\s*(?:traite|traiter|traitant|faire\s+traiter|qualifier|faire\s+insulter)\b"
    r"|(?:[ée]t[ée]|suis\s+fait|s'est\s+fait|me\s+suis\s+fait|se\s+sont\s+fait)\s+(?:trait|insult|menac|appel|qualifi)\w*"
    r"|trait[ée]e?s?\s+d[e']"
    r"|(?:il|elle|on)\s+(?:me|nous)\s+(?:dit|traite|crie|hurle|lance|menace|insulte)"
    # English: "called me", "told me", "he said", "I was called"
    r"|(?:called|calling|call|named|labeled|labelled)\s+(?:me|us|my\s+\w+|her|him|them)"
    r"|(?:told|telling|tells|said\s+to|wrote\s+to|yelled\s+at|shouted\s+at|screamed\s+at|swore\s+at)\s+(?:me|us|my\s+\w+|her|him|them)"
    r"|(?<!\bi\s)(?<!\bwe\s)(?<!\bi\sjust\s)(?:said|says|wrote|replied|answered|yelled|shouted|screamed|texted|muttered|told)\b"
    r"|(?:was|were|been|got|get)\s+(?:called|told|threatened|insulted|labeled|labelled)"
    r"|(?:threatened|insulted)\s+(?:me|us|my|to)"
    r")",
)
# The customer says they are not saying it (judgement: only when the negation names the act).
_NEGATED = re.compile(
    r"\b(?:"
    r"ne\s+(?:vous|te|les|l')?\s*(?:traite|traitons|dis|dit|disons|suis|menace|insulte)\s+(?:\w+\s+)?pas"
    r"|(?:sans|pas)\s+(?:vouloir\s+)?(?:vous|te)\s+(?:traiter|insulter|menacer)"
    r"|(?:not|never|n't|nt)\s+(?:\w+\s+)?(?:calling|saying|threatening|insulting|implying|suggesting)"
    r"|(?:not|never)\s+(?:to\s+)?(?:call|say|threaten|insult)"
    r")",
)
# The speaker names themselves (insults only): "I'm such an idiot", "je suis vraiment bête".
_SELF = frozenset("i im me my myself mine je j suis moi mon ma mes moi-meme etais".split())
_YOU = frozenset("you u your ur youre yours vous votre vos tu t te toi ton ta tes es etes".split())
_SENTENCE_END = re.compile(r"[.!?\n;]")


def _excused(folded: str, words: Sequence[_Word], first: int, last: int, entry: _Entry) -> bool:
    start = words[first].start
    sentence_start = max(
        (m.end() for m in _SENTENCE_END.finditer(folded, max(0, start - 300), start)),
        default=max(0, start - 300),
    )
    before = folded[sentence_start:start]
    if _REPORTED.search(before) or _NEGATED.search(before):
        return True
    end = words[last].end
    if _quoted(folded, sentence_start, start, end):
        return True  # someone else's words or a title: never the writer's own address
        after = _SENTENCE_END.search(folded, end)
        rest = folded[end : after.end() if after else end + 200]
        if _REPORTED.search(rest) or re.search(
            r"\b(?:ce que|c'est ce qu|voila ce qu|that's what|what (?:he|she|they|your \w+))", rest
        ):
            return True
    if entry.severity is Severity.INSULT and not entry.extra:
        clause = re.split(r"[,:(]", before)[-1]
        near = [
            w.skeleton
            for w in words[max(0, first - 5) : first]
            if w.start >= sentence_start + len(before) - len(clause)
        ]
        if any(w in _SELF for w in near) and not any(w in _YOU for w in near):
            return True
    return False


def _quoted(folded: str, sentence_start: int, start: int, end: int) -> bool:
    before = folded[sentence_start:start]
    return (
        before.count('"') % 2 == 1
        or before.count("«") > before.count("»")
        or before.count("“") > before.count("”")
    )
