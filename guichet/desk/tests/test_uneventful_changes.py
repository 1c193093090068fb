"""Every event moves the ticket's revision, the system's too (an email delivered, a deadline
missed): the open page redraws its history. Such a change touches nothing an agent acts
on, so it does not make the page's forms stale — the refresh says so, and desk.js brings
their revision up to date — while a change by a person still warns."""

import pytest
from django.urls import reverse

from guichet.lib.scoping import brand_scope
from guichet.tickets import services
from guichet.tickets.actors import System
from guichet.tickets.choices import Verb
from guichet.tickets.models import Ticket

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def seen(ticket: Ticket) -> dict[str, str]:
    """The revision and moment a page shows, as its live refresh sends them."""
    with brand_scope(ticket.brand_id):
        fresh = Ticket.objects.get(pk=ticket.pk)
    return {"revision": str(fresh.revision), "since": fresh.updated_at.isoformat()}


def poll(client, ticket, page: dict[str, str]) -> str:
    url = reverse("desk:timeline", kwargs={"reference": ticket.reference})
    answer = client.get(url, page, **HTMX)
    assert answer.status_code == 200
    return answer.content.decode()


def test_a_breach_redraws_the_history_and_leaves_the_forms_current(client, world, frozen_clock):
    client.force_login(world.agent)
    page = seen(world.ticket)
    frozen_clock.advance(minutes=5)
    services.ticket_record(
        ticket=world.ticket,
        actor=System("sla"),
        verb=Verb.DEADLINE_BREACHED,
        data={"kind": "first_response", "level": 0},
    )
    body = poll(client, world.ticket, page)
    assert "data-uneventful" in body
    assert f'data-revision="{seen(world.ticket)["revision"]}"' in body
    assert "This ticket has just changed" not in body and "vient de changer" not in body


def test_a_note_by_a_colleague_still_warns_and_leaves_the_forms_as_they_were(
    client, world, frozen_clock
):
    client.force_login(world.agent)
    page = seen(world.ticket)
    frozen_clock.advance(minutes=5)
    services.ticket_record(
        ticket=world.ticket, actor=System("email"), verb=Verb.EMAIL_SENT, data={"to": "x"}
    )
    services.ticket_note(ticket=world.ticket, actor=world.lead, text="Je prends le dossier.")
    body = poll(client, world.ticket, page)
    assert "data-uneventful" not in body
    assert "Je prends le dossier." in body and "vient de changer" in body
