"""make bench-reports: the reports' read model at scale, on PostgreSQL.

1. A database `guichet_bench_reports` with the desk bench's brands, staff, customers and
   1,000,000 tickets over three years (bench/desk.py's loader; no messages and no search
   index: the reports read neither), then the events of the tickets' lives, made with
   set-based SQL as the services record them: opened (with what the projection reads),
   the acknowledgement and the staff's replies (some the full answer), the deadlines of
   each brand's policy set, met, missed or no longer applying (the rule "deadlines[i]"
   chosen as the engine chooses it; due moments from the rule's clock), escalations to
   levels 2 and 3 (by an agent, the customer or time), outcomes, closings, reopenings,
   satisfaction surveys, a few abuse flags, blocks, strikes and ombudsman referrals —
   about 13 events a ticket. Made once (about 40 minutes): later runs reuse it while
   DATASET_VERSION and the size match (`--reload` makes it again).
2. The read model rebuilt from the events alone (`guichet.reports.rebuild.rebuild`, what
   `guichet reports rebuild` runs): events per second (`--no-rebuild` keeps the read model
   the last run left).
3. The hot path: tickets opened one at a time (`ticket_open`, each in its own transaction,
   as a web form or an API call opens one) with the read model's projector registered and
   without it, in short alternating rounds (A B A B …) in this one process: creations per
   second each way (all the rounds' tickets over all their time), their ratio, and the time
   the projector takes (timed inside it) per event and as a share of an opening's time.
   Then the same on SQLite, in a fresh database (a child process: the settings hold one
   database).

4. What people see, on PostgreSQL: the dashboard as EJ's director asks for it (a month
   and the last twelve months: p50, p95, queries), EJ's monthly review as PDF (seconds), and
   every EJ ticket of the three years as CSV through the desk, in a child process (its peak
   resident memory beside a baseline).

Targets (issue 18): the projector costs the creation rate no more than 10 %; the dashboard
p95 under 300 ms for a month and 1 s for a year; the monthly PDF under 15 s; the CSV export
of every ticket under 200 MB of memory. Prints figures and each target's verdict; asserts
nothing about durations. DATABASE_URL overrides the database; BENCH_TICKETS the size;
BENCH_HOT_ROUNDS (default 20) and BENCH_HOT_TICKETS (default 40) the hot path's pairs of
rounds and tickets per round; BENCH_REPORT_REQUESTS (40) the dashboard's requests,
BENCH_PDF_RUNS (3) the reviews made; `--only dashboard,pdf` takes some measures alone;
`--no-sqlite` leaves SQLite out.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/guichet_bench_reports")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from bench.desk import NOW, SPAN_DAYS, TICKETS  # noqa: E402 - after the path and the settings
from bench.loading import (  # noqa: E402
    execute,
    labelled_database,
    mark_loaded,
    rows,
    scalar,
    scalar_row,
    step,
)

HOT_ROUNDS = int(os.environ.get("BENCH_HOT_ROUNDS", "20"))
HOT_TICKETS = int(os.environ.get("BENCH_HOT_TICKETS", "40"))
HOT_BRAND = "ej"
SMOKE = os.environ.get("BENCH_SMOKE") == "1"
# Bumped when the data made here changes: a database made by another version is made again.
DATASET_VERSION = 1
SLICE = 100_000
PROJECTOR_TARGET = 0.10
# The deadlines planned at the opening, and the one each level has.
OPENING_KINDS = ("acknowledgement", "first_response", "full_answer", "resolution")
# Contact types whose closing records an outcome (upheld, not upheld…).
DECIDED_TYPES = ["complaint", "dispute"]
# A week without holidays in any preset's calendar: due moments are measured from each of
# its hours.
REFERENCE_MONDAY = datetime(2025, 3, 10)


@dataclass
class Figure:
    label: str
    value: str
    target: str = ""


# What `main` measures after the rebuild, in order (MEASURES, at the end of this file):
# each prints its details as it goes and returns its figures for the summary. A row for a
# feature (the dashboard, the monthly PDF, an export) is one more function there.
Measure = Callable[[], list[Figure]]


# --- the database ---------------------------------------------------------------------------


def _label() -> str:
    return f"guichet bench-reports v{DATASET_VERSION} tickets={TICKETS}"


def load() -> list[Figure]:
    from django.core.management import call_command

    from bench import desk
    from guichet.search.maintenance import triggers_paused

    started = time.perf_counter()
    print(f"making the benchmark database: {TICKETS:,} tickets and their events", flush=True)
    with step("migrate"):
        call_command("migrate", verbosity=0)
    with step("the five preset brands and their staff"):
        plans = desk.people()
    execute("SET synchronous_commit = off")
    execute("SET maintenance_work_mem = '512MB'")
    execute("SET work_mem = '64MB'")
    # The search index is left empty: the reports never search.
    with triggers_paused():
        with step(f"{desk.CONTACTS:,} customers"):
            desk.customers(plans)
        with step(f"{TICKETS:,} tickets"):
            for plan in plans:
                desk.tickets(plan)
            desk.counters()
    with step("the policies' deadline rules per kind of ticket"):
        rule_tables([plan.brand for plan in plans])
    print("  events, by slices of 100,000 tickets:", flush=True)
    for plan in plans:
        events(plan)
    with step("VACUUM ANALYZE"):
        for table in ("contacts_contact", "tickets_ticket", "tickets_event"):
            execute(f"VACUUM ANALYZE {table}")
    # What follows is measured: as a server is set, not as a load is.
    execute("RESET ALL")
    print(f"  loaded in {(time.perf_counter() - started) / 60:.1f} min", flush=True)
    figures = rebuild_figures()
    mark_loaded(os.environ["DATABASE_URL"], _label())
    return figures


def rule_tables(brands: list[Any]) -> None:
    """Temporary tables of what the SLA engine decides per kind of ticket, for the events'
    SQL to join: whether a day is open (bench_day), the rule of each deadline kind per
    profile of ticket (bench_rule: contact type, category, priority, complexity, channel,
    received on an open day or not, level), and how long the rule gives from each hour of
    a week (bench_offset, in seconds: business hours and days stretch over nights and
    weekends)."""
    from zoneinfo import ZoneInfo

    from guichet.sla.engine import Facts
    from guichet.sla.services import engine_for

    execute("""CREATE TEMPORARY TABLE IF NOT EXISTS bench_day
        (brand_id bigint, day date, open_day boolean, PRIMARY KEY (brand_id, day))""")
    execute("""CREATE TEMPORARY TABLE IF NOT EXISTS bench_rule (brand_id bigint,
        contact_type text, category text, priority text, complexity text, channel text,
        open_day boolean, level int, kind text, rule text, target text, clock text)""")
    execute("""CREATE TEMPORARY TABLE IF NOT EXISTS bench_offset
        (brand_id bigint, rule text, dow int, hour int, seconds int,
         PRIMARY KEY (brand_id, rule, dow, hour))""")
    for table in ("bench_day", "bench_rule", "bench_offset"):
        execute(f"TRUNCATE {table}")
    for brand in brands:
        policy = brand.get_policy()
        engine = engine_for(brand)
        zone = ZoneInfo(policy.calendar.timezone)
        first = (NOW - timedelta(days=SPAN_DAYS + 5)).astimezone(zone).date()
        days = [first + timedelta(days=n) for n in range(SPAN_DAYS + 70)]
        opens = [engine.calendar.is_open_day(day) for day in days]
        execute(
            "INSERT INTO bench_day SELECT %s, d, o FROM unnest(%s::date[], %s::boolean[]) AS u(d, o)",
            [brand.pk, days, opens],
        )
        # A moment received on an open day and one on a closed day, for `received_on`.
        received = {
            is_open: datetime.combine(days[opens.index(is_open)], datetime.min.time(), zone)
            + timedelta(hours=12)
            for is_open in (True, False)
            if is_open in opens
        }
        chosen: list[tuple[Any, ...]] = []
        profiles = rows(
            """SELECT DISTINCT contact_type, category, priority, complexity, channel
            FROM tickets_ticket WHERE brand_id = %s""",
            [brand.pk],
        )
        for profile in profiles:
            for is_open, at in received.items():
                for level in range(1, len(policy.levels) + 1):
                    facts = Facts(at, *profile, level=level, level_started_at=at)
                    for kind in (*OPENING_KINDS, "level") if level == 1 else ("level",):
                        found = engine.rule_for(kind, facts)
                        if found is not None:
                            where, rule = found
                            chosen.append(
                                (
                                    *profile,
                                    is_open,
                                    level,
                                    kind,
                                    where,
                                    str(rule.target),
                                    rule.clock,
                                )
                            )
        if chosen:
            columns = list(zip(*chosen, strict=True))
            execute(
                """INSERT INTO bench_rule SELECT %s, * FROM unnest(%s::text[], %s::text[],
                %s::text[], %s::text[], %s::text[], %s::boolean[], %s::int[], %s::text[],
                %s::text[], %s::text[], %s::text[])""",
                [brand.pk, *(list(column) for column in columns)],
            )
        rules = dict(policy.deadline_rules)
        offsets = []
        for where in sorted({row[8] for row in chosen}):
            rule = rules[where]
            for dow in range(1, 8):
                for hour in range(24):
                    start = (
                        REFERENCE_MONDAY + timedelta(days=dow - 1, hours=hour, minutes=30)
                    ).replace(tzinfo=zone)
                    due = engine.add(rule.clock, start, rule.target)
                    offsets.append((where, dow, hour, int((due - start).total_seconds())))
        if offsets:
            columns = list(zip(*offsets, strict=True))
            execute(
                "INSERT INTO bench_offset SELECT %s, * FROM unnest(%s::text[], %s::int[], %s::int[], %s::int[])",
                [brand.pk, *(list(column) for column in columns)],
            )
    for table in ("bench_day", "bench_rule", "bench_offset"):
        execute(f"ANALYZE {table}")


# The moments of a ticket's life, drawn once per ticket (`s`), one after the other: the
# acknowledgement, the first staff reply (15 min to ~50 h, most within hours), the
# escalations (between the first reply and the end), a first closing and a reopening for
# 4 % of the closed, the replies until the answer, the outcomes (at level 1 and 2 too when
# the customer asked to go higher), the full answer.
STORY = """s AS MATERIALIZED (
    SELECT t.id, t.brand_id, t.reference, t.channel, t.contact_type, t.category, t.priority,
           t.complexity, t.language, t.contact_id, t.status, t.level,
           coalesce(t.assignee_id,
                    (%(staff)s::bigint[])[1 + (t.id %% cardinality(%(staff)s::bigint[]))::int]) AS agent,
           t.assignee_id, t.created_at AS c, t.closed_at AS closed,
           coalesce(t.closed_at, %(now)s) AS stop, t.abuse_flagged_at AS flagged,
           t.created_at AT TIME ZONE %(zone)s AS local,
           random() AS r_fr, random() AS r_e2, random() AS r_e3, random() AS r_t2,
           random() AS r_t3, random() AS r_reopen, random() AS r_k, random() AS r_full,
           random() AS r_outcome, random() AS r_survey, random() AS r_score,
           random() AS r_abuse, random() AS r_block, random() AS r_strike
    FROM tickets_ticket t
    WHERE t.brand_id = %(brand)s AND t.id > %(low)s AND t.id <= %(high)s
), m1 AS MATERIALIZED (
    SELECT s.*,
           CASE WHEN s.channel = ANY(%(acknowledging)s::text[])
                THEN least(s.stop, s.c + interval '1 minute') END AS ack,
           CASE WHEN s.status <> 'new' THEN s.c + least((s.stop - s.c) * 0.8,
                interval '1 minute' * 15 * power(200, power(s.r_fr, 1.3))) END AS fr,
           CASE WHEN s.r_t2 < 0.55 THEN 'agent' WHEN s.r_t2 < 0.8 OR NOT %(by_time)s
                THEN 'customer' ELSE 'time' END AS t2,
           CASE WHEN s.r_t3 < 0.55 THEN 'agent' WHEN s.r_t3 < 0.8 OR NOT %(by_time)s
                THEN 'customer' ELSE 'time' END AS t3,
           1 + (s.r_k < 0.4)::int + (s.r_k < 0.15)::int + (s.r_k < 0.05)::int AS k,
           s.contact_type = ANY(%(decided)s::text[]) AND s.closed IS NOT NULL AS decided
    FROM s
), m2 AS MATERIALIZED (
    SELECT m1.*, CASE WHEN m1.level >= 2 THEN coalesce(m1.fr, m1.c)
               + (m1.stop - coalesce(m1.fr, m1.c)) * (0.1 + 0.3 * m1.r_e2) END AS e2
    FROM m1
), m3 AS MATERIALIZED (
    SELECT m2.*, CASE WHEN m2.level >= 3 THEN m2.e2 + (m2.stop - m2.e2) * (0.2 + 0.4 * m2.r_e3)
               END AS e3,
           m2.closed IS NOT NULL AND m2.r_reopen < 0.04 AS reopened
    FROM m2
), m4 AS MATERIALIZED (
    SELECT m3.*,
           CASE WHEN reopened THEN moved + (stop - moved) * 0.5 ELSE closed END AS fc,
           CASE WHEN reopened THEN moved + (stop - moved) * 0.7 END AS ro,
           CASE WHEN decided THEN CASE WHEN r_outcome < 0.35 THEN 'upheld'
                WHEN r_outcome < 0.6 THEN 'partly_upheld' WHEN r_outcome < 0.9 THEN 'not_upheld'
                WHEN r_outcome < 0.95 THEN 'unresolved' ELSE 'withdrawn' END END AS outcome
    FROM m3 CROSS JOIN LATERAL (SELECT coalesce(m3.e3, m3.e2, m3.fr, m3.c) AS moved) l
), m5 AS MATERIALIZED (
    SELECT m4.*,
           CASE WHEN fc IS NOT NULL THEN greatest(fr, fc - interval '20 minutes')
                ELSE fr + (stop - fr) * 0.6 END AS reply_end,
           CASE WHEN contact_type = ANY(%(decided)s::text[]) AND t2 = 'customer'
                THEN greatest(coalesce(fr, c), e2 - interval '10 minutes') END AS o2,
           CASE WHEN contact_type = ANY(%(decided)s::text[]) AND t3 = 'customer'
                THEN greatest(e2, e3 - interval '10 minutes') END AS o3,
           CASE WHEN decided THEN greatest(coalesce(e3, e2, fr, c), fc - interval '10 minutes')
                END AS o_final
    FROM m4
), m AS MATERIALIZED (
    SELECT m5.*,
           fc IS NOT NULL AND r_full < 0.7 AS full_reply,
           least(o2, o_final, CASE WHEN fc IS NOT NULL AND r_full < 0.7
                 THEN CASE WHEN k = 1 THEN fr ELSE reply_end END END) AS fa
    FROM m5
)"""

# A ticket's deadlines: those planned at its opening (received on an open day or not), and
# the one of each level it reached, from when it got there until it left; met when its
# moment came (the reply, the answer, the closing), cancelled by a closing without it.
DEADLINES = """d AS MATERIALIZED (
    SELECT m.id, m.brand_id, r.kind, 0 AS level, r.rule, r.target, r.clock, m.c AS start,
           m.c + o.seconds * interval '1 second' AS due,
           CASE r.kind WHEN 'acknowledgement' THEN m.ack WHEN 'first_response' THEN m.fr
                WHEN 'full_answer' THEN m.fa ELSE m.fc END AS met,
           m.fc AS ends
    FROM m
    JOIN bench_day bd ON bd.brand_id = m.brand_id AND bd.day = m.local::date
    JOIN bench_rule r ON r.brand_id = m.brand_id AND r.contact_type = m.contact_type
         AND r.category = m.category AND r.priority = m.priority
         AND r.complexity = m.complexity AND r.channel = m.channel
         AND r.open_day = bd.open_day AND r.level = 1 AND r.kind <> 'level'
    JOIN bench_offset o ON o.brand_id = m.brand_id AND o.rule = r.rule
         AND o.dow = extract(isodow FROM m.local)::int AND o.hour = extract(hour FROM m.local)::int
    WHERE r.kind <> 'acknowledgement' OR m.ack IS NOT NULL
    UNION ALL
    SELECT m.id, m.brand_id, r.kind, v.level, r.rule, r.target, r.clock, v.start,
           v.start + o.seconds * interval '1 second', v.left_at, m.fc
    FROM m
    CROSS JOIN LATERAL (VALUES (1, m.c, coalesce(m.e2, m.fc)), (2, m.e2, coalesce(m.e3, m.fc)),
                               (3, m.e3, m.fc)) v(level, start, left_at)
    JOIN bench_day bd ON bd.brand_id = m.brand_id AND bd.day = m.local::date
    JOIN bench_rule r ON r.brand_id = m.brand_id AND r.contact_type = m.contact_type
         AND r.category = m.category AND r.priority = m.priority
         AND r.complexity = m.complexity AND r.channel = m.channel
         AND r.open_day = bd.open_day AND r.level = v.level AND r.kind = 'level'
    JOIN bench_offset o ON o.brand_id = m.brand_id AND o.rule = r.rule
         AND o.dow = extract(isodow FROM v.start AT TIME ZONE %(zone)s)::int
         AND o.hour = extract(hour FROM v.start AT TIME ZONE %(zone)s)::int
    WHERE v.start IS NOT NULL
)"""

_DEADLINE_DATA = """jsonb_build_object('kind', d.kind, 'level', d.level, 'due', d.due,
    'target', d.target, 'clock', d.clock, 'rule', d.rule, 'start', d.start)"""

# One row per event: (ticket, brand, verb, at, order among events of the same moment, the
# user, the customer or the label that acted, data). Replies and customer messages come
# from series over the ticket's replies.
EVENTS = f"""(
    SELECT id, brand_id, 'opened' AS verb, c AS at, 0 AS seq, NULL::bigint AS user_id,
           contact_id AS contact, '' AS label,
           jsonb_build_object('reference', reference, 'channel', channel,
               'contact_type', contact_type, 'category', category, 'priority', priority,
               'complexity', complexity, 'language', language, 'contact', contact_id,
               'team_id', coalesce((%(category_teams)s::bigint[])[array_position(%(categories)s::text[], category)],
                                   (%(level_teams)s::bigint[])[1]),
               'level', 1, 'acknowledge', true) AS data
    FROM m
    UNION ALL
    SELECT id, brand_id, 'deadline_set', start, 1, NULL, NULL, 'sla', {_DEADLINE_DATA} FROM d
    UNION ALL
    SELECT id, brand_id, 'deadline_breached', due, 3, NULL, NULL, 'sla',
           jsonb_build_object('kind', d.kind, 'level', d.level, 'due', d.due,
               'target', d.target, 'clock', d.clock, 'rule', d.rule)
    FROM d WHERE due < %(now)s AND due < coalesce(met, ends, 'infinity')
    UNION ALL
    SELECT id, brand_id, 'deadline_met', met, 3, NULL, NULL, 'sla',
           {_DEADLINE_DATA} || jsonb_build_object('met', met)
    FROM d WHERE met IS NOT NULL
    UNION ALL
    SELECT id, brand_id, 'deadline_cancelled', ends, 3, NULL, NULL, 'sla', {_DEADLINE_DATA}
    FROM d WHERE met IS NULL AND ends IS NOT NULL
    UNION ALL
    SELECT id, brand_id, 'replied', ack, 2, NULL, NULL, 'system',
           jsonb_build_object('automatic', true, 'letter', 'acknowledgement',
               'channel', channel, 'full_answer', false)
    FROM m WHERE ack IS NOT NULL
    UNION ALL
    SELECT id, brand_id, 'assigned', c + interval '5 minutes', 4, NULL, NULL, 'policy',
           jsonb_build_object('to', assignee_id)
    FROM m WHERE assignee_id IS NOT NULL AND c + interval '5 minutes' <= stop
    UNION ALL
    SELECT id, brand_id, 'replied',
           CASE WHEN i = 1 THEN fr ELSE fr + (reply_end - fr) * (i - 1) / (k - 1) END, 6,
           agent, NULL, '',
           jsonb_build_object('automatic', false, 'letter', '', 'channel', channel,
               'full_answer', full_reply AND i = k)
    FROM m CROSS JOIN LATERAL generate_series(1, k) i WHERE fr IS NOT NULL
    UNION ALL
    SELECT id, brand_id, 'message_received', fr + (reply_end - fr) * (i - 1.5) / (k - 1), 5,
           NULL, contact_id, CASE WHEN channel = 'email' THEN 'email' ELSE '' END, '{{}}'::jsonb
    FROM m CROSS JOIN LATERAL generate_series(2, k) i WHERE fr IS NOT NULL
    UNION ALL
    SELECT id, brand_id, 'escalated', e, 7,
           CASE WHEN trigger = 'agent' THEN agent END,
           CASE WHEN trigger = 'customer' THEN contact_id END,
           CASE WHEN trigger = 'time' THEN 'system' ELSE '' END,
           jsonb_build_object('from', level_to - 1, 'to', level_to,
               'level_key', (%(level_keys)s::text[])[level_to],
               'team', (%(team_keys)s::text[])[level_to],
               'team_id', (%(level_teams)s::bigint[])[level_to],
               'reason', '', 'trigger', trigger)
    FROM m CROSS JOIN LATERAL (VALUES (2, m.e2, m.t2), (3, m.e3, m.t3)) x(level_to, e, trigger)
    WHERE e IS NOT NULL
    UNION ALL
    SELECT id, brand_id, 'outcome_set', at, 6, agent, NULL, '',
           jsonb_build_object('level', at_level, 'outcome', value, 'previous', '', 'summary', '')
    FROM m CROSS JOIN LATERAL (VALUES (m.o2, 1, 'not_upheld'), (m.o3, 2, 'partly_upheld'),
                                      (m.o_final, m.level, m.outcome)) x(at, at_level, value)
    WHERE at IS NOT NULL
    UNION ALL
    SELECT id, brand_id, 'closed', at, 8, agent, NULL, '',
           jsonb_build_object('from', 'open', 'outcome', coalesce(outcome, ''), 'level', level,
               'summary', '')
    FROM m CROSS JOIN LATERAL (VALUES (m.fc), (CASE WHEN m.reopened THEN m.closed END)) x(at)
    WHERE at IS NOT NULL
    UNION ALL
    SELECT id, brand_id, verb, ro, seq, NULL, contact_id, '', data
    FROM m CROSS JOIN LATERAL (VALUES
        ('message_received', 5, '{{}}'::jsonb),
        ('reopened', 6, jsonb_build_object('from', 'closed', 'reason', 'customer_message'))
    ) x(verb, seq, data)
    WHERE ro IS NOT NULL
    UNION ALL
    SELECT id, brand_id, 'replied', ro + (closed - ro) * 0.5, 6, agent, NULL, '',
           jsonb_build_object('automatic', false, 'letter', '', 'channel', channel,
               'full_answer', true)
    FROM m WHERE ro IS NOT NULL
    UNION ALL
    SELECT id, brand_id, 'survey_answered',
           closed + interval '1 hour' * (2 + 280 * r_survey), 9, NULL, contact_id, '',
           jsonb_build_object('score', score, 'scale', %(scale)s,
               'not_satisfied', score <= %(not_satisfied)s, 'comment', '', 'level', level)
    FROM m CROSS JOIN LATERAL (SELECT %(scale)s - floor(power(r_score, 1.8) * %(scale)s)::int AS score) x
    WHERE closed IS NOT NULL AND r_survey < 0.25 AND contact_type = ANY(%(surveyed)s::text[])
    UNION ALL
    SELECT id, brand_id, 'abuse_flagged', at, 5, NULL, NULL, 'system',
           jsonb_build_object('reason', '', 'severity', 1 + id %% 3)
    FROM m CROSS JOIN LATERAL (SELECT coalesce(flagged, CASE WHEN closed IS NOT NULL
         AND r_abuse < 0.002 THEN c + interval '1 hour' END) AS at) x
    WHERE at IS NOT NULL
    UNION ALL
    SELECT id, brand_id, 'contact_blocked', at, 5, agent, NULL, '',
           jsonb_build_object('block', NULL, 'reason', '', 'by_policy', false)
    FROM m CROSS JOIN LATERAL (SELECT coalesce(flagged, c + interval '1 hour')
         + interval '1 day' AS at) x
    WHERE (flagged IS NOT NULL OR (closed IS NOT NULL AND r_abuse < 0.002))
      AND r_block < 0.2 AND at <= stop
    UNION ALL
    SELECT id, brand_id, 'ombudsman_referred', closed + interval '1 minute', 9, NULL, NULL,
           'policy', jsonb_build_object('ombudsman', %(ombudsman)s::text)
    FROM m WHERE %(ombudsman)s::text <> '' AND decided AND level = %(final)s
         AND outcome <> 'withdrawn'
    UNION ALL
    SELECT id, brand_id, 'strike_recorded', c + interval '2 days', 6, agent, NULL, '',
           jsonb_build_object('seller', NULL, 'strike', NULL, 'reason', 'late', 'count', 1,
               'threshold', 3)
    FROM m WHERE %(strikes)s AND r_strike < 0.005 AND c + interval '2 days' <= stop
) e WHERE e.at <= %(now)s ORDER BY e.id, e.at, e.seq"""


def events(plan: Any) -> None:
    """The events of the brand's tickets, slice by slice; within a ticket their ids follow
    their moments (one ordered INSERT per slice), as the rebuild replays them."""
    from bench.loading import insert_select
    from guichet.brands.models import Team
    from guichet.lib.scoping import all_brands
    from guichet.tickets.models import Event

    brand = plan.brand
    policy = brand.get_policy()
    with all_brands():
        teams = dict(Team.objects.filter(brand=brand).values_list("key", "pk"))
    levels = policy.levels
    params = {
        "brand": brand.pk,
        "now": NOW,
        "zone": policy.calendar.timezone,
        "staff": plan.staff_by_level[0],
        "acknowledging": [c.kind for c in policy.channels if c.acknowledge],
        "by_time": bool(policy.escalation.automatic),
        "decided": DECIDED_TYPES,
        "categories": [c.key for c in policy.categories],
        "category_teams": [teams.get(c.team) if c.team else None for c in policy.categories],
        "level_keys": [level.key for level in levels],
        "team_keys": [level.team or "" for level in levels],
        "level_teams": [teams.get(level.team) if level.team else None for level in levels],
        "scale": policy.survey.scale,
        "not_satisfied": policy.survey.not_satisfied_at_most,
        "surveyed": list(policy.survey.contact_types),
        "ombudsman": policy.text(policy.ombudsman.short_name, "en") if policy.ombudsman else "",
        "final": policy.final_level,
        "strikes": getattr(policy, "marketplace", None) is not None,
    }
    low, high = scalar_row(
        "SELECT min(id) - 1, max(id) FROM tickets_ticket WHERE brand_id = %s", [brand.pk]
    )
    for start in range(low, high, SLICE):
        began = time.perf_counter()
        execute("SELECT setseed(%s)", [(start % 1000) / 1000])
        made = insert_select(
            Event,
            {
                "brand_id": "e.brand_id",
                "ticket_id": "e.id",
                "verb": "e.verb",
                "actor_user_id": "e.user_id",
                "actor_contact_id": "e.contact",
                "actor_label": "e.label",
                "data": "e.data",
                "at": "e.at",
            },
            EVENTS,
            {**params, "low": start, "high": min(high, start + SLICE)},
            with_=f"{STORY}, {DEADLINES}",
        )
        print(
            f"    {brand.slug} tickets {start + 1:,}–{min(high, start + SLICE):,}: {made:,} events"
            f" ({time.perf_counter() - began:.0f} s)",
            flush=True,
        )


def sizes() -> None:
    from guichet.reports.models import TicketFact

    found = scalar_row(
        """SELECT (SELECT count(*) FROM tickets_ticket),
                  (SELECT count(*) FROM tickets_ticket WHERE status <> 'closed'),
                  (SELECT count(*) FROM tickets_event)"""
    )
    facts = TicketFact._base_manager.count()
    print(
        f"the benchmark database: {found[0]:,} tickets ({found[1]:,} open), {found[2]:,} events"
        f" ({found[2] / max(1, found[0]):.1f} a ticket), {facts:,} tickets in the read model"
    )
    counted = rows("SELECT verb, count(*) FROM tickets_event GROUP BY verb ORDER BY count(*) DESC")
    print("  " + ", ".join(f"{verb} {count:,}" for verb, count in counted))


# --- the measures ---------------------------------------------------------------------------


READ_MODEL = ("reports_ticketfact", "reports_levelfact", "reports_deadlinefact", "reports_tally")


def rebuild_figures() -> list[Figure]:
    """`guichet reports rebuild`: every event replayed into fresh figures.

    The read model's tables grow from nothing during a first rebuild. A server's autovacuum
    analyzes a table once a tenth of it is new (autovacuum_analyze_scale_factor); without
    that the planner, knowing nothing of them, deletes each chunk's old figures with a scan
    of the whole table, and the rebuild slows as the square of its size. Where autovacuum
    is off (test servers often run so) the bench analyzes them as it would, between
    chunks, in the time measured."""
    from guichet.reports.rebuild import rebuild

    autovacuum = scalar("SHOW autovacuum") == "on"
    print(
        "\nthe read model rebuilt from the events (guichet reports rebuild)"
        + ("" if autovacuum else "; autovacuum is off: its analyses made by the bench")
        + ":",
        flush=True,
    )
    shown = [0.0]
    analyzed = [0]

    def progress(done: int, total: int) -> None:
        if not autovacuum and done >= analyzed[0] * 1.1 + 5000:
            analyzed[0] = done
            for table in READ_MODEL:
                execute(f"ANALYZE {table}")
        if total and (done / total >= shown[0] + 0.1 or done == total):
            shown[0] = done / total
            print(f"    {done:,} of {total:,} events", flush=True)

    rebuilt = rebuild(progress=progress)
    for table in READ_MODEL:
        execute(f"VACUUM ANALYZE {table}")
    print(
        f"  {rebuilt.events:,} events of {rebuilt.tickets:,} tickets in {rebuilt.seconds:.0f} s:"
        f" {rebuilt.events_per_second:,.0f} events a second",
        flush=True,
    )
    return [Figure("reports rebuild", f"{rebuilt.events_per_second:,.0f} events/s")]


@contextmanager
def projector(mode: str, spent: list[float]) -> Iterator[None]:
    """The read model's projector for the block: unregistered ("off", the hot path without
    it), or timed ("timed": the seconds it takes are added to spent[0])."""
    from guichet.reports.apps import project  # what the app registers
    from guichet.tickets import reactions

    def timed(events: Any) -> None:
        started = time.perf_counter()
        project(events)
        spent[0] += time.perf_counter() - started

    saved = list(reactions._projectors)
    if mode == "off":
        reactions._projectors[:] = [p for p in saved if p is not project]
    else:
        reactions._projectors[:] = [timed if p is project else p for p in saved]
    try:
        yield
    finally:
        reactions._projectors[:] = saved


def hot_path_figures(database: str = "PostgreSQL") -> list[Figure]:
    """Tickets opened one by one with the projector and without it, in alternating rounds
    after a warm-up round of each."""
    from guichet.brands.models import Brand
    from guichet.contacts.models import Contact
    from guichet.lib.scoping import all_brands
    from guichet.reports.apps import project
    from guichet.tickets import reactions
    from guichet.tickets.models import Event
    from guichet.tickets.services import ticket_open

    assert project in reactions._projectors, "the reports app registers no projector"
    brand = Brand.objects.get(slug=HOT_BRAND)
    policy = brand.get_policy()
    category = policy.categories[0].key
    needed = (HOT_ROUNDS + 1) * 2 * HOT_TICKETS
    with all_brands():
        contacts = iter(Contact.objects.filter(brand=brand).order_by("-pk")[:needed])
    opened: dict[bool, list[int]] = {True: [], False: []}

    def round_(projecting: bool) -> float:
        started = time.perf_counter()
        for number in range(HOT_TICKETS):
            ticket = ticket_open(
                brand=brand,
                contact=next(contacts),
                contact_type="complaint",
                category=category,
                subject=f"Commande {number} jamais livrée",
                text="Bonjour, ma commande n'est jamais arrivée. Merci de me rembourser.",
                channel="web",
            )
            opened[projecting].append(ticket.pk)
        return time.perf_counter() - started

    spent = [0.0]

    def run(projecting: bool) -> float:
        with projector("timed" if projecting else "off", spent):
            return round_(projecting)

    print(
        f"\nthe hot path on {database}: tickets opened one by one (ticket_open, brand"
        f" {HOT_BRAND}, web form) in {HOT_ROUNDS} pairs of rounds of {HOT_TICKETS}, with the"
        " projector (A) and without (B), after a warm-up round of each",
        flush=True,
    )
    seconds: dict[bool, list[float]] = {True: [], False: []}
    run(True)
    run(False)
    opened[True].clear()
    opened[False].clear()
    spent[0] = 0.0
    for _ in range(HOT_ROUNDS):
        for projecting in (True, False):
            seconds[projecting].append(run(projecting))
    for projecting, name in ((True, "A"), (False, "B")):
        shown = " ".join(f"{HOT_TICKETS / s:.0f}" for s in seconds[projecting])
        print(f"  {name}, tickets a second per round: {shown}", flush=True)
    with_, without = (len(opened[p]) / sum(seconds[p]) for p in (True, False))
    ratio = with_ / without
    share = spent[0] / sum(seconds[True])
    with all_brands():
        events = Event.objects.filter(ticket_id__in=opened[True]).count()
    per_ticket = spent[0] * 1000 / len(opened[True])
    per_event = spent[0] * 1000 / events
    print(
        f"  A {with_:.1f} tickets/s, B {without:.1f} tickets/s: A/B {ratio:.3f},"
        f" {abs(1 - ratio) * 100:.1f} % {'fewer' if ratio < 1 else 'more'} with the projector"
        f" (the target: no more than {PROJECTOR_TARGET:.0%} fewer)"
        "\n  the projector, timed inside the transaction:"
        f" {per_ticket:.2f} ms a ticket ({share:.1%} of an opening's time),"
        f" {events / len(opened[True]):.1f} events a ticket, {per_event:.2f} ms an event",
        flush=True,
    )
    verdict = "ok" if ratio >= 1 - PROJECTOR_TARGET else "MISSED"
    return [
        Figure(
            f"ticket creation, {database}",
            f"{with_:.1f}/s with the projector, {without:.1f}/s without (A/B {ratio:.3f})",
            f"A/B >= {1 - PROJECTOR_TARGET:.2f}: {verdict}",
        ),
        Figure(
            f"projection, {database}",
            f"{per_event:.2f} ms an event, {per_ticket:.2f} ms a ticket ({share:.1%} of its time)",
        ),
    ]


def sqlite_hot_path() -> list[Figure]:
    """The hot path again on SQLite, in a child process of its own (settings hold one
    database): a fresh file, migrated, with the hot brand's preset and its customers."""
    folder = Path(os.environ.get("BENCH_DIR", tempfile.gettempdir()))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "guichet-bench-reports.sqlite3"
    for stale in folder.glob(f"{path.name}*"):
        stale.unlink()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    command = [sys.executable, str(Path(__file__).resolve()), "--sqlite-child"]
    done = subprocess.run(command, env=env, check=False, capture_output=True, text=True)
    shown, _, figures = done.stdout.partition("\nFIGURES\n")
    sys.stdout.write(shown)
    for stale in folder.glob(f"{path.name}*"):
        stale.unlink()
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit("the hot path on SQLite failed")
    # The child prints its figures last, one a line: label, value, target, tab-separated.
    return [Figure(*line.split("\t")) for line in figures.splitlines() if line]


def sqlite_child() -> None:
    import io

    from django.core.management import call_command

    from guichet.brands.models import Brand
    from guichet.contacts.services import contact_for_email

    print("\nSQLite: migrating a fresh database…", flush=True)
    call_command("migrate", verbosity=0)
    call_command("load_presets", HOT_BRAND, verbosity=0, stdout=io.StringIO())
    brand = Brand.objects.get(slug=HOT_BRAND)
    for number in range((HOT_ROUNDS + 1) * 2 * HOT_TICKETS):
        contact_for_email(brand=brand, email=f"client{number}@exemple.fr", language="fr")
    figures = hot_path_figures("SQLite")
    print("\nFIGURES")
    for figure in figures:
        print(f"{figure.label}\t{figure.value}\t{figure.target}")


# --- what people see: the dashboard, the review, an export ---------------------------------

REPORT_REQUESTS = int(os.environ.get("BENCH_REPORT_REQUESTS", "40"))
PDF_RUNS = int(os.environ.get("BENCH_PDF_RUNS", "3"))
VIEWER = "ej-director"  # sees the reports and may export (EJ's export_roles)
MONTH = "2026-10"  # the last whole month before the bench's NOW
DASHBOARD_TARGETS = {"a month": 300.0, "a year": 1000.0}
PDF_TARGET = 15.0
EXPORT_TARGET_MB = 200.0


def dashboard_figures() -> list[Figure]:
    """The dashboard (`/desk/reports/`) as EJ's director asks for it: October, and the last
    twelve months; p50 and p95 of REPORT_REQUESTS after the desk bench's warm-up, and the
    queries a page runs. The clock frozen at the bench's NOW."""
    from django.urls import reverse

    from bench import desk
    from guichet.brands.models import Brand
    from guichet.lib import clock

    brand = Brand.objects.get(slug=HOT_BRAND)
    url = f"{reverse('desk:reports')}?brand={brand.pk}"
    cases = [
        desk.Case("reports", "a month", VIEWER, [f"{url}&month={MONTH}"]),
        desk.Case("reports", "a year", VIEWER, [f"{url}&period=12m"]),
    ]
    print(
        f"\nthe dashboard, {HOT_BRAND}'s director ({VIEWER}): {REPORT_REQUESTS} requests after"
        f" {desk.WARM_UP} of warm-up; the clock at {NOW:%Y-%m-%d %H:%M} UTC",
        flush=True,
    )
    figures = []
    with desk.served(), clock.frozen(NOW):
        clients = {VIEWER: desk.client_for(VIEWER)}
        for case in cases:
            measured = desk.run_case(clients, case, REPORT_REQUESTS)
            target = DASHBOARD_TARGETS[case.label]
            verdict = "ok" if measured.p95 < target else "MISSED"
            print(
                f"  {case.label:<8} p50 {measured.p50:7.1f} ms   p95 {measured.p95:7.1f} ms"
                f"   {measured.queries} queries   ({case.urls[0]})",
                flush=True,
            )
            figures.append(
                Figure(
                    f"dashboard, {case.label}",
                    f"p50 {measured.p50:.0f} ms, p95 {measured.p95:.0f} ms,"
                    f" {measured.queries} queries",
                    f"p95 < {target:.0f} ms: {verdict}",
                )
            )
    return figures


def pdf_figures() -> list[Figure]:
    """EJ's review of October as PDF (what the desk's download and the worker's job make),
    PDF_RUNS times in this process: the first loads WeasyPrint and its fonts."""
    from datetime import date

    from guichet.brands.models import Brand
    from guichet.lib import clock
    from guichet.reports.review import review_pdf
    from guichet.reports.tests.pdf import ensure_pdf_libraries

    ensure_pdf_libraries()  # as the test set-up does: Pango, a font, HarfBuzz's subsetter
    brand = Brand.objects.get(slug=HOT_BRAND)
    year, month = (int(part) for part in MONTH.split("-"))
    print(f"\nthe review of {MONTH} as PDF ({HOT_BRAND}), {PDF_RUNS} times:", flush=True)
    times = []
    with clock.frozen(NOW):
        for _ in range(PDF_RUNS):
            started = time.perf_counter()
            pdf = review_pdf(brand, date(year, month, 1))
            times.append(time.perf_counter() - started)
            print(f"  {times[-1]:.1f} s, {len(pdf) / 1000:.0f} kB", flush=True)
    worst = max(times)
    verdict = "ok" if worst < PDF_TARGET else "MISSED"
    later = f", then {min(times[1:]):.1f} s" if len(times) > 1 else ""
    return [
        Figure(
            "review PDF, a month",
            f"{times[0]:.1f} s the first (WeasyPrint loaded){later}",
            f"< {PDF_TARGET:.0f} s: {verdict}",
        )
    ]


def export_figures() -> list[Figure]:
    """Every ticket of EJ over the bench's three years as CSV through the desk
    (`/desk/reports/export/tickets.csv`), read to the end in a child process of its own: its
    peak resident memory beside the same export of a day without tickets (the baseline:
    Django started and a page answered)."""
    import json

    first = (NOW - timedelta(days=SPAN_DAYS + 2)).date()
    kinds = {
        "baseline": {"start": "2001-01-01", "end": "2001-01-02"},
        "every ticket": {
            "start": first.isoformat(),
            "end": (NOW + timedelta(days=1)).date().isoformat(),
        },
    }
    print(f"\nthe tickets of {HOT_BRAND} as CSV through the desk, each in a process of its own:")
    peaks = {}
    for kind, params in kinds.items():
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--export-child",
            json.dumps(params),
        ]
        done = subprocess.run(command, check=False, capture_output=True, text=True)
        if done.returncode:
            sys.stderr.write(done.stderr)
            raise SystemExit(f"the export ({kind}) failed")
        measured = json.loads(done.stdout.strip().splitlines()[-1])
        peaks[kind] = measured["peak_mb"]
        print(
            f"  {kind:<13} peak {measured['peak_mb']:5.0f} MB  {measured['seconds']:6.1f} s"
            f"  {measured['bytes'] / 1e6:7.1f} MB sent",
            flush=True,
        )
    verdict = "ok" if peaks["every ticket"] < EXPORT_TARGET_MB else "MISSED"
    return [
        Figure(
            "CSV export, every ticket",
            f"peak {peaks['every ticket']:.0f} MB (baseline {peaks['baseline']:.0f} MB)",
            f"< {EXPORT_TARGET_MB:.0f} MB: {verdict}",
        )
    ]


def export_child(params: str) -> None:
    import json

    from bench import desk
    from bench.export_memory import export_peak

    with desk.served():
        client = desk.client_for(VIEWER)
        print(json.dumps(export_peak(client, "csv", json.loads(params))))


MEASURES: dict[str, Measure] = {
    "hot-path": hot_path_figures,
    "sqlite": sqlite_hot_path,
    "dashboard": dashboard_figures,
    "pdf": pdf_figures,
    "export": export_figures,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reload", action="store_true", help="make the database again")
    parser.add_argument(
        "--no-rebuild", action="store_true", help="keep the read model as the last run left it"
    )
    parser.add_argument("--no-sqlite", action="store_true", help="the hot path on PostgreSQL only")
    parser.add_argument(
        "--only",
        default=",".join(MEASURES),
        help=f"the measures to take, comma-separated (default: {','.join(MEASURES)})",
    )
    parser.add_argument("--sqlite-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--export-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    if unknown := set(chosen) - set(MEASURES):
        parser.error(f"--only: unknown {', '.join(sorted(unknown))}; one of {', '.join(MEASURES)}")
    if args.sqlite_child or args.export_child:
        import django

        django.setup()
        if args.export_child:
            export_child(args.export_child)
        else:
            sqlite_child()
        return
    ready = labelled_database(os.environ["DATABASE_URL"], _label(), reload=args.reload)
    import django

    django.setup()
    figures: list[Figure] = []
    if ready:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        sizes()
        if not args.no_rebuild:
            figures += rebuild_figures()
    else:
        figures += load()
        sizes()
    for name in chosen:
        if not (args.no_sqlite and name == "sqlite"):
            figures += MEASURES[name]()
    print(f"\nbench-reports, {TICKETS:,} tickets" + (" (smoke size: not judged)" if SMOKE else ""))
    for figure in figures:
        print(f"  {figure.label:<34} {figure.value:<66} {figure.target}".rstrip())


if __name__ == "__main__":
    main()
