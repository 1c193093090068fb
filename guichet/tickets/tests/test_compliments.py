"""Compliments (docs/requirements.md IN-7, EJ): thanked, forwarded to the team concerned with the
action recorded, and closed — in one action."""

import pytest
from django.core.exceptions import PermissionDenied

from guichet.accounts.models import Membership
from guichet.brands.models import Team
from guichet.conftest import last, story
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.notify.models import OutboundEmail, StaffNotification
from guichet.tickets import services
from guichet.tickets.choices import Direction, Status, Verb

pytestmark = pytest.mark.django_db


@pytest.fixture
def compliment(world):
    return services.ticket_open(
        brand=world.ej,
        contact=world.customer,
        contact_type="compliment",
        subject="Merci à Marcia",
        text="Marcia a été formidable pour notre réservation.",
        channel="email",
        category="travel",
    )


def notified(ticket):
    with brand_scope(ticket.brand_id):
        return {
            (n.user.username, n.kind): n.text
            for n in StaffNotification.objects.filter(ticket=ticket).select_related("user")
        }


def test_a_compliment_is_thanked_forwarded_to_its_team_and_closed(world, compliment, frozen_clock):
    frozen_clock.advance(hours=1)
    message = services.ticket_thank_and_forward(
        ticket=compliment, actor=world.agent, text="Merci, nous transmettons à Marcia !"
    )
    assert message.direction == Direction.OUTBOUND and message.author_user == world.agent
    assert compliment.status == Status.CLOSED and compliment.outcome == ""
    assert compliment.answered_at == frozen_clock.now()  # the thanks is the full answer
    assert notified(compliment) == {
        (name, "compliment"): (
            # In the staff's language (French, the brand's default, its typography).
            f"Compliment d’un client pour votre équipe, {compliment.reference}\u00a0: "
            "«\u00a0Merci à Marcia\u00a0»"
        )
        for name in ("agent", "agent2", "lead")  # the front line, the ticket's team
    }
    assert last(compliment, Verb.FORWARDED).data == {
        "team": "front-line",
        "team_id": compliment.team_id,
        "notified": 3,
    }
    assert [verb for verb, _ in story(compliment)] == [
        Verb.OPENED,
        Verb.STATUS_CHANGED,
        Verb.REPLIED,
        Verb.FORWARDED,
        Verb.CLOSED,
    ]
    with brand_scope(world.ej):
        sent = list(OutboundEmail.objects.filter(ticket=compliment).order_by("pk"))
    # The acknowledgement and the thanks; a compliment gets no outcome letter.
    assert [(e.automatic, e.message_id) for e in sent] == [
        (True, sent[0].message_id),
        (False, message.pk),
    ]


def test_the_compliment_goes_to_the_team_named(world, compliment):
    with brand_scope(world.ej):
        gallery = Team.objects.get(key="gallery")
    services.ticket_thank_and_forward(
        ticket=compliment, actor=world.agent, text="Merci !", team=gallery
    )
    assert set(notified(compliment)) == {("investigator", "compliment")}
    assert last(compliment, Verb.FORWARDED).data["team"] == "gallery"


def test_a_former_member_is_not_told(world, compliment):
    Membership.objects.filter(user=world.agent2).update(is_active=False)
    services.ticket_thank_and_forward(ticket=compliment, actor=world.agent, text="Merci !")
    assert {name for name, _ in notified(compliment)} == {"agent", "lead"}


def test_only_a_compliment_is_thanked_and_forwarded(world):
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_thank_and_forward(ticket=world.ticket, actor=world.agent, text="Merci")
    assert caught.value.code == "contact_type"
    assert world.ticket.status == Status.NEW and notified(world.ticket) == {}


def test_a_team_of_another_brand_is_not_found(world, compliment):
    with brand_scope(world.jamla):
        foreign = Team.objects.filter(brand=world.jamla).first()
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_thank_and_forward(
            ticket=compliment, actor=world.agent, text="Merci", team=foreign
        )
    assert caught.value.code == "not_found"


def test_who_may_not_close_at_its_level_cannot_do_it_and_nothing_is_sent(world, compliment):
    # Level 1 is decided by agents and team leads: an investigator may reply, not close.
    for person in (world.investigator, world.outsider):
        with pytest.raises(PermissionDenied):
            services.ticket_thank_and_forward(ticket=compliment, actor=person, text="Merci !")
    assert compliment.status == Status.NEW and notified(compliment) == {}
    with brand_scope(world.ej):
        assert not compliment.messages.filter(direction=Direction.OUTBOUND, is_automatic=False)


def test_an_empty_thanks_is_refused_and_nothing_is_forwarded(world, compliment):
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_thank_and_forward(ticket=compliment, actor=world.agent, text="  ")
    assert caught.value.code == "empty_message"
    assert notified(compliment) == {} and compliment.status == Status.NEW


def test_a_closed_compliment_is_refused(world, compliment):
    services.ticket_close(ticket=compliment, actor=world.agent)
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_thank_and_forward(ticket=compliment, actor=world.agent, text="Merci")
    assert caught.value.code == "closed"
