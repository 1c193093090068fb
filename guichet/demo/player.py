"""Playing a scripted scene (guichet/demo/scenes.py) through the services: the ticket
opened at its moment, then each step of its script at the moment it comes, with the clock
moved there and the deadline watcher caught up before it (`Timeline`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from guichet.accounts.models import User
from guichet.brands.models import Brand
from guichet.conduct import services as conduct
from guichet.conduct.models import AbuseFlag
from guichet.contacts.models import Contact
from guichet.demo.content import SUMMARIES
from guichet.demo.scenes import (
    AskDetails,
    AskSeller,
    Close,
    Confirm,
    Decide,
    Delivered,
    FormWhileBlocked,
    PassOn,
    Pay,
    Reply,
    Returned,
    Scene,
    SellerAnswers,
    Step,
    Take,
    Write,
)
from guichet.demo.timeline import Timeline
from guichet.intake.held import hold_web_request
from guichet.lib import clock
from guichet.lib.scoping import brand_scope
from guichet.marketplace.models import Seller, SellerPerson
from guichet.tickets import services
from guichet.tickets.actors import SYSTEM, Customer, SellerParty
from guichet.tickets.choices import Direction, Status
from guichet.tickets.models import Ticket
from guichet.tickets.queries import staff_named


def play(
    scene: Scene,
    *,
    brand: Brand,
    contact: Contact,
    now: datetime,
    handler: Callable[[int], User],
    manager: User,
    sellers: dict[str, Seller],
) -> Ticket:
    """Live `scene` through the services, from its moment up to `now` (where a step would
    come later, the script stops there)."""
    received = scene.received(now, ZoneInfo(brand.timezone))
    seller = sellers.get(scene.seller) if scene.seller else None
    with clock.frozen(received) as frozen:
        time_ = Timeline(frozen, now)
        try:
            ticket = services.ticket_open(
                brand=brand,
                contact=contact,
                contact_type=scene.contact_type,
                subject=_say(scene.subject, scene, contact, None),
                text=_say(scene.body, scene, contact, None),
                channel=scene.channel,
                category=scene.category,
                language=scene.language,
                seller=seller,
            )
            time_.ticket = ticket
            if scene.staff_member:
                with brand_scope(brand):
                    agent = staff_named(brand, scene.staff_member)
                services.ticket_set_concerned_agent(
                    ticket=ticket, actor=SYSTEM, agent=agent, name=scene.staff_member
                )
                ticket.refresh_from_db()
            actor = _Actor(scene, ticket, contact, handler, manager, seller)
            for step in scene.script:
                if not time_.advance(step.after):
                    break
                actor.do(step)
                ticket.refresh_from_db()
            return ticket
        finally:
            time_.finish()


def _say(
    text: dict[str, str], scene: Scene, contact: Contact, agent: User | None, person: str = ""
) -> str:
    return text[scene.language].format(
        name=contact.name.split(" ")[0],
        agent=agent.first_name if agent else "",
        ref=scene.ref,
        person=person,
    )


@dataclass
class _Actor:
    """Does one step of a scene's script at the clock's moment."""

    scene: Scene
    ticket: Ticket
    contact: Contact
    handler: Callable[[int], User]
    manager: User
    seller: Seller | None

    def staff(self) -> User:
        """The handler of the ticket's level, who takes it first if it is not theirs."""
        user = self.handler(self.ticket.level)
        if self.ticket.assignee_id != user.pk and self.ticket.status != Status.CLOSED:
            services.ticket_assign(ticket=self.ticket, actor=user, assignee=user)
            self.ticket.refresh_from_db()
        return user

    def say(self, text: dict[str, str], agent: User | None = None, person: str = "") -> str:
        return _say(text, self.scene, self.contact, agent, person)

    def do(self, step: Step) -> None:
        ticket = self.ticket
        match step:
            case Take():
                self.staff()
            case Reply(text=text, full=full, wait=wait):
                user = self.staff()
                services.ticket_reply(
                    ticket=ticket,
                    actor=user,
                    text=self.say(text, user),
                    full_answer=full,
                    status_after=Status.WAITING_CUSTOMER if wait else None,
                )
            case Write(text=text):
                services.ticket_receive(
                    ticket=ticket, contact=self.contact, channel=ticket.channel, text=self.say(text)
                )
            case AskSeller(text=text):
                user = self.staff()
                with brand_scope(ticket.brand_id):
                    opening = ticket.messages.filter(direction=Direction.INBOUND).earliest(
                        "created_at", "pk"
                    )
                services.seller_contact(
                    ticket=ticket, actor=user, text=self.say(text, user), share=[opening]
                )
            case SellerAnswers():
                self.seller_answers(step)
            case PassOn(text=text):
                user = self.staff()
                with brand_scope(ticket.brand_id):
                    answer = ticket.messages.filter(
                        seller__isnull=False, direction=Direction.INBOUND
                    ).latest("created_at", "pk")
                services.seller_answer_share(
                    ticket=ticket, actor=user, message=answer, text=self.say(text, user)
                )
            case AskDetails():
                services.contact_release_request(ticket=ticket, actor=Customer(self.contact))
            case Delivered(days=days):
                services.ticket_record_return(
                    ticket=ticket,
                    actor=self.staff(),
                    item_received_at=ticket.created_at - timedelta(days=days),
                )
            case Returned():
                services.ticket_record_return(
                    ticket=ticket, actor=self.staff(), item_returned_at=clock.now()
                )
            case Pay(kind=kind, amount=amount, reason=reason):
                services.ticket_record_payment(
                    ticket=ticket,
                    actor=self.staff(),
                    kind=kind,
                    amount=amount,
                    reason=self.say(reason),
                )
            case Decide(status=status, reason=reason):
                assert self.seller is not None
                services.seller_set_status(
                    seller=self.seller,
                    actor=self.manager,
                    status=status,
                    reason=reason.format(ref=self.scene.ref),
                )
            case Confirm(note=note):
                user = self.staff()
                with brand_scope(ticket.brand_id):
                    flag = (
                        AbuseFlag.objects.filter(ticket=ticket, decision="").order_by("pk").last()
                    )
                if flag is None:
                    raise ValueError(f"scene {self.scene.key}: no flag to confirm")
                conduct.flag_confirm(flag=flag, actor=user, note=note)
            case FormWhileBlocked(subject=subject, text=text):
                with brand_scope(ticket.brand_id):
                    contact = Contact.objects.get(pk=self.contact.pk)
                    hold_web_request(
                        brand=ticket.brand,
                        contact=contact,
                        email=contact.primary_email,
                        name=contact.name,
                        subject=self.say(subject),
                        text=self.say(text),
                        language=self.scene.language,
                    )
            case Close(outcome=outcome):
                services.ticket_close(
                    ticket=ticket,
                    actor=self.staff(),
                    outcome=outcome or None,
                    summary=self.say(SUMMARIES[outcome]) if outcome else "",
                )

    def seller_answers(self, step: SellerAnswers) -> None:
        assert self.seller is not None
        with brand_scope(self.ticket.brand_id):
            person = list(SellerPerson.objects.filter(seller=self.seller).order_by("pk"))[
                step.person
            ]
        services.seller_receive(
            ticket=self.ticket,
            party=SellerParty(self.seller, person),
            text=self.say(step.text, person=person.name),
            channel=step.channel,
            proposal=step.proposal,
            reason=self.say(step.reason) if step.reason else "",
            amount=step.amount or None,
        )
