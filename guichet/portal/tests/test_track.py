"""Where is my request: reference + email → a sign-in link by email; the page says the
same whether or not the pair exists."""

from __future__ import annotations

import re
from typing import Any

import django.test
import pytest

from guichet.conftest import World
from guichet.lib.scoping import brand_scope
from guichet.portal.models import SignInLink
from guichet.portal.tests.conftest import url


def ask(client: django.test.Client, brand: Any, reference: str, email: str, **extra: Any) -> Any:
    return client.post(
        "/en" + url(brand, "track"), {"reference": reference, "email": email, **extra}
    )


def same_page(content: bytes) -> bytes:
    return re.sub(rb'nonce="[^"]*"', b"", content)  # the CSP nonce changes every time


def links(brand: Any) -> list[SignInLink]:
    with brand_scope(brand):
        return list(SignInLink.objects.all())


def test_a_known_pair_gets_a_link_by_email(
    browser: django.test.Client,
    world: World,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(browser, world.ej, world.ticket.reference.lower(), " Helene@Exemple.fr ")
    assert response.status_code == 200
    [mail] = mailoutbox
    assert mail.to == ["helene@exemple.fr"]
    assert mail.extra_headers["Auto-Submitted"] == "auto-generated"
    found = re.search(r"https?://\S+/en/b/ej/signin/(\S+)", mail.body)
    assert found, mail.body
    [link] = links(world.ej)
    assert link.token_hash != found.group(1)  # only its digest is stored
    assert link.next_path.endswith(f"/requests/{world.ticket.reference}/")


@pytest.mark.parametrize("case", ["unknown_reference", "unknown_email", "other_brand", "bad_email"])
def test_the_answer_is_the_same_when_nothing_matches(
    world: World,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
    case: str,
) -> None:
    from guichet.tickets import services
    from guichet.tickets.choices import Channel

    jamla_ticket = services.ticket_open(
        brand=world.jamla,
        contact=world.other_customer,
        contact_type="complaint",
        subject="Colis",
        text="…",
        channel=Channel.EMAIL,
    )
    pairs = {
        "unknown_reference": ("EJ-26-99999", "helene@exemple.fr"),
        "unknown_email": (world.ticket.reference, "someone@exemple.fr"),
        "other_brand": (jamla_ticket.reference, "salma@exemple.ma"),
        "bad_email": (world.ticket.reference, "helene@exemple.fr\r\nBcc: x@evil.example"),
    }
    known = ask(
        django.test.Client(REMOTE_ADDR="10.1.0.1"),
        world.ej,
        world.ticket.reference,
        "helene@exemple.fr",
    )
    with django_capture_on_commit_callbacks(execute=True):
        unknown = ask(django.test.Client(REMOTE_ADDR="10.1.0.2"), world.ej, *pairs[case])
    assert unknown.status_code == known.status_code == 200
    assert same_page(unknown.content) == same_page(known.content)
    assert mailoutbox == []


def test_the_link_is_sent_by_the_worker_not_in_the_request(
    browser: django.test.Client,
    world: World,
    settings: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        ask(browser, world.ej, world.ticket.reference, "helene@exemple.fr")
    assert mailoutbox == []  # the answer does not wait for the mail server
    [task] = DBTaskResult.objects.all()
    assert "helene" not in str(task.args_kwargs)  # nor the secret in clear


def test_tries_from_one_address_are_limited(
    browser: django.test.Client, world: World, frozen_clock: Any
) -> None:
    codes = [
        ask(browser, world.ej, f"EJ-26-{i:05d}", f"x{i}@example.org").status_code for i in range(11)
    ]
    assert codes == [200] * 10 + [429]
    frozen_clock.advance(hours=1)
    assert ask(browser, world.ej, "EJ-26-00001", "x@example.org").status_code == 200


def test_guessing_one_reference_or_one_address_is_limited(world: World) -> None:
    by_reference = [
        ask(
            django.test.Client(REMOTE_ADDR=f"10.2.0.{i}"),
            world.ej,
            world.ticket.reference,
            f"g{i}@example.org",
        ).status_code
        for i in range(6)
    ]
    assert by_reference == [200] * 5 + [429]
    by_email = [
        ask(
            django.test.Client(REMOTE_ADDR=f"10.3.0.{i}"),
            world.ej,
            f"EJ-26-{i + 100:05d}",
            "helene@exemple.fr",
        ).status_code
        for i in range(4)
    ]
    assert by_email == [200] * 3 + [429]


def test_the_honeypot_sends_nothing(
    browser: django.test.Client,
    world: World,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(browser, world.ej, world.ticket.reference, "helene@exemple.fr", website="x")
    assert response.status_code == 200
    assert mailoutbox == [] and links(world.ej) == []


def test_csrf_is_required(world: World) -> None:
    strict = django.test.Client(enforce_csrf_checks=True)
    assert ask(strict, world.ej, world.ticket.reference, "helene@exemple.fr").status_code == 403
