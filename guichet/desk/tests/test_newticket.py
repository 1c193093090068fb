"""The desk's new ticket (`/desk/tickets/new/`, docs/telephony.md): an agent opens a
request for a customer who called, wrote or came in — the customer found (within the
brand only) or made, the policy's channels, types and categories, the call logged, a
callback planned, a letter's scan attached; a blocked customer flagged; the
acknowledgement by email or the agent told it could not go. Only the brand's staff."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from guichet.accounts.models import Membership, Role
from guichet.conftest import World, assert_hidden_from_outsider, last, make_staff, publish_preset
from guichet.contacts.services import contact_block, contact_for_email, contact_for_phone
from guichet.lib import clock
from guichet.lib.scoping import brand_scope
from guichet.telephony import services
from guichet.telephony.models import Call, Callback
from guichet.tickets.choices import Verb
from guichet.tickets.models import Attachment, Ticket

URL = reverse("desk:new_ticket")
SEARCH = reverse("desk:new_ticket_customers")


def _form(world: World, **extra):
    data = {
        "brand": world.ej.pk,
        "contact": world.customer.pk,
        "channel": "phone",
        "contact_type": "complaint",
        "category": "billing",
        "subject": "Remboursement non reçu",
        "text": "Appel : la cliente attend son remboursement.",
        "call_direction": "in",
        "call_outcome": "answered",
        "call_minutes": "4",
        "call_number": "+33 6 12 34 56 78",
        "language": "fr",
    }
    data.update(extra)
    return data


def _new(world: World, before: set[int]) -> Ticket:
    with brand_scope(world.ej):
        return Ticket.objects.exclude(pk__in=before).get()


def _known(world: World) -> set[int]:
    with brand_scope(world.ej):
        return set(Ticket.objects.values_list("pk", flat=True))


def test_the_form_offers_the_policys_channels_types_and_categories(client, world: World):
    client.force_login(world.agent)
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="phone"' in html and 'value="email"' in html
    assert 'value="letter"' not in html  # EJ takes no letters
    assert 'value="billing"' in html
    assert 'value="complaint"' in html and 'value="dispute"' not in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_an_agent_opens_a_phone_ticket_with_its_call_and_callback(client, world: World):
    client.force_login(world.agent)
    before = _known(world)
    response = client.post(URL, _form(world, callback_wanted="on", callback_to="me"))
    ticket = _new(world, before)
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:ticket", args=[ticket.reference])
    assert (ticket.channel, ticket.contact, ticket.contact_type, ticket.category) == (
        "phone",
        world.customer,
        "complaint",
        "billing",
    )
    assert last(ticket, Verb.OPENED).data["recorded_by"] == world.agent.pk
    with brand_scope(world.ej):
        call = Call.objects.get(ticket=ticket)
        callback = Callback.objects.get(ticket=ticket)
    assert (call.direction, call.outcome, call.duration_s) == ("in", "answered", 240)
    assert call.from_number == "+33612345678" and call.agent == world.agent
    assert callback.assignee == world.agent and callback.phone == "+33612345678"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert f"Ticket {ticket.reference} ouvert." in html or ticket.reference in html
    assert "Appel" in html  # the call's line in the history


def test_a_customer_without_an_address_is_told_to_be_given_the_reference(client, world: World):
    caller = contact_for_phone(brand=world.ej, phone="+18765550101", name="Marcia Brown")
    client.force_login(world.agent)
    before = _known(world)
    response = client.post(URL, _form(world, contact=caller.pk, call_number=""), follow=True)
    ticket = _new(world, before)
    assert ticket.contact == caller and not ticket.auto_acknowledge
    assert "aucun accusé de réception" in response.content.decode().lower()
    assert ticket.reference in response.content.decode()


def test_a_new_customer_is_made_with_the_ticket(client, world: World):
    client.force_login(world.agent)
    before = _known(world)
    response = client.post(
        URL,
        _form(
            world,
            contact="new",
            name="Marcia Brown",
            email="marcia@example.jm",
            phone="+1 876 555 0123",
            call_number="+1 876 555 0123",
            language="en",
        ),
    )
    assert response.status_code == 302
    ticket = _new(world, before)
    assert ticket.contact.name == "Marcia Brown" and ticket.language == "en"
    with brand_scope(world.ej):
        assert [p.number for p in ticket.contact.phones.all()] == ["+18765550123"]


def test_a_known_address_is_not_made_a_second_customer(client, world: World):
    client.force_login(world.agent)
    response = client.post(
        URL, _form(world, contact="new", name="Hélène bis", email="helene@exemple.fr")
    )
    assert response.status_code == 400
    assert "existe" in response.content.decode()
    with brand_scope(world.ej):
        assert Ticket.objects.count() == 1


def test_missing_fields_keep_the_form_with_its_errors(client, world: World):
    client.force_login(world.agent)
    response = client.post(URL, _form(world, subject="", call_outcome=""))
    assert response.status_code == 400
    html = response.content.decode()
    assert html.count('class="errorlist') >= 2
    assert "Appel : la cliente attend son remboursement." in html  # the draft is kept


def test_a_letter_is_opened_with_its_scan_as_an_attachment(client, world: World):
    jive = publish_preset("jive")
    clerk = make_staff(jive, "clerk", Role.AGENT)
    customer = contact_for_email(brand=jive, email="paul@example.ca", name="Paul Tremblay")
    client.force_login(clerk)
    scan = SimpleUploadedFile("lettre.pdf", b"%PDF-1.4 la lettre", content_type="application/pdf")
    response = client.post(
        URL,
        {
            "brand": jive.pk,
            "contact": customer.pk,
            "channel": "letter",
            "contact_type": "complaint",
            "subject": "Lettre : facturation",
            "text": "Résumé de la lettre.",
            # As the clerk's browser shows it: in Jive's time zone (Toronto).
            "received_at": (clock.now() - timedelta(days=2))
            .astimezone(ZoneInfo("America/Toronto"))
            .strftime("%Y-%m-%dT%H:%M"),
            "attachments": [scan],
        },
    )
    assert response.status_code == 302
    with brand_scope(jive):
        ticket = Ticket.objects.get(brand=jive)
        files = list(Attachment.objects.filter(message__ticket=ticket))
        assert not Call.objects.filter(brand=jive).exists()
    assert ticket.channel == "letter"
    assert [(f.filename, f.content_type) for f in files] == [("lettre.pdf", "application/pdf")]
    assert ticket.created_at == clock.now().replace(second=0, microsecond=0) - timedelta(days=2)
    # Downloaded, never shown inline.
    download = client.get(reverse("desk:attachment", args=[ticket.reference, files[0].pk]))
    assert download["Content-Disposition"].startswith("attachment")


def test_a_file_that_is_not_what_its_name_says_is_refused(client, world: World):
    jive = publish_preset("jive")
    clerk = make_staff(jive, "clerk", Role.AGENT)
    customer = contact_for_email(brand=jive, email="paul@example.ca", name="Paul Tremblay")
    client.force_login(clerk)
    fake = SimpleUploadedFile("lettre.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = client.post(
        URL,
        {
            "brand": jive.pk,
            "contact": customer.pk,
            "channel": "letter",
            "contact_type": "complaint",
            "subject": "Lettre",
            "text": "…",
            "attachments": [fake],
        },
    )
    assert response.status_code == 400
    with brand_scope(jive):
        assert not Ticket.objects.filter(brand=jive).exists()


def test_a_blocked_customer_is_flagged_and_recorded_only_on_confirmation(client, world: World):
    contact_block(contact=world.customer, actor=world.lead, reason="Menaces")
    client.force_login(world.agent)
    page = client.get(URL, {"contact": world.customer.pk})
    assert "Ce client est bloqué" in page.content.decode()
    refused = client.post(URL, _form(world))
    assert refused.status_code == 400
    with brand_scope(world.ej):
        assert Ticket.objects.count() == 1
    before = _known(world)
    done = client.post(URL, _form(world, blocked_confirmed="on"), follow=True)
    ticket = _new(world, before)
    assert not ticket.auto_acknowledge
    assert "rien ne lui a été envoyé" in done.content.decode()


def test_the_search_finds_the_brands_customers_only(client, world: World):
    contact_for_email(brand=world.jamla, email="helene@exemple.ma", name="Hélène Jamla")
    contact_for_phone(brand=world.ej, phone="+33 6 12 34 56 78", name="Paul Martin")
    client.force_login(world.agent)
    found = client.get(SEARCH, {"brand": world.ej.pk, "q": "Hél"}).content.decode()
    assert "Hélène Lefèvre" in found and "Hélène Jamla" not in found
    by_address = client.get(SEARCH, {"brand": world.ej.pk, "q": "helene@"}).content.decode()
    assert "Hélène Lefèvre" in by_address and "exemple.ma" not in by_address
    by_number = client.get(SEARCH, {"brand": world.ej.pk, "q": "06 12 34"}).content.decode()
    assert "Paul Martin" in by_number
    nothing = client.get(SEARCH, {"brand": world.ej.pk, "q": "zz"}).content.decode()
    assert "Aucun client" in nothing
    # Asking for another brand's customers: as if the brand did not exist.
    assert client.get(SEARCH, {"brand": world.jamla.pk, "q": "Hél"}).status_code == 404


def test_another_brands_agent_reaches_nothing(client, world: World):
    assert_hidden_from_outsider(client, world.outsider, f"{URL}?brand={world.ej.pk}")
    assert_hidden_from_outsider(client, world.outsider, f"{SEARCH}?brand={world.ej.pk}&q=Hél")
    assert_hidden_from_outsider(
        client, world.outsider, URL, method="post", **_form(world, brand=world.ej.pk)
    )
    # In their own brand, EJ's customer is not found either.
    client.force_login(world.outsider)
    response = client.post(URL, _form(world, brand=world.jamla.pk, category=""))
    assert response.status_code == 404
    with brand_scope(world.ej):
        assert Ticket.objects.count() == 1


def test_posting_without_the_csrf_token_is_refused(world: World):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.agent)
    assert strict.post(URL, _form(world)).status_code == 403


def test_a_person_of_several_brands_chooses_the_brand_first(client, world: World):
    Membership.objects.create(user=world.agent, brand=world.jamla, role=Role.AGENT)
    client.force_login(world.agent)
    page = client.get(URL).content.decode()
    assert f"?brand={world.jamla.pk}" in page and f"?brand={world.ej.pk}" in page
    form = client.get(URL, {"brand": world.jamla.pk}).content.decode()
    assert 'name="subject"' in form


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_signed_out_are_sent_to_sign_in(client, world: World, method: str):
    response = getattr(client, method)(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_call_the_telephone_system_reported_goes_on_the_new_ticket(client, world: World):
    caller = contact_for_phone(brand=world.ej, phone="+18765550101", name="Marcia Brown")
    ringing = services.call_ring(
        brand=world.ej,
        external_id="r-7",
        direction="in",
        from_number="+18765550101",
        to_number="+18760000000",
        at=clock.now(),
    )
    services.call_answer(brand=world.ej, external_id="r-7", at=clock.now() + timedelta(seconds=14))
    client.force_login(world.agent)
    page = client.get(URL, {"brand": world.ej.pk, "call": ringing.pk}).content.decode()
    assert "sera mis sur ce ticket" in page and "14 secondes" in page
    assert 'id="contact-chosen"' in page and "Marcia Brown" in page  # found by the number
    assert 'name="call_direction"' not in page  # nothing to tell: the system told it
    before = _known(world)
    data = _form(world, contact=caller.pk, call=ringing.pk)
    for name in ("call_direction", "call_outcome", "call_minutes", "call_number"):
        del data[name]
    assert client.post(URL, data).status_code == 302
    ticket = _new(world, before)
    with brand_scope(world.ej):
        assert Call.objects.get(pk=ringing.pk).ticket == ticket
        assert Call.objects.count() == 1
    # Another brand's call cannot be taken so.
    assert_hidden_from_outsider(
        client, world.outsider, f"{URL}?brand={world.jamla.pk}&call={ringing.pk}"
    )


def test_the_pages_speak_english_too(client, world: World):
    calls_url, callbacks_url = reverse("desk:calls"), reverse("desk:callbacks")
    client.force_login(world.agent)
    page = client.get("/en" + URL).content.decode()
    assert "Find the customer: name, email address or phone number" in page
    assert "Open the ticket" in page and "Ouvrir le ticket" not in page
    calls = client.get("/en" + calls_url).content.decode()
    assert "No call yet." in calls
    callbacks = client.get("/en" + callbacks_url).content.decode()
    assert "Nobody to call back here." in callbacks
