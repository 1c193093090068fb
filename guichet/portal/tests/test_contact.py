"""The contact page: a request from the web becomes a ticket, hostile input does not."""

from __future__ import annotations

from typing import Any

import django.test
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from guichet.conftest import World, publish_preset
from guichet.contacts.models import Contact
from guichet.contacts.services import contact_for_email
from guichet.lib.scoping import brand_scope
from guichet.notify.models import OutboundEmail
from guichet.portal.tests.conftest import new_link, publish_variant, url
from guichet.tickets.choices import Channel, OrderStatus
from guichet.tickets.models import Attachment, Ticket

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def form(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Ana Brown",
        "email": "ana@example.org",
        "contact_type": "complaint",
        "category": "billing",
        "subject": "Charged twice",
        "message": "My card was charged twice for one booking.",
        "language": "en",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return data


def tickets_of(brand: Any) -> list[Ticket]:
    with brand_scope(brand):
        return list(Ticket.objects.filter(brand=brand).select_related("contact"))


def test_the_page_offers_the_brands_contact_types_categories_and_consent(
    browser: django.test.Client, world: World
) -> None:
    page = browser.get("/en" + url(world.ej, "contact"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Experience" in html or world.ej.name in html
    assert world.ej.colour in html
    assert 'value="complaint"' in html and 'value="billing"' in html
    assert 'value="service_request"' not in html  # not one of EJ's contact types
    assert "under EJ’s privacy policy" in html  # the policy's consent text
    assert 'name="website"' in html and 'class="hp"' in html  # the honeypot
    assert 'enctype="multipart/form-data"' in html
    assert page["Cache-Control"] == "private, no-store"


def test_the_page_is_french_without_prefix(browser: django.test.Client, world: World) -> None:
    page = browser.get(url(world.ej, "contact"))
    assert page.status_code == 200
    assert '<html lang="fr">' in page.content.decode()


def test_unknown_brand_is_not_found(browser: django.test.Client, world: World) -> None:
    assert browser.get("/b/nope/contact").status_code == 404
    world.jamla.is_active = False
    world.jamla.save()
    assert browser.get(url(world.jamla, "contact")).status_code == 404


def test_a_request_opens_a_web_ticket_and_the_confirmation_gives_reference_and_time(
    browser: django.test.Client, world: World
) -> None:
    before = {t.pk for t in tickets_of(world.ej)}
    response = browser.post("/en" + url(world.ej, "contact"), form())
    assert response.status_code == 302
    assert response["Location"] == "/en" + url(world.ej, "contact_sent")
    [ticket] = [t for t in tickets_of(world.ej) if t.pk not in before]
    assert ticket.channel == Channel.WEB
    assert ticket.contact_type == "complaint" and ticket.category == "billing"
    assert ticket.language == "en"
    assert ticket.contact.name == "Ana Brown"
    page = browser.get(response["Location"])
    html = page.content.decode()
    assert ticket.reference in html
    assert "full answer by" in html  # the policy's time to answer
    assert "Where is my request?" in html  # next steps
    with brand_scope(world.ej):
        ack = OutboundEmail.objects.get(ticket=ticket)
    assert ack.automatic and ack.to_address == "ana@example.org"


def test_the_confirmation_is_only_for_the_browser_that_sent_it(
    browser: django.test.Client, world: World
) -> None:
    browser.post(url(world.ej, "contact"), form())
    stranger = django.test.Client()
    response = stranger.get(url(world.ej, "contact_sent"))
    assert response.status_code == 302  # back to the form: nothing to show
    # nor on another brand's page
    assert browser.get(url(world.jamla, "contact_sent")).status_code == 302


def test_header_injection_in_name_and_subject_is_flattened(
    browser: django.test.Client, world: World
) -> None:
    response = browser.post(
        url(world.ej, "contact"),
        form(
            name="Eve\r\nBcc: victim@example.net",
            subject="Hello\r\nBcc: victim@example.net\nX-Evil: 1",
            email="eve@example.org",
        ),
    )
    assert response.status_code == 302
    [ticket] = [t for t in tickets_of(world.ej) if t.contact.name.startswith("Eve")]
    assert "\n" not in ticket.subject and "\r" not in ticket.subject
    assert "\n" not in ticket.contact.name and "\r" not in ticket.contact.name
    with brand_scope(world.ej):
        ack = OutboundEmail.objects.get(ticket=ticket)
    assert "\n" not in ack.subject and "\n" not in ack.to_name


def test_an_address_with_a_line_break_is_refused(browser: django.test.Client, world: World) -> None:
    count = len(tickets_of(world.ej))
    response = browser.post(
        url(world.ej, "contact"), form(email="eve@example.org\r\nBcc: victim@example.net")
    )
    assert response.status_code == 400
    assert len(tickets_of(world.ej)) == count


def test_consent_and_known_choices_are_required(browser: django.test.Client, world: World) -> None:
    count = len(tickets_of(world.ej))
    assert browser.post(url(world.ej, "contact"), form(consent="")).status_code == 400
    assert browser.post(url(world.ej, "contact"), form(contact_type="dispute")).status_code == 400
    assert browser.post(url(world.ej, "contact"), form(category="nope")).status_code == 400
    assert browser.post(url(world.ej, "contact"), form(language="de")).status_code == 400
    assert len(tickets_of(world.ej)) == count


def test_the_honeypot_says_thanks_and_opens_nothing(
    browser: django.test.Client, world: World
) -> None:
    count = len(tickets_of(world.ej))
    response = browser.post(url(world.ej, "contact"), form(website="http://spam.example"))
    assert response.status_code == 302
    page = browser.get(response["Location"])
    assert page.status_code == 200
    assert len(tickets_of(world.ej)) == count


def test_a_blocked_contact_opens_nothing(browser: django.test.Client, world: World) -> None:
    with brand_scope(world.ej):
        Contact.objects.filter(pk=world.customer.pk).update(blocked_since=world.ticket.created_at)
    count = len(tickets_of(world.ej))
    response = browser.post(url(world.ej, "contact"), form(email="helene@exemple.fr"))
    assert response.status_code == 302
    assert len(tickets_of(world.ej)) == count


# --- order references (IN-5) ---------------------------------------------------------------


@pytest.fixture
def ivoire(world: World) -> Any:
    return publish_preset("ivoire-toner")


def test_the_order_reference_follows_the_brands_rule(
    browser: django.test.Client, ivoire: Any
) -> None:
    base = form(contact_type="question", category="delivery")
    page = browser.get("/en" + url(ivoire, "contact")).content.decode()
    assert "Order number" in page and "CMD-2026-004211" in page
    missing = browser.post(url(ivoire, "contact"), base)
    assert missing.status_code == 400
    malformed = browser.post(url(ivoire, "contact"), base | {"order_reference": "CMD-12"})
    assert malformed.status_code == 400
    assert tickets_of(ivoire) == []
    ok = browser.post(url(ivoire, "contact"), base | {"order_reference": " CMD-2026-004211 "})
    assert ok.status_code == 302
    [ticket] = tickets_of(ivoire)
    assert ticket.order_reference == "CMD-2026-004211"
    assert ticket.order_status == OrderStatus.VALID


def test_brands_without_a_rule_have_no_order_field(
    browser: django.test.Client, world: World
) -> None:
    assert 'name="order_reference"' not in browser.get(url(world.ej, "contact")).content.decode()


# --- attachments ----------------------------------------------------------------------------------


def attachments_of(brand: Any) -> list[Attachment]:
    with brand_scope(brand):
        return list(Attachment.objects.filter(brand=brand))


def test_a_pdf_is_attached_with_our_content_type(browser: django.test.Client, world: World) -> None:
    upload = SimpleUploadedFile("facture.pdf", PDF, content_type="text/html")
    response = browser.post(url(world.ej, "contact"), form(attachments=[upload]))
    assert response.status_code == 302
    [stored] = [a for a in attachments_of(world.ej) if a.filename == "facture.pdf"]
    assert stored.content_type == "application/pdf"
    assert stored.message is not None


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("invoice.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100, "not the kind of file"),  # an .exe
        ("photo.png", b"<svg onload=alert(1)>", "not the kind of file"),
        ("page.html", b"<html><script>alert(1)</script>", "not accepted"),
        ("setup.exe", b"MZ\x90\x00", "not accepted"),
        ("image.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not accepted"),
        ("notes.txt", b"text\x00with nul", "not the kind of file"),
        ("noextension", PDF, "not accepted"),
    ],
)
def test_disguised_and_dangerous_files_are_refused(
    browser: django.test.Client, world: World, name: str, content: bytes, why: str
) -> None:
    count = len(tickets_of(world.ej))
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    response = browser.post("/en" + url(world.ej, "contact"), form(attachments=[upload]))
    assert response.status_code == 400
    assert why in response.content.decode()
    assert len(tickets_of(world.ej)) == count
    assert attachments_of(world.ej) == []


def test_files_over_the_policys_limits_are_refused(browser: django.test.Client, db: Any) -> None:
    # EJ's file ends with its [intake] table: these lines go into it.
    brand = publish_variant("ej", "attachment_max_mb = 1\nmessage_attachments_max_mb = 2\n")
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (1024 * 1024), content_type="application/pdf")
    response = browser.post("/en" + url(brand, "contact"), form(attachments=[big]))
    assert response.status_code == 400
    assert "larger than 1 MB" in response.content.decode()
    three = [
        SimpleUploadedFile(f"f{i}.pdf", PDF + b"0" * 900_000, content_type="application/pdf")
        for i in range(3)
    ]
    response = browser.post("/en" + url(brand, "contact"), form(attachments=three))
    assert response.status_code == 400
    assert "together are larger than 2 MB" in response.content.decode()
    many = [SimpleUploadedFile(f"f{i}.pdf", PDF) for i in range(6)]
    response = browser.post("/en" + url(brand, "contact"), form(attachments=many))
    assert response.status_code == 400
    assert tickets_of(brand) == [] and attachments_of(brand) == []


def test_a_body_larger_than_the_limits_is_refused_before_reading(
    browser: django.test.Client, world: World
) -> None:
    response = browser.generic(
        "POST",
        url(world.ej, "contact"),
        b"x",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(500 * 1024 * 1024),
    )
    assert response.status_code == 413


# --- abuse ---------------------------------------------------------------------------------------------


def test_posts_from_one_address_are_limited_per_hour(
    browser: django.test.Client, world: World, frozen_clock: Any
) -> None:
    for i in range(10):
        response = browser.post(url(world.ej, "contact"), form(email=f"p{i}@example.org"))
        assert response.status_code == 302
    refused = browser.post(url(world.ej, "contact"), form(email="p10@example.org"))
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    frozen_clock.advance(hours=1)
    assert browser.post(url(world.ej, "contact"), form(email="p10@example.org")).status_code == 302


def test_requests_for_one_email_address_are_limited(world: World, frozen_clock: Any) -> None:
    codes = []
    for i in range(4):
        client = django.test.Client(REMOTE_ADDR=f"10.0.0.{i}")
        codes.append(client.post(url(world.ej, "contact"), form()).status_code)
    assert codes == [302, 302, 302, 429]


def test_no_acknowledgement_storm_to_an_unconfirmed_address(
    world: World, frozen_clock: Any
) -> None:
    victim = "victim@example.org"
    for i in range(3):
        frozen_clock.advance(hours=2)  # past the per-address form limit each time
        client = django.test.Client(REMOTE_ADDR=f"10.0.1.{i}")
        assert client.post(url(world.ej, "contact"), form(email=victim)).status_code == 302
    with brand_scope(world.ej):
        assert OutboundEmail.objects.filter(to_address=victim).count() == 1
        assert Ticket.objects.filter(contact__emails__address=victim).count() == 3


def test_a_confirmed_address_is_acknowledged_each_time(
    browser: django.test.Client, world: World, frozen_clock: Any
) -> None:
    contact = contact_for_email(brand=world.ej, email="known@example.org", name="Known")
    token = new_link(world.ej, contact)
    assert browser.post(url(world.ej, "signin_confirm"), {"token": token}).status_code == 302
    for i in range(2):
        frozen_clock.advance(hours=2)
        client = django.test.Client(REMOTE_ADDR=f"10.0.2.{i}")
        client.post(url(world.ej, "contact"), form(email="known@example.org"))
    with brand_scope(world.ej):
        assert OutboundEmail.objects.filter(to_address="known@example.org").count() == 2


def test_csrf_is_required(world: World) -> None:
    strict = django.test.Client(enforce_csrf_checks=True)
    assert strict.post(url(world.ej, "contact"), form()).status_code == 403
    page = strict.get(url(world.ej, "contact"))
    token = page.cookies["csrftoken"].value
    response = strict.post(url(world.ej, "contact"), form(csrfmiddlewaretoken=token))
    assert response.status_code == 302


def test_the_consent_is_the_policys_own_text_in_the_pages_language_or_a_generic_one(
    browser: django.test.Client, world: World
) -> None:
    french = browser.get(url(world.ej, "contact")).content.decode()
    assert "selon la politique de confidentialité d’EJ" in french
    generic = browser.get("/en" + url(world.jamla, "contact")).content.decode()
    assert "keeps what I send" in generic  # Jamla24's policy has no consent text
