"""The policy simulator (docs/requirements.md PL-5): made-up traffic through the live deadline
engine, with a moving clock. No database."""

import os
import random
import re
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from guichet.conftest import PRESETS
from guichet.policies.loader import load_policy_file
from guichet.policies.schema import Policy
from guichet.sla import simulator
from guichet.sla.engine import Engine
from guichet.sla.simulator import Result, format_report, simulate
from guichet.sla.simulator.simulation import Simulation
from guichet.sla.simulator.traffic import Arrival, Script, Traffic

SLUGS = ["ej", "ivoire-toner", "jamla24", "jive", "respect"]
SMALL = {"days": 7, "per_day": 40}


@cache
def policy(slug: str) -> Policy:
    loaded = load_policy_file(PRESETS / f"{slug}.toml")
    assert loaded.policy is not None
    return loaded.policy


@cache
def run(slug: str, seed: int = 1, days: int = 7, per_day: int = 40) -> Result:
    return simulate(policy(slug), days=days, per_day=per_day, seed=seed)


def report(result: Result) -> str:
    with translation.override("en"):
        return format_report(result)


def rows(result: Result, kind: str):
    return [g for g in result.groups if g.kind == kind]


# The report ----------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_a_short_run_of_every_preset_prints_every_section(slug):
    result = run(slug)
    text = report(result)
    for heading in ("Traffic", "Deadlines", "Escalations", "Letters sent"):
        assert f"\n{heading}\n" in text
    assert text.startswith(f"Policy simulation: {policy(slug).brand.name} ({slug})")
    assert f"Tickets: {result.tickets} received" in text
    # Every kind of promise the policy makes shows up with its rule.
    for rule in policy(slug).deadlines:
        if rule.kind != "seller_response":  # no marketplace sellers are simulated
            assert any(line.lstrip().startswith(rule.kind) for line in text.splitlines())
    for letter in ("acknowledgement", "change of level", "delay letter", "written outcome"):
        assert letter in text
    assert "ombudsman referral" in text
    assert 200 < result.tickets < 370  # about 7 × 40


def test_the_same_seed_gives_the_same_report_and_another_seed_another():
    first = report(simulate(policy("ej"), seed=7, **SMALL))
    again = report(simulate(policy("ej"), seed=7, **SMALL))
    other = report(simulate(policy("ej"), seed=8, **SMALL))
    assert first == again
    assert first != other


def test_the_report_does_not_depend_on_the_hash_seed_of_the_process():
    command = [sys.executable, "-m", "guichet", "policy", "simulate"]
    options = ["--days", "3", "--per-day", "30", "--seed", "5"]

    def output(hash_seed: str) -> str:
        run = subprocess.run(
            [*command, str(PRESETS / "jive.toml"), *options],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            check=True,
        )
        assert re.search(
            r"\d+ (tickets simulated in|dossiers simulés en)", run.stderr
        )  # timing off stdout
        return run.stdout

    assert output("1") == output("2")


# Invariants ------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_counts_add_up(slug):
    result = run(slug)
    pol = policy(slug)
    assert sum(result.by_contact_type.values()) == result.tickets
    assert sum(result.by_channel.values()) == result.tickets
    assert sum(result.by_complexity.values()) == result.tickets
    assert result.closed + result.still_open == result.tickets
    assert set(result.by_channel) <= {c.kind for c in pol.channels}
    assert set(result.by_channel) <= set(simulator.CHANNEL_WEIGHTS)
    for group in result.groups:
        assert group.on_time + group.late + group.cancelled + group.still_open == group.count
        assert group.late <= group.breached
        assert len(group.hours) == len(group.clock_hours) == group.on_time + group.late
    silent = sum(
        n for kind, n in result.by_channel.items() if not (pol.channel(kind) or pol).acknowledge
    )
    assert result.letters["acknowledgement"] == result.tickets - silent
    # Every ticket on a channel that acknowledges has the acknowledgement promise.
    assert sum(g.count for g in rows(result, "acknowledgement")) == result.tickets - silent
    assert sum(g.count for g in rows(result, "first_response")) == result.tickets
    escalations = sum(result.escalations.values())
    assert result.letters["level_changed"] == (escalations if pol.escalation.notify_customer else 0)
    # A resolution promise per ticket, and another each time a customer reopens it by asking
    # for the next level (as the live system plans it again from receipt).
    resolution = [rule for rule in pol.deadlines if rule.kind == "resolution"]
    if resolution:
        reopened = sum(n for (_, trigger), n in result.escalations.items() if trigger == "customer")
        promised = sum(g.count for g in rows(result, "resolution"))
        if any(not rule.contact_types for rule in resolution):
            assert promised == result.tickets + reopened
        else:  # only some contact types have one (EJ: the legal delay of data-rights requests)
            covered = sum(
                result.by_contact_type.get(t, 0) for rule in resolution for t in rule.contact_types
            )
            assert covered <= promised <= covered + reopened
    assert result.letters["ombudsman"] <= result.letters["outcome"]


def test_jamla24_escalates_by_time_to_level_2_and_3():
    result = run("jamla24")
    assert result.escalations[(2, "time")] > 0
    assert result.escalations[(3, "time")] > 0
    assert result.letters["level_changed"] == sum(result.escalations.values())
    # Level 2 must give its findings within 48 h of first contact; every ticket still at
    # level 2 then is escalated by time at that same moment, so the promise was missed.
    (level_2,) = rows(result, "level")
    assert level_2.breached >= result.escalations[(3, "time")]


def test_ej_sends_delay_letters_when_full_answers_are_slow():
    result = run("ej")
    assert result.letters["delay_letter"] > 0
    (full_answer,) = rows(result, "full_answer")  # complaints only
    assert full_answer.count == result.by_contact_type["complaint"]
    assert full_answer.warnings >= result.letters["delay_letter"]  # both at 1 day before
    # Two first-response targets: 24 h when received on an open day, 72 h otherwise.
    labels = [result.rule_labels[g.rule] for g in rows(result, "first_response")]
    assert labels == [
        "24h calendar received_on=open_day",
        "72h calendar received_on=closed_day",
    ]
    assert result.letters["ombudsman"] == 0  # EJ names no ombudsman


def test_ivoire_toner_has_a_resolution_target_for_simple_and_one_for_complex_requests():
    result = run("ivoire-toner")
    labels = result.rule_labels
    by_label = {labels[g.rule]: g for g in rows(result, "resolution")}
    assert len(by_label) == 3
    simple = by_label["2d business_days complexity=simple"]
    complex_ = by_label["7d business_days complexity=complex"]
    legal = by_label["30d calendar contact_types=data_rights"]
    # Data-rights requests have the legal delay instead of the brand's own targets.
    assert legal.count >= result.by_contact_type.get("data_rights", 0)
    assert simple.count + complex_.count + legal.count >= result.tickets
    text = report(result)
    assert "2d business_days complexity=simple" in text
    assert "7d business_days complexity=complex" in text
    assert 0.55 < result.by_complexity["simple"] / result.tickets < 0.85  # about 70 %


def test_jive_refers_customers_to_the_ombudsman_after_final_decisions_only():
    result = run("jive")
    assert result.letters["ombudsman"] > 0
    reached_final = sum(n for (level, _), n in result.escalations.items() if level == 2)
    assert result.letters["ombudsman"] <= reached_final
    assert result.escalations[(2, "customer")] > 0


def test_respect_offers_no_escalation_on_request():
    result = run("respect")
    assert result.escalations[(2, "customer")] == 0
    assert result.escalations[(2, "agent")] > 0
    assert result.letters["delay_letter"] == 0


def test_calls_and_chats_arrive_while_the_brand_is_open():
    pol = policy("ivoire-toner")
    engine_calendar = Engine(pol).calendar
    arrivals = Traffic(pol, engine_calendar, random.Random(3)).generate(date(2026, 1, 5), 14, 60)
    live = [a for a in arrivals if a.channel in ("phone", "chat")]
    assert live and all(engine_calendar.is_open(a.at) for a in live)
    assert {a.channel for a in arrivals} <= {"phone", "email", "chat", "social", "sms", "web"}
    assert [a.at for a in arrivals] == sorted(a.at for a in arrivals)
    # Quieter at weekends: the brand is closed and people write less.
    weekday = [a for a in arrivals if a.at.astimezone(ZoneInfo("Africa/Abidjan")).weekday() < 5]
    assert len(weekday) / len(arrivals) > 5 / 7


# The simulator acts as the watcher does (the moments of test_scenarios.py) ---------------------


def slow(**changes):
    """A ticket whose staff never answer within the period of the test."""
    script = Script(
        first_hours=0.5,
        live_minutes=5.0,
        solved_live=False,
        answered_at_once=False,
        pauses=False,
        customer_hours=10.0,
        never_answers=False,
        after_pause_days=1.0,
        answer_days=30.0,
        agent_escalates=False,
        agent_escalation_days=1.0,
        needs_reply=True,
        level_days=[30.0, 30.0, 30.0],
        outcomes=["not_upheld"] * 3,
        asks_next=[1.0] * 3,
        ask_hours=[24.0] * 3,
    )
    return replace(script, **changes)


def simulate_one(slug, at, category, **changes):
    sim = Simulation(policy(slug), days=1, per_day=0, seed=1, start=at.date())
    arrival = Arrival(at, "complaint", "email", category, "simple", slow(**changes))
    sim.run([arrival])
    return sim


def test_ej_delay_letter_moves_the_full_answer_as_the_watcher_does():
    zone = ZoneInfo("America/Jamaica")
    sim = simulate_one("ej", datetime(2026, 11, 24, 10, 0, tzinfo=zone), "billing")
    (full,) = [row for row in sim.rows if row.kind == "full_answer"]
    assert full.original_due == datetime(2026, 12, 1, 10, 0, tzinfo=zone)  # 5 business days
    assert full.due_at == datetime(2026, 12, 8, 10, 0, tzinfo=zone)  # another 5
    (letter,) = [row for row in sim.rows if row.kind == "delay_letter"]
    assert letter.met_at == datetime(2026, 11, 30, 10, 0, tzinfo=zone)  # one business day before
    assert sim.result.letters["delay_letter"] == 1  # once only
    assert full.breached  # the answer took 30 business days


def test_jamla24_escalates_at_24_and_48_hours_as_the_watcher_does():
    zone = ZoneInfo("Africa/Casablanca")
    sim = simulate_one("jamla24", datetime(2026, 11, 20, 20, 30, tzinfo=zone), "order")
    escalated = sorted(
        (row.level, row.met_at) for row in sim.rows if row.kind == "escalation" and row.met_at
    )
    assert escalated == [
        (2, datetime(2026, 11, 21, 20, 30, tzinfo=zone)),
        (3, datetime(2026, 11, 22, 20, 30, tzinfo=zone)),
    ]
    assert dict(sim.result.escalations) == {(2, "time"): 1, (3, "time"): 1}
    (resolution,) = [row for row in sim.rows if row.kind == "resolution"]
    assert resolution.due_at == datetime(2026, 11, 25, 20, 30, tzinfo=zone)  # 5 days


def test_waiting_on_the_customer_stops_the_pausable_clocks():
    zone = ZoneInfo("Africa/Abidjan")
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=zone)
    # Two hours later the first response asks a question; the customer answers on Thursday
    # at noon, 72 hours later.
    sim = simulate_one(
        "ivoire-toner", monday, "product", first_hours=2.0, pauses=True, customer_hours=72.0
    )
    (resolution,) = [row for row in sim.rows if row.kind == "resolution"]
    # Thursday 12:00 + the 46 business hours left = Monday 10:00 (test_scenarios.py).
    assert resolution.due_at == datetime(2026, 11, 30, 10, 0, tzinfo=zone)


# The command -----------------------------------------------------------------------------------


def test_the_command_prints_the_report_of_a_preset_file(capsys):
    with translation.override("en"):
        call_command(
            "policy", "simulate", str(PRESETS / "jive.toml"), "--days", "7", "--per-day", "40"
        )
    captured = capsys.readouterr()
    assert captured.out == report(run("jive"))
    assert re.search(r"\d+ (tickets simulated in|dossiers simulés en)", captured.err)


def test_the_command_takes_a_start_day_and_a_seed(capsys):
    with translation.override("en"):
        call_command(
            "policy",
            "simulate",
            str(PRESETS / "respect.toml"),
            "--days=2",
            "--per-day=10",
            "--seed=4",
            "--start=2026-06-01",
        )
    out = capsys.readouterr().out
    assert "2 days from 2026-06-01 00:00 (Europe/Paris), about 10 tickets a day, seed 4" in out


def test_the_command_refuses_an_invalid_file_with_its_errors(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text(
        (PRESETS / "jamla24.toml").read_text().replace('target = "5d"', 'target = "5 jours"')
    )
    with pytest.raises(CommandError) as caught:
        call_command("policy", "simulate", str(broken))
    line = next(
        i
        for i, text in enumerate(broken.read_text().splitlines(), 1)
        if 'target = "5 jours"' in text
    )
    assert f"{broken}:{line}: deadlines[" in str(caught.value)
    assert "not a duration" in str(caught.value)


def test_the_command_refuses_an_empty_period():
    with pytest.raises(CommandError, match="less than 1"):
        call_command("policy", "simulate", str(PRESETS / "ej.toml"), "--days", "0")
