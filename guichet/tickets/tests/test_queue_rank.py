"""The policy's rank in the queue stored on the ticket (`Ticket.queue_rank`): 0 for the
categories the policy serves first (EJ: billing), else 1 — set on opening, on a change of
category, on a policy published, and filled by migration tickets 0009."""

import importlib

import pytest
from django.apps import apps

from guichet.brands.services import policy_publish
from guichet.conftest import PRESETS
from guichet.lib.scoping import all_brands
from guichet.tickets import services
from guichet.tickets.choices import Channel, Direction
from guichet.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


def rank(ticket: Ticket) -> int:
    return Ticket._base_manager.values_list("queue_rank", flat=True).get(pk=ticket.pk)


def opening(world, category: str, subject: str = "Une question") -> services.Opening:
    return {
        "brand": world.ej,
        "contact": world.customer,
        "contact_type": "question",
        "subject": subject,
        "text": "Bonjour",
        "channel": Channel.EMAIL,
        "category": category,
    }


def test_a_ticket_opened_in_a_category_served_first_ranks_first(world):
    assert world.ticket.category == "billing"
    assert world.ticket.queue_rank == 0 == rank(world.ticket)


def test_a_ticket_opened_in_another_category_or_none_ranks_after(world):
    other = services.ticket_open(**opening(world, "shopping"))
    bare = services.ticket_open(**opening(world, ""))
    assert rank(other) == rank(bare) == 1


def test_tickets_opened_together_each_get_their_rank(world):
    tickets = services.tickets_open(
        [opening(world, "billing"), opening(world, "travel"), opening(world, "billing")]
    )
    assert [rank(t) for t in tickets] == [0, 1, 0]


def test_a_change_of_category_changes_the_rank(world):
    ticket = world.ticket
    services.ticket_change(ticket=ticket, actor=world.agent, category="travel")
    assert ticket.queue_rank == 1 == rank(ticket)
    services.ticket_change(ticket=ticket, actor=world.agent, category="billing")
    assert ticket.queue_rank == 0 == rank(ticket)


def test_a_change_of_another_field_keeps_the_rank(world):
    services.ticket_change(ticket=world.ticket, actor=world.agent, subject="Facture")
    assert rank(world.ticket) == 0


def test_a_ticket_split_off_keeps_the_category_and_its_rank(world):
    ticket = world.ticket
    later = services.ticket_receive(
        ticket=ticket,
        contact=world.customer,
        channel=Channel.EMAIL,
        text="Et aussi une autre facture.",
    )
    assert later.direction == Direction.INBOUND
    new = services.ticket_split(ticket=ticket, message=later, actor=world.agent)
    assert new.category == "billing" and rank(new) == 0


def test_publishing_a_policy_reranks_the_brands_tickets(world):
    travel = services.ticket_open(**opening(world, "travel"))
    text = (PRESETS / "ej.toml").read_text(encoding="utf-8")
    assert "first_in_queue = true\n" in text
    # Travel is served first now, billing no longer.
    changed = text.replace("first_in_queue = true\n", "").replace(
        'key = "travel"\n', 'key = "travel"\nfirst_in_queue = true\n'
    )
    result = policy_publish(text=changed, note="travel first")
    assert result.changed
    assert rank(travel) == 0 and rank(world.ticket) == 1
    # Tickets opened from now on follow the new policy (the brand read again).
    assert rank(services.ticket_open(**opening(world, "travel") | {"brand": result.brand})) == 0


def test_publishing_leaves_other_brands_tickets_alone(world):
    jamla_ticket = services.ticket_open(
        brand=world.jamla,
        contact=world.other_customer,
        contact_type="question",
        subject="Commande",
        text="Bonjour",
        channel=Channel.EMAIL,
    )
    with all_brands():
        Ticket.objects.filter(pk=jamla_ticket.pk).update(queue_rank=0)  # as if stale
    text = (PRESETS / "ej.toml").read_text(encoding="utf-8")
    policy_publish(text=text.replace("first_in_queue = true\n", ""))
    assert rank(world.ticket) == 1 and rank(jamla_ticket) == 0


def test_the_migration_fills_the_rank_from_each_brands_policy(world):
    travel = services.ticket_open(**opening(world, "travel"))
    jamla_ticket = services.ticket_open(
        brand=world.jamla,
        contact=world.other_customer,
        contact_type="question",
        subject="Commande",
        text="Bonjour",
        channel=Channel.EMAIL,
    )
    with all_brands():
        # As after AddField (every ticket 1), and one wrong the other way.
        Ticket.objects.update(queue_rank=1)
        Ticket.objects.filter(pk=travel.pk).update(queue_rank=0)
        assert Message.objects.exists()
    migration = importlib.import_module("guichet.tickets.migrations.0009_queue_rank")
    migration.fill_queue_rank(apps, None)
    assert (rank(world.ticket), rank(travel), rank(jamla_ticket)) == (0, 1, 1)


def test_the_migration_reads_first_in_queue_from_the_policy_text():
    migration = importlib.import_module("guichet.tickets.migrations.0009_queue_rank")
    text = (PRESETS / "ej.toml").read_text(encoding="utf-8")
    assert migration.first_in_queue(text) == ["billing"]
    assert migration.first_in_queue((PRESETS / "jive.toml").read_text(encoding="utf-8")) == []
