"""What the intake read a message as, shown beside the properties with the words that
decided, and corrected in one click (docs/intake-reading.md): the correction is an event
with who and when, and the export of corrections (the benchmark's real-use examples)
finds it."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from guichet.conftest import VerifiedClient
from guichet.intake.email import ingest
from guichet.intake.models import InboundSource
from guichet.intake.tests.test_classify import email
from guichet.lib.scoping import brand_scope
from guichet.tickets.choices import Verb
from guichet.tickets.models import Event, Ticket

pytestmark = pytest.mark.django_db


def test_the_guess_is_shown_and_corrected_in_one_click(world, tmp_path):
    raw = email(
        "Politique de remboursement",
        "Bonjour, juste pour information : quelle est votre politique de remboursement ?",
    )
    ticket = ingest.ingest(raw, source=InboundSource.FILE).ticket
    client = VerifiedClient()
    client.force_login(world.agent)
    page = client.get(f"/desk/t/{ticket.reference}/").content.decode()
    assert "Lu à l’arrivée comme" in page and "juste pour information" in page
    assert f'action="/desk/t/{ticket.reference}/retype/"' in page

    answer = client.post(
        f"/desk/t/{ticket.reference}/retype/",
        {"contact_type": "complaint", "revision": ticket.revision},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    with brand_scope(world.ej):
        ticket = Ticket.objects.get(pk=ticket.pk)
        change = Event.objects.get(ticket=ticket, verb=Verb.FIELD_CHANGED)
    assert ticket.contact_type == "complaint"
    assert (change.actor_user, change.data["from"], change.data["to"]) == (
        world.agent,
        "question",
        "complaint",
    )
    # Corrected: the page says what was read, and offers no second correction.
    page = client.get(f"/desk/t/{ticket.reference}/").content.decode()
    assert "juste pour information" in page and "/retype/" not in page

    path = tmp_path / "corrections.jsonl"
    call_command("intake_corrections", export=str(path), brand="ej")
    [row] = [json.loads(line) for line in path.read_text().splitlines()]
    assert (row["contact_type"], row["guess"]["contact_type"]) == ("complaint", "question")


def test_a_ticket_the_intake_did_not_read_shows_no_guess(world):
    client = VerifiedClient()
    client.force_login(world.agent)
    page = client.get(f"/desk/t/{world.ticket.reference}/").content.decode()
    assert "/retype/" not in page and "Lu à l’arrivée" not in page


def test_another_brands_agent_cannot_retype(world):
    client = VerifiedClient()
    client.force_login(world.outsider)
    answer = client.post(f"/desk/t/{world.ticket.reference}/retype/", {"contact_type": "question"})
    assert answer.status_code == 404
