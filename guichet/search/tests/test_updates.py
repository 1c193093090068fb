"""The index follows every change, whatever writes it: the database's triggers keep it."""

from __future__ import annotations

import pytest

from guichet.contacts.models import Contact, ContactEmail
from guichet.tickets import services
from guichet.tickets.actors import SYSTEM
from guichet.tickets.models import Ticket

from .helpers import found, open_ticket

pytestmark = pytest.mark.django_db


def test_a_new_message_is_found(world):
    assert found("cormoran", world.ej) == []
    services.ticket_receive(
        ticket=world.ticket, contact=world.customer, text="Et un cormoran ?", channel="email"
    )
    assert found("cormoran", world.ej) == [world.ticket.pk]


def test_a_new_subject_replaces_the_old_one(world):
    services.ticket_change(ticket=world.ticket, actor=SYSTEM, subject="Remboursement en attente")
    assert found("attente", world.ej) == [world.ticket.pk]
    assert found("double", world.ej) == []
    # The messages are still there.
    assert found("débitée", world.ej) == [world.ticket.pk]


def test_a_renamed_customer_is_found_by_the_new_name_only(world):
    with world.scoped():
        Contact.objects.filter(pk=world.customer.pk).update(name="Hélène Martin")
    assert found("martin", world.ej) == [world.ticket.pk]
    assert found("lefevre", world.ej) == []


def test_a_changed_email_address_is_found_by_the_new_one_only(world):
    with world.scoped():
        ContactEmail.objects.filter(contact=world.customer).update(address="h.martin@ailleurs.org")
    assert found("h.martin@ailleurs.org", world.ej) == [world.ticket.pk]
    assert found("helene@exemple.fr", world.ej) == []


def test_a_removed_email_address_no_longer_finds(world):
    with world.scoped():
        ContactEmail.objects.filter(contact=world.customer).delete()
    assert found("helene@exemple.fr", world.ej) == []
    assert found("lefevre", world.ej) == [world.ticket.pk]


def test_a_deleted_ticket_is_gone(world):
    other = open_ticket(world, subject="Facture de juin", text="Bis.")
    assert set(found("facture", world.ej)) == {world.ticket.pk, other.pk}
    with world.scoped():
        Ticket.objects.filter(pk=other.pk).delete()
    assert found("facture", world.ej) == [world.ticket.pk]


def test_a_merged_ticket_s_messages_are_found_on_the_survivor(world):
    duplicate = open_ticket(world, subject="Encore moi", text="Le colibri est toujours là.")
    assert found("colibri", world.ej) == [duplicate.pk]
    services.ticket_merge(ticket=duplicate, into=world.ticket, actor=SYSTEM)
    assert found("colibri", world.ej) == [world.ticket.pk]
    # The merged ticket keeps its reference and subject.
    assert found(duplicate.reference, world.ej) == [duplicate.pk]
    assert found("encore", world.ej) == [duplicate.pk]


def test_a_redacted_message_is_no_longer_found(world):
    from guichet.tickets.models import Message

    message = services.ticket_receive(
        ticket=world.ticket,
        contact=world.customer,
        text="Mon code est 4242-ornithorynque.",
        channel="email",
    )
    assert found("ornithorynque", world.ej) == [world.ticket.pk]
    with world.scoped():
        Message.objects.filter(pk=message.pk).update(text="[supprimé]")
    assert found("ornithorynque", world.ej) == []
    assert found("débitée", world.ej) == [world.ticket.pk]


def test_a_bulk_insert_of_messages_is_indexed(world):
    from guichet.tickets.models import Message

    with world.scoped():
        template = world.ticket.messages.filter(direction="in").first()
        Message.objects.bulk_create(
            [
                Message(
                    brand=world.ej,
                    ticket=world.ticket,
                    direction="in",
                    channel="email",
                    text=f"Message numéro {word}",
                    created_at=template.created_at,
                )
                for word in ("alpaga", "bison", "caribou")
            ]
        )
    for word in ("alpaga", "bison", "caribou"):
        assert found(word, world.ej) == [world.ticket.pk]
