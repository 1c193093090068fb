"""French as it is written: elision before a name put into a translation, and the
non-breaking spaces of French typography."""

import pytest

from guichet.lib.french import NBSP, THIN_NBSP, begins_with_vowel_sound, elide, typography


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("auprès de Expérience Jamaïque", "Expérience Jamaïque", "auprès d’Expérience Jamaïque"),
        ("Service client de Ivoire Toner", "Ivoire Toner", "Service client d’Ivoire Toner"),
        ("Service client de Jamla24", "Jamla24", "Service client de Jamla24"),
        (
            "J’accepte que Ivoire Toner conserve",
            "Ivoire Toner",
            "J’accepte qu’Ivoire Toner conserve",
        ),
        ("la politique de EJ", "EJ", "la politique d’EJ"),
        ("lorsque Ivoire Toner répond", "Ivoire Toner", "lorsqu’Ivoire Toner répond"),
        ("la Usine", "Usine", "l’Usine"),
        ("de Hôtel Plage", "Hôtel Plage", "d’Hôtel Plage"),
        ("de Yves Rocher", "Yves Rocher", "d’Yves Rocher"),
        ("de Yahoo", "Yahoo", "de Yahoo"),
        ("De Le Bon Marché", "Le Bon Marché", "Du Bon Marché"),
        ("écrire à Le Bon Marché", "Le Bon Marché", "écrire au Bon Marché"),
        ("les clients de Les Galeries", "Les Galeries", "les clients des Galeries"),
        ("écrire à Les Galeries", "Les Galeries", "écrire aux Galeries"),
        ("la Poste de La Poste", "La Poste", "la Poste de La Poste"),
        ("de Ivoire Toners", "Ivoire Toner", "de Ivoire Toners"),  # another name
        ("le monde de Axa et de Axa", "Axa", "le monde d’Axa et d’Axa"),
        ("ode Axa", "Axa", "ode Axa"),  # not the word "de"
    ],
)
def test_elision_before_a_name(text: str, name: str, expected: str) -> None:
    assert elide(text, name) == expected


def test_a_vowel_sound_and_a_consonant() -> None:
    assert begins_with_vowel_sound("Ivoire") and begins_with_vowel_sound("Œuvre")
    assert not begins_with_vowel_sound("Jive") and not begins_with_vowel_sound("")


def test_typography_puts_non_breaking_spaces_where_plain_ones_stand() -> None:
    assert typography("Clé : x") == f"Clé{NBSP}: x"
    assert typography("Pourquoi ? Oui ! Non ; peut-être") == (
        f"Pourquoi{THIN_NBSP}? Oui{THIN_NBSP}! Non{THIN_NBSP}; peut-être"
    )
    assert typography("la marque « EJ »") == f"la marque «{NBSP}EJ{NBSP}»"
    assert typography("«EJ»") == f"«{NBSP}EJ{NBSP}»"


def test_typography_adds_no_space_where_there_was_none() -> None:
    for text in ("https://exemple.fr/?a=1!", "09:00", "Note:", "ok;"):
        assert typography(text) == text


def test_typography_is_idempotent() -> None:
    once = typography("Clé : « x » ?")
    assert typography(once) == once
