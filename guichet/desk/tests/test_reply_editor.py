"""The reply editor: a formatted reply (bold, italic, lists, links) goes out as an email
with an HTML part kept to an allow-list and a text part derived from it, links written
out; the timeline shows it formatted, and nothing else. Canned replies and a draft made
stale by a colleague keep the formatting."""

from email import message_from_bytes

import pytest
from django.urls import reverse

from guichet.lib.scoping import brand_scope
from guichet.notify.delivery import deliver
from guichet.notify.models import OutboundEmail
from guichet.tickets import services
from guichet.tickets.choices import Status
from guichet.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}

FORMATTED = (
    '<p onclick="steal()" style="color:red">Bonjour <b>Hélène</b>,</p>'
    "<p>Voici la marche à <i>suivre</i> :</p>"
    "<ol><li>ouvrez <a href='https://ej.example/compte' target='_blank'>votre compte</a> ;</li>"
    "<li>choisissez la commande.</li></ol>"
    "<ul><li>remboursement sous <strong>5 jours</strong></li></ul>"
    "<script>alert('x')</script><img src='https://tracker.example/p.gif' onerror='x()'>"
    "<p>Pas <a href='javascript:alert(1)'>ici</a>.</p>"
)
TEXT = (
    "Bonjour Hélène,\n\n"
    "Voici la marche à suivre :\n\n"
    "1. ouvrez votre compte (https://ej.example/compte) ;\n"
    "2. choisissez la commande.\n\n"
    "- remboursement sous 5 jours\n\n"
    "Pas ici."
)


def fresh(ticket: Ticket) -> Ticket:
    with brand_scope(ticket.brand_id):
        return Ticket.objects.get(pk=ticket.pk)


def send(client, ticket: Ticket, **fields: str):
    return client.post(
        reverse("desk:reply", args=[ticket.reference]),
        {"status_after": Status.OPEN, "revision": fresh(ticket).revision, **fields},
        **HTMX,
    )


def the_reply(ticket: Ticket) -> Message:
    with brand_scope(ticket.brand_id):
        return Message.objects.get(ticket=ticket, direction="out", is_automatic=False)


def test_a_formatted_reply_is_kept_to_the_allow_list_and_its_text_derived(client, world):
    client.force_login(world.agent)
    # The browser also sends the words it shows; the server derives its own from the HTML.
    answer = send(client, world.ticket, html=FORMATTED, text="what the browser thought")
    assert answer.status_code == 200
    reply = the_reply(world.ticket)
    for kept in ("<b>Hélène</b>", "<i>suivre</i>", "<strong>5 jours</strong>", "<ol><li>"):
        assert kept in reply.html
    assert '<a href="https://ej.example/compte" rel="noopener noreferrer nofollow">' in reply.html
    for gone in (
        "onclick",
        "style",
        "<script",
        "alert",
        "<img",
        "tracker",
        "javascript:",
        "target",
    ):
        assert gone not in reply.html, gone
    assert reply.text == TEXT


def test_the_email_has_a_text_part_and_an_html_part(client, world, mailoutbox):
    client.force_login(world.agent)
    send(client, world.ticket, html=FORMATTED, text="")
    reply = the_reply(world.ticket)
    with brand_scope(world.ej):
        email = OutboundEmail.objects.get(message=reply)
    assert deliver(email.pk) == "sent"
    sent = message_from_bytes(mailoutbox[-1].message().as_bytes())
    parts = {part.get_content_type(): part for part in sent.walk()}
    assert sent.get_content_type() == "multipart/alternative"
    plain = parts["text/plain"].get_payload(decode=True).decode()
    html = parts["text/html"].get_payload(decode=True).decode()
    assert plain.replace("\r\n", "\n").strip() == TEXT
    assert "<b>Hélène</b>" in html and "<script" not in html and "onclick" not in html


def test_a_plain_reply_without_javascript_still_has_both_parts(client, world, mailoutbox):
    client.force_login(world.agent)
    send(client, world.ticket, text="Bien reçu.\n\nNous revenons vers vous.")
    reply = the_reply(world.ticket)
    assert reply.text == "Bien reçu.\n\nNous revenons vers vous." and reply.html == ""
    with brand_scope(world.ej):
        deliver(OutboundEmail.objects.get(message=reply).pk)
    sent = message_from_bytes(mailoutbox[-1].message().as_bytes())
    types = [part.get_content_type() for part in sent.walk()]
    assert "text/plain" in types and "text/html" in types


def test_the_timeline_shows_the_formatted_reply_and_nothing_unsafe(client, world):
    # Also a reply written elsewhere (the API keeps more of an HTML body): the desk shows
    # only the allow-list.
    services.ticket_reply(
        ticket=fresh(world.ticket),
        actor=world.agent,
        text="",
        html=FORMATTED + '<table><tr><td>tableau</td></tr></table><img src="cid:logo">',
    )
    client.force_login(world.agent)
    page = client.get(reverse("desk:ticket", args=[world.ticket.reference])).content.decode()
    body = page[page.index('<div class="body rich">') :]
    body = body[: body.index("</div>")]
    assert "<p>Bonjour <b>Hélène</b>,</p>" in body
    assert '<a href="https://ej.example/compte" rel="noopener noreferrer nofollow">' in body
    for gone in ("onclick", "<script", "<img", "<table", "javascript:"):
        assert gone not in body, gone


def test_a_draft_that_says_nothing_is_not_sent(client, world):
    client.force_login(world.agent)
    answer = send(
        client, world.ticket, html="<p><br></p><b> </b><script>alert(1)</script>", text=""
    )
    assert answer.status_code == 400
    assert "<script>alert" not in answer.content.decode()  # the draft comes back sanitised
    with brand_scope(world.ej):
        assert not Message.objects.filter(ticket=world.ticket, is_automatic=False, direction="out")


def test_a_canned_reply_goes_after_a_formatted_draft_which_keeps_its_formatting(client, world):
    from guichet.desk.models import CannedReply

    with brand_scope(world.ej):
        canned = CannedReply.objects.create(
            brand=world.ej,
            language="fr",
            title="Remboursement",
            body="Votre demande {{ reference }} est remboursée.\n\nCordialement,",
        )
    client.force_login(world.agent)
    answer = client.post(
        reverse("desk:canned", args=[world.ticket.reference]),
        {
            "canned": canned.pk,
            "html": "<p>Mon <b>début</b>.</p><script>x()</script>",
            "text": "Mon début.",
            "revision": fresh(world.ticket).revision,
        },
        **HTMX,
    )
    body = answer.content.decode()
    box = body[body.index('id="reply-box"') :]
    box = box[: box.index("</div>")]
    assert "<p>Mon <b>début</b>.</p><p>Votre demande EJ-26-00001 est remboursée.</p>" in box
    assert "<p>Cordialement,</p>" in box and "<script" not in box


def test_a_formatted_draft_made_stale_comes_back_formatted(client, world):
    client.force_login(world.agent)
    seen = fresh(world.ticket).revision
    services.ticket_note(ticket=fresh(world.ticket), actor=world.agent2, text="Rappelé.")
    warned = client.post(
        reverse("desk:reply", args=[world.ticket.reference]),
        {
            "html": "<p>Voici <i>notre</i> réponse.</p>",
            "status_after": Status.OPEN,
            "revision": seen,
        },
        **HTMX,
    )
    body = warned.content.decode()
    assert "a changé pendant que vous écriviez" in body
    box = body[body.index('id="reply-box"') :]
    assert box[: box.index("</div>")].endswith("<p>Voici <i>notre</i> réponse.</p>")
    with brand_scope(world.ej):
        assert not Message.objects.filter(ticket=world.ticket, text="Voici notre réponse.")
