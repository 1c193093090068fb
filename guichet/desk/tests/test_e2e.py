"""The agent desk in a real browser (Debian's Chromium driven by Playwright, against
pytest-django's live server): signing in (an agent with a password, an administrator with
the code of an authenticator), the inbox, replying with a canned reply, escalating, the
keyboard, and the live refresh that shows another agent's change without losing a draft.

Screenshots of the main pages, at laptop and tablet sizes, are kept in
var/artefacts/e2e/ as the run's artefacts.

Time: the domain's clock is frozen (`world`), and moved by hand when another agent acts,
as real time would have moved; the page's own timers (htmx's polling) run on Playwright's
clock, fast-forwarded instead of waited for."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Locator, Page, expect

from guichet.conftest import World
from guichet.contacts.services import contact_for_email
from guichet.desk.models import CannedReply
from guichet.desk.tests import browser as e2e
from guichet.lib.clock import FrozenClock
from guichet.lib.scoping import brand_scope
from guichet.tickets import services
from guichet.tickets.actors import System
from guichet.tickets.choices import Channel, Verb
from guichet.tickets.models import Message, Ticket

browser = e2e.browser
desk_page = e2e.desk_page
template_errors = e2e.template_errors

PASSWORD = "pw"  # make_staff's
# Longer than the desk's polling intervals (the list every 15 s, a ticket every 10 s).
POLL_MS = 16_000


@dataclass
class Desk:
    """The world, plus what an agent's morning looks like: three tickets of theirs, one
    nobody has taken yet, and a canned reply of the brand."""

    world: World
    clock: FrozenClock
    billing: Ticket  # world's "Facture en double", Hélène's
    gallery: Ticket
    parcel: Ticket
    booking: Ticket  # unassigned
    canned: CannedReply

    def tick(self, minutes: int = 1) -> None:
        """Time passes before somebody acts (the lists notice changes by their time)."""
        self.clock.advance(timedelta(minutes=minutes))

    def recount(self) -> None:
        """As if the counts per view, kept a few seconds (desk/queries.py), had expired."""
        cache.clear()


@pytest.fixture
def desk(world: World, frozen_clock: FrozenClock) -> Desk:
    ej = world.ej

    def opened(email: str, name: str, subject: str, text: str, **extra: str) -> Ticket:
        frozen_clock.advance(timedelta(minutes=7))
        customer = contact_for_email(brand=ej, email=email, name=name, language="fr")
        return services.ticket_open(
            brand=ej,
            contact=customer,
            subject=subject,
            text=text,
            channel=Channel.EMAIL,
            **extra,  # type: ignore[arg-type]
        )

    gallery = opened(
        "marc@exemple.fr",
        "Marc Dubois",
        "Photo refusée dans la galerie",
        "Ma photo de Negril a été refusée sans explication.",
        contact_type="question",
        category="online-gallery",
    )
    parcel = opened(
        "awa@exemple.fr",
        "Awa Diallo",
        "Colis jamais arrivé",
        "J'ai commandé un panier il y a trois semaines.",
        contact_type="complaint",
        category="shopping",
    )
    booking = opened(
        "jean@exemple.fr",
        "Jean Martin",
        "Changement de réservation",
        "Puis-je décaler mon vol d'une semaine ?",
        contact_type="question",
        category="travel",
    )
    for ticket in (world.ticket, gallery, parcel):
        services.ticket_assign(ticket=ticket, actor=world.lead, assignee=world.agent)
    with brand_scope(ej):
        canned = CannedReply.objects.create(
            brand=ej,
            language="fr",
            title="Remboursement d’un doublon",
            body=(
                "Bonjour {{ customer_name }},\n\n"
                "Nous avons bien remboursé le montant débité deux fois (dossier "
                "{{ reference }}).\n\nCordialement,\n{{ agent_name }}"
            ),
        )
    return Desk(
        world=world,
        clock=frozen_clock,
        billing=world.ticket,
        gallery=gallery,
        parcel=parcel,
        booking=booking,
        canned=canned,
    )


def fresh(ticket: Ticket) -> Ticket:
    with brand_scope(ticket.brand_id):
        return Ticket.objects.get(pk=ticket.pk)


def texts(ticket: Ticket) -> list[str]:
    """The texts of the ticket's messages, with the browser's CRLF line ends as LF."""
    with brand_scope(ticket.brand_id):
        found = Message.objects.filter(ticket=ticket).values_list("text", flat=True)
        return [text.replace("\r\n", "\n") for text in found]


def row(page: Page, ticket: Ticket) -> Locator:
    """The ticket's row in the page's live list."""
    return page.locator(f'#list tr[data-href$="/t/{ticket.reference}/"]')


def sign_in(page: Page, username: str, *, shoot: bool = False) -> None:
    """Through the real sign-in form, from the desk's address (which sends there)."""
    page.goto(reverse("desk:home"))
    expect(page).to_have_url(re.compile(re.escape(reverse("account:login"))))
    if shoot:
        e2e.shoot_both(page, "sign-in")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()


def totp_code(device: TOTPDevice) -> str:
    """The code the authenticator app shows now."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


# --- signing in -------------------------------------------------------------------------------


def test_an_agent_signs_in_with_a_password_and_lands_on_their_inbox(desk_page, desk):
    page = desk_page
    sign_in(page, "agent", shoot=True)
    expect(page).to_have_url(re.compile(re.escape(reverse("desk:inbox", args=["mine"]))))
    expect(page.locator("h1")).to_have_text("Les miens")
    for ticket in (desk.billing, desk.gallery, desk.parcel):
        expect(row(page, ticket)).to_be_visible()
    expect(row(page, desk.booking)).to_have_count(0)  # nobody's yet: not in "mine"
    expect(page.locator("#views a[aria-current=page] .count")).to_have_text("3")
    e2e.shoot_both(page, "inbox")


def test_an_administrator_gives_the_code_of_their_authenticator(desk_page, desk):
    page = desk_page
    device = TOTPDevice.objects.create(user=desk.world.admin, name="phone", confirmed=True)
    sign_in(page, "ejadmin")
    expect(page).to_have_url(re.compile(re.escape(reverse("account:verify"))))
    e2e.shoot_both(page, "two-step-code")
    page.locator("#id_code").fill(totp_code(device))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(re.escape(reverse("desk:inbox", args=["mine"]))))
    # An administrator's desk: the quarantine of inbound email is theirs to see.
    expect(page.locator("#views").get_by_role("link", name="Quarantaine")).to_be_visible()


# --- the day's work ---------------------------------------------------------------------------


def test_reply_with_a_canned_reply_then_escalate_and_the_list_follows(desk_page, desk):
    page = desk_page
    page.clock.install()  # htmx's polling runs on a clock the test moves
    sign_in(page, "agent")
    expect(row(page, desk.billing)).to_be_visible()

    # A second tab keeps the list open, as an agent does, while the first works a ticket.
    inbox = page.context.new_page()
    inbox.clock.install()
    inbox.goto(reverse("desk:inbox", args=["mine"]))
    expect(row(inbox, desk.billing)).to_be_visible()

    row(page, desk.billing).locator("a").click()
    expect(page.locator("#head h1")).to_contain_text("Facture en double")
    expect(page.locator("#timeline")).to_contain_text("J'ai été débitée deux fois.")
    e2e.shoot_both(page, "ticket")

    # The canned reply, filled for this ticket, goes into the (empty) editor.
    page.locator("#canned").select_option(label="Remboursement d’un doublon (fr)")
    page.get_by_role("button", name="Insérer").click()
    editor = page.locator("#reply-box")  # the editor's box, as the agent reads it
    expect(editor).to_have_text(re.compile(r"^Bonjour Hélène Lefèvre,"), use_inner_text=True)
    expect(editor).to_have_text(
        re.compile(re.escape(f"(dossier {desk.billing.reference})")), use_inner_text=True
    )
    expect(editor).to_have_text(re.compile(r"\nAgent\s*$"), use_inner_text=True)
    e2e.shoot_both(page, "reply-with-canned-reply")

    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.locator("#flash")).to_contain_text("Réponse envoyée.")
    expect(page.locator("#timeline li.out").last).to_contain_text("Nous avons bien remboursé")
    expect(editor).to_have_text("")  # sent: the editor is empty again
    with brand_scope(desk.world.ej):
        sent = Message.objects.filter(ticket=desk.billing, direction="out", is_automatic=False)
        assert sent.get().text.startswith("Bonjour Hélène Lefèvre,")

    # Escalate to the department, with the reason the policy asks for (among the actions).
    page.locator("#level-box > summary").click()
    level = page.locator("#escalate-form")
    level.locator("select[name=to_level]").select_option("2")
    level.locator("textarea[name=reason]").fill("Litige sur le montant remboursé.")
    level.get_by_role("button", name=re.compile("Changer de niveau")).click()
    expect(page.locator("#flash")).to_contain_text("Niveau changé.")
    expect(page.locator("#head")).to_contain_text("niveau 2")
    expect(page.locator("#timeline")).to_contain_text("Litige sur le montant remboursé.")
    assert fresh(desk.billing).level == 2

    # The open list sees it at its next refresh: the ticket went to the department's team.
    desk.recount()
    inbox.clock.fast_forward(POLL_MS)
    expect(row(inbox, desk.billing)).to_have_count(0)
    expect(row(inbox, desk.gallery)).to_be_visible()
    expect(inbox.locator("#views a[aria-current=page] .count")).to_have_text("2")


def test_the_keyboard_moves_searches_shows_help_and_writes(desk_page, desk):
    page = desk_page
    sign_in(page, "agent")
    rows = page.locator("#list tbody tr")
    expect(rows).to_have_count(3)
    first, second = rows.nth(0), rows.nth(1)

    page.keyboard.press("j")
    expect(first).to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("j")
    expect(second).to_have_class(re.compile(r"\bcurrent\b"))
    expect(first).not_to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("k")
    expect(first).to_have_class(re.compile(r"\bcurrent\b"))
    target = first.get_attribute("data-href")
    assert target
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))
    page.wait_for_load_state()  # its scripts run once its two stylesheets are in

    # On a ticket: r writes the reply, n a note, e the reason of an escalation, a takes it.
    page.keyboard.press("r")
    expect(page.locator("#reply-box")).to_be_focused()
    page.keyboard.press("Escape")  # leave the editor, so the next key is a shortcut
    page.keyboard.press("n")
    expect(page.locator("#note-box")).to_have_attribute("open", "")
    expect(page.locator("#note-text")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.press("e")
    expect(page.locator("#escalate-reason")).to_be_focused()
    page.keyboard.press("Escape")

    # ? shows the keys; Escape closes it.
    page.keyboard.press("?")
    help_box = page.locator("dialog#help")
    expect(help_box).to_be_visible()
    expect(help_box).to_contain_text("Clavier")
    e2e.shoot_both(page, "keyboard-help", full_page=False)
    page.keyboard.press("Escape")
    expect(help_box).to_be_hidden()

    # / goes to the search box; words of a message find the ticket.
    page.keyboard.press("/")
    search = page.locator("#q")
    expect(search).to_be_focused()
    search.fill("Negril")
    search.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(reverse("desk:search")) + r"\?q=Negril"))
    results = page.locator("table.tickets tbody tr")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text(desk.gallery.reference)
    e2e.shoot_both(page, "search-results")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page.locator("#head h1")).to_contain_text("Photo refusée dans la galerie")

    # a: "assign to me", on the ticket nobody has taken yet.
    page.goto(reverse("desk:ticket", args=[desk.booking.reference]))
    expect(page.locator("#take-form")).to_be_visible()
    page.keyboard.press("a")
    expect(page.locator("#flash")).to_contain_text("Le dossier vous est attribué.")
    expect(page.locator("#take-form")).to_have_count(0)
    assert fresh(desk.booking).assignee_id == desk.world.agent.pk


def test_an_uneventful_change_redraws_the_history_without_making_the_page_stale(desk_page, desk):
    """A deadline missed while the page is open moves the ticket's revision; the history
    shows it, and the page's forms act on the ticket as it is now (no "someone else
    changed this ticket")."""
    page = desk_page
    page.clock.install()
    sign_in(page, "agent")
    page.goto(reverse("desk:ticket", args=[desk.booking.reference]))
    expect(page.locator("#take-form")).to_be_visible()
    desk.tick()
    services.ticket_record(
        ticket=desk.booking,
        actor=System("sla"),
        verb=Verb.DEADLINE_BREACHED,
        data={"kind": "first_response", "level": 0},
    )
    page.clock.fast_forward(POLL_MS)
    timeline = page.locator("#timeline")
    expect(timeline).to_have_attribute("data-revision", str(fresh(desk.booking).revision))
    expect(timeline).not_to_contain_text("Ce dossier vient de changer")
    revision = str(fresh(desk.booking).revision)
    expect(page.locator("#take-form input[name=revision]")).to_have_value(revision)
    page.keyboard.press("a")
    expect(page.locator("#flash")).to_contain_text("Le dossier vous est attribué.")
    assert fresh(desk.booking).assignee_id == desk.world.agent.pk


def test_another_agents_change_shows_without_losing_the_draft(desk_page, desk):
    page = desk_page
    world = desk.world
    page.clock.install()
    sign_in(page, "agent")
    expect(row(page, desk.booking)).to_have_count(0)

    # The team lead gives the agent the ticket nobody had: it joins the open list.
    desk.tick()
    services.ticket_assign(ticket=desk.booking, actor=world.lead, assignee=world.agent)
    desk.recount()
    page.clock.fast_forward(POLL_MS)
    expect(row(page, desk.booking)).to_be_visible()
    expect(page.locator("#views a[aria-current=page] .count")).to_have_text("4")

    # The agent writes a reply; meanwhile a colleague adds a note to the same ticket.
    page.goto(reverse("desk:ticket", args=[desk.billing.reference]))
    editor = page.locator("#reply-box")
    draft = "Bonjour Madame Lefèvre,\n\nNous vérifions votre relevé"
    editor.fill(draft)
    desk.tick()
    services.ticket_note(ticket=desk.billing, actor=world.agent2, text="Le client a rappelé.")
    page.clock.fast_forward(POLL_MS)
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Le client a rappelé.")
    expect(timeline).to_contain_text("Ce dossier vient de changer")
    expect(editor).to_have_text(draft, use_inner_text=True)  # the draft is still there
    editor.press("End")
    editor.type(".")
    expect(editor).to_have_text(draft + ".", use_inner_text=True)

    # Sent on the older view of the ticket, the reply asks to be confirmed first.
    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.locator("#editor .warning")).to_be_visible()
    expect(editor).to_have_text(draft + ".", use_inner_text=True)
    assert draft + "." not in texts(desk.billing)
    page.get_by_role("button", name="Envoyer quand même").click()
    expect(page.locator("#flash")).to_contain_text("Réponse envoyée.")
    assert draft + "." in texts(desk.billing)
