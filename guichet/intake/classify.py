"""First guesses for a request that arrives without a form: its language, its contact type
and its category (REQUIREMENTS IN-1, IN-6). Agents correct them; a guess is never more than a
starting point, and it says why (docs/intake-reading.md).

`read_message(policy, subject, text)` reads the customer's new words (quoted earlier
messages left out) in French and English, accents and case folded, sentence by sentence:

1. a customer who says what kind of message it is is believed ("simple question", "je
   souhaite déposer une réclamation", "I'd like to compliment", "my right of access"…);
2. otherwise cues add up per type. A complaint needs dissatisfaction with something that
   happened — a grievance ("inadmissible", "I demand", "no answer", "déçu") or an incident
   told as a fact (not received, broken, charged twice) — not a product word: "refund" in a
   question about the refund policy counts for nothing (EJ: a request for information about
   the company's policies is a question). Cues inside a question or an "if" clause are not
   incidents;
3. only the types the brand's policy enables are chosen; a question when nothing else fits.

The category is the brand's category whose keywords (accents folded, whole words, plurals
and feminine forms allowed) appear most, subject words counting double; "" when none does.

Every decision keeps its reasons: the phrases that decided, shown to the agent and recorded
in the ticket's opening event (what the guess was, so that a correction can be measured:
`guichet intake-corrections`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from guichet.lib.folding import fold

if TYPE_CHECKING:
    # Annotations only: the schema (pydantic) loads with the first policy read, not with
    # every process whose apps import the intake at start-up.
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

# The reading looks at this much of the new text (a long message says what it is early).
_LIMIT = 6000


@dataclass(frozen=True)
class Reading:
    """What a message was read as, and why."""

    contact_type: str
    category: str
    language: str
    reasons: tuple[str, ...] = ()

    def as_data(self) -> dict[str, Any]:
        """The guess as the ticket's opening event records it."""
        return {
            "contact_type": self.contact_type,
            "category": self.category,
            "reasons": list(self.reasons),
        }


# --- Text ----------------------------------------------------------------------------------


# Lower case, accents and ligatures folded, typographic apostrophes and dashes plain.
_plain = fold


# Where a reply's history starts: an attribution line ("Le 3 mars … a écrit :", "On … wrote:"),
# a separator of forwarded or original mail, an Outlook header block. (The email intake cuts
# them before, in email/quoting.py; this is the same safety for any caller.)
_HISTORY = re.compile(
    r"^\s*(?:le\b.{0,400}\ba\s+[ée]crit\s*:|on\b.{0,400}\bwrote\s*:|"
    r"-{2,}\s*(?:original message|message d'origine|forwarded message|message transf[ée]r[ée])|"
    r"(?:de|from)\s*:\s*\S.*$)",
    re.IGNORECASE,
)


def new_words(text: str) -> str:
    """What the sender just wrote: quoted lines ("> …") and the history below an attribution
    line or a separator left out (callers usually pass the new text already)."""
    kept: list[str] = []
    for line in (text or "").splitlines():
        if _HISTORY.match(line) and kept:
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
    return "\n".join(kept)[:_LIMIT]


@dataclass
class _Sentence:
    text: str  # folded
    asks: bool  # a question: "?" or an interrogative opening
    hypothetical: bool  # "if…", "in case of…": not something that happened


_SPLIT = re.compile(r"(?<=[.!?;])\s+|\n+|(?<=[.!?])(?=[a-z])")
_INTERROGATIVE = re.compile(
    r"^(?:(?:bonjour|hello|hi|merci|thanks)[ ,!]*)?"
    r"(?:est-ce qu|est-il|est-elle|y a-t-il|combien|quel|quelle|quels|quelles|comment|pourquoi|"
    r"ou en est|ou puis-je|quand|a quelle|peut-on|puis-je|acceptez-vous|livrez-vous|"
    r"how|what|when|where|which|why|who|is there|is it|are |do you|does |did |can i|can you|"
    r"could i|may i|will |should i|is the |are the )"
)
_HYPOTHETICAL = re.compile(r"\b(?:si|s'il|if|en cas d|in case of|au cas ou|lorsqu|when an?)\b")


def _sentences(subject: str, text: str) -> list[_Sentence]:
    found = []
    for part in _SPLIT.split(_plain(f"{subject}\n{text}")):
        part = part.strip(" -*•\t")
        if not part:
            continue
        asks = part.endswith("?") or bool(_INTERROGATIVE.match(part))
        found.append(_Sentence(part, asks, bool(_HYPOTHETICAL.search(part))))
    return found


# --- Cues ----------------------------------------------------------------------------------
# Each cue is a regular expression on folded text (no accents, lower case, plain apostrophes).
# `_DECLARED`: the customer says what the message is. The other tables add up.


class _Cues(list[re.Pattern[str]]):
    """A table of cues, with one expression that finds whether any of them is in a text:
    most sentences hold none of a table's cues, and one search then spares one per cue."""

    def __init__(self, patterns: Iterable[str]) -> None:
        patterns = list(patterns)
        super().__init__(re.compile(rf"(?<![a-z]){pattern}(?![a-z])") for pattern in patterns)
        self.any = re.compile(
            "|".join(rf"(?<![a-z])(?:{pattern})(?![a-z])" for pattern in patterns)
        )


def _cues(*patterns: str) -> _Cues:
    return _Cues(patterns)


_DECLARED: dict[str, list[re.Pattern[str]]] = {
    "question": _cues(
        r"simple question",
        r"petite question",
        r"question rapide",
        r"juste une question",
        r"juste pour (?:information|info|savoir)",
        r"a titre d'information",
        r"pour information",
        r"quick question",
        r"simple question",
        r"just a question",
        r"just for (?:information|info)",
        r"just asking",
        r"(?:this is|it's) (?:just|only) a question",
        r"ce n'est pas une reclamation",
        r"(?:this is|it's) not a complaint",
    ),
    "complaint": _cues(
        r"(?:deposer|faire|formuler|adresser|introduire) une (?:reclamation|plainte)",
        r"(?:ceci|c'est|ce message) (?:est )?une (?:reclamation|plainte)",
        r"reclamation (?:formelle|officielle)",
        r"(?:je souhaite|je veux|je voudrais|je tiens a) (?:me plaindre|porter plainte)",
        r"faire remonter ma plainte",
        r"(?:make|file|lodge|submit|raise) a (?:formal )?complaint",
        r"this is a (?:formal )?complaint",
        r"formal complaint",
        r"(?:i want|i would like|i'd like|i wish) to complain",
        r"my complaint (?:escalated|to be escalated)",
        r"escalate my complaint",
    ),
    "compliment": _cues(
        r"(?:i'd|i would) like to (?:compliment|praise|congratulate|thank)",
        r"(?:i want|i wanted) to (?:compliment|praise|thank)",
        r"(?:je tiens a|je voudrais|je voulais|je souhaite) (?:feliciter|remercier|complimenter)",
        r"(?:un|mes) compliments? (?:a|pour)",
    ),
    "data_rights": _cues(
        r"droit (?:d'acces|de rectification|a l'effacement|de suppression|a l'oubli|"
        r"a la portabilite|d'opposition)",
        r"right (?:of access|to access|to erasure|to be forgotten|to rectification|"
        r"to data portability|to object)",
        r"(?:rgpd|gdpr|loi 09-08|loi informatique et libertes)",
    ),
    "dispute": _cues(
        r"(?:ouvrir|ouvre|engager) un litige",
        r"open a dispute",
        r"litige (?:avec|contre) (?:le|la|un|une) (?:vendeur|vendeuse|boutique)",
        r"dispute (?:with|against) (?:the|a) (?:seller|shop)",
    ),
    "return_refund": _cues(
        r"demande de retour",
        r"return request",
    ),
}

# A customer's own data: access, erasure, rectification, objection — in plain words.
_DATA = _cues(
    r"donnees (?:personnelles|me concernant|associees)",
    r"(?:mes|toutes les|les) (?:donnees|informations personnelles|coordonnees)",
    r"informations? (?:personnelles?|que vous (?:avez|detenez|conservez|gardez))",
    r"personal (?:data|information|details)",
    r"(?:my|all (?:the )?) (?:data|details|information)(?! about (?:the|your|my order))",
    r"(?:everything|all|anything) you (?:have|hold|keep) (?:about|on) me",
    r"(?:que|qu'elles?) vous (?:detenez|conservez|gardez|avez) sur moi",
    r"(?:vous|you) (?:conservez|detenez|keep|hold) (?:sur|about|on) moi",
    r"(?:supprim|effac|retir|eras|delet|remov|wip)[a-z]* (?:definitivement |permanently )?"
    r"(?:mon compte|my account|mes coordonnees|my details|my data|mes donnees|tout|everything|"
    r"it all|toutes? les informations|all the information|mon numero|my number)",
    r"(?:supprim|effac|eras|delet)[a-z]* (?:\w+ ){0,4}(?:donnees|data)",
    r"(?:donnees|data) (?:associees|associated)|associated data",
    r"enregistrements? de mes appels",
    r"recordings? of my calls",
    r"(?:je m'oppose|i object) a?(?:to )?",
    r"(?:remove|retirer) (?:it|le|la|les)? ?(?:from|de) (?:your|vos) (?:lists|listes|files|fichiers)",
    r"(?:corrig|rectifi|correct)[a-z]* (?:mes donnees|my (?:personal )?data|mon nom|my surname)",
)

# Dissatisfaction: feelings, strong words, demands, being ignored. One is enough.
_GRIEVANCE = _cues(
    r"inadmissible",
    r"inacceptable",
    r"unacceptable",
    r"scandal(?:e|eux|euse|ous)?",
    r"(?:c'est )?(?:une )?honte(?:ux|use)?",
    r"shameful",
    r"disgrace(?:ful)?",
    r"outrage(?:ous)?",
    r"lamentable",
    r"pathetic",
    r"(?:n'est|c'est) pas serieux",
    r"(?:isn't|is not|not) serious",
    r"ridicul(?:e|ous)",
    r"n'importe quoi",
    r"(?:tres |vraiment |profondement |extremement )?(?:mecontente?s?|decue?s?)",
    r"(?:very |really |deeply |extremely )?(?:disappointed|unhappy|furious|angry)",
    r"not (?:happy|satisfied)",
    r"(?:ne suis|ne sommes) (?:pas|vraiment pas) (?:satisfaite?s?|content)",
    r"pas satisfaite?s? du tout",
    r"a bout",
    r"end of my tether",
    r"fed up",
    r"(?:j'en ai|on en a) marre",
    r"j'exige",
    r"nous exigeons",
    r"i demand",
    r"we demand",
    r"je (?:demande|veux|voudrais) (?:une compensation|un dedommagement)",
    r"(?:je demande|je veux|je voudrais) (?:etre rembourse|le remboursement)",
    r"(?:je demande|i'm asking for|i am asking for) (?:un|une|a) (?:remplacement|replacement)",
    r"i want (?:it all|all of it|the difference|my money) (?:refunded|back)",
    r"(?:rembourser|refunded?) (?:au plus vite|as soon as possible|immediately|immediatement)",
    r"porter plainte",
    r"(?:saisir|saisirai) (?:un|le) mediateur",
    r"ombudsman",
    r"take (?:this|it|the matter) further",
    r"(?:n'|never |jamais )?(?:ai|avons) (?:jamais )?ete (?:aussi )?mal (?:recue?s?|traitee?s?)",
    r"treated (?:so )?badly",
    r"(?:aucune|sans) (?:reponse|nouvelles?|resultat|explication)",
    r"(?:no|without) (?:reply|answer|response|result|explanation|news)",
    r"(?:still|yet to) (?:have(?:n't| not)? )?(?:had )?no (?:reply|answer|response)",
    r"personne ne (?:m'a |nous a )?(?:repond|prevenu|explique|regle|m'explique|donne de nouvelles)"
    r"[a-z]*",
    r"(?:nobody|no one|no-one) (?:has )?(?:answer|repl|told|explain|warn|is sorting|given (?:me|us))"
    r"[a-z]*",
    r"(?:go|goes|went|remain|remains) unanswered",
    r"restent? sans reponse",
    r"(?:deux|trois|plusieurs|2|3) fois (?:sans|deja)",
    r"(?:deja|already) (?:signale|reported|ecrit|written|appele|called)[a-z]*",
    r"(?:twice|three times|several times) (?:with no|without)",
    r"(?:called|asked|wrote|ecrit|appele|demande) (?:you )?(?:twice|three times|trois fois|deux fois)",
    r"(?:ce n'est|it's|it is) (?:pas|not) la premiere (?:erreur|fois)|not the first (?:mistake|time)",
    r"(?:c'est|this is) la (?:deuxieme|troisieme) fois|(?:the )?(?:second|third) time",
    r"(?:je n'accepte|i won't accept|i will not accept|i do not accept)",
    r"comportement inacceptable",
    r"s'est moque|laughed at me",
    r"(?:impoli|rude|agressi[a-z]*|aggressively)",
    r"(?:raccroche|hung up)",
    r"(?:perdu|lost|waste[ds]?|wasted) (?:une journee|a day|mon tarif|my fare|du temps|time)",
    r"pour rien|for nothing",
    r"j'aurais apprecie|i would have appreciated",
    r"vous (?:refusez|continuez|avez change|avez annule|m'avez facture)",
    r"you (?:refuse|keep|changed|cancelled|charged (?:me|us))",
    r"on (?:m'a|nous a) facture",
    r"(?:without|sans) (?:notice|preavis|our consent|notre accord|me prevenir|nous prevenir|"
    r"telling (?:me|us)|raison|reason)",
    r"for no reason",
)

# Something that went wrong, told as a fact. Not counted in a question or an "if" clause.
_INCIDENT = _cues(
    r"(?:jamais|toujours (?:rien|pas)|n'ai rien|rien) (?:ete )?(?:recue?s?|arrivee?s?)",
    r"(?:n'est|ne sont) toujours pas (?:arrivee?s?|livree?s?)",
    r"(?:never|still (?:haven't|have not|hasn't|has not|not)) (?:been )?"
    r"(?:received|arrived|got|refunded|showed up|answered|come|had)",
    r"(?:received|arrived) nothing|nothing (?:has )?arrived|i received nothing",
    r"(?:debite|preleve|facture|paye)e?s? deux fois",
    r"(?:charged|debited|billed|taken|paid) (?:\w+ ){0,4}twice",
    r"(?:cassee?s?|brise|fissure|ecrasee?|abimee?|broken|cracked|crushed|damaged)",
    r"(?:fuit|fuyait|a fui|leaked|leaking|leaks)",
    r"(?:defectueu[a-z]*|faulty|un defaut|was defective)",
    r"(?:en panne|hors service|ne fonctionne (?:pas|plus)|doesn't work|does not work|"
    r"did not work|didn't work|won't (?:switch|turn) on|ne s'allume pas|broke everything|"
    r"a tout casse|(?:is|has been|was) down|coupee?|cut off|no calls)",
    r"(?:en retard|de retard|late|delayed|retarde)",
    r"(?:annulee?|cancell?ed) (?:sans|without|automatiquement|automatically)",
    r"(?:vol|flight|commande|order) (?:a ete |was |has been )?(?:annulee?|cancell?ed)",
    r"(?:il manque|missing|incomplete?)",
    r"(?:au lieu de|instead of)",
    r"(?:une erreur|a mistake|an error)",
    r"(?:bloque|blocked)",
    r"(?:sale|dirty)",
    r"(?:n'a jamais eu lieu|never happened|ne s'est jamais presente|never showed up)",
    r"(?:vous continuez|you keep) a? ?(?:me )?(?:factur|bill)",
    r"(?:jamais passes|never made)",
    r"pas ete rembourse|haven't been refunded|not been refunded",
    r"(?:penalise|penalised|penalized)",
    r"(?:refuse|refuses|refusez|refused)",
)

# "Only a small thing, nothing serious": an incident that the customer waves away.
_MINOR = _cues(
    r"(?:seul|petit|un) (?:petit )?(?:bemol|regret|deception|detail)",
    r"(?:rien de grave|pas grave|ce n'est pas grave)",
    r"(?:only|one) (?:small|little|minor) (?:thing|regret|disappointment|issue)",
    r"(?:nothing serious|no big deal|not a big deal)",
)

_COMPLIMENT = _cues(
    r"felicit[a-z]*",
    r"bravo",
    r"(?:well done|great job|good job|keep it up|continuez (?:ainsi|comme ca))",
    r"congratulat[a-z]*",
    r"(?:merci (?:beaucoup|infiniment|mille fois)|un grand merci|mille mercis)",
    r"(?:thank you so much|many thanks|a big thank you|thanks a lot)",
    r"(?:merci (?:pour|a) (?:ce|cette|votre|vos|toute|claire|[a-z]+ qui))",
    r"(?:thank you for (?:a|the|your|this)|thanks to)",
    r"(?:impeccable|parfait(?:ement)?|perfect(?:ly)?|merveilleu[a-z]*|wonderful|formidable|"
    r"outstanding|excellent|superbe?|genial|fantastic|amazing)",
    r"(?:professionnalisme|professionalism|gentillesse|kindness|patience)",
    r"(?:tres aimable|very friendly|tres gentil|so helpful)",
    r"(?:praise|compliment)",
)

_COMMENT = _cues(
    r"(?:je trouve (?:que|dommage|ca)|i think (?:it's|that)|i find)",
    r"(?:ce serait|ca serait) (?:bien|pratique|mieux|super|utile)",
    r"(?:it would be|would be) (?:nice|handy|better|great|useful|good)",
    r"(?:vous pourriez|you could|peut-etre (?:en )?ajouter|maybe add)",
    r"(?:je voulais (?:simplement|juste) vous dire|just wanted to say)",
    r"(?:suggestion|remarque|remark)",
    r"(?:juste|only|just) (?:une |a )?(?:passing )?(?:remarque|remark|my opinion)",
    r"c'est mon avis",
    r"(?:c'est dommage|it's a shame|dommage que)",
    r"(?:plus (?:simple|clair)|much clearer|simpler|clearer)",
    r"(?:donnent vraiment envie|are lovely)",
)

# Asking: information about a practice, a policy, a delay — a question whatever it is about.
_ASKING = _cues(
    r"(?:pourriez|pouvez)-vous (?:m'|nous )?(?:indiquer|dire|expliquer|confirmer|preciser|"
    r"renseigner)",
    r"(?:could|can) you (?:tell|explain|confirm|let me know)",
    r"(?:je voulais|je voudrais|j'aimerais|je souhaiterais) (?:savoir|connaitre|comprendre)",
    r"(?:je me demand(?:e|ais)|i was wondering|i wonder|i'd like to know|i would like to know)",
    r"(?:est-ce (?:normal|possible)|is it (?:normal|possible)|is that possible|c'est possible)",
    r"(?:est-ce que je peux|puis-je|can i|may i)",
)

# Words of policies and practices: in a question, they make it a question about them.
_POLICY = _cues(
    r"(?:politique|conditions?|policy|policies|terms)",
    r"(?:delais?|combien de (?:temps|jours)|how long|how many days|quand|when will|dans quel delai)",
    r"(?:garantie|warranty|preavis|notice period|retractation|withdrawal period)",
    r"(?:frais|fees?|rembourses?|remboursables?|refunded|refundable|refunds)",
    r"(?:est-(?:il|ce) possible|is it possible|possible de|can i|est-ce que je peux|puis-je)",
    r"(?:always|toujours|normalement|usually)",
)

# Asking for something to be done (a service request, where the brand has the type).
_ACTION = _cues(
    r"(?:pourriez|pouvez)-vous (?:nous |me )?(?:envoyer un technicien|configurer|ajouter|"
    r"activer|etablir|faire un devis|nous faire|mettre a jour|installer|transferer|changer)",
    r"(?:could|can) you (?:please )?(?:send a technician|set up|add|activate|turn on|issue|"
    r"give us a quote|update|install|transfer|change)",
    r"merci (?:de |d')(?:mettre a jour|activer|faire le changement|configurer|ajouter|transferer)",
    r"please (?:update|turn on|make the change|set up|add|activate|issue|transfer)",
    r"(?:je souhaite|je voudrais|nous souhaitons|nous voudrions) (?:passer au|transferer|"
    r"ajouter|changer de forfait|resilier)",
    r"(?:i'd like|i would like|we'd like|we would like) to (?:switch|transfer|add|upgrade)",
    r"(?:nous aurions|we) (?:besoin|need) (?:de )?(?:\w+ )?(?:lignes?|more lines|lines)",
    r"(?:un devis|a quote)",
    r"(?:technicien|technician) pour",
    r"(?:au nom de|in the name of) (?:notre|our)",
)

# Asking to send something back or to be paid back, calmly.
_RETURN = _cues(
    r"(?:je souhaite|je voudrais|j'aimerais|je veux) (?:la |le |les )?(?:retourner|renvoyer|"
    r"echanger|me faire rembourser)",
    r"(?:i'd|i would|i) (?:like|want) to (?:return|exchange|send back)",
    r"(?:i'd|i would) like a refund",
    r"(?:je vous (?:re)?tourne|je vous renvoie|i'm sending back|i am sending back)",
    r"(?:vous ai renvoye|sent (?:the \w+|it) back)",
    r"(?:proceder au remboursement|process the refund)",
    r"(?:rembourser ou (?:de )?(?:la |le )?remplacer|refund or replace)",
    r"(?:dans le delai de retractation|within the withdrawal period)",
)

# A problem with a marketplace seller (a dispute, where the brand has the type).
_SELLER = re.compile(r"(?<![a-z])(?:vendeur|vendeuse|boutique|seller|shop)(?![a-z])")
_SELLER_PROBLEM = _cues(
    r"ne (?:me )?repond (?:a aucun|plus|pas)",
    r"(?:hasn't|has not|doesn't|does not|no longer) (?:answered|reply|replies|answer)",
    r"refuse[a-z]*",
    r"contrefacon|counterfeit",
    r"(?:en gardant|while keeping|keeping) (?:l'argent|the money)",
    r"(?:intervenir|intervention|step in|intervene)",
    r"(?:malhonnete|dishonest)",
)


# General words of displeasure and of praise, for a message that is neither a question nor
# one of the phrases above: a statement leans the way its words do.
_NEGATIVE = _cues(
    r"(?:echou|echec|fail)[a-z]*",
    r"(?:probleme|problem|souci|issue)s?",
    r"(?:impossible|inutilisable|unusable|useless|nul|nulle)",
    r"(?:pas normal|not normal|not right|pas correct|anormal)",
    r"(?:perdu|lost|pire|worse|worst|terrible|awful|horrible|mediocre|poor)",
    r"(?:plaign|complain)[a-z]*",
    r"(?:furieu[a-z]*|livid|enerve|annoyed|frustr[a-z]*|agace)",
    r"(?:mepris|contempt|insult[a-z]*)",
    r"(?:toujours pas|still (?:not|doesn't|does not|hasn't|haven't)|n'apparait toujours|"
    r"rien ne bouge|nothing is happening|nothing has happened)",
    r"(?:ne (?:marche|fonctionne) pas|doesn't work|not working|coupent|dropping|drops)",
    r"(?:n'a pas ete|wasn't|was not) (?:applique|applied|livre|delivered|fait|done)",
    r"(?:attendons|expect) (?:un geste|a gesture|compensation|une compensation)",
    r"(?:leger|a bit thin|pas acceptable|not acceptable)",
)
_POSITIVE = _cues(
    r"(?:merci|thanks?|thank you)",
    r"(?:au top|top service|super|great|genial|brilliant|excellent|parfait|perfect)",
    r"(?:recommand|recommend)[a-z]*",
    r"(?:merveille|marvel|inoubliable|unforgettable|ravie?s?|delighted|adore|love)",
    r"(?:satisfaite?s?|satisfied|happy|content(?:e|s)?)",
)
# Asking for something, without a question mark.
_REQUEST = _cues(
    r"(?:veuillez|merci de|merci d'|please|kindly)",
    r"(?:je|nous) (?:souhaite|souhaitons|souhaiterais|souhaiterions|voudrais|voudrions|"
    r"aimerais|aimerions)",
    r"(?:i|we)(?:'d| would) like",
    r"(?:i|we) (?:want|need) to",
)


def _table_hits(patterns: Iterable[re.Pattern[str]], text: str) -> list[str]:
    if isinstance(patterns, _Cues) and patterns.any.search(text) is None:
        return []
    return [match.group(0).strip() for pattern in patterns for match in pattern.finditer(text)]


@dataclass
class _Score:
    points: float = 0.0
    because: list[str] = field(default_factory=list)
    grievance: float = 0.0  # a complaint's: the part that is dissatisfaction, not incidents

    def add(self, points: float, phrases: Iterable[str]) -> None:
        for phrase in phrases:
            self.points += points
            if phrase not in self.because:
                self.because.append(phrase)


def _declared(sentences: list[_Sentence], enabled: list[str]) -> tuple[str, str] | None:
    """The type the customer names, the first named in the text among the enabled ones."""
    first: tuple[int, str, str] | None = None
    whole = "\n".join(sentence.text for sentence in sentences)
    for kind, patterns in _DECLARED.items():
        if kind not in enabled:
            continue
        # A cue absent from the whole text is in none of its sentences.
        present = [pattern for pattern in patterns if pattern.search(whole)]
        for index, sentence in enumerate(sentences):
            for pattern in present:
                match = pattern.search(sentence.text)
                if match and (first is None or index < first[0]):
                    first = (index, kind, match.group(0))
    return (first[1], first[2]) if first else None


_TABLES = (
    _GRIEVANCE,
    _MINOR,
    _INCIDENT,
    _ASKING,
    _POLICY,
    _DATA,
    _COMPLIMENT,
    _COMMENT,
    _ACTION,
    _RETURN,
    _SELLER_PROBLEM,
    _NEGATIVE,
    _POSITIVE,
    _REQUEST,
)


def _scores(sentences: list[_Sentence], enabled: list[str]) -> dict[str, _Score]:
    scores = {kind: _Score() for kind in enabled}
    grievance, incident, question = _Score(), _Score(), _Score()
    minor = False
    # The tables none of whose cues is anywhere in the text: none is in any sentence.
    whole = "\n".join(sentence.text for sentence in sentences)
    absent = {id(table) for table in _TABLES if table.any.search(whole) is None}

    def _hits(patterns: _Cues, text: str) -> list[str]:
        return [] if id(patterns) in absent else _table_hits(patterns, text)

    for sentence in sentences:
        text = sentence.text
        grievance.add(3, _hits(_GRIEVANCE, text))
        minor = minor or bool(_hits(_MINOR, text))
        if not (sentence.asks or sentence.hypothetical):
            incident.add(2, _hits(_INCIDENT, text))
        asking = _hits(_ASKING, text)
        if sentence.asks or asking:
            question.add(2, asking or ["?"] if text.endswith("?") else asking or ["(question)"])
            policy = _hits(_POLICY, text)
            if policy:
                question.add(2, [f"policy: {policy[0]}"])
        if "data_rights" in scores:
            scores["data_rights"].add(4, _hits(_DATA, text))
        if "compliment" in scores:
            scores["compliment"].add(2, _hits(_COMPLIMENT, text))
        if "comment" in scores:
            scores["comment"].add(2, _hits(_COMMENT, text))
        if "service_request" in scores:
            scores["service_request"].add(3, _hits(_ACTION, text))
        if "return_refund" in scores:
            scores["return_refund"].add(3, _hits(_RETURN, text))
        if "dispute" in scores and _SELLER.search(text):
            scores["dispute"].add(4, _hits(_SELLER_PROBLEM, text))
    statement = _Score()
    for sentence in sentences:
        statement.add(0, ["-" + hit for hit in _hits(_NEGATIVE, sentence.text)])
        statement.add(0, ["+" + hit for hit in _hits(_POSITIVE, sentence.text)])
        statement.add(0, ["!" + hit for hit in _hits(_REQUEST, sentence.text)])
    scores["_statement"] = statement
    if minor:
        # A compliment with a small regret: the regret is no complaint.
        incident = _Score()
        grievance.points /= 2
    complaint = _Score(
        grievance.points + incident.points,
        grievance.because + incident.because,
        grievance=grievance.points,
    )
    if "complaint" in scores:
        scores["complaint"] = complaint
    if "question" in scores:
        scores["question"] = question
    return scores


_RANK = ("data_rights", "dispute", "complaint", "return_refund", "service_request")


def _decide(scores: dict[str, _Score], enabled: list[str]) -> tuple[str, list[str]]:
    def points(kind: str) -> float:
        return scores[kind].points if kind in scores else 0.0

    # Data rights and a seller dispute are what they are whatever else the message says.
    for kind in ("data_rights", "dispute"):
        if points(kind) >= 4 and points(kind) >= points("complaint") / 2:
            return kind, scores[kind].because
    praise, complaint = points("compliment"), points("complaint")
    if praise >= 4 and praise > complaint and points("question") < praise:
        return "compliment", scores["compliment"].because
    if complaint >= 2:
        # Something went wrong and they ask calmly to send it back: a return.
        if points("return_refund") >= 3 and scores["complaint"].grievance == 0:
            return "return_refund", scores["return_refund"].because
        if complaint >= points("question") or complaint >= 5:
            return "complaint", scores["complaint"].because
    for kind in ("return_refund", "service_request"):
        if points(kind) >= 3 and points(kind) >= points("question") - 1:
            return kind, scores[kind].because
    if points("question") > 0 and "question" in enabled:
        return "question", scores["question"].because
    statement = scores.get("_statement")
    if statement is not None and statement.because:
        return _statement(statement, scores, enabled)
    if praise >= 2:
        return "compliment", scores["compliment"].because
    if points("comment") >= 2:
        return "comment", scores["comment"].because
    for kind in _RANK:
        if points(kind) >= 3:
            return kind, scores[kind].because
    for fallback in ("question", "complaint", "service_request"):
        if fallback in enabled:
            return fallback, []
    return enabled[0], []


def _statement(
    statement: _Score, scores: dict[str, _Score], enabled: list[str]
) -> tuple[str, list[str]]:
    """A message that asks nothing and says none of the phrases above: displeasure makes a
    complaint, praise a compliment, a request a service request (or a question, answered),
    anything else a comment."""
    negative = [p for p in statement.because if p.startswith("-")]
    positive = [p for p in statement.because if p.startswith("+")]
    request = [p for p in statement.because if p.startswith("!")]
    if negative and len(negative) >= len(positive) and "complaint" in enabled:
        return "complaint", [p[1:] for p in negative]
    if positive and "compliment" in enabled:
        return "compliment", [p[1:] for p in positive]
    if request:
        for kind in ("service_request", "question"):
            if kind in enabled:
                return kind, [p[1:] for p in request]
    if "comment" in enabled:
        return "comment", ["(a statement)"]
    return ("question" if "question" in enabled else enabled[0]), []


# --- Category ------------------------------------------------------------------------------


_SUFFIXES = ("ements", "ement", "ations", "ation", "ing", "ed", "er", "es", "s", "e")


def _stem(word: str) -> str:
    """A keyword's word without its ending, kept whole when that would leave under five
    letters: "remboursement" finds "remboursé", "commande" finds "commandée"."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 5:
            return word[: -len(suffix)]
    return word


@functools.cache
def _keyword(keyword: str) -> re.Pattern[str]:
    """A keyword as a whole word or phrase: its last word may take an ending (a long one
    from its stem, a plural or feminine one when it is short), never start inside a word."""
    words = _plain(keyword).split()
    if not words:
        return re.compile(r"(?!)")
    *head, last = words
    stem = _stem(last)
    tail = rf"{re.escape(stem)}[a-z]*" if len(stem) >= 5 else rf"{re.escape(last)}(?:e|s|es|x)?"
    phrase = r"\s+".join([*(re.escape(word) for word in head), tail])
    return re.compile(rf"(?<![a-z]){phrase}(?![a-z])")


def _category(policy: Policy, subject: str, text: str) -> tuple[str, list[str]]:
    """The category whose keywords are found most (in the subject, twice), and those found.
    A word two keywords both find ("change" and "changement") counts once."""
    subject_plain, text_plain = _plain(subject), _plain(text)
    best, best_score, because = "", 0, []
    for category in policy.categories:
        places: set[tuple[str, int]] = set()
        found = []
        for keyword in category.keywords:
            pattern = _keyword(keyword)
            spots = [("subject", m.start()) for m in pattern.finditer(subject_plain)]
            spots += [("text", m.start()) for m in pattern.finditer(text_plain)]
            if spots and set(spots) - places:
                found.append(keyword)
            places.update(spots)
        score = sum(2 if where == "subject" else 1 for where, _ in places)
        if score > best_score:
            best, best_score, because = category.key, score, found
    return best, because


# --- Public --------------------------------------------------------------------------------


def read_message(policy: Policy, subject: str, text: str) -> Reading:
    """The contact type, category and language of a customer's message, with the phrases
    that decided them."""
    words = new_words(text)
    enabled: list[str] = [rule.type for rule in policy.contact_types]
    sentences = _sentences(subject or "", words)
    declared = _declared(sentences, enabled)
    if declared is not None:
        kind, phrase = declared
        reasons = [f'{kind}: "{phrase}" (said so)']
    else:
        kind, because = _decide(_scores(sentences, enabled), enabled)
        shown = ", ".join(f'"{phrase}"' for phrase in because[:4])
        reasons = [f"{kind}: {shown}" if shown else f"{kind}: nothing else fits"]
    category, keywords = _category(policy, subject or "", words)
    if category:
        reasons.append(f"category {category}: " + ", ".join(f'"{k}"' for k in keywords[:4]))
    language = guess_language(words or text, list(policy.brand.languages))
    return Reading(kind, category, language, tuple(reasons))


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
    return read_message(policy, subject, text).contact_type


def suggest_category(policy: Policy, subject: str, text: str) -> str:
    """The category whose keywords appear most (subject words count double), or ""."""
    return read_message(policy, subject, text).category
