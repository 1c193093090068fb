"""The event log is append-only and written in the transaction of the change."""

import pytest
from django.db import transaction

from guichet.lib.scoping import brand_scope
from guichet.tickets import services
from guichet.tickets.actors import SYSTEM
from guichet.tickets.events import event_committed
from guichet.tickets.models import Event
from guichet.tickets.services.change import build_event, record_events

pytestmark = pytest.mark.django_db


def test_events_cannot_be_changed_or_deleted(world):
    with brand_scope(world.ej):
        event = Event.objects.get(ticket=world.ticket, verb="opened")
        event.verb = "closed"
        with pytest.raises(TypeError):
            event.save()
        with pytest.raises(TypeError):
            event.delete()
        with pytest.raises(TypeError):
            Event.objects.filter(pk=event.pk).update(verb="closed")
        with pytest.raises(TypeError):
            Event.objects.filter(pk=event.pk).delete()


def test_unknown_verbs_are_refused(world):
    with pytest.raises(ValueError), transaction.atomic():
        services.ticket_record(ticket=world.ticket, actor=SYSTEM, verb="teleported")


@pytest.mark.django_db(transaction=True)
def test_events_are_only_written_inside_the_transaction_of_their_change():
    from guichet.conftest import publish_preset
    from guichet.contacts.services import contact_for_email

    brand = publish_preset("ej")
    contact = contact_for_email(brand=brand, email="a@exemple.fr")
    ticket = services.ticket_open(
        brand=brand,
        contact=contact,
        contact_type="question",
        subject="s",
        text="t",
        channel="email",
    )
    with pytest.raises(RuntimeError):
        record_events([build_event(ticket=ticket, verb="note_added", actor=SYSTEM)])


def test_listeners_hear_of_an_event_only_after_commit(world, django_capture_on_commit_callbacks):
    heard = []

    def listener(sender, event_id, verb, **kwargs):
        heard.append(verb)

    event_committed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.ticket_note(ticket=world.ticket, actor=world.agent, text="n")
        assert heard == []
        for callback in callbacks:
            callback()
        assert heard == ["note_added"]
    finally:
        event_committed.disconnect(listener)


def test_a_failed_change_leaves_no_event(world):
    with brand_scope(world.ej):
        before = Event.objects.count()
    with pytest.raises(Exception):  # noqa: B017 - any failure
        services.ticket_close(ticket=world.ticket, actor=world.agent)  # complaint without outcome
    with brand_scope(world.ej):
        assert Event.objects.count() == before
