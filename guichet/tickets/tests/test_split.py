"""Splitting: a customer's message that raises another matter becomes a ticket of its own,
opened like any new request and linked to the first."""

from email.message import EmailMessage

import pytest
from django.core.exceptions import PermissionDenied

from guichet.conftest import last
from guichet.intake.email import ingest
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.notify.models import OutboundEmail
from guichet.sla.models import Deadline
from guichet.tickets import services
from guichet.tickets.attachments import attachment_store
from guichet.tickets.choices import Direction, Status, Verb
from guichet.tickets.models import LinkKind, Message, TicketLink

pytestmark = pytest.mark.django_db


def another_matter(world, **extra):
    return services.ticket_receive(
        ticket=world.ticket,
        contact=world.customer,
        text="Autre chose : ma valise n'est jamais arrivée.",
        channel="email",
        **extra,
    )


def running(ticket):
    with brand_scope(ticket.brand_id):
        return {
            row.kind: row.due_at
            for row in Deadline.objects.filter(
                ticket=ticket, met_at__isnull=True, cancelled_at__isnull=True
            )
        }


def test_a_customer_message_becomes_a_new_ticket_of_the_same_customer(world, frozen_clock):
    attachment = attachment_store(brand=world.ej, filename="etiquette.jpg", content=b"\xff\xd8")
    message = another_matter(world, attachments=[attachment])
    frozen_clock.advance(hours=3)

    new = services.ticket_split(
        ticket=world.ticket, message=message, actor=world.agent, subject="Valise perdue"
    )

    assert new.pk != world.ticket.pk and new.reference != world.ticket.reference
    assert (new.contact, new.contact_type, new.category, new.language, new.channel) == (
        world.customer,
        "complaint",
        "billing",
        "fr",
        "email",
    )
    assert new.subject == "Valise perdue" and new.level == 1 and new.status == Status.NEW
    assert new.created_at == frozen_clock.now()
    with brand_scope(world.ej):
        message.refresh_from_db()
        attachment.refresh_from_db()
        assert message.ticket_id == new.pk and attachment.message_id == message.pk
        assert not Message.objects.filter(ticket=world.ticket, pk=message.pk).exists()
        link = TicketLink.objects.get(source=new, target=world.ticket)
        # Like any new ticket, it is acknowledged in the customer's language.
        ack = OutboundEmail.objects.get(ticket=new, automatic=True)
    assert link.kind == LinkKind.SPLIT
    assert ack.subject == f"[{new.reference}] Nous avons bien reçu votre demande"
    opened = last(new, Verb.OPENED)
    assert opened.message_id == message.pk and opened.actor_user == world.agent
    assert last(world.ticket, Verb.SPLIT).data == {"to": new.reference, "message": message.pk}
    assert last(new, Verb.SPLIT_FROM).data == {
        "from": world.ticket.reference,
        "message": message.pk,
    }


def test_the_new_ticket_has_its_own_deadlines_from_the_split(world, frozen_clock):
    message = another_matter(world)
    first = running(world.ticket)
    frozen_clock.advance(hours=4)
    new = services.ticket_split(ticket=world.ticket, message=message, actor=world.agent)
    deadlines = running(new)
    assert "first_response" in deadlines and "full_answer" in deadlines
    assert deadlines["first_response"] > first["first_response"]
    assert new.next_due_at == min(deadlines.values())
    assert running(world.ticket) == first  # the first ticket's are unchanged


def test_the_subject_is_the_messages_or_else_the_tickets(world):
    message = another_matter(world)
    new = services.ticket_split(ticket=world.ticket, message=message, actor=world.agent)
    assert new.subject == world.ticket.subject


def test_only_a_later_customer_message_of_this_ticket_can_be_split_off(world):
    with brand_scope(world.ej):
        opening = Message.objects.filter(ticket=world.ticket, direction=Direction.INBOUND).get()
    reply = services.ticket_reply(ticket=world.ticket, actor=world.agent, text="Bonjour")
    note = services.ticket_note(ticket=world.ticket, actor=world.agent, text="Vu")
    for message in (opening, reply, note):
        with pytest.raises(InvalidRequest) as caught:
            services.ticket_split(ticket=world.ticket, message=message, actor=world.agent)
        assert caught.value.code == "message"
    other = services.ticket_open(
        brand=world.ej,
        contact=world.customer,
        contact_type="question",
        subject="Autre",
        text="?",
        channel="web",
    )
    message = another_matter(world)
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_split(ticket=other, message=message, actor=world.agent)
    assert caught.value.code == "message"
    with brand_scope(world.ej):
        assert Message.objects.get(pk=message.pk).ticket_id == world.ticket.pk


def test_an_outsider_or_a_former_agent_cannot_split(world):
    from guichet.accounts.models import Membership

    message = another_matter(world)
    with pytest.raises(PermissionDenied):
        services.ticket_split(ticket=world.ticket, message=message, actor=world.outsider)
    Membership.objects.filter(user=world.agent2).update(is_active=False)
    with pytest.raises(PermissionDenied):
        services.ticket_split(ticket=world.ticket, message=message, actor=world.agent2)
    with brand_scope(world.ej):
        assert Message.objects.get(pk=message.pk).ticket_id == world.ticket.pk


def test_a_reply_to_the_split_message_lands_on_the_new_ticket(world):
    def mail(message_id, subject, body, **headers):
        message = EmailMessage()
        message["From"] = "Hélène Lefèvre <helene@exemple.fr>"
        message["To"] = "support@experiencejamaique.com"
        message["Subject"] = subject
        message["Message-ID"] = message_id
        for name, value in headers.items():
            message[name.replace("_", "-")] = value
        message.set_content(body)
        return ingest.ingest(message.as_bytes(), source="file")

    first = mail("<f-1@exemple.fr>", "Facture", "Facture en double.")
    ticket = first.ticket
    more = mail(
        "<f-2@exemple.fr>",
        f"Re: [{ticket.reference}] Facture",
        "Et mon vol a été annulé.",
        In_Reply_To="<f-1@exemple.fr>",
    )
    assert more.ticket == ticket
    new = services.ticket_split(ticket=ticket, message=more.message, actor=world.agent)
    reply = mail(
        "<f-3@exemple.fr>",
        "Re: vol annulé",
        "Le numéro du vol est JM123.",
        In_Reply_To="<f-2@exemple.fr>",
    )
    assert reply.ticket == new
