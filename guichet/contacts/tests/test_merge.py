"""Merging two records of one customer (`contact_merge`): the kept record gets the
tickets (each records the change), addresses, numbers, blocks and sign-in links, in one
transaction; the merged record stays, marked, and its portal sessions end."""

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse

from guichet.conftest import T0, last
from guichet.contacts.models import Contact, ContactBlock, ContactEmail, ContactPhone
from guichet.contacts.services import (
    contact_block,
    contact_for_email,
    contact_for_phone,
    contact_merge,
    merge_hooks,
)
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.portal import services as portal
from guichet.portal.models import SignInLink
from guichet.portal.tests.conftest import new_link
from guichet.tickets import services
from guichet.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def open_for(world, contact, subject="Remboursement"):
    return services.ticket_open(
        brand=world.ej,
        contact=contact,
        contact_type="complaint",
        subject=subject,
        text="Toujours rien reçu.",
        channel="email",
    )


@pytest.fixture
def duplicate(world):
    """The customer of `world` again, written in from her work address with a phone."""
    contact = contact_for_email(brand=world.ej, email="h.lefevre@travail.fr", name="", language="")
    with brand_scope(world.ej):
        ContactPhone.objects.create(
            brand=world.ej, contact=contact, number="+33612345678", is_primary=True
        )
    return contact


def fresh(contact):
    with brand_scope(contact.brand_id):
        return Contact.objects.get(pk=contact.pk)


def test_the_kept_record_gets_the_tickets_addresses_and_numbers(world, duplicate):
    ticket = open_for(world, duplicate)
    kept = contact_merge(keep=world.customer, merge=duplicate, actor=world.lead, reason="Même dame")
    assert kept.pk == world.customer.pk
    with brand_scope(world.ej):
        assert Ticket.objects.get(pk=ticket.pk).contact_id == world.customer.pk
        emails = {e.address: e.is_primary for e in ContactEmail.objects.filter(contact=kept)}
        phones = {p.number: p.is_primary for p in ContactPhone.objects.filter(contact=kept)}
    assert emails == {"helene@exemple.fr": True, "h.lefevre@travail.fr": False}
    assert phones == {"+33612345678": True}, "her first number becomes her primary one"
    event = last(ticket, "contact_merged")
    assert event.actor_user_id == world.lead.pk
    assert event.data == {"from": duplicate.pk, "to": world.customer.pk, "reason": "Même dame"}
    assert last(world.ticket, "contact_merged") is None, "her own tickets did not change"
    # Either address and the number now find her.
    assert contact_for_email(brand=world.ej, email="h.lefevre@travail.fr").pk == kept.pk
    assert contact_for_phone(brand=world.ej, phone="+33 6 12 34 56 78").pk == kept.pk


def test_the_merged_record_stays_marked_with_who_when_and_why(world, duplicate):
    contact_merge(keep=world.customer, merge=duplicate, actor=world.lead, reason="Même dame")
    merged = fresh(duplicate)
    assert merged.merged_into_id == world.customer.pk
    assert (merged.merged_at, merged.merged_by_id, merged.merge_reason) == (
        T0,
        world.lead.pk,
        "Même dame",
    )
    assert merged.name == duplicate.name
    kept = fresh(world.customer)
    assert kept.name == "Hélène Lefèvre" and kept.language == "fr", "the kept record's own"


def test_a_blank_name_or_language_is_filled_from_the_merged_record(world):
    by_phone = contact_for_phone(brand=world.ej, phone="+33 1 23 45 67 89")
    contact_merge(keep=by_phone, merge=world.customer, actor=world.lead)
    kept = fresh(by_phone)
    assert (kept.name, kept.language) == ("Hélène Lefèvre", "fr")


def test_a_block_in_force_follows_the_customer(world, duplicate):
    contact_block(contact=duplicate, actor=world.lead, reason="Insultes")
    contact_merge(keep=world.customer, merge=duplicate, actor=world.lead)
    assert fresh(world.customer).blocked_since == T0
    assert fresh(duplicate).blocked_since is None
    with brand_scope(world.ej):
        [block] = ContactBlock.objects.filter(contact=world.customer)
    assert block.reason == "Insultes" and block.lifted_at is None


def test_when_both_records_are_blocked_the_kept_records_block_stays(world, duplicate):
    contact_block(contact=world.customer, actor=world.lead, reason="Menaces")
    contact_block(contact=duplicate, actor=world.lead, reason="Insultes")
    contact_merge(keep=world.customer, merge=duplicate, actor=world.director, reason="Doublon")
    with brand_scope(world.ej):
        blocks = {b.reason: b for b in ContactBlock.objects.filter(contact=world.customer)}
    assert set(blocks) == {"Menaces", "Insultes"}, "both histories are kept"
    assert blocks["Menaces"].lifted_at is None
    lifted = blocks["Insultes"]
    assert (lifted.lifted_at, lifted.lifted_by_id, lifted.lift_reason) == (
        T0,
        world.director.pk,
        "Doublon",
    )
    assert fresh(world.customer).blocked_since is not None


def test_the_merged_records_portal_sessions_end_and_its_links_follow(world, duplicate):
    signed_in = portal.signin(brand=world.ej, token=new_link(world.ej, duplicate))
    assert signed_in is not None
    unused = new_link(world.ej, duplicate)
    contact_merge(keep=world.customer, merge=duplicate, actor=world.lead)
    assert portal.session_for(brand=world.ej, key=signed_in.key) is None
    assert portal.signin(brand=world.ej, token=unused) is None
    with brand_scope(world.ej):
        assert not SignInLink.objects.filter(contact=duplicate).exists()
        assert portal.address_confirmed(world.customer), "her work address was confirmed"


def test_records_merged_into_the_merged_one_point_to_the_kept_one(world, duplicate):
    third = contact_for_email(brand=world.ej, email="helene.perso@exemple.fr")
    contact_merge(keep=duplicate, merge=third, actor=world.lead)
    contact_merge(keep=world.customer, merge=duplicate, actor=world.lead)
    assert fresh(third).merged_into_id == world.customer.pk


def test_refusals_say_why(world, duplicate):
    with pytest.raises(InvalidRequest) as itself:
        contact_merge(keep=duplicate, merge=duplicate, actor=world.lead)
    assert itself.value.code == "merge"
    with pytest.raises(InvalidRequest) as elsewhere:
        contact_merge(keep=world.other_customer, merge=duplicate, actor=world.lead)
    assert elsewhere.value.code == "not_found"
    with pytest.raises(PermissionDenied):
        contact_merge(keep=world.customer, merge=duplicate, actor=world.agent)
    with pytest.raises(PermissionDenied):
        contact_merge(keep=world.customer, merge=duplicate, actor=world.outsider_admin)
    assert fresh(duplicate).merged_into_id is None, "nothing changed"


def test_a_merged_record_is_not_merged_again_elsewhere_nor_kept(world, duplicate):
    third = contact_for_email(brand=world.ej, email="helene.perso@exemple.fr")
    contact_merge(keep=world.customer, merge=duplicate, actor=world.lead)
    with pytest.raises(InvalidRequest) as again:
        contact_merge(keep=third, merge=duplicate, actor=world.lead)
    assert again.value.code == "merged"
    with pytest.raises(InvalidRequest) as into_merged:
        contact_merge(keep=duplicate, merge=third, actor=world.lead)
    assert into_merged.value.code == "merged"


def test_the_same_merge_sent_again_changes_nothing(world, duplicate):
    ticket = open_for(world, duplicate)
    contact_merge(keep=world.customer, merge=duplicate, actor=world.lead)
    before = fresh(world.customer).updated_at
    contact_merge(keep=world.customer, merge=duplicate, actor=world.lead)
    with brand_scope(world.ej):
        assert ticket.events.filter(verb="contact_merged").count() == 1
    assert fresh(world.customer).updated_at == before


def test_a_merged_record_opens_no_ticket(world, duplicate):
    contact_merge(keep=world.customer, merge=duplicate, actor=world.lead)
    with pytest.raises(InvalidRequest) as refused:
        open_for(world, fresh(duplicate))
    assert refused.value.code == "contact_merged"


def test_a_merge_that_fails_midway_leaves_everything_as_it_was(world, duplicate, monkeypatch):
    ticket = open_for(world, duplicate)

    def fail(**kwargs):
        raise InvalidRequest("stop", code="stop")

    monkeypatch.setitem(merge_hooks, "portal", fail)
    with pytest.raises(InvalidRequest):
        contact_merge(keep=world.customer, merge=duplicate, actor=world.lead)
    with brand_scope(world.ej):
        assert Ticket.objects.get(pk=ticket.pk).contact_id == duplicate.pk
        assert ContactEmail.objects.filter(contact=duplicate).count() == 1
        assert not ticket.events.filter(verb="contact_merged").exists()
    assert fresh(duplicate).merged_into_id is None


def test_the_admin_asks_which_record_to_keep_then_merges(world, duplicate, client):
    world.lead.is_staff = True
    world.lead.save()
    client.force_login(world.lead)
    url = reverse("admin:contacts_contact_changelist")
    selected = [world.customer.pk, duplicate.pk]
    asked = client.post(url, {"action": "merge", "_selected_action": selected})
    assert asked.status_code == 200
    assert b'name="keep"' in asked.content and b'name="reason"' in asked.content
    done = client.post(
        url,
        {
            "action": "merge",
            "_selected_action": selected,
            "apply": "1",
            "keep": world.customer.pk,
            "reason": "Même dame",
        },
    )
    assert done.status_code == 302
    assert fresh(duplicate).merged_into_id == world.customer.pk
    page = client.get(reverse("admin:contacts_contact_change", args=[duplicate.pk]))
    assert "Même dame" in page.content.decode()


def test_the_admin_needs_two_records_and_a_role_that_may_merge(world, duplicate, client):
    client.force_login(world.manager)
    url = reverse("admin:contacts_contact_changelist")
    one = client.post(url, {"action": "merge", "_selected_action": [duplicate.pk]}, follow=True)
    assert [m.level_tag for m in one.context["messages"]] == ["error"]
    world.agent.is_staff = True
    world.agent.save()
    client.force_login(world.agent)
    refused = client.post(
        url,
        {
            "action": "merge",
            "_selected_action": [world.customer.pk, duplicate.pk],
            "apply": "1",
            "keep": world.customer.pk,
        },
        follow=True,
    )
    assert [m.level_tag for m in refused.context["messages"]] == ["error"]
    assert fresh(duplicate).merged_into_id is None


# --- a ticket opened while a merge runs ------------------------------------------------------


def test_a_ticket_opened_from_a_record_read_before_its_merge_goes_to_the_kept_one(world, duplicate):
    read_before = fresh(duplicate)  # e.g. found by its address just before the merge
    contact_merge(keep=world.customer, merge=duplicate, actor=world.lead)
    ticket = open_for(world, read_before)
    assert ticket.contact_id == world.customer.pk
    with brand_scope(world.ej):
        assert not Ticket.objects.filter(contact=duplicate).exists()
    assert last(ticket, "opened").actor_contact_id == world.customer.pk


def test_a_record_known_as_merged_is_still_refused(world, duplicate):
    contact_merge(keep=world.customer, merge=duplicate, actor=world.lead)
    with pytest.raises(InvalidRequest) as refused:
        open_for(world, fresh(duplicate))
    assert refused.value.code == "contact_merged"


@pytest.mark.postgres
@pytest.mark.timeout(120)
@pytest.mark.django_db(transaction=True)
def test_an_opening_racing_a_merge_lands_on_the_kept_record(world, duplicate, monkeypatch):
    """The merge holds its lock on both records while the ticket is opened from another
    connection: the opening waits for the merge, then opens on the kept record."""
    merging, go = threading.Event(), threading.Event()
    real = merge_hooks["portal"]

    def paused(**kwargs):
        merging.set()  # both records are locked, the merge's tickets are listed
        go.wait(30)
        return real(**kwargs)

    monkeypatch.setitem(merge_hooks, "portal", paused)
    read_before = fresh(duplicate)
    opened: list = []
    errors: list[BaseException] = []

    def run(work):
        try:
            work()
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    merge = threading.Thread(
        target=run,
        args=(lambda: contact_merge(keep=world.customer, merge=duplicate, actor=world.lead),),
    )
    merge.start()
    assert merging.wait(30)
    opening = threading.Thread(
        target=run, args=(lambda: opened.append(open_for(world, read_before)),)
    )
    opening.start()
    waited = False
    for _ in range(200):  # until the opening waits for the merge's lock
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                waited = True
                break
        opening.join(0.05)
    go.set()
    merge.join(60)
    opening.join(60)
    assert not errors
    assert waited, "the opening waited for the merge"
    with brand_scope(world.ej):
        assert Ticket.objects.get(pk=opened[0].pk).contact_id == world.customer.pk
        assert not Ticket.objects.filter(contact=duplicate).exists()
