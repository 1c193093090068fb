"""What demo customers write and what demo agents answer, in French and English.

Customer-written content, not interface text: it is not translated through gettext.
`{thing}` is replaced by the ticket's category name, `{ref}` by an order number.
"""

from __future__ import annotations

FIRST_NAMES = {
    "fr": [
        "Hélène",
        "François",
        "Zoé",
        "Jérôme",
        "Cécile",
        "Amélie",
        "Loïc",
        "Anaïs",
        "Benoît",
        "Gaëlle",
        "Léa",
        "Théo",
        "Marie",
        "Pierre",
        "Awa",
        "Kouassi",
        "Aya",
        "Yao",
        "Salma",
        "Youssef",
        "Fatima-Zahra",
        "Mehdi",
        "Josée",
        "Étienne",
        "Noémie",
        "Raphaël",
    ],
    "en": [
        "John",
        "Emily",
        "Michael",
        "Sarah",
        "David",
        "Laura",
        "James",
        "Olivia",
        "Renée",
        "Seán",
        "Grace",
        "Daniel",
        "Chloe",
        "Marcus",
        "Keisha",
        "Andre",
        "Tamika",
        "Devon",
    ],
}
LAST_NAMES = {
    "fr": [
        "Lefèvre",
        "Dubois",
        "Martin",
        "Bérard",
        "Moreau",
        "Girard",
        "Koné",
        "Traoré",
        "Ouattara",
        "Bamba",
        "El Idrissi",
        "Benali",
        "Alaoui",
        "Tremblay",
        "Gagnon",
        "Côté",
        "Noël",
        "Faure",
    ],
    "en": [
        "Smith",
        "Johnson",
        "Williams",
        "Brown",
        "Campbell",
        "Clarke",
        "Wright",
        "Thompson",
        "O'Brien",
        "Reid",
        "Grant",
        "Walker",
        "Robinson",
        "Edwards",
    ],
}

# (subject, body) per contact type and language.
MESSAGES: dict[str, dict[str, list[tuple[str, str]]]] = {
    "question": {
        "fr": [
            (
                "Question au sujet de : {thing}",
                "Bonjour,\n\nPourriez-vous m'expliquer comment fonctionne votre service pour « {thing} » ? Je n'ai pas trouvé la réponse sur votre site.\n\nMerci d'avance.",
            ),
            (
                "Renseignement — {thing}",
                "Bonjour,\n\nJ'aimerais savoir quels sont les délais habituels concernant « {thing} ». Ma référence est {ref}.\n\nCordialement.",
            ),
            (
                "Demande d'information",
                "Bonjour,\n\nQuelle est votre politique concernant « {thing} » ? Je voudrais comprendre avant de commander.\n\nBonne journée.",
            ),
        ],
        "en": [
            (
                "Question about {thing}",
                'Hello,\n\nCould you explain how your service works for "{thing}"? I could not find it on your website.\n\nThanks in advance.',
            ),
            (
                "Quick question — {thing}",
                'Hi,\n\nWhat are the usual delays for "{thing}"? My reference is {ref}.\n\nBest regards.',
            ),
        ],
    },
    "comment": {
        "fr": [
            (
                "Un commentaire sur votre site",
                "Bonjour,\n\nJuste un mot : la page « {thing} » est un peu difficile à trouver. Rien d'urgent.\n\nBonne continuation.",
            ),
        ],
        "en": [
            (
                "A comment about your website",
                'Hello,\n\nJust a note: the "{thing}" page is a bit hard to find. Nothing urgent.\n\nKeep up the good work.',
            ),
        ],
    },
    "compliment": {
        "fr": [
            (
                "Merci à votre équipe !",
                "Bonjour,\n\nJe tenais à remercier la personne qui m'a aidé pour « {thing} ». Service impeccable, rapide et aimable.\n\nBravo à toute l'équipe.",
            ),
            (
                "Félicitations",
                "Bonjour,\n\nTout s'est parfaitement passé, merci beaucoup. Transmettez mes félicitations à l'équipe « {thing} ».\n\nBien à vous.",
            ),
        ],
        "en": [
            (
                "Thank you to your team!",
                'Hello,\n\nI wanted to thank the person who helped me with "{thing}". Quick, friendly and efficient.\n\nWell done to the whole team.',
            ),
        ],
    },
    "complaint": {
        "fr": [
            (
                "Réclamation — {thing}",
                "Bonjour,\n\nJe suis très mécontent : le problème concernant « {thing} » n'est toujours pas réglé malgré deux appels. Référence {ref}.\n\nJ'attends une réponse écrite.",
            ),
            (
                "Problème non résolu ({ref})",
                "Madame, Monsieur,\n\nJe vous écris pour déposer une réclamation au sujet de « {thing} ». Le service rendu ne correspond pas à ce qui était promis.\n\nMerci de me tenir informée.",
            ),
            (
                "Erreur sur ma facture",
                "Bonjour,\n\nJ'ai été débitée deux fois pour la même prestation ({ref}). Je demande le remboursement du montant prélevé en trop.\n\nCordialement.",
            ),
        ],
        "en": [
            (
                "Complaint — {thing}",
                'Hello,\n\nI am very unhappy: the problem with "{thing}" is still not fixed after two calls. Reference {ref}.\n\nI expect a written answer.',
            ),
            (
                "Unresolved problem ({ref})",
                'Dear Sir or Madam,\n\nI am writing to complain about "{thing}". The service did not match what was promised.\n\nPlease keep me informed.',
            ),
        ],
    },
    "service_request": {
        "fr": [
            (
                "Demande de changement de service",
                "Bonjour,\n\nJe souhaite modifier mon abonnement ({thing}). Pouvez-vous m'indiquer la marche à suivre ?\n\nMerci.",
            ),
        ],
        "en": [
            (
                "Service change request",
                "Hello,\n\nI would like to change my plan ({thing}). What should I do?\n\nThanks.",
            ),
        ],
    },
    "return_refund": {
        "fr": [
            (
                "Demande de retour — {ref}",
                "Bonjour,\n\nLe produit reçu ne convient pas. Je souhaite le retourner et être remboursé. Commande {ref}.\n\nCordialement.",
            ),
        ],
        "en": [
            (
                "Return request — {ref}",
                "Hello,\n\nThe item I received is not right. I would like to return it and get a refund. Order {ref}.\n\nRegards.",
            ),
        ],
    },
    "dispute": {
        "fr": [
            (
                "Litige avec un vendeur",
                "Bonjour,\n\nLe vendeur ne répond plus depuis une semaine et je n'ai pas reçu ma commande {ref}. Pouvez-vous intervenir ?\n\nMerci.",
            ),
            (
                "Article non conforme",
                "Bonjour,\n\nL'article reçu ne correspond pas à la description et le vendeur refuse le retour. Commande {ref}.\n\nCordialement.",
            ),
        ],
        "en": [
            (
                "Dispute with a seller",
                "Hello,\n\nThe seller has not answered for a week and my order {ref} never arrived. Can you step in?\n\nThanks.",
            ),
        ],
    },
    "data_rights": {
        "fr": [
            (
                "Accès à mes données personnelles",
                "Bonjour,\n\nConformément à la loi, je souhaite recevoir une copie de toutes les données personnelles que vous détenez sur moi.\n\nMerci.",
            ),
            (
                "Suppression de mon compte",
                "Bonjour,\n\nJe vous demande de supprimer mes données personnelles et de ne plus m'envoyer d'enquêtes.\n\nCordialement.",
            ),
        ],
        "en": [
            (
                "Access to my personal data",
                "Hello,\n\nI would like a copy of all the personal data you hold about me.\n\nThank you.",
            ),
        ],
    },
}

REPLIES = {
    "fr": [
        "Bonjour {name},\n\nMerci pour votre message. Nous avons bien pris en compte votre demande et revenons vers vous très vite avec une réponse complète.\n\nBien cordialement,\n{agent}",
        "Bonjour {name},\n\nPourriez-vous nous transmettre votre numéro de commande et une photo du problème ? Cela nous permettra d'avancer.\n\nMerci,\n{agent}",
        "Bonjour {name},\n\nVoici la réponse à votre demande : le nécessaire a été fait de notre côté. N'hésitez pas à nous écrire si besoin.\n\nBien à vous,\n{agent}",
    ],
    "en": [
        "Hello {name},\n\nThank you for your message. We have taken your request into account and will come back to you shortly with a full answer.\n\nKind regards,\n{agent}",
        "Hello {name},\n\nCould you send us your order number and a photo of the problem? It will help us move forward.\n\nThanks,\n{agent}",
        "Hello {name},\n\nHere is the answer to your request: we have done what was needed on our side. Do write again if needed.\n\nBest regards,\n{agent}",
    ],
}

CUSTOMER_FOLLOW_UPS = {
    "fr": [
        "Bonjour,\n\nVoici les informations demandées. Merci de votre aide.",
        "Bonjour,\n\nToujours pas de nouvelles, pouvez-vous me dire où en est ma demande ?",
    ],
    "en": [
        "Hello,\n\nHere is the information you asked for. Thanks for your help.",
        "Hello,\n\nStill no news. Can you tell me where my request stands?",
    ],
}

NOTES = [
    "Client déjà venu la semaine dernière pour le même sujet.",
    "Vérifié dans le back-office : l'erreur vient de chez nous.",
    "Customer called twice; prefers email.",
    "Attente du retour du transporteur.",
]

ESCALATION_REASONS = [
    "Nécessite l'avis d'un expert.",
    "Le client n'est pas satisfait de la réponse de niveau 1.",
    "Needs the department's investigation.",
    "Montant important : décision de la direction.",
]

SELLERS = [
    ("Atlas Électroménager", "contact@atlas-electro.example"),
    ("Souk Mode Casa", "vendeur@soukmode.example"),
    ("TechMaroc Store", "support@techmaroc.example"),
    ("Maison Argan", "bonjour@maison-argan.example"),
]

# Each brand's canned replies (guichet.desk.models.CannedReply): title and text per language.
CANNED_REPLIES = {
    "fr": [
        (
            "Accusé de lecture",
            "Bonjour {{ customer_name }},\n\nMerci pour votre message concernant votre dossier "
            "{{ reference }}. Nous l'étudions et vous répondrons au plus tard le "
            "{{ answer_due }}.\n\nBien cordialement,\n{{ agent_name }}\n{{ brand_name }}",
        ),
        (
            "Demande de numéro de commande",
            "Bonjour {{ customer_name }},\n\nPour traiter votre demande {{ reference }}, "
            "pourriez-vous nous indiquer votre numéro de commande et, si possible, joindre une "
            "photo du produit ?\n\nMerci par avance,\n{{ agent_name }}",
        ),
        (
            "Réponse définitive",
            "Bonjour {{ customer_name }},\n\nVoici notre réponse à votre dossier "
            "{{ reference }} : [détaillez la décision].\n\nSi cette réponse ne vous satisfait "
            "pas, répondez simplement à ce message pour demander un nouvel examen.\n\n"
            "Bien cordialement,\n{{ agent_name }}\n{{ brand_name }}",
        ),
    ],
    "en": [
        (
            "Acknowledgement",
            "Hello {{ customer_name }},\n\nThank you for your message about your request "
            "{{ reference }}. We are looking into it and will answer by {{ answer_due }} at "
            "the latest.\n\nKind regards,\n{{ agent_name }}\n{{ brand_name }}",
        ),
        (
            "Order number needed",
            "Hello {{ customer_name }},\n\nTo deal with your request {{ reference }}, could you "
            "send us your order number and, if possible, a photo of the product?\n\n"
            "Thank you,\n{{ agent_name }}",
        ),
        (
            "Final answer",
            "Hello {{ customer_name }},\n\nHere is our answer to your request {{ reference }}: "
            "[explain the decision].\n\nIf this answer does not satisfy you, simply reply to "
            "this message to ask for a further review.\n\nKind regards,\n{{ agent_name }}\n"
            "{{ brand_name }}",
        ),
    ],
}
