"""The demo's scripted requests (docs/marketplace.md): Jamla24's disputes with its sellers
in every state, Ivoire Toner's returns at each step of their deadlines, EJ's billing error
credited.

The other demo tickets are drawn at random (loader.py); these are written out, because
what they show must happen in order across tickets: a seller's third missed deadline
restricts it only after the first two. A `Scene` is one ticket: the customer's `Story`
(what they write and are told), when it came, and its `script` — steps, each some
minutes after the one before, each one service call made at its moment with the clock
moved there and the deadline watcher caught up before it (player.py). Nothing is written
behind the services' back: a seller that lets its deadline pass gets its strike from the
watcher's breach, and its restriction from the policy's threshold.

Every text is declared here, in French and English (the staff's reasons in French, like
their notes in content.py); guichet/demo/tests/test_coherence.py checks each ticket's
messages against its script.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from guichet.demo.content import fr_en
from guichet.marketplace.models import SellerStatus
from guichet.tickets.choices import Channel

# --- the steps of a script --------------------------------------------------------------------
# Each comes `after` minutes after the step before (the first, after the ticket opened).
# Staff steps are taken by the handler of the ticket's level at that moment (who takes
# the ticket first if it is not theirs), a manager's decision by the brand's manager.


@dataclass(frozen=True)
class Take:
    """The handler of the ticket's level takes it."""

    after: float


@dataclass(frozen=True)
class Reply:
    """A reply to the customer; `full` if it is the full answer, `wait` to wait on them."""

    after: float
    text: dict[str, str]
    full: bool = False
    wait: bool = False


@dataclass(frozen=True)
class Write:
    """The customer writes again."""

    after: float
    text: dict[str, str]


@dataclass(frozen=True)
class AskSeller:
    """The agent writes to the ticket's seller, showing it the customer's first message:
    the seller's deadline starts."""

    after: float
    text: dict[str, str]


@dataclass(frozen=True)
class SellerAnswers:
    """One of the seller's people answers (on the portal, or by email) and proposes a
    resolution: a refund of `amount`, a replacement, a repair, or a refusal with its
    `reason`."""

    after: float
    text: dict[str, str]
    proposal: str = ""
    reason: dict[str, str] | None = None
    amount: str = ""
    person: int = 0
    channel: str = Channel.WEB


@dataclass(frozen=True)
class PassOn:
    """The agent passes the seller's last answer on to the customer, in their own words."""

    after: float
    text: dict[str, str]


@dataclass(frozen=True)
class AskDetails:
    """The customer asks for the seller's direct contact details (the portal's button):
    given at once where the policy allows it now, else left for an agent to decide."""

    after: float


@dataclass(frozen=True)
class Delivered:
    """The agent records that the customer received the item `days` before the request:
    the return window counts from then."""

    after: float
    days: int


@dataclass(frozen=True)
class Returned:
    """The agent records that the item came back: the refund deadline starts."""

    after: float


@dataclass(frozen=True)
class Pay:
    """The agent records money paid back: a refund or a credit, with its reason."""

    after: float
    kind: str
    amount: str
    reason: dict[str, str]


@dataclass(frozen=True)
class Decide:
    """The manager changes the seller's status (terminates it), with the reason."""

    after: float
    status: str
    reason: str


@dataclass(frozen=True)
class Confirm:
    """The handler of the ticket's level confirms the ticket's last flag not decided (an
    abusive message): the policy's warning letter, or the block after the warnings."""

    after: float
    note: str


@dataclass(frozen=True)
class FormWhileBlocked:
    """The customer, blocked, writes through the contact form: held for the managers."""

    after: float
    subject: dict[str, str]
    text: dict[str, str]


@dataclass(frozen=True)
class Close:
    """The handler of the level closes the ticket, with its outcome if it is decided."""

    after: float
    outcome: str = ""


type Step = (
    Take
    | Reply
    | Write
    | AskSeller
    | SellerAnswers
    | PassOn
    | AskDetails
    | Delivered
    | Returned
    | Pay
    | Decide
    | Confirm
    | FormWhileBlocked
    | Close
)


@dataclass(frozen=True)
class Scene:
    """One scripted ticket: the customer's `subject` and `body` about order `ref`, written
    in `language`; it came `ago` before the demo's now (on that day at the local time `at`
    when given), then its `script` happened."""

    key: str
    brand: str
    contact_type: str
    category: str
    channel: str
    language: str
    ref: str
    ago: timedelta
    subject: dict[str, str]
    body: dict[str, str]
    script: tuple[Step, ...]
    at: time | None = None
    seller: str = ""
    # The team member a complaint is about, as the customer names them on the form.
    staff_member: str = ""

    def received(self, now: datetime, zone: ZoneInfo) -> datetime:
        moment = now - self.ago
        if self.at is None:
            return moment
        return datetime.combine(moment.astimezone(zone).date(), self.at, zone)

    def texts(self) -> list[dict[str, str]]:
        """Every message its script writes, in order."""
        return [
            step.text
            for step in self.script
            if isinstance(step, Reply | Write | AskSeller | SellerAnswers | PassOn)
        ]


# --- Jamla24 -----------------------------------------------------------------------------------

# The agent to the seller, and to the customer once the seller is asked.
TO_SELLER = fr_en(
    "Bonjour,\n\nUn client de Jamla24 nous signale un problème avec la commande {ref} ; son message est joint. Pouvez-vous nous dire sous 24 heures ce que vous proposez : remboursement, remplacement ou réparation ?\n\nCordialement,\n{agent}, service client Jamla24",
    "Hello,\n\nA Jamla24 customer reports a problem with order {ref}; their message is attached. Could you tell us within 24 hours what you propose: a refund, a replacement or a repair?\n\nRegards,\n{agent}, Jamla24 customer service",
)
SELLER_ASKED = fr_en(
    "Bonjour {name},\n\nNous avons écrit au vendeur au sujet de la commande {ref} : il a 24 heures pour nous répondre. Nous revenons vers vous dès que nous avons sa réponse, ou à l'échéance s'il ne répond pas.\n\nBien cordialement,\n{agent}",
    "Hello {name},\n\nWe have written to the seller about order {ref}: they have 24 hours to answer us. We will come back to you as soon as we have their answer, or when the time is up if they do not answer.\n\nKind regards,\n{agent}",
)
_ASKED: tuple[Step, ...] = (Take(15), AskSeller(25, TO_SELLER), Reply(10, SELLER_ASKED))


def _refund_reason(what: str, ce: str) -> dict[str, str]:
    """Why money was paid back, as the customer's letter says it."""
    return fr_en(f"Remboursement {ce} (commande {{ref}})", f"Refund of {what} (order {{ref}})")


def _unanswered(amount: tuple[str, str, str], what: tuple[str, str]) -> tuple[Step, ...]:
    """The seller lets its deadline pass (the watcher's strike); two hours later Jamla24
    refunds the customer itself, as it promised, and closes: `amount` is (the decimal,
    in French, in English), `what` the item (in English, in French)."""
    decimal, french, english = amount
    answer = fr_en(
        "Bonjour {name},\n\nLe vendeur n'a pas répondu dans les 24 heures. Comme promis, Jamla24 vous rembourse directement la commande {ref} : "
        + french
        + " sur votre moyen de paiement, sous 3 à 5 jours ouvrables. Le manquement du vendeur est enregistré.\n\nBien cordialement,\n{agent}",
        "Hello {name},\n\nThe seller did not answer within 24 hours. As promised, Jamla24 refunds order {ref} to you directly: "
        + english
        + " to your means of payment, within 3 to 5 business days. The seller's failure is recorded.\n\nKind regards,\n{agent}",
    )
    return (
        *_ASKED,
        Reply(26 * 60, answer, full=True),
        Pay(10, "refund", decimal, _refund_reason(*what)),
        Close(15, "upheld"),
    )


_REFUND_OFFERED = fr_en(
    "Bonjour {name},\n\nLe vendeur Atlas Électroménager reconnaît le dommage et propose de vous rembourser intégralement la commande {ref}, soit 1 290 MAD ; vous pouvez garder l'appareil. Le remboursement est lancé aujourd'hui.\n\nBien cordialement,\n{agent}",
    "Hello {name},\n\nThe seller Atlas Électroménager acknowledges the damage and offers to refund order {ref} in full, MAD 1,290; you may keep the appliance. The refund starts today.\n\nKind regards,\n{agent}",
)
_REFUSAL_PASSED_ON = fr_en(
    "Bonjour {name},\n\nLe vendeur Maison Argan refuse le retour de la commande {ref} : selon lui, les flacons étaient scellés au départ et la livraison a été signée sans réserve. Notre équipe de résolution des problèmes examine votre dossier et vous répondra dans les 48 heures suivant votre premier contact. Vous pouvez aussi nous demander les coordonnées du vendeur pour régler la question directement.\n\nBien cordialement,\n{agent}",
    "Hello {name},\n\nThe seller Maison Argan refuses the return of order {ref}: it says the bottles were sealed when they left and the delivery was signed without reservation. Our problem-resolution team is looking into your case and will answer within 48 hours of your first contact. You may also ask us for the seller's contact details to settle it directly.\n\nKind regards,\n{agent}",
)
_COUNTERFEIT = fr_en(
    "Bonjour {name},\n\nNotre enquête confirme que le tapis de la commande {ref} est tissé à la machine, contrairement à l'annonce. Le compte du vendeur Riad Déco Fès est résilié, et Jamla24 vous rembourse directement : 2 400 MAD sur votre moyen de paiement, sous 3 à 5 jours ouvrables.\n\nBien cordialement,\n{agent}",
    "Hello {name},\n\nOur investigation confirms that the rug of order {ref} is machine-woven, unlike the listing. The seller Riad Déco Fès's account is terminated, and Jamla24 refunds you directly: MAD 2,400 to your means of payment, within 3 to 5 business days.\n\nKind regards,\n{agent}",
)


def _jamla24() -> list[Scene]:
    return [
        # TechMaroc Store lets three deadlines pass in seven weeks: the third restricts it.
        Scene(
            key="strike-1",
            brand="jamla24",
            contact_type="dispute",
            category="seller",
            channel=Channel.WEB,
            language="fr",
            ref="JM-R51873",
            ago=timedelta(days=52),
            at=time(10, 20),
            seller="TechMaroc Store",
            subject=fr_en("Smartphone jamais livré — {ref}", "Smartphone never delivered — {ref}"),
            body=fr_en(
                "Bonjour,\n\nJ'ai commandé un smartphone chez TechMaroc Store (commande {ref}) il y a trois semaines. Rien n'est arrivé et le vendeur ne répond pas à mes messages.\n\nMerci de m'aider.",
                "Hello,\n\nI ordered a smartphone from TechMaroc Store (order {ref}) three weeks ago. Nothing has arrived and the seller does not answer my messages.\n\nPlease help.",
            ),
            script=_unanswered(
                ("2499.00", "2 499 MAD", "MAD 2,499"), ("the smartphone", "du smartphone")
            ),
        ),
        Scene(
            key="strike-2",
            brand="jamla24",
            contact_type="dispute",
            category="seller",
            channel=Channel.EMAIL,
            language="en",
            ref="JM-R52644",
            ago=timedelta(days=31),
            at=time(15, 5),
            seller="TechMaroc Store",
            subject=fr_en(
                "Mauvais chargeur pour mon ordinateur — {ref}",
                "Wrong charger for my laptop — {ref}",
            ),
            body=fr_en(
                "Bonjour,\n\nLe chargeur reçu de TechMaroc Store avec la commande {ref} ne correspond pas à mon ordinateur, contrairement à ce que disait l'annonce. Le vendeur ne répond pas.\n\nCordialement.",
                "Hello,\n\nThe charger I received from TechMaroc Store with order {ref} does not fit my laptop, although the listing said it would. The seller does not answer.\n\nRegards.",
            ),
            script=_unanswered(("349.00", "349 MAD", "MAD 349"), ("the charger", "du chargeur")),
        ),
        # Its deadline passes about five hours before now: the third strike, and the
        # restriction, on this ticket still open.
        Scene(
            key="restricted",
            brand="jamla24",
            contact_type="dispute",
            category="seller",
            channel=Channel.WEB,
            language="fr",
            ref="JM-R53310",
            ago=timedelta(hours=30),
            seller="TechMaroc Store",
            subject=fr_en("Casque reçu cassé — {ref}", "Headphones arrived broken — {ref}"),
            body=fr_en(
                "Bonjour,\n\nLe casque de la commande {ref}, vendu par TechMaroc Store, est arrivé avec l'arceau cassé. J'ai écrit au vendeur, sans réponse.\n\nMerci.",
                "Hello,\n\nThe headphones of order {ref}, sold by TechMaroc Store, arrived with the headband broken. I wrote to the seller, with no answer.\n\nThanks.",
            ),
            script=_ASKED,
        ),
        # Atlas Électroménager answers within hours and proposes a refund.
        Scene(
            key="refund",
            brand="jamla24",
            contact_type="dispute",
            category="seller",
            channel=Channel.WEB,
            language="fr",
            ref="JM-R47102",
            ago=timedelta(days=20),
            at=time(11, 40),
            seller="Atlas Électroménager",
            subject=fr_en("Micro-ondes arrivé cabossé — {ref}", "Microwave arrived dented — {ref}"),
            body=fr_en(
                "Bonjour,\n\nLe micro-ondes de ma commande {ref}, vendu par Atlas Électroménager, est arrivé avec la porte cabossée. Je souhaite être remboursée.\n\nMerci.",
                "Hello,\n\nThe microwave of my order {ref}, sold by Atlas Électroménager, arrived with its door dented. I would like a refund.\n\nThanks.",
            ),
            script=(
                *_ASKED,
                SellerAnswers(
                    4 * 60,
                    fr_en(
                        "Bonjour,\n\nNous sommes désolés pour ce colis. Nous proposons le remboursement intégral de la commande {ref}, soit 1 290 MAD ; le client peut garder l'appareil.\n\nCordialement,\n{person}, Atlas Électroménager",
                        "Hello,\n\nWe are sorry about this parcel. We offer a full refund of order {ref}, MAD 1,290; the customer may keep the appliance.\n\nRegards,\n{person}, Atlas Électroménager",
                    ),
                    proposal="refund",
                    amount="1290.00",
                ),
                PassOn(50, _REFUND_OFFERED),
                Pay(30, "refund", "1290.00", _refund_reason("the microwave", "du micro-ondes")),
                Close(15, "upheld"),
            ),
        ),
        # Souk Mode Casa lets its deadline pass once: one strike.
        Scene(
            key="missed",
            brand="jamla24",
            contact_type="dispute",
            category="seller",
            channel=Channel.EMAIL,
            language="en",
            ref="JM-R49935",
            ago=timedelta(days=6),
            at=time(9, 50),
            seller="Souk Mode Casa",
            subject=fr_en("Robe jamais arrivée — {ref}", "Dress never arrived — {ref}"),
            body=fr_en(
                "Bonjour,\n\nLa robe de la commande {ref}, achetée chez Souk Mode Casa, devait arriver il y a dix jours. Le suivi ne bouge plus.\n\nMerci d'intervenir.",
                "Hello,\n\nThe dress of order {ref}, bought from Souk Mode Casa, was due ten days ago. The tracking has stopped moving.\n\nPlease step in.",
            ),
            script=_unanswered(("450.00", "450 MAD", "MAD 450"), ("the dress", "de la robe")),
        ),
        # Riad Déco Fès refuses; escalated by time at 24 and 48 hours, the case reaches
        # the customer-experience team; the manager terminates the seller and Jamla24
        # refunds the customer.
        Scene(
            key="terminated",
            brand="jamla24",
            contact_type="dispute",
            category="seller",
            channel=Channel.WEB,
            language="fr",
            ref="JM-R50418",
            ago=timedelta(days=9),
            at=time(10, 30),
            seller="Riad Déco Fès",
            subject=fr_en(
                "Tapis « fait main » tissé à la machine — {ref}",
                "“Handmade” rug woven by machine — {ref}",
            ),
            body=fr_en(
                "Bonjour,\n\nLe tapis berbère de la commande {ref}, vendu par Riad Déco Fès comme « fait main », est tissé à la machine : l'envers le montre clairement. Je demande le remboursement.\n\nCordialement.",
                "Hello,\n\nThe Berber rug of order {ref}, sold by Riad Déco Fès as “handmade”, is machine-woven: the back shows it clearly. I ask for a refund.\n\nRegards.",
            ),
            script=(
                *_ASKED,
                SellerAnswers(
                    5 * 60,
                    fr_en(
                        "Bonjour,\n\nNous refusons ce retour : nos tapis sont authentiques.\n\n{person}, Riad Déco Fès",
                        "Hello,\n\nWe refuse this return: our rugs are genuine.\n\n{person}, Riad Déco Fès",
                    ),
                    proposal="refusal",
                    reason=fr_en(
                        "Le tapis est authentique et fait main dans notre atelier.",
                        "The rug is genuine and handmade in our workshop.",
                    ),
                    channel=Channel.EMAIL,
                ),
                Decide(
                    50 * 60,
                    SellerStatus.TERMINATED,
                    "Tapis tissés à la machine vendus comme « faits main » (enquête sur le "
                    "litige de la commande {ref}) ; le vendeur refuse tout remboursement.",
                ),
                Reply(30, _COUNTERFEIT, full=True),
                Pay(10, "refund", "2400.00", _refund_reason("the rug", "du tapis")),
                Close(15, "upheld"),
            ),
        ),
        # Maison Argan refuses, with its reason; the customer has its details at once.
        Scene(
            key="refusal",
            brand="jamla24",
            contact_type="dispute",
            category="seller",
            channel=Channel.WEB,
            language="en",
            ref="JM-R53027",
            ago=timedelta(hours=22),
            seller="Maison Argan",
            subject=fr_en(
                "Coffret d'huile d'argan qui fuit — {ref}", "Argan oil set leaking — {ref}"
            ),
            body=fr_en(
                "Bonjour,\n\nLe coffret d'huile d'argan de la commande {ref}, vendu par Maison Argan, est arrivé avec deux flacons qui fuient. Le vendeur refuse de le reprendre. Je voudrais être remboursée.\n\nMerci.",
                "Hello,\n\nThe argan oil gift set of order {ref}, sold by Maison Argan, arrived with two bottles leaking. The seller refuses to take it back. I would like a refund.\n\nThanks.",
            ),
            script=(
                *_ASKED,
                SellerAnswers(
                    3 * 60,
                    fr_en(
                        "Bonjour,\n\nNous ne pouvons pas reprendre ce coffret.\n\n{person}, Maison Argan",
                        "Hello,\n\nWe cannot take this set back.\n\n{person}, Maison Argan",
                    ),
                    proposal="refusal",
                    reason=fr_en(
                        "Les flacons étaient scellés au départ de notre atelier et la livraison a été signée sans réserve.",
                        "The bottles were sealed when they left our workshop and the delivery was signed without reservation.",
                    ),
                    channel=Channel.EMAIL,
                ),
                PassOn(60, _REFUSAL_PASSED_ON),
                AskDetails(2 * 60),
            ),
        ),
        # Atlas Électroménager was asked a few hours ago: its deadline runs, and the
        # customer's request for its details waits for an agent.
        Scene(
            key="asked",
            brand="jamla24",
            contact_type="dispute",
            category="seller",
            channel=Channel.WEB,
            language="fr",
            ref="JM-R53391",
            ago=timedelta(hours=4),
            seller="Atlas Électroménager",
            subject=fr_en(
                "Aspirateur livré sans ses accessoires — {ref}",
                "Vacuum cleaner delivered without its accessories — {ref}",
            ),
            body=fr_en(
                "Bonjour,\n\nL'aspirateur de la commande {ref}, vendu par Atlas Électroménager, est arrivé sans ses brosses ni son tuyau. Pouvez-vous voir avec le vendeur ?\n\nMerci.",
                "Hello,\n\nThe vacuum cleaner of order {ref}, sold by Atlas Électroménager, arrived without its brushes or its hose. Could you check with the seller?\n\nThanks.",
            ),
            script=(*_ASKED, AskDetails(2 * 60)),
        ),
    ]


# --- Ivoire Toner ---------------------------------------------------------------------------

# The return instructions ask the customer to say when the parcel left; their answer.
_HOW_TO_RETURN = fr_en(
    "Bonjour {name},\n\nVous pouvez nous retourner l'article de la commande {ref} dans son emballage, dans les 14 jours qui suivent sa livraison : l'étiquette de retour prépayée est dans votre espace client. Dites-nous quand le colis est parti ; le remboursement suit sa réception, sous 14 jours.\n\nBien cordialement,\n{agent}",
    "Hello {name},\n\nYou can send the item of order {ref} back in its packaging within 14 days of its delivery: the prepaid return label is in your customer account. Tell us when the parcel has left; the refund follows its receipt, within 14 days.\n\nKind regards,\n{agent}",
)
_SENT_BACK = fr_en(
    "Bonjour,\n\nLe colis est parti ce matin avec l'étiquette prépayée.\n\nMerci.",
    "Hello,\n\nThe parcel left this morning with the prepaid label.\n\nThanks.",
)
_INSTRUCTED: tuple[Step, ...] = (
    Take(25),
    Delivered(5, days=1),
    Reply(10, _HOW_TO_RETURN, wait=True),
)


def _ivoire_toner() -> list[Scene]:
    return [
        # Delivered the day before the request: the return window runs.
        Scene(
            key="return-window",
            brand="ivoire-toner",
            contact_type="return_refund",
            category="returns",
            channel=Channel.WEB,
            language="fr",
            ref="CMD-2026-004387",
            ago=timedelta(days=2),
            at=time(9, 40),
            subject=fr_en("Retour d'une imprimante — {ref}", "Returning a printer — {ref}"),
            body=fr_en(
                "Bonjour,\n\nL'imprimante de la commande {ref}, livrée hier, est trop grande pour mon bureau. Je souhaite la retourner et être remboursée.\n\nCordialement.",
                "Hello,\n\nThe printer of order {ref}, delivered yesterday, is too big for my office. I would like to return it for a refund.\n\nRegards.",
            ),
            script=_INSTRUCTED,
        ),
        # The toner came back a week ago: the refund is due within 14 days of that.
        Scene(
            key="refund-due",
            brand="ivoire-toner",
            contact_type="return_refund",
            category="returns",
            channel=Channel.WEB,
            language="en",
            ref="CMD-2026-004122",
            ago=timedelta(days=12),
            at=time(14, 10),
            subject=fr_en("Retour d'un toner — {ref}", "Returning a toner — {ref}"),
            body=fr_en(
                "Bonjour,\n\nJ'ai commandé le mauvais toner (commande {ref}, livrée hier) ; la boîte n'est pas ouverte. Je souhaite le renvoyer et être remboursé.\n\nCordialement.",
                "Hello,\n\nI ordered the wrong toner (order {ref}, delivered yesterday); the box is unopened. I would like to send it back for a refund.\n\nRegards.",
            ),
            script=(
                *_INSTRUCTED,
                Write(3 * 24 * 60, _SENT_BACK),
                Returned(2 * 24 * 60),
                Reply(
                    10,
                    fr_en(
                        "Bonjour {name},\n\nNous avons bien reçu le toner de la commande {ref}, non ouvert. Le remboursement sera fait dans les 14 jours qui suivent son retour ; un message vous le confirmera.\n\nBien cordialement,\n{agent}",
                        "Hello {name},\n\nWe have received the toner of order {ref}, unopened. The refund will be made within 14 days of its return; a message will confirm it.\n\nKind regards,\n{agent}",
                    ),
                    full=True,
                ),
            ),
        ),
        # Returned and refunded within the deadlines, then closed.
        Scene(
            key="refunded",
            brand="ivoire-toner",
            contact_type="return_refund",
            category="returns",
            channel=Channel.WEB,
            language="fr",
            ref="CMD-2026-003760",
            ago=timedelta(days=30),
            at=time(10, 0),
            subject=fr_en(
                "Cartouche commandée en double — {ref}", "Cartridge ordered twice — {ref}"
            ),
            body=fr_en(
                "Bonjour,\n\nJ'ai commandé par erreur deux cartouches identiques (commande {ref}, livrée hier). Je souhaite en retourner une, encore scellée, et être remboursé.\n\nMerci.",
                "Hello,\n\nI ordered two identical cartridges by mistake (order {ref}, delivered yesterday). I would like to return one, still sealed, for a refund.\n\nThanks.",
            ),
            script=(
                *_INSTRUCTED,
                Write(2 * 24 * 60, _SENT_BACK),
                Returned(3 * 24 * 60),
                Pay(
                    2 * 24 * 60,
                    "refund",
                    "18500.00",
                    _refund_reason("a cartridge", "d'une cartouche"),
                ),
                Reply(
                    10,
                    fr_en(
                        "Bonjour {name},\n\nNous avons reçu la cartouche de la commande {ref}, scellée, et vous avons remboursé 18 500 F CFA.\n\nBien cordialement,\n{agent}",
                        "Hello {name},\n\nWe have received the cartridge of order {ref}, sealed, and refunded you XOF 18,500.\n\nKind regards,\n{agent}",
                    ),
                    full=True,
                ),
                Close(30),
            ),
        ),
    ]


# --- EJ --------------------------------------------------------------------------------------

_CREDITED = fr_en(
    "Bonjour {name},\n\nVous avez raison : l'assurance voyage a été ajoutée par erreur à la réservation {ref}. Nous avons crédité 8 500 JMD sur votre compte client, déduits de votre prochain paiement. Si ce n'est pas le cas, dites-le-nous : votre réclamation sera réexaminée.\n\nToutes nos excuses,\n{agent}",
    "Hello {name},\n\nYou are right: the travel insurance was added to booking {ref} by mistake. We have credited JMD 8,500 to your customer account, taken off your next payment. If it is not, tell us: your complaint will be reviewed again.\n\nOur apologies,\n{agent}",
)


def _ej() -> list[Scene]:
    return [
        # A billing error, credited.
        Scene(
            key="credit",
            brand="ej",
            contact_type="complaint",
            category="billing",
            channel=Channel.EMAIL,
            language="en",
            ref="EJ-R30581",
            ago=timedelta(days=15),
            at=time(11, 0),
            subject=fr_en(
                "Assurance facturée sans mon accord — {ref}",
                "Charged for insurance I did not choose — {ref}",
            ),
            body=fr_en(
                "Bonjour,\n\nMa facture pour la réservation {ref} comprend une assurance voyage que je n'ai jamais choisie. Merci de la retirer et de me rembourser.\n\nCordialement.",
                "Hello,\n\nMy invoice for booking {ref} includes travel insurance I never chose. Please remove it and pay me back.\n\nRegards.",
            ),
            script=(
                Take(30),
                Reply(3 * 60, _CREDITED, full=True),
                Pay(
                    5,
                    "credit",
                    "8500.00",
                    fr_en(
                        "Erreur de facturation : assurance voyage facturée sans avoir été choisie (réservation {ref})",
                        "Billing error: travel insurance charged without being chosen (booking {ref})",
                    ),
                ),
                Close(20, "upheld"),
            ),
        ),
    ]


# --- Respect ---------------------------------------------------------------------------------

_APOLOGY = fr_en(
    "Bonjour,\n\nJe m'excuse pour mon message, j'étais à bout. Pouvez-vous me dire où en est ma commande {ref} ?\n\nCordialement.",
    "Hello,\n\nI apologise for my message, I was at the end of my tether. Can you tell me where my order {ref} is?\n\nRegards.",
)
_FOUND = fr_en(
    "Bonjour {name},\n\nMerci pour votre message. Votre commande {ref} était bloquée au dépôt du transporteur ; elle repart aujourd'hui et vous sera livrée sous 48 heures. Nous vous prions de nous excuser pour ce retard.\n\nBien cordialement,\n{agent}",
    "Hello {name},\n\nThank you for your message. Your order {ref} was held at the carrier's depot; it leaves today and will reach you within 48 hours. We apologise for the delay.\n\nKind regards,\n{agent}",
)
_LOOKING = fr_en(
    "Bonjour {name},\n\nNous avons bien reçu votre message au sujet de la commande {ref} et nous vérifions le suivi auprès du transporteur.\n\nCordialement,\n{agent}",
    "Hello {name},\n\nWe have received your message about order {ref} and are checking the tracking with the carrier.\n\nRegards,\n{agent}",
)


def _respect() -> list[Scene]:
    return [
        # An insult confirmed: one polite warning (the policy's one), an apology, an answer.
        Scene(
            key="warned",
            brand="respect",
            contact_type="complaint",
            category="order",
            channel=Channel.EMAIL,
            language="fr",
            ref="RC-40112",
            ago=timedelta(days=12),
            at=time(10, 15),
            subject=fr_en("Commande {ref} toujours pas arrivée", "Order {ref} still not here"),
            body=fr_en(
                "Bande de connards, ça fait trois semaines que j'attends ma commande {ref} et personne ne répond !",
                "You bunch of idiots, I have been waiting three weeks for order {ref} and nobody answers!",
            ),
            script=(
                Take(20),
                Confirm(
                    5, "Insulte envers l'équipe dans le premier message : avertissement envoyé."
                ),
                Write(3 * 60, _APOLOGY),
                Reply(45, _FOUND, full=True),
                Close(30, "upheld"),
            ),
        ),
        # Warned, then a threat: the customer is blocked; their next form is held.
        Scene(
            key="blocked",
            brand="respect",
            contact_type="complaint",
            category="product",
            channel=Channel.EMAIL,
            language="fr",
            ref="RC-40187",
            ago=timedelta(days=6),
            at=time(14, 40),
            subject=fr_en("Produit défectueux {ref}", "Faulty product {ref}"),
            body=fr_en(
                "Votre produit {ref} est cassé, vous êtes vraiment des abrutis.",
                "Your product {ref} is broken, you really are morons.",
            ),
            script=(
                Take(25),
                Confirm(5, "Insulte envers l'équipe : avertissement envoyé."),
                Reply(
                    15,
                    fr_en(
                        "Bonjour {name},\n\nNous sommes désolés que le produit {ref} soit arrivé cassé. Pouvez-vous nous envoyer une photo du défaut ? Nous vous proposerons ensuite un remplacement.\n\nCordialement,\n{agent}",
                        "Hello {name},\n\nWe are sorry that product {ref} arrived broken. Could you send us a photo of the fault? We will then offer you a replacement.\n\nRegards,\n{agent}",
                    ),
                ),
                Write(
                    105,
                    fr_en(
                        "Je sais où vous trouver, je vais vous faire regretter ça.",
                        "I know where to find you, I will make you regret this.",
                    ),
                ),
                Confirm(30, "Menace : confirmée par la direction."),
                FormWhileBlocked(
                    24 * 60,
                    fr_en("Réclamation {ref}", "Complaint {ref}"),
                    fr_en(
                        "Bonjour, je voudrais tout de même que le produit {ref} soit remplacé.",
                        "Hello, I would still like product {ref} to be replaced.",
                    ),
                ),
            ),
        ),
        # An insult detected this morning, waiting for an agent's decision.
        Scene(
            key="pending",
            brand="respect",
            contact_type="complaint",
            category="order",
            channel=Channel.WEB,
            language="en",
            ref="RC-40230",
            ago=timedelta(hours=3),
            subject=fr_en("Où est ma commande {ref} ?", "Where is my order {ref}?"),
            body=fr_en(
                "Espèces d'incapables, ma commande {ref} devait arriver lundi.",
                "You useless idiots, my order {ref} was due on Monday.",
            ),
            script=(Take(30), Reply(10, _LOOKING, wait=True)),
        ),
        # A complaint about Camille (respect-agent), named on the form: management decides.
        Scene(
            key="about-agent",
            brand="respect",
            contact_type="complaint",
            category="agent-conduct",
            channel=Channel.WEB,
            language="fr",
            ref="RC-40201",
            ago=timedelta(days=2),
            at=time(9, 30),
            subject=fr_en("Plainte au sujet d'une conseillère", "Complaint about an adviser"),
            body=fr_en(
                "Bonjour,\n\nLors de mon appel au sujet de la commande {ref}, la conseillère Camille m'a parlé sèchement et a refusé de noter ma réclamation.\n\nJe souhaite que la direction examine ma plainte.",
                "Hello,\n\nWhen I called about order {ref}, the adviser Camille spoke to me curtly and refused to record my complaint.\n\nI want the management to look into my complaint.",
            ),
            staff_member="Camille",
            script=(
                Take(60),
                Reply(
                    20,
                    fr_en(
                        "Bonjour {name},\n\nVotre plainte est examinée par la direction. Nous réécoutons l'appel et vous écrirons nos conclusions sous 10 jours ouvrables.\n\nBien cordialement,\n{agent}",
                        "Hello {name},\n\nYour complaint is being reviewed by the management. We are listening to the call again and will write to you with our conclusions within 10 business days.\n\nKind regards,\n{agent}",
                    ),
                ),
            ),
        ),
    ]


SCENES: list[Scene] = [*_jamla24(), *_ivoire_toner(), *_ej(), *_respect()]
