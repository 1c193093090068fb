"""The demo's help centre: a few sections and articles for each preset brand, in French
and English, drawn from each company's own customer-service texts (the policies the
presets come from: docs/presets.md). Written, translated and published through the help
centre's services by the brand's demo manager, with a few readings so the home's "most
read" is not empty."""

from __future__ import annotations

import random
from dataclasses import dataclass

from guichet.accounts.models import User
from guichet.brands.models import Brand
from guichet.knowledge import services
from guichet.knowledge.models import Article, Section
from guichet.lib.scoping import brand_scope


@dataclass(frozen=True)
class Text:
    title: str
    body: str


@dataclass(frozen=True)
class Entry:
    section: str
    fr: Text
    en: Text


# Per brand: its sections (key → titles), then its articles.
SECTIONS: dict[str, dict[str, dict[str, str]]] = {
    "ej": {
        "demandes": {"fr": "Vos demandes", "en": "Your requests"},
        "reclamations": {"fr": "Réclamations", "en": "Complaints"},
        "facturation": {"fr": "Facturation", "en": "Billing"},
    },
    "ivoire-toner": {
        "commandes": {"fr": "Commandes et livraison", "en": "Orders and delivery"},
        "retours": {"fr": "Retours et remboursements", "en": "Returns and refunds"},
        "donnees": {"fr": "Vos données", "en": "Your data"},
    },
    "jive": {
        "plaintes": {"fr": "Plaintes", "en": "Complaints"},
        "compte": {"fr": "Compte et facturation", "en": "Account and billing"},
    },
    "respect": {
        "equipe": {"fr": "Notre équipe et vous", "en": "Our team and you"},
        "plaintes": {"fr": "Plaintes", "en": "Complaints"},
    },
    "jamla24": {
        "litiges": {"fr": "Problèmes et litiges", "en": "Problems and disputes"},
        "vendeurs": {"fr": "Vendeurs", "en": "Sellers"},
        "contact": {"fr": "Nous joindre", "en": "Reaching us"},
    },
}

ARTICLES: dict[str, list[Entry]] = {
    "ej": [
        Entry(
            "demandes",
            Text(
                "Quand vais-je recevoir une réponse ?",
                "Votre message reçoit aussitôt un accusé de réception avec sa référence.\n\n"
                "- En semaine, nous vous répondons sous **24 heures** (jours ouvrables).\n"
                "- Le week-end, sous **72 heures**.\n"
                "- La réponse écrite complète vous parvient dans les **5 jours ouvrables**.\n\n"
                "Si nous ne pouvons pas tenir ce délai, nous vous écrivons avant la fin des "
                "5 jours pour expliquer le retard et vous dire quand la réponse arrivera.",
            ),
            Text(
                "When will I get an answer?",
                "Your message is acknowledged at once, with its reference.\n\n"
                "- On weekdays we answer within **24 hours** (working days).\n"
                "- At weekends, within **72 hours**.\n"
                "- The full written answer reaches you within **5 working days**.\n\n"
                "If we cannot keep to that, we write to you before the 5 days are over to "
                "explain the delay and say when the answer will come.",
            ),
        ),
        Entry(
            "demandes",
            Text(
                "Je ne suis pas satisfait de la réponse : que faire ?",
                "Vous pouvez demander qu’**une autre personne** reprenne votre demande : "
                "ouvrez-la depuis « Où en est ma demande ? » et choisissez « Une autre "
                "personne, s’il vous plaît ».\n\n"
                "Si la question ne peut être réglée tout de suite, nous pouvons vous "
                "demander un numéro de téléphone pour vous rappeler et trouver une solution "
                "de vive voix.",
            ),
            Text(
                "I am not satisfied with the answer: what can I do?",
                "You can ask for **another person** to take over your request: open it from "
                "“Where is my request?” and choose “Another person, please”.\n\n"
                "If the matter cannot be settled at once, we may ask for a phone number to "
                "call you back and find a solution together.",
            ),
        ),
        Entry(
            "reclamations",
            Text(
                "Comment se déroule une réclamation ?",
                "Une réclamation passe par trois niveaux au plus.\n\n"
                "1. **Le service clients** vous répond dans les 24 à 72 heures.\n"
                "2. **Le département concerné** (galerie en ligne, zone d’achats) enquête "
                "quand la question le demande ; vous savez qui s’en charge et où il en est.\n"
                "3. **Le Directeur Général** revoit la réclamation si les niveaux 1 et 2 ne "
                "vous ont pas satisfait. Sa décision est finale.\n\n"
                "Vous êtes informé **par écrit** de l’issue de votre réclamation.",
            ),
            Text(
                "How does a complaint work?",
                "A complaint goes through three levels at most.\n\n"
                "1. **Customer service** answers within 24 to 72 hours.\n"
                "2. **The department concerned** (online gallery, shopping area) investigates "
                "when the matter needs it; you are told who handles it and how it stands.\n"
                "3. **The Managing Director** reviews the complaint if levels 1 and 2 did not "
                "satisfy you. Their decision is final.\n\n"
                "You are told the outcome of your complaint **in writing**.",
            ),
        ),
        Entry(
            "facturation",
            Text(
                "J’ai été débité par erreur",
                "Signalez-le-nous avec la référence de votre réservation ou de votre achat : "
                "les problèmes de facturation sont traités **en priorité**.\n\n"
                "S’il est clair que l’erreur vient de nous, EJ **recrédite rapidement votre "
                "compte bancaire**.",
            ),
            Text(
                "I was charged by mistake",
                "Tell us, with the reference of your booking or purchase: billing problems "
                "are handled **first**.\n\n"
                "If the mistake is clearly ours, EJ **quickly credits your bank account**.",
            ),
        ),
    ],
    "ivoire-toner": [
        Entry(
            "commandes",
            Text(
                "Sous quel délai ma demande est-elle traitée ?",
                "- **Première réponse** : sous 24 heures au plus (hors week-ends et jours "
                "fériés).\n"
                "- **Demandes simples** : 90 % sont résolues en 1 à 2 jours ouvrables.\n"
                "- **Demandes complexes** (recherche approfondie, plusieurs services) : 5 à 7 "
                "jours ouvrables.\n\n"
                "Quand votre demande passe à un expert (responsable produit, expert "
                "technique), nous vous disons les étapes et les délais prévus.",
            ),
            Text(
                "How long does it take to handle my request?",
                "- **First answer**: within 24 hours at most (weekends and public holidays "
                "excepted).\n"
                "- **Simple requests**: 90% are solved within 1 to 2 working days.\n"
                "- **Complex requests** (deeper research, several departments): 5 to 7 "
                "working days.\n\n"
                "When your request goes to an expert (product manager, technical expert), we "
                "tell you the steps and the expected times.",
            ),
        ),
        Entry(
            "commandes",
            Text(
                "Que préparer avant de nous contacter ?",
                "Pour aller vite, gardez sous la main :\n\n"
                "- votre **numéro de commande** ;\n"
                "- la **référence du produit** (cartouche, toner, imprimante) ;\n"
                "- une description du problème : livraison, facturation, assistance "
                "technique…\n\n"
                "Nous vérifions ces informations pour avoir tout ce qu’il faut pour résoudre "
                "le problème dès la première réponse.",
            ),
            Text(
                "What to have ready before contacting us",
                "To go faster, keep at hand:\n\n"
                "- your **order number**;\n"
                "- the **product reference** (cartridge, toner, printer);\n"
                "- a description of the problem: delivery, billing, technical support…\n\n"
                "We check this information so that we have all we need to solve the "
                "problem in our first answer.",
            ),
        ),
        Entry(
            "retours",
            Text(
                "Comment retourner un produit ?",
                "Vous pouvez retourner ou échanger un produit après réception, si les "
                "conditions de retour sont respectées (produit non utilisé, dans son "
                "emballage).\n\n"
                "Écrivez-nous avec votre numéro de commande : nous vous indiquons comment "
                "le renvoyer. Le remboursement est fait une fois le produit reçu et vérifié.",
            ),
            Text(
                "How do I return a product?",
                "You can return or exchange a product after delivery, as long as the return "
                "conditions are met (unused product, in its packaging).\n\n"
                "Write to us with your order number: we tell you how to send it back. The "
                "refund is made once the product is received and checked.",
            ),
        ),
        Entry(
            "donnees",
            Text(
                "Quels sont mes droits sur mes données ?",
                "Vous pouvez demander à **accéder** à vos informations personnelles, à les "
                "faire **corriger** ou **supprimer** (sous réserve de nos obligations "
                "légales), à les recevoir dans un format lisible par machine "
                "(**portabilité**) et vous **opposer** à leur traitement dans certains cas.\n\n"
                "Vos informations de carte bancaire sont traitées par nos prestataires de "
                "paiement et ne sont pas conservées chez nous.",
            ),
            Text(
                "What are my rights over my data?",
                "You can ask to **access** your personal information, to have it "
                "**corrected** or **erased** (within our legal obligations), to receive it in "
                "a machine-readable format (**portability**) and to **object** to its use in "
                "some cases.\n\n"
                "Your card details are handled by our payment providers and are not kept by "
                "us.",
            ),
        ),
    ],
    "jive": [
        Entry(
            "plaintes",
            Text(
                "Comment déposer une plainte ?",
                "Notre service d’assistance traite vos plaintes comme vos demandes "
                "habituelles (changement de service, configuration, compte, facturation).\n\n"
                "- Écrivez-nous depuis le formulaire de contact ;\n"
                "- appelez le **866-671-0111** ;\n"
                "- ou écrivez au Service de traitement des plaintes (Attn: Complaints "
                "Department), GoTo, 333 Summer Street, 5th Floor, Boston, MA 02210, "
                "États-Unis.\n\n"
                "Décrivez clairement ce qui ne va pas et l’historique de la situation, avec "
                "la référence de votre dossier s’il y en a une.",
            ),
            Text(
                "How do I make a complaint?",
                "Our support team handles complaints as well as everyday requests (service "
                "changes, configuration, account, billing).\n\n"
                "- Write to us with the contact form;\n"
                "- call **866-671-0111**;\n"
                "- or write to the Complaints Department, GoTo, 333 Summer Street, 5th "
                "Floor, Boston, MA 02210, USA.\n\n"
                "Describe clearly what is wrong and how it happened, with your case "
                "reference if you have one.",
            ),
        ),
        Entry(
            "plaintes",
            Text(
                "Faire remonter une plainte à un directeur",
                "Si votre plainte n’est pas traitée de manière satisfaisante, vous pouvez la "
                "faire remonter à un **directeur senior** ou au **responsable du service "
                "d’assistance**, par les mêmes moyens que la plainte initiale. Précisez "
                "simplement que vous demandez à la faire remonter.",
            ),
            Text(
                "Taking a complaint to a senior manager",
                "If your complaint is not handled to your satisfaction, you can take it to a "
                "**senior manager** or the **support manager**, by the same means as the "
                "first complaint. Just say that you want it taken further.",
            ),
        ),
        Entry(
            "plaintes",
            Text(
                "Qu’est-ce que la CPRST ?",
                "La **Commission des plaintes relatives aux services de télécom-télévision** "
                "est un organisme indépendant et gratuit qui aide à résoudre les plaintes "
                "sur les services de téléphonie, sans fil, Internet et télévision.\n\n"
                "Tentez d’abord de régler le problème avec nous ; si cela n’aboutit pas, "
                "rendez-vous sur [ccts-cprst.ca](https://www.ccts-cprst.ca) ou appelez le "
                "1 888 221-1687 (sans frais).",
            ),
            Text(
                "What is the CCTS?",
                "The **Commission for Complaints for Telecom-television Services** is an "
                "independent, free body that helps settle complaints about phone, wireless, "
                "Internet and TV services.\n\n"
                "First try to settle the matter with us; if that does not work, go to "
                "[ccts-cprst.ca](https://www.ccts-cprst.ca) or call 1 888 221-1687 (toll "
                "free).",
            ),
        ),
        Entry(
            "compte",
            Text(
                "Pourquoi me demande-t-on de confirmer mon identité ?",
                "Avant de modifier votre compte ou d’examiner une plainte, nos conseillers "
                "peuvent vous poser quelques questions pour **confirmer votre identité**. "
                "Cela protège votre compte et nous permet souvent de résoudre le problème "
                "pendant l’appel ou la session de chat.",
            ),
            Text(
                "Why am I asked to confirm who I am?",
                "Before changing your account or looking into a complaint, our agents may "
                "ask a few questions to **confirm your identity**. This protects your "
                "account and often lets us solve the problem during the call or chat.",
            ),
        ),
    ],
    "respect": [
        Entry(
            "equipe",
            Text(
                "Ce que vous pouvez attendre de notre équipe",
                "Notre équipe est formée à nos produits, à nos politiques et à nos "
                "procédures. Vous pouvez attendre d’elle :\n\n"
                "- courtoisie et respect ;\n"
                "- un comportement professionnel ;\n"
                "- la connaissance des produits ;\n"
                "- des réponses concises et directes à vos questions.",
            ),
            Text(
                "What you can expect from our team",
                "Our team is trained in our products, policies and procedures. You can "
                "expect:\n\n"
                "- courtesy and respect;\n"
                "- professional behaviour;\n"
                "- knowledge of the products;\n"
                "- concise, direct answers to your questions.",
            ),
        ),
        Entry(
            "equipe",
            Text(
                "Pourquoi un message a-t-il été bloqué ?",
                "Nous comprenons la frustration, mais le langage agressif, abusif ou "
                "grossier, les menaces et l’intimidation ne sont pas tolérés.\n\n"
                "Notre équipe demande d’abord poliment d’y mettre fin. Si cela continue, "
                "elle peut arrêter la correspondance et les messages suivants peuvent être "
                "bloqués. Écrivez-nous calmement : votre demande sera traitée.",
            ),
            Text(
                "Why was a message blocked?",
                "We understand frustration, but aggressive, abusive or rude language, "
                "threats and intimidation are not tolerated.\n\n"
                "Our team first asks politely for it to stop. If it goes on, they may end "
                "the correspondence and further messages may be blocked. Write to us calmly: "
                "your request will be handled.",
            ),
        ),
        Entry(
            "plaintes",
            Text(
                "Se plaindre d’un membre de l’équipe",
                "Si vous pensez qu’un membre de l’équipe n’a pas répondu à nos engagements "
                "ou n’a pas suivi nos procédures, vous pouvez déposer une plainte : "
                "choisissez « Plainte au sujet d’un membre de l’équipe » dans le formulaire "
                "de contact et donnez les détails.\n\n"
                "Votre plainte est examinée par **l’équipe de direction**, qui vous écrit "
                "ses conclusions. La personne concernée ne la traite pas.",
            ),
            Text(
                "Complaining about a team member",
                "If you think a team member did not meet our commitments or did not follow "
                "our procedures, you can make a complaint: choose “Complaint about a team "
                "member” in the contact form and give the details.\n\n"
                "Your complaint is reviewed by **the management team**, who write to you "
                "with their findings. The person concerned does not handle it.",
            ),
        ),
    ],
    "jamla24": [
        Entry(
            "contact",
            Text(
                "Comment signaler un problème ?",
                "Contactez le service client de Jamla24 :\n\n"
                "- par téléphone au **+212 661 406 136** ;\n"
                "- par le **chat en direct** du site ;\n"
                "- par le formulaire de contact.\n\n"
                "Nous répondons du lundi au vendredi de 9 h à 21 h et le samedi et le "
                "dimanche de 9 h à 18 h.",
            ),
            Text(
                "How do I report a problem?",
                "Contact Jamla24’s customer service:\n\n"
                "- by phone on **+212 661 406 136**;\n"
                "- through the site’s **live chat**;\n"
                "- with the contact form.\n\n"
                "We answer Monday to Friday 9:00–21:00 and Saturday and Sunday 9:00–18:00.",
            ),
        ),
        Entry(
            "litiges",
            Text(
                "Que se passe-t-il après mon signalement ?",
                "Nous essayons de régler le problème **dès le premier contact**.\n\n"
                "1. Sans solution sous **24 heures**, l’équipe de résolution des problèmes "
                "enquête ; elle peut vous demander des informations.\n"
                "2. Vous recevez ses conclusions sous **48 heures** ; sinon, votre dossier "
                "passe automatiquement à l’équipe expérience client, dernier niveau.\n"
                "3. Nous nous engageons à tout résoudre **dans les 5 jours** suivant votre "
                "premier contact.",
            ),
            Text(
                "What happens after I report a problem?",
                "We try to solve the problem **at the first contact**.\n\n"
                "1. With no solution within **24 hours**, the problem-resolution team "
                "investigates; they may ask you for information.\n"
                "2. You get their findings within **48 hours**; otherwise your case moves "
                "automatically to the customer-experience team, the last level.\n"
                "3. We commit to solving everything **within 5 days** of your first contact.",
            ),
        ),
        Entry(
            "vendeurs",
            Text(
                "Puis-je contacter directement le vendeur ?",
                "Jamla24 contacte d’abord le vendeur pour résoudre votre plainte à votre "
                "place. Si cela n’aboutit pas, vous pouvez **demander les coordonnées "
                "directes du vendeur** depuis votre demande, dans « Où en est ma demande ? ».",
            ),
            Text(
                "Can I contact the seller directly?",
                "Jamla24 first contacts the seller to settle your complaint for you. If that "
                "does not work, you can **ask for the seller’s direct contact details** from "
                "your request, under “Where is my request?”.",
            ),
        ),
        Entry(
            "vendeurs",
            Text(
                "Et si le vendeur refuse de coopérer ?",
                "Un vendeur qui refuse de coopérer pour résoudre la plainte d’un client peut "
                "voir son **compte vendeur restreint ou résilié**. Signalez-nous tout "
                "vendeur qui ne répond pas.",
            ),
            Text(
                "What if the seller refuses to cooperate?",
                "A seller who refuses to cooperate in settling a customer’s complaint may "
                "have their **seller account restricted or closed**. Tell us about any "
                "seller who does not answer.",
            ),
        ),
    ],
}


def ensure_articles(brand: Brand, manager: User, rng: random.Random) -> int:
    """The brand's demo sections and articles, published in French and English, created
    once (nothing if the brand has articles already). Returns how many were created."""
    entries = ARTICLES.get(brand.slug)
    if not entries:
        return 0
    with brand_scope(brand):
        if Article.objects.filter(brand=brand).exists():
            return 0
        sections: dict[str, Section] = {}
        for position, (key, title) in enumerate(SECTIONS[brand.slug].items()):
            sections[key] = services.section_save(
                brand=brand, actor=manager, key=key, title=title, position=position
            )
        languages = brand.languages or [brand.default_language]
        created = 0
        for entry in entries:
            original = None
            for language in ("fr", "en"):
                if language not in languages:
                    continue
                text = entry.fr if language == "fr" else entry.en
                article = services.article_create(
                    brand=brand,
                    actor=manager,
                    section=sections[entry.section],
                    language=language,
                    title=text.title,
                    body=text.body,
                    original=original,
                )
                services.article_publish(article=article, actor=manager)
                article.refresh_from_db()
                original = original or article
                for _reading in range(rng.randint(0, 8)):
                    services.record_view(article)
                created += 1
    return created
