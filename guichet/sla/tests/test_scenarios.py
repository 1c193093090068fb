"""The acceptance scenarios of the policy engine, one per preset, moving the clock."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from guichet.conftest import last, make_staff, publish_preset
from guichet.contacts.services import contact_for_email
from guichet.lib import clock
from guichet.lib.scoping import brand_scope
from guichet.notify.models import OutboundEmail
from guichet.sla import watcher
from guichet.sla.models import Deadline
from guichet.tickets import services
from guichet.tickets.actors import Customer
from guichet.tickets.choices import Status, Verb
from guichet.tickets.models import Message

pytestmark = pytest.mark.django_db


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))


def deadline(ticket, kind, level=0):
    with brand_scope(ticket.brand_id):
        return (
            Deadline.objects.filter(ticket=ticket, kind=kind, level=level).order_by("-pk").first()
        )


def letters(ticket):
    with brand_scope(ticket.brand_id):
        return [
            e.data["letter"]
            for e in ticket.events.filter(verb=Verb.REPLIED).order_by("at", "pk")
            if e.data.get("automatic")
        ]


def sweep_at(moment: datetime):
    with clock.frozen(moment):
        return watcher.sweep()


def open_complaint(brand, when, *, email="client@exemple.fr", **extra):
    contact = contact_for_email(brand=brand, email=email, name="Awa Koné", language="fr")
    with clock.frozen(when):
        return services.ticket_open(
            brand=brand,
            contact=contact,
            contact_type=extra.pop("contact_type", "complaint"),
            subject="Commande jamais reçue",
            text="Le vendeur ne répond pas.",
            channel=extra.pop("channel", "email"),
            **extra,
        )


# 1. Jamla24 -------------------------------------------------------------------------------------


def test_jamla24_escalates_automatically_at_24_and_48_hours_and_tells_the_customer():
    brand = publish_preset("jamla24")
    zone = "Africa/Casablanca"
    friday = local(zone, 2026, 11, 20, 20, 30)
    ticket = open_complaint(brand, friday)

    assert deadline(ticket, "escalation", 2).due_at == local(zone, 2026, 11, 21, 20, 30)
    assert deadline(ticket, "resolution").due_at == local(zone, 2026, 11, 25, 20, 30)  # 5 days

    assert sweep_at(local(zone, 2026, 11, 21, 20, 29))["escalated"] == 0
    assert sweep_at(local(zone, 2026, 11, 21, 20, 30))["escalated"] == 1
    ticket.refresh_from_db()
    assert ticket.level == 2 and ticket.team.key == "problem-resolution"
    assert ticket.level_started_at == local(zone, 2026, 11, 21, 20, 30)
    assert last(ticket, Verb.ESCALATED).data["trigger"] == "time"
    assert letters(ticket) == ["acknowledgement", "level_changed"]
    # Level 2's findings are due 48 h after first contact.
    assert deadline(ticket, "level", 2).due_at == local(zone, 2026, 11, 22, 20, 30)

    assert sweep_at(local(zone, 2026, 11, 22, 20, 30))["escalated"] == 1
    ticket.refresh_from_db()
    assert ticket.level == 3 and ticket.team.key == "customer-experience"
    assert letters(ticket) == ["acknowledgement", "level_changed", "level_changed"]
    assert deadline(ticket, "resolution").due_at == local(zone, 2026, 11, 25, 20, 30)
    # Nothing more to escalate: the customer-experience team is the last level.
    assert deadline(ticket, "escalation", 3).met_at is not None
    with brand_scope(brand):
        assert not Deadline.objects.filter(
            ticket=ticket, kind="escalation", met_at__isnull=True
        ).exists()

    # Each letter says who handles it, what happens next and when, in French.
    with brand_scope(brand):
        letter = Message.objects.filter(ticket=ticket, is_automatic=True).order_by("-pk").first()
        assert "Équipe expérience client" in letter.text
        assert OutboundEmail.objects.filter(ticket=ticket).count() == 3


def test_jamla24_does_not_escalate_a_ticket_solved_in_time():
    brand = publish_preset("jamla24")
    zone = "Africa/Casablanca"
    ticket = open_complaint(brand, local(zone, 2026, 11, 20, 20, 30))
    agent = make_staff(brand, "agent", "agent", teams=["customer-service"])
    with clock.frozen(local(zone, 2026, 11, 21, 10, 0)):
        services.ticket_close(ticket=ticket, actor=agent, outcome="upheld", summary="Remboursé")
    assert sweep_at(local(zone, 2026, 11, 23, 0, 0))["escalated"] == 0
    ticket.refresh_from_db()
    assert ticket.level == 1
    assert deadline(ticket, "resolution").met_at == local(zone, 2026, 11, 21, 10, 0)


# 2. EJ ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        ((2026, 11, 21, 10, 0), (2026, 11, 24, 10, 0)),  # Saturday: 72 h
        ((2026, 11, 24, 10, 0), (2026, 11, 25, 10, 0)),  # Tuesday: 24 h
        ((2026, 12, 25, 10, 0), (2026, 12, 28, 10, 0)),  # Christmas Day, a holiday in Jamaica: 72 h
    ],
)
def test_ej_first_response_is_24_hours_on_business_days_72_at_weekends_and_holidays(received, due):
    brand = publish_preset("ej")
    zone = "America/Jamaica"
    ticket = open_complaint(brand, local(zone, *received), contact_type="question")
    assert deadline(ticket, "first_response").due_at == local(zone, *due)


def test_ej_complaint_without_full_answer_gets_the_delay_letter_before_day_5():
    brand = publish_preset("ej")
    zone = "America/Jamaica"
    ticket = open_complaint(brand, local(zone, 2026, 11, 24, 10, 0))  # Tuesday
    full = deadline(ticket, "full_answer")
    assert full.due_at == local(zone, 2026, 12, 1, 10, 0)  # 5 business days
    letter = deadline(ticket, "delay_letter")
    assert letter.due_at == local(zone, 2026, 11, 30, 10, 0)  # one business day before

    assert sweep_at(local(zone, 2026, 11, 30, 10, 0))["delay_letter"] == 1
    full.refresh_from_db()
    assert full.original_due_at == local(zone, 2026, 12, 1, 10, 0)
    assert full.due_at == local(zone, 2026, 12, 8, 10, 0)  # another 5 business days
    sent = last(ticket, Verb.DELAY_LETTER_SENT)
    assert sent.data["reason"] == "absence du personnel (congés ou maladie)"
    with brand_scope(brand):
        message = Message.objects.filter(ticket=ticket, is_automatic=True).order_by("-pk").first()
    assert "8 décembre 2026" in message.text and "1 décembre 2026" in message.text
    # Sent once only.
    assert sweep_at(local(zone, 2026, 12, 2, 10, 0))["delay_letter"] == 0


def test_ej_no_delay_letter_when_the_full_answer_was_given():
    brand = publish_preset("ej")
    zone = "America/Jamaica"
    ticket = open_complaint(brand, local(zone, 2026, 11, 24, 10, 0))
    agent = make_staff(brand, "agent", "agent", teams=["front-line"])
    with clock.frozen(local(zone, 2026, 11, 26, 10, 0)):
        services.ticket_reply(
            ticket=ticket, actor=agent, text="Voici notre réponse complète.", full_answer=True
        )
    assert deadline(ticket, "full_answer").met_at == local(zone, 2026, 11, 26, 10, 0)
    assert sweep_at(local(zone, 2026, 11, 30, 10, 0))["delay_letter"] == 0
    assert "delay_letter" not in letters(ticket)


# 3. Ivoire Toner --------------------------------------------------------------------------------


def test_ivoire_toner_simple_requests_have_2_business_days_complex_ones_7():
    brand = publish_preset("ivoire-toner")
    zone = "Africa/Abidjan"
    monday = local(zone, 2026, 11, 23, 10, 0)
    simple = open_complaint(brand, monday, contact_type="question", complexity="simple")
    complex_ = open_complaint(
        brand, monday, contact_type="question", complexity="complex", email="b@exemple.ci"
    )
    assert deadline(simple, "resolution").due_at == local(zone, 2026, 11, 25, 10, 0)
    assert deadline(complex_, "resolution").due_at == local(zone, 2026, 12, 2, 10, 0)


def test_ivoire_toner_waiting_on_the_customer_keeps_the_remaining_time():
    brand = publish_preset("ivoire-toner")
    zone = "Africa/Abidjan"
    ticket = open_complaint(brand, local(zone, 2026, 11, 23, 10, 0), contact_type="question")
    agent = make_staff(brand, "agent", "agent", teams=["support"])
    # Two hours later we ask for the order number: 46 business hours remain.
    with clock.frozen(local(zone, 2026, 11, 23, 12, 0)):
        services.ticket_reply(
            ticket=ticket,
            actor=agent,
            text="Votre numéro de commande ?",
            status_after=Status.WAITING_CUSTOMER,
        )
    assert deadline(ticket, "resolution").due_at is None  # the clock stands still
    # The customer answers three days later, on Thursday at noon.
    with clock.frozen(local(zone, 2026, 11, 26, 12, 0)):
        services.ticket_receive(
            ticket=ticket, contact=ticket.contact, text="CMD-2026-004211", channel="email"
        )
    # Thursday 12:00 + 46 h of business days = Monday 10:00 (the weekend does not count).
    assert deadline(ticket, "resolution").due_at == local(zone, 2026, 11, 30, 10, 0)


# 4. Jive ----------------------------------------------------------------------------------------


def test_jive_senior_manager_on_request_then_ccts_referral_after_the_final_decision():
    brand = publish_preset("jive")
    zone = "America/Toronto"
    ticket = open_complaint(brand, local(zone, 2026, 11, 23, 10, 0), contact_type="complaint")
    agent = make_staff(brand, "agent", "agent", teams=["support"])
    senior = make_staff(brand, "senior", "director", teams=["senior"])
    with clock.frozen(local(zone, 2026, 11, 24, 9, 0)):
        services.ticket_close(
            ticket=ticket, actor=agent, outcome="not_upheld", summary="Facture conforme."
        )
    assert letters(ticket)[-1] == "outcome"
    assert last(ticket, Verb.OMBUDSMAN_REFERRED) is None  # not the final level yet

    with clock.frozen(local(zone, 2026, 11, 25, 9, 0)):
        services.ticket_escalate(
            ticket=ticket,
            actor=Customer(ticket.contact),
            reason="Je veux parler à un directeur senior.",
        )
    ticket.refresh_from_db()
    assert ticket.level == 2 and ticket.status == Status.OPEN
    with brand_scope(brand):
        told = Message.objects.filter(ticket=ticket, is_automatic=True).order_by("-pk").first()
    assert "Directeur senior ou responsable du service d’assistance" in told.text
    assert "Vous recevrez une réponse au plus tard le" in told.text

    with clock.frozen(local(zone, 2026, 11, 27, 9, 0)):
        services.ticket_close(
            ticket=ticket, actor=senior, outcome="partly_upheld", summary="Crédit de 20 $."
        )
    assert letters(ticket)[-2:] == ["outcome", "ombudsman"]
    referral = last(ticket, Verb.OMBUDSMAN_REFERRED)
    assert referral.data == {"ombudsman": "CCTS"}
    assert (
        "www.ccts-cprst.ca" in referral.message.text and "1 888 221-1687" in referral.message.text
    )


# Warnings, breaches and the command ------------------------------------------------------------


def test_the_assignee_and_team_lead_are_warned_before_a_breach_then_the_breach_is_recorded():
    from guichet.notify.models import StaffNotification

    brand = publish_preset("jamla24")
    zone = "Africa/Casablanca"
    agent = make_staff(brand, "agent", "agent", teams=["customer-service"])
    make_staff(brand, "lead", "team_lead", teams=["customer-service"])
    ticket = open_complaint(brand, local(zone, 2026, 11, 23, 10, 0), contact_type="question")
    with clock.frozen(local(zone, 2026, 11, 23, 10, 5)):
        services.ticket_assign(ticket=ticket, actor=agent, assignee=agent)
    first = deadline(ticket, "first_response")
    assert first.due_at == local(zone, 2026, 11, 23, 14, 0)  # 4 opening hours
    assert first.warn_at == local(zone, 2026, 11, 23, 13, 0)

    assert sweep_at(local(zone, 2026, 11, 23, 13, 0))["warned"] == 1
    with brand_scope(brand):
        assert set(StaffNotification.objects.values_list("user__username", flat=True)) == {
            "agent",
            "lead",
        }
    assert sweep_at(local(zone, 2026, 11, 23, 14, 0))["breached"] == 1
    first.refresh_from_db()
    assert first.breached_at == local(zone, 2026, 11, 23, 14, 0) and first.breached
    assert last(ticket, Verb.DEADLINE_BREACHED).data["kind"] == "first_response"
    # A late reply meets it late: it stays a breach.
    with clock.frozen(local(zone, 2026, 11, 23, 15, 0)):
        services.ticket_reply(ticket=ticket, actor=agent, text="Désolé du retard.")
    first.refresh_from_db()
    assert first.met_at is not None and first.breached


def test_sla_sweep_command_acts_as_of_a_moment(capsys):
    from django.core.management import call_command

    brand = publish_preset("jamla24")
    ticket = open_complaint(brand, local("Africa/Casablanca", 2026, 11, 20, 20, 30))
    call_command("sla", "sweep", "--at", "2026-11-21T20:30:00+01:00")
    assert "escalated: 1" in capsys.readouterr().out
    ticket.refresh_from_db()
    assert ticket.level == 2
    assert last(ticket, Verb.ESCALATED).at == local("Africa/Casablanca", 2026, 11, 21, 20, 30)


def test_next_due_follows_the_earliest_running_promise():
    brand = publish_preset("ej")
    zone = "America/Jamaica"
    ticket = open_complaint(brand, local(zone, 2026, 11, 24, 10, 0))
    ticket.refresh_from_db()
    assert ticket.next_due_at == local(zone, 2026, 11, 25, 10, 0)  # first response
    agent = make_staff(brand, "agent", "agent", teams=["front-line"])
    with clock.frozen(local(zone, 2026, 11, 24, 11, 0)):
        services.ticket_reply(ticket=ticket, actor=agent, text="Nous regardons.")
    ticket.refresh_from_db()
    assert ticket.next_due_at == local(zone, 2026, 12, 1, 10, 0)  # the full written answer
    assert timedelta(0) < ticket.next_due_at - ticket.created_at
