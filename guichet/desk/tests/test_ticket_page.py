"""The ticket page: one timeline; replying, notes, canned replies; taking, assigning,
classifying, changing level, closing — each through the services, each safe when two
agents act at once."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from guichet.desk.models import CannedReply
from guichet.lib.scoping import brand_scope
from guichet.notify.models import OutboundEmail
from guichet.tickets import services
from guichet.tickets.choices import Status
from guichet.tickets.models import Event, Message, Ticket

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, ticket, **kwargs) -> str:
    return reverse(f"desk:{name}", kwargs={"reference": ticket.reference, **kwargs})


def fresh(ticket) -> Ticket:
    with brand_scope(ticket.brand_id):
        return Ticket.objects.get(pk=ticket.pk)


def test_the_page_shows_one_timeline_of_messages_notes_and_events(client, world):
    services.ticket_note(ticket=world.ticket, actor=world.agent, text="Vérifier le relevé.")
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent)
    client.force_login(world.agent)
    page = client.get(url("ticket", world.ticket)).content.decode()
    assert "J&#x27;ai été débitée deux fois." in page  # the customer's message
    assert "Vérifier le relevé." in page and "note interne" in page  # the note
    assert "Attribué" in page and "Agent" in page  # who it went to
    assert world.ticket.reference in page and "Hélène Lefèvre" in page


def test_a_reply_goes_to_the_customer_and_the_editor_is_emptied(client, world):
    client.force_login(world.agent)
    ticket = fresh(world.ticket)
    response = client.post(
        url("reply", ticket),
        {
            "text": "Nous remboursons le doublon.",
            "status_after": Status.OPEN,
            "revision": ticket.revision,
        },
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="editor"' in body and "Nous remboursons le doublon." in body  # in the timeline
    with brand_scope(world.ej):
        reply = Message.objects.filter(ticket=ticket, direction="out", is_automatic=False).get()
        assert reply.author_user == world.agent
        assert OutboundEmail.objects.filter(message=reply).exists()


def test_a_reply_drafted_on_a_stale_ticket_warns_before_sending(client, world):
    client.force_login(world.agent)
    seen = fresh(world.ticket).revision
    services.ticket_note(ticket=world.ticket, actor=world.agent2, text="Le client a rappelé.")
    draft = {"text": "Voici notre réponse.", "status_after": Status.OPEN, "revision": seen}
    warned = client.post(url("reply", world.ticket), draft, **HTMX)
    body = warned.content.decode()
    assert "a changé pendant que vous écriviez" in body
    assert "Voici notre réponse." in body  # the draft is kept
    assert "Le client a rappelé." in body  # and what changed is shown
    with brand_scope(world.ej):
        assert not Message.objects.filter(ticket=world.ticket, text="Voici notre réponse.").exists()
    current = fresh(world.ticket).revision
    sent = client.post(
        url("reply", world.ticket),
        {**draft, "revision": current, "confirm_stale": "True"},
        **HTMX,
    )
    assert sent.status_code == 200
    with brand_scope(world.ej):
        assert Message.objects.filter(ticket=world.ticket, text="Voici notre réponse.").exists()


def test_two_agents_taking_the_same_ticket_cannot_both_win(client, world):
    revision = fresh(world.ticket).revision
    client.force_login(world.agent)
    first = client.post(url("take", world.ticket), {"revision": revision}, **HTMX)
    assert first.status_code == 200
    client.force_login(world.agent2)
    second = client.post(url("take", world.ticket), {"revision": revision}, **HTMX)
    assert second.status_code == 409
    assert "Quelqu’un d’autre a modifié ce dossier entre-temps" in second.content.decode()
    assert fresh(world.ticket).assignee == world.agent


def test_a_note_stays_internal(client, world):
    client.force_login(world.agent)
    response = client.post(
        url("note", world.ticket),
        {"text": "Client connu du service.", "revision": fresh(world.ticket).revision},
        **HTMX,
    )
    assert response.status_code == 200
    with brand_scope(world.ej):
        note = Message.objects.get(ticket=world.ticket, text="Client connu du service.")
        assert note.is_internal and not OutboundEmail.objects.filter(message=note).exists()


def test_classification_level_and_closing(client, world):
    client.force_login(world.lead)
    ticket = fresh(world.ticket)
    client.post(
        url("fields", ticket),
        {
            "contact_type": "complaint",
            "category": "billing",
            "priority": "high",
            "complexity": "simple",
            "status": Status.OPEN,
            "revision": ticket.revision,
        },
        **HTMX,
    )
    ticket = fresh(ticket)
    assert (ticket.priority, ticket.status) == ("high", Status.OPEN)
    escalated = client.post(
        url("level", ticket),
        {"to_level": 2, "reason": "Litige sur le montant.", "revision": ticket.revision},
        **HTMX,
    )
    assert escalated.status_code == 200 and fresh(ticket).level == 2
    back = client.post(
        url("level", ticket),
        {"to_level": 1, "reason": "Erreur d'aiguillage.", "revision": fresh(ticket).revision},
        **HTMX,
    )
    assert back.status_code == 200 and fresh(ticket).level == 1
    closed = client.post(
        url("close", ticket),
        {"outcome": "upheld", "summary": "Remboursé.", "revision": fresh(ticket).revision},
        **HTMX,
    )
    assert closed.status_code == 200 and fresh(ticket).status == Status.CLOSED
    reopened = client.post(url("reopen", ticket), {"reason": "Nouveau débit."}, **HTMX)
    assert reopened.status_code == 200 and fresh(ticket).status == Status.OPEN


def test_a_canned_reply_is_filled_for_the_ticket_after_the_draft(client, world):
    with brand_scope(world.ej):
        canned = CannedReply.objects.create(
            brand=world.ej,
            language="fr",
            title="Remboursement",
            body="Bonjour {{ customer_name }}, votre demande {{ reference }} est remboursée.",
        )
    client.force_login(world.agent)
    response = client.post(
        url("canned", world.ticket),
        {"canned": canned.pk, "text": "Mon début.", "revision": fresh(world.ticket).revision},
        **HTMX,
    )
    body = response.content.decode()
    assert "Mon début.\n\nBonjour Hélène Lefèvre, votre demande EJ-26-00001 est remboursée." in body


def test_the_timeline_refresh_answers_204_until_something_changes(client, world):
    client.force_login(world.agent)
    revision = fresh(world.ticket).revision
    same = client.get(url("timeline", world.ticket), {"revision": revision}, **HTMX)
    assert same.status_code == 204
    services.ticket_note(ticket=world.ticket, actor=world.lead, text="Du nouveau.")
    changed = client.get(url("timeline", world.ticket), {"revision": revision}, **HTMX)
    assert changed.status_code == 200 and "Du nouveau." in changed.content.decode()


def test_an_attachment_is_always_a_download(client, world):
    client.force_login(world.agent)
    upload = SimpleUploadedFile("page.html", b"<script>alert(1)</script>", "text/html")
    client.post(
        url("note", world.ticket),
        {"text": "Pièce jointe", "revision": fresh(world.ticket).revision, "attachments": upload},
    )
    with brand_scope(world.ej):
        stored = Message.objects.get(ticket=world.ticket, text="Pièce jointe").attachments.get()
    response = client.get(url("attachment", world.ticket, pk=stored.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"


def test_every_action_is_recorded_as_an_event_by_the_services(client, world):
    client.force_login(world.lead)
    ticket = fresh(world.ticket)
    client.post(url("take", ticket), {"revision": ticket.revision}, **HTMX)
    with brand_scope(world.ej):
        event = Event.objects.filter(ticket=ticket, verb="assigned").last()
    assert event is not None and event.actor_user == world.lead


def test_the_timeline_speaks_the_readers_language_not_stored_keys(client, world):
    services.ticket_change(ticket=world.ticket, actor=world.lead, priority="urgent")
    ticket = fresh(world.ticket)
    services.ticket_reply(ticket=ticket, actor=world.agent, text="Bien reçu.")
    client.force_login(world.agent)
    page = client.get(url("ticket", world.ticket)).content.decode()
    assert "priorité\u00a0: Haute → Urgente" in page  # billing is served at high priority
    assert "Facturation" in page  # the category's name in the policy, not "billing"
    assert "Échéance fixée\u00a0: Première réponse" in page  # a deadline's kind
    assert "courriel\u00a0: En attente d’envoi" in page
    english = client.get("/en" + url("ticket", world.ticket)).content.decode()
    assert "priority: High → Urgent" in english and "Deadline set: First response" in english
    assert "Billing" in english and "email: Queued" in english


def test_text_typed_in_a_browser_is_stored_with_plain_line_ends(client, world):
    client.force_login(world.agent)
    ticket = fresh(world.ticket)
    client.post(
        url("note", ticket),
        {"text": "Ligne un\r\nLigne deux\rLigne trois", "revision": ticket.revision},
        **HTMX,
    )
    with brand_scope(world.ej):
        note = Message.objects.get(ticket=ticket, is_internal=True)
    assert note.text == "Ligne un\nLigne deux\nLigne trois"


def test_a_long_ticket_shows_its_first_message_and_latest_entries_the_rest_on_request(
    client, world, frozen_clock
):
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from guichet.desk.timeline import RECENT

    for i in range(RECENT + 20):
        frozen_clock.advance(timedelta(minutes=1))
        services.ticket_note(ticket=world.ticket, actor=world.agent, text=f"Note numéro {i}.")
    client.force_login(world.agent)
    page = client.get(url("ticket", world.ticket))
    shown = page.context["timeline"]
    text = page.content.decode()
    assert "J&#x27;ai été débitée deux fois." in text  # the customer's first message
    assert f"Note numéro {RECENT + 19}." in text  # the latest
    assert "Note numéro 0." not in text
    assert shown.hidden > 20 and len(shown.items) == RECENT + 1
    assert f"Afficher les {shown.hidden} entrées précédentes" in text
    # "Show earlier" brings the whole history, and the live refresh keeps it whole.
    whole = client.get(url("timeline", world.ticket), {"history": "all"}, **HTMX)
    body = whole.content.decode()
    assert whole.context["timeline"].hidden == 0
    assert "Note numéro 0." in body and "vient de changer" not in body
    assert "history=all" in body
    # A bounded number of queries: a long ticket adds two counts and its first message.
    short = services.ticket_open(
        brand=world.ej,
        contact=world.customer,
        contact_type="question",
        subject="Court",
        text="Bonjour",
        channel="email",
    )
    with CaptureQueriesContext(connection) as for_long:
        client.get(url("ticket", world.ticket))
    with CaptureQueriesContext(connection) as for_short:
        client.get(url("ticket", short))
    assert len(for_short.captured_queries) <= len(for_long.captured_queries)
    assert len(for_long.captured_queries) <= len(for_short.captured_queries) + 3
