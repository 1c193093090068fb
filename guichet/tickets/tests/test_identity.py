"""Identity checks (docs/requirements.md IN-5, Jive): who checked, when, and how — one of the
brand's methods — before an account-level change."""

import pytest
from django.core.exceptions import PermissionDenied

from guichet.accounts.models import Membership, Role
from guichet.conftest import last, make_staff, publish_preset
from guichet.contacts.services import contact_for_email
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.tickets import services
from guichet.tickets.choices import Verb
from guichet.tickets.models import IdentityCheck
from guichet.tickets.queries import identity_check_needed

pytestmark = pytest.mark.django_db


@pytest.fixture
def jive(world):
    brand = publish_preset("jive")
    customer = contact_for_email(brand=brand, email="luc@exemple.ca", name="Luc Tremblay")

    def ticket(contact_type="service_request"):
        return services.ticket_open(
            brand=brand,
            contact=customer,
            contact_type=contact_type,
            subject="Changer mon forfait",
            text="Je veux passer au forfait illimité.",
            channel="web",
        )

    return brand, make_staff(brand, "jagent", Role.AGENT), ticket


def test_the_check_records_who_when_and_how_and_is_then_no_longer_needed(jive, frozen_clock):
    brand, agent, open_ticket = jive
    ticket = open_ticket()
    assert identity_check_needed(ticket)
    check = services.ticket_record_identity_check(
        ticket=ticket, actor=agent, method="account_pin", note="NIP confirmé"
    )
    assert (check.checked_by, check.checked_at, check.method, check.note) == (
        agent,
        frozen_clock.now(),
        "account_pin",
        "NIP confirmé",
    )
    with brand_scope(brand):
        assert list(IdentityCheck.objects.filter(ticket=ticket)) == [check]
    event = last(ticket, Verb.IDENTITY_CHECKED)
    assert event.actor_user == agent
    assert event.data == {"method": "account_pin", "check": check.pk}  # the note stays off it
    assert not identity_check_needed(ticket)


def test_a_contact_type_the_policy_does_not_name_needs_no_check(jive):
    _brand, _agent, open_ticket = jive
    assert not identity_check_needed(open_ticket("question"))


def test_a_method_the_policy_does_not_list_is_refused(jive):
    _brand, agent, open_ticket = jive
    ticket = open_ticket()
    for method in ("date_of_birth", "", "  "):
        with pytest.raises(InvalidRequest) as caught:
            services.ticket_record_identity_check(ticket=ticket, actor=agent, method=method)
        assert caught.value.code == "method"
    assert identity_check_needed(ticket) and last(ticket, Verb.IDENTITY_CHECKED) is None


def test_a_brand_without_identity_checks_refuses_any_method(world):
    assert not identity_check_needed(world.ticket)
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_record_identity_check(
            ticket=world.ticket, actor=world.agent, method="account_pin"
        )
    assert caught.value.code == "policy"


def test_an_outsider_or_a_former_agent_cannot_record_a_check(jive, world):
    brand, agent, open_ticket = jive
    ticket = open_ticket()
    with pytest.raises(PermissionDenied):
        services.ticket_record_identity_check(
            ticket=ticket, actor=world.agent, method="account_pin"
        )
    Membership.objects.filter(user=agent, brand=brand).update(is_active=False)
    with pytest.raises(PermissionDenied):
        services.ticket_record_identity_check(ticket=ticket, actor=agent, method="account_pin")
    assert identity_check_needed(ticket)
