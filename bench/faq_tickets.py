# ruff: noqa: S311
"""Labelled customer questions for the FAQ candidates' bench and its test
(bench/knowledge_candidates.py, guichet/knowledge/tests/test_candidates_quality.py).

`generate(n, seed=…)` draws `n` tickets in French and English, each a `Labelled(kind,
language, subject, text)`: most ask one of the known question types of `KINDS` (a late
delivery, a refund, a lost password, a wrong invoice, a damaged item, a cancellation, a
change of address, the wrong item received), each worded many ways — several subjects
and opening sentences per type and language, details, greetings, order numbers, emails,
links, signatures, quoted replies and typos —, and a share are noise: one-off questions
(`kind` "noise") that no group should gather.

Generated at run time from the seed (nothing to commit but this file): the same seed
gives the same tickets. Named apart from bench/knowledge.py (the help centre's search
bench): a folder bench/knowledge/ would shadow it as a package or be shadowed by it."""

from __future__ import annotations

import random
from dataclasses import dataclass

NOISE = "noise"


@dataclass(frozen=True)
class Labelled:
    kind: str
    language: str
    subject: str
    text: str


# Per type and language: subjects, first sentences (the question), and details that may
# follow. "{order}" is an order number, "{days}" a number of days, "{item}" an item.
KINDS: dict[str, dict[str, dict[str, list[str]]]] = {
    "delivery_late": {
        "fr": {
            "subject": [
                "Commande toujours pas livrée",
                "Retard de livraison",
                "Où est mon colis ?",
                "Colis non reçu",
                "Livraison en retard commande {order}",
                "Toujours rien reçu",
            ],
            "ask": [
                "J'ai passé commande il y a {days} jours et je n'ai toujours rien reçu.",
                "Mon colis devait arriver la semaine dernière, il n'est jamais arrivé.",
                "La livraison de ma commande {order} est en retard, quand vais-je la recevoir ?",
                "Le suivi du colis n'a pas bougé depuis {days} jours, où est ma livraison ?",
                "Je attends toujours ma commande, le délai de livraison est dépassé.",
                "Pouvez-vous me dire quand mon colis sera livré ? Il est en retard.",
            ],
            "detail": [
                "Le transporteur ne répond pas.",
                "C'était un cadeau d'anniversaire.",
                "Le suivi indique toujours en cours d'acheminement.",
                "Je suis très déçu du délai.",
            ],
        },
        "en": {
            "subject": [
                "Order not delivered yet",
                "Late delivery",
                "Where is my parcel?",
                "Package not received",
                "Delivery delayed order {order}",
                "Still waiting for my order",
            ],
            "ask": [
                "I placed an order {days} days ago and still have not received anything.",
                "My parcel was supposed to arrive last week but it never came.",
                "The delivery of my order {order} is late, when will I get it?",
                "Tracking has not moved for {days} days, where is my package?",
                "I am still waiting for my order, the delivery date has passed.",
                "Can you tell me when my parcel will be delivered? It is late.",
            ],
            "detail": [
                "The courier does not answer.",
                "It was a birthday present.",
                "Tracking still says in transit.",
                "Very disappointed with the delay.",
            ],
        },
    },
    "refund": {
        "fr": {
            "subject": [
                "Demande de remboursement",
                "Remboursement pas reçu",
                "Où en est mon remboursement ?",
                "Remboursement commande {order}",
                "Rembourser mon retour",
            ],
            "ask": [
                "J'ai renvoyé l'article il y a {days} jours et je n'ai pas été remboursé.",
                "Quand vais-je recevoir le remboursement de mon retour ?",
                "Je souhaite être remboursé de ma commande {order}.",
                "Le remboursement promis n'apparaît toujours pas sur mon compte bancaire.",
                "Vous m'aviez confirmé un remboursement mais je n'ai rien reçu sur ma carte.",
            ],
            "detail": [
                "Le retour a bien été réceptionné selon le suivi.",
                "Merci de faire le nécessaire rapidement.",
                "J'ai payé par carte bancaire.",
            ],
        },
        "en": {
            "subject": [
                "Refund request",
                "Refund not received",
                "Where is my refund?",
                "Refund for order {order}",
                "Money back for my return",
            ],
            "ask": [
                "I sent the item back {days} days ago and have not been refunded.",
                "When will I receive the refund for my return?",
                "I would like a refund for my order {order}.",
                "The refund you promised still does not show on my bank account.",
                "You confirmed a refund but nothing has come back to my card.",
            ],
            "detail": [
                "Tracking shows the return was received.",
                "Please sort this out quickly.",
                "I paid by credit card.",
            ],
        },
    },
    "password": {
        "fr": {
            "subject": [
                "Mot de passe oublié",
                "Impossible de me connecter",
                "Problème de connexion à mon compte",
                "Réinitialiser mon mot de passe",
            ],
            "ask": [
                "J'ai oublié mon mot de passe et je ne peux plus me connecter à mon compte.",
                "Le lien de réinitialisation du mot de passe ne fonctionne pas.",
                "Je ne reçois pas l'email pour changer mon mot de passe.",
                "Mon compte est bloqué après plusieurs essais de mot de passe.",
                "Comment réinitialiser mon mot de passe ? La connexion échoue.",
            ],
            "detail": [
                "J'ai vérifié mes spams.",
                "J'utilise la même adresse que d'habitude.",
                "J'ai essayé sur mon téléphone et mon ordinateur.",
            ],
        },
        "en": {
            "subject": [
                "Forgot my password",
                "Cannot log in",
                "Login problem with my account",
                "Reset my password",
            ],
            "ask": [
                "I forgot my password and can no longer log in to my account.",
                "The password reset link does not work.",
                "I do not get the email to change my password.",
                "My account is locked after several password attempts.",
                "How do I reset my password? Login keeps failing.",
            ],
            "detail": [
                "I checked my spam folder.",
                "I use the same address as always.",
                "I tried on my phone and my computer.",
            ],
        },
    },
    "invoice_error": {
        "fr": {
            "subject": [
                "Erreur sur ma facture",
                "Facture incorrecte",
                "Montant de la facture faux",
                "Facture {order} erronée",
                "Double facturation",
            ],
            "ask": [
                "Le montant de ma facture ne correspond pas au prix affiché.",
                "J'ai été facturé deux fois pour la même commande {order}.",
                "Ma facture comporte une erreur, la TVA est mal calculée.",
                "Il y a une erreur sur la facture : des frais que je n'ai pas commandés.",
                "Pouvez-vous corriger ma facture ? Le nom de la société est faux.",
            ],
            "detail": [
                "J'en ai besoin pour ma comptabilité.",
                "Merci de m'envoyer une facture corrigée.",
                "Le prix était en promotion.",
            ],
        },
        "en": {
            "subject": [
                "Error on my invoice",
                "Wrong invoice",
                "Invoice amount is wrong",
                "Invoice {order} incorrect",
                "Charged twice",
            ],
            "ask": [
                "The amount on my invoice does not match the price shown.",
                "I was invoiced twice for the same order {order}.",
                "My invoice has an error, the VAT is calculated wrong.",
                "There is a mistake on the invoice: fees I never ordered.",
                "Can you correct my invoice? The company name is wrong.",
            ],
            "detail": [
                "I need it for my accounts.",
                "Please send me a corrected invoice.",
                "The price was on offer.",
            ],
        },
    },
    "damaged_item": {
        "fr": {
            "subject": [
                "Article reçu cassé",
                "Produit endommagé",
                "Colis abîmé",
                "{item} arrivé cassé",
                "Produit défectueux à la livraison",
            ],
            "ask": [
                "J'ai reçu mon {item} cassé, l'emballage était abîmé.",
                "Le {item} est arrivé endommagé, l'écran est fissuré.",
                "Le produit livré est abîmé et inutilisable.",
                "Mon {item} ne fonctionne pas, il était cassé dans le carton.",
                "L'article reçu est endommagé, que dois-je faire ?",
            ],
            "detail": [
                "J'ai des photos si besoin.",
                "Je voudrais un échange.",
                "Le livreur l'a jeté par-dessus le portail.",
            ],
        },
        "en": {
            "subject": [
                "Item arrived broken",
                "Damaged product",
                "Parcel damaged",
                "{item} arrived broken",
                "Faulty product on delivery",
            ],
            "ask": [
                "I received my {item} broken, the box was damaged.",
                "The {item} arrived damaged, the screen is cracked.",
                "The product delivered is damaged and unusable.",
                "My {item} does not work, it was broken in the box.",
                "The item I received is damaged, what should I do?",
            ],
            "detail": [
                "I have photos if needed.",
                "I would like a replacement.",
                "The driver threw it over the gate.",
            ],
        },
    },
    "cancel_order": {
        "fr": {
            "subject": [
                "Annuler ma commande",
                "Annulation commande {order}",
                "Demande d'annulation",
                "Je veux annuler",
            ],
            "ask": [
                "Je voudrais annuler ma commande {order} passée ce matin.",
                "Est-il possible d'annuler la commande avant l'expédition ?",
                "Merci d'annuler ma commande, je me suis trompé de modèle.",
                "Comment annuler une commande ? Je ne trouve pas le bouton.",
            ],
            "detail": [
                "Elle n'est pas encore expédiée.",
                "J'ai trouvé moins cher ailleurs.",
                "Merci de confirmer l'annulation.",
            ],
        },
        "en": {
            "subject": [
                "Cancel my order",
                "Cancellation order {order}",
                "Cancellation request",
                "I want to cancel",
            ],
            "ask": [
                "I would like to cancel my order {order} placed this morning.",
                "Is it possible to cancel the order before it ships?",
                "Please cancel my order, I picked the wrong model.",
                "How do I cancel an order? I cannot find the button.",
            ],
            "detail": [
                "It has not shipped yet.",
                "I found it cheaper elsewhere.",
                "Please confirm the cancellation.",
            ],
        },
    },
    "change_address": {
        "fr": {
            "subject": [
                "Changer l'adresse de livraison",
                "Modifier mon adresse",
                "Erreur d'adresse sur la commande",
                "Nouvelle adresse de livraison",
            ],
            "ask": [
                "Je me suis trompé d'adresse de livraison, pouvez-vous la modifier ?",
                "Est-il possible de changer l'adresse de livraison de la commande {order} ?",
                "J'ai déménagé, merci de livrer à ma nouvelle adresse.",
                "L'adresse de livraison est incomplète, il manque le numéro d'appartement.",
            ],
            "detail": [
                "La commande n'est pas encore partie.",
                "Le code postal est le bon.",
                "Merci de me confirmer le changement.",
            ],
        },
        "en": {
            "subject": [
                "Change delivery address",
                "Update my address",
                "Wrong address on the order",
                "New delivery address",
            ],
            "ask": [
                "I entered the wrong delivery address, can you change it?",
                "Is it possible to change the delivery address of order {order}?",
                "I have moved, please deliver to my new address.",
                "The delivery address is incomplete, the flat number is missing.",
            ],
            "detail": [
                "The order has not left yet.",
                "The postcode is right.",
                "Please confirm the change.",
            ],
        },
    },
    "wrong_item": {
        "fr": {
            "subject": [
                "Mauvais article reçu",
                "Erreur dans ma commande",
                "Ce n'est pas ce que j'ai commandé",
                "Mauvaise taille reçue",
            ],
            "ask": [
                "J'ai reçu un {item} qui n'est pas celui que j'ai commandé.",
                "Vous m'avez envoyé le mauvais article, la couleur n'est pas la bonne.",
                "La taille reçue ne correspond pas à ma commande {order}.",
                "Le colis contenait un autre produit que celui commandé.",
            ],
            "detail": [
                "Je voudrais recevoir le bon article.",
                "Comment vous le renvoyer ?",
                "L'étiquette porte bien mon nom.",
            ],
        },
        "en": {
            "subject": [
                "Wrong item received",
                "Mistake in my order",
                "Not what I ordered",
                "Wrong size received",
            ],
            "ask": [
                "I received a {item} that is not the one I ordered.",
                "You sent me the wrong item, the colour is not right.",
                "The size I received does not match my order {order}.",
                "The parcel held a different product from the one ordered.",
            ],
            "detail": [
                "I would like to get the right item.",
                "How do I send it back?",
                "The label does have my name.",
            ],
        },
    },
}

# One-off questions: a few words drawn from a wide vocabulary, so that no two noise tickets
# ask the same thing (a topic drawn twice would be a real, if small, group).
NOISE_WORDS = {
    "fr": (
        "saison jardin musique tableau voyage concert atelier fromage vélo piscine bibliothèque "
        "peinture randonnée montagne recette gâteau théâtre cinéma marché poésie partenariat "
        "emploi salon coton pâques devis stylos chien parking mécénat football sondage "
        "association directeur montre plongée braille piles recyclage publicité entrepôt "
        "classe école musée tricot jardinage astronomie échecs chorale brocante"
    ).split(),
    "en": (
        "season garden music painting journey concert workshop cheese bicycle pool library "
        "art hiking mountain recipe cake theatre cinema market poetry partnership job fair "
        "cotton easter quote pens dog parking sponsorship football survey charity director "
        "watch diving braille batteries recycling advert warehouse class school museum "
        "knitting gardening astronomy chess choir flea"
    ).split(),
}
GREETING = {
    "fr": ["Bonjour,", "Bonjour Madame, Monsieur,", "Salut,", "Bonsoir,", ""],
    "en": ["Hello,", "Hi,", "Dear team,", "Good evening,", ""],
}
SIGNATURE = {
    "fr": [
        "Cordialement,\nHélène Lefèvre",
        "Merci d'avance\n--\nJean Martin\n06 12 34 56 78",
        "Bien à vous,\nAwa Koné",
        "Envoyé de mon iPhone",
        "",
    ],
    "en": [
        "Kind regards,\nJohn Smith",
        "Thanks in advance\n--\nMary Brown\n+44 7700 900123",
        "Best,\nDavid",
        "Sent from my iPhone",
        "",
    ],
}
QUOTED = {
    "fr": "Le lun. 3 nov. 2026 à 10:02, Service client <aide@exemple.fr> a écrit :\n> Bonjour, merci pour votre message.\n> Votre demande EJ-26-00042 est enregistrée.",
    "en": "On Mon, 3 Nov 2026 at 10:02, Customer care <help@example.com> wrote:\n> Hello, thank you for your message.\n> Your request EJ-26-00042 is recorded.",
}
ITEMS = {
    "fr": ["téléphone", "aspirateur", "lave-linge", "casque", "grille-pain", "vase"],
    "en": ["phone", "vacuum cleaner", "washing machine", "headset", "toaster", "vase"],
}


def _typo(rng: random.Random, text: str, rate: float) -> str:
    """Swap, drop or double a letter here and there (one word in 1/rate)."""
    words = text.split(" ")
    for i, word in enumerate(words):
        if len(word) > 3 and rng.random() < rate:
            j = rng.randrange(1, len(word) - 1)
            how = rng.randrange(3)
            if how == 0:
                word = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
            elif how == 1:
                word = word[:j] + word[j + 1 :]
            else:
                word = word[:j] + word[j] + word[j:]
            words[i] = word
    return " ".join(words)


def _fill(rng: random.Random, template: str, language: str) -> str:
    return template.format(
        order=f"{rng.choice(['CMD', 'JM', 'EJ', 'A'])}-{rng.randrange(10000, 999999)}",
        days=rng.randrange(3, 30),
        item=rng.choice(ITEMS[language]),
    )


def _ticket(rng: random.Random, kind: str, language: str, typos: float) -> Labelled:
    words = KINDS[kind][language]
    subject = _fill(rng, rng.choice(words["subject"]), language)
    parts = [rng.choice(GREETING[language]), _fill(rng, rng.choice(words["ask"]), language)]
    if rng.random() < 0.6:
        parts.append(rng.choice(words["detail"]))
    if rng.random() < 0.2:
        parts.append(
            rng.choice(["Voir https://exemple.fr/suivi?id=", "See https://example.com/track/"])
            + str(rng.randrange(10**6))
        )
    if rng.random() < 0.2:
        parts.append(f"Mon adresse : client{rng.randrange(1000)}@exemple.fr")
    parts.append(rng.choice(SIGNATURE[language]))
    if rng.random() < 0.15:
        parts.append(QUOTED[language])
    text = "\n\n".join(p for p in parts if p)
    return Labelled(kind, language, _typo(rng, subject, typos), _typo(rng, text, typos))


SYLLABLES = "ka lo mi ren tu sa vo ri pel dan zo quin ber ta nu fa gro lis mer jo".split()


def _name(rng: random.Random) -> str:
    """A proper name nobody else writes (a product, a place, a person)."""
    return "".join(rng.choice(SYLLABLES) for _ in range(3)).title()


def _noise(rng: random.Random, language: str, typos: float) -> Labelled:
    vocabulary = NOISE_WORDS[language]
    subject = " ".join([*rng.sample(vocabulary, 2), _name(rng)])
    words = " ".join([*rng.sample(vocabulary, 4), _name(rng), _name(rng), _name(rng)])
    text = f"{rng.choice(GREETING[language])}\n\n{words}.\n\n{rng.choice(SIGNATURE[language])}"
    return Labelled(NOISE, language, subject, _typo(rng, text, typos))


def generate(
    n: int,
    *,
    seed: int = 21,
    languages: tuple[str, ...] = ("fr", "en"),
    noise: float = 0.15,
    typos: float = 0.05,
    kinds: tuple[str, ...] | None = None,
) -> list[Labelled]:
    """`n` tickets, the languages in turn, a share `noise` of one-off questions, the known
    types otherwise (unevenly: the first types are asked more, as in real queues), a word
    in 1/`typos` misspelt."""
    rng = random.Random(seed)
    chosen = list(kinds or KINDS)
    weights = [1.0 / (1 + 0.25 * i) for i in range(len(chosen))]
    out = []
    for i in range(n):
        language = languages[i % len(languages)]
        if rng.random() < noise:
            out.append(_noise(rng, language, typos))
        else:
            out.append(_ticket(rng, rng.choices(chosen, weights)[0], language, typos))
    return out
