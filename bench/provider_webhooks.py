"""make bench-channels: provider webhooks through the production server, on PostgreSQL.

1. A database `guichet_bench_channels` (DATABASE_URL overrides it), migrated afresh, with
   the `ivoire-toner` preset (SMS acknowledged by SMS) and a Twilio account.
2. The production web server (`guichet up`'s: gunicorn, 2 worker processes of 4 threads)
   on a free port.
3. BENCH_CHANNELS_CLIENTS (default 8) clients on keep-alive connections POST Twilio's
   documented webhook form, signed as Twilio signs it, for BENCH_CHANNELS_SECONDS (default
   15) per case: webhook events per second and their latency, for
   - new conversations (each SMS from a new number opens a ticket, acknowledged by SMS),
   - conversations going on (200 customers writing again: each SMS joins an open ticket),
   - a provider's retries (the same SMS again: stored, recognised, nothing done twice),
   - delivery receipts (`MessageStatus` of replies sent before);
   and a telephone system's call events (Zammad's generic CTI push, docs/telephony.md), each
   client living calls one after the other — newCall, answer, hangup — for
   - calls' lives in JSON (the 200 regular customers calling: each caller found),
   - calls' lives in URL-encoded forms (`user[]` repeated; unknown callers),
   - a connector's retries (the same events again: recognised, nothing done twice).
   Each answer must be 200; the events are then counted in the database (all processed).

Target (issue 19): at least 10× a busy call centre's peak. A centre of 200 agents at its
peak hour takes about 2,000 contacts an hour (0.6 a second), each a few webhook events:
10× that is some 20 events a second; the bench prints the ratio to 20 a second. The
load-generating clients share the machine's cores with the server: the figures are a
floor. Prints figures; asserts nothing about durations.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/guichet_bench_channels")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from bench.api import THREADS, WORKERS, percentile, server  # noqa: E402 - after the settings
from bench.loading import ensure_database  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_CHANNELS_CLIENTS", "8"))
SECONDS = float(os.environ.get("BENCH_CHANNELS_SECONDS", "15"))
SMOKE = os.environ.get("BENCH_SMOKE") == "1"
BRAND = "ivoire-toner"
SECRET = "bench-auth-token"  # noqa: S105 - the bench account's
SID = "AC" + "b" * 32
NUMBER = "+2252722000000"
TARGET = 20.0  # events a second: 10x a 200-agent centre's peak
REGULARS = 200


def prepare() -> tuple[Any, Any]:
    import django

    django.setup()
    from django.core.management import call_command

    from guichet.brands.models import Brand
    from guichet.channels.services import account_create

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("load_presets", BRAND, verbosity=0, stdout=io.StringIO())
    brand = Brand.objects.get(slug=BRAND)
    # Replies are queued, not sent, during the bench: nobody answers at api_base.
    twilio = account_create(
        brand=brand,
        actor=None,
        provider="twilio",
        name="bench",
        address=NUMBER,
        secret=SECRET,
        account_sid=SID,
        api_base="http://127.0.0.1:9",
    )
    return twilio, account_create(brand=brand, actor=None, provider="cti", name="bench PBX")


def signed(port: int, path: str, fields: dict[str, str]) -> tuple[str, dict[str, str]]:
    from guichet.channels.providers.twilio import signature

    lists = {name: [value] for name, value in fields.items()}
    return urlencode(fields), {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": signature(SECRET, f"http://127.0.0.1:{port}{path}", lists),
    }


Request = tuple[str, dict[str, str]]


def cti_json(fields: dict[str, Any]) -> Request:
    return json.dumps(fields), {"Content-Type": "application/json"}


def cti_form(fields: dict[str, Any]) -> Request:
    return urlencode(fields, doseq=True), {"Content-Type": "application/x-www-form-urlencoded"}


def call_life(call_id: str, caller: str) -> list[dict[str, Any]]:
    """A call's three events, as Zammad's documentation writes them."""
    common = {"from": caller, "to": NUMBER, "direction": "in", "callId": call_id}
    return [
        {"event": "newCall", **common, "user[]": ["Awa Koné", "Yao Kouassi"]},
        {"event": "answer", **common, "user[]": ["Awa Koné"], "answeringNumber": "201"},
        {"event": "hangup", **common, "cause": "normalClearing", "answeringNumber": "201"},
    ]


def sms(sid: str, sender: str, text: str) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": SID,
        "From": sender,
        "To": NUMBER,
        "Body": text,
        "NumMedia": "0",
        "SmsStatus": "received",
    }


def case(
    port: int, path: str, label: str, requests_of: Callable[[int, int], list[Request]]
) -> tuple[str, float, float, float, int]:
    """CLIENTS clients post requests_of(client, i), one after the other, for SECONDS:
    (label, events/s, p50, p95, refused)."""
    latencies: list[float] = []
    refused: list[int] = []
    lock = threading.Lock()
    stop = time.perf_counter() + SECONDS

    def client(number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: list[float] = []
        bad: list[int] = []
        i = 0
        while time.perf_counter() < stop:
            i += 1
            for body, headers in requests_of(number, i):
                began = time.perf_counter()
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    mine.append((time.perf_counter() - began) * 1000)
                else:
                    bad.append(response.status)
        connection.close()
        with lock:
            latencies.extend(mine)
            refused.extend(bad)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    rate = len(latencies) / elapsed
    p50 = statistics.median(latencies) if latencies else 0.0
    p95 = percentile(latencies, 0.95) if latencies else 0.0
    print(
        f"  {label:<32} {len(latencies):6,} events  {rate:7,.0f}/s  p50 {p50:6.0f} ms"
        f"  p95 {p95:6.0f} ms"
        + (f"  REFUSED {len(refused)}: {sorted(set(refused))}" if refused else ""),
        flush=True,
    )
    return label, rate, p50, p95, len(refused)


def main() -> None:
    ensure_database(os.environ["DATABASE_URL"], fresh=True)
    account, pbx = prepare()
    from django.db.models import Count
    from django.urls import reverse

    from guichet.channels.models import InboundEvent, OutboundChannelMessage
    from guichet.lib.scoping import all_brands
    from guichet.telephony.models import Call

    path = reverse("channel_webhook", kwargs={"provider": "twilio", "token": account.token})
    run = uuid.uuid4().hex[:6]
    print(
        f"Twilio webhooks (SMS), {CLIENTS} clients, gunicorn {WORKERS} workers x {THREADS}"
        f" threads, {SECONDS:.0f} s a case, on PostgreSQL:",
        flush=True,
    )
    figures: list[tuple[str, str, float, float, float, int]] = []

    def sms_case(port: int, label: str, fields_of: Callable[[int, int], dict[str, str]]) -> None:
        measured = case(port, path, label, lambda n, i: [signed(port, path, fields_of(n, i))])
        figures.append(("SMS", *measured))

    with server() as port:
        sms_case(
            port,
            "new conversations",
            lambda n, i: sms(
                f"SM{run}N{n:03d}{i:07d}", f"+22507{n:02d}{i:06d}", "Bonjour, mon toner fuit."
            ),
        )
        regulars = [f"+2250599{n:06d}" for n in range(REGULARS)]
        sms_case(
            port,
            "conversations going on",
            lambda n, i: sms(
                f"SM{run}C{n:03d}{i:07d}",
                regulars[(n * 7919 + i) % REGULARS],
                f"Message {i} : toujours pas de nouvelles.",
            ),
        )
        sms_case(
            port,
            "a provider's retries",
            lambda n, i: sms(
                f"SM{run}N{n:03d}{i % 50 + 1:07d}", f"+22507{n:02d}{i % 50 + 1:06d}", "x"
            ),
        )
        with all_brands():
            sent = list(
                OutboundChannelMessage.objects.filter(account=account).values_list("pk", flat=True)
            )
            OutboundChannelMessage.objects.filter(pk__in=sent).update(state="sent")
            for pk in sent:
                OutboundChannelMessage.objects.filter(pk=pk).update(provider_id=f"SMOUT{pk:028d}")
        sms_case(
            port,
            "delivery receipts",
            lambda n, i: {
                "MessageSid": f"SMOUT{sent[(n * 100_003 + i) % len(sent)]:028d}",
                "AccountSid": SID,
                "MessageStatus": ("delivered", "read")[i % 2],
            },
        )

        cti_path = reverse("channel_webhook", kwargs={"provider": "cti", "token": pbx.token})
        print(f"CTI call events (Zammad's generic push), {CLIENTS} clients:", flush=True)

        def cti_case(label: str, requests_of: Callable[[int, int], list[Request]]) -> None:
            figures.append(("CTI", *case(port, cti_path, label, requests_of)))

        cti_case(
            "calls' lives, JSON",
            lambda n, i: [
                cti_json(fields)
                for fields in call_life(
                    f"{run}-J{n:03d}-{i:07d}", regulars[(n * 7919 + i) % REGULARS]
                )
            ],
        )
        cti_case(
            "calls' lives, forms",
            lambda n, i: [
                cti_form(fields)
                for fields in call_life(f"{run}-F{n:03d}-{i:07d}", f"+22507{n:02d}{i:06d}")
            ],
        )
        cti_case(
            "a connector's retries",
            lambda n, i: [
                cti_json(fields)
                for fields in call_life(
                    f"{run}-J{n:03d}-{i % 50 + 1:07d}",
                    regulars[(n * 7919 + i % 50 + 1) % REGULARS],
                )
            ],
        )
    with all_brands():
        states = dict(InboundEvent.objects.values_list("state").annotate(n=Count("pk")))
        calls = dict(Call.objects.values_list("state").annotate(n=Count("pk")))
        known = Call.objects.filter(contact__isnull=False).count()
    print(f"  events in the database by state: {states}")
    print(f"  calls by state: {calls} ({known} of them from a known customer)")
    print("\nbench-channels" + (" (smoke size: not judged)" if SMOKE else ""))
    for kind, label, rate, p50, p95, refused in figures:
        verdict = "ok" if rate >= TARGET and not refused else "MISSED"
        print(
            f"  {kind}, {label:<28} {rate:7,.0f} events/s  p50 {p50:5.0f} ms  p95 {p95:5.0f} ms"
            f"   >= {TARGET:.0f}/s (10x a 200-agent centre's peak): {verdict}"
        )


if __name__ == "__main__":
    main()
