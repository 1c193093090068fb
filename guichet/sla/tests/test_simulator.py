"""The policy simulator (docs/requirements.md PL-5): made-up traffic through the live deadline
engine, with a moving clock. No database."""

import os
import random
import re
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime, timedelta
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
    for heading in (
        "Traffic",
        "Deadlines",
        "Escalations",
        "Letters sent",
        "Sellers",
        "Returns and refunds",
    ):
        assert f"\n{heading}\n" in text
    assert text.startswith(f"Policy simulation: {policy(slug).brand.name} ({slug})")
    assert f"Tickets: {result.tickets} received" in text
    # Every kind of deadline the policy has shows up with its rule, the seller's and the
    # returns' too.
    for _where, rule in policy(slug).deadline_rules:
        assert any(line.lstrip().startswith(rule.kind) for line in text.splitlines())
    assert ("no [marketplace] section" in text) == (policy(slug).marketplace is None)
    assert ("no [returns] section" in text) == (policy(slug).returns is None)
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


def test_jamla24s_run_shows_its_sellers_answers_strikes_and_restrictions():
    result = run("jamla24")
    (deadlines,) = rows(result, "seller_response")
    sellers = result.sellers
    assert len(sellers) == 10 and result.strikes_before_restriction == 3
    asked = sum(s.asked for s in sellers)
    assert 0 < asked <= result.by_contact_type["dispute"]  # most disputes ask a seller
    assert deadlines.count == asked
    assert sum(s.on_time for s in sellers) == deadlines.on_time
    assert sum(s.late for s in sellers) == deadlines.late
    assert sum(s.strikes for s in sellers) == deadlines.breached  # one per missed deadline
    for seller in sellers:
        assert seller.on_time + seller.late + seller.unanswered == seller.asked
    text = report(result)
    section = text[text.index("\nSellers\n") :]
    assert "all sellers" in section
    assert "restricted at 3 within 90d" in section
    assert re.search(r"Seller deadlines: \d+ met, \d+ missed \(\d+\.\d %", section)
    # Over a quarter, the sellers that often leave requests unanswered are restricted.
    quarter = run("jamla24", days=90, per_day=100)
    assert quarter.sellers[-1].restricted_at is not None
    assert any(s.restricted_at is not None for s in quarter.sellers)


def test_ivoire_toner_s_run_shows_its_returns_and_refunds():
    result = run("ivoire-toner")
    returns = result.returns
    assert returns is not None and returns.requests > 0
    assert returns.requests <= result.by_contact_type["return_refund"]
    assert returns.refunded <= returns.returned <= returns.requests
    (window,) = rows(result, "return_window")
    (refund,) = rows(result, "refund")
    assert window.count == result.by_contact_type["return_refund"]
    assert refund.count == returns.returned  # planned once the item is back
    assert refund.on_time + refund.late == returns.refunded
    text = report(result)
    section = text[text.index("\nReturns and refunds\n") :]
    assert "window=14d refund_within=14d calendar" in section
    assert f"sent back: {returns.returned}, refunded: {returns.refunded}" in section


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


def dispute(at, **changes):
    """A Jamla24 dispute whose first response (which asks the seller) comes at once, and
    whose decision, if it did not wait, would come within the hour."""
    script = slow(**{"first_hours": 0.01, "answer_days": 0.01, "seller": 9, **changes})
    return Arrival(at, "dispute", "web", "seller", "simple", script)


def test_a_seller_s_answer_meets_its_deadline_and_the_decision_waits_for_it():
    zone = ZoneInfo("Africa/Casablanca")
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=zone)
    sim = Simulation(policy("jamla24"), days=1, per_day=0, seed=1, start=monday.date())
    sim.run([dispute(monday, seller_hours=5.0, after_seller_days=0.1)])
    (ticket,) = sim.tickets
    (deadline,) = [row for row in sim.rows if row.kind == "seller_response"]
    assert deadline.started_at == ticket.seller_asked_at
    assert deadline.due_at == ticket.seller_asked_at + timedelta(hours=24)
    assert (
        deadline.met_at == ticket.seller_answered_at == ticket.seller_asked_at + timedelta(hours=5)
    )
    assert not deadline.breached
    assert ticket.closed_at > ticket.seller_answered_at  # decided after the answer
    assert (sim.result.sellers[9].asked, sim.result.sellers[9].on_time) == (1, 1)
    assert sim.result.sellers[9].strikes == 0


def test_a_seller_that_lets_its_deadline_pass_gets_a_strike_and_the_decision_goes_on():
    zone = ZoneInfo("Africa/Casablanca")
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=zone)
    sim = Simulation(policy("jamla24"), days=1, per_day=0, seed=1, start=monday.date())
    # Jamla24 escalates by time at 24 hours too: the new level's team decides at once.
    sim.run([dispute(monday, seller_hours=30.0, level_days=[0.01] * 3)])
    (ticket,) = sim.tickets
    (deadline,) = [row for row in sim.rows if row.kind == "seller_response"]
    assert deadline.breached
    seller = sim.result.sellers[9]
    assert (seller.strikes, seller.late, seller.restricted_at) == (1, 0, None)
    # Decided after the deadline passed, before the late answer came: it went unread.
    assert deadline.due_at < ticket.closed_at < ticket.seller_asked_at + timedelta(hours=30)
    assert seller.unanswered == 1


def test_the_third_strike_within_the_window_restricts_the_seller():
    zone = ZoneInfo("Africa/Casablanca")
    start = datetime(2026, 1, 5, 10, 0, tzinfo=zone)
    days = [0, 30, 60]
    sim = Simulation(policy("jamla24"), days=61, per_day=0, seed=1, start=start.date())
    sim.run([dispute(start + timedelta(days=d), seller_never=True) for d in days])
    seller = sim.result.sellers[9]
    third = max(row.due_at for row in sim.rows if row.kind == "seller_response")
    assert (seller.asked, seller.strikes, seller.restricted_at) == (3, 3, third)
    text = report(sim.result)
    assert re.search(r"\n  10 +3 +0 +0 +3 +3 +2026-03-07\n", text)
    # Spread over more than the policy's 90 days, three strikes do not restrict.
    sim = Simulation(policy("jamla24"), days=121, per_day=0, seed=1, start=start.date())
    sim.run([dispute(start + timedelta(days=d), seller_never=True) for d in (0, 60, 120)])
    assert (sim.result.sellers[9].strikes, sim.result.sellers[9].restricted_at) == (3, None)


def a_return(at, **changes):
    script = slow(
        first_hours=0.01,
        returns_item=True,
        delivered_days=2.0,
        sends_back_hours=48.0,
        refund_days=1.0,
        **changes,
    )
    return Arrival(at, "return_refund", "web", "returns", "simple", script)


def test_a_return_has_its_window_from_the_delivery_and_its_refund_from_the_item_s_return():
    zone = ZoneInfo("Africa/Abidjan")
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=zone)
    sim = Simulation(policy("ivoire-toner"), days=1, per_day=0, seed=1, start=monday.date())
    sim.run([a_return(monday)])
    (ticket,) = sim.tickets
    (window,) = [row for row in sim.rows if row.kind == "return_window"]
    (refund,) = [row for row in sim.rows if row.kind == "refund"]
    assert window.started_at == ticket.item_received_at == monday - timedelta(days=2)
    assert window.due_at == window.started_at + timedelta(days=14)  # 14 calendar days
    assert window.met_at == ticket.item_returned_at == refund.started_at
    assert refund.due_at == refund.started_at + timedelta(days=14)
    assert refund.met_at == ticket.refunded_at and ticket.closed_at == ticket.refunded_at
    assert not window.breached and not refund.breached
    returns = sim.result.returns
    assert (returns.requests, returns.returned, returns.refunded, returns.never_sent) == (
        1,
        1,
        1,
        0,
    )


def test_an_item_never_sent_back_misses_the_window_and_the_request_closes_after_it():
    zone = ZoneInfo("Africa/Abidjan")
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=zone)
    sim = Simulation(policy("ivoire-toner"), days=1, per_day=0, seed=1, start=monday.date())
    sim.run([a_return(monday, never_sends=True)])
    (ticket,) = sim.tickets
    (window,) = [row for row in sim.rows if row.kind == "return_window"]
    assert window.breached and window.met_at is None
    assert ticket.closed_at > window.due_at
    assert not [row for row in sim.rows if row.kind == "refund"]
    assert sim.result.returns.never_sent == 1


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
