"""Blocking a contact (docs/requirements.md AB-2): its email is quarantined and never answered;
every block and every lifting is kept with who, when and why; only the roles the policy
names may lift it."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from guichet.contacts.models import Contact, ContactBlock
from guichet.contacts.services import contact_block, contact_lift_block
from guichet.intake.email import ingest
from guichet.intake.models import InboundSource, InboundState
from guichet.intake.tests.test_ingest import mail
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.notify.models import OutboundEmail

pytestmark = pytest.mark.django_db


def outbound_count(world) -> int:
    with brand_scope(world.ej):
        return OutboundEmail.objects.count()


def test_a_blocked_contacts_email_is_quarantined_and_not_answered(world):
    contact_block(contact=world.customer, actor=world.lead, reason="Insultes répétées.")
    before = outbound_count(world)
    inbound = ingest.ingest(mail(message_id="<b1@exemple.fr>"), source=InboundSource.FILE)
    assert (inbound.state, inbound.reason, inbound.ticket) == (
        InboundState.QUARANTINED,
        "blocked_sender",
        None,
    )
    assert "helene@exemple.fr" in inbound.detail and outbound_count(world) == before
    # A reply on their existing ticket is quarantined just the same.
    reply = ingest.ingest(
        mail(
            message_id="<b2@exemple.fr>",
            subject=f"Re: [{world.ticket.reference}] Facture",
        ),
        source=InboundSource.FILE,
    )
    assert reply.reason == "blocked_sender"


def test_after_the_block_is_lifted_a_replay_makes_the_ticket(world):
    contact_block(contact=world.customer, actor=world.lead, reason="Menaces.")
    inbound = ingest.ingest(mail(message_id="<b3@exemple.fr>"), source=InboundSource.FILE)
    contact_lift_block(contact=world.customer, actor=world.manager, reason="Excuses reçues.")
    replayed = ingest.replay(inbound.pk)
    assert replayed.state == InboundState.TICKET_MESSAGE and replayed.new_ticket
    with brand_scope(world.ej):
        [block] = ContactBlock.objects.filter(contact=world.customer)
        assert (block.blocked_by, block.reason) == (world.lead, "Menaces.")
        assert (block.lifted_by, block.lift_reason) == (world.manager, "Excuses reçues.")
        assert Contact.objects.get(pk=world.customer.pk).blocked_since is None


def test_who_may_block_and_lift(world):
    with pytest.raises(PermissionDenied):
        contact_block(contact=world.customer, actor=world.agent, reason="x")
    with pytest.raises(PermissionDenied):
        contact_block(contact=world.customer, actor=world.outsider_admin, reason="x")
    with pytest.raises(InvalidRequest):
        contact_block(contact=world.customer, actor=world.lead, reason="  ")
    contact_block(contact=world.customer, actor=world.lead, reason="Insultes.")
    with pytest.raises(InvalidRequest):
        contact_block(contact=world.customer, actor=world.lead, reason="encore")
    with pytest.raises(PermissionDenied):  # a team lead may block, not lift
        contact_lift_block(contact=world.customer, actor=world.lead, reason="x")
    # EJ's policy lets the director lift a block (lift_block_roles = manager, director).
    contact_lift_block(contact=world.customer, actor=world.director, reason="Réglé.")
    with pytest.raises(InvalidRequest):
        contact_lift_block(contact=world.customer, actor=world.director, reason="x")


def test_the_policy_decides_which_roles_lift(world, presets):
    from guichet.conftest import make_staff
    from guichet.contacts.services import contact_for_email

    brand = presets["respect"]  # lift_block_roles = ["manager"]
    director = make_staff(brand, "respectdirector", "director")
    manager = make_staff(brand, "respectmanager", "manager")
    contact = contact_for_email(brand=brand, email="x@exemple.fr")
    contact_block(contact=contact, actor=manager, reason="Grossièretés.")
    with pytest.raises(PermissionDenied):
        contact_lift_block(contact=contact, actor=director, reason="x")
    contact_lift_block(contact=contact, actor=manager, reason="Réglé.")


def test_the_admin_asks_for_the_reason_then_blocks(world, client):
    world.lead.is_staff = True
    world.lead.save()
    client.force_login(world.lead)
    url = reverse("admin:contacts_contact_changelist")
    asked = client.post(url, {"action": "block", "_selected_action": [world.customer.pk]})
    assert asked.status_code == 200 and b'name="reason"' in asked.content
    done = client.post(
        url,
        {
            "action": "block",
            "_selected_action": [world.customer.pk],
            "apply": "1",
            "reason": "Insultes envers l'agent.",
        },
    )
    assert done.status_code == 302
    with brand_scope(world.ej):
        assert Contact.objects.get(pk=world.customer.pk).blocked_since is not None
        page = client.get(reverse("admin:contacts_contact_change", args=[world.customer.pk]))
    assert "Insultes envers l&#x27;agent." in page.content.decode()
    # The lead cannot lift it: the action reports it, nothing changes.
    client.post(
        url,
        {
            "action": "lift_block",
            "_selected_action": [world.customer.pk],
            "apply": "1",
            "reason": "x",
        },
    )
    with brand_scope(world.ej):
        assert Contact.objects.get(pk=world.customer.pk).blocked_since is not None
