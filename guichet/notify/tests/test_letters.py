"""Letters: every kind in French and English, the brand's own wording, the outbox."""

import pytest
from django.utils import translation

from guichet.conftest import publish_preset
from guichet.contacts.services import contact_for_email
from guichet.lib.scoping import brand_scope
from guichet.notify.letters import DEFAULTS, compose, default_template, render
from guichet.notify.models import LetterKind, LetterTemplate, OutboundEmail, OutboxStatus
from guichet.tickets import services

pytestmark = pytest.mark.django_db


def test_every_letter_exists_in_french_and_english():
    for kind in LetterKind.values:
        for language in ("fr", "en"):
            assert (DEFAULTS / f"{kind}.{language}.txt").exists(), (kind, language)
            subject, body = default_template(kind, language)
            assert "{{ reference }}" in subject and body.strip()


def test_the_acknowledgement_gives_reference_process_and_expected_dates_in_the_customers_language(
    world,
):
    with brand_scope(world.ej):
        [email] = OutboundEmail.objects.filter(ticket=world.ticket)
    assert email.to_address == "helene@exemple.fr" and email.status == OutboxStatus.QUEUED
    assert email.subject == f"[{world.ticket.reference}] Nous avons bien reçu votre demande"
    assert world.ticket.reference in email.text
    assert "service clients" in email.text  # what happens next: level 1's description
    assert "24 novembre 2026" in email.text  # first response within 24 h (a Monday in Jamaica)
    assert "30 novembre 2026" in email.text  # full written answer within 5 business days
    assert email.html.startswith("<p>")


def test_an_english_customer_gets_english(world):
    john = contact_for_email(
        brand=world.ej, email="john@example.com", name="John Smith", language="en"
    )
    ticket = services.ticket_open(
        brand=world.ej,
        contact=john,
        contact_type="question",
        subject="Hi",
        text="?",
        channel="email",
    )
    with brand_scope(world.ej):
        email = OutboundEmail.objects.get(ticket=ticket)
    assert email.subject.endswith("We have received your request") and "Nov." in email.text


def test_a_brands_own_wording_replaces_the_default(world, frozen_clock):
    with brand_scope(world.ej):
        LetterTemplate.objects.create(
            brand=world.ej,
            kind=LetterKind.LEVEL_CHANGED,
            language="fr",
            subject="[{{ reference }}] Nouveau niveau",
            body="Chère cliente, {{ level_name }} s'en occupe.",
            updated_at=frozen_clock.now(),
        )
    services.ticket_escalate(ticket=world.ticket, actor=world.agent, reason="expert")
    with brand_scope(world.ej):
        email = OutboundEmail.objects.filter(ticket=world.ticket).order_by("-pk").first()
    assert email.subject.endswith("Nouveau niveau")
    assert email.text.strip() == "Chère cliente, Niveau 2 – département concerné s'en occupe."


def test_templates_only_see_plain_strings():
    from django.template import TemplateSyntaxError

    subject, text = render(
        "{{ reference }}", "{{ reference.upper }}{{ secret }}{{ settings }}", {"reference": "ej-1"}
    )
    assert subject == "ej-1" and text.strip() == "EJ-1"
    with pytest.raises(TemplateSyntaxError):
        render("{{ reference.__class__ }}", "", {"reference": "ej-1"})


def test_agent_replies_go_by_email_only_on_email_and_web_tickets(world):
    phone = services.ticket_open(
        brand=world.ej,
        contact=world.customer,
        contact_type="question",
        subject="Appel",
        text="Notes",
        channel="phone",
        actor=world.agent,
    )
    services.ticket_reply(ticket=phone, actor=world.agent, text="Rappel fait.")
    services.ticket_reply(ticket=world.ticket, actor=world.agent, text="Bonjour")
    with brand_scope(world.ej):
        by_ticket = {
            t: [e.automatic for e in OutboundEmail.objects.filter(ticket_id=t).order_by("pk")]
            for t in (phone.pk, world.ticket.pk)
        }
    assert by_ticket[phone.pk] == [True]  # the acknowledgement only: the call itself was the reply
    assert by_ticket[world.ticket.pk] == [True, False]


def test_a_customer_without_an_email_address_is_recorded_as_such(world):
    from guichet.contacts.services import contact_for_phone

    caller = contact_for_phone(brand=world.ej, phone="+1 876 555 0101", name="Caller")
    ticket = services.ticket_open(
        brand=world.ej,
        contact=caller,
        contact_type="question",
        subject="Appel",
        text="Notes",
        channel="phone",
        actor=world.agent,
    )
    with brand_scope(world.ej):
        email = OutboundEmail.objects.get(ticket=ticket)
    assert email.status == OutboxStatus.NO_ADDRESS and email.next_attempt_at is None


def test_no_acknowledgement_for_a_robot_or_a_silent_channel(world):
    robot = services.ticket_open(
        brand=world.ej,
        contact=world.customer,
        contact_type="question",
        subject="Auto",
        text="x",
        channel="email",
        acknowledge=False,
    )
    social = services.ticket_open(
        brand=world.ej,
        contact=world.customer,
        contact_type="comment",
        subject="Post",
        text="x",
        channel="social",
    )
    with brand_scope(world.ej):
        assert not OutboundEmail.objects.filter(ticket__in=[robot, social]).exists()


def test_compose_follows_the_active_language_of_the_ticket_not_the_request(world):
    with translation.override("en"), brand_scope(world.ej):
        subject, _ = compose(world.ticket, LetterKind.ACKNOWLEDGEMENT)
    assert "Nous avons bien reçu" in subject


def test_the_acknowledgement_gives_the_tracking_page_in_the_customers_language(world, settings):
    with brand_scope(world.ej):
        [french] = OutboundEmail.objects.filter(ticket=world.ticket)
    assert f"{settings.SITE_URL}/b/ej/track" in french.text
    john = contact_for_email(
        brand=world.ej, email="john@example.com", name="John Smith", language="en"
    )
    ticket = services.ticket_open(
        brand=world.ej,
        contact=john,
        contact_type="question",
        subject="Opening hours",
        text="When are you open?",
        channel="email",
    )
    with brand_scope(world.ej):
        [english] = OutboundEmail.objects.filter(ticket=ticket)
    assert f"{settings.SITE_URL}/en/b/ej/track" in english.text


@pytest.mark.parametrize("slug", ["ej", "ivoire-toner", "jamla24", "jive", "respect"])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_request_that_is_not_a_complaint_is_not_called_one(slug, language, frozen_clock):
    """EJ: "a request for information about the company's policies is not a complaint"
    (docs/requirements.md IN-1); the acknowledgement of a question quotes level 1's description
    as what happens next, so that description must fit every kind of request."""
    brand = publish_preset(slug)
    customer = contact_for_email(
        brand=brand, email="curieux@exemple.fr", name="Client Curieux", language=language
    )
    ticket = services.ticket_open(
        brand=brand,
        contact=customer,
        contact_type="question",
        subject="Vos horaires",
        text="Quels sont vos horaires ?",
        channel="email",
    )
    with brand_scope(brand):
        email = OutboundEmail.objects.get(ticket=ticket)
    said = f"{email.subject}\n{email.text}".lower()
    for word in ("réclamation", "plainte", "complaint"):
        assert word not in said, (word, email.text)
