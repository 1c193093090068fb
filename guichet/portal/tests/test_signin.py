"""Magic links: a GET only asks to confirm, a POST signs in once, within minutes, at the
link's brand, as the address's contact; sessions end on sign-out (everywhere)."""

from __future__ import annotations

from typing import Any

import django.test
import pytest

from guichet.conftest import World
from guichet.contacts.models import ContactEmail
from guichet.contacts.services import contact_for_email
from guichet.lib.scoping import brand_scope
from guichet.portal.models import PortalSession, SignInLink
from guichet.portal.tests.conftest import new_link, sign_in, url
from guichet.portal.views import cookie_name


def link_row(brand: Any) -> SignInLink:
    with brand_scope(brand):
        return SignInLink.objects.get()


def test_opening_the_link_only_asks_to_confirm(browser: django.test.Client, world: World) -> None:
    token = new_link(world.ej, world.customer)
    for _ in range(2):  # a mail scanner, then the person
        page = browser.get(url(world.ej, "signin", token=token))
        assert page.status_code == 200
        assert page["Referrer-Policy"] == "strict-origin"  # the origin only, never the path
        assert "no-store" in page["Cache-Control"]
        assert cookie_name(world.ej) not in page.cookies
    assert link_row(world.ej).used_at is None
    html = page.content.decode()
    assert f'action="{url(world.ej, "signin_confirm")}"' in html  # the secret leaves the URL
    assert "helene@exemple.fr" in html


def test_the_post_signs_in_once(browser: django.test.Client, world: World) -> None:
    token = new_link(
        world.ej,
        world.customer,
        next_path=url(world.ej, "request", reference=world.ticket.reference),
    )
    response = browser.post(url(world.ej, "signin_confirm"), {"token": token})
    assert response.status_code == 302
    assert response["Location"] == url(world.ej, "request", reference=world.ticket.reference)
    assert token not in response["Location"]
    cookie = response.cookies[cookie_name(world.ej)]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert browser.get(response["Location"]).status_code == 200
    again = django.test.Client().post(url(world.ej, "signin_confirm"), {"token": token})
    assert again.status_code == 404
    assert browser.get(url(world.ej, "signin", token=token)).status_code == 404


def test_the_link_expires_in_minutes(
    browser: django.test.Client, world: World, frozen_clock: Any
) -> None:
    token = new_link(world.ej, world.customer)
    frozen_clock.advance(minutes=10, seconds=1)
    assert browser.get(url(world.ej, "signin", token=token)).status_code == 404
    assert browser.post(url(world.ej, "signin_confirm"), {"token": token}).status_code == 404


def test_a_link_works_only_at_its_brand(browser: django.test.Client, world: World) -> None:
    token = new_link(world.ej, world.customer)
    assert browser.get(url(world.jamla, "signin", token=token)).status_code == 404
    assert browser.post(url(world.jamla, "signin_confirm"), {"token": token}).status_code == 404
    assert link_row(world.ej).used_at is None


def test_a_link_dies_when_the_address_is_no_longer_the_customers(
    browser: django.test.Client, world: World
) -> None:
    token = new_link(world.ej, world.customer)
    with brand_scope(world.ej):
        ContactEmail.objects.filter(contact=world.customer).update(address="new@exemple.fr")
    assert browser.post(url(world.ej, "signin_confirm"), {"token": token}).status_code == 404


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: "",
        lambda t: "   ",
        lambda t: t[:-1],
        lambda t: t.upper(),
        lambda t: t + "x",
        lambda t: "x" * 5000,
    ],
)
def test_mangled_tokens_do_not_work(browser: django.test.Client, world: World, mangle: Any) -> None:
    token = new_link(world.ej, world.customer)
    assert (
        browser.post(url(world.ej, "signin_confirm"), {"token": mangle(token)}).status_code == 404
    )
    assert link_row(world.ej).used_at is None


def test_guessing_links_is_rate_limited(
    browser: django.test.Client, world: World, frozen_clock: Any
) -> None:
    codes = [
        browser.get(url(world.ej, "signin", token=f"guess{i:030d}")).status_code for i in range(21)
    ]
    assert codes == [404] * 20 + [429]
    token = new_link(world.ej, world.customer)
    assert browser.post(url(world.ej, "signin_confirm"), {"token": token}).status_code == 429
    frozen_clock.advance(hours=1)
    token = new_link(world.ej, world.customer)
    assert browser.post(url(world.ej, "signin_confirm"), {"token": token}).status_code == 302


def test_using_a_link_kills_the_other_unused_links(
    browser: django.test.Client, world: World
) -> None:
    first, second = new_link(world.ej, world.customer), new_link(world.ej, world.customer)
    assert browser.post(url(world.ej, "signin_confirm"), {"token": second}).status_code == 302
    assert browser.post(url(world.ej, "signin_confirm"), {"token": first}).status_code == 404


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "http:evil.example",
        "/desk/",
        "/admin/",
        "/b/jamla24/requests/",
        "javascript:alert(1)",
    ],
)
def test_no_open_redirect_after_signing_in(
    browser: django.test.Client, world: World, target: str
) -> None:
    token = new_link(world.ej, world.customer)
    page = browser.get(url(world.ej, "signin", token=token), {"next": target})
    assert 'name="next"' not in page.content.decode()
    response = browser.post(url(world.ej, "signin_confirm"), {"token": token, "next": target})
    assert response["Location"] == url(world.ej, "requests")


def test_next_may_be_a_page_of_the_brands_portal(browser: django.test.Client, world: World) -> None:
    token = new_link(world.ej, world.customer)
    target = "/en" + url(world.ej, "request", reference=world.ticket.reference)
    response = browser.post(url(world.ej, "signin_confirm"), {"token": token, "next": target})
    assert response["Location"] == target


def test_a_customer_session_grants_no_staff_access(
    signed_in: django.test.Client, world: World
) -> None:
    assert signed_in.get(url(world.ej, "requests")).status_code == 200
    desk = signed_in.get("/desk/")
    assert desk.status_code == 302 and "/login/" in desk["Location"]
    assert signed_in.get("/admin/").status_code == 302
    assert "_auth_user_id" not in signed_in.session


def test_a_staff_sign_in_is_not_a_customer_session(client: Any, world: World) -> None:
    client.force_login(world.manager)
    response = client.get(url(world.ej, "requests"))
    assert response.status_code == 302 and response["Location"] == url(world.ej, "track")


def test_signing_out_ends_the_session(signed_in: django.test.Client, world: World) -> None:
    cookie = signed_in.cookies[cookie_name(world.ej)].value
    assert signed_in.get(url(world.ej, "signout")).status_code == 405  # a link cannot sign out
    response = signed_in.post(url(world.ej, "signout"))
    assert response.status_code == 302
    replay = django.test.Client()
    replay.cookies[cookie_name(world.ej)] = cookie
    assert replay.get(url(world.ej, "requests")).status_code == 302


def test_sign_out_everywhere_ends_every_session_and_link(
    signed_in: django.test.Client, world: World
) -> None:
    other = django.test.Client()
    sign_in(other, world.ej, world.customer)
    unused = new_link(world.ej, world.customer)
    assert signed_in.post(url(world.ej, "signout_everywhere")).status_code == 302
    assert other.get(url(world.ej, "requests")).status_code == 302
    assert signed_in.get(url(world.ej, "requests")).status_code == 302
    assert (
        django.test.Client().post(url(world.ej, "signin_confirm"), {"token": unused}).status_code
        == 404
    )
    with brand_scope(world.ej):
        assert not PortalSession.objects.filter(revoked_at__isnull=True).exists()


def test_a_session_expires(signed_in: django.test.Client, world: World, frozen_clock: Any) -> None:
    frozen_clock.advance(hours=8, seconds=1)
    assert signed_in.get(url(world.ej, "requests")).status_code == 302


def test_a_session_of_brand_a_is_nothing_at_brand_b(
    signed_in: django.test.Client, world: World
) -> None:
    key = signed_in.cookies[cookie_name(world.ej)].value
    signed_in.cookies[cookie_name(world.jamla)] = key  # the same secret under B's name
    assert signed_in.get(url(world.jamla, "requests")).status_code == 302


def test_csrf_protects_signing_in_and_out(world: World) -> None:
    strict = django.test.Client(enforce_csrf_checks=True)
    token = new_link(world.ej, world.customer)
    assert strict.post(url(world.ej, "signin_confirm"), {"token": token}).status_code == 403
    page = strict.get(url(world.ej, "signin", token=token))
    csrf = page.cookies["csrftoken"].value
    done = strict.post(
        url(world.ej, "signin_confirm"), {"token": token, "csrfmiddlewaretoken": csrf}
    )
    assert done.status_code == 302
    assert strict.post(url(world.ej, "signout_everywhere")).status_code == 403


def test_links_for_a_new_contact_of_another_brand_are_separate(world: World) -> None:
    twin = contact_for_email(brand=world.jamla, email="helene@exemple.fr", name="Hélène")
    token = new_link(world.jamla, twin)
    browser = django.test.Client()
    assert browser.post(url(world.jamla, "signin_confirm"), {"token": token}).status_code == 302
    assert browser.get(url(world.ej, "requests")).status_code == 302
