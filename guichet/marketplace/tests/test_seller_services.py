"""The seller's side of a dispute through the ticket services: contacting the seller, its
deadline, strikes at breaches, restriction at the threshold, a manager's decisions, the
release of the seller's contact details (docs/marketplace.md)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from guichet.conftest import make_seller
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.marketplace.models import (
    ContactRelease,
    ReleaseStatus,
    SellerStatus,
    SellerStatusChange,
    Strike,
)
from guichet.sla import watcher
from guichet.sla.models import Deadline
from guichet.tickets import services
from guichet.tickets.actors import Customer, SellerParty
from guichet.tickets.choices import Channel, Status, Verb


@pytest.fixture(autouse=True)
def _in_the_brand(market):
    with brand_scope(market.brand):
        yield


def seller_deadline(ticket):
    with brand_scope(ticket.brand_id):
        return (
            Deadline.objects.filter(ticket=ticket, kind="seller_response").order_by("-pk").first()
        )


def contact(market, text="Bonjour, le client n'a pas reçu la commande JM-889."):
    with brand_scope(market.brand):
        customer_message = market.ticket.messages.get(direction="in")
    return services.seller_contact(
        ticket=market.ticket, actor=market.agent, text=text, share=[customer_message]
    )


def sweep_after(frozen_clock, hours):
    frozen_clock.advance(timedelta(hours=hours))
    return watcher.sweep()


def test_contacting_the_seller_starts_its_deadline_and_shows_only_what_is_shared(market):
    message = contact(market)
    ticket = market.ticket
    assert message.seller_id == market.seller.pk and message.is_internal
    assert ticket.status == Status.WAITING_THIRD_PARTY
    row = seller_deadline(ticket)
    assert row.is_running and row.due_at == clock.now() + timedelta(hours=24)
    assert row.rule.startswith("deadlines[")
    # Not a promise to the customer: the ticket's next deadline is another one.
    assert ticket.next_due_at != row.due_at
    with brand_scope(market.brand):
        shared = ticket.messages.filter(shared_with_seller_at__isnull=False)
        assert [m.direction for m in shared] == ["in"]
        assert ticket.events.filter(verb=Verb.SHARED_WITH_SELLER).count() == 1


def test_the_sellers_answer_meets_its_deadline_and_stays_on_the_sellers_side(market, frozen_clock):
    contact(market)
    frozen_clock.advance(timedelta(hours=3))
    answer = services.seller_receive(
        ticket=market.ticket,
        party=SellerParty(market.seller, market.person),
        text="Nous remboursons la commande.",
        channel=Channel.WEB,
        proposal="refund",
        amount="2499.00",
    )
    row = seller_deadline(market.ticket)
    assert row.met_at == clock.now() and not row.breached
    assert answer.is_internal and answer.seller_person_id == market.person.pk
    assert answer.proposal.kind == "refund" and answer.proposal.amount == Decimal("2499.00")
    assert answer.proposal.currency == "MAD"
    assert market.ticket.status == Status.OPEN
    event = market.ticket.events.filter(verb=Verb.SELLER_ANSWERED).get()
    assert event.actor_label == "seller" and event.data["seller_person"] == market.person.pk


def test_a_rival_seller_cannot_answer_on_a_dispute_that_is_not_its_own(market):
    contact(market)
    with pytest.raises(InvalidRequest):
        services.seller_receive(
            ticket=market.ticket, party=SellerParty(market.rival), text="Ce n'est pas nous."
        )


def test_a_refusal_needs_its_reason_and_amounts_are_checked(market):
    contact(market)
    party = SellerParty(market.seller, market.person)
    with pytest.raises(InvalidRequest) as refused:
        services.seller_receive(ticket=market.ticket, party=party, text="Non.", proposal="refusal")
    assert refused.value.code == "reason"
    for amount in ("-5", "0", "abc", "1e9", "12.345", 3.5):
        with pytest.raises(InvalidRequest) as bad:
            services.seller_receive(
                ticket=market.ticket,
                party=party,
                text="Remboursé",
                proposal="refund",
                amount=amount,
            )
        assert bad.value.code == "amount", amount


def test_writing_again_before_an_answer_does_not_give_the_seller_more_time(market, frozen_clock):
    contact(market)
    due = seller_deadline(market.ticket).due_at
    frozen_clock.advance(timedelta(hours=5))
    services.seller_contact(ticket=market.ticket, actor=market.agent, text="Relance.")
    assert seller_deadline(market.ticket).due_at == due


def test_no_answer_by_the_deadline_is_a_strike_and_the_third_restricts(
    market, frozen_clock, monkeypatch, django_capture_on_commit_callbacks
):
    tickets = [market.ticket]
    for n in range(2):
        ticket = services.ticket_open(
            brand=market.brand,
            contact=market.customer,
            contact_type="dispute",
            subject=f"Autre litige {n}",
            text="Rien reçu.",
            channel=Channel.WEB,
        )
        services.ticket_change(ticket=ticket, actor=market.agent, seller=market.seller)
        tickets.append(ticket)
    told = []
    monkeypatch.setattr(
        "guichet.tickets.services.sellers._status_listeners",
        [lambda seller, change: told.append((seller, change))],
    )
    for ticket in tickets:
        services.seller_contact(ticket=ticket, actor=market.agent, text="Merci de répondre.")
    sweep_after(frozen_clock, 20)  # the warnings
    assert Strike.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        sweep_after(frozen_clock, 5)  # past the 24 hours
    with brand_scope(market.brand):
        strikes = list(Strike.objects.filter(seller=market.seller))
        assert len(strikes) == 3 and {s.reason for s in strikes} == {"no_answer"}
        market.seller.refresh_from_db()
        assert market.seller.status == SellerStatus.RESTRICTED
        change = SellerStatusChange.objects.get(seller=market.seller)
        assert change.to_status == "restricted" and change.strike_id in {s.pk for s in strikes}
        for ticket in tickets:
            assert ticket.events.filter(verb=Verb.STRIKE_RECORDED).count() == 1
            assert ticket.events.filter(verb=Verb.SELLER_STATUS_CHANGED).count() == 1
    assert told == [(market.seller.pk, change.pk)]
    # The watcher coming back does not strike twice.
    sweep_after(frozen_clock, 1)
    assert Strike.objects.count() == 3


def test_strikes_outside_the_policys_window_do_not_count(market, frozen_clock):
    contact(market)
    sweep_after(frozen_clock, 25)
    frozen_clock.advance(timedelta(days=100))  # Jamla24 counts strikes over 90 days
    for n in range(2):
        ticket = services.ticket_open(
            brand=market.brand,
            contact=market.customer,
            contact_type="dispute",
            subject=f"Litige {n}",
            text="Rien reçu.",
            channel=Channel.WEB,
        )
        services.ticket_change(ticket=ticket, actor=market.agent, seller=market.seller)
        services.seller_contact(ticket=ticket, actor=market.agent, text="Merci de répondre.")
    sweep_after(frozen_clock, 25)
    market.seller.refresh_from_db()
    assert Strike.objects.count() == 3 and market.seller.status == SellerStatus.ACTIVE


def test_a_manager_withdraws_a_strike_and_decides_the_sellers_status(market, frozen_clock):
    contact(market)
    sweep_after(frozen_clock, 25)
    strike = Strike.objects.get()
    with pytest.raises(PermissionDenied):
        services.strike_withdraw(strike=strike, actor=market.agent, reason="Erreur")
    with pytest.raises(InvalidRequest):
        services.strike_withdraw(strike=strike, actor=market.manager, reason=" ")
    services.strike_withdraw(
        strike=strike, actor=market.manager, reason="Le vendeur avait répondu par téléphone."
    )
    strike.refresh_from_db()
    assert strike.withdrawn_by == market.manager and not strike.counts
    with pytest.raises(PermissionDenied):
        services.seller_set_status(
            seller=market.seller, actor=market.agent, status="terminated", reason="Fraude"
        )
    services.seller_set_status(
        seller=market.seller, actor=market.manager, status="terminated", reason="Contrefaçons"
    )
    with pytest.raises(InvalidRequest) as refused:
        services.seller_contact(ticket=market.ticket, actor=market.agent, text="Bonjour")
    assert refused.value.code == "seller_terminated"
    services.seller_set_status(
        seller=market.seller, actor=market.manager, status="active", reason="Décision annulée"
    )
    with brand_scope(market.brand):
        history = list(
            SellerStatusChange.objects.filter(seller=market.seller).values_list(
                "to_status", "actor_user"
            )
        )
    assert history == [("active", market.manager.pk), ("terminated", market.manager.pk)]


def test_contact_details_are_released_as_the_policy_says_and_logged(market, frozen_clock):
    customer = Customer(market.customer)
    # Jamla24: not before the seller was asked and let its deadline pass.
    release = services.contact_release_request(ticket=market.ticket, actor=customer)
    assert release.status == ReleaseStatus.REQUESTED
    contact(market)
    sweep_after(frozen_clock, 25)
    assert services.release_allowed(market.ticket)
    again = services.contact_release_request(ticket=market.ticket, actor=customer)
    assert again.pk == release.pk
    release.refresh_from_db()
    assert release.status == ReleaseStatus.RELEASED and release.decided_by_label == "policy"
    assert release.details["email"] == "contact@atlas.example"
    assert release.requested_by_contact == market.customer
    with pytest.raises(InvalidRequest) as twice:
        services.contact_release_request(ticket=market.ticket, actor=customer)
    assert twice.value.code == "released"
    assert ContactRelease.objects.count() == 1


def test_an_agent_decides_a_pending_request(market):
    release = services.contact_release_request(
        ticket=market.ticket, actor=Customer(market.customer)
    )
    with pytest.raises(InvalidRequest):
        services.contact_release_decide(release=release, actor=market.agent, give=False)
    services.contact_release_decide(
        release=release, actor=market.agent, give=False, reason="Nous relançons le vendeur d'abord."
    )
    release.refresh_from_db()
    assert release.status == ReleaseStatus.REFUSED and release.decided_by_user == market.agent
    event = market.ticket.events.filter(verb=Verb.CONTACT_DETAILS_REFUSED).get()
    assert event.data["reason"].startswith("Nous relançons")


def test_sellers_of_another_brand_cannot_be_named(market):
    with pytest.raises(InvalidRequest):
        services.ticket_change(ticket=market.ticket, actor=market.agent, seller=market.other_seller)


def test_renaming_the_seller_ends_the_previous_ones_deadline(market):
    contact(market)
    other = make_seller(market.brand, "TechMaroc", "support@techmaroc.example")
    services.ticket_change(ticket=market.ticket, actor=market.agent, seller=other)
    row = seller_deadline(market.ticket)
    assert row.cancelled_at is not None
    # What the agent showed the first seller is not shown to the next one.
    assert not market.ticket.messages.filter(shared_with_seller_at__isnull=False).exists()
