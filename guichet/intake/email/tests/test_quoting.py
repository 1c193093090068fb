"""Quoted history and signatures are folded away from the new text, never lost (research 1C)."""

from __future__ import annotations

import pytest

from guichet.intake.email.quoting import split_quoted


def split(text: str) -> tuple[str, str]:
    new, folded = split_quoted(text)
    assert new.strip(), "the new text is never empty when there is text"
    for line in text.split("\n"):
        if line.strip():
            assert line.strip() in new or line.strip() in folded, "nothing is lost"
    return new, folded


@pytest.mark.parametrize(
    "attribution",
    [
        "Le lun. 3 mars 2026 à 10:00, Service <s@x.fr> a écrit :",
        "Le 03/03/2026 à 10:00, Service a écrit :",
        "On Mon, Mar 3, 2026 at 10:00 AM Support <s@x.example> wrote:",
        "On 3/3/26 10:00 AM, Support wrote:",
        "Am 03.03.2026 um 10:00 schrieb Support <s@x.de>:",
        "El 3 mar 2026, a las 10:00, Soporte escribió:",
        "Il giorno 3 mar 2026, alle ore 10:00, Supporto ha scritto:",
    ],
)
def test_attribution_lines_followed_by_quotes(attribution: str) -> None:
    new, folded = split(f"Merci.\n\n{attribution}\n> Texte cité.\n")
    assert new == "Merci."
    assert folded.startswith(attribution)


def test_an_attribution_wrapped_over_two_lines() -> None:
    new, folded = split(
        "Merci.\n\nLe lun. 3 mars 2026 à 10:00, Service Client <support@x.fr> a\nécrit :\n> Cité\n"
    )
    assert new == "Merci."
    assert folded.startswith("Le lun.")


def test_an_attribution_without_date_or_address_is_text() -> None:
    new, folded = split("Hier Jean a écrit :\n> une citation\n")
    assert new == "Hier Jean a écrit :"  # only the quote itself is folded
    assert folded == "> une citation"


def test_answers_written_between_quotes_stay_in_the_new_text() -> None:
    text = "On Mon, Mar 3, 2026 at 10:00 AM S <s@x> wrote:\n> Question 1 ?\nRéponse 1.\n> Question 2 ?\nRéponse 2.\n"
    new, folded = split(text)
    assert "Réponse 1." in new and "Réponse 2." in new
    assert folded == ""


def test_a_trailing_quote_block_without_attribution() -> None:
    assert split("Réponse.\n\n> ancien\n> texte\n") == ("Réponse.", "> ancien\n> texte")


@pytest.mark.parametrize(
    "separator",
    [
        "-----Original Message-----",
        "-----Message d'origine-----",
        "----- Original Message -----",
        "-------- Message original --------",
        "---------- Forwarded message ---------",
        "---------- Message transféré ---------",
        "Begin forwarded message:",
        "Début du message réexpédié :",
    ],
)
def test_separators_fold_everything_below(separator: str) -> None:
    assert split(f"Voici.\n\n{separator}\nFrom: x\nTexte ancien.")[0] == "Voici."


@pytest.mark.parametrize(
    "block",
    [
        "De : Service <s@x.fr>\nEnvoyé : lundi 2 mars 2026 10:00\nÀ : Marc\nObjet : Livraison",
        "From: Support <s@x.example>\nSent: Monday, March 2, 2026 10:00 AM\nTo: Mark\nSubject: Order",
        "*From:* Support\n*Sent:* Monday\n*To:* Mark\n*Subject:* Order",
        "De: Service\nDate: lundi\nÀ: Marc\nObjet: x",
    ],
)
def test_outlook_header_blocks(block: str) -> None:
    new, folded = split(f"Je confirme.\n\n{block}\n\nAncien texte.")
    assert new == "Je confirme."
    assert folded.endswith("Ancien texte.")


def test_a_line_starting_with_from_in_the_text_is_not_a_header_block() -> None:
    assert split("From: the start, the parcel was damaged.\nIt is still broken.")[1] == ""


@pytest.mark.parametrize(
    "signature",
    [
        "-- \nJean Dupont\nService achats",
        "--\nJean Dupont",
        "Envoyé de mon iPhone",
        "Sent from my iPhone",
        "Sent from my Galaxy",
        "Envoyé depuis mon appareil Android",
        "Get Outlook for iOS",
        "Téléchargez Outlook pour Android",
    ],
)
def test_signatures(signature: str) -> None:
    new, folded = split(f"Le colis est cassé.\n\n{signature}")
    assert new == "Le colis est cassé."
    assert folded == signature


def test_a_double_dash_followed_by_a_long_text_is_not_a_signature() -> None:
    text = "Liste :\n--\n" + "\n".join(f"point {n}" for n in range(20))
    assert split(text)[1] == ""


def test_everything_quoted_keeps_the_whole_text_as_new() -> None:
    assert split_quoted("> a\n> b") == ("> a\n> b", "")
    assert split_quoted("-- \nsignature seule") == ("-- \nsignature seule", "")


def test_empty_text() -> None:
    assert split_quoted("") == ("", "")
    assert split_quoted("\n \n") == ("\n \n", "")
