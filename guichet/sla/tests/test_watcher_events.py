"""The watcher's actions are changes of the ticket like any other: recorded through the
ticket services, they move its revision (live pages redraw, API clients see it changed),
are announced after commit (webhooks) and run the reactions (the staff told, the delay
letter written) — none is written beside that path."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from guichet.conftest import last, make_staff, publish_preset
from guichet.contacts.services import contact_for_email
from guichet.lib import clock
from guichet.lib.scoping import brand_scope
from guichet.notify.models import StaffNotification
from guichet.sla import watcher
from guichet.tickets import services
from guichet.tickets.choices import Verb
from guichet.tickets.events import event_committed
from guichet.tickets.models import Ticket

pytestmark = pytest.mark.django_db

ZONE = ZoneInfo("Africa/Casablanca")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, 23, hour, minute, tzinfo=ZONE)


@pytest.fixture
def question():
    brand = publish_preset("jamla24")
    agent = make_staff(brand, "agent", "agent", teams=["customer-service"])
    make_staff(brand, "lead", "team_lead", teams=["customer-service"])
    contact = contact_for_email(brand=brand, email="awa@exemple.ma", name="Awa")
    with clock.frozen(at(10)):
        ticket = services.ticket_open(
            brand=brand,
            contact=contact,
            contact_type="question",
            subject="Livraison",
            text="Où est mon colis ?",
            channel="email",
        )
        services.ticket_assign(ticket=ticket, actor=agent, assignee=agent)
    return ticket


def revision(ticket: Ticket) -> tuple[int, datetime]:
    with brand_scope(ticket.brand_id):
        fresh = Ticket.objects.get(pk=ticket.pk)
    return fresh.revision, fresh.updated_at


def notified(ticket: Ticket, kind: str) -> set[str]:
    with brand_scope(ticket.brand_id):
        return set(
            StaffNotification.objects.filter(ticket=ticket, kind=kind).values_list(
                "user__username", flat=True
            )
        )


def test_a_warning_moves_the_revision_and_the_staff_are_told_by_notify(question):
    before, _ = revision(question)
    with clock.frozen(at(13)):
        assert watcher.sweep()["warned"] == 1
    after, updated = revision(question)
    assert after == before + 1 and updated == at(13)
    assert last(question, Verb.DEADLINE_WARNED).actor_label == "sla"
    assert notified(question, "deadline_warning") == {"agent", "lead"}


def test_a_breach_moves_the_revision_is_announced_and_the_staff_are_told(
    question, django_capture_on_commit_callbacks
):
    heard: list[str] = []

    def listener(sender, event_id, verb, **kwargs):
        heard.append(verb)

    with clock.frozen(at(13)):
        watcher.sweep()
    before, _ = revision(question)
    event_committed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True), clock.frozen(at(14)):
            assert watcher.sweep()["breached"] == 1
    finally:
        event_committed.disconnect(listener)
    after, updated = revision(question)
    assert after == before + 1 and updated == at(14)
    assert heard == [Verb.DEADLINE_BREACHED]
    breach = last(question, Verb.DEADLINE_BREACHED)
    assert breach.actor_label == "sla" and breach.data["kind"] == "first_response"
    assert notified(question, "deadline_breached") == {"agent", "lead"}


def test_an_email_delivered_moves_the_revision(question, mailoutbox):
    from guichet.notify.delivery import deliver_due

    before, _ = revision(question)
    with clock.frozen(at(10, 1)):
        assert deliver_due()["sent"] == 1  # the acknowledgement
    after, _ = revision(question)
    assert after == before + 1
    assert last(question, Verb.EMAIL_SENT).actor_label == "email"
