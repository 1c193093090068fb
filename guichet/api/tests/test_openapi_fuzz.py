"""A property-based run of schemathesis over the whole of /api/v1/openapi.json (issues 7 and
14), with every check schemathesis has: whatever a client sends, within the document or
not, no call answers 5xx; every answer matches the document (status codes, content types,
headers, bodies); data the document allows is accepted and data it forbids is refused;
calls need their key; the methods a path does not have are 405 with `Allow`; and, in the
stateful run, a resource created answers, one deleted is gone, and what EJ's key reads
another brand's key does not get.

Small on purpose (a few examples per operation, derandomised): about a minute on each
database, in CI. Where a check is narrowed, the reason is written next to it."""

from __future__ import annotations

import ipaddress
import json
import socket
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.wfc.escalation import EscalatingAuthProvider

from guichet.accounts.models import Role
from guichet.api.api import api
from guichet.api.keys import _hash, api_key_create
from guichet.api.models import ApiKey
from guichet.api.webhooks.services import webhook_create
from guichet.conftest import make_seller
from guichet.lib.scoping import brand_scope
from guichet.tickets import services
from guichet.tickets.attachments import attachment_store

# Raw email (POST /inbound/email) is sent as the bytes generated, like any binary body.
schemathesis.serializer.alias("message/rfc822", "application/octet-stream")

# Refusals by the brand's policy or by the state of things (docs/api.md, "Errors"): the
# request was well formed — the document cannot say which ticket is closed, which cursor
# a list gave, which languages a brand speaks or which upload token is still unused.
# A schema-valid request refused for its form (422 `validation`, 400 `json`) still fails.
STATE_REFUSALS = {
    400: None,  # every 400 with a code of the service (closed, reason, final_level…)
    415: {"file_type", "file_content"},  # files are recognised by their content
    422: {
        "cursor",  # a list's cursor comes from a page of that list
        "brand",  # which brand, for a staff session with several
        "contact",  # a customer of the brand, or an address or number that is valid
        "query",  # the same, to look a customer up
        "language",  # a language of the brand
        "upload",  # upload tokens come from POST /uploads
        "upload_used",
        "assignee",  # a member of the brand's staff
        "team",  # a team of the brand
    },
}
NOT_A_STATE_REFUSAL = {"json", "bad_request", "multipart", "validation", "error"}

load_all_checks()
builtin_positive_data_acceptance = CHECKS.get_one("positive_data_acceptance")


def is_state_refusal(response: Any) -> bool:
    try:
        code = json.loads(response.content)["code"]
    except (ValueError, KeyError, TypeError):
        return False
    allowed = STATE_REFUSALS.get(response.status_code, set())
    return code not in NOT_A_STATE_REFUSAL and (allowed is None or code in allowed)


def positive_data_acceptance(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis's `positive_data_acceptance`, where a refusal by the brand's policy or
    by the state of things (STATE_REFUSALS) is not a rejection of the data."""
    try:
        return builtin_positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if not is_state_refusal(response):
            raise
        return None


ALL_CHECKS = [
    positive_data_acceptance if name == "positive_data_acceptance" else CHECKS.get_one(name)
    for name in CHECKS.get_all_names()
]


def test_every_check_of_schemathesis_runs():
    assert set(CHECKS.get_all_names()) >= {
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
        "positive_data_acceptance",
        "missing_required_header",
        "unsupported_method",
        "allow_header_conformance",
        "use_after_free",
        "ensure_resource_availability",
        "ignored_auth",
        "object_level_authorization",
    }
    assert len(ALL_CHECKS) == len(CHECKS.get_all_names())


# The keys of the tests' worlds, by identity: schemathesis sends EJ's, and replays EJ's
# reads with Jamla24's to check that no object of one brand reaches another. Fixed
# tokens: schemathesis writes the credentials into the cases it prepares while the tests
# are collected, before any key exists (`fuzz_world` gives them to the keys it makes).
TOKENS = {"ej": "gch_fuzzej_" + "e" * 43, "jamla24": "gch_fuzzjamla_" + "j" * 43}


class Key:
    """An API key as schemathesis handles credentials: it removes them, or sends wrong ones,
    to check that every operation needs them (`ignored_auth`)."""

    def __init__(self, identity: str) -> None:
        self.identity = identity

    def get(self, case: Any, context: Any) -> str:
        return TOKENS[self.identity]

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture
def fuzz_world(world, monkeypatch, settings, request) -> dict[str, Any]:
    """An administrator's write key of EJ, with data to read: tickets with replies, notes,
    a file and events, customers, a webhook, a seller and its person; one of Jamla24,
    which must see none of it.
    Answers the ids of EJ's objects, by the name of the path parameters (`aim`)."""
    settings.GUICHET_WEBHOOK_ALLOW_HOSTS = []
    # Wrong keys from one address get 429 past a limit (docs/api.md, "Rate limits"): this
    # run sends thousands, to check that every operation refuses them with 401.
    settings.GUICHET_API_AUTH_FAILURE_LIMIT = 1_000_000
    real = socket.getaddrinfo

    def public_dns(host, port, *args, **kwargs):
        # Generated host names resolve to a public address at once (no network).
        try:
            ipaddress.ip_address(str(host).strip("[]"))
        except ValueError:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", public_dns)
    # As Django's test client does: a request's end must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    request.addfinalizer(lambda: request_started.connect(close_old_connections))
    request.addfinalizer(lambda: request_finished.connect(close_old_connections))
    services.ticket_reply(ticket=world.ticket, actor=world.agent, text="Nous regardons.")
    file = attachment_store(brand=world.ej, filename="relevé.pdf", content=b"%PDF-1.4\n%%EOF\n")
    services.ticket_note(
        ticket=world.ticket, actor=world.agent, text="Vérifier la banque.", attachments=[file]
    )
    webhook, _secret = webhook_create(
        brand=world.ej, url="https://hooks.shop.example/in", events=["ticket.closed"]
    )
    seller = make_seller(world.ej, "Kingston Crafts", "shop@kingston.example", person="Marlon")
    with brand_scope(world.ej):
        person = seller.people.get()
    for identity, brand in (("ej", world.ej), ("jamla24", world.jamla)):
        key, _token = api_key_create(
            brand=brand,
            name="Fuzz",
            scopes=["read", "write"],
            role=Role.ADMIN,
            rate_per_minute=1_000_000,
        )
        _gch, prefix, secret = TOKENS[identity].split("_", 2)
        with brand_scope(brand):
            ApiKey.objects.filter(pk=key.pk).update(prefix=prefix, secret_hash=_hash(secret))
    return {
        "reference": world.ticket.reference,
        "attachment_id": file.pk,
        "contact_id": world.customer.pk,
        "webhook_id": webhook.pk,
        "seller_id": seller.pk,
        "person_id": person.pk,
    }


# What a positive case of these operations needs to succeed at times, which the document
# cannot say: a contact type and category of EJ's policy, an address the customer can be
# written to, a message with words in it, a URL of a host that answers.
AIMED_BODIES = {
    "POST /api/v1/tickets": {
        "contact": {"email": "fuzz@example.org"},
        "contact_type": "complaint",
        "category": "billing",
        "language": "",
        "seller": None,
        "text": "Bonjour",
    },
    "POST /api/v1/contacts": {"email": "fuzz@example.org", "phone": None},
    "POST /api/v1/webhooks": {"url": "https://hooks.example.org/in"},
}


def aim(case: Any, targets: dict[str, Any]) -> None:
    """Send the positive cases to the world's objects. schemathesis draws references and
    ids at random, which all answer 404 and leave untried the code behind them, and the
    upload tokens it draws are never valid (they come from POST /uploads); the negative
    cases keep what was drawn."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    for name in case.path_parameters or {}:
        if name in targets:
            case.path_parameters[name] = targets[name]
    if isinstance(case.body, dict):
        if "attachments" in case.body:
            case.body["attachments"] = []
        case.body.update(AIMED_BODIES.get(case.operation.label, {}))


def _document() -> dict:
    # The document /api/v1/openapi.json serves (checked below), built without a request:
    # the database is not open while tests are collected.
    return json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/")))


schema = schemathesis.openapi.from_dict(_document())
schema.app = get_wsgi_application()  # calls go through Django in-process, in the test's transaction
schema.auth.providers.append(
    EscalatingAuthProvider(
        [Key("ej"), Key("jamla24")], ["ej", "jamla24"], peers=("ej", "jamla24"), pinned="ej"
    )
)

FUZZ = settings(
    max_examples=6,
    derandomize=True,
    deadline=None,
    database=None,
    # The world changes with each call: an example run again to be shrunk would meet
    # another world. A failure is shown as found.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def test_the_document_fuzzed_is_the_one_served(client):
    assert client.get("/api/v1/openapi.json").json() == _document()


@schema.parametrize()
@FUZZ
def test_the_api_matches_its_document(case, fuzz_world):
    aim(case, fuzz_world)
    case.call_and_validate(checks=ALL_CHECKS)


Workflow = schema.as_state_machine()


def test_sequences_of_calls_keep_to_the_document(fuzz_world):
    """The stateful run: schemathesis chains the calls its links infer from the document
    (a ticket created, then read, changed, closed…; a webhook listed, then deleted), each
    checked as above; a step that follows no link is aimed like the cases above."""

    class Run(Workflow):  # type: ignore[valid-type, misc]
        # Each sequence starts from the same world (Hypothesis replays and extends
        # sequences, which must meet the same answers).
        def setup(self) -> None:
            self.savepoint = transaction.savepoint_create()

        def teardown(self) -> None:
            transaction.savepoint_rollback(self.savepoint)
            super().teardown()

        def step(self, input: Any) -> Any:
            if not input.is_applied:  # a first step, or a link that found nothing to follow
                aim(input.case, fuzz_world)
            return super().step(input)

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(
                response, checks=ALL_CHECKS, transport_kwargs=kwargs, recorder=self.recorder
            )

    Run.run(settings=settings(FUZZ, max_examples=15, stateful_step_count=6))
