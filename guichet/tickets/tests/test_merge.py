"""Merging a customer's two tickets on one matter: the messages move, each history stays,
the merged ticket is closed and linked, the customer is told which reference follows it."""

import threading
from email.message import EmailMessage

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connections

from guichet.accounts.models import Membership, Role
from guichet.conftest import last, make_staff, publish_preset
from guichet.contacts.services import contact_for_email
from guichet.intake.email import ingest
from guichet.lib.errors import Conflict, InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.notify.models import OutboundEmail
from guichet.sla.models import Deadline
from guichet.tickets import services
from guichet.tickets.attachments import attachment_store
from guichet.tickets.choices import Direction, Status, Verb
from guichet.tickets.models import (
    LinkKind,
    Message,
    MessageReference,
    Ticket,
    TicketLink,
    reference_key,
)
from guichet.tickets.queries import customer_tickets

pytestmark = pytest.mark.django_db


def second_ticket(world, **extra):
    fields = {
        "brand": world.ej,
        "contact": world.customer,
        "contact_type": "complaint",
        "subject": "Toujours débitée deux fois",
        "text": "Je vous ai déjà écrit : j'ai été débitée deux fois.",
        "channel": "email",
        "category": "billing",
    }
    return services.ticket_open(**(fields | extra))


def running(ticket):
    with brand_scope(ticket.brand_id):
        return {
            (row.kind, row.due_at)
            for row in Deadline.objects.filter(
                ticket=ticket, met_at__isnull=True, cancelled_at__isnull=True
            )
        }


def messages_of(ticket):
    with brand_scope(ticket.brand_id):
        return list(Message.objects.filter(ticket=ticket).order_by("created_at", "pk"))


def test_the_messages_move_to_the_ticket_merged_into_and_each_history_stays(world, frozen_clock):
    duplicate = second_ticket(world)
    frozen_clock.advance(hours=1)
    attachment = attachment_store(brand=world.ej, filename="releve.pdf", content=b"%PDF-1.7")
    services.ticket_receive(
        ticket=duplicate,
        contact=world.customer,
        text="Voici mon relevé.",
        channel="email",
        attachments=[attachment],
        references=["<earlier@exemple.fr>"],
    )
    moving = messages_of(duplicate)  # opening, acknowledgement, the customer's reply
    before = messages_of(world.ticket)
    frozen_clock.advance(hours=1)

    into = services.ticket_merge(
        ticket=duplicate, into=world.ticket, actor=world.agent, reason="Même débit"
    )

    assert into is world.ticket
    assert messages_of(duplicate) == []
    assert {m.pk for m in messages_of(world.ticket)} >= {m.pk for m in moving + before}
    with brand_scope(world.ej):
        attachment.refresh_from_db()
        assert attachment.message.ticket_id == world.ticket.pk
        reference = MessageReference.objects.get(key=reference_key("<earlier@exemple.fr>"))
        assert reference.message.ticket_id == world.ticket.pk
        # The merged ticket keeps its own story: opened, received, merged.
        assert duplicate.events.filter(verb=Verb.OPENED).exists()
        assert duplicate.events.filter(verb=Verb.MESSAGE_RECEIVED).exists()
        assert not world.ticket.events.filter(verb=Verb.MESSAGE_RECEIVED).exists()
        link = TicketLink.objects.get(source=duplicate, target=world.ticket)
    assert (link.kind, link.reason) == (LinkKind.MERGED, "Même débit")
    assert duplicate.status == Status.CLOSED and duplicate.closed_at == frozen_clock.now()
    assert duplicate.merged_into == world.ticket
    assert last(world.ticket, Verb.MERGED).data == {
        "from": duplicate.reference,
        "subject": "Toujours débitée deux fois",
        "messages": len(moving),
        "reason": "Même débit",
    }
    assert last(world.ticket, Verb.MERGED).actor_user == world.agent
    assert last(duplicate, Verb.MERGED_INTO).data == {
        "into": world.ticket.reference,
        "previous_status": Status.OPEN,
        "messages": len(moving),
        "reason": "Même débit",
    }
    # Not a closing decision: no CLOSED event, hence no outcome letter for the complaint.
    assert last(duplicate, Verb.CLOSED) is None


def test_the_customer_is_told_which_reference_now_follows_their_request(world):
    duplicate = second_ticket(world)
    services.ticket_merge(ticket=duplicate, into=world.ticket, actor=world.agent)
    with brand_scope(world.ej):
        email = OutboundEmail.objects.filter(ticket=world.ticket).order_by("pk").last()
        letter = email.message
    assert letter.ticket_id == world.ticket.pk and letter.is_automatic
    assert letter.direction == Direction.OUTBOUND
    assert email.to_address == "helene@exemple.fr" and email.automatic
    assert email.subject == (
        f"[{world.ticket.reference}] Votre demande {duplicate.reference} est désormais suivie "
        f"sous la référence {world.ticket.reference}"
    )
    assert "« Toujours débitée deux fois »" in email.text
    assert "30 novembre 2026" in email.text  # the full written answer still due on the first
    assert last(world.ticket, Verb.REPLIED).data["letter"] == "merged"


def test_a_reply_to_a_moved_message_lands_on_the_ticket_merged_into(world):
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

    first = mail("<valise-1@exemple.fr>", "Valise perdue", "Ma valise n'est pas arrivée.")
    again = mail("<valise-2@exemple.fr>", "Bagage perdu", "Toujours pas de valise.")
    assert first.ticket != again.ticket
    services.ticket_merge(ticket=again.ticket, into=first.ticket, actor=world.agent)

    reply = mail(
        "<valise-3@exemple.fr>",
        "Re: Bagage perdu",
        "La voici décrite.",
        In_Reply_To="<valise-2@exemple.fr>",
        References="<valise-2@exemple.fr>",
    )
    assert reply.ticket == first.ticket
    again.ticket.refresh_from_db()
    assert again.ticket.status == Status.CLOSED  # the merged ticket is not reopened


def test_the_merged_tickets_deadlines_end_and_the_other_keeps_its_own(world, frozen_clock):
    duplicate = second_ticket(world)
    assert running(duplicate)
    kept = running(world.ticket)
    frozen_clock.advance(hours=2)
    services.ticket_merge(ticket=duplicate, into=world.ticket, actor=world.agent)
    assert running(duplicate) == set() and duplicate.next_due_at is None
    # The letter answered nothing: the ticket merged into is due when it was.
    assert {kind for kind, _ in running(world.ticket)} >= {"first_response", "full_answer"}
    assert {(k, d) for k, d in kept if k != "acknowledgement"} <= running(world.ticket)


def test_tickets_of_two_customers_are_never_merged(world):
    neighbour = contact_for_email(brand=world.ej, email="voisine@exemple.fr", name="Voisine")
    other = second_ticket(world, contact=neighbour)
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_merge(ticket=other, into=world.ticket, actor=world.agent)
    assert caught.value.code == "contact"
    assert messages_of(other) and other.status == Status.NEW


def test_a_ticket_of_another_brand_is_not_found(world):
    foreign = services.ticket_open(
        brand=world.jamla,
        contact=world.other_customer,
        contact_type="complaint",
        subject="Commande",
        text="Colis abîmé.",
        channel="email",
        category="order",
    )
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_merge(ticket=world.ticket, into=foreign, actor=world.agent)
    assert caught.value.code == "not_found"
    with pytest.raises(PermissionDenied):  # and its own staff cannot reach ours
        services.ticket_merge(ticket=world.ticket, into=foreign, actor=world.outsider)
    assert world.ticket.merged_into is None and messages_of(world.ticket)


def test_an_outsider_or_a_former_agent_cannot_merge(world):
    duplicate = second_ticket(world)
    with pytest.raises(PermissionDenied):
        services.ticket_merge(ticket=duplicate, into=world.ticket, actor=world.outsider)
    Membership.objects.filter(user=world.agent2).update(is_active=False)
    with pytest.raises(PermissionDenied):
        services.ticket_merge(ticket=duplicate, into=world.ticket, actor=world.agent2)
    assert duplicate.merged_into is None


def test_merging_into_itself_twice_or_into_a_closed_ticket_is_refused(world):
    duplicate = second_ticket(world)
    third = second_ticket(world, subject="Encore")
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_merge(ticket=duplicate, into=duplicate, actor=world.agent)
    assert caught.value.code == "merge"
    services.ticket_merge(ticket=duplicate, into=world.ticket, actor=world.agent)
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_merge(ticket=duplicate, into=third, actor=world.agent)
    assert caught.value.code == "merged"
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_merge(ticket=third, into=duplicate, actor=world.agent)
    assert caught.value.code == "merged" and duplicate.reference in str(caught.value)
    services.ticket_close(ticket=world.ticket, actor=world.agent, outcome="upheld")
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_merge(ticket=third, into=world.ticket, actor=world.agent)
    assert caught.value.code == "closed"


def test_a_merge_decided_on_a_stale_view_is_refused(world):
    duplicate = second_ticket(world)
    seen = duplicate.revision
    services.ticket_note(ticket=duplicate, actor=world.agent2, text="Je m'en occupe")
    with pytest.raises(Conflict):
        services.ticket_merge(
            ticket=duplicate, into=world.ticket, actor=world.agent, expected_revision=seen
        )
    services.ticket_merge(
        ticket=duplicate,
        into=world.ticket,
        actor=world.agent,
        expected_revision=duplicate.revision,
    )
    assert duplicate.merged_into == world.ticket


def test_the_customers_other_tickets_are_the_candidates_newest_first(world, frozen_clock):
    frozen_clock.advance(hours=1)
    older = second_ticket(world)
    frozen_clock.advance(hours=1)
    newer = second_ticket(world, subject="Encore")
    neighbour = contact_for_email(brand=world.ej, email="voisine@exemple.fr", name="Voisine")
    second_ticket(world, contact=neighbour)
    with brand_scope(world.ej):
        assert list(customer_tickets(world.ticket)) == [newer, older]
        assert list(customer_tickets(newer)) == [older, world.ticket]


@pytest.mark.django_db(transaction=True)
def test_two_agents_merging_a_pair_in_opposite_directions_neither_deadlock_nor_both_win():
    brand = publish_preset("ej")
    customer = contact_for_email(brand=brand, email="helene@exemple.fr", name="Hélène")
    agents = [make_staff(brand, f"a{n}", Role.AGENT) for n in range(2)]
    pair = [
        services.ticket_open(
            brand=brand,
            contact=customer,
            contact_type="question",
            subject=f"Question {n}",
            text="?",
            channel="web",
        )
        for n in range(2)
    ]
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def merge(n: int) -> None:
        try:
            with brand_scope(brand):
                ticket, into = (Ticket.objects.get(pk=t.pk) for t in (pair[n], pair[1 - n]))
            start.wait()
            services.ticket_merge(ticket=ticket, into=into, actor=agents[n])
            outcomes.append("done")
        except InvalidRequest as refused:
            outcomes.append(refused.code)
        except BaseException as exc:
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=merge, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The second to lock finds the other already merged: refused, not deadlocked.
    assert sorted(map(str, outcomes)) == ["done", "merged"], outcomes
    with brand_scope(brand):
        merged = [t for t in pair if Ticket.objects.get(pk=t.pk).merged_into_id is not None]
    assert len(merged) == 1
