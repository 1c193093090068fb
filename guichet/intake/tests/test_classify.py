"""Reading a message (docs/intake-reading.md): its contact type and category, in French and
English, with the phrases that decided; what ingest records of it; the agents' corrections
exported for the bench."""

import json
from email.message import EmailMessage

import pytest
from django.core.management import call_command

from guichet.intake import classify
from guichet.intake.classify import read_message
from guichet.intake.email import ingest
from guichet.intake.models import InboundSource
from guichet.lib.scoping import brand_scope
from guichet.policies.loader import load_policy_file
from guichet.policies.schema import Policy
from guichet.tickets import services
from guichet.tickets.choices import Verb
from guichet.tickets.models import Event

PRESETS = classify.__file__.rsplit("/intake/", 1)[0] + "/policies/presets"


def preset(slug: str) -> Policy:
    policy = load_policy_file(f"{PRESETS}/{slug}.toml").policy
    assert policy is not None
    return policy


EJ, IVOIRE, JAMLA, JIVE, RESPECT = (
    preset(s) for s in ("ej", "ivoire-toner", "jamla24", "jive", "respect")
)


def kind(policy: Policy, text: str, subject: str = "") -> str:
    return read_message(policy, subject, text).contact_type


# --- The case and its kin: a question about a policy is a question ----------------


@pytest.mark.parametrize(
    "text",
    [
        "Bonjour, juste pour information : quelle est votre politique de remboursement ?",
        "Just for information: what is your refund policy?",
        "Combien de temps faut-il pour être remboursé après une annulation ?",
        "How long do refunds take?",
        "Est-ce que je peux retourner un article soldé ?",
        "Can I return a sale item if it hasn't been opened?",
        "Pourriez-vous m'indiquer les conditions d'annulation d'un séjour ?",
        "I was wondering whether hotel bookings are refundable if the flight is cancelled.",
    ],
)
def test_a_question_about_the_companys_policies_is_a_question(text):
    reading = read_message(EJ, "Remboursement", text)
    assert reading.contact_type == "question", reading.reasons
    assert reading.reasons[0].startswith("question: ")


def test_the_reasons_name_the_phrase_that_decided():
    reading = read_message(EJ, "", "Juste pour information, y a-t-il des vols le dimanche ?")
    assert reading.reasons[0] == 'question: "juste pour information" (said so)'
    assert reading.as_data() == {
        "contact_type": "question",
        "category": "travel",
        "reasons": list(reading.reasons),
    }


# --- A customer who says what the message is, is believed ------------------------------


@pytest.mark.parametrize(
    ("policy", "text", "expected"),
    [
        (
            EJ,
            "Simple question : le transfert est-il inclus ? C'est inadmissible sinon.",
            "question",
        ),
        (EJ, "Quick question: is the transfer included? Unacceptable otherwise.", "question"),
        (EJ, "Je souhaite déposer une réclamation au sujet de ma réservation.", "complaint"),
        (EJ, "This is a formal complaint about my booking.", "complaint"),
        (EJ, "I'd like to compliment your team on the trip to Negril.", "compliment"),
        (EJ, "Je tiens à féliciter votre équipe pour le voyage.", "compliment"),
        (EJ, "Je voudrais exercer mon droit d'accès à mes données.", "data_rights"),
        (EJ, "I would like to exercise my right of access.", "data_rights"),
        (JAMLA, "Je souhaite ouvrir un litige contre le vendeur TechZone.", "dispute"),
        (JAMLA, "I want to open a dispute against the seller TechZone.", "dispute"),
    ],
)
def test_a_declared_type_is_believed(policy, text, expected):
    reading = read_message(policy, "", text)
    assert reading.contact_type == expected
    assert reading.reasons[0].endswith("(said so)")


# --- A complaint needs dissatisfaction with something that happened ----------------------


@pytest.mark.parametrize(
    "text",
    [
        "Ma commande n'est jamais arrivée et personne ne répond au téléphone.",
        "My order never arrived and nobody answers the phone.",
        "J'ai été débitée deux fois pour la même réservation.",
        "I was charged twice for the same booking.",
        "C'est inadmissible : le transfert avait deux heures de retard.",
        "J'exige le remboursement du second débit.",
        "I demand a refund for the second charge.",
        "Le vase est arrivé cassé. Je suis vraiment déçue.",
        # polite complaints
        "Je ne voudrais pas vous embêter, mais ma commande n'est toujours pas arrivée.",
        "Sorry to bother you, but my order still hasn't arrived.",
        "I was charged twice for order 1203. Could you refund me as soon as possible, please?",
    ],
)
def test_dissatisfaction_with_what_happened_is_a_complaint(text):
    assert kind(RESPECT, text) == "complaint"


@pytest.mark.parametrize(
    "text",
    [
        "Pourquoi ma carte est-elle refusée au moment du paiement ?",
        "Why is my card declined at checkout? It works on other sites.",
        "C'EST QUAND que vous livrez enfin à Dakhla ??",
        "WHEN are you finally going to deliver to Dakhla??",
    ],
)
def test_an_angry_question_is_still_a_question(text):
    assert kind(JAMLA, text) == "question"


def test_the_word_refund_alone_makes_no_complaint():
    for text in ("Remboursement", "Refund"):
        assert kind(RESPECT, "Les remboursements se font-ils sur la carte ?", text) == "question"


@pytest.mark.parametrize(
    "text",
    [
        "Merci pour ce séjour merveilleux ! Seul petit bémol : le transfert avait 20 minutes de "
        "retard, mais rien de grave. Bravo.",
        "Thank you for a wonderful stay! The only small thing was that the transfer was 20 "
        "minutes late, but nothing serious. Great job.",
    ],
)
def test_a_compliment_with_a_small_regret_is_a_compliment(text):
    assert kind(EJ, text) == "compliment"


@pytest.mark.parametrize(
    "text",
    [
        "Je ne veux plus recevoir vos emails et je vous demande d'effacer toutes les "
        "informations que vous avez sur moi.",
        "Please erase everything you have about me, including my address.",
        "Merci de supprimer mon compte client et mes coordonnées.",
        "Please delete my customer account and my details.",
    ],
)
def test_a_data_rights_request_in_plain_words(text):
    assert kind(RESPECT, text) == "data_rights"


# --- Only the types the brand enables ----------------------------------------------------


def test_only_types_the_brand_enables():
    calm_return = "Je souhaite retourner cette cartouche, elle ne convient pas à mon imprimante."
    assert kind(IVOIRE, calm_return) == "return_refund"
    # Respect has no return type: the same words are a question there (it is answered).
    assert kind(RESPECT, calm_return) in {"question", "comment", "complaint"}
    assert kind(RESPECT, calm_return) != "return_refund"
    seller = "Le vendeur ne répond à aucun de mes messages et refuse l'échange."
    assert kind(JAMLA, seller) == "dispute"
    assert kind(EJ, seller) != "dispute"
    request = "Pouvez-vous configurer un nouveau poste pour notre employée, extension 214 ?"
    assert kind(JIVE, request) == "service_request"
    for policy in (EJ, IVOIRE, JAMLA, JIVE, RESPECT):
        enabled = {rule.type for rule in policy.contact_types}
        assert kind(policy, "Bonjour") in enabled


def test_an_angry_return_is_a_complaint_a_calm_one_a_return():
    assert (
        kind(
            IVOIRE,
            "Je vous retourne l'imprimante : elle ne s'allume pas. Merci de me "
            "rembourser ou de la remplacer.",
        )
        == "return_refund"
    )
    assert (
        kind(
            IVOIRE,
            "Vous refusez de rembourser une cartouche défectueuse. C'est une "
            "honte, je vais porter plainte.",
        )
        == "complaint"
    )


# --- Quoted earlier messages are not read -----------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Merci. Et pour les taxes d'aéroport, comment ça se passe ?\n\n"
            "Le 3 mars 2026 à 10:00, Service client EJ <support@ej.com> a écrit :\n"
            "> Votre réclamation est enregistrée. C'est inadmissible, nous le reconnaissons.\n",
            "fr",
        ),
        (
            "Thanks. And what about the airport taxes, how does that work?\n\n"
            "On Mon, Mar 3, 2026 at 10:00 AM EJ <support@ej.com> wrote:\n"
            "> Your complaint is logged. This is unacceptable, we agree.\n",
            "en",
        ),
    ],
)
def test_quoted_earlier_messages_are_left_out(text, language):
    reading = read_message(EJ, "Re: votre réservation", text)
    assert reading.contact_type == "question"
    assert reading.language == language


# --- Categories: whole keywords, accents folded, the subject counting more --------------


def test_category_keywords_are_whole_words_accents_folded():
    # "explanation" holds "plan", "download" holds "down": neither is service-change/outage.
    assert read_message(JIVE, "", "An explanation, please; the download failed.").category == ""
    assert read_message(JIVE, "", "Ma FACTURATION de mars").category == "billing"
    assert read_message(EJ, "", "Je vous remercie volontiers.").category == ""  # not "vol"
    assert read_message(EJ, "", "Ma réservation d'hôtel").category == "travel"
    assert read_message(EJ, "", "ma reservation d'hotel").category == "travel"
    # the ending of a long keyword may change: "remboursement" finds "remboursé"
    assert read_message(EJ, "", "Quand serai-je remboursé ?").category == "billing"


def test_the_subject_counts_more_than_the_text():
    reading = read_message(EJ, "Facture", "Une question sur ma réservation.")
    assert reading.category == "billing"
    assert reading.reasons[-1] == 'category billing: "facture"'


def test_the_three_guesses_keep_their_names():
    text = "Je souhaite déposer une réclamation : ma facture est fausse."
    assert classify.guess_contact_type(EJ, "Facture", text) == "complaint"
    assert classify.suggest_category(EJ, "Facture", text) == "billing"
    assert classify.guess_language(text, ["fr", "en"]) == "fr"


# --- Ingest records the guess; the corrections are exported ------------------------------


def email(subject: str, body: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Hélène Lefèvre <helene@exemple.fr>"
    message["To"] = "support@experiencejamaique.com"
    message["Subject"] = subject
    message["Message-ID"] = "<guess-1@exemple.fr>"
    message.set_content(body)
    return message.as_bytes()


@pytest.mark.django_db
def test_ingest_records_what_it_guessed_in_the_opening_event(world):
    raw = email(
        "Politique de remboursement",
        "Bonjour, juste pour information : quelle est votre politique de remboursement ?",
    )
    ticket = ingest.ingest(raw, source=InboundSource.FILE).ticket
    assert (ticket.contact_type, ticket.category) == ("question", "billing")
    with brand_scope(world.ej):
        opened = Event.objects.get(ticket=ticket, verb=Verb.OPENED)
    assert opened.data["guess"]["contact_type"] == "question"
    assert opened.data["guess"]["category"] == "billing"
    assert opened.data["guess"]["reasons"][0] == 'question: "juste pour information" (said so)'


@pytest.mark.django_db
def test_the_corrected_tickets_are_exported_in_the_corpus_format(world, tmp_path):
    raw = email(
        "Ma réservation",
        "Bonjour, je suis Hélène Lefèvre (06 12 34 56 78). Je voulais savoir si le "
        "transfert est inclus ?",
    )
    corrected = ingest.ingest(raw, source=InboundSource.FILE).ticket
    assert corrected.contact_type == "question"
    services.ticket_change(
        ticket=corrected, actor=world.agent, contact_type="complaint", category="website"
    )
    kept = ingest.ingest(
        email("Facture", "Où puis-je télécharger ma facture ?").replace(b"guess-1@", b"guess-2@"),
        source=InboundSource.FILE,
    ).ticket
    assert kept.pk != corrected.pk  # guessed and left alone: not exported
    path = tmp_path / "corrections.jsonl"

    call_command("intake_corrections", export=str(path), brand="ej")

    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(rows) == 1
    row = rows[0]
    assert (row["brand"], row["lang"]) == ("ej", "fr")
    assert (row["contact_type"], row["category"]) == ("complaint", "website")
    assert row["guess"]["contact_type"] == "question"
    assert row["guess"]["category"] == "travel"
    assert "transfert est inclus" in row["text"]
    assert "Lefèvre" not in row["text"] and "06 12 34 56 78" not in row["text"]
    assert row["note"].startswith(f"{corrected.reference}: corrected contact_type question")
    # read by the bench as a corpus row
    from bench.intake.run import check, policies, read_rows

    read = read_rows(path)
    check(read, policies(), path)
    assert read[0].contact_type == "complaint"


@pytest.mark.django_db
def test_the_export_keeps_the_tickets_opened_since_a_date(world, tmp_path):
    ticket = ingest.ingest(
        email("Vol", "Est-ce que les vols sont remboursables ?"), source=InboundSource.FILE
    ).ticket
    services.ticket_change(ticket=ticket, actor=world.agent, category="billing")
    path = tmp_path / "since.jsonl"
    call_command("intake_corrections", export=str(path), since="2999-01-01")
    assert path.read_text() == ""
    call_command("intake_corrections", export=str(path), since="2000-01-01")
    assert json.loads(path.read_text())["category"] == "billing"
