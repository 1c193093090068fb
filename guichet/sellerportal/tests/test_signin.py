"""Signing in to the seller portal: a person's address gets a link (the same answer for
any address), a link's GET only asks to confirm and its POST signs in once; the session's
cookie is the seller portal's own, scoped to the brand's seller pages; a terminated seller
cannot sign in; signing out ends the session."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import django.test
from django.conf import settings

from guichet.conftest import Market
from guichet.lib.scoping import brand_scope
from guichet.marketplace import signin
from guichet.marketplace.models import SellerSession, SellerSignInLink, SellerStatus
from guichet.sellerportal.tests.conftest import portal_url, sign_in, url
from guichet.sellerportal.views import cookie_name
from guichet.tickets import services


def ask_link(
    client: django.test.Client, market: Market, email: str, *, language: str = "fr"
) -> Any:
    return client.post(url(market.brand, "signin_ask", language=language), {"email": email})


def same_page(content: bytes) -> bytes:
    return re.sub(rb'nonce="[^"]*"', b"", content)  # the CSP nonce changes every time


def test_a_person_of_the_seller_gets_a_link_by_email(
    client: django.test.Client,
    market: Market,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    assert client.get(url(market.brand, "signin_ask")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = ask_link(client, market, " Youssef@Atlas.example ", language="en")
    assert response.status_code == 200
    [mail] = mailoutbox
    assert mail.to == ["youssef@atlas.example"]
    assert mail.extra_headers["Auto-Submitted"] == "auto-generated"
    assert "Jamla24" in mail.subject and "Atlas Électroménager" in mail.body
    assert "Hello Youssef," in mail.body  # the language of the page it was asked on
    path = re.search(r"https?://[^/\s]+(/en/s/jamla24/signin/(\S+))", mail.body)
    assert path, mail.body
    with brand_scope(market.brand):
        link = SellerSignInLink.objects.get()
    assert link.token_hash != path.group(2) and link.person == market.person
    assert client.get(path.group(1)).status_code == 200


def test_any_other_address_gets_the_same_answer_and_no_email(
    client: django.test.Client,
    market: Market,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    known = same_page(ask_link(client, market, "youssef@atlas.example").content)
    services.seller_set_status(
        seller=market.rival, actor=market.manager, status=SellerStatus.TERMINATED, reason="Fin."
    )
    with brand_scope(market.brand):
        SellerSignInLink.objects.all().delete()
        market.person.is_active = False
        market.person.save(update_fields=["is_active"])
    with django_capture_on_commit_callbacks(execute=True):
        for address in (
            "salma@exemple.ma",  # the customer
            "marlon@kingston.example",  # a person of another brand's seller
            "nadia@souk.example",  # a person of a terminated seller
            "youssef@atlas.example",  # a person who may no longer sign in
            "contact@atlas.example",  # the seller's own address: its links come with disputes
            "not an address",
        ):
            answer = ask_link(django.test.Client(), market, address)
            assert answer.status_code == 200
            assert same_page(answer.content) == known, address
    assert mailoutbox == []
    with brand_scope(market.brand):
        assert not SellerSignInLink.objects.exists()


def test_asking_for_links_is_rate_limited(client: django.test.Client, market: Market) -> None:
    statuses = [ask_link(client, market, "youssef@atlas.example").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_opening_the_link_only_asks_to_confirm_and_the_post_signs_in_once(
    client: django.test.Client, market: Market
) -> None:
    _link, token = signin.link_create(
        seller=market.seller, person=market.person, next_path=url(market.brand)
    )
    for _ in range(2):  # a mail scanner, then the person
        page = client.get(url(market.brand, "signin", token=token))
        assert page.status_code == 200
        assert page["Referrer-Policy"] == "strict-origin"
        assert "no-store" in page["Cache-Control"]
        assert not [name for name in page.cookies if name.startswith("guichet_seller")]
    assert "Atlas Électroménager" in page.content.decode()
    response = client.post(url(market.brand, "signin", token=token))
    assert response.status_code == 302 and response["Location"] == url(market.brand)
    for language, path in (("fr", "/s/jamla24/"), ("en", "/en/s/jamla24/")):
        cookie = response.cookies[cookie_name(market.brand, language)]
        assert cookie["path"] == path  # the seller pages of this brand, nothing else
        assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert client.get(url(market.brand)).status_code == 200
    assert client.get(url(market.brand, language="en")).status_code == 200
    again = django.test.Client().post(url(market.brand, "signin", token=token))
    assert again.status_code == 404
    assert client.get(url(market.brand, "signin", token=token)).status_code == 404


def test_a_link_from_a_disputes_email_leads_to_the_dispute(
    client: django.test.Client, market: Market
) -> None:
    target = url(market.brand, "dispute", reference=market.ticket.reference)
    _link, token = signin.link_create(seller=market.seller, next_path=target)
    response = client.post(url(market.brand, "signin", token=token))
    assert response["Location"] == target
    with brand_scope(market.brand):
        assert SellerSession.objects.get().person is None  # whoever reads the seller's mail


def test_a_next_page_outside_the_sellers_pages_is_ignored(
    client: django.test.Client, market: Market
) -> None:
    for target in ("https://evil.example/", "//evil.example/", "/desk/", "/s/ej/", "/b/jamla24/"):
        _link, token = signin.link_create(seller=market.seller, next_path=target)
        response = django.test.Client().post(url(market.brand, "signin", token=token))
        assert response["Location"] == url(market.brand), target


def test_signed_out_pages_lead_to_the_sign_in_page_and_back(
    client: django.test.Client, market: Market
) -> None:
    target = url(market.brand, "dispute", reference=market.ticket.reference)
    response = client.get(target)
    assert response.status_code == 302
    assert response["Location"] == url(market.brand, "signin_ask") + "?next=" + target.replace(
        "/", "%2F"
    )
    page = client.get(response["Location"]).content.decode()
    assert f'name="next" value="{target}"' in page


def test_a_link_expires_and_a_terminated_seller_cannot_sign_in(
    client: django.test.Client, market: Market, frozen_clock: Any
) -> None:
    _link, old = signin.link_create(seller=market.seller, person=market.person)
    frozen_clock.advance(timedelta(minutes=settings.GUICHET_SELLER_LINK_MINUTES + 1))
    assert client.post(url(market.brand, "signin", token=old)).status_code == 404
    _link, token = signin.link_create(seller=market.seller, person=market.person)
    services.seller_set_status(
        seller=market.seller,
        actor=market.manager,
        status=SellerStatus.TERMINATED,
        reason="Fin du contrat.",
    )
    assert client.get(url(market.brand, "signin", token=token)).status_code == 404
    assert client.post(url(market.brand, "signin", token=token)).status_code == 404


def test_termination_ends_a_running_session(client: django.test.Client, market: Market) -> None:
    sign_in(client, market.seller, market.person)
    assert client.get(url(market.brand)).status_code == 200
    services.seller_set_status(
        seller=market.seller,
        actor=market.manager,
        status=SellerStatus.TERMINATED,
        reason="Fin du contrat.",
    )
    assert client.get(url(market.brand)).status_code == 302


def test_signing_out_ends_the_session(client: django.test.Client, market: Market) -> None:
    sign_in(client, market.seller, market.person)
    response = client.post(url(market.brand, "signout"))
    assert response.status_code == 302
    assert response.cookies[cookie_name(market.brand, "fr")].value == ""
    with brand_scope(market.brand):
        assert SellerSession.objects.get().revoked_at is not None
    assert client.get(url(market.brand)).status_code == 302


def test_a_link_of_another_brand_and_a_brand_without_sellers(
    client: django.test.Client, market: Market
) -> None:
    _link, token = signin.link_create(seller=market.other_seller)
    # EJ has no [marketplace]: it has no seller portal at all.
    assert client.get(f"/s/{market.other_brand.slug}/").status_code == 404
    assert client.get(url(market.brand, "signin", token=token)).status_code == 404
    assert client.post(url(market.brand, "signin", token=token)).status_code == 404
    assert client.get("/s/no-such-brand/").status_code == 404


def test_neither_staff_nor_customers_are_sellers(
    client: django.test.Client, market: Market
) -> None:
    client.force_login(market.manager)
    assert client.get(url(market.brand)).status_code == 302
    client.logout()
    from guichet.portal.tests.conftest import new_link

    token = new_link(market.brand, market.customer)
    client.post(portal_url(market.brand, "signin_confirm"), {"token": token})
    assert client.get(portal_url(market.brand, "requests")).status_code == 200
    assert client.get(url(market.brand)).status_code == 302


def test_a_missing_seller_page_leads_back_to_the_seller_portal(
    client: django.test.Client, market: Market
) -> None:
    for path, back in (
        ("/s/jamla24/nothing", "/s/jamla24/"),
        ("/en/s/jamla24/x", "/en/s/jamla24/"),
    ):
        response = client.get(path)
        assert response.status_code == 404
        assert f'href="{back}"' in response.content.decode()
