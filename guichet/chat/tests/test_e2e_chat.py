"""The live chat in real browsers (Debian's Chromium driven by Playwright): the widget on a
company's site served from another origin, the agents' console in the desk, and the
websockets through the server `guichet up` runs (uvicorn, tests/server.py) — every part
as it runs in production, none of them mocked (docs/chat.md).

A customer fills the pre-chat form, an agent accepts the chat from the queue, they talk
(typing, read receipts, a file), the agent hands the chat to a colleague, the customer's
connection drops and comes back without a line lost or shown twice, the chat ends and is
rated; the ticket holds every message and the chat's events. After hours the widget takes
a message, which becomes a ticket acknowledged by email; a site the brand has not listed
gets no chat. In French and in English, each screen at 360 px and 1366 px (screenshots in
var/artefacts/e2e/), with no sideways scrolling and nothing serious for axe-core.

Time: the domain's clock is frozen on a Monday afternoon, within Jamla24's chat hours
(Casablanca, 09:00-21:00), and moved to 23:00 for the message left after hours."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    FilePayload,
    Locator,
    Page,
    ViewportSize,
    WebError,
    WebSocketRoute,
    expect,
)

from guichet.accounts.models import Role, User
from guichet.brands.models import Brand
from guichet.chat.models import ChatEntry, ChatSession, ChatState, ChatWidget, EndReason
from guichet.chat.tests import server
from guichet.conftest import make_staff, publish_preset
from guichet.desk.tests import browser as e2e
from guichet.desk.tests.test_e2e import sign_in
from guichet.lib import clock
from guichet.lib.scoping import brand_scope
from guichet.notify.models import OutboundEmail
from guichet.tickets.choices import Channel, Verb
from guichet.tickets.models import Event, Message, Ticket

browser = e2e.browser
template_errors = e2e.template_errors
chat_server = server.chat_server
pytestmark = pytest.mark.django_db(transaction=True)

PHONE: ViewportSize = {"width": 360, "height": 780}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

# What each side reads, in each language (the rest is found by role and test id).
WORDS = {
    "fr": {
        "locale": "fr-FR",
        "customer": "Yasmine Benali",
        "email": "yasmine@exemple.ma",
        "topic": "Livraison",
        "first": "Bonjour, mon colis n’est pas arrivé.",
        "available": "Des conseillers sont disponibles.",
        "closed": "Le chat est fermé",
        "waiting": "En attente d’un conseiller.",
        "chatting": "Vous discutez avec %s.",
        "reference": "Numéro de votre demande : %s",
        "typing": "%s écrit…",
        "read_by_customer": "Lu par le client",
        "read": "Lu",
        "sending": "Envoi…",
        "reconnecting": "Connexion perdue",
        "refused": "Le chat ne peut pas être utilisé sur ce site.",
        "connected": "Connecté",
        "rated": "Merci pour votre note.",
        "you_left": "Vous avez quitté la discussion.",
        "not_mine": "Plus la vôtre",
        "customer_left": "Le client a quitté la discussion.",
        "left": "Merci. Numéro de votre demande : %s.",
        "agent_reply": "Bonjour Yasmine, je regarde votre commande.",
        "customer_reply": "Merci ! Voici la facture.",
        "colleague_reply": "Je prends la suite : le colis part demain.",
        "while_down_agent": "Il sera livré avant 18 h.",
        "while_down_customer": "Parfait, je serai là.",
        "after_hours": "Rappelez-moi demain matin, s’il vous plaît.",
        "another": "Écrire un autre message",
    },
    "en": {
        "locale": "en-GB",
        "customer": "Sam Taylor",
        "email": "sam@example.com",
        "topic": "Delivery",
        "first": "Hello, my parcel has not arrived.",
        "available": "Agents are available.",
        "closed": "The chat is closed",
        "waiting": "Waiting for an agent.",
        "chatting": "You are chatting with %s.",
        "reference": "Your request number: %s",
        "typing": "%s is typing…",
        "read_by_customer": "Read by the customer",
        "read": "Read",
        "sending": "Sending…",
        "reconnecting": "Connection lost",
        "refused": "The chat cannot be used on this site.",
        "connected": "Connected",
        "rated": "Thank you for your rating.",
        "you_left": "You left the chat.",
        "not_mine": "No longer yours",
        "customer_left": "The customer left the chat.",
        "left": "Thank you. Your request number: %s.",
        "agent_reply": "Hello Sam, I am looking at your order.",
        "customer_reply": "Thanks! Here is the invoice.",
        "colleague_reply": "I am taking over: the parcel leaves tomorrow.",
        "while_down_agent": "It will be delivered before 6 pm.",
        "while_down_customer": "Perfect, I will be in.",
        "after_hours": "Please call me back tomorrow morning.",
        "another": "Write another message",
    },
}


# --- the company's site --------------------------------------------------------------------------


class CompanySite:
    """A company's page on an origin of its own (http://127.0.0.1:<port>), with the tag
    the administration shows pasted in: `/` in French (the page's language), `/en` with
    `data-lang="en"` on the tag."""

    def __init__(self, script: str) -> None:
        pages = {
            "/": _page("fr", f'<script src="{script}" async></script>'),
            "/en": _page("fr", f'<script src="{script}" data-lang="en" async></script>'),
        }

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path.split("?")[0])
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write((body or "").encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> CompanySite:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def _page(lang: str, tag: str) -> str:
    return f"""<!doctype html>
<html lang="{lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Jamla24 · Boutique</title><link rel="icon" href="data:,"></head>
<body style="margin:0;font-family:sans-serif">
<header style="background:#0b3d5c;color:#fff;padding:1rem"><p style="margin:0">Jamla24</p></header>
<main style="padding:1rem"><h1>Nouveautés de la semaine</h1>
<p>Des milliers d’articles livrés partout au Maroc.</p></main>
{tag}
</body></html>"""


# --- the world -----------------------------------------------------------------------------------


@dataclass
class Chat:
    """Jamla24 with its widget allowed on a company's site, two agents of level 1, and
    browsers to open (each in a context of its own, failing the test on a script error)."""

    brand: Brand
    karim: User
    nadia: User
    site: CompanySite
    elsewhere: CompanySite
    clock: clock.FrozenClock
    browser: Browser
    live: str
    contexts: list[tuple[BrowserContext, list[str]]] = field(default_factory=list)

    def context(self, *, locale: str, viewport: ViewportSize = e2e.LAPTOP) -> BrowserContext:
        context = self.browser.new_context(
            base_url=self.live, viewport=viewport, locale=locale, timezone_id="Africa/Casablanca"
        )
        context.set_default_timeout(e2e.TIMEOUT_MS)
        problems: list[str] = []

        def console(message: ConsoleMessage) -> None:
            if message.type == "error":
                problems.append(f"console error: {message.text} ({message.location.get('url')})")

        def script_error(error: WebError) -> None:
            problems.append(f"JavaScript error: {error.error}")

        context.on("console", console)
        context.on("weberror", script_error)
        self.contexts.append((context, problems))
        return context

    def agent(self, user: User, language: str) -> Page:
        """The agent signed in, on the console, connected."""
        page = self.context(locale=WORDS[language]["locale"]).new_page()
        sign_in(page, user.username)
        expect(page).not_to_have_url(re.compile("login"))
        with translation.override(language):
            page.goto(reverse("desk:chat"))
        expect(page.get_by_test_id("connection")).to_have_text(WORDS[language]["connected"])
        expect(page.get_by_test_id("presence-toggle")).to_have_attribute("aria-checked", "true")
        return page

    def problems(self) -> list[str]:
        return [problem for _context, problems in self.contexts for problem in problems]


@pytest.fixture
def chat(
    db: Any,
    frozen_clock: clock.FrozenClock,
    live_server: Any,
    chat_server: server.ChatServer,
    browser: Browser,
    settings: Any,
) -> Iterator[Chat]:
    cache.clear()  # the rate limits' counts of earlier tests (the clock stands still)
    # The site's address as the deployment sets it (the widget's upload, its links).
    settings.SITE_URL = live_server.url
    # The websockets on the live server's host name: the desk's session cookie is the
    # host's, and goes with the console's socket to another port of it (`guichet up`'s way).
    settings.GUICHET_CHAT_URL = f"http://localhost:{chat_server.port}"
    brand = publish_preset("jamla24")
    karim = make_staff(brand, "karim", Role.AGENT, teams=["customer-service"])
    nadia = make_staff(brand, "nadia", Role.AGENT, teams=["customer-service"])
    script = f"{live_server.url}{reverse('chat:widget', kwargs={'brand': brand.slug})}"
    with CompanySite(script) as site, CompanySite(script) as elsewhere:
        with brand_scope(brand):
            ChatWidget.objects.create(
                brand=brand,
                allowed_origins=f"https://www.jamla24.ma\n{site.origin}",
                updated_at=clock.now(),
            )
        world = Chat(
            brand=brand,
            karim=karim,
            nadia=nadia,
            site=site,
            elsewhere=elsewhere,
            clock=frozen_clock,
            browser=browser,
            live=live_server.url,
        )
        try:
            yield world
        finally:
            for context, _problems in world.contexts:
                context.close()
    found = world.problems()
    assert not found, "the browsers reported problems:\n" + "\n".join(found)


# --- looking at a screen -------------------------------------------------------------------------


def look(
    page: Page, name: str, *, sizes: tuple[ViewportSize, ...] = (PHONE, e2e.LAPTOP)
) -> list[str]:
    """What is wrong with the page at a phone's width and a laptop's: anything wider than
    the window, axe-core's serious and critical findings (inside the widget's shadow root
    too). A screenshot at each width."""
    found: list[str] = []
    before = page.viewport_size
    for size in sizes:
        page.set_viewport_size(size)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            found.append(f"{name} at {size['width']} px: scrolls sideways by {overflow} px")
        e2e.shoot(page, name)
        for violation in Axe().run(page).response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [node["target"] for node in violation["nodes"][:3]]
                found.append(
                    f"{name} at {size['width']} px: {violation['impact']} {violation['id']}: "
                    f"{targets}"
                )
    if before is not None:
        page.set_viewport_size(before)
    return found


# --- the customer's side -------------------------------------------------------------------------


class Cable:
    """The customer's websocket, through Playwright's router to the real server, so the
    test can cut it as a lost network would (the browser's offline mode leaves open
    websockets alone) and refuse new ones until it is back."""

    def __init__(self, context: BrowserContext) -> None:
        self.context = context
        self.down = False
        self.live: list[tuple[WebSocketRoute, WebSocketRoute]] = []
        context.route_web_socket(re.compile(r"/chat/ws/visit/"), self._route)

    def _route(self, page_side: WebSocketRoute) -> None:
        if self.down:
            page_side.close(code=4000, reason="offline")
            return
        self.live.append((page_side, page_side.connect_to_server()))

    def cut(self) -> None:
        self.down = True
        self.context.set_offline(True)
        for page_side, server_side in self.live:
            server_side.close()
            page_side.close(code=4000, reason="offline")
        self.live = []

    def mend(self) -> None:
        self.down = False
        self.context.set_offline(False)


def widget(page: Page) -> Callable[[str], Locator]:
    return page.get_by_test_id


def entries(page: Page, text: str) -> Locator:
    return page.get_by_test_id("chat-entry").filter(has_text=text)


def lines(page: Page, text: str) -> Locator:
    return page.locator("[data-lines] > li").filter(has_text=text)


# --- the tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_customer_chats_with_two_agents_from_a_company_site(
    chat: Chat, language: str, template_errors: Any
) -> None:
    w = WORDS[language]
    findings: list[str] = []

    # The agents on the console, available.
    karim = chat.agent(chat.karim, language)
    findings += look(karim, f"chat-console-empty-{language}")
    nadia = chat.agent(chat.nadia, language)

    # The customer on the company's site opens the widget: agents are there.
    context = chat.context(locale=w["locale"], viewport=PHONE)
    cable = Cable(context)
    customer = context.new_page()
    customer.goto(chat.site.origin + ("/" if language == "fr" else "/en"))
    w_ = widget(customer)
    w_("chat-launcher").click()
    expect(w_("chat-panel")).to_be_visible()
    expect(w_("chat-availability")).to_contain_text(w["available"])
    expect(customer.locator("#f-name")).to_be_focused()
    findings += look(customer, f"chat-widget-form-{language}")

    customer.locator("#f-name").fill(w["customer"])
    customer.locator("#f-email").fill(w["email"])
    customer.locator("#f-topic").select_option(label=w["topic"])
    customer.locator("#f-text").fill(w["first"])
    customer.locator("#f-consent").check()
    w_("chat-submit").click()

    expect(w_("chat-state")).to_have_text(re.compile(re.escape(w["waiting"])))
    with brand_scope(chat.brand):
        session = ChatSession.objects.select_related("ticket").get()
    reference = session.ticket.reference
    expect(w_("chat-reference")).to_have_text(w["reference"] % reference)
    expect(entries(customer, w["first"])).to_have_count(1)

    # The agent sees it waiting, and takes it.
    item = karim.get_by_test_id("queue-item").filter(has_text=w["customer"])
    expect(item).to_contain_text(reference)
    expect(item).to_contain_text(w["topic"])
    expect(item).to_contain_text(w["first"])
    expect(karim).to_have_title(re.compile(r"^\(1 "))
    findings += look(karim, f"chat-console-queue-{language}")
    item.get_by_test_id("accept-button").click()
    expect(karim.get_by_test_id("queue-item")).to_have_count(0)
    expect(karim.locator("[data-chat-name]")).to_have_text(w["customer"])
    expect(lines(karim, w["first"])).to_have_count(1)
    expect(w_("chat-state")).to_have_text(w["chatting"] % "Karim")

    # They talk: the agent sees the customer typing, each side sees the other has read.
    w_("chat-input").fill("Merci")
    expect(karim.locator("[data-typing]")).to_have_text(w["typing"] % w["customer"])
    w_("chat-input").fill("")
    karim.get_by_test_id("reply-box").fill(w["agent_reply"])
    karim.get_by_test_id("reply-box").press("Enter")
    expect(entries(customer, w["agent_reply"])).to_have_count(1)
    expect(lines(karim, w["agent_reply"])).to_contain_text(w["read_by_customer"])
    expect(w_("chat-read")).to_be_visible()  # the agent read the customer's first message

    # A file with the next message.
    invoice: FilePayload = {"name": "facture.pdf", "mimeType": "application/pdf", "buffer": PDF}
    customer.locator("input[type=file]").set_input_files(files=[invoice])
    expect(w_("chat-staged").locator(".file")).to_contain_text("facture.pdf")  # sent
    w_("chat-input").fill(w["customer_reply"])
    w_("chat-input").press("Enter")
    line = lines(karim, w["customer_reply"])
    expect(line).to_have_count(1)
    expect(line.get_by_role("link", name=re.compile("facture.pdf"))).to_be_visible()
    mine = entries(customer, w["customer_reply"]).get_by_role("link")
    expect(mine).to_contain_text("facture.pdf")
    for page, link in ((karim, line.get_by_role("link")), (customer, mine)):
        href = link.get_attribute("href")
        assert href is not None
        got = page.request.get(href)
        assert got.status == 200 and got.body() == PDF, (href, got.status)
    findings += look(customer, f"chat-widget-conversation-{language}")
    findings += look(karim, f"chat-console-conversation-{language}")

    # Handed to a colleague, who sees the conversation and answers.
    karim.get_by_test_id("transfer-button").click()
    karim.get_by_test_id("transfer-to").select_option(label="Nadia")
    karim.get_by_test_id("transfer-submit").click()
    expect(nadia.get_by_test_id("mine-item")).to_contain_text(w["customer"])
    nadia.get_by_test_id("mine-item").click()
    expect(karim.get_by_test_id("mine-item")).to_contain_text(w["not_mine"])
    expect(karim.get_by_test_id("reply-box")).to_be_hidden()
    expect(lines(nadia, w["customer_reply"])).to_have_count(1)
    expect(w_("chat-state")).to_have_text(w["chatting"] % "Nadia")
    nadia.get_by_test_id("reply-box").fill(w["colleague_reply"])
    nadia.get_by_test_id("send-button").click()
    expect(entries(customer, w["colleague_reply"])).to_have_count(1)

    # The customer's connection drops; a line from each side meanwhile; nothing lost or
    # shown twice once it is back.
    cable.cut()
    expect(w_("chat-connection")).to_contain_text(w["reconnecting"])
    nadia.get_by_test_id("reply-box").fill(w["while_down_agent"])
    nadia.get_by_test_id("reply-box").press("Enter")
    expect(lines(nadia, w["while_down_agent"])).not_to_contain_text(w["sending"])
    w_("chat-input").fill(w["while_down_customer"])
    w_("chat-input").press("Enter")
    expect(entries(customer, w["while_down_customer"])).to_contain_text(w["sending"])
    expect(entries(customer, w["while_down_agent"])).to_have_count(0)
    cable.mend()
    expect(entries(customer, w["while_down_agent"])).to_have_count(1)
    expect(entries(customer, w["while_down_customer"])).not_to_contain_text(w["sending"])
    expect(lines(nadia, w["while_down_customer"])).to_have_count(1)
    expect(w_("chat-connection")).to_have_text("")
    every = [w["first"], w["agent_reply"], w["customer_reply"], w["colleague_reply"]]
    every += [w["while_down_agent"], w["while_down_customer"]]
    for text in every:
        expect(entries(customer, text)).to_have_count(1)
    for text in every[2:]:
        expect(lines(nadia, text)).to_have_count(1)

    # Another page of the site: the chat carries on, every line once.
    customer.reload()
    w_("chat-launcher").click()
    expect(w_("chat-state")).to_have_text(w["chatting"] % "Nadia")
    for text in every:
        expect(entries(customer, text)).to_have_count(1)

    # The customer ends the chat and rates it.
    w_("chat-end").click()
    expect(w_("chat-rating")).to_be_visible()
    expect(entries(customer, w["you_left"])).to_have_count(1)
    expect(lines(nadia, w["customer_left"])).to_have_count(1)
    expect(nadia.locator("[data-notice]")).to_be_visible()
    expect(nadia.get_by_test_id("reply-box")).to_be_hidden()
    expect(nadia.get_by_test_id("end-button")).to_be_hidden()
    findings += look(nadia, f"chat-console-ended-{language}")
    findings += look(customer, f"chat-widget-rating-{language}")
    w_("chat-rating").get_by_role("radio", name="5").check()
    customer.locator("#r-comment").fill("Rapide et aimable." if language == "fr" else "Quick.")
    w_("chat-rating").get_by_role("button").click()
    expect(w_("chat-rated")).to_be_visible()
    expect(w_("chat-rated")).to_have_text(w["rated"])
    expect(w_("chat-rating")).to_be_hidden()

    # The ticket holds the conversation; the chat's events are recorded.
    with brand_scope(chat.brand):
        session = ChatSession.objects.select_related("ticket").get()
        ticket = session.ticket
        assert ticket.channel == Channel.CHAT and ticket.language == language
        said = Message.objects.filter(ticket=ticket, is_automatic=False).order_by("pk")
        texts = list(said.values_list("text", flat=True))
        assert texts == every
        assert Message.objects.get(ticket=ticket, text=w["customer_reply"]).attachments.count() == 1
        verbs = set(Event.objects.filter(ticket=ticket).values_list("verb", flat=True))
        assert {
            Verb.CHAT_QUEUED,
            Verb.CHAT_ACCEPTED,
            Verb.CHAT_TRANSFERRED,
            Verb.CHAT_ENDED,
            Verb.CHAT_RATED,
        } <= verbs
        assert session.state == ChatState.ENDED and session.end_reason == EndReason.CUSTOMER
        assert session.agent == chat.nadia and session.rating == 5
        assert ChatEntry.objects.filter(session=session, client_id__gt="").count() == len(every)
    assert not findings, "\n".join(findings)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_after_hours_the_widget_takes_a_message(chat: Chat, language: str) -> None:
    w = WORDS[language]
    chat.clock.advance(timedelta(hours=8))  # 23:00 in Casablanca
    customer = chat.context(locale=w["locale"], viewport=PHONE).new_page()
    customer.goto(chat.site.origin + ("/" if language == "fr" else "/en"))
    w_ = widget(customer)
    w_("chat-launcher").click()
    expect(w_("chat-availability")).to_contain_text(w["closed"])
    findings = look(customer, f"chat-widget-leave-{language}")
    customer.locator("#f-name").fill(w["customer"])
    customer.locator("#f-email").fill(w["email"])
    customer.locator("#f-text").fill(w["after_hours"])
    customer.locator("#f-consent").check()
    w_("chat-submit").click()
    expect(w_("chat-left")).to_be_visible()
    with brand_scope(chat.brand):
        ticket = Ticket.objects.get()
        assert ticket.channel == Channel.WEB and ticket.language == language
        assert Message.objects.filter(ticket=ticket, text=w["after_hours"]).exists()
        assert OutboundEmail.objects.filter(ticket=ticket, automatic=True).exists()
        assert not ChatSession.objects.exists()
    expect(w_("chat-left")).to_have_text(w["left"] % ticket.reference)
    expect(customer.get_by_role("button", name=w["another"])).to_be_visible()
    findings += look(customer, f"chat-widget-left-{language}")
    assert not findings, "\n".join(findings)


def test_a_site_not_listed_gets_no_chat(chat: Chat) -> None:
    w = WORDS["fr"]
    customer = chat.context(locale="fr-FR").new_page()
    customer.goto(chat.elsewhere.origin + "/")
    w_ = widget(customer)
    w_("chat-launcher").click()
    expect(w_("chat-error")).to_have_text(w["refused"])
    expect(w_("chat-form")).to_be_hidden()
    e2e.shoot(customer, "chat-widget-refused")
    with brand_scope(chat.brand):
        assert not Ticket.objects.exists()
