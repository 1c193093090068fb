"""`guichet api-key create|list|revoke`: keys without a browser, made and revoked by the
admin's services; the secret printed once, alone on standard output; clear refusals."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from guichet.api.keys import authenticate
from guichet.api.models import ApiKey
from guichet.conftest import World
from guichet.lib.scoping import all_brands

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("api_key", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def create(*extra: str) -> tuple[str, str]:
    return run("create", "--brand", "ej", "--name", "Boutique", *extra)


def test_create_prints_the_key_once_and_it_works(world: World) -> None:
    out, err = create("--role", "team_lead", "--scope", "read,write", "--rate", "120")
    token = out.strip()
    assert token.startswith("gch_") and "\n" not in token, "the key alone on standard output"
    assert "will not be shown again" in err and "team_lead" in err and "read, write" in err
    with all_brands():
        key = ApiKey.objects.select_related("user").get(name="Boutique")
    assert (key.brand, key.role, key.scopes, key.rate_per_minute) == (
        world.ej,
        "team_lead",
        ["read", "write"],
        120,
    )
    assert token.split("_", 2)[2] not in key.secret_hash and key.created_by is None
    assert authenticate(token) == key
    answer = Client().get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    listed, _ = run("list")
    assert token.split("_", 2)[2] not in listed, "the secret is never shown again"


def test_scopes_may_be_repeated_and_the_maker_recorded(world: World) -> None:
    create("--scope", "read", "--scope", "inbound", "--by", "ejadmin")
    with all_brands():
        key = ApiKey.objects.get(name="Boutique")
    assert (key.scopes, key.role, key.created_by) == (["inbound", "read"], "agent", world.admin)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--brand", "nope", "--scope", "read"], "no brand 'nope' (brands: ej, jamla24)"),
        (["--brand", "ej", "--scope", "read", "--role", "customer"], "unknown role 'customer'"),
        (["--brand", "ej", "--scope", "read,everything"], "unknown scope 'everything'"),
        (["--brand", "ej", "--scope", ","], "unknown scope (none)"),
        (["--brand", "ej", "--scope", "read", "--rate", "0"], "at least one request a minute"),
        (["--brand", "ej", "--scope", "read", "--by", "ghost"], "no active user 'ghost'"),
    ],
)
def test_create_refuses_clearly(world: World, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run("create", "--name", "x", *args)
    with all_brands():
        assert not ApiKey.objects.exists()


def test_list_shows_every_key_without_its_secret(world: World) -> None:
    assert run("list")[0].strip() == "no API keys"
    token = create("--scope", "read")[0].strip()
    run("create", "--brand", "jamla24", "--name", "Entrepôt", "--scope", "write")
    out, _ = run("list")
    header, *rows = out.strip().splitlines()
    assert header.split()[:7] == ["id", "prefix", "name", "brand", "role", "scopes", "rate"]
    assert "last used" in header and "revoked" in header
    assert len(rows) == 2 and "Boutique" in rows[0] and "Entrepôt" in rows[1]
    prefix = token.split("_")[1]
    assert f"gch_{prefix}_…" in rows[0] and token.split("_", 2)[2] not in out
    assert "600/min" in rows[0] and "read" in rows[0]
    only, _ = run("list", "--brand", "jamla24")
    assert "Entrepôt" in only and "Boutique" not in only


@pytest.mark.parametrize("by", ["prefix", "id", "token"])
def test_revoke_by_prefix_or_id(world: World, by: str, frozen_clock: Any) -> None:
    token = create("--scope", "read")[0].strip()
    with all_brands():
        key = ApiKey.objects.get(name="Boutique")
    named = {"prefix": key.prefix, "id": str(key.pk), "token": f"gch_{key.prefix}_…"}[by]
    out, _ = run("revoke", named)
    assert "revoked" in out and key.prefix in out
    assert authenticate(token) is None
    key.refresh_from_db()
    assert key.revoked_at == frozen_clock.now()
    assert "already revoked" in run("revoke", named)[0]
    assert frozen_clock.now().strftime("%Y-%m-%d %H:%M") in run("list")[0]


def test_revoke_refuses_an_unknown_key(world: World) -> None:
    with pytest.raises(CommandError, match="no API key 'abc'"):
        run("revoke", "abc")
