"""Every desk page and action: a stranger is sent to sign in, an outsider from another
brand gets 404 (as if the ticket did not exist), a role that may not act gets 403, and a
POST without the CSRF token is refused."""

import pytest
from django.test import Client
from django.urls import reverse

from guichet.conftest import assert_hidden_from_outsider

pytestmark = pytest.mark.django_db

TICKET_PAGES = ["ticket", "timeline"]
TICKET_ACTIONS = [
    "reply",
    "note",
    "canned",
    "take",
    "assign",
    "fields",
    "level",
    "close",
    "reopen",
    "identity",
    "order",
    "link",
    "merge",
    "split",
    "thank",
    "close_quietly",
    "flag",
]


def url(name: str, world) -> str:
    return reverse(f"desk:{name}", kwargs={"reference": world.ticket.reference})


@pytest.mark.parametrize("name", TICKET_PAGES + TICKET_ACTIONS)
def test_an_outsider_from_another_brand_gets_404(client, world, name):
    method = "get" if name in TICKET_PAGES else "post"
    assert_hidden_from_outsider(client, world.outsider, url(name, world), method=method)


def test_an_outsider_gets_404_for_an_attachment(client, world):
    assert_hidden_from_outsider(
        client,
        world.outsider,
        reverse("desk:attachment", kwargs={"reference": world.ticket.reference, "pk": 1}),
    )


@pytest.mark.parametrize("name", TICKET_PAGES + TICKET_ACTIONS)
def test_a_stranger_is_sent_to_sign_in(client, world, name):
    response = getattr(client, "get" if name in TICKET_PAGES else "post")(url(name, world))
    assert response.status_code == 302 and "/desk/account/login/" in response["Location"]


@pytest.mark.parametrize(
    "view",
    ["mine", "team", "unassigned", "soon", "breached", "escalated", "waiting", "abusive", "closed"],
)
def test_every_inbox_view_needs_a_signed_in_staff_member(client, world, view):
    target = reverse("desk:inbox", kwargs={"view": view})
    assert client.get(target).status_code == 302
    client.force_login(world.agent)
    assert client.get(target).status_code == 200


def test_an_unknown_view_is_404(client, world):
    client.force_login(world.agent)
    assert client.get(reverse("desk:inbox", kwargs={"view": "everything"})).status_code == 404


def test_a_lower_role_gets_403(client, world):
    """An agent may take a ticket, not hand it to someone else."""
    client.force_login(world.agent)
    response = client.post(
        url("assign", world),
        {"assignee": world.agent2.pk, "revision": world.ticket.revision},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 403
    assert "Votre rôle ne le permet pas." in response.content.decode()


def test_the_quarantine_is_for_administrators(client, world):
    target = reverse("desk:quarantine")
    client.force_login(world.agent)
    assert client.get(target).status_code == 404
    client.force_login(world.admin)
    assert client.get(target).status_code == 200


def test_the_quarantine_says_why_in_words(client, world):
    from guichet.intake.email.ingest import ingest
    from guichet.intake.models import InboundSource

    row = ingest(
        b"To: support@experiencejamaique.com\r\nSubject: Hello\r\n\r\nHello\r\n",
        source=InboundSource.FILE,
        brand=world.ej,
    )
    assert row.state == "quarantined" and row.reason == "no_sender", row.reason
    client.force_login(world.admin)
    page = client.get(reverse("desk:quarantine")).content.decode()
    assert "Aucune adresse d’expéditeur utilisable" in page
    assert "no_sender" not in page


@pytest.mark.parametrize("name", TICKET_ACTIONS)
def test_a_post_without_the_csrf_token_is_refused(world, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.lead)
    assert client.post(url(name, world), {"revision": 1}).status_code == 403


def test_a_ticket_of_another_brand_is_not_in_the_lists_or_search(client, world):
    from guichet.tickets import services
    from guichet.tickets.choices import Channel

    services.ticket_open(
        brand=world.jamla,
        contact=world.other_customer,
        contact_type="question",
        subject="Facture en double chez Jamla",
        text="Colis jamais reçu.",
        channel=Channel.EMAIL,
    )
    client.force_login(world.agent)
    page = client.get(reverse("desk:inbox", kwargs={"view": "unassigned"})).content.decode()
    assert world.ticket.reference in page and "Jamla" not in page
    found = client.get(reverse("desk:search"), {"q": "Facture"}).content.decode()
    assert world.ticket.reference in found and "chez Jamla" not in found
