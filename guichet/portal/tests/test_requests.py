"""The signed-in customer's pages: their own tickets only, the public timeline only, and
the actions a customer may take, each through the ticket services."""

from __future__ import annotations

import json
from typing import Any

import django.test
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from guichet.accounts.models import Role
from guichet.conftest import World, last, make_staff
from guichet.contacts.services import contact_for_email
from guichet.lib.scoping import brand_scope
from guichet.portal.tests.conftest import url
from guichet.tickets import services
from guichet.tickets.attachments import attachment_store
from guichet.tickets.choices import Channel, EscalationTrigger, Outcome, Status
from guichet.tickets.models import Message, Ticket

PDF = b"%PDF-1.4\n%%EOF\n"


def fresh(ticket: Ticket) -> Ticket:
    with brand_scope(ticket.brand_id):
        return Ticket.objects.get(pk=ticket.pk)


def message_count(ticket: Ticket) -> int:
    with brand_scope(ticket.brand_id):
        return Message.objects.filter(ticket=ticket).count()


@pytest.fixture
def neighbour_ticket(world: World) -> Ticket:
    """Another EJ customer's ticket."""
    other = contact_for_email(brand=world.ej, email="voisin@exemple.fr", name="Voisin")
    return services.ticket_open(
        brand=world.ej,
        contact=other,
        contact_type="question",
        subject="Horaires du voisin",
        text="Question du voisin",
        channel=Channel.EMAIL,
    )


@pytest.fixture
def jamla_ticket(world: World) -> Ticket:
    return services.ticket_open(
        brand=world.jamla,
        contact=world.other_customer,
        contact_type="complaint",
        subject="Colis de Salma",
        text="Mon colis",
        channel=Channel.EMAIL,
    )


def page(client: django.test.Client, world: World, name: str = "request", **kw: Any) -> Any:
    return client.get("/en" + url(world.ej, name, **kw))


def test_anonymous_visitors_are_sent_to_the_tracking_page(
    browser: django.test.Client, world: World
) -> None:
    for response in (
        browser.get(url(world.ej, "requests")),
        browser.get(url(world.ej, "request", reference=world.ticket.reference)),
        browser.get(url(world.ej, "my_data")),
        browser.post(url(world.ej, "reply", reference=world.ticket.reference), {"message": "x"}),
    ):
        assert response.status_code == 302
        assert response["Location"] == url(world.ej, "track")
    assert message_count(world.ticket) == 2  # the opening and the acknowledgement


def test_the_list_shows_only_the_customers_tickets_with_status_level_and_due(
    signed_in: django.test.Client, world: World, neighbour_ticket: Ticket, jamla_ticket: Ticket
) -> None:
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent)
    html = page(signed_in, world, "requests").content.decode()
    assert world.ticket.reference in html and "Facture en double" in html
    assert "New" in html or "Open" in html
    assert "Agent" in html  # who handles it: the agent's first name
    assert "Next answer due" in html
    assert neighbour_ticket.reference not in html and "voisin" not in html
    assert jamla_ticket.reference not in html


@pytest.mark.parametrize("which", ["neighbour", "jamla", "malformed", "missing"])
def test_other_tickets_are_not_found(
    signed_in: django.test.Client,
    world: World,
    neighbour_ticket: Ticket,
    jamla_ticket: Ticket,
    which: str,
) -> None:
    reference = {
        "neighbour": neighbour_ticket.reference,
        "jamla": jamla_ticket.reference,
        "malformed": "x" * 300,
        "missing": "EJ-26-99999",
    }[which]
    assert page(signed_in, world, reference=reference).status_code == 404
    for action in ("reply", "escalate", "another_person", "withdraw", "close"):
        response = signed_in.post(
            url(world.ej, action, reference=reference), {"message": "x", "reason": "x"}
        )
        assert response.status_code == 404
    if which == "neighbour":
        assert fresh(neighbour_ticket).status == Status.NEW


def test_the_timeline_is_public_only(signed_in: django.test.Client, world: World) -> None:
    services.ticket_note(ticket=world.ticket, actor=world.agent, text="SECRET NOTE about her")
    services.ticket_reply(ticket=world.ticket, actor=world.agent, text="We are looking into it.")
    html = page(signed_in, world, reference=world.ticket.reference).content.decode()
    assert "J&#x27;ai été débitée deux fois." in html  # her message
    assert "We are looking into it." in html
    assert "Agent, " in html  # the replying agent's first name
    assert "SECRET NOTE" not in html
    assert "automatic message" in html  # the acknowledgement


def test_a_formatted_reply_shows_formatted_and_nothing_else(
    signed_in: django.test.Client, world: World
) -> None:
    services.ticket_reply(
        ticket=world.ticket,
        actor=world.agent,
        text="",
        html=(
            "<p>Voici <strong>la marche à suivre</strong> :</p><ul><li>un</li><li>deux</li></ul>"
            '<p><a href="https://example.org/aide">l’aide</a>'
            '<a href="javascript:alert(1)" onclick="x()">piège</a><script>alert(2)</script></p>'
        ),
    )
    html = page(signed_in, world, reference=world.ticket.reference).content.decode()
    assert "<strong>la marche à suivre</strong>" in html
    assert "<li>un</li><li>deux</li>" in html
    assert 'href="https://example.org/aide"' in html
    assert "piège" in html
    assert "javascript:" not in html and "onclick" not in html and "alert(2)" not in html


def test_reply_with_a_file(signed_in: django.test.Client, world: World) -> None:
    upload = SimpleUploadedFile("receipt.pdf", PDF, content_type="application/pdf")
    response = signed_in.post(
        url(world.ej, "reply", reference=world.ticket.reference),
        {"message": "Here is the receipt.", "attachments": [upload]},
    )
    assert response.status_code == 302
    with brand_scope(world.ej):
        message = Message.objects.filter(ticket=world.ticket).order_by("pk").last()
        assert message is not None
        assert message.text == "Here is the receipt." and message.channel == Channel.WEB
        assert message.author_contact_id == world.customer.pk
        [stored] = message.attachments.all()
    assert stored.content_type == "application/pdf"
    assert last(world.ticket, "message_received").actor_contact_id == world.customer.pk
    download = signed_in.get(
        url(world.ej, "attachment", reference=world.ticket.reference, pk=stored.pk)
    )
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Type"] == "application/octet-stream"
    assert "sandbox" in download["Content-Security-Policy"]
    assert b"".join(download.streaming_content) == PDF


def test_a_disguised_file_in_a_reply_is_refused(
    signed_in: django.test.Client, world: World
) -> None:
    upload = SimpleUploadedFile("receipt.pdf", b"MZ\x90\x00", content_type="application/pdf")
    response = signed_in.post(
        url(world.ej, "reply", reference=world.ticket.reference),
        {"message": "x", "attachments": [upload]},
    )
    assert response.status_code == 400
    assert message_count(world.ticket) == 2


def test_internal_and_foreign_files_are_not_found(
    signed_in: django.test.Client, world: World, neighbour_ticket: Ticket
) -> None:
    secret = attachment_store(brand=world.ej, filename="internal.pdf", content=PDF)
    services.ticket_note(ticket=world.ticket, actor=world.agent, text="note", attachments=[secret])
    theirs = attachment_store(brand=world.ej, filename="theirs.pdf", content=PDF)
    services.ticket_receive(
        ticket=neighbour_ticket,
        contact=neighbour_ticket.contact,
        text="file",
        channel=Channel.EMAIL,
        attachments=[theirs],
    )
    for reference, pk in (
        (world.ticket.reference, secret.pk),
        (world.ticket.reference, theirs.pk),
        (neighbour_ticket.reference, theirs.pk),
    ):
        response = signed_in.get(url(world.ej, "attachment", reference=reference, pk=pk))
        assert response.status_code == 404
    assert (
        "internal.pdf"
        not in page(signed_in, world, reference=world.ticket.reference).content.decode()
    )


def test_not_satisfied_moves_to_the_next_level_with_the_reason(
    signed_in: django.test.Client, world: World
) -> None:
    html = page(signed_in, world, reference=world.ticket.reference).content.decode()
    assert "Ask for the next level" not in html, "nothing to review before an answer"
    assert "escalate-reason" not in html and "once we have answered" in html
    refused = signed_in.post(
        url(world.ej, "escalate", reference=world.ticket.reference), {"reason": "Too early."}
    )
    assert refused.status_code == 400
    assert "une fois que nous vous aurons répondu" in refused.content.decode()
    assert fresh(world.ticket).level == 1
    services.ticket_reply(ticket=world.ticket, actor=world.agent, text="Here is our answer.")
    html = page(signed_in, world, reference=world.ticket.reference).content.decode()
    assert "Ask for the next level" in html and "once we have answered" not in html
    refused = signed_in.post(url(world.ej, "escalate", reference=world.ticket.reference), {})
    assert refused.status_code == 400
    assert fresh(world.ticket).level == 1
    response = signed_in.post(
        url(world.ej, "escalate", reference=world.ticket.reference),
        {"reason": "Nobody answered my question."},
    )
    assert response.status_code == 302
    ticket = fresh(world.ticket)
    assert ticket.level == 2
    event = last(ticket, "escalated")
    assert event.actor_contact_id == world.customer.pk
    assert event.data["trigger"] == EscalationTrigger.CUSTOMER
    assert event.data["reason"] == "Nobody answered my question."
    timeline = page(signed_in, world, reference=world.ticket.reference).content.decode()
    assert "At your request, moved to" in timeline


def test_another_person_please(signed_in: django.test.Client, world: World) -> None:
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent)
    response = signed_in.post(
        url(world.ej, "another_person", reference=world.ticket.reference), {"reason": ""}
    )
    assert response.status_code == 302
    event = last(world.ticket, "assigned")
    assert event.data["trigger"] == "another_person"
    assert event.actor_contact_id == world.customer.pk
    assert fresh(world.ticket).assignee_id != world.agent.pk


def test_withdraw(signed_in: django.test.Client, world: World) -> None:
    response = signed_in.post(url(world.ej, "withdraw", reference=world.ticket.reference))
    assert response.status_code == 302
    ticket = fresh(world.ticket)
    assert ticket.status == Status.CLOSED and ticket.outcome == Outcome.WITHDRAWN
    assert last(ticket, "closed").actor_contact_id == world.customer.pk
    # a closed request can be written to again (it reopens), not withdrawn twice
    html = page(signed_in, world, reference=world.ticket.reference).content.decode()
    assert "Withdraw my request" not in html and "reopens this request" in html


def test_a_complaint_is_closed_by_the_customer_only_once_decided(
    signed_in: django.test.Client, world: World
) -> None:
    html = page(signed_in, world, reference=world.ticket.reference).content.decode()
    assert "close it" not in html
    response = signed_in.post(url(world.ej, "close", reference=world.ticket.reference))
    assert response.status_code == 302
    assert fresh(world.ticket).status != Status.CLOSED
    services.ticket_set_outcome(ticket=world.ticket, actor=world.agent, outcome=Outcome.UPHELD)
    response = signed_in.post(url(world.ej, "close", reference=world.ticket.reference))
    assert fresh(world.ticket).status == Status.CLOSED


def test_a_question_can_be_closed(signed_in: django.test.Client, world: World) -> None:
    question = services.ticket_open(
        brand=world.ej,
        contact=world.customer,
        contact_type="question",
        subject="Horaires",
        text="?",
        channel=Channel.WEB,
    )
    assert signed_in.post(url(world.ej, "close", reference=question.reference)).status_code == 302
    assert fresh(question).status == Status.CLOSED
    assert last(question, "closed").actor_contact_id == world.customer.pk


def test_actions_are_posts_protected_by_csrf(world: World) -> None:
    from guichet.portal.tests.conftest import sign_in

    strict = django.test.Client(enforce_csrf_checks=True)
    token_page = strict.get(url(world.ej, "track"))
    csrf = token_page.cookies["csrftoken"].value
    from guichet.portal.tests.conftest import new_link

    link = new_link(world.ej, world.customer)
    strict.post(url(world.ej, "signin_confirm"), {"token": link, "csrfmiddlewaretoken": csrf})
    assert (
        strict.get(url(world.ej, "withdraw", reference=world.ticket.reference)).status_code == 405
    )
    for action in ("reply", "escalate", "withdraw"):
        response = strict.post(
            url(world.ej, action, reference=world.ticket.reference),
            {"message": "x", "reason": "x"},
        )
        assert response.status_code == 403
    assert fresh(world.ticket).status == Status.NEW
    del sign_in


def test_my_data_is_a_json_download_of_the_customers_own_data(
    signed_in: django.test.Client, world: World, neighbour_ticket: Ticket
) -> None:
    services.ticket_note(ticket=world.ticket, actor=world.agent, text="SECRET NOTE")
    response = signed_in.get(url(world.ej, "my_data"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["customer"]["emails"] == ["helene@exemple.fr"]
    assert [r["reference"] for r in data["requests"]] == [world.ticket.reference]
    text = response.content.decode()
    assert "SECRET NOTE" not in text and "voisin" not in text


def test_at_the_final_level_the_ombudsman_replaces_the_next_level(
    signed_in: django.test.Client, presets: dict[str, Any]
) -> None:
    from guichet.portal.tests.conftest import sign_in

    jive = presets["jive"]
    customer = contact_for_email(brand=jive, email="client@exemple.ca", name="Client")
    ticket = services.ticket_open(
        brand=jive,
        contact=customer,
        contact_type="complaint",
        subject="Facture",
        text="…",
        channel=Channel.WEB,
    )
    sign_in(signed_in, jive, customer)
    agent = make_staff(jive, "jive-agent", Role.AGENT)
    services.ticket_reply(ticket=ticket, actor=agent, text="Our answer.")
    final = jive.get_policy().final_level
    for _ in range(final - 1):
        response = signed_in.post(
            url(jive, "escalate", reference=ticket.reference), {"reason": "Still wrong."}
        )
        assert response.status_code == 302
    assert fresh(ticket).level == final
    html = signed_in.get("/en" + url(jive, "request", reference=ticket.reference)).content.decode()
    assert "Ask for the next level" not in html
    assert "Commission for Complaints for Telecom-television Services" in html
    refused = signed_in.post(
        url(jive, "escalate", reference=ticket.reference), {"reason": "Again."}
    )
    assert refused.status_code == 400
    assert fresh(ticket).level == final


def test_the_pages_of_a_request_keep_to_a_query_budget(
    signed_in: django.test.Client, world: World, django_assert_max_num_queries: Any
) -> None:
    for _ in range(5):
        services.ticket_reply(ticket=world.ticket, actor=world.agent, text="More.")
        services.ticket_receive(
            ticket=world.ticket, contact=world.customer, text="Thanks.", channel=Channel.WEB
        )
    with django_assert_max_num_queries(20):
        assert page(signed_in, world, reference=world.ticket.reference).status_code == 200
    with django_assert_max_num_queries(15):
        assert page(signed_in, world, "requests").status_code == 200
