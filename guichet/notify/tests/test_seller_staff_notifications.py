"""What the staff are told of a dispute's seller (docs/marketplace.md): a strike (the
assignee and the team leads: missed deadline or refusal, how many of the threshold), its
answer (the assignee), a change of its status (once per change to each person, with their
tickets it is on), the customer's request for its details when an agent must decide."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import translation

from guichet.accounts.models import Role
from guichet.conftest import make_staff
from guichet.lib.scoping import brand_scope
from guichet.marketplace.models import ProposalKind, SellerStatus
from guichet.notify.models import StaffNotification
from guichet.sla import watcher
from guichet.tickets import services
from guichet.tickets.actors import SYSTEM, Customer, SellerParty
from guichet.tickets.choices import Channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(market):
    return make_staff(market.brand, "jlead", Role.TEAM_LEAD, teams=["customer-service"])


def notes(brand, kind):
    with brand_scope(brand):
        return [
            (n.user.username, n.ticket_id, n.text)
            for n in StaffNotification.objects.filter(kind=kind)
            .select_related("user")
            .order_by("user__username", "pk")
        ]


def assigned(market, ticket=None):
    ticket = ticket or market.ticket
    services.ticket_assign(ticket=ticket, actor=market.agent, assignee=market.agent)
    return ticket


def another_dispute(market, subject):
    ticket = services.ticket_open(
        brand=market.brand,
        contact=market.customer,
        contact_type="dispute",
        subject=subject,
        text="Rien reçu.",
        channel=Channel.EMAIL,
    )
    services.ticket_change(ticket=ticket, actor=SYSTEM, seller=market.seller)
    return assigned(market, ticket)


def test_a_missed_deadline_tells_the_assignee_and_the_team_leads_of_the_strike(
    market, frozen_clock
):
    """Jamla24: the seller asked an hour after the request has 24 hours; meanwhile the
    request went to the problem-resolution team (24 hours after it came), whose
    investigator and team lead are told of the strike."""
    make_staff(market.brand, "jlead", Role.TEAM_LEAD, teams=["problem-resolution"])
    investigator = make_staff(
        market.brand, "jinvestigator", Role.INVESTIGATOR, teams=["problem-resolution"]
    )
    ticket = market.ticket
    frozen_clock.advance(timedelta(hours=1))
    services.seller_contact(ticket=ticket, actor=market.agent, text="Où en est la livraison ?")
    frozen_clock.advance(timedelta(hours=23))
    assert watcher.sweep()["escalated"] == 1
    services.ticket_assign(ticket=ticket, actor=investigator, assignee=investigator)
    assert notes(market.brand, "seller_strike") == []
    frozen_clock.advance(timedelta(hours=1, minutes=1))
    watcher.sweep()
    strikes = notes(market.brand, "seller_strike")
    assert [(user, pk) for user, pk, _text in strikes] == [
        ("jinvestigator", ticket.pk),
        ("jlead", ticket.pk),
    ]
    assert strikes[0][2] == (
        f"{ticket.reference}\xa0: le vendeur Atlas Électroménager n’a pas répondu dans son"
        " délai\xa0: une pénalité, 1 sur les 3 qui le restreignent."
    )


def test_a_strike_for_a_refusal_says_so(market, lead):
    ticket = assigned(market)
    services.strike_record(
        ticket=ticket, actor=market.agent, reason="refused", note="Refuse tout échange."
    )
    [(_user, _pk, text), _lead] = notes(market.brand, "seller_strike")
    assert "refus de coopérer" in text and "1 sur les 3" in text


def test_the_sellers_answer_tells_the_assignee(market, lead):
    ticket = assigned(market)
    services.seller_contact(ticket=ticket, actor=market.agent, text="Où en est la livraison ?")
    services.seller_receive(
        ticket=ticket,
        party=SellerParty(market.seller, market.person),
        text="Nous remboursons.",
        proposal="refund",
    )
    with translation.override("fr"):
        refund = str(ProposalKind.REFUND.label)
    assert notes(market.brand, "seller_answered") == [
        (
            "jagent",
            ticket.pk,
            f"{ticket.reference}\xa0: le vendeur Atlas Électroménager a répondu\u202f; il"
            f" propose\xa0: {refund}.",
        )
    ]


def test_a_restriction_is_told_once_to_each_person_with_their_tickets(market, lead):
    """The third strike restricts the seller: recorded on each of its three open tickets,
    told once to the assignee of the three and once to the team lead."""
    first = assigned(market)
    second = another_dispute(market, "Colis abîmé")
    third = another_dispute(market, "Mauvaise taille")
    for ticket in (first, second, third):
        services.strike_record(
            ticket=ticket, actor=market.agent, reason="refused", note="Aucune coopération."
        )
    market.seller.refresh_from_db()
    assert market.seller.status == SellerStatus.RESTRICTED
    told = notes(market.brand, "seller_status")
    assert [user for user, _pk, _text in told] == ["jagent", "jlead"]
    references = ", ".join(sorted(t.reference for t in (first, second, third)))
    for _user, pk, text in told:
        assert pk == first.pk
        assert text.startswith("Le vendeur Atlas Électroménager est restreint (3 ")
        assert text.endswith(f"Vos demandes ouvertes avec lui\xa0: {references}.")
    services.seller_set_status(
        seller=market.seller, actor=market.manager, status="active", reason="Accord trouvé."
    )
    reinstated = [t for _u, _p, t in notes(market.brand, "seller_status") if "réintégré" in t]
    assert len(reinstated) == 2 and "(Accord trouvé)." in reinstated[0]


def test_a_request_for_the_sellers_details_tells_the_staff_only_when_they_decide(market, lead):
    ticket = assigned(market)
    # Jamla24 releases the details only once the seller was asked: an agent decides.
    services.contact_release_request(ticket=ticket, actor=Customer(market.customer))
    assert [(u, pk) for u, pk, _t in notes(market.brand, "contact_details_requested")] == [
        ("jagent", ticket.pk),
        ("jlead", ticket.pk),
    ]
    other = another_dispute(market, "Colis perdu")
    services.contact_release_request(ticket=other, actor=market.agent)  # given at once
    assert {pk for _u, pk, _t in notes(market.brand, "contact_details_requested")} == {ticket.pk}
