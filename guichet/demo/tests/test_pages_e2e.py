"""Every page of the desk and of the portal, filled by the demo, in a real browser (Debian's
Chromium driven by Playwright; see guichet/desk/tests/browser.py): in French and in English,
at a desktop's width and at a phone's. On each page:

- axe-core's audit (WCAG 2.1 A and AA rules and axe's best practices) finds no violation of
  serious or critical impact;
- at the phone's width (360 px, the narrowest phone in common use) nothing makes the page
  scroll sideways;
- a screenshot is kept: var/artefacts/pages/<page>-<language>-<width>.png, with
  var/artefacts/pages/report.json listing every violation found, whatever its impact (the
  minor and moderate ones too, to read, not judged).

A test collects the findings of all its pages and fails once with the whole list, so one
run tells everything that is wrong."""

from __future__ import annotations

import fcntl
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    ViewportSize,
    expect,
)

from guichet.accounts.models import User
from guichet.accounts.permissions import staff_access
from guichet.brands.models import Brand
from guichet.demo.loader import load_demo
from guichet.desk.services import saved_view_create
from guichet.desk.tests import browser as e2e
from guichet.desk.tests.test_e2e import totp_code
from guichet.knowledge.services import public_articles
from guichet.lib import clock, mailfiles
from guichet.lib.scoping import all_brands, brand_scope
from guichet.notify.delivery import deliver_due
from guichet.portal.models import SurveyLink
from guichet.portal.services import new_secret
from guichet.portal.tests.conftest import new_link
from guichet.tickets import services
from guichet.tickets.actors import Customer, SellerParty
from guichet.tickets.choices import OPEN_STATUSES, Channel, Status
from guichet.tickets.models import Ticket

browser = e2e.browser

PAGES = Path(settings.VAR_DIR) / "artefacts" / "pages"
DESKTOP: ViewportSize = {"width": 1366, "height": 900}
PHONE: ViewportSize = {"width": 360, "height": 780}
SIZES = {"desktop": DESKTOP, "phone": PHONE}
LANGUAGES = ("fr", "en")
JUDGED = ("serious", "critical")
# A few tickets per brand are enough to fill every page (lists, a conversation, an escalation).
TICKETS_PER_BRAND = 24
MISSING = "no-such-page"

WIDEST = """() => {
  const limit = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > limit + 1) {
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.classList.length ? '.' + [...el.classList].join('.') : '');
      wide.push(name + ' (right edge ' + Math.round(box.right) + ' px)');
    }
  }
  return wide.slice(0, 4);
}"""


@dataclass
class Audit:
    """What the pages of one test showed: the findings that fail it, and every violation."""

    findings: list[str] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)
    axe: Axe = field(default_factory=Axe)

    def look(self, page: Page, name: str, language: str, size: str) -> None:
        where = f"{name} [{language}, {size}]"
        page.wait_for_load_state("load")
        if size == "phone":
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if overflow > 0:
                self.findings.append(
                    f"{where}: scrolls sideways by {overflow} px: "
                    + ", ".join(page.evaluate(WIDEST))
                )
        violations = self.axe.run(page).response["violations"]
        self.report[where] = [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "targets": [node["target"] for node in v["nodes"][:5]],
            }
            for v in violations
        ]
        for v in violations:
            if v["impact"] in JUDGED:
                targets = ", ".join(str(node["target"]) for node in v["nodes"][:3])
                self.findings.append(f"{where}: {v['impact']} {v['id']} ({v['help']}): {targets}")
        PAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(PAGES / f"{name}-{language}-{size}.png"), full_page=True, animations="disabled"
        )

    def finish(self, surface: str) -> None:
        PAGES.mkdir(parents=True, exist_ok=True)
        path = PAGES / "report.json"
        # The tests of this module may run side by side (pytest-xdist): one at a time here.
        with (PAGES / "report.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            previous = json.loads(path.read_text()) if path.exists() else {}
            previous[surface] = self.report
            path.write_text(json.dumps(previous, indent=1, ensure_ascii=False))
        assert not self.findings, f"{len(self.findings)} problems:\n" + "\n".join(self.findings)


@pytest.fixture
def demo(presets: dict[str, Brand], settings: Any) -> dict[str, Brand]:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    call_command("load_presets", stdout=io.StringIO())  # as `make run`: with their logos
    load_demo(now=clock.now(), per_brand=TICKETS_PER_BRAND)
    return presets


@pytest.fixture
def contexts(browser: Browser, live_server: Any) -> Iterator[Callable[[str], BrowserContext]]:
    """New browser contexts (a person at a browser) in the given language, closed at the end;
    a script error or a console error on any page fails the test."""
    made: list[BrowserContext] = []
    problems: list[str] = []

    def new(language: str) -> BrowserContext:
        context = browser.new_context(
            base_url=live_server.url,
            viewport=DESKTOP,
            locale="fr-FR" if language == "fr" else "en-GB",
            timezone_id="America/Jamaica",
        )
        context.set_default_timeout(e2e.TIMEOUT_MS)

        def console(message: ConsoleMessage) -> None:
            # The page asked for on purpose where there is none answers 404, as it should.
            where = message.location.get("url", "")
            if message.type == "error" and not where.endswith(MISSING):
                problems.append(f"console: {message.text} ({where})")

        context.on("console", console)
        context.on("weberror", lambda error: problems.append(f"script: {error.error}"))
        made.append(context)
        return context

    yield new
    for context in made:
        context.close()
    assert not problems, "\n".join(problems)


def localised(path: str, language: str) -> str:
    return path if language == "fr" else "/en" + path


def every_size(audit: Audit, page: Page, name: str, language: str) -> None:
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        audit.look(page, name, language, size)
    page.set_viewport_size(DESKTOP)


def _ticket(brand: Brand, **conditions: Any) -> Ticket:
    with brand_scope(brand):
        found = (
            Ticket.objects.filter(brand=brand, merged_into__isnull=True, **conditions)
            .order_by("-level", "-updated_at")
            .first()
        )
    assert found is not None, conditions
    return found


# --- the desk ---------------------------------------------------------------------------------


@pytest.fixture
def outbox(settings: Any, tmp_path: Path) -> Path:
    """Development mail on: each email an .eml file in `tmp_path`, and the viewer open."""
    settings.GUICHET_DEV_MAIL_VIEWER = True
    settings.MAILERS = {
        "default": {"BACKEND": mailfiles.BACKEND, "OPTIONS": {"directory": str(tmp_path)}}
    }
    return tmp_path


def test_every_desk_page_is_accessible_and_fits_a_phone(
    outbox: Path, demo: dict[str, Brand], contexts: Callable[[str], BrowserContext]
) -> None:
    ej = demo["ej"]
    admin = User.objects.get(username="ej-admin")
    device = TOTPDevice.objects.create(user=admin, name="phone", confirmed=True)
    escalated = _ticket(ej, level__gt=1, status__in=[Status.OPEN, Status.NEW])
    with all_brands():  # as the desk's middleware would have entered the brand's scope
        saved = saved_view_create(
            desk=staff_access(admin), name="Urgences", base="team", filters={"priority": "urgent"}
        )
    deliver_due()  # the demo's letters, as .eml files for the development mail viewer
    # The newest of EJ's (the viewer shows an administrator the mail of their brands).
    letter = max(
        path.name
        for path in outbox.glob("*.eml")
        if b"experiencejamaique" in path.read_bytes().split(b"\n\n", 1)[0]
    )
    audit = Audit()
    for language in LANGUAGES:
        page = contexts(language).new_page()
        with translation.override(language):
            login, verify = reverse("account:login"), reverse("account:verify")
            search, quarantine = reverse("desk:search"), reverse("desk:quarantine")
            ticket = reverse("desk:ticket", args=[escalated.reference])
            inboxes = [reverse("desk:inbox", args=[key]) for key in ("mine", "unassigned")]
            account = reverse("account:home")
            notifications = reverse("desk:notifications")
            preferences = reverse("desk:preferences")
            mine_saved = reverse("desk:saved", args=[saved.pk])
            password = reverse("account:password_change")
            two_step = reverse("account:enrol")
            mail = reverse("desk:devmail")
            one_mail = reverse("desk:devmail_message", args=[letter])
            reports = reverse("desk:reports")
            behind = reverse("desk:report_tickets") + "?period=30d&open=1"
            new_ticket, calls = reverse("desk:new_ticket"), reverse("desk:calls")
            callbacks = reverse("desk:callbacks") + "?show=all"
        page.goto(login)
        every_size(audit, page, "desk-sign-in", language)
        page.locator("#id_username").fill("ej-admin")
        page.locator("#id_password").fill(settings.GUICHET_DEMO_PASSWORD)
        page.locator("main form button[type=submit]").click()
        expect(page).to_have_url(re.compile(re.escape(verify)))
        every_size(audit, page, "desk-two-step-code", language)
        page.locator("#id_code").fill(totp_code(device))
        page.locator("main form button[type=submit]").first.click()
        expect(page).not_to_have_url(re.compile(re.escape(verify)))
        for path, name in zip(inboxes, ("mine", "unassigned"), strict=True):
            page.goto(path)
            every_size(audit, page, f"desk-inbox-{name}", language)
        page.goto(ticket)
        every_size(audit, page, "desk-ticket", language)
        page.goto(f"{search}?q={escalated.contact.name.split()[0]}")
        every_size(audit, page, "desk-search", language)
        page.goto(quarantine)
        every_size(audit, page, "desk-quarantine", language)
        page.goto(account)
        every_size(audit, page, "desk-account", language)
        page.goto(notifications)
        every_size(audit, page, "desk-notifications", language)
        page.goto(preferences)
        every_size(audit, page, "desk-preferences", language)
        page.goto(password)
        every_size(audit, page, "desk-password", language)
        page.goto(two_step)
        every_size(audit, page, "desk-two-step-set-up", language)
        page.goto(mine_saved)
        every_size(audit, page, "desk-saved-view", language)
        page.goto(mail)
        every_size(audit, page, "desk-dev-mail", language)
        page.goto(one_mail)
        every_size(audit, page, "desk-dev-mail-message", language)
        page.goto(reports)
        every_size(audit, page, "desk-reports", language)
        page.goto(behind)
        every_size(audit, page, "desk-reports-tickets", language)
        page.goto(new_ticket)
        every_size(audit, page, "desk-new-ticket", language)
        page.goto(calls)
        every_size(audit, page, "desk-calls", language)
        page.goto(callbacks)
        every_size(audit, page, "desk-callbacks", language)
        # The next language signs in again with the same code: TOTP refuses a code it has
        # accepted already, so the device forgets it (as the next 30 s window would).
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    audit.finish("desk")


def _sign_in(page: Page, username: str) -> None:
    """A member of the staff without a second factor, through the sign-in form."""
    page.goto(reverse("account:login"))
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(settings.GUICHET_DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(re.escape(reverse("account:login"))))


def _dispute(brand: Brand, manager: User) -> Ticket:
    """A Jamla24 dispute with everything of the seller's side on it: the seller written to
    (shown the customer's message), the customer's pending request for its details, its
    refusal, a strike, and a refund recorded."""
    ticket = _ticket(
        brand,
        seller__status="active",
        status__in=list(OPEN_STATUSES),
        contact_releases__isnull=True,
    )
    with brand_scope(brand):
        first = ticket.messages.filter(direction="in", is_internal=False).earliest("created_at")
        seller = ticket.seller
    assert seller is not None
    services.seller_contact(
        ticket=ticket,
        actor=manager,
        text="Bonjour, la cliente n’a rien reçu. Pouvez-vous vérifier l’envoi ?",
        share=[first],
    )
    services.contact_release_request(ticket=ticket, actor=Customer(ticket.contact))
    services.seller_receive(
        ticket=ticket,
        party=SellerParty(seller),
        text="Le colis a été livré selon le transporteur.",
        channel=Channel.WEB,
        proposal="refusal",
        reason="Livré selon le suivi du transporteur.",
    )
    services.strike_record(
        ticket=ticket, actor=manager, reason="refused", note="Refuse de rembourser sans preuve."
    )
    services.ticket_record_payment(
        ticket=ticket, actor=manager, kind="refund", amount="499.00", reason="Geste commercial"
    )
    return ticket


def _return_request(brand: Brand, agent: User) -> Ticket:
    """An Ivoire Toner return request, the item received three days ago."""
    with brand_scope(brand):
        customer = (
            Ticket.objects.select_related("contact").filter(brand=brand).earliest("pk").contact
        )
    ticket = services.ticket_open(
        brand=brand,
        contact=customer,
        contact_type="return_refund",
        subject="Cartouche défectueuse à retourner",
        text="La cartouche fuit : je souhaite la retourner et être remboursée.",
        channel=Channel.EMAIL,
    )
    services.ticket_record_return(
        ticket=ticket, actor=agent, item_received_at=clock.now() - timedelta(days=3)
    )
    return ticket


def test_every_seller_page_of_the_desk_is_accessible_and_fits_a_phone(
    demo: dict[str, Brand], contexts: Callable[[str], BrowserContext]
) -> None:
    """The sellers' pages and the ticket page of a marketplace dispute (the seller's panel,
    the message to the seller, passing its answer on) and of a return request (the
    return's deadlines and the money)."""
    jamla, toner = demo["jamla24"], demo["ivoire-toner"]
    manager = User.objects.get(username="jamla24-manager")
    toner_agent = User.objects.get(username="ivoire-toner-agent")
    dispute = _dispute(jamla, manager)
    returned = _return_request(toner, toner_agent)
    audit = Audit()
    for language in LANGUAGES:
        with translation.override(language):
            sellers = reverse("desk:sellers")
            seller = reverse("desk:seller", args=[dispute.seller_id])
            ticket = reverse("desk:ticket", args=[dispute.reference])
            return_ticket = reverse("desk:ticket", args=[returned.reference])
        page = contexts(language).new_page()
        _sign_in(page, manager.username)
        page.goto(sellers)
        every_size(audit, page, "desk-sellers", language)
        page.goto(seller)
        page.locator(".status-box > summary").click()
        every_size(audit, page, "desk-seller", language)
        page.goto(ticket)
        every_size(audit, page, "desk-ticket-seller", language)
        page.locator("[data-write-seller]").click()
        expect(page.locator("#seller-box")).to_have_attribute("open", "")
        every_size(audit, page, "desk-ticket-seller-write", language)
        # A fresh page: axe leaves empty style attributes on the fields it looked at, which
        # htmx would copy when it settles the swapped editor (refused by the CSP).
        page.goto(ticket)
        page.locator("#timeline li.msg.seller.in .pass-on button").click()
        expect(page.locator("#reply-form[data-passing-on]")).to_be_visible()
        every_size(audit, page, "desk-ticket-seller-pass-on", language)
        page = contexts(language).new_page()
        _sign_in(page, toner_agent.username)
        page.goto(return_ticket)
        for box in ("#return-box", "#payment-box"):
            page.locator(f"{box} > summary").click()
        every_size(audit, page, "desk-ticket-return", language)
    audit.finish("desk-sellers")


# --- the portal -------------------------------------------------------------------------------


def _survey_token(ticket: Ticket) -> str:
    secret, hashed = new_secret()
    now = clock.now()
    with brand_scope(ticket.brand_id):
        SurveyLink.objects.create(
            brand_id=ticket.brand_id,
            ticket=ticket,
            created_at=now,
            send_at=now,
            sent_at=now,
            token_hash=hashed,
            expires_at=now + timedelta(days=7),
        )
    return secret


def _portal_pages(audit: Audit, page: Page, brand: Brand, language: str, prefix: str) -> None:
    """The pages of one brand's portal, as a visitor and then signed in as a customer."""
    answered = _ticket(brand, status=Status.CLOSED, contact__emails__isnull=False)
    with translation.override("fr"):
        home = reverse("portal:home", kwargs={"brand": brand.slug})

    def go(path: str, name: str) -> None:
        page.goto(localised(home + path, language))
        every_size(audit, page, f"{prefix}-{name}", language)

    go("", "home")
    go("contact", "contact")
    go("hours", "hours")
    go("help/", "help")
    with brand_scope(brand):
        article = public_articles(brand, language).order_by("pk").first()
    if article is not None:
        go(f"help/a/{article.pk}-{article.slug}", "help-article")
        go(f"help/search?q={article.slug.split('-')[0]}", "help-search")
    go("track", "track")
    go(MISSING, "not-found")
    go(f"survey/{_survey_token(answered)}", "survey")
    go(f"signin/{new_link(brand, answered.contact)}", "sign-in")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("h1")).to_be_visible()
    go("requests/", "requests")
    go(f"requests/{answered.reference}/", "request")
    go("requests/my-data", "my-data")


def test_every_portal_page_is_accessible_and_fits_a_phone(
    demo: dict[str, Brand], contexts: Callable[[str], BrowserContext]
) -> None:
    audit = Audit()
    with all_brands():
        brands = list(Brand.objects.order_by("slug"))
    for language in LANGUAGES:
        for brand in brands:
            # Every brand's colours and texts; the whole journey at EJ.
            page = contexts(language).new_page()
            _portal_pages(audit, page, brand, language, f"portal-{brand.slug}")
    audit.finish("portal")


# --- the seller portal ------------------------------------------------------------------------


def _seller_dispute(brand: Brand) -> tuple[Ticket, Any, Any]:
    """A demo dispute of the marketplace handed to a seller of this test's own (the demo's
    sellers may change; the pages need one asked about a dispute, with the customer's
    message shared), and a restricted seller's person for the notice."""
    from guichet.conftest import make_seller
    from guichet.tickets import services
    from guichet.tickets.actors import SYSTEM
    from guichet.tickets.choices import Direction

    manager = User.objects.get(username=f"{brand.slug}-manager")
    seller = make_seller(brand, "Boutique de l'audit", "ventes@audit-vendeur.example", person="Rim")
    ticket = _ticket(brand, status__in=[Status.OPEN, Status.NEW])
    services.ticket_change(ticket=ticket, actor=SYSTEM, seller=seller)
    with brand_scope(brand):
        first = ticket.messages.filter(direction=Direction.INBOUND, seller__isnull=True).first()
        person = seller.people.get()
    services.seller_contact(
        ticket=ticket,
        actor=manager,
        text="Bonjour, pouvez-vous nous dire où en est la livraison de cette commande ?",
        share=[first] if first else [],
    )
    return ticket, seller, person


def test_every_seller_portal_page_is_accessible_and_fits_a_phone(
    demo: dict[str, Brand], contexts: Callable[[str], BrowserContext]
) -> None:
    from guichet.marketplace import signin

    brand = demo["jamla24"]
    ticket, seller, person = _seller_dispute(brand)
    audit = Audit()
    for language in LANGUAGES:
        page = contexts(language).new_page()
        with translation.override(language):
            home = reverse("sellerportal:home", kwargs={"brand": brand.slug})
            ask = reverse("sellerportal:signin_ask", kwargs={"brand": brand.slug})
            dispute = reverse(
                "sellerportal:dispute", kwargs={"brand": brand.slug, "reference": ticket.reference}
            )
        _link, token = signin.link_create(seller=seller, person=person)
        page.goto(ask)
        every_size(audit, page, "sellerportal-sign-in-ask", language)
        page.locator("main input[type=email]").fill("personne@exemple.ma")
        page.locator("main form button[type=submit]").click()
        expect(page.locator("h1")).to_be_visible()
        every_size(audit, page, "sellerportal-sign-in-sent", language)
        page.goto(home + MISSING)
        every_size(audit, page, "sellerportal-not-found", language)
        page.goto(f"{ask}/{token}")
        every_size(audit, page, "sellerportal-sign-in", language)
        page.locator("main form button[type=submit]").click()
        expect(page).to_have_url(re.compile(re.escape(home) + "$"))
        every_size(audit, page, "sellerportal-disputes", language)
        page.goto(dispute)
        every_size(audit, page, "sellerportal-dispute", language)
    # The customer's side of the same dispute: the seller's details released, a refund.
    _customer_request_with_seller(audit, contexts, brand, ticket)
    audit.finish("sellerportal")


def _customer_request_with_seller(
    audit: Audit, contexts: Callable[[str], BrowserContext], brand: Brand, ticket: Ticket
) -> None:
    from guichet.tickets import services
    from guichet.tickets.actors import Customer

    manager = User.objects.get(username=f"{brand.slug}-manager")
    with brand_scope(brand):
        contact = ticket.contact
    release = services.contact_release_request(ticket=ticket, actor=Customer(contact))
    if release.status == "requested":
        services.contact_release_decide(release=release, actor=manager, give=True)
    services.ticket_record_payment(
        ticket=ticket, actor=manager, kind="refund", amount="349.90", reason="Retour accepté."
    )
    for language in LANGUAGES:
        page = contexts(language).new_page()
        with translation.override("fr"):
            portal = reverse("portal:home", kwargs={"brand": brand.slug})
        page.goto(localised(f"{portal}signin/{new_link(brand, contact)}", language))
        page.locator("main form button[type=submit]").first.click()
        expect(page.locator("h1")).to_be_visible()
        page.goto(localised(f"{portal}requests/{ticket.reference}/", language))
        expect(page.locator("#seller-title")).to_be_visible()
        every_size(audit, page, f"portal-{brand.slug}-request-with-seller", language)
