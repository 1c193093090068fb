"""First guesses for a request that arrives without a form: its language, its contact
type and its category (docs/requirements.md IN-6: suggested category on intake). Agents correct
them; a guess is never more than a starting point."""

from __future__ import annotations

import re
import unicodedata

from guichet.policies.schema import Policy

_WORD = re.compile(r"[a-zà-ÿœæ']+")

_FRENCH = set(
    "le la les un une des du de et est je vous nous pas pour que qui avec sur dans mon ma mes votre "
    "bonjour merci cordialement madame monsieur commande facture livraison toujours reçu été très "
    "mais ou car donc avoir être fait veuillez".split()
)
_ENGLISH = set(
    "the a an and is i you we not for that which with on in my your hello thanks thank regards "
    "order invoice delivery still received been very but or have has please dear sir madam".split()
)

# Words that point to a type of contact, in French and English (stems, accents removed).
_TYPE_HINTS = {
    "complaint": [
        "reclamation",
        "plainte",
        "mecontent",
        "inacceptable",
        "scandal",
        "rembours",
        "litige",
        "complain",
        "unacceptable",
        "disappointed",
        "refund",
        "furious",
        "not happy",
        "unhappy",
    ],
    "compliment": [
        "felicit",
        "bravo",
        "merci beaucoup",
        "remercie",
        "excellent",
        "impeccable",
        "thank you so much",
        "well done",
        "great job",
        "compliment",
        "congratulat",
    ],
    "return_refund": ["retourner", "retour", "return the", "return it"],
    "dispute": ["vendeur ne repond", "seller", "vendeur"],
    "data_rights": [
        "donnees personnelles",
        "rgpd",
        "supprimer mes donnees",
        "droit d'acces",
        "personal data",
        "gdpr",
        "delete my data",
        "erase my",
    ],
}


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in folded if not unicodedata.combining(c))


def guess_language(text: str, languages: list[str]) -> str:
    """The brand language the text is most likely in (its default when unsure)."""
    words = _WORD.findall(text.lower()[:4000])
    french = sum(w in _FRENCH for w in words)
    english = sum(w in _ENGLISH for w in words)
    if english > french and "en" in languages:
        return "en"
    if french > english and "fr" in languages:
        return "fr"
    return languages[0] if languages else "fr"


def guess_contact_type(policy: Policy, subject: str, text: str) -> str:
    """One of the brand's enabled contact types; a question unless the words say otherwise."""
    enabled = [t.type for t in policy.contact_types]
    haystack = _plain(f"{subject}\n{text}")[:8000]
    scores = {
        kind: sum(haystack.count(hint) for hint in hints)
        for kind, hints in _TYPE_HINTS.items()
        if kind in enabled
    }
    best = max(scores.items(), key=lambda item: item[1], default=("", 0))
    if best[1] > 0:
        return best[0]
    for fallback in ("question", "complaint", "service_request"):
        if fallback in enabled:
            return fallback
    return enabled[0]


def suggest_category(policy: Policy, subject: str, text: str) -> str:
    """The category whose keywords appear most (subject words count double), or ""."""
    subject_plain, text_plain = _plain(subject), _plain(text)[:8000]
    best, best_score = "", 0
    for category in policy.categories:
        score = 0
        for keyword in category.keywords:
            needle = _plain(keyword)
            score += 2 * subject_plain.count(needle) + text_plain.count(needle)
        if score > best_score:
            best, best_score = category.key, score
    return best
