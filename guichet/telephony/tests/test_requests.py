"""A request recorded by an agent for a customer (who called, wrote a letter, came in): a
ticket opened as the customer's, recorded by the agent, on a channel of the policy, with
its call and its callback, acknowledged by email when the customer has an address; a
blocked customer's only when the agent confirms, never acknowledged. And new customers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from guichet.accounts.models import Role
from guichet.conftest import World, last, make_staff, publish_preset
from guichet.contacts.models import ContactEmail, ContactPhone
from guichet.contacts.services import contact_block, contact_for_phone
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.telephony import services
from guichet.telephony.models import Call, Callback
from guichet.tickets.attachments import attachment_store
from guichet.tickets.choices import Channel, Direction, Verb
from guichet.tickets.models import Message


def _phone_request(world: World, contact, **extra):
    return services.request_record(
        brand=world.ej,
        actor=world.agent,
        contact=contact,
        channel=Channel.PHONE,
        contact_type="complaint",
        category="billing",
        subject="Remboursement non reçu",
        text="Appel : la cliente attend son remboursement depuis trois semaines.",
        **extra,
    )


def test_a_phone_request_opens_the_customers_ticket_with_its_call_and_callback(world: World):
    started = clock.now() - timedelta(minutes=6)
    recorded = _phone_request(
        world,
        world.customer,
        received_at=started,
        call=services.CallNote(
            direction="in",
            started_at=started,
            outcome="answered",
            duration_s=300,
            number="+33 6 12 34 56 78",
        ),
        callback=services.CallbackAsk(to_me=True, note="Avec le numéro de dossier"),
    )
    ticket = recorded.ticket
    assert (ticket.channel, ticket.contact, ticket.contact_type, ticket.category) == (
        "phone",
        world.customer,
        "complaint",
        "billing",
    )
    assert ticket.created_at == started
    opened = last(ticket, Verb.OPENED)
    assert opened.actor_contact == world.customer  # the customer's request…
    assert opened.data["recorded_by"] == world.agent.pk  # …written down by the agent
    # Hélène has an address: the acknowledgement went to her.
    assert recorded.acknowledged
    with brand_scope(world.ej):
        assert Message.objects.filter(
            ticket=ticket, direction=Direction.OUTBOUND, is_automatic=True
        ).exists()
    call = recorded.call
    assert call is not None and call.ticket == ticket and call.from_number == "+33612345678"
    assert call.callback_wanted
    assert last(ticket, Verb.CALL_LOGGED).data["duration_s"] == 300
    callback = recorded.callback
    assert callback is not None
    assert (callback.ticket, callback.call, callback.assignee) == (ticket, call, world.agent)
    assert callback.phone == "+33612345678"
    assert last(ticket, Verb.CALLBACK_PLANNED) is not None


def test_a_customer_without_an_address_gets_no_acknowledgement(world: World):
    caller = contact_for_phone(brand=world.ej, phone="+18765550101", name="Marcia Brown")
    recorded = _phone_request(world, caller)
    assert not recorded.acknowledged
    assert not recorded.ticket.auto_acknowledge
    with brand_scope(world.ej):
        assert not Message.objects.filter(ticket=recorded.ticket, is_automatic=True).exists()


def test_a_blocked_customers_request_needs_the_agents_confirmation_and_is_never_answered(
    world: World,
):
    contact_block(contact=world.customer, actor=world.lead, reason="Menaces répétées")
    world.customer.refresh_from_db()
    with pytest.raises(InvalidRequest) as refused:
        _phone_request(world, world.customer)
    assert refused.value.code == "blocked"
    recorded = _phone_request(world, world.customer, blocked_confirmed=True)
    assert not recorded.acknowledged
    with brand_scope(world.ej):
        assert not Message.objects.filter(ticket=recorded.ticket, is_automatic=True).exists()


def test_only_the_policys_channels_are_offered(world: World):
    assert services.desk_channels(world.ej) == ["phone", "email", "web"]
    with pytest.raises(InvalidRequest) as refused:
        services.request_record(
            brand=world.ej,
            actor=world.agent,
            contact=world.customer,
            channel=Channel.LETTER,  # EJ takes no letters
            contact_type="question",
            subject="Courrier",
            text="…",
        )
    assert refused.value.code == "channel"
    with pytest.raises(InvalidRequest):  # a call on an email request
        services.request_record(
            brand=world.ej,
            actor=world.agent,
            contact=world.customer,
            channel=Channel.EMAIL,
            contact_type="question",
            subject="Question",
            text="…",
            call=services.CallNote(direction="in", started_at=clock.now(), outcome="answered"),
        )


def test_a_letter_is_recorded_with_its_scan(world: World):
    jive = publish_preset("jive")
    clerk = make_staff(jive, "clerk", Role.AGENT)
    customer = services.customer_create(
        brand=jive, actor=clerk, name="Paul Tremblay", phone="+1 514 555 0100", language="fr"
    )
    scan = attachment_store(
        brand=jive, filename="lettre.pdf", content=b"%PDF-1.4 scan", content_type="application/pdf"
    )
    recorded = services.request_record(
        brand=jive,
        actor=clerk,
        contact=customer,
        channel=Channel.LETTER,
        contact_type="complaint",
        subject="Lettre : facturation",
        text="Résumé de la lettre reçue le 20 novembre.",
        attachments=[scan],
    )
    assert recorded.ticket.channel == "letter"
    assert recorded.call is None and not recorded.acknowledged
    with brand_scope(jive):
        message = recorded.ticket.opening_message
        assert [a.filename for a in message.attachments.all()] == ["lettre.pdf"]


def test_another_brands_agent_cannot_record_for_this_brand(world: World):
    with pytest.raises(PermissionDenied):
        services.request_record(
            brand=world.ej,
            actor=world.outsider,
            contact=world.customer,
            channel=Channel.PHONE,
            contact_type="question",
            subject="?",
            text="?",
        )
    with pytest.raises(InvalidRequest):  # another brand's customer
        services.request_record(
            brand=world.jamla,
            actor=world.outsider,
            contact=world.customer,
            channel=Channel.PHONE,
            contact_type="question",
            subject="?",
            text="?",
        )


def test_a_new_customer_has_their_address_and_number(world: World):
    contact = services.customer_create(
        brand=world.ej,
        actor=world.agent,
        name="  Marcia   Brown ",
        email="Marcia@Example.JM",
        phone="+1 (876) 555-0123",
        language="en",
    )
    assert (contact.name, contact.language) == ("Marcia Brown", "en")
    with brand_scope(world.ej):
        assert ContactEmail.objects.get(contact=contact).address == "marcia@example.jm"
        phone = ContactPhone.objects.get(contact=contact)
        assert (phone.number, phone.is_primary) == ("+18765550123", True)


@pytest.mark.parametrize(
    "given",
    [
        {"email": "helene@exemple.fr"},  # Hélène's
        {"email": "new@example.jm", "phone": "+18765550101"},  # Marcia's number
        {},
        {"email": "not an address"},
        {"phone": "12"},
        {"email": "new@example.jm", "language": "es"},
    ],
)
def test_a_new_customer_is_refused_when_known_or_unreachable(world: World, given):
    contact_for_phone(brand=world.ej, phone="+18765550101", name="Marcia Brown")
    with pytest.raises(InvalidRequest):
        services.customer_create(brand=world.ej, actor=world.agent, name="Someone", **given)


def test_a_reported_call_goes_on_the_new_ticket(world: World):
    t0 = clock.now()
    services.call_ring(
        brand=world.ej, external_id="c-9", direction="in", from_number="", to_number="", at=t0
    )
    reported = services.call_answer(brand=world.ej, external_id="c-9", at=t0 + timedelta(seconds=9))
    recorded = _phone_request(world, world.customer, reported_call=reported)
    assert recorded.call is not None and recorded.call.pk == reported.pk
    with brand_scope(world.ej):
        assert Call.objects.get(pk=reported.pk).ticket == recorded.ticket
        assert not Callback.objects.exists()
    # The call is still going on: it is in the ticket's history once it ended, once.
    assert last(recorded.ticket, Verb.CALL_LOGGED) is None
    services.call_hangup(brand=world.ej, external_id="c-9", at=t0 + timedelta(seconds=99))
    event = last(recorded.ticket, Verb.CALL_LOGGED)
    assert (event.data["wait_s"], event.data["duration_s"]) == (9, 90)


def test_a_new_customer_is_made_with_their_request_or_not_at_all(world: World):
    recorded = services.request_record(
        brand=world.ej,
        actor=world.agent,
        contact=services.NewCustomer(
            name="Marcia Brown", email="marcia@example.jm", phone="+18765550123", language="en"
        ),
        channel=Channel.PHONE,
        contact_type="question",
        subject="Horaires d'été",
        text="Demande les horaires du mois de juillet.",
    )
    assert recorded.ticket.contact.name == "Marcia Brown"
    assert recorded.ticket.language == "en"
    assert recorded.acknowledged  # she gave an address
    with pytest.raises(InvalidRequest):
        services.request_record(
            brand=world.ej,
            actor=world.agent,
            contact=services.NewCustomer(name="Paul", phone="+18765550999"),
            channel=Channel.PHONE,
            contact_type="no-such-type",
            subject="?",
            text="?",
        )
    with brand_scope(world.ej):
        assert not ContactPhone.objects.filter(number="+18765550999").exists()


def test_the_number_the_customer_called_from_becomes_theirs(world: World):
    other = contact_for_phone(brand=world.ej, phone="+18765550101", name="Marcia Brown")
    _phone_request(
        world,
        world.customer,
        call=services.CallNote(
            direction="in", started_at=clock.now(), outcome="answered", number="+33 6 12 34 56 78"
        ),
        callback=services.CallbackAsk(phone="+18765550101"),  # Marcia's: left to her
    )
    with brand_scope(world.ej):
        assert [p.number for p in world.customer.phones.all()] == ["+33612345678"]
        assert [p.number for p in other.phones.all()] == ["+18765550101"]
    # Her next call is hers.
    ringing = services.call_ring(
        brand=world.ej,
        external_id="next",
        direction="in",
        from_number="+33612345678",
        to_number="",
        at=clock.now(),
    )
    assert ringing.contact == world.customer
