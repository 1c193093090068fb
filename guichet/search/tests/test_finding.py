"""A ticket is found by its reference, the words of its subject and of its messages, and its
customer's name and email address; the system's automatic letters are not searched."""

from __future__ import annotations

import pytest
from django.db import connection

from guichet.contacts.services import contact_for_email
from guichet.search.queries import search_tickets
from guichet.tickets import services
from guichet.tickets.actors import SYSTEM

from .helpers import found, open_ticket

pytestmark = pytest.mark.django_db


def test_a_reference_finds_its_ticket_first(world):
    other = open_ticket(world, subject=f"Suite de {world.ticket.reference}", text="Voir l'autre.")
    for typed in (world.ticket.reference, world.ticket.reference.lower()):
        hits = found(typed, world.ej)
        assert hits[0] == world.ticket.pk
        assert other.pk in hits  # it names the reference in its subject


def test_the_number_of_a_reference_finds_it(world):
    number = world.ticket.reference.rsplit("-", 1)[1]
    assert world.ticket.pk in found(number, world.ej)


def test_words_of_the_subject_find_the_ticket(world):
    assert found("facture double", world.ej) == [world.ticket.pk]


def test_words_of_a_message_find_the_ticket(world):
    services.ticket_reply(
        ticket=world.ticket, actor=world.agent, text="Le remboursement part demain."
    )
    assert found("remboursement", world.ej) == [world.ticket.pk]
    assert found("débitée", world.ej) == [world.ticket.pk]  # the opening message


def test_internal_notes_are_searched(world):
    services.ticket_note(
        ticket=world.ticket, actor=world.agent, text="Client connu du service litiges."
    )
    assert found("litiges", world.ej) == [world.ticket.pk]


def test_the_customer_name_finds_the_ticket_with_or_without_accents(world):
    for typed in ("Hélène Lefèvre", "helene lefevre", "LEFEVRE"):
        assert found(typed, world.ej) == [world.ticket.pk], typed


def test_the_customer_email_or_its_beginning_finds_the_ticket(world):
    for typed in ("helene@exemple.fr", "helene@exem", "HELENE@EXEMPLE.FR"):
        assert found(typed, world.ej) == [world.ticket.pk], typed


def test_every_word_must_match(world):
    assert found("facture zanzibar", world.ej) == []


def test_automatic_letters_are_not_searched(world):
    services.ticket_reply(
        ticket=world.ticket, actor=SYSTEM, text="Lettre automatique xylophonique.", automatic=True
    )
    assert found("xylophonique", world.ej) == []
    # The acknowledgement the ticket was opened with is not searched either.
    with world.scoped():
        letters = world.ticket.messages.filter(is_automatic=True, direction="out")
        acknowledgement = letters.exclude(text__contains="xylo").get()
    assert "engageons" in acknowledgement.text
    assert found("engageons", world.ej) == []


def test_an_automatic_message_from_the_customer_is_searched(world):
    """An out-of-office reply is still the customer's words."""
    services.ticket_receive(
        ticket=world.ticket,
        contact=world.customer,
        text="Absente jusqu'au lundi, vacances aux Seychelles.",
        channel="email",
        automatic=True,
    )
    assert found("seychelles", world.ej) == [world.ticket.pk]


def test_accents_and_forms_of_a_word(world):
    """PostgreSQL stems French and English words and folds accents; SQLite (FTS5) folds
    accents and matches the beginnings of words."""
    ticket = open_ticket(
        world, subject="Valise", text="Ma valise est arrivée abîmée, les roues cassées."
    )
    for typed in ("abîmée", "abimee", "ABIMÉE", "arrivee", "cassees"):
        assert found(typed, world.ej) == [ticket.pk], typed
    if connection.vendor == "postgresql":
        for typed in ("abîmé", "abime", "abimés", "cassé", "casse", "roue", "arrivé"):
            assert found(typed, world.ej) == [ticket.pk], typed
    else:
        for typed in ("abim", "abî", "cass", "arriv"):
            assert found(typed, world.ej) == [ticket.pk], typed


@pytest.mark.postgres
def test_english_words_are_stemmed_on_postgresql(world):
    ticket = open_ticket(world, subject="Parcel", text="The parcels were delivered damaged.")
    for typed in ("parcel", "deliver", "delivering", "damage"):
        assert found(typed, world.ej) == [ticket.pk], typed


def test_the_subject_ranks_before_the_messages(world):
    in_text = open_ticket(world, subject="Autre chose", text="Une question de parapluie.")
    in_subject = open_ticket(world, subject="Parapluie perdu", text="Oublié à bord.")
    assert found("parapluie", world.ej) == [in_subject.pk, in_text.pk]


def test_the_snippet_shows_the_message_around_the_word(world):
    services.ticket_reply(
        ticket=world.ticket,
        actor=world.agent,
        text="Bonjour,\n\n" + "Nous avons vérifié. " * 20 + "Le trop-perçu vous sera remboursé "
        "sous huit jours. " + "Cordialement. " * 20,
    )
    hits = search_tickets(query="trop-perçu", brand_ids=[world.ej.pk])
    assert [h.ticket_id for h in hits] == [world.ticket.pk]
    assert "trop-perçu vous sera remboursé" in hits[0].snippet
    assert hits[0].snippet.startswith("…") and len(hits[0].snippet) < 260


def test_no_snippet_when_only_the_subject_matches(world):
    hits = search_tickets(query="facture", brand_ids=[world.ej.pk])
    assert hits[0].snippet == ""


def test_more_recent_activity_first_among_equals(world, frozen_clock):
    from datetime import timedelta

    first = open_ticket(world, subject="Bagage", text="Perdu.")
    frozen_clock.advance(timedelta(hours=1))
    second = open_ticket(world, subject="Bagage", text="Perdu aussi.")
    assert found("bagage", world.ej) == [second.pk, first.pk]
    frozen_clock.advance(timedelta(hours=1))
    services.ticket_receive(
        ticket=first, contact=world.customer, text="Des nouvelles ?", channel="email"
    )
    assert found("bagage", world.ej) == [first.pk, second.pk]


def test_limit(world):
    for n in range(5):
        open_ticket(world, subject=f"Serviette {n}", text="Oubliée.")
    assert len(found("serviette", world.ej, limit=3)) == 3
    assert found("serviette", world.ej, limit=0) == []


def test_a_contact_with_several_addresses_is_found_by_each(world):
    customer = contact_for_email(brand=world.ej, email="marc@exemple.com", name="Marc Durand")
    from guichet.contacts.models import ContactEmail

    with world.scoped():
        ContactEmail.objects.create(brand=world.ej, contact=customer, address="m.durand@travail.fr")
    ticket = services.ticket_open(
        brand=world.ej,
        contact=customer,
        contact_type="complaint",
        category="billing",
        subject="Chambre",
        text="Bruyante.",
        channel="email",
    )
    assert found("marc@exemple.com", world.ej) == [ticket.pk]
    assert found("m.durand@travail.fr", world.ej) == [ticket.pk]
