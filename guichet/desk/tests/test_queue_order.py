"""The inbox's default order is the policy's: the categories served first (EJ: billing)
ahead, then the nearest deadline (none last), then the oldest — read from the rank stored
on the ticket. The closed view lists the last closed first."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse

from guichet.accounts.permissions import staff_access
from guichet.brands.services import policy_publish
from guichet.desk import queries
from guichet.lib.scoping import all_brands, brand_scope
from guichet.tickets import services
from guichet.tickets.choices import Channel
from guichet.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def open_ticket(brand, contact, category):
    return services.ticket_open(
        brand=brand,
        contact=contact,
        contact_type="question",
        subject=f"Sujet {category or 'aucun'}",
        text="Bonjour",
        channel=Channel.EMAIL,
        category=category,
    )


def policy_order(tickets, brands):
    """The order as it was computed before the rank was stored: a CASE on the category."""
    first = {b.pk: {c.key for c in b.get_policy().categories if c.first_in_queue} for b in brands}
    far = max(t.next_due_at for t in tickets if t.next_due_at) + timedelta(days=1)
    return sorted(
        tickets,
        key=lambda t: (
            0 if t.category in first[t.brand_id] else 1,
            t.next_due_at or far,
            t.created_at,
            t.pk,
        ),
    )


def test_the_default_order_is_the_policys_across_brands(world, frozen_clock):
    ej, jamla = world.ej, world.jamla
    tickets = [world.ticket]
    for i, category in enumerate(["travel", "billing", "", "shopping", "billing"]):
        frozen_clock.advance(timedelta(minutes=7))
        tickets.append(open_ticket(ej, world.customer, category))
        if i % 2:
            frozen_clock.advance(timedelta(minutes=3))
            tickets.append(open_ticket(jamla, world.other_customer, ""))
    with all_brands():
        # Deadlines in an order unlike the opening order, equal ones, and none.
        for i, ticket in enumerate(tickets):
            due = None if i % 4 == 3 else ticket.created_at + timedelta(hours=(i * 5) % 3)
            Ticket.objects.filter(pk=ticket.pk).update(next_due_at=due)
        fresh = list(Ticket.objects.filter(pk__in=[t.pk for t in tickets]))
    desk = staff_access(world.superuser)
    with brand_scope(desk.brands):
        listed = list(queries.inbox(desk, "unassigned", {}, "due"))
    assert [t.pk for t in listed] == [t.pk for t in policy_order(fresh, [ej, jamla])]
    assert listed[0].category == "billing"


def test_a_change_of_category_moves_the_ticket_in_the_queue(world, frozen_clock):
    frozen_clock.advance(timedelta(minutes=5))
    travel = open_ticket(world.ej, world.customer, "travel")
    with brand_scope(world.ej):
        desk = staff_access(world.agent)
        assert list(queries.inbox(desk, "unassigned", {}, "due")) == [world.ticket, travel]
        services.ticket_change(ticket=world.ticket, actor=world.agent, category="shopping")
        services.ticket_change(ticket=travel, actor=world.agent, category="billing")
        assert list(queries.inbox(desk, "unassigned", {}, "due")) == [travel, world.ticket]


def test_the_closed_view_lists_the_last_closed_first(world, frozen_clock):
    first, second = world.ticket, open_ticket(world.ej, world.customer, "billing")
    with all_brands():
        Ticket.objects.filter(pk=first.pk).update(
            status="closed", updated_at=frozen_clock.now() + timedelta(hours=2)
        )
        Ticket.objects.filter(pk=second.pk).update(
            status="closed", updated_at=frozen_clock.now() + timedelta(hours=1)
        )
    with brand_scope(world.ej):
        desk = staff_access(world.agent)
        assert list(queries.inbox(desk, "closed", {}, "due")) == [first, second]
        assert list(queries.inbox(desk, "closed", {}, "created")) == [first, second]


def test_the_closed_view_says_it_lists_the_latest_first(client, world):
    client.force_login(world.agent)
    page = client.get(reverse("desk:inbox", kwargs={"view": "closed"})).content.decode()
    assert '<option value="-updated" selected>' in page


def test_the_live_list_answers_204_until_a_ticket_changes_then_its_counts_follow(
    client, world, frozen_clock
):
    client.force_login(world.lead)
    target = reverse("desk:inbox", kwargs={"view": "unassigned"})
    first = client.get(target)
    fingerprint = first.context["fingerprint"]
    assert first.context["counts"]["unassigned"] == 1
    htmx = {"HTTP_HX_REQUEST": "true"}
    assert client.get(target, {"fp": fingerprint}, **htmx).status_code == 204
    frozen_clock.advance(timedelta(minutes=1))
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent)
    changed = client.get(target, {"fp": fingerprint}, **htmx)
    assert changed.status_code == 200
    assert world.ticket.reference not in changed.content.decode()
    # The counts beside the views are redone with the list, not kept from the cache.
    assert changed.context["counts"]["unassigned"] == 0


def test_the_live_list_is_redrawn_when_a_policy_reorders_the_queue(client, world, settings):
    """Publishing can change which categories are served first: the tickets' rank follows
    without their `updated_at`, so the policy in force is part of the fingerprint."""
    client.force_login(world.agent)
    target = reverse("desk:inbox", kwargs={"view": "mine"})
    fingerprint = client.get(target).context["fingerprint"]
    htmx = {"HTTP_HX_REQUEST": "true"}
    assert client.get(target, {"fp": fingerprint}, **htmx).status_code == 204
    text = (Path(settings.GUICHET_PRESETS_DIR) / "ej.toml").read_text(encoding="utf-8")
    policy_publish(text=text.replace("first_in_queue = true\n", ""), note="no billing first")
    assert client.get(target, {"fp": fingerprint}, **htmx).status_code == 200


def test_by_priority_lists_urgent_first_then_the_nearest_deadline(world, frozen_clock):
    opened = {}
    for priority in ["low", "normal", "urgent", "high", "urgent"]:
        frozen_clock.advance(timedelta(minutes=3))
        ticket = open_ticket(world.ej, world.customer, "travel")
        services.ticket_change(ticket=ticket, actor=world.lead, priority=priority)
        opened.setdefault(priority, []).append(ticket)
    with all_brands():
        # The second urgent ticket is due first.
        first_urgent, second_urgent = opened["urgent"]
        Ticket.objects.filter(pk=second_urgent.pk).update(
            next_due_at=first_urgent.next_due_at - timedelta(hours=1)
        )
    with brand_scope(world.ej):
        desk = staff_access(world.lead)
        listed = list(queries.inbox(desk, "unassigned", {"priority": ""}, "priority"))
    rank = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
    with all_brands():
        everything = list(Ticket.objects.filter(status="new", assignee=None))
    expected = sorted(everything, key=lambda t: (rank[t.priority], t.next_due_at, t.pk))
    assert [t.pk for t in listed] == [t.pk for t in expected]
    assert listed[:2] == [second_urgent, first_urgent]
    assert listed[-1] == opened["low"][0]


def test_the_received_dates_are_days_of_the_readers_time_zone(client, world, frozen_clock):
    # T0 is 2026-11-23 14:00 UTC; a ticket received at 23:30 UTC that day is received on
    # the 24th in Paris (00:30) and on the 23rd in Montréal (18:30).
    frozen_clock.advance(timedelta(hours=9, minutes=30))
    late = open_ticket(world.ej, world.customer, "travel")
    target = reverse("desk:inbox", kwargs={"view": "unassigned"})

    def listed(zone, **days):
        world.lead.time_zone = zone
        world.lead.save(update_fields=["time_zone"])
        client.force_login(world.lead)
        return {t.pk for t in client.get(target, days).context["page"].object_list}

    paris = listed("Europe/Paris", received_from="2026-11-24", received_to="2026-11-24")
    assert paris == {late.pk}
    assert listed("Europe/Paris", received_to="2026-11-23") == {world.ticket.pk}
    montreal = listed("America/Toronto", received_from="2026-11-23", received_to="2026-11-23")
    assert montreal == {world.ticket.pk, late.pk}
    assert listed("America/Toronto", received_from="2026-11-24") == set()


def test_a_list_longer_than_what_is_counted_says_so(client, world, frozen_clock, monkeypatch):
    monkeypatch.setattr(queries, "COUNTED", 2)
    monkeypatch.setattr(queries, "PAGE_SIZE", 1)
    for category in ["travel", "shopping"]:
        frozen_clock.advance(timedelta(minutes=1))
        open_ticket(world.ej, world.customer, category)
    client.force_login(world.lead)
    page = client.get(reverse("desk:inbox", kwargs={"view": "unassigned"}))
    assert page.context["page"].paginator.capped
    assert page.context["page"].paginator.num_pages == 2
    assert "Page 1 sur 2+" in page.content.decode()
