"""What the staff are told besides deadlines and sellers (notify/staff_events.py): a ticket
given to them (not when they took it), a ticket escalated to their level (those whose
role handles it, in its team; not who escalated), an email to the customer that came back
(the author of the reply, else the assignee). Each in the person's language, and kinds
that were there before keep working."""

from __future__ import annotations

import pytest

from guichet.accounts.models import User
from guichet.conftest import make_staff
from guichet.intake.email import ingest
from guichet.intake.models import InboundSource, InboundState
from guichet.lib.scoping import brand_scope
from guichet.notify.models import OutboundEmail, StaffNotification
from guichet.notify.staff import KIND_LABELS, kind_label
from guichet.tickets import services
from guichet.tickets.actors import Customer, System
from guichet.tickets.choices import Verb

pytestmark = pytest.mark.django_db

EJ = "support@experiencejamaique.com"


def told(ticket, kind: str) -> dict[str, str]:
    """username -> text of the notifications of `kind` on the ticket (French typography's
    no-break spaces read as spaces)."""
    with brand_scope(ticket.brand_id):
        return {
            n.user.username: n.text.replace("\N{NO-BREAK SPACE}", " ")
            for n in StaffNotification.objects.filter(ticket=ticket, kind=kind).select_related(
                "user"
            )
        }


def test_a_ticket_given_to_a_person_tells_them(world):
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent)
    notes = told(world.ticket, "assigned")
    assert list(notes) == ["agent"]
    assert (
        notes["agent"] == f"{world.ticket.reference} est désormais à vous : « Facture en double »."
    )


def test_taking_a_ticket_oneself_tells_nobody(world):
    services.ticket_assign(ticket=world.ticket, actor=world.agent, assignee=world.agent)
    assert told(world.ticket, "assigned") == {}


def test_the_notification_is_in_the_persons_language(world):
    User.objects.filter(pk=world.agent2.pk).update(language="en")
    world.agent2.refresh_from_db()
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent2)
    assert told(world.ticket, "assigned") == {
        "agent2": f"{world.ticket.reference} is now yours: “Facture en double”."
    }


def test_a_change_of_team_alone_tells_nobody(world):
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent)
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent)
    assert list(told(world.ticket, "assigned")) == ["agent"]  # once, for the real change


def test_another_person_asked_by_the_customer_tells_the_new_assignee(world):
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent)
    services.ticket_request_another_person(
        ticket=world.ticket, actor=Customer(world.customer), reason="Pas de réponse"
    )
    with brand_scope(world.ej):
        world.ticket.refresh_from_db()
    successor = world.ticket.assignee
    assert successor is not None and successor != world.agent
    assert successor.username in told(world.ticket, "assigned")


def test_an_escalation_tells_those_who_handle_the_new_level_in_its_team(world):
    # EJ's level 2 is the gallery's, handled by investigators and team leads: the
    # investigator (gallery) is told; the front-line lead is not of that team.
    gallery_lead = make_staff(world.ej, "gallerylead", "team_lead", teams=["gallery"])
    services.ticket_escalate(ticket=world.ticket, actor=world.agent, reason="Litige complexe")
    notes = told(world.ticket, "escalated")
    assert set(notes) == {"investigator", gallery_lead.username}
    assert notes["investigator"] == (
        f"{world.ticket.reference} a été escaladé au niveau 2 (Niveau 2 – département"
        " concerné) : « Facture en double »."
    )


def test_the_person_who_escalated_is_not_told(world):
    other = make_staff(world.ej, "director2", "director", teams=["direction"])
    services.ticket_escalate(ticket=world.ticket, actor=world.agent, reason="Litige complexe")
    services.ticket_escalate(ticket=world.ticket, actor=world.director, reason="Pour le DG")
    # Level 3 is the directors': the other director is told, not the one who escalated.
    assert told(world.ticket, "escalated").keys() == {"investigator", other.username}


def test_an_escalation_by_time_tells_the_level_and_names_it_in_each_language(world):
    User.objects.filter(pk=world.investigator.pk).update(language="en")
    services.ticket_escalate(ticket=world.ticket, actor=System("sla"), reason="")
    assert told(world.ticket, "escalated") == {
        "investigator": f"{world.ticket.reference} was escalated to level 2 (Level 2 –"
        " department concerned): “Facture en double”."
    }


def bounce_of(message_id: str) -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.exemple.fr>\r\n"
        f"To: {EJ}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce1@mx.exemple.fr>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.exemple.fr\r\n\r\n"
        "Final-Recipient: rfc822; helene@exemple.fr\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: {EJ}\r\nTo: helene@exemple.fr\r\nMessage-ID: <{message_id}>\r\nSubject: x\r\n"
        "--B--\r\n"
    ).encode()


def bounced(ticket, message) -> None:
    with brand_scope(ticket.brand_id):
        row = OutboundEmail.objects.get(message=message)
    inbound = ingest.ingest(
        bounce_of(row.rfc_message_id), source=InboundSource.FILE, envelope_to=[EJ]
    )
    assert (inbound.state, inbound.reason) == (InboundState.IGNORED, "bounce")


def test_a_returned_reply_tells_its_author(world):
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent)
    services.ticket_reply(ticket=world.ticket, actor=world.agent2, text="Bonjour, c'est réglé.")
    with brand_scope(world.ej):
        reply = world.ticket.messages.filter(author_user=world.agent2).get()
    bounced(world.ticket, reply)
    notes = told(world.ticket, "email_bounced")
    assert list(notes) == ["agent2"]  # the author, not the assignee
    assert "helene@exemple.fr" in notes["agent2"] and "5.1.1" in notes["agent2"]


def test_a_returned_letter_tells_the_assignee(world):
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent)
    with brand_scope(world.ej):
        acknowledgement = world.ticket.messages.filter(is_automatic=True).first()
    bounced(world.ticket, acknowledgement)
    assert list(told(world.ticket, "email_bounced")) == ["agent"]


def test_a_returned_letter_of_a_ticket_nobody_has_tells_the_team_leads(world):
    with brand_scope(world.ej):
        acknowledgement = world.ticket.messages.filter(is_automatic=True).first()
    bounced(world.ticket, acknowledgement)
    assert "lead" in told(world.ticket, "email_bounced")


def test_a_deadline_warning_still_reaches_the_assignee_and_the_team_leads(world):
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent)
    services.ticket_record(
        ticket=world.ticket,
        actor=System("sla"),
        verb=Verb.DEADLINE_WARNED,
        data={"kind": "first_response", "due": "2026-11-24T14:00:00+00:00"},
    )
    notes = told(world.ticket, "deadline_warning")
    assert set(notes) == {"agent", "lead"}
    # The deadline as each person reads a date: in their time zone (else the brand's).
    assert notes["agent"] == (
        f"{world.ticket.reference} : l’échéance « Première réponse » tombe le 24/11/2026 09:00."
    )


def test_every_kind_has_a_label_and_an_unknown_one_a_generic_label():
    assert {"abuse_flag", "threat", "assigned", "escalated", "email_bounced"} <= set(KIND_LABELS)
    from django.utils import translation

    with translation.override("fr"):
        assert str(kind_label("abuse_flag")) == "Message abusif"
        assert str(kind_label("threat")) == "Menace"
        assert str(kind_label("something_new")) == "Notification"
    with translation.override("en"):
        assert str(kind_label("abuse_flag")) == "Abusive message"
        assert str(kind_label("threat")) == "Threat"
