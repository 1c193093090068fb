"""French as it is written: elision before a name, and the spaces of French typography.

Translations are written naturally ("auprès de %(brand)s", "J’accepte que %(brand)s…"); a
name put in them can begin with a vowel ("auprès de Expérience Jamaïque"), so the text is
mended around the name once it is in place: `elide(text, name)`. `typography(text)` puts
the non-breaking spaces French wants before : ; ? ! », and after «, where a plain space
stands (it never adds a space, so an address such as https://… is left alone).
"""

from __future__ import annotations

import re

VOWELS = "aeiouàâäéèêëîïôöùûüœæ"
APOSTROPHE = "’"
NBSP = "\u00a0"  # before : and inside « »
THIN_NBSP = "\u202f"  # before ; ? !

_SPACE = "[ \u00a0\u202f]"


def begins_with_vowel_sound(name: str) -> bool:
    """Whether French elides before `name`: a vowel, a mute h (the usual case in names),
    a y before a consonant (Yves, not Yahoo)."""
    word = name.strip()
    if not word:
        return False
    first = word[0].lower()
    if first in VOWELS or first == "h":
        return True
    if first == "y":
        return len(word) > 1 and word[1].lower() not in VOWELS
    return False


def elide(text: str, name: str) -> str:
    """`text` (French) with the words before each occurrence of `name` elided or
    contracted as French writes them: de → d’, que → qu’ (lorsque, puisque, jusque),
    le/la → l’ before a vowel sound; de Le → du, de Les → des, à Le → au, à Les → aux
    for a name that begins with the article."""
    name = name.strip()
    if not name or name not in text:
        return text
    quoted = re.escape(name) + r"(?!\w)"
    article = re.match(r"(Le|Les)\s+(.+)", name)
    if article:
        rest = article.group(2)
        short = {"de": {"Le": "du", "Les": "des"}, "à": {"Le": "au", "Les": "aux"}}

        def contract(match: re.Match[str]) -> str:
            word = match.group(1)
            shorter = short[word.lower()][article.group(1)]
            return (shorter.capitalize() if word[0].isupper() else shorter) + " " + rest

        return re.sub(rf"(?<!\w)(de|De|à|À){_SPACE}{quoted}", contract, text)
    if not begins_with_vowel_sound(name):
        return text

    def shorten(match: re.Match[str]) -> str:
        return match.group(1)[:-1] + APOSTROPHE + name

    words = r"de|De|que|Que|lorsque|Lorsque|puisque|Puisque|jusque|Jusque|le|Le|la|La"
    return re.sub(rf"(?<!\w)({words}){_SPACE}{quoted}", shorten, text)


def typography(text: str) -> str:
    """Non-breaking spaces where French typography wants them, in place of plain ones:
    before : (a word space) and before ; ? ! (a thin one), inside « » (a word space)."""
    text = re.sub(r" +([;?!])", THIN_NBSP + r"\1", text)
    text = re.sub(r" +:(?=\s|$)", NBSP + ":", text)
    text = re.sub(r"« +|«(?=\S)", "«" + NBSP, text)
    return re.sub(r" +»|(?<=\S)»", NBSP + "»", text)
