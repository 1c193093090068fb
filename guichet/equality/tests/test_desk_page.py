"""The managers' page of equality monitoring (RP-3): `/desk/reports/equality/` shows, per
question of the policy and period, how many answer sets chose each option — managers of
the brand only; every group under 5 hidden, every figure rounded, so that no small group
can be worked out by subtraction."""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import translation

from guichet.accounts.models import Role
from guichet.conftest import World, make_staff
from guichet.equality import services
from guichet.equality.disclosure import BAND, Band, band
from guichet.equality.tests.conftest import open_ticket
from guichet.lib import clock
from guichet.lib.scoping import brand_scope

PAGE = "desk:equality"


def page_url(**query: str) -> str:
    with translation.override("en"):
        path = reverse(PAGE)
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def answer_sets(world: World, n: int, category: str = "", **chosen: str) -> None:
    """`n` complaints of EJ, each with its equality form answered so."""
    for _ in range(n):
        ticket = open_ticket(world.ej, world.customer, category=category)
        with brand_scope(world.ej):
            services.equality_answer(brand=world.ej, ticket=ticket, answers=chosen)


def figures(html: str, question: str) -> dict[str, str]:
    """The rows of one question's table: label -> figure as the page shows it."""
    table = html.split(f"<caption>{question}</caption>", 1)[1].split("</table>", 1)[0]
    rows = re.findall(
        r'<th scope="row">([^<]+)</th>\s*<td class="c-num">(?:<span class="small">)?([^<]+)',
        table,
    )
    return {label.strip(): figure.strip() for label, figure in rows}


def answer_sets_shown(html: str) -> str:
    found = re.search(r'class="answer-sets">[^<]*<strong>(?:<span class="small">)?([^<]+)<', html)
    assert found, "no count of answer sets"
    return found[1].strip()


# --- who ------------------------------------------------------------------------------------------


def test_a_manager_sees_the_figures(client, world: World) -> None:
    answer_sets(world, 7, sex="woman", age="25-34")
    client.force_login(world.manager)
    response = client.get(page_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert answer_sets_shown(html) == "5 to 9"
    assert figures(html, "Are you…") == {
        "A woman": "5 to 9",
        "A man": "fewer than 5",
        "I describe myself another way": "fewer than 5",
    }
    assert figures(html, "What is your age group?")["25 to 34"] == "5 to 9"
    assert figures(html, "Do you have a disability or a long-term health condition?") == {
        "Yes": "fewer than 5",
        "No": "fewer than 5",
    }
    # In the desk's shell, with its link among the views.
    assert 'href="/en/desk/reports/equality/" aria-current="page"' in html
    assert "desk/equality.css" in html


@pytest.mark.parametrize("who", ["agent", "lead", "investigator", "director", "admin"])
def test_the_brands_other_roles_are_refused(client, world: World, who: str) -> None:
    answer_sets(world, 7, sex="woman")
    client.force_login(getattr(world, who))
    response = client.get(page_url())
    assert response.status_code == 403
    assert "A woman" not in response.content.decode()
    # And the page is not among their views.
    home = client.get(reverse("desk:inbox", kwargs={"view": "mine"})).content.decode()
    assert "/desk/reports/equality/" not in home


def test_the_manager_of_another_brand_gets_not_found(client, world: World) -> None:
    answer_sets(world, 7, sex="woman")
    jamla_manager = make_staff(world.jamla, "jmanager", Role.MANAGER)
    for person in (jamla_manager, world.outsider, world.outsider_admin):
        client.force_login(person)
        assert client.get(page_url()).status_code == 404
        assert client.get(page_url(brand=world.ej.slug)).status_code == 404


def test_a_manager_cannot_ask_for_a_brand_out_of_reach(client, world: World) -> None:
    client.force_login(world.manager)
    assert client.get(page_url(brand=world.jamla.slug)).status_code == 404
    assert client.get(page_url(brand="nope")).status_code == 404


def test_a_person_manager_here_and_director_there(client, world: World) -> None:
    from guichet.accounts.models import Membership

    Membership.objects.create(user=world.director, brand=world.jamla, role=Role.MANAGER)
    client.force_login(world.director)
    # Jamla24 does not monitor equality; at EJ they are the director: refused.
    assert client.get(page_url()).status_code == 403
    assert client.get(page_url(brand=world.ej.slug)).status_code == 403


def test_superusers_see_it_and_anonymous_people_sign_in(client, world: World) -> None:
    client.force_login(world.superuser)
    assert client.get(page_url()).status_code == 200
    client.logout()
    response = client.get(page_url())
    assert response.status_code == 302 and "login" in response["Location"]


# --- small groups ---------------------------------------------------------------------------------


def test_small_groups_are_hidden_and_every_figure_is_a_band(client, world: World) -> None:
    answer_sets(world, 12, sex="woman")
    answer_sets(world, 6, sex="man")
    answer_sets(world, 2, sex="other")
    answer_sets(world, 3, sex="prefer_not_to_say")
    client.force_login(world.manager)
    html = client.get(page_url()).content.decode()
    assert answer_sets_shown(html) == "20 to 24"
    assert figures(html, "Are you…") == {
        "A woman": "10 to 14",
        "A man": "5 to 9",
        "I describe myself another way": "fewer than 5",
    }
    # "Prefer not to say" is not counted per question; no true count is on the page.
    assert "Prefer not to say" not in html.split("<table", 1)[1]
    tables = html.split('class="answer-sets"', 1)[1]
    assert not re.search(r">\s*(12|6|2|3|23)\s*<", tables)


def test_the_french_page(client, world: World) -> None:
    answer_sets(world, 2, sex="woman")
    client.force_login(world.manager)
    with translation.override("fr"):
        path = reverse(PAGE)
    html = client.get(path).content.decode()
    assert "Suivi de l’égalité" in html
    assert figures(html, "Vous êtes…")["Une femme"] == "moins de 5"
    answer_sets(world, 5, sex="woman")
    html = client.get(path).content.decode()
    assert figures(html, "Vous êtes…")["Une femme"] == "5 à 9"


def test_a_hidden_group_cannot_be_worked_out_from_the_page() -> None:
    """A question of three options (counts a, b, c) and "prefer not to say" (d): the page
    shows the bands of a, b and c and of the answer sets (a + b + c + d). Whatever it
    shows, a hidden count could have been several numbers — or is known to be 0, which
    tells nothing about anyone. (Counts up to 19 are checked; up to 29 drawn, so that
    every table showing the same is among them.)"""
    drawn, checked_up_to = 30, 19
    seen: dict[tuple, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    checked = set()
    for a, b, c in itertools.product(range(drawn), repeat=3):
        s = a + b + c
        # The bands a + b + c + d falls in, for d from 0 to drawn - 1: one total a band.
        for total in [s, *range(s + BAND - s % BAND, s + drawn, BAND)]:
            shown = (band(a), band(b), band(c), band(total))
            for name, value in (("a", a), ("b", b), ("c", c)):
                seen[shown][name].add(value)
            if max(a, b, c, total - s) <= checked_up_to:
                checked.add(shown)
    for shown in checked:
        for name, figure in zip("abc", shown, strict=False):
            if figure is None:
                values = seen[shown][name]
                assert len(values) >= 2 or values == {0}, (shown, name, values)


def test_a_hidden_count_cannot_be_worked_out_from_two_figures() -> None:
    """A count hidden on its own (x, 0 to 4) and the rest of a larger figure (y: the other
    months of a year, or the other options): from the figures of y and of x + y, x is
    never one number."""
    possible: dict[tuple, set[int]] = defaultdict(set)
    for x, y in itertools.product(range(5), range(300)):
        possible[(band(y), band(x + y))].add(x)
    for x, y in itertools.product(range(5), range(250)):
        assert len(possible[(band(y), band(x + y))]) >= 2, (x, y)


def test_rounding_to_the_nearest_5_would_give_small_groups_away() -> None:
    """Why bands (disclosure.py): two months, each "fewer than 5" on its own; together
    8, which rounds to 10 — and only 4 + 4 rounds to 10, so each month was exactly 4. As
    bands, "5 to 9" could be 1 + 4 to 4 + 4."""

    def nearest(n: int) -> int | None:
        return None if n < 5 else 5 * round(n / 5)

    small = list(itertools.product(range(5), repeat=2))
    assert {x for x, y in small if nearest(x + y) == nearest(8)} == {4}
    assert {x for x, y in small if band(x + y) == band(8)} == {1, 2, 3, 4}


def test_bands() -> None:
    assert [band(n) for n in range(5)] == [None] * 5
    assert band(5) == band(9) == Band(5, 9)
    assert band(10) == Band(10, 14) and band(1234) == Band(1230, 1234)


# --- the period ---------------------------------------------------------------------------------


def test_the_last_12_months_by_default_and_any_months_on_demand(
    client, world: World, frozen_clock: clock.FrozenClock
) -> None:
    frozen_clock.set(datetime(2025, 10, 15, 15, 0, tzinfo=UTC))
    answer_sets(world, 5, sex="man")  # October 2025: 13 months before November 2026
    frozen_clock.set(datetime(2026, 3, 10, 15, 0, tzinfo=UTC))
    answer_sets(world, 5, sex="woman")  # March 2026
    frozen_clock.set(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    client.force_login(world.manager)

    html = client.get(page_url()).content.decode()
    assert "From December 2025 to November 2026" in html
    assert figures(html, "Are you…")["A woman"] == "5 to 9"
    assert figures(html, "Are you…")["A man"] == "fewer than 5"

    html = client.get(page_url(first="2025-10", last="2025-10")).content.decode()
    assert "From October 2025 to October 2025" in html
    assert figures(html, "Are you…")["A man"] == "5 to 9"
    assert figures(html, "Are you…")["A woman"] == "fewer than 5"

    html = client.get(page_url(first="2025-01", last="2026-12")).content.decode()
    assert answer_sets_shown(html) == "10 to 14"


def test_a_wrong_period_is_said_and_the_default_shown(client, world: World) -> None:
    client.force_login(world.manager)
    response = client.get(page_url(first="2026-11", last="2026-01"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "The last month is before the first." in html
    assert "From December 2025 to November 2026" in html
    html = client.get(page_url(first="soon")).content.decode()
    assert "Give a month such as 2026-11." in html


def test_answers_to_an_option_no_longer_asked_are_shown_under_its_key(client, world: World) -> None:
    from guichet.equality.models import EqualityCount

    with brand_scope(world.ej):
        EqualityCount.objects.create(
            brand=world.ej,
            month=datetime(2026, 11, 1).date(),
            contact_type="complaint",
            question="sex",
            option="non-binary",
            count=9,
        )
    client.force_login(world.manager)
    html = client.get(page_url()).content.decode()
    assert figures(html, "Are you…")["non-binary"] == "5 to 9"
