"""The portal in a real browser (Debian's Chromium driven by Playwright, against the live
server; see guichet/desk/tests/browser.py), on a phone-sized window: submit the contact
form with a file, ask for a sign-in link, follow it, reply, ask for the next level; and
the whole journey with every email going through a real SMTP server (aiosmtpd), up to
the satisfaction survey. Screenshots at phone and laptop sizes are kept in
var/artefacts/e2e/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from guichet.conftest import World
from guichet.desk.tests import browser as e2e
from guichet.lib.scoping import brand_scope
from guichet.notify.delivery import deliver_due
from guichet.notify.models import OutboundEmail
from guichet.notify.tests.test_delivery import Recorder, free_port, start_server
from guichet.portal.models import SurveyAnswer
from guichet.portal.tests.conftest import url
from guichet.tickets import services
from guichet.tickets.choices import Outcome, Status
from guichet.tickets.models import Ticket

browser = e2e.browser
template_errors = e2e.template_errors

PHONE: ViewportSize = {"width": 390, "height": 844}
PDF = b"%PDF-1.4\n%%EOF\n"


def shoot(page: Page, name: str) -> None:
    for size in (PHONE, e2e.LAPTOP):
        e2e.shoot(page, f"portal-{name}", size=size)


def test_a_customer_writes_follows_and_escalates(
    browser: Browser,
    live_server: Any,
    world: World,
    mailoutbox: list[Any],
    template_errors: list[str],
) -> None:
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-GB")
    context.set_default_timeout(e2e.TIMEOUT_MS)
    page = context.new_page()

    page.goto("/en" + url(world.ej, "contact"))
    page.get_by_label("Your name").fill("Ana Brown")
    page.get_by_label("Your email address").fill("ana@example.org")
    page.get_by_label("What is it about?").select_option("complaint")
    page.get_by_label("Topic").select_option("billing")
    page.get_by_label("Subject").fill("Charged twice")
    page.get_by_label("Your message").fill("My card was charged twice.")
    page.get_by_label("Files (optional)").set_input_files(
        [{"name": "receipt.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_label("I agree").check()
    shoot(page, "contact")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("received your request")
    reference = page.locator(".reference strong").inner_text()
    shoot(page, "contact-sent")
    with brand_scope(world.ej):
        ticket = Ticket.objects.get(reference=reference)
        assert OutboundEmail.objects.filter(ticket=ticket, automatic=True).exists()

    page.goto("/en" + url(world.ej, "track"))
    page.get_by_label("Reference of your request").fill(reference)
    page.get_by_label("Your email address").fill("ana@example.org")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    [mail] = mailoutbox
    path = re.search(r"https?://[^/\s]+(/\S+)", mail.body)
    assert path

    page.goto(path.group(1))
    shoot(page, "signin")
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Charged twice")
    assert "/signin" not in page.url  # the secret left the address bar
    expect(page.locator(".timeline")).to_contain_text("receipt.pdf")

    page.locator("#reply-message").fill("Here is my bank statement.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".timeline")).to_contain_text("Here is my bank statement.")
    # Nothing to take to the next level before an answer: the page says when it can be.
    expect(page.locator("#escalate-reason")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("once we have answered")
    shoot(page, "request-before-answer")

    services.ticket_reply(ticket=ticket, actor=world.agent, text="We charged you once only.")
    page.reload()
    page.locator("#escalate-reason").fill("The bank shows two charges.")
    page.get_by_role("button", name="Ask for the next level").click()
    expect(page.locator(".timeline")).to_contain_text("At your request, moved to")
    shoot(page, "request")
    with brand_scope(world.ej):
        assert Ticket.objects.get(pk=ticket.pk).level == 2
    context.close()


@pytest.fixture
def smtp(settings: Any) -> Iterator[Recorder]:
    """A real SMTP server on a free port, and Guichet's mailer pointed at it."""
    port = free_port()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    controller, recorder = start_server(port)
    try:
        yield recorder
    finally:
        controller.stop()


def received(smtp: Recorder, to: str, subject_part: str) -> str:
    """The text of the last email the server received for `to` whose subject has
    `subject_part`."""
    for message in reversed(smtp.messages()):
        if to in str(message["To"]) and subject_part in str(message["Subject"]):
            return str(message.get_body(("plain",)).get_content())
    raise AssertionError(f"no email to {to} about {subject_part!r}")


def path_in(text: str, pattern: str) -> str:
    found = re.search(r"https?://[^/\s]+(" + pattern + r")", text)
    assert found, text
    return found.group(1)


def test_the_whole_journey_with_a_real_smtp_server_up_to_the_survey(
    browser: Browser,
    live_server: Any,
    world: World,
    smtp: Recorder,
    template_errors: list[str],
) -> None:
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-GB")
    context.set_default_timeout(e2e.TIMEOUT_MS)
    page = context.new_page()

    # 1. The customer writes in; the acknowledgement goes out through the SMTP server.
    page.goto("/en" + url(world.ej, "contact"))
    page.get_by_label("Your name").fill("Ana Brown")
    page.get_by_label("Your email address").fill("ana@example.org")
    page.get_by_label("What is it about?").select_option("complaint")
    page.get_by_label("Topic").select_option("billing")
    page.get_by_label("Subject").fill("Charged twice")
    page.get_by_label("Your message").fill("My card was charged twice.")
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Send").click()
    reference = page.locator(".reference strong").inner_text()
    deliver_due()
    acknowledgement = received(smtp, "ana@example.org", "We have received your request")
    assert reference in acknowledgement

    # 2. The tracking page named in the acknowledgement; the sign-in link by SMTP too.
    page.goto(path_in(acknowledgement, r"/en/b/ej/track"))
    page.get_by_label("Reference of your request").fill(reference)
    page.get_by_label("Your email address").fill("ana@example.org")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    signin = received(smtp, "ana@example.org", "sign-in link")
    page.goto(path_in(signin, r"/en/b/ej/signin/\S+"))
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Charged twice")

    # 3. Reply; once the brand has answered, ask for the next level.
    page.locator("#reply-message").fill("Here is my bank statement.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".timeline")).to_contain_text("Here is my bank statement.")
    with brand_scope(world.ej):
        answered = Ticket.objects.get(reference=reference)
    services.ticket_reply(ticket=answered, actor=world.agent, text="We charged you once only.")
    page.reload()
    page.locator("#escalate-reason").fill("The bank shows two charges.")
    page.get_by_role("button", name="Ask for the next level").click()
    expect(page.locator(".timeline")).to_contain_text("At your request, moved to")

    # 4. An investigator decides and closes; the outcome and the survey arrive by SMTP.
    with brand_scope(world.ej):
        ticket = Ticket.objects.get(reference=reference)
    assert ticket.level == 2
    services.ticket_close(
        ticket=ticket,
        actor=world.investigator,
        outcome=Outcome.NOT_UPHELD,
        summary="The second charge was a pre-authorisation, released since.",
    )
    deliver_due()
    assert "pre-authorisation" in received(smtp, "ana@example.org", "Outcome of your complaint")
    survey = received(smtp, "ana@example.org", "How did we do?")
    survey_path = path_in(survey, r"/en/b/ej/survey/[A-Za-z0-9_-]+")

    # 5. The survey, answered in a fresh browser (no sign-in needed): not satisfied, so
    # the next level is offered and taken.
    other = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-GB")
    other.set_default_timeout(e2e.TIMEOUT_MS)
    answer_page = other.new_page()
    answer_page.goto(survey_path)
    expect(answer_page.get_by_role("heading", level=1)).to_have_text("Your opinion")
    shoot(answer_page, "survey")
    answer_page.get_by_label("2", exact=True).check()
    answer_page.get_by_label("Your comment (optional)").fill("The explanation came late.")
    answer_page.get_by_role("button", name="Send my answer").click()
    expect(answer_page.locator(".notice")).to_contain_text("2 out of 5")
    expect(answer_page.locator("#follow-reason")).to_have_value("The explanation came late.")
    shoot(answer_page, "survey-not-satisfied")
    answer_page.get_by_role("button", name="Ask for the next level").click()
    expect(answer_page.locator(".flash")).to_contain_text("moved to the next level")
    shoot(answer_page, "survey-done")
    with brand_scope(world.ej):
        ticket = Ticket.objects.get(pk=ticket.pk)
        [answer] = SurveyAnswer.objects.filter(ticket=ticket)
    assert (answer.score, answer.comment) == (2, "The explanation came late.")
    assert (ticket.level, ticket.status) == (3, Status.OPEN)
    other.close()
    context.close()
