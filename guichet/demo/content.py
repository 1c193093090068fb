"""What demo customers write and what demo agents answer, in French and English.

Customer-written content, not interface text: it is not translated through gettext.
Each request is a `Story`: what the customer writes, what the agent asks and answers to
that very request, the categories it may be filed under. Whatever follows — the handler of
a higher level, why it went up, the decision — is written here too, so that every text of a
demo ticket answers the one before it (guichet/demo/tests/test_coherence.py checks it).
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class Story:
    """One request as a customer writes it, and how it goes — every text in French and
    English (`{"fr": …, "en": …}`):

    - `subject`, `body`: the customer's opening message;
    - `ask`: what the first agent asks before answering, if anything, and `info`: the
      customer's reply to it;
    - `answer`: the agent's written answer to this very request;
    - `third_party`: who the answer waits on, if it may (an internal note, in French like
      every note of the demo staff), and `note`: an agent's note on the file;
    - `no_reply`: why a comment needs no answer (the policy's `if_service`), if it does not;
    - `categories`: the keys of the categories the request may be filed under: `None` for
      any category that is a topic (not those of `RESERVED`), `()` for none at all.

    `{thing}` is the category's name, `{ref}` an order or file number, `{name}` the
    customer's first name, `{agent}` the agent's."""

    subject: dict[str, str]
    body: dict[str, str]
    answer: dict[str, str]
    ask: dict[str, str] | None = None
    info: dict[str, str] | None = None
    third_party: str = ""
    note: str = ""
    no_reply: str = ""
    categories: tuple[str, ...] | None = None


def fr_en(fr: str, en: str) -> dict[str, str]:
    return {"fr": fr, "en": en}


# Categories that are not a topic a customer writes "about" but a kind of request of their
# own, or no topic at all ("other"): only the stories that name them are filed there.
RESERVED = {"agent-conduct", "seller", "other"}

STORIES: dict[str, list[Story]] = {
    "question": [
        Story(
            subject=fr_en("Question au sujet de : {thing}", "Question about {thing}"),
            body=fr_en(
                "Bonjour,\n\nPourriez-vous m'expliquer comment fonctionne votre service pour « {thing} » ? Je n'ai pas trouvé la réponse sur votre site.\n\nMerci d'avance.",
                'Hello,\n\nCould you explain how your service works for "{thing}"? I could not find it on your website.\n\nThanks in advance.',
            ),
            answer=fr_en(
                "Bonjour {name},\n\nMerci pour votre question. Pour « {thing} », tout se fait depuis votre espace client : chaque étape y est expliquée, avec l'état de vos démarches en cours. Si un point reste flou, répondez simplement à ce message.\n\nBien cordialement,\n{agent}",
                'Hello {name},\n\nThank you for your question. For "{thing}", everything is done from your customer account: each step is explained there, with where your requests stand. If anything is still unclear, simply reply to this message.\n\nKind regards,\n{agent}',
            ),
        ),
        Story(
            subject=fr_en("Renseignement — {thing}", "Quick question — {thing}"),
            body=fr_en(
                "Bonjour,\n\nJ'aimerais savoir quels sont les délais habituels concernant « {thing} ».\n\nCordialement.",
                'Hi,\n\nWhat are the usual delays for "{thing}"?\n\nBest regards.',
            ),
            ask=fr_en(
                "Bonjour {name},\n\nPour vous donner le délai exact, pourriez-vous nous indiquer votre numéro de commande ou de dossier ?\n\nMerci,\n{agent}",
                "Hello {name},\n\nTo give you the exact delay, could you send us your order or file number?\n\nThank you,\n{agent}",
            ),
            info=fr_en(
                "Bonjour,\n\nMon numéro est {ref}.\n\nMerci.",
                "Hello,\n\nMy number is {ref}.\n\nThanks.",
            ),
            answer=fr_en(
                "Bonjour {name},\n\nMerci. Pour votre dossier {ref}, le délai habituel est de 3 à 5 jours ouvrables ; vous recevrez un message dès que ce sera fait.\n\nBien à vous,\n{agent}",
                "Hello {name},\n\nThank you. For your file {ref}, the usual delay is 3 to 5 business days; you will receive a message as soon as it is done.\n\nBest regards,\n{agent}",
            ),
        ),
        Story(
            subject=fr_en("Demande d'information", "Before I order"),
            body=fr_en(
                "Bonjour,\n\nQuelle est votre politique concernant « {thing} » ? Je voudrais comprendre avant de commander.\n\nBonne journée.",
                'Hello,\n\nWhat is your policy on "{thing}"? I would like to understand it before I order.\n\nHave a good day.',
            ),
            answer=fr_en(
                "Bonjour {name},\n\nNos règles pour « {thing} » sont celles de nos conditions générales, sur notre site : en résumé, rien ne vous est facturé sans votre accord, et chaque demande reçoit un numéro de suivi. Nous restons à votre disposition pour tout détail.\n\nBonne journée,\n{agent}",
                'Hello {name},\n\nOur rules for "{thing}" are those of our terms and conditions, on our website: in short, nothing is charged without your consent, and each request gets a tracking number. We remain at your disposal for any detail.\n\nHave a good day,\n{agent}',
            ),
        ),
    ],
    "comment": [
        Story(
            subject=fr_en("Un commentaire sur votre site", "A comment about your website"),
            body=fr_en(
                "Bonjour,\n\nJuste un mot : la page « {thing} » est un peu difficile à trouver. Rien d'urgent.\n\nBonne continuation.",
                'Hello,\n\nJust a note: the "{thing}" page is a bit hard to find. Nothing urgent.\n\nKeep up the good work.',
            ),
            answer=fr_en(
                "Bonjour {name},\n\nMerci pour cette remarque : nous l'avons transmise à l'équipe qui s'occupe du site, pour que la page « {thing} » soit plus facile à trouver.\n\nBonne journée,\n{agent}",
                'Hello {name},\n\nThank you for this remark: we have passed it on to the team in charge of the website, so that the "{thing}" page is easier to find.\n\nHave a good day,\n{agent}',
            ),
        ),
        Story(
            subject=fr_en("Bravo pour le nouveau site", "Well done on the new website"),
            body=fr_en(
                "Bonjour,\n\nJe voulais simplement dire que le nouveau site est bien plus agréable. Pas besoin de réponse.\n\nBonne continuation.",
                "Hello,\n\nI just wanted to say that the new website is much nicer. No need to answer.\n\nAll the best.",
            ),
            answer=fr_en(
                "Bonjour {name},\n\nMerci pour votre message : il fait plaisir à toute l'équipe.\n\nBonne journée,\n{agent}",
                "Hello {name},\n\nThank you for your message: the whole team is delighted.\n\nHave a good day,\n{agent}",
            ),
            no_reply="Simple remarque, sans demande de service : rien à traiter.",
            categories=("website", "other"),
        ),
    ],
    "compliment": [
        Story(
            subject=fr_en("Merci à votre équipe !", "Thank you to your team!"),
            body=fr_en(
                "Bonjour,\n\nJe tenais à remercier la personne qui m'a aidé pour « {thing} ». Service impeccable, rapide et aimable.\n\nBravo à toute l'équipe.",
                'Hello,\n\nI wanted to thank the person who helped me with "{thing}". Quick, friendly and efficient.\n\nWell done to the whole team.',
            ),
            answer=fr_en(
                "Bonjour {name},\n\nMerci beaucoup pour votre message ! Nous l'avons transmis à l'équipe concernée, qui sera ravie de le lire.\n\nBien cordialement,\n{agent}",
                "Hello {name},\n\nThank you very much for your message! We have passed it on to the team concerned, who will be delighted to read it.\n\nKind regards,\n{agent}",
            ),
        ),
        Story(
            subject=fr_en("Félicitations", "Congratulations"),
            body=fr_en(
                "Bonjour,\n\nTout s'est parfaitement passé, merci beaucoup. Transmettez mes félicitations à l'équipe « {thing} ».\n\nBien à vous.",
                'Hello,\n\nEverything went perfectly, thank you very much. Please pass my congratulations on to the "{thing}" team.\n\nBest wishes.',
            ),
            answer=fr_en(
                "Bonjour {name},\n\nMerci pour ces félicitations, que nous avons transmises à l'équipe « {thing} ». Au plaisir de vous aider à nouveau.\n\nBien cordialement,\n{agent}",
                'Hello {name},\n\nThank you for your congratulations, which we have passed on to the "{thing}" team. We look forward to helping you again.\n\nKind regards,\n{agent}',
            ),
        ),
    ],
    "complaint": [
        Story(
            subject=fr_en("Réclamation — {thing}", "Complaint — {thing}"),
            body=fr_en(
                "Bonjour,\n\nJe suis très mécontent : le problème concernant « {thing} » n'est toujours pas réglé malgré deux appels. Référence {ref}.\n\nJ'attends une réponse écrite.",
                'Hello,\n\nI am very unhappy: the problem with "{thing}" is still not fixed after two calls. Reference {ref}.\n\nI expect a written answer.',
            ),
            answer=fr_en(
                "Bonjour {name},\n\nNous sommes désolés que le problème concernant « {thing} » ne soit pas réglé. Nous avons repris votre dossier {ref} depuis le début : vos deux appels y sont notés, et la correction demandée n'avait pas été lancée. Elle l'est aujourd'hui, en priorité. Si cette réponse ne vous satisfait pas, dites-le-nous : votre réclamation sera réexaminée.\n\nBien cordialement,\n{agent}",
                'Hello {name},\n\nWe are sorry that the problem with "{thing}" is not fixed. We have gone through your file {ref} from the start: both your calls are recorded, and the fix you asked for had not been started. It is started today, as a priority. If this answer does not satisfy you, tell us: your complaint will be reviewed again.\n\nKind regards,\n{agent}',
            ),
            note="Client déjà venu la semaine dernière pour le même sujet.",
        ),
        Story(
            subject=fr_en("Problème non résolu ({ref})", "Unresolved problem ({ref})"),
            body=fr_en(
                "Madame, Monsieur,\n\nJe vous écris pour déposer une réclamation au sujet de « {thing} ». Le service rendu ne correspond pas à ce qui était promis.\n\nMerci de me tenir informée.",
                'Dear Sir or Madam,\n\nI am writing to complain about "{thing}". The service did not match what was promised.\n\nPlease keep me informed.',
            ),
            ask=fr_en(
                "Bonjour {name},\n\nPour examiner votre réclamation, pourriez-vous nous dire ce qui vous avait été promis et ce que vous avez reçu, avec votre numéro de dossier ?\n\nMerci,\n{agent}",
                "Hello {name},\n\nTo look into your complaint, could you tell us what you were promised and what you received, with your file number?\n\nThank you,\n{agent}",
            ),
            info=fr_en(
                "Bonjour,\n\nDossier {ref} : on m'avait promis une intervention sous 48 heures, elle a eu lieu au bout de dix jours.\n\nCordialement.",
                "Hello,\n\nFile {ref}: I was promised a visit within 48 hours; it took place after ten days.\n\nRegards.",
            ),
            answer=fr_en(
                "Bonjour {name},\n\nMerci pour ces précisions. Le délai de 48 heures figurait bien dans notre engagement pour le dossier {ref}, et il n'a pas été tenu. Nous vous proposons le remboursement des frais d'intervention. Si cette proposition ne vous convient pas, dites-le-nous : votre réclamation sera réexaminée.\n\nBien cordialement,\n{agent}",
                "Hello {name},\n\nThank you for the details. The 48-hour delay was indeed our commitment for file {ref}, and it was not kept. We offer you a refund of the call-out charge. If this offer does not suit you, tell us: your complaint will be reviewed again.\n\nKind regards,\n{agent}",
            ),
        ),
        Story(
            subject=fr_en("Erreur sur ma facture", "Wrong invoice"),
            body=fr_en(
                "Bonjour,\n\nJ'ai été débitée deux fois pour la même prestation ({ref}). Je demande le remboursement du montant prélevé en trop.\n\nCordialement.",
                "Hello,\n\nI was charged twice for the same service ({ref}). I ask for a refund of the amount taken twice.\n\nRegards.",
            ),
            answer=fr_en(
                "Bonjour {name},\n\nNous avons vérifié : deux prélèvements apparaissent bien pour {ref}. Le second est un doublon ; nous avons demandé son remboursement, que vous verrez sur votre compte sous 5 à 10 jours ouvrables. Si ce n'est pas le cas, dites-le-nous : votre réclamation sera réexaminée.\n\nToutes nos excuses,\n{agent}",
                "Hello {name},\n\nWe have checked: there are indeed two debits for {ref}. The second is a duplicate; we have asked for it to be refunded, which you will see on your account within 5 to 10 business days. If you do not, tell us: your complaint will be reviewed again.\n\nOur apologies,\n{agent}",
            ),
            note="Vérifié dans le back-office : double prélèvement confirmé.",
            categories=("billing", "payment"),
        ),
        Story(
            subject=fr_en("Commande {ref} jamais reçue", "Order {ref} never arrived"),
            body=fr_en(
                "Bonjour,\n\nMa commande {ref} devait arriver il y a une semaine et je n'ai toujours rien reçu. Le suivi n'a pas bougé depuis cinq jours.\n\nMerci de faire le nécessaire.",
                "Hello,\n\nMy order {ref} was due a week ago and I still have nothing. The tracking has not moved for five days.\n\nPlease sort it out.",
            ),
            answer=fr_en(
                "Bonjour {name},\n\nVotre colis {ref} est bloqué chez le transporteur. Nous avons ouvert une enquête auprès de lui : s'il n'est pas livré sous 48 heures, nous vous renvoyons la commande à nos frais. Si cette réponse ne vous satisfait pas, dites-le-nous : votre réclamation sera réexaminée.\n\nBien cordialement,\n{agent}",
                "Hello {name},\n\nYour parcel {ref} is stuck with the carrier. We have opened an enquiry with them: if it is not delivered within 48 hours, we will send the order again at our cost. If this answer does not satisfy you, tell us: your complaint will be reviewed again.\n\nKind regards,\n{agent}",
            ),
            third_party="Enquête ouverte auprès du transporteur : attente de sa réponse.",
            categories=("delivery", "order", "shopping"),
        ),
        Story(
            subject=fr_en(
                "Mes photos ont disparu de la galerie", "My photos are gone from the gallery"
            ),
            body=fr_en(
                "Bonjour,\n\nLes photos de mon annonce {ref} ont disparu de la galerie en ligne depuis hier, alors que mon annonce est payée jusqu'à la fin du mois.\n\nMerci de les rétablir.",
                "Hello,\n\nThe photos of my listing {ref} have been gone from the online gallery since yesterday, although the listing is paid until the end of the month.\n\nPlease put them back.",
            ),
            answer=fr_en(
                "Bonjour {name},\n\nUne mise à jour de la galerie en ligne a masqué les photos de plusieurs annonces, dont la vôtre ({ref}). Elles sont rétablies, et la durée de votre annonce est prolongée d'une semaine. Si cette réponse ne vous satisfait pas, dites-le-nous : votre réclamation sera réexaminée.\n\nBien cordialement,\n{agent}",
                "Hello {name},\n\nAn update of the online gallery hid the photos of several listings, yours ({ref}) among them. They are back, and your listing is extended by one week. If this answer does not satisfy you, tell us: your complaint will be reviewed again.\n\nKind regards,\n{agent}",
            ),
            categories=("online-gallery",),
        ),
        Story(
            subject=fr_en("Toner neuf, imprimante en erreur", "New toner, printer shows an error"),
            body=fr_en(
                "Bonjour,\n\nDepuis que j'ai installé le toner acheté chez vous ({ref}), mon imprimante affiche une erreur et n'imprime plus.\n\nC'est inadmissible pour un produit neuf.",
                "Hello,\n\nSince I installed the toner bought from you ({ref}), my printer shows an error and no longer prints.\n\nThis is not acceptable for a new product.",
            ),
            ask=fr_en(
                "Bonjour {name},\n\nPour trouver la cause, pourriez-vous nous donner le modèle de votre imprimante et le message d'erreur exact ?\n\nMerci,\n{agent}",
                "Hello {name},\n\nTo find the cause, could you give us your printer's model and the exact error message?\n\nThank you,\n{agent}",
            ),
            info=fr_en(
                "Bonjour,\n\nC'est une HP LaserJet M404, le message est « Toner non reconnu ».\n\nMerci.",
                'Hello,\n\nIt is an HP LaserJet M404; the message says "Toner not recognised".\n\nThanks.',
            ),
            answer=fr_en(
                "Bonjour {name},\n\n« Toner non reconnu » vient d'une puce mal lue sur une série de nos toners. Nous vous envoyons gratuitement un toner de remplacement, livré sous 48 heures. Si cette réponse ne vous satisfait pas, dites-le-nous : votre réclamation sera réexaminée.\n\nBien cordialement,\n{agent}",
                'Hello {name},\n\n"Toner not recognised" comes from a chip that is misread on a batch of our toners. We are sending you a replacement toner free of charge, delivered within 48 hours. If this answer does not satisfy you, tell us: your complaint will be reviewed again.\n\nKind regards,\n{agent}',
            ),
            note="Lot concerné par le défaut de puce signalé par le fournisseur.",
            categories=("technical",),
        ),
        Story(
            subject=fr_en("Plus de service depuis deux jours", "No service for two days"),
            body=fr_en(
                "Bonjour,\n\nNos téléphones ne fonctionnent plus depuis avant-hier (compte {ref}). Nous ne pouvons plus recevoir d'appels de nos clients.\n\nC'est urgent.",
                "Hello,\n\nOur phones have been down since the day before yesterday (account {ref}). We cannot take our customers' calls any more.\n\nThis is urgent.",
            ),
            answer=fr_en(
                "Bonjour {name},\n\nUne panne chez notre opérateur a touché votre secteur ; le service est rétabli depuis ce matin. Les jours sans service seront crédités sur votre prochaine facture (compte {ref}). Si cette réponse ne vous satisfait pas, dites-le-nous : votre réclamation sera réexaminée.\n\nBien cordialement,\n{agent}",
                "Hello {name},\n\nAn outage at our carrier affected your area; the service has been back since this morning. The days without service will be credited on your next bill (account {ref}). If this answer does not satisfy you, tell us: your complaint will be reviewed again.\n\nKind regards,\n{agent}",
            ),
            third_party="Incident ouvert chez l'opérateur : attente de son rapport.",
            categories=("outage",),
        ),
        Story(
            subject=fr_en("Conseiller désagréable au téléphone", "Rude adviser on the phone"),
            body=fr_en(
                "Bonjour,\n\nLors de mon appel d'hier au sujet de ma commande {ref}, le conseiller m'a coupé la parole plusieurs fois et m'a raccroché au nez.\n\nJe souhaite que ma plainte soit examinée.",
                "Hello,\n\nWhen I called yesterday about my order {ref}, the adviser kept interrupting me and then hung up on me.\n\nI want my complaint to be looked into.",
            ),
            ask=fr_en(
                "Bonjour {name},\n\nNous sommes désolés de cet échange. Pour examiner votre plainte, pourriez-vous nous indiquer l'heure de l'appel et le numéro depuis lequel vous avez appelé ?\n\nMerci,\n{agent}",
                "Hello {name},\n\nWe are sorry about that call. To look into your complaint, could you tell us the time of the call and the number you called from?\n\nThank you,\n{agent}",
            ),
            info=fr_en(
                "Bonjour,\n\nC'était vers 14 h 30, depuis mon portable.\n\nCordialement.",
                "Hello,\n\nIt was around 2:30 pm, from my mobile.\n\nRegards.",
            ),
            answer=fr_en(
                "Bonjour {name},\n\nNous avons réécouté l'appel de 14 h 30 : l'échange n'a pas été à la hauteur de ce que nous attendons de notre équipe, et le conseiller en a parlé avec sa responsable. Votre commande {ref} est traitée. Si cette réponse ne vous satisfait pas, dites-le-nous : votre plainte sera réexaminée.\n\nBien cordialement,\n{agent}",
                "Hello {name},\n\nWe have listened to the 2:30 pm call again: the conversation fell short of what we expect of our team, and the adviser has discussed it with their manager. Your order {ref} is being handled. If this answer does not satisfy you, tell us: your complaint will be reviewed again.\n\nKind regards,\n{agent}",
            ),
            categories=("agent-conduct",),
        ),
    ],
    "service_request": [
        Story(
            subject=fr_en("Changer de forfait", "Change of plan"),
            body=fr_en(
                "Bonjour,\n\nJe souhaite changer de forfait pour le compte {ref}. Pouvez-vous m'indiquer la marche à suivre ?\n\nMerci.",
                "Hello,\n\nI would like to change the plan of account {ref}. What should I do?\n\nThanks.",
            ),
            ask=fr_en(
                "Bonjour {name},\n\nBien sûr. Quel forfait souhaitez-vous, et à partir de quelle date ?\n\nMerci,\n{agent}",
                "Hello {name},\n\nOf course. Which plan would you like, and from which date?\n\nThank you,\n{agent}",
            ),
            info=fr_en(
                "Bonjour,\n\nLe forfait à 10 postes, dès le mois prochain s'il vous plaît.\n\nMerci.",
                "Hello,\n\nThe 10-line plan, from next month please.\n\nThanks.",
            ),
            answer=fr_en(
                "Bonjour {name},\n\nC'est fait : le compte {ref} passe au forfait à 10 postes au début de votre prochaine période de facturation, sans frais de changement.\n\nBien cordialement,\n{agent}",
                "Hello {name},\n\nDone: account {ref} moves to the 10-line plan at the start of your next billing period, with no change fee.\n\nKind regards,\n{agent}",
            ),
            categories=("service-change",),
        ),
        Story(
            subject=fr_en("Configurer un nouvel appareil", "Setting up a new device"),
            body=fr_en(
                "Bonjour,\n\nNous venons de recevoir un nouvel appareil (compte {ref}). Pouvez-vous nous aider à le configurer ?\n\nMerci.",
                "Hello,\n\nWe have just received a new device (account {ref}). Can you help us set it up?\n\nThanks.",
            ),
            answer=fr_en(
                "Bonjour {name},\n\nVoici la marche à suivre : branchez l'appareil, puis suivez le guide de configuration de votre espace client (rubrique « Mes appareils ») ; il est reconnu automatiquement pour le compte {ref}. Un technicien peut vous rappeler si une étape bloque.\n\nBien cordialement,\n{agent}",
                'Hello {name},\n\nHere is what to do: plug the device in, then follow the set-up guide in your customer account ("My devices"); it is recognised automatically for account {ref}. A technician can call you back if a step fails.\n\nKind regards,\n{agent}',
            ),
            categories=("configuration", "technical"),
        ),
        Story(
            subject=fr_en("Changer l'adresse de facturation", "Change of billing address"),
            body=fr_en(
                "Bonjour,\n\nNous avons déménagé : merci de changer l'adresse de facturation du compte {ref}.\n\nCordialement.",
                "Hello,\n\nWe have moved: please change the billing address of account {ref}.\n\nRegards.",
            ),
            ask=fr_en(
                "Bonjour {name},\n\nPour protéger votre compte, pourriez-vous nous confirmer la nouvelle adresse par écrit, depuis l'adresse e-mail enregistrée sur le compte ?\n\nMerci,\n{agent}",
                "Hello {name},\n\nTo protect your account, could you confirm the new address in writing, from the email address registered on the account?\n\nThank you,\n{agent}",
            ),
            info=fr_en(
                "Bonjour,\n\nJe confirme : 12 rue des Lilas, 69003 Lyon.\n\nMerci.",
                "Hello,\n\nI confirm: 12 Maple Street, Toronto ON M4B 1B3.\n\nThanks.",
            ),
            answer=fr_en(
                "Bonjour {name},\n\nL'adresse de facturation du compte {ref} est mise à jour ; votre prochaine facture la portera.\n\nBien cordialement,\n{agent}",
                "Hello {name},\n\nThe billing address of account {ref} is updated; your next bill will show it.\n\nKind regards,\n{agent}",
            ),
            categories=("account", "billing"),
        ),
        Story(
            subject=fr_en("Livraison à une autre adresse", "Delivery to another address"),
            body=fr_en(
                "Bonjour,\n\nPouvez-vous livrer ma commande {ref} à mon bureau plutôt qu'à mon domicile ?\n\nMerci.",
                "Hello,\n\nCould you deliver my order {ref} to my office instead of my home?\n\nThanks.",
            ),
            answer=fr_en(
                "Bonjour {name},\n\nC'est noté : la commande {ref} sera livrée à l'adresse de votre bureau, indiquée dans votre espace client.\n\nBien cordialement,\n{agent}",
                "Hello {name},\n\nNoted: order {ref} will be delivered to your office address, as given in your customer account.\n\nKind regards,\n{agent}",
            ),
            categories=("delivery", "order", "product"),
        ),
    ],
    "return_refund": [
        Story(
            subject=fr_en("Demande de retour — {ref}", "Return request — {ref}"),
            body=fr_en(
                "Bonjour,\n\nLe produit reçu ne convient pas. Je souhaite le retourner et être remboursé. Commande {ref}.\n\nCordialement.",
                "Hello,\n\nThe item I received is not right. I would like to return it and get a refund. Order {ref}.\n\nRegards.",
            ),
            answer=fr_en(
                "Bonjour {name},\n\nVous pouvez nous retourner le produit de la commande {ref} dans son emballage : l'étiquette de retour prépayée est dans votre espace client. Le remboursement sera fait dès réception, sous 5 jours ouvrables.\n\nBien cordialement,\n{agent}",
                "Hello {name},\n\nYou can send the item of order {ref} back in its packaging: the prepaid return label is in your customer account. The refund will be made as soon as we receive it, within 5 business days.\n\nKind regards,\n{agent}",
            ),
            categories=("returns", "order", "payment"),
        ),
        Story(
            subject=fr_en("Cartouche défectueuse", "Faulty cartridge"),
            body=fr_en(
                "Bonjour,\n\nLa cartouche reçue avec la commande {ref} laisse des traces sur chaque page. Je voudrais l'échanger.\n\nMerci.",
                "Hello,\n\nThe cartridge that came with order {ref} leaves streaks on every page. I would like to exchange it.\n\nThanks.",
            ),
            ask=fr_en(
                "Bonjour {name},\n\nPourriez-vous nous indiquer le numéro de lot imprimé sur la cartouche ?\n\nMerci,\n{agent}",
                "Hello {name},\n\nCould you give us the batch number printed on the cartridge?\n\nThank you,\n{agent}",
            ),
            info=fr_en(
                "Bonjour,\n\nLe lot est le L-2611.\n\nMerci.",
                "Hello,\n\nThe batch is L-2611.\n\nThanks.",
            ),
            answer=fr_en(
                "Bonjour {name},\n\nMerci. Le lot L-2611 a un défaut connu : nous vous envoyons une cartouche neuve, et vous n'avez pas besoin de renvoyer l'ancienne.\n\nBien cordialement,\n{agent}",
                "Hello {name},\n\nThank you. Batch L-2611 has a known defect: we are sending you a new cartridge, and you do not need to return the old one.\n\nKind regards,\n{agent}",
            ),
            categories=("returns", "product"),
        ),
    ],
    "dispute": [
        Story(
            subject=fr_en("Litige avec un vendeur", "Dispute with a seller"),
            body=fr_en(
                "Bonjour,\n\nLe vendeur ne répond plus depuis une semaine et je n'ai pas reçu ma commande {ref}. Pouvez-vous intervenir ?\n\nMerci.",
                "Hello,\n\nThe seller has not answered for a week and my order {ref} never arrived. Can you step in?\n\nThanks.",
            ),
            answer=fr_en(
                "Bonjour {name},\n\nNous avons contacté le vendeur au sujet de la commande {ref} : il a 24 heures pour nous répondre. Sans réponse de sa part, nous vous rembourserons directement.\n\nBien cordialement,\n{agent}",
                "Hello {name},\n\nWe have contacted the seller about order {ref}: they have 24 hours to answer us. If they do not, we will refund you ourselves.\n\nKind regards,\n{agent}",
            ),
            third_party="Attente de la réponse du vendeur (24 heures).",
            categories=("seller",),
        ),
        Story(
            subject=fr_en("Article non conforme", "Item not as described"),
            body=fr_en(
                "Bonjour,\n\nL'article reçu ne correspond pas à la description et le vendeur refuse le retour. Commande {ref}.\n\nCordialement.",
                "Hello,\n\nThe item I received does not match its description and the seller refuses the return. Order {ref}.\n\nRegards.",
            ),
            ask=fr_en(
                "Bonjour {name},\n\nPour défendre votre dossier auprès du vendeur, pourriez-vous nous envoyer une photo de l'article reçu ?\n\nMerci,\n{agent}",
                "Hello {name},\n\nTo make your case to the seller, could you send us a photo of the item you received?\n\nThank you,\n{agent}",
            ),
            info=fr_en(
                "Bonjour,\n\nVoici la photo : l'article est d'une autre couleur et d'une autre taille que sur l'annonce.\n\nMerci.",
                "Hello,\n\nHere is the photo: the item is in another colour and another size than in the listing.\n\nThanks.",
            ),
            answer=fr_en(
                "Bonjour {name},\n\nLa photo montre bien un article différent de l'annonce. Le vendeur doit accepter le retour de la commande {ref} : l'étiquette de retour est dans votre espace client, et vous serez remboursé dès réception.\n\nBien cordialement,\n{agent}",
                "Hello {name},\n\nThe photo does show an item other than the one in the listing. The seller must accept the return of order {ref}: the return label is in your customer account, and you will be refunded on receipt.\n\nKind regards,\n{agent}",
            ),
            third_party="Attente de l'accord du vendeur pour le retour.",
            categories=("seller",),
        ),
    ],
    "data_rights": [
        Story(
            subject=fr_en("Accès à mes données personnelles", "Access to my personal data"),
            body=fr_en(
                "Bonjour,\n\nConformément à la loi, je souhaite recevoir une copie de toutes les données personnelles que vous détenez sur moi.\n\nMerci.",
                "Hello,\n\nI would like a copy of all the personal data you hold about me.\n\nThank you.",
            ),
            answer=fr_en(
                "Bonjour {name},\n\nVous trouverez une copie de toutes les données personnelles que nous détenons sur vous dans votre espace client, rubrique « Mes données » : vos coordonnées, vos demandes et nos échanges, dans un fichier à télécharger.\n\nBien cordialement,\n{agent}",
                'Hello {name},\n\nYou will find a copy of all the personal data we hold about you in your customer account, under "My data": your contact details, your requests and our exchanges, in a file to download.\n\nKind regards,\n{agent}',
            ),
            categories=(),
        ),
        Story(
            subject=fr_en("Suppression de mes données", "Erasure of my data"),
            body=fr_en(
                "Bonjour,\n\nJe vous demande de supprimer mes données personnelles et de ne plus m'envoyer d'enquêtes.\n\nCordialement.",
                "Hello,\n\nPlease erase my personal data and stop sending me surveys.\n\nRegards.",
            ),
            ask=fr_en(
                "Bonjour {name},\n\nPour être sûrs que la demande vient bien de vous, pourriez-vous la confirmer en répondant à ce message depuis l'adresse e-mail de votre compte ?\n\nMerci,\n{agent}",
                "Hello {name},\n\nTo be sure the request comes from you, could you confirm it by replying to this message from your account's email address?\n\nThank you,\n{agent}",
            ),
            info=fr_en(
                "Bonjour,\n\nJe confirme ma demande de suppression.\n\nCordialement.",
                "Hello,\n\nI confirm my request for erasure.\n\nRegards.",
            ),
            answer=fr_en(
                "Bonjour {name},\n\nVos données personnelles sont supprimées, sauf celles que la loi nous oblige à garder (vos factures, pour la durée légale). Vous ne recevrez plus d'enquêtes de satisfaction.\n\nBien cordialement,\n{agent}",
                "Hello {name},\n\nYour personal data is erased, except what the law requires us to keep (your invoices, for the legal period). You will receive no more satisfaction surveys.\n\nKind regards,\n{agent}",
            ),
            categories=(),
        ),
    ],
}

# What the handler at a higher level writes on taking a complaint or dispute over.
LEVEL_REPLY = fr_en(
    "Bonjour {name},\n\nJe m'appelle {agent} et je reprends votre dossier au niveau « {level} ». J'ai relu tous vos échanges avec nos équipes et je vérifie chaque point avec les services concernés ; notre décision vous sera envoyée par écrit à l'issue de cet examen.\n\nBien cordialement,\n{agent}",
    'Hello {name},\n\nMy name is {agent} and I am taking over your file at the "{level}" level. I have read all your exchanges with our teams and I am checking each point with the departments concerned; our decision will be sent to you in writing at the end of this review.\n\nKind regards,\n{agent}',
)

# Why a complaint goes up a level. The customer's words, in their language, when they ask
# for it; an agent's (the staff's language) otherwise, by where it goes.
CUSTOMER_REASONS = {
    "fr": [
        "La réponse ne règle pas mon problème.",
        "Je ne suis pas d'accord avec la position de votre service.",
    ],
    "en": [
        "The answer does not solve my problem.",
        "I do not agree with your department's position.",
    ],
}
AGENT_REASONS = {
    "department": "Réclamation propre au département concerné : son enquête est nécessaire.",
    "final": "Le client conteste la position du niveau précédent : examen au niveau final.",
    "higher": "Nécessite une enquête approfondie au niveau supérieur.",
}

# The decision written to the customer with the outcome (the outcome letter quotes it), by
# outcome; each reads true after any of the answers above.
SUMMARIES = {
    "upheld": fr_en(
        "Votre réclamation est fondée : nous faisons ce que nous vous avons proposé, et nous vous présentons nos excuses.",
        "Your complaint is upheld: we are doing what we offered you, and we apologise.",
    ),
    "partly_upheld": fr_en(
        "Votre réclamation est en partie fondée : nous corrigeons ce qui relevait de notre responsabilité, comme proposé ; le reste ne dépend pas de nos services.",
        "Your complaint is partly upheld: we are putting right what was our responsibility, as offered; the rest does not depend on our services.",
    ),
    "not_upheld": fr_en(
        "Après examen complet de votre dossier, nous ne pouvons pas donner suite : le service a été rendu conformément à nos conditions. Notre proposition reste valable.",
        "After a full review of your file, we cannot take it further: the service was provided in line with our terms. Our offer still stands.",
    ),
    "unresolved": fr_en(
        "Malgré nos vérifications, nous n'avons pas pu établir l'origine du problème. Nous reviendrons vers vous si un élément nouveau apparaît.",
        "Despite our checks, we could not establish the cause of the problem. We will come back to you if anything new comes to light.",
    ),
    # The customer's own words when they withdraw.
    "withdrawn": fr_en(
        "Je retire ma réclamation : le problème s'est réglé entre-temps.",
        "I withdraw my complaint: the problem has been solved in the meantime.",
    ),
}


# The customers' opening messages, (subject, body) by contact type and language (the desk
# benchmark writes its tickets with them).
MESSAGES: dict[str, dict[str, list[tuple[str, str]]]] = {
    kind: {
        language: [(story.subject[language], story.body[language]) for story in stories]
        for language in ("fr", "en")
    }
    for kind, stories in STORIES.items()
}


@dataclass(frozen=True)
class DemoSeller:
    """A seller of Jamla24's marketplace: its names and direct contact details (what a
    customer receives when they are released), and the people who may sign in to the
    seller portal for it, (name, address). `ordinary` sellers may be named on any demo
    dispute; the others have their own stories (guichet/demo/scenes.py: strikes, a
    restriction, a termination), which their status follows."""

    name: str
    legal_name: str
    email: str
    phone: str
    address: str
    people: tuple[tuple[str, str], ...]
    ordinary: bool = True


SELLERS = [
    DemoSeller(
        "Atlas Électroménager",
        "Atlas Électroménager SARL",
        "contact@atlas-electro.example",
        "+212 5 22 48 17 30",
        "45 boulevard Zerktouni\n20040 Casablanca",
        (
            ("Youssef Berrada", "youssef.berrada@atlas-electro.example"),
            ("Salma Tazi", "salma.tazi@atlas-electro.example"),
        ),
    ),
    DemoSeller(
        "Souk Mode Casa",
        "Souk Mode Casa SARL AU",
        "vendeur@soukmode.example",
        "+212 6 61 23 45 67",
        "18 rue Souk Sebt, Derb Omar\n20250 Casablanca",
        (("Hind Lahlou", "hind.lahlou@soukmode.example"),),
    ),
    DemoSeller(
        "TechMaroc Store",
        "TechMaroc Distribution SA",
        "support@techmaroc.example",
        "+212 5 37 70 12 90",
        "7 avenue Mohammed V\n10000 Rabat",
        (
            ("Karim Idrissi", "karim.idrissi@techmaroc.example"),
            ("Leïla Bennani", "leila.bennani@techmaroc.example"),
        ),
        ordinary=False,
    ),
    DemoSeller(
        "Maison Argan",
        "Coopérative Maison Argan",
        "bonjour@maison-argan.example",
        "+212 5 24 78 33 10",
        "Route d'Essaouira, km 12\n40000 Marrakech",
        (("Fatima Aït Lahcen", "fatima@maison-argan.example"),),
    ),
    DemoSeller(
        "Riad Déco Fès",
        "Riad Déco SARL",
        "ventes@riad-deco.example",
        "+212 5 35 62 19 04",
        "3 derb Sidi Moussa, Fès el-Bali\n30110 Fès",
        (("Omar Chraïbi", "omar.chraibi@riad-deco.example"),),
        ordinary=False,
    ),
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
