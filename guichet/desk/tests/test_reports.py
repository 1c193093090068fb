"""The reports in the desk: the dashboard of each preset brand (cards, five charts, every
figure of the brand's report in its policy's order), for the roles that may see reports
only; every number that counts tickets links to the list of those tickets, which holds as
many as the number says, of the brand alone, never a complaint about the viewer; the
filters narrow it; an address the pages cannot read answers 400, never 500."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from guichet.accounts.models import Membership, Role
from guichet.brands.models import Brand
from guichet.conftest import World, make_staff, publish_preset
from guichet.contacts.services import contact_for_email
from guichet.lib.clock import FrozenClock
from guichet.reports.figures import kpis_of
from guichet.reports.scope import Scope
from guichet.tickets import services
from guichet.tickets.actors import Customer
from guichet.tickets.choices import Channel, Verb
from guichet.tickets.models import Ticket

pytestmark = pytest.mark.django_db

DASHBOARD = "/desk/reports/"
TICKETS = "/desk/reports/tickets/"
# The links whose figure counts promises or events rather than tickets.
PER_EVENT = ("deadline", "tally", "escalated", "trigger")
LINK = re.compile(r'<a href="(/(?:en/)?desk/reports/tickets/\?[^"]+)">([^<]*)</a>')


def links(response: Any) -> list[tuple[str, str]]:
    """The links to tickets on a page, with the text of each (its number)."""
    return [(html.unescape(url), text) for url, text in LINK.findall(response.content.decode())]


def opened(brand: Brand, n: int, **extra: Any) -> Ticket:
    policy = brand.get_policy()
    kinds = [c.kind for c in policy.channels if c.kind in Channel.values]
    types = [c.type for c in policy.contact_types if c.type not in ("dispute", "return_refund")]
    categories = [c.key for c in policy.categories if not c.about_staff]
    contact = contact_for_email(
        brand=brand, email=f"client{n}@exemple.fr", name=f"Client {n}", language="fr"
    )
    opening: dict[str, Any] = {
        "brand": brand,
        "contact": contact,
        "contact_type": types[n % len(types)],
        "subject": f"Demande {n}",
        "text": "Bonjour, j'ai une question.",
        "channel": kinds[n % len(kinds)],
        "category": categories[n % len(categories)] if categories else "",
    }
    return services.ticket_open(**{**opening, **extra})


def answered(ticket: Ticket, by: Any, score: int | None = None) -> None:
    services.ticket_reply(ticket=ticket, actor=by, text="Voici la réponse.", full_answer=True)
    if score is not None:
        services.ticket_record(
            ticket=ticket,
            actor=Customer(ticket.contact),
            verb=Verb.SURVEY_ANSWERED,
            data={"score": score, "scale": 5, "not_satisfied": score <= 2, "level": 1},
        )


# --- every preset ----------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["ej", "ivoire-toner", "jamla24", "jive", "respect"])
def test_the_dashboard_of_each_preset_shows_its_report_and_every_link_opens(
    client, frozen_clock: FrozenClock, slug
):
    brand = publish_preset(slug)
    lead = make_staff(brand, "lead", Role.TEAM_LEAD)
    tickets = [opened(brand, n) for n in range(4)]
    frozen_clock.advance(timedelta(hours=2))
    answered(tickets[0], lead, score=4)
    answered(tickets[1], lead, score=2)
    client.force_login(lead)

    for prefix in ("", "/en"):
        response = client.get(prefix + DASHBOARD)
        assert response.status_code == 200
        page = response.content.decode()
        assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"') == 5
        # Every figure the policy names, in its order.
        with translation.override(prefix.strip("/") or "fr"):
            keys = kpis_of(Scope.month(brand, frozen_clock.now().date()))
        found = [page.index(f'id="kpi-{key}"') for key in keys]
        assert found == sorted(found)
        assert "4" in re.sub(r"\s+", " ", page)  # received, on a card
    # Every number with a link opens its list (each link once).
    seen = {url for url, _text in links(response)}
    assert seen
    for url in seen:
        assert client.get(url).status_code == 200, url


# --- who may see them ------------------------------------------------------------------------


def test_agents_and_investigators_get_404_and_no_entry_in_the_menu(client, world: World):
    for person in (world.agent, world.investigator):
        client.force_login(person)
        assert client.get(DASHBOARD).status_code == 404
        assert client.get(TICKETS, {"brand": world.ej.pk}).status_code == 404
        inbox = client.get(reverse("desk:inbox", args=["mine"]))
        assert DASHBOARD not in inbox.content.decode()


@pytest.mark.parametrize("role", ["lead", "director", "manager", "admin", "superuser"])
def test_leads_directors_managers_and_administrators_see_them(client, world: World, role):
    client.force_login(getattr(world, role))
    inbox = client.get(reverse("desk:inbox", args=["mine"]))
    assert f'href="{DASHBOARD}"' in inbox.content.decode()
    response = client.get(DASHBOARD, {"brand": world.ej.pk})
    assert response.status_code == 200
    assert "Expérience Jamaïque" in response.content.decode()


def test_another_brands_lead_gets_404_for_this_brand(client, world: World):
    other = make_staff(world.jamla, "jamla-lead", Role.TEAM_LEAD)
    client.force_login(other)
    assert client.get(DASHBOARD, {"brand": world.ej.pk}).status_code == 404
    assert client.get(TICKETS, {"brand": world.ej.pk}).status_code == 404
    # Their own brand's, without naming it (their one brand).
    response = client.get(DASHBOARD)
    assert response.status_code == 200 and "Jamla24" in response.content.decode()
    # The outsider's administrator: the same.
    client.force_login(world.outsider_admin)
    assert client.get(DASHBOARD, {"brand": world.ej.pk}).status_code == 404


def test_a_person_of_several_brands_picks_one(client, world: World):
    Membership.objects.create(user=world.lead, brand=world.jamla, role=Role.MANAGER)
    client.force_login(world.lead)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    page = response.content.decode()
    for brand in (world.ej, world.jamla):
        assert f'href="{DASHBOARD}?brand={brand.pk}"' in page
    assert 'class="chart"' not in page
    response = client.get(DASHBOARD, {"brand": world.jamla.pk})
    assert response.status_code == 200 and response.context["scope"].brand == world.jamla
    # A list of tickets names its brand.
    assert client.get(TICKETS).status_code == 400


# --- the tickets behind a number -------------------------------------------------------------


@pytest.fixture
def history(world: World, frozen_clock: FrozenClock) -> list[Ticket]:
    """EJ's month: five tickets by email and the web, two answered (with a survey), one
    escalated to level 2 and decided there, one closed at level 1."""
    ej = world.ej
    tickets = [opened(ej, n) for n in range(5)]
    frozen_clock.advance(timedelta(hours=3))
    answered(tickets[0], world.agent, score=5)
    answered(tickets[1], world.agent, score=2)
    services.ticket_escalate(ticket=tickets[2], actor=world.agent, reason="Le client insiste.")
    frozen_clock.advance(timedelta(hours=1))
    services.ticket_reply(
        ticket=tickets[2], actor=world.manager, text="Décision.", full_answer=True
    )
    services.ticket_close(ticket=tickets[2], actor=world.manager, outcome="partly_upheld")
    services.ticket_close(ticket=tickets[0], actor=world.lead, outcome="upheld")
    frozen_clock.advance(timedelta(hours=1))
    return [world.ticket, *tickets]


def test_each_number_lists_as_many_tickets_as_it_counts(client, world: World, history):
    client.force_login(world.lead)
    response = client.get(DASHBOARD, {"period": "30d"})
    assert response.status_code == 200
    checked = 0
    for url, text in links(response):
        expected = int(text.replace("\u202f", "").replace("\xa0", ""))
        listed = client.get(url)
        assert listed.status_code == 200, url
        assert listed.context["page"].paginator.count == listed.context["counted"], url
        if any(f"{key}=" in url for key in PER_EVENT):
            # Promises and events: a ticket counts once per promise (an update renewed)
            # or event, and the list says so.
            counted = listed.context["counted"]
            assert counted <= expected and (counted == 0) == (expected == 0), url
            assert listed.context["per_event"], url
        else:
            assert listed.context["counted"] == expected, url
            checked += 1
    assert checked >= 10
    # A few by hand: the six received, the one that went to level 2, the two surveys.
    assert links(response)[0][1] == "6"
    listed = client.get(TICKETS, {"brand": world.ej.pk, "period": "30d", "at_level": 2})
    assert [row.ticket for row in listed.context["rows"]] == [history[3]]
    listed = client.get(TICKETS, {"brand": world.ej.pk, "period": "30d", "score": 2})
    assert [row.ticket.reference for row in listed.context["rows"]] == [history[2].reference]
    assert history[2].reference in listed.content.decode()


def test_another_brands_tickets_are_never_listed_whatever_the_address_says(
    client, world: World, history
):
    jamla_ticket = opened(world.jamla, 9)
    Membership.objects.create(user=world.lead, brand=world.jamla, role=Role.TEAM_LEAD)
    client.force_login(world.lead)
    everything = {"brand": world.ej.pk, "start": "2026-01-01", "end": "2026-12-31"}
    crafted = [
        everything,
        {**everything, "channel": jamla_ticket.channel},
        {**everything, "category": "-", "contact_type": "-", "channel": "-"},
        {**everything, "open": 1, "id": jamla_ticket.pk, "ticket_id": jamla_ticket.pk},
        {**everything, "brand_id": world.jamla.pk},
    ]
    for params in crafted:
        listed = client.get(TICKETS, params)
        assert listed.status_code == 200
        shown = {row.ticket.brand_id for row in listed.context["rows"]}
        assert shown <= {world.ej.pk}
        assert jamla_ticket.reference not in listed.content.decode()
    # And the brand's own list does not hold EJ's.
    listed = client.get(TICKETS, {**everything, "brand": world.jamla.pk})
    assert [row.ticket for row in listed.context["rows"]] == [jamla_ticket]


def test_a_complaint_about_the_viewer_is_counted_not_listed(client, world: World, history):
    services.ticket_set_concerned_agent(ticket=history[1], actor=world.manager, agent=world.lead)
    client.force_login(world.lead)
    listed = client.get(TICKETS, {"brand": world.ej.pk, "period": "30d"})
    assert listed.context["counted"] == 6
    assert listed.context["page"].paginator.count == 5
    assert history[1].reference not in listed.content.decode()
    assert listed.context["unlisted"] == 1


def test_the_list_says_what_it_holds_and_leads_back(client, world: World, history):
    client.force_login(world.lead)
    listed = client.get(
        "/en" + TICKETS, {"brand": world.ej.pk, "month": "2026-11", "at_level": 2, "still": 1}
    )
    page = listed.content.decode()
    assert "November 2026" in page
    assert "Level 2" in page and "still there" in page
    assert "/en/desk/reports/?brand=" in html.unescape(page)
    assert "period=chosen" in html.unescape(page) and "month=2026-11" in html.unescape(page)


# --- the filters -----------------------------------------------------------------------------


def test_the_filters_narrow_the_dashboard(client, world: World, history):
    client.force_login(world.lead)
    everything = client.get(DASHBOARD, {"period": "30d"}).context["cards"]
    web = client.get(DASHBOARD, {"period": "30d", "channel": "web"})
    assert web.status_code == 200
    received = {card["label"]: card["text"] for card in web.context["cards"]}
    with world.scoped():
        by_web = Ticket.objects.filter(channel="web").count()
    assert received["Reçu"] == str(by_web) != everything[0]["text"]
    assert "channel=web" in web.context["cards"][0]["url"]
    level = client.get(DASHBOARD, {"period": "30d", "level": 2})
    assert level.context["cards"][0]["text"] == "1"
    # A chosen month before any ticket: nothing, and said so.
    before = client.get(DASHBOARD, {"period": "chosen", "month": "2026-01"})
    assert before.context["cards"][0]["text"] == "0"
    assert "Aucune donnée" in before.content.decode()
    # Chosen dates, both included.
    custom = client.get(DASHBOARD, {"period": "custom", "from": "2026-11-23", "to": "2026-11-23"})
    assert custom.context["scope"].start.isoformat() == "2026-11-23"
    assert custom.context["scope"].end.isoformat() == "2026-11-24"
    assert custom.context["cards"][0]["text"] == "6"


@pytest.mark.parametrize(
    "params",
    [
        {"period": "custom"},
        {"period": "custom", "from": "2026-11-20", "to": "2026-11-01"},
        {"period": "custom", "from": "2026-13-01", "to": "2026-11-01"},
        {"period": "custom", "from": "2010-01-01", "to": "2026-11-01"},
        {"period": "chosen", "month": "2026-13"},
        {"period": "chosen"},
        {"period": "forever"},
        {"team": "99999"},
        {"level": "abc"},
        {"channel": "pigeon"},
        {"brand": "abc"},
    ],
)
def test_a_dashboard_address_it_cannot_read_is_a_400_saying_why(client, world: World, params):
    client.force_login(world.lead)
    response = client.get(DASHBOARD, params)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode() or "errorlist" in response.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"score": "high"},
        {"at_level": "x"},
        {"deadline": "deadlines[0]", "deadline_level": "one"},
        {"resolution_s_max": "soon"},
        {"start": "yesterday"},
        {"month": "11-2026"},
        {"start": "2026-11-20", "end": "2026-11-01"},
        {"team": "front"},
        {"level": "2b"},
        {"brand": "ej"},
    ],
)
def test_a_list_address_it_cannot_read_is_a_400_saying_why(client, world: World, params):
    client.force_login(world.lead)
    response = client.get(TICKETS, {"brand": world.ej.pk, **params})
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


# --- the review and the exports, from the dashboard --------------------------------------------


def test_the_dashboard_offers_the_review_to_all_and_exports_to_the_policys_roles(
    client, frozen_clock: FrozenClock
):
    brand = publish_preset("ej")
    lead = make_staff(brand, "lead", Role.TEAM_LEAD)
    manager = make_staff(brand, "boss", Role.MANAGER)
    opened(brand, 1)
    client.force_login(lead)
    page = client.get(DASHBOARD).content.decode()
    review_links = [url for url, _text in links_to(page, "/desk/reports/review.pdf")]
    assert len(review_links) == 1 and "/desk/reports/export/" not in page
    answer = client.get(review_links[0])
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert answer["Content-Disposition"] == 'attachment; filename="review-ej-2026-11.pdf"'
    assert answer.content.startswith(b"%PDF")

    client.force_login(manager)
    page = client.get(DASHBOARD).content.decode()
    exports = [url for url, _text in links_to(page, "/desk/reports/export/tickets.")]
    assert len(exports) == 2
    assert client.get(exports[0]).status_code == 200


def test_the_review_of_another_brand_is_not_there(client, world: World):
    client.force_login(world.lead)
    answer = client.get(f"/desk/reports/review.pdf?brand={world.jamla.pk}&period=2026-11-01")
    assert answer.status_code == 404


def links_to(page: str, start: str) -> list[tuple[str, str]]:
    return [
        (html.unescape(url), text)
        for url, text in re.findall(r'<a href="([^"]+)"[^>]*>([^<]*)</a>', page)
        if url.startswith(start)
    ]
