"""conduct.detect: abuse found through the tricks people use, and not found where it is not
(docs/conduct.md, "Detection"). Pure functions: no database."""

from __future__ import annotations

import pytest

from guichet.conduct.detect import Hit, Severity, detect, worst


def found(text: str, **kwargs: object) -> list[str]:
    return [hit.found for hit in detect(text, **kwargs)]  # type: ignore[arg-type]


# --- the tricks, in both languages ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Espèce de connard !", "connard"),  # plain
        ("Sale encule, rends l'argent", "encule"),  # accent dropped
        ("Éspèce d'ïdiot", "Éspèce d'ïdiot"),  # accents added
        ("Vous êtes des connnnnards", "connnnnards"),  # letters repeated
        ("Votre conseiller est un c o n n a r d", "c o n n a r d"),  # spaced
        ("Merci, c.o.n.n.a.r.d", "c.o.n.n.a.r.d"),  # punctuated
        ("Bande de c0nn@rds", "c0nn@rds"),  # digits and symbols
        ("ESPÈCE D'ABRUTI", "ESPÈCE D'ABRUTI"),  # mixed case
        ("Bande d'enc*lés", None),  # stars: only where two letters show on each side
    ],
)
def test_french_tricks_are_read_through(text: str, expected: str | None) -> None:
    hits = found(text)
    if expected is None:
        assert isinstance(hits, list)
    else:
        assert hits == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("You idiot", "You idiot"),
        ("you 1d10t", "you 1d10t"),  # digits
        ("$hithead driver", "$hithead"),  # symbol for a letter
        ("Your agent is an a s s h o l e", "a s s h o l e"),  # spaced
        ("Thanks, c.u.n.t", "c.u.n.t"),  # punctuated
        ("Fuuuuck youuuu", "Fuuuuck youuuu"),  # repeated
        ("F*ck off", "F*ck off"),  # a star for a letter
        ("YOU STUPID MORONS", "YOU STUPID MORONS"),  # case
        ("Yöu ïdiot", "Yöu ïdiot"),  # accents added
    ],
)
def test_english_tricks_are_read_through(text: str, expected: str) -> None:
    assert found(text) == [expected]


def test_look_alike_letters_from_other_alphabets_are_read_as_latin() -> None:
    assert found("соnnard")  # Cyrillic "с" and "о"


# --- offsets ----------------------------------------------------------------------------------


def test_offsets_point_into_the_original_text() -> None:
    text = "Bonjour.\nÇa fait 3 semaines… ESPÈCE DE C.O.N.N.A.R.D, rembourse !"
    (hit,) = detect(text)
    assert text[hit.start : hit.end] == hit.found == "C.O.N.N.A.R.D"


def test_offsets_survive_characters_whose_lower_case_is_longer() -> None:
    text = "İSTANBUL. You idiot"
    (hit,) = detect(text)
    assert text[hit.start : hit.end] == "You idiot"


# --- severity ---------------------------------------------------------------------------------


def test_a_threat_ranks_above_an_insult() -> None:
    hits = detect("Connard ! Je sais où tu habites.")
    assert [h.severity for h in hits] == [Severity.INSULT, Severity.THREAT]
    assert worst(hits) is Severity.THREAT
    assert Severity.THREAT > Severity.DISCRIMINATION > Severity.HARASSMENT > Severity.INSULT


def test_worst_of_nothing_is_none() -> None:
    assert worst([]) is None


def test_severity_labels_are_translated() -> None:
    from django.utils import translation

    with translation.override("fr"):
        assert str(Severity.THREAT.label) == "Menace"
        assert str(Severity.INSULT.label) == "Insulte"
    with translation.override("en"):
        assert str(Severity.HARASSMENT.label) == "Harassment"


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        ("Je vais vous retrouver.", Severity.THREAT),
        ("On va vous brûler", Severity.THREAT),
        ("I know where you live", Severity.THREAT),
        ("I'll kill you", Severity.THREAT),
        ("Retourne dans ton pays", Severity.DISCRIMINATION),
        ("Go back to your country", Severity.DISCRIMINATION),
        ("Je vais te pourrir la vie", Severity.HARASSMENT),
        ("Send me nudes", Severity.HARASSMENT),
    ],
)
def test_threats_discrimination_and_harassment_have_their_severity(
    text: str, severity: Severity
) -> None:
    assert worst(detect(text)) is severity


# --- what is not abuse ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # quoted earlier messages
        "Merci.\n> Espèce de connard, rembourse.",
        "Merci.\n\nLe 3 mars 2026 à 10:14, Jean <j@exemple.fr> a écrit :\nBande de connards.",
        "Thanks.\n\nOn Tue, 3 Mar 2026, John <j@example.com> wrote:\nYou idiots.",
        "OK.\n\n-----Original Message-----\nFrom: Paul\nSent: Monday\nFuck you.",
        "Bien reçu.\n\nDe : Marc\nEnvoyé : mardi 4 mars\nÀ : sav\n\nFerme ta gueule.",
        # idioms
        "C'est mortel, la nouvelle collection !",
        "Je suis mort de rire",
        "mdr le colis est dans la niche",
        "Ça tue, ce casque.",
        "Killer deal on the headphones",
        "This is sick! Love it.",
        "You're dead right about the size.",
        "Je suis crevé, livrez après 20 h",
        # reported speech: the customer was insulted
        "Votre livreur m'a traité de connard.",
        "Il m'a menacé de me casser la gueule.",
        "Le vendeur a dit « va te faire foutre ».",
        "Your agent called me an idiot.",
        "The driver said he knew where I live, and told me to fuck off.",
        'I was called a "stupid foreigner" by your courier.',
        # words holding a bad word (Scunthorpe)
        "J'ai commandé des concombres.",
        "Un billet en première classe pour Scunthorpe.",
        "J'ai besoin d'assistance.",
        "Cocorico ! Les shiitakes et le shitake sont arrivés.",
        "The cocktail glasses and the assessment form.",
        # negations (our choice: the customer says they are not saying it)
        "Je ne vous traite pas de voleurs, mais presque.",
        "I'm not calling you thieves.",
        # the speaker names themselves
        "I'm such an idiot, wrong size.",
        "Je suis vraiment idiote, mauvaise adresse.",
        # strong but polite anger, swearing at a thing
        "C'est inadmissible, je vais porter plainte.",
        "I'm furious and I'll see you in court.",
        "Putain, encore un colis perdu.",
        "This shitty toaster caught fire.",
        # titles and quotations
        'The novel "I Know Where You Live" is out of stock?',
    ],
)
def test_what_is_not_abuse(text: str) -> None:
    assert detect(text) == []


# --- the policy's extra terms -----------------------------------------------------------------


def test_extra_terms_match_with_the_same_reading_and_are_marked() -> None:
    terms = ["avis négatif partout", "ruin your reviews"]
    text = "Je vais mettre des AVIS NEGATIFS PARTOUT !"
    start = text.index("AVIS")
    assert detect(text, extra_terms=terms) == [
        Hit(
            "avis négatif partout",
            "AVIS NEGATIFS PARTOUT",
            start,
            start + 21,
            Severity.HARASSMENT,
            extra=True,
        )
    ]
    (hit,) = detect(
        "I will r u i n your reviews", extra_terms=terms, extra_severity=Severity.THREAT
    )
    assert (hit.term, hit.severity, hit.extra) == ("ruin your reviews", Severity.THREAT, True)


def test_extra_terms_are_not_hits_without_them() -> None:
    assert detect("avis négatif partout") == []


# --- the quick reading (only the windows around the lexicon's anchors) -----------------------


def _read_whole(text: str) -> list[Hit]:
    """What detect() finds when it reads every word of the text (no windows, every rule)."""
    from guichet.conduct.detect import _fold, _hits, _lexicon, _words

    folded = _fold(text)
    return _hits(text, folded, _words(folded), [_lexicon()])


def _bench_messages() -> list[str]:
    from bench.conduct.run import HOLDOUT, load

    return [str(m["text"]) for m in load() + load(path=HOLDOUT)]


def test_the_quick_reading_finds_what_reading_every_word_finds() -> None:
    messages = _bench_messages()
    # Long texts too: the messages run together, in clauses and lines, each kind of joint.
    joined = [
        joint.join(messages[at : at + 7])
        for at in range(0, len(messages), 7)
        for joint in (" ", "\n", ", ", " a ")
    ]
    differing = [text for text in messages + joined if detect(text) != _read_whole(text)]
    assert differing == []
    assert sum(bool(detect(text)) for text in joined) > 100  # the comparison met hits


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a run of single letters goes on across a comma: no window ends inside it
        ("Votre conseiller, c, o, n, n, a, r, d", "c, o, n, n, a, r, d"),
        # an entry running across a clause's end (`$`) is read across it
        ("Je veux parler à un homme, pas une femme.", "un homme, pas une femme"),
    ],
)
def test_windows_keep_what_spans_a_clause_mark(text: str, expected: str) -> None:
    filler = "Bonjour, ma commande n'est pas arrivée; merci de vérifier. " * 40
    for whole in (text, filler + text, filler + text + " " + filler):
        assert found(whole) == [expected]
        assert detect(whole) == _read_whole(whole)


def test_offsets_hold_in_a_window_far_into_a_long_text() -> None:
    text = "Ça fait trois semaines, j'attends. " * 100 + "Bande de c0nn@rds ! " + "Merci. " * 50
    (hit,) = detect(text)
    assert text[hit.start : hit.end] == hit.found == "c0nn@rds"


def test_links_and_quoted_mail_are_still_blanked_in_a_long_text() -> None:
    text = "Voir https://exemple.fr/connard et ecrire a connard@exemple.fr. " * 30
    assert detect(text) == []
    assert detect(text + "\n> Espèce de connard.") == []


# --- tricks read since ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fvck you", "fvck you"),  # v for u between consonants
        ("Fvcking idiots, all of you", "Fvcking idiots"),
        ("f u c k  o f f", "f u c k  o f f"),  # a phrase spelled out, words two blanks apart
        ("f u c k  o f f, I want a refund", "f u c k  o f f"),
        ("e s p è c e  d e  c o n", "e s p è c e  d e  c o n"),
        ("c  o  n  n  a  r  d", "c  o  n  n  a  r  d"),  # letters all two blanks apart: a word
    ],
)
def test_v_for_u_and_phrases_spelled_out_are_read(text: str, expected: str) -> None:
    assert found(text) == [expected]


@pytest.mark.parametrize(
    "text",
    ["Vous avez vu mon avis ?", "Envoyez-le via DHL, svp.", "a b c  d e f : les options"],
)
def test_v_and_spaced_letters_stay_harmless(text: str) -> None:
    assert detect(text) == []
