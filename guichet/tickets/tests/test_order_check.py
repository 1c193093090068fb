"""Order references (docs/requirements.md IN-5, Ivoire Toner): the brand's pattern, then the
merchant's answer — asked without ever reaching an internal address (research note H37)."""

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import PermissionDenied

from guichet.accounts.models import Membership, Role
from guichet.brands.services import policy_publish
from guichet.conftest import PRESETS, last, make_staff
from guichet.contacts.services import contact_for_email
from guichet.lib.errors import InvalidRequest
from guichet.tickets import lookups, services
from guichet.tickets.actors import SYSTEM
from guichet.tickets.choices import OrderStatus, Verb
from guichet.tickets.queries import order_reference_needed

pytestmark = pytest.mark.django_db

ANSWERS = {"CMD-2026-000200": 200, "CMD-2026-000404": 404, "CMD-2026-000500": 500}


class Merchant(BaseHTTPRequestHandler):
    """A merchant's order API: 200 or 404 by reference, a redirect to the cloud's metadata
    address, and a merchant too slow to wait for."""

    def do_GET(self) -> None:
        self.server.seen.append((self.path, self.headers["Host"]))  # type: ignore[attr-defined]
        reference = self.path.rsplit("/", 1)[-1]
        if reference == "CMD-2026-000302":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        elif reference == "CMD-2026-000999":
            time.sleep(1)
            self.send_response(200)
        else:
            self.send_response(ANSWERS.get(reference, 404))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def merchant():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Merchant)
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def ivoire(lookup_url=""):
    text = (PRESETS / "ivoire-toner.toml").read_text(encoding="utf-8")
    if lookup_url:
        text = text.replace(
            'example = "CMD-2026-004211"',
            f'example = "CMD-2026-004211"\nlookup_url = "{lookup_url}"',
        )
    return policy_publish(text=text, source="test").brand


@pytest.fixture
def shop(world):
    """Returns a function giving (agent, delivery ticket) for a lookup URL (or none)."""

    def make(lookup_url=""):
        brand = ivoire(lookup_url)
        agent = make_staff(brand, f"it{brand.policy_id}", Role.AGENT)
        customer = contact_for_email(brand=brand, email="awa@exemple.ci", name="Awa Koné")
        ticket = services.ticket_open(
            brand=brand,
            contact=customer,
            contact_type="question",
            subject="Ma commande n'est pas arrivée",
            text="Où est ma commande ?",
            channel="email",
            category="delivery",
        )
        return agent, ticket

    return make


def merchant_url(server):
    return f"http://127.0.0.1:{server.server_address[1]}/orders/{{reference}}"


def test_a_well_formed_reference_is_valid_by_the_rule_alone(shop, frozen_clock):
    agent, ticket = shop()
    assert order_reference_needed(ticket)
    check = services.ticket_validate_order(
        ticket=ticket, actor=agent, reference=" CMD-2026-004211 "
    )
    assert (check.reference, check.status, check.checked_at, check.detail) == (
        "CMD-2026-004211",
        OrderStatus.VALID,
        frozen_clock.now(),
        "pattern",
    )
    ticket.refresh_from_db()
    assert (ticket.order_reference, ticket.order_status, ticket.order_checked_at) == (
        "CMD-2026-004211",
        "valid",
        frozen_clock.now(),
    )
    event = last(ticket, Verb.ORDER_CHECKED)
    assert event.actor_user == agent
    assert event.data == {
        "reference": "CMD-2026-004211",
        "status": "valid",
        "previous": "",
        "detail": "pattern",
    }
    assert not order_reference_needed(ticket)


def test_a_malformed_reference_is_invalid_and_the_merchant_is_not_asked(shop, merchant, settings):
    settings.GUICHET_LOOKUP_ALLOW_HOSTS = ["127.0.0.1"]
    agent, ticket = shop(merchant_url(merchant))
    for reference in ("CMD-26-1", "xCMD-2026-000200", "CMD-2026-000200x"):
        check = services.ticket_validate_order(ticket=ticket, actor=agent, reference=reference)
        assert check.status == OrderStatus.INVALID
    assert merchant.seen == [] and order_reference_needed(ticket)


def test_the_merchant_says_whether_the_order_exists(shop, merchant, settings):
    settings.GUICHET_LOOKUP_ALLOW_HOSTS = ["127.0.0.1"]
    agent, ticket = shop(merchant_url(merchant))
    found = {
        reference: services.ticket_validate_order(
            ticket=ticket, actor=agent, reference=reference
        ).status
        for reference in ("CMD-2026-000200", "CMD-2026-000404", "CMD-2026-000500")
    }
    assert found == {
        "CMD-2026-000200": OrderStatus.VALID,
        "CMD-2026-000404": OrderStatus.NOT_FOUND,
        "CMD-2026-000500": OrderStatus.UNVERIFIED,
    }
    assert [path for path, _host in merchant.seen] == [
        "/orders/CMD-2026-000200",
        "/orders/CMD-2026-000404",
        "/orders/CMD-2026-000500",
    ]
    assert last(ticket, Verb.ORDER_CHECKED).data["previous"] == "not_found"
    assert order_reference_needed(ticket)  # the last check did not find it valid


def test_a_redirect_is_not_followed(shop, merchant, settings):
    settings.GUICHET_LOOKUP_ALLOW_HOSTS = ["127.0.0.1"]
    agent, ticket = shop(merchant_url(merchant))
    check = services.ticket_validate_order(ticket=ticket, actor=agent, reference="CMD-2026-000302")
    assert (check.status, check.detail) == (OrderStatus.UNVERIFIED, "http_302")
    assert len(merchant.seen) == 1


def test_a_merchant_too_slow_leaves_the_reference_unverified(shop, merchant, settings, monkeypatch):
    settings.GUICHET_LOOKUP_ALLOW_HOSTS = ["127.0.0.1"]
    monkeypatch.setattr(lookups, "TIMEOUT", 0.2)
    agent, ticket = shop(merchant_url(merchant))
    check = services.ticket_validate_order(ticket=ticket, actor=agent, reference="CMD-2026-000999")
    assert (check.status, check.detail) == (OrderStatus.UNVERIFIED, "timeout")


def test_the_loopback_address_is_refused_unless_the_operator_allows_it(shop, merchant):
    agent, ticket = shop(merchant_url(merchant))
    check = services.ticket_validate_order(ticket=ticket, actor=agent, reference="CMD-2026-000200")
    assert (check.status, check.detail) == (OrderStatus.UNVERIFIED, "refused_address")
    assert merchant.seen == []


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:6379/",
        "http://[::1]/",
        "http://0x7f000001/",
        "http://2130706433/",
        "http://[::ffff:127.0.0.1]/",
        "http://10.0.0.7/orders/1",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://224.0.0.251/",
        "http://0.0.0.0/",
        "https://[fe80::1]/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_FLUSHALL",
        "ftp://example.com/orders",
        "http://merchant@127.0.0.1/",
        "http:///orders",
    ],
)
def test_internal_addresses_and_other_schemes_are_refused(url):
    with pytest.raises(lookups.Refused):
        lookups.fetch_status(url)


@pytest.fixture
def dns(monkeypatch):
    """Fake answers for some names; the others resolve as usual."""
    answers: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return [
                (
                    socket.AF_INET6 if ":" in address else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (address, port),
                )
                for address in answers[host]
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def test_a_name_resolving_to_a_private_address_is_refused(dns):
    dns["orders.merchant.example"] = ["10.1.2.3"]
    with pytest.raises(lookups.Refused):
        lookups.fetch_status("https://orders.merchant.example/CMD-2026-000200")
    # One internal answer among public ones is enough to refuse.
    dns["orders.merchant.example"] = ["93.184.215.14", "127.0.0.1"]
    with pytest.raises(lookups.Refused):
        lookups.fetch_status("http://orders.merchant.example/CMD-2026-000200")


def test_the_connection_goes_to_the_address_that_was_checked(dns, merchant, settings):
    # The name is resolved once, checked, and the connection made to that address, with
    # the name in the Host header: a second DNS answer cannot send it elsewhere.
    settings.GUICHET_LOOKUP_ALLOW_HOSTS = ["127.0.0.0/8"]
    dns["orders.merchant.example"] = ["127.0.0.1"]
    port = merchant.server_address[1]
    url = f"http://orders.merchant.example:{port}/orders/CMD-2026-000200"
    assert lookups.fetch_status(url) == 200
    assert merchant.seen == [("/orders/CMD-2026-000200", f"orders.merchant.example:{port}")]


def test_the_reference_cannot_change_the_address_asked():
    template = "https://shop.example/orders/{reference}?format=json"
    assert lookups.lookup_url(template, "../admin?x=1#") == (
        "https://shop.example/orders/..%2Fadmin%3Fx%3D1%23?format=json"
    )


def test_a_brand_without_a_rule_or_an_empty_reference_is_refused(world, shop):
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_validate_order(ticket=world.ticket, actor=world.agent, reference="X")
    assert caught.value.code == "policy"
    agent, ticket = shop()
    for reference in ("  ", "C" * 101):
        with pytest.raises(InvalidRequest) as caught:
            services.ticket_validate_order(ticket=ticket, actor=agent, reference=reference)
        assert caught.value.code == "order_reference"


def test_an_outsider_or_a_former_agent_cannot_check(world, shop, merchant, settings):
    settings.GUICHET_LOOKUP_ALLOW_HOSTS = ["127.0.0.1"]
    agent, ticket = shop(merchant_url(merchant))
    with pytest.raises(PermissionDenied):
        services.ticket_validate_order(
            ticket=ticket, actor=world.agent, reference="CMD-2026-000200"
        )
    Membership.objects.filter(user=agent).update(is_active=False)
    with pytest.raises(PermissionDenied):
        services.ticket_validate_order(ticket=ticket, actor=agent, reference="CMD-2026-000200")
    assert merchant.seen == []  # refused before anything is asked


def test_only_the_categories_the_rule_names_need_a_reference(shop):
    _agent, ticket = shop()
    services.ticket_change(ticket=ticket, actor=SYSTEM, category="product")
    assert not order_reference_needed(ticket)
