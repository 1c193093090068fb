"""Staff notifications by email, to a real SMTP server (aiosmtpd on a free port), as each
person chose: at once (one email per run per person, grouping what arrived), in a daily
digest at their hour in their time zone, or never — a threat always at once. Each is sent
once (a claimed row is leased; a second run sends nothing), a failure is retried with
back-off, a 5xx reply gives up; the email is in the person's language with absolute
links; nothing is sent of a ticket or brand the person can no longer reach."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Membership, NotificationEmail, User
from guichet.accounts.permissions import staff_access
from guichet.lib.scoping import brand_scope
from guichet.notify import services as notify_services
from guichet.notify.delivery import BACKOFF
from guichet.notify.models import StaffNotification
from guichet.notify.staff import notify_staff
from guichet.notify.staff_mail import claim, send_due
from guichet.notify.tests.test_delivery import Recorder, free_port, start_server
from guichet.tickets import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def port(settings) -> int:
    """The outgoing mail server's port (SMTP, as in production), nothing listening yet."""
    chosen = free_port()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": chosen, "timeout": 5},
        }
    }
    return chosen


@pytest.fixture
def server(port: int) -> Iterator[Recorder]:
    controller, recorder = start_server(port)
    yield recorder
    controller.stop()


@pytest.fixture
def people(world):
    """The EJ staff with addresses (world's have none)."""
    for user in (world.agent, world.agent2, world.lead, world.manager, world.outsider):
        User.objects.filter(pk=user.pk).update(email=f"{user.username}@ej.example")
        user.refresh_from_db()
    return world


def prefer(user: User, choice: str, **extra: object) -> None:
    User.objects.filter(pk=user.pk).update(notification_email=choice, **extra)
    user.refresh_from_db()


def rows(user: User) -> list[StaffNotification]:
    with brand_scope(user.memberships.values_list("brand_id", flat=True)[0]):
        return list(StaffNotification.objects.filter(user=user).order_by("pk"))


def body(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return part.get_content().replace("\r\n", "\n").replace("\N{NO-BREAK SPACE}", " ")


def another_ticket(world):
    return services.ticket_open(
        brand=world.ej,
        contact=world.customer,
        contact_type="question",
        subject="Horaires",
        text="Quand ouvrez-vous ?",
        channel="email",
    )


def threat(world, user: User) -> int:
    with brand_scope(world.ej):
        return notify_staff(
            world.ticket,
            [user],
            "threat",
            _("%(reference)s: a threat in the customer's message."),
            reference=world.ticket.reference,
        )


def test_an_assignment_is_emailed_at_once_in_french_with_a_link_and_only_once(
    people, server, frozen_clock
):
    world = people
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent)
    assert send_due() == {"sent": 1}
    assert send_due() == {}  # nothing twice
    [mail] = server.messages()
    [envelope] = server.received
    assert envelope.rcpt_tos == ["agent@ej.example"]
    assert (
        mail["Subject"]
        == f"[Expérience Jamaïque] Demande qui vous est confiée · {world.ticket.reference}"
    )
    assert mail["Auto-Submitted"] == "auto-generated"
    [note] = rows(world.agent)
    assert note.emailed_at == frozen_clock.now() and note.email_due_at is None
    text = body(mail)
    assert text.startswith("Bonjour Agent,")
    assert f"{world.ticket.reference} est désormais à vous : « Facture en double »." in text
    assert f"{settings.SITE_URL}/desk/notifications/{note.pk}/" in text
    assert f"{settings.SITE_URL}/desk/preferences/" in text


def test_what_arrived_between_two_runs_is_one_email_per_person(people, server):
    world = people
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent)
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent2)
    other = another_ticket(world)
    services.ticket_assign(ticket=other, actor=world.lead, assignee=world.agent2)
    assert send_due() == {"sent": 2}  # agent: one; agent2: one with their two tickets
    by_person = {m["To"]: m for m in server.messages()}
    assert set(by_person) == {"Agent <agent@ej.example>", "Agent2 <agent2@ej.example>"}
    grouped = by_person["Agent2 <agent2@ej.example>"]
    assert grouped["Subject"] == "[Expérience Jamaïque] 2 notifications"
    assert world.ticket.reference in body(grouped) and other.reference in body(grouped)


def test_the_email_is_in_the_persons_language(people, server):
    world = people
    User.objects.filter(pk=world.agent.pk).update(language="en")
    world.agent.refresh_from_db()
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent)
    send_due()
    [mail] = server.messages()
    assert (
        mail["Subject"] == f"[Expérience Jamaïque] Ticket given to you · {world.ticket.reference}"
    )
    assert body(mail).startswith("Hello Agent,")
    assert f"{world.ticket.reference} is now yours" in body(mail)


def test_a_daily_digest_goes_at_the_persons_hour_in_their_time_zone(people, server, frozen_clock):
    world = people
    # T0 is 15:00 in Paris; the digest is at 8:00 there, 7:00 UTC the next morning.
    prefer(world.agent, NotificationEmail.DAILY, digest_hour=8, time_zone="Europe/Paris")
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent)
    frozen_clock.advance(timedelta(hours=3))
    services.ticket_assign(ticket=another_ticket(world), actor=world.lead, assignee=world.agent)
    morning = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    assert {n.email_due_at for n in rows(world.agent)} == {morning}
    assert send_due() == {}
    assert send_due(morning - timedelta(seconds=1)) == {}
    assert send_due(morning) == {"sent": 1}
    assert send_due(morning + timedelta(minutes=1)) == {}
    [mail] = server.messages()
    assert mail["Subject"] == "[Expérience Jamaïque] Votre récapitulatif du jour : 2 notifications"
    assert "depuis votre dernier récapitulatif (2 notifications)" in body(mail)


def test_without_a_time_zone_of_their_own_the_digest_follows_the_brands(people):
    world = people
    prefer(world.agent, NotificationEmail.DAILY, digest_hour=9)
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent)
    # EJ is in Jamaica (UTC−5): T0 is 9:00 there, so the next 9:00 is tomorrow's.
    [note] = rows(world.agent)
    assert note.email_due_at == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)


def test_off_sends_nothing_but_a_threat_always_goes_at_once(people, server):
    world = people
    prefer(world.manager, NotificationEmail.OFF)
    prefer(world.agent, NotificationEmail.OFF)
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent)
    [note] = rows(world.agent)
    assert note.email_due_at is None
    threat(world, world.manager)
    assert send_due() == {"sent": 1}
    [mail] = server.messages()
    assert mail["To"] == "Manager <manager@ej.example>"
    assert mail["Subject"].startswith("Urgent : [Expérience Jamaïque] Menace · ")


def test_a_threat_to_a_person_of_the_daily_digest_goes_at_once(people, server):
    world = people
    prefer(world.manager, NotificationEmail.DAILY)
    threat(world, world.manager)
    assert send_due() == {"sent": 1}
    assert "Menace" in server.messages()[0]["Subject"]


def test_two_workers_never_claim_the_same_notification(people, frozen_clock):
    world = people
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent)
    now = frozen_clock.now()
    first = claim(now)
    assert len(first) == 1
    assert claim(now) == []  # leased by the first worker
    [note] = rows(world.agent)
    assert note.email_due_at == now + timedelta(minutes=5)


def test_a_server_that_is_down_is_retried_and_the_email_goes_once_it_is_up(
    people, port, frozen_clock
):
    world = people
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent)
    assert send_due() == {"retry": 1}  # nothing listens on the port
    [note] = rows(world.agent)
    assert note.email_attempts == 1 and "ConnectionRefusedError" in note.email_error
    assert note.email_due_at == frozen_clock.now() + BACKOFF[0]
    assert send_due() == {}  # not due yet
    controller, recorder = start_server(port)
    try:
        frozen_clock.advance(BACKOFF[0])
        assert send_due() == {"sent": 1}
        assert send_due() == {}
    finally:
        controller.stop()
    assert len(recorder.received) == 1
    [note] = rows(world.agent)
    assert (note.emailed_at, note.email_error) == (frozen_clock.now(), "")


def test_a_5xx_refusal_gives_up_at_once(people, server):
    world = people
    server.refuse_rcpt = "550 5.1.1 User unknown"
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent)
    assert send_due() == {"failed": 1}
    [note] = rows(world.agent)
    assert note.email_due_at is None and note.emailed_at is None and "5.1.1" in note.email_error


def test_nothing_is_sent_to_a_person_who_left_the_brand(people, server):
    world = people
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent)
    Membership.objects.filter(user=world.agent).update(is_active=False)
    assert send_due() == {"dropped": 1}
    assert server.received == []
    assert staff_access(world.agent).brands == []


def test_choosing_immediately_sends_what_waited_for_the_digest(people, server, frozen_clock):
    world = people
    prefer(world.agent, NotificationEmail.DAILY)
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent)
    assert send_due() == {}
    notify_services.notification_preferences_set(
        user=world.agent,
        notification_email=NotificationEmail.IMMEDIATELY,
        digest_hour=8,
        language="fr",
        time_zone="",
    )
    assert send_due() == {"sent": 1}


def test_choosing_never_drops_what_waited_for_the_digest(people, server, frozen_clock):
    world = people
    prefer(world.agent, NotificationEmail.DAILY)
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent)
    notify_services.notification_preferences_set(
        user=world.agent,
        notification_email=NotificationEmail.OFF,
        digest_hour=8,
        language="fr",
        time_zone="",
    )
    assert [n.email_due_at for n in rows(world.agent)] == [None]
    frozen_clock.advance(timedelta(days=2))
    assert send_due() == {} and server.received == []
