"""make bench-desk: the agent desk at scale, on PostgreSQL.

1. A database `guichet_bench_desk`, migrated from scratch, with the five preset brands and
   their demo staff (plus more agents), then 1,000,000 tickets, 3,000,000 messages,
   300,000 customers with their addresses, the tickets' deadlines and events, made with
   set-based SQL (generate_series; the search triggers paused, the index rebuilt once at
   the end) and ANALYZEd. Made once: later runs reuse it when it has the size asked for
   (`--reload` makes it again).
2. Server time (Django's test client, in this process) of every inbox view as an agent,
   a team lead, a director and a superuser, with other sorts, filters and pages; of the
   ticket page; of search. p50 and p95 over BENCH_REQUESTS requests (default 200) after a
   warm-up (BENCH_WARM_UP requests, default 10), and the queries each page runs, counted for lists of 25 and 100 rows and for
   tickets of 3 and 50 messages to show that the count does not grow with them.

Targets (issue 5): inbox and ticket page p95 under 100 ms, search p95 under 300 ms, on a
2-core machine. Prints figures; asserts nothing about durations. DATABASE_URL overrides
the database; BENCH_TICKETS the size (messages 3×, customers 0.3×; `make bench-smoke`
runs it with 1,000 and one request per page).
"""

from __future__ import annotations

import argparse
import html
import io
import os
import random
import re
import statistics
import sys
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/guichet_bench_desk")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from bench.loading import (  # noqa: E402 - after the path and the settings
    execute,
    labelled_database,
    mark_loaded,
    rows,
    scalar,
    scalar_row,
    step,
)

TICKETS = int(os.environ.get("BENCH_TICKETS", "1000000"))
CONTACTS = TICKETS * 3 // 10
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "200"))
WARM_UP = int(os.environ.get("BENCH_WARM_UP", "10"))
# The data is made relative to this moment, and the desk is measured with the clock frozen
# at it, so "breaching soon" and "breached" hold the same tickets on every run.
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SPAN_DAYS = 3 * 365
# Tickets sampled for the ticket page and search: one id in 997 (one in a few at a smoke
# run's size, so the sample is never empty).
SAMPLE_STEP = min(997, max(2, TICKETS // 1000))
# Bumped when the data made here changes: a database made by another version is made again.
DATASET_VERSION = 1
SHARES = {"ej": 0.30, "jamla24": 0.30, "respect": 0.15, "jive": 0.15, "ivoire-toner": 0.10}
# Staff added to each brand besides the demo people (guichet.demo.loader.STAFF).
EXTRA_STAFF = {"agent": 20, "team_lead": 2, "investigator": 3, "director": 1}
# A word only a handful of messages hold (about 1 in 200,000), for the rare-word search.
RARE_WORD = "zygomorphe"
INBOX_TARGET_MS = 100
SEARCH_TARGET_MS = 300


# --- the database ---------------------------------------------------------------------------


def _label() -> str:
    return f"guichet bench-desk v{DATASET_VERSION} tickets={TICKETS}"


def database_ready(reload: bool) -> bool:
    """Create the database if needed (dropped first with --reload); whether it already
    holds the data asked for."""
    return labelled_database(os.environ["DATABASE_URL"], _label(), reload=reload)


def rebuild_search_index() -> None:
    from django.core.management import call_command

    from guichet.search.maintenance import rebuild

    # The index is empty here (its triggers were paused): its tables and functions are made
    # again from the search app's migration as it is now, then filled in one pass.
    call_command("migrate", "search", "zero", verbosity=0)
    call_command("migrate", "search", verbosity=0)
    rebuild(using="default")


# --- what people write ----------------------------------------------------------------------

WORDS = {
    "fr": (
        "colis livraison facture remboursement commande retard abîmé cassé reçu envoyé "
        "adresse paiement carte bancaire prélèvement virement compte connexion mot passe "
        "produit article taille couleur échange retour vendeur boutique livreur transporteur "
        "suivi numéro référence semaine jour hier aujourd'hui demain mois délai réponse "
        "service client conseiller téléphone message courriel site application erreur "
        "problème solution annulation abonnement tarif prix promotion réduction garantie "
        "réparation pièce manquante emballage déchiré photo preuve ticket caisse magasin "
        "imprimante cartouche toner encre papier bourrage installation pilote logiciel "
        "voyage réservation vol hôtel chambre bagage galerie annonce tableau œuvre artiste "
        "rapidement vraiment toujours jamais encore déjà depuis malgré pourtant cependant "
        "inacceptable décevant satisfait mécontent urgent important possible nécessaire "
        "merci bonjour madame monsieur cordialement attends souhaite voudrais demande "
        "rembourser annuler modifier vérifier confirmer expliquer transmettre relancer "
        "reçu débité facturé livré perdu égaré bloqué suspendu fermé ouvert disponible"
    ).split(),
    "en": (
        "parcel delivery invoice refund order delay damaged broken received sent address "
        "payment card bank charge transfer account login password product item size colour "
        "exchange return seller shop courier carrier tracking number reference week day "
        "yesterday today tomorrow month answer customer service advisor phone message email "
        "website app error problem solution cancellation subscription price discount "
        "warranty repair missing part packaging torn photo proof receipt store printer "
        "cartridge toner ink paper jam installation driver software travel booking flight "
        "hotel room luggage gallery listing painting artwork artist quickly really always "
        "never still already since despite however unacceptable disappointing satisfied "
        "unhappy urgent important possible necessary thanks hello madam sir regards waiting "
        "would like request cancel change check confirm explain forward chase charged "
        "billed delivered lost stuck suspended closed open available"
    ).split(),
}

GREETINGS = {
    "fr": ["Bonjour,", "Madame, Monsieur,", "Bonsoir,", "Bonjour à vous,"],
    "en": ["Hello,", "Dear Sir or Madam,", "Hi,", "Good morning,"],
}
SIGN_OFFS = {
    "fr": ["Cordialement.", "Merci d'avance.", "Bien à vous.", "Dans l'attente de votre réponse."],
    "en": [
        "Best regards.",
        "Thanks in advance.",
        "Kind regards.",
        "Looking forward to hearing from you.",
    ],
}


def sentences(rng: random.Random, lang: str, count: int) -> list[str]:
    """Sentences of the language's words (with the demo's own lines among them)."""
    from guichet.demo import content

    lines = [
        line.strip()
        for kinds in content.MESSAGES.values()
        for _subject, body in kinds.get(lang, [])
        for line in body.splitlines()
        if len(line.strip()) > 30
    ]
    made = []
    for index in range(count):
        if index % 5 == 0 and lines:
            made.append(rng.choice(lines).replace("{thing}", rng.choice(WORDS[lang])))
            continue
        words = rng.choices(WORDS[lang], k=rng.randint(7, 16))
        made.append(" ".join(words).capitalize() + rng.choice([".", ".", ".", " ?", " !"]))
    return [s.replace("{ref}", f"CMD-{rng.randint(100000, 999999)}") for s in made]


def subjects(lang: str, things: list[str]) -> list[str]:
    from guichet.demo import content

    templates = [s for kinds in content.MESSAGES.values() for s, _body in kinds.get(lang, [])]
    return [t.replace("{thing}", thing) for t in templates for thing in things]


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(c for c in plain if c.isalnum() or c == "-")


# --- the load -------------------------------------------------------------------------------


@dataclass
class BrandPlan:
    brand: Any
    tickets: int
    contacts: int
    first_contact: int = 0
    staff_by_level: list[list[int]] | None = None
    team_by_level: list[int | None] | None = None


def queue_ranks() -> None:
    """The rank the services give a ticket (the policy's first categories ahead), set for
    the tickets inserted by SQL above."""
    from guichet.brands.models import Brand
    from guichet.lib.scoping import all_brands
    from guichet.tickets.services import tickets_rerank

    with all_brands():
        for brand in Brand.objects.filter(policy__isnull=False):
            tickets_rerank(brand=brand, policy=brand.get_policy())


def load() -> None:
    from django.core.management import call_command

    from guichet.search.maintenance import triggers_paused

    started = time.perf_counter()
    print(f"making the benchmark database: {TICKETS:,} tickets (this takes a while)", flush=True)
    with step("migrate"):
        call_command("migrate", verbosity=0)
    with step("the five preset brands and their staff"):
        plans = people()
    execute("SET synchronous_commit = off")
    execute("SET maintenance_work_mem = '512MB'")
    execute("SET work_mem = '64MB'")
    with triggers_paused():
        with step(f"{CONTACTS:,} customers with their addresses"):
            customers(plans)
        with step(f"{TICKETS:,} tickets"):
            for plan in plans:
                tickets(plan)
        counters()
        print("  messages and their events, by slices of 100,000 tickets:", flush=True)
        messages_and_events()
        with step("heavy tickets (50 and 300 messages)"):
            heavy_tickets()
        with step("deadlines, assignment and closing events"):
            deadlines_and_events()
        with step("queue ranks from each brand's policy"):
            queue_ranks()
    with step("search index rebuild"):
        rebuild_search_index()
    with step("VACUUM ANALYZE"):
        for table in [
            "contacts_contact",
            "contacts_contactemail",
            "tickets_ticket",
            "tickets_message",
            "tickets_event",
            "sla_deadline",
            "search_document",
        ]:
            execute(f"VACUUM ANALYZE {table}")
    mark_loaded(os.environ["DATABASE_URL"], _label())
    print(f"  loaded in {(time.perf_counter() - started) / 60:.1f} min", flush=True)


def people() -> list[BrandPlan]:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from guichet.accounts.models import Membership, Role, User
    from guichet.brands.models import Brand, Team
    from guichet.demo import content
    from guichet.demo.loader import ensure_people, ensure_superuser
    from guichet.lib.scoping import all_brands

    call_command("load_presets", verbosity=0, stdout=io.StringIO())
    ensure_superuser()
    rng = random.Random(5)  # noqa: S311 - made-up data, not a secret
    password = make_password("bench-desk")
    plans = []
    with all_brands():
        for slug, share in SHARES.items():
            brand = Brand.objects.get(slug=slug)
            policy = brand.get_policy()
            ensure_people(brand, policy)
            teams = {t.key: t for t in Team.objects.filter(brand=brand)}
            level_team = [teams.get(level.team) for level in policy.levels]
            for role, count in EXTRA_STAFF.items():
                for number in range(1, count + 1):
                    username = f"{slug}-{role.replace('_', '')}-{number:02d}"
                    lang = "fr" if number % 3 else "en"
                    user, _created = User.objects.get_or_create(
                        username=username,
                        defaults={
                            "password": password,
                            "first_name": rng.choice(content.FIRST_NAMES[lang]),
                            "last_name": rng.choice(content.LAST_NAMES[lang]),
                            "email": f"{username}@staff.guichet.example",
                        },
                    )
                    membership, _ = Membership.objects.get_or_create(
                        user=user, brand=brand, defaults={"role": role}
                    )
                    # Investigators work at level 2, directors at the last, others at 1.
                    index = {"investigator": 1, "director": len(level_team) - 1}.get(role, 0)
                    team = level_team[min(index, len(level_team) - 1)]
                    if team is not None:
                        membership.teams.add(team)
            memberships = Membership.objects.filter(brand=brand, is_active=True)
            staff_by_level = []
            for level in policy.levels:
                roles = set(level.handled_by) - {Role.MANAGER, Role.ADMIN}
                ids = sorted(m.user_id for m in memberships if m.role in roles)
                staff_by_level.append(ids or sorted(m.user_id for m in memberships))
            plans.append(
                BrandPlan(
                    brand=brand,
                    tickets=round(TICKETS * share),
                    contacts=round(CONTACTS * share),
                    staff_by_level=staff_by_level,
                    team_by_level=[t.pk if t else None for t in level_team],
                )
            )
    plans[0].tickets += TICKETS - sum(p.tickets for p in plans)
    return plans


def customers(plans: list[BrandPlan]) -> None:
    from bench.loading import insert_select
    from guichet.contacts.models import Contact, ContactEmail
    from guichet.demo import content

    # The names' accented letters and their plain forms, for the addresses.
    letters = sorted(
        {
            c
            for names in (*content.FIRST_NAMES.values(), *content.LAST_NAMES.values())
            for name in names
            for c in name
            if not c.isascii()
        }
    )
    accented = "".join(letters)
    plain = "".join((_ascii(c) or "x")[0] for c in letters)
    for plan in plans:
        execute("SELECT setseed(0.17)")
        # A contact's language follows g (13 in 20 French); its tickets are written in it.
        insert_select(
            Contact,
            {
                "brand_id": "%(brand)s",
                "name": """CASE WHEN g %% 20 < 13
                    THEN (%(first_fr)s::text[])[1 + floor(random() * cardinality(%(first_fr)s::text[]))::int]
                         || ' ' || (%(last_fr)s::text[])[1 + floor(random() * cardinality(%(last_fr)s::text[]))::int]
                    ELSE (%(first_en)s::text[])[1 + floor(random() * cardinality(%(first_en)s::text[]))::int]
                         || ' ' || (%(last_en)s::text[])[1 + floor(random() * cardinality(%(last_en)s::text[]))::int]
                    END""",
                "language": "CASE WHEN g %% 20 < 13 THEN 'fr' ELSE 'en' END",
                "created_at": "%(now)s - random() * interval '1100 days'",
                "updated_at": "%(now)s",
            },
            "generate_series(1, %(n)s) g ORDER BY g",
            {
                "brand": plan.brand.pk,
                "first_fr": content.FIRST_NAMES["fr"],
                "last_fr": content.LAST_NAMES["fr"],
                "first_en": content.FIRST_NAMES["en"],
                "last_en": content.LAST_NAMES["en"],
                "now": NOW,
                "n": plan.contacts,
            },
        )
        # One statement numbers its rows in a row: the brand's customers are a range of ids.
        low, high = scalar_row(
            "SELECT min(id), max(id) FROM contacts_contact WHERE brand_id = %s", [plan.brand.pk]
        )
        assert high - low + 1 == plan.contacts, "customer ids are not contiguous"
        plan.first_contact = low
        # One address each (the id keeps it unique in the brand), a second for one in ten.
        addresses = {
            "brand": plan.brand.pk,
            "low": plan.first_contact,
            "accented": accented,
            "unaccented": plain,
        }
        insert_select(
            ContactEmail,
            {
                "brand_id": "c.brand_id",
                "contact_id": "c.id",
                "address": "regexp_replace(lower(translate(c.name, %(accented)s, %(unaccented)s)), "
                "'[^a-z0-9]+', '.', 'g') || '.' || c.id "
                "|| CASE WHEN c.language = 'fr' THEN '@exemple.fr' ELSE '@example.com' END",
                "is_primary": "true",
            },
            "contacts_contact c WHERE c.brand_id = %(brand)s AND c.id >= %(low)s",
            addresses,
        )
        insert_select(
            ContactEmail,
            {
                "brand_id": "c.brand_id",
                "contact_id": "c.id",
                "address": "'c' || c.id || '@mail.example'",
                "is_primary": "false",
            },
            "contacts_contact c WHERE c.brand_id = %(brand)s AND c.id >= %(low)s AND c.id %% 10 = 3",
            addresses,
        )


def _weighted(values: list[str], weights: dict[str, int], default: int = 1) -> list[str]:
    return [v for v in values for _ in range(weights.get(v, default))]


def tickets(plan: BrandPlan) -> None:
    """The brand's tickets over the last three years, oldest first: about 70% of the last
    quarter still open and 3% of the rest (20% in all); references numbered per year in
    the brand's time zone, as references.py draws them."""
    from bench.loading import insert_select
    from guichet.tickets.models import Ticket

    brand = plan.brand
    policy = brand.get_policy()
    rng = random.Random(brand.slug)  # noqa: S311 - made-up data, not a secret
    types = _weighted(
        [t.type for t in policy.contact_types],
        {"question": 8, "complaint": 5, "service_request": 4, "return_refund": 3},
    )
    categories = [c.key for c in policy.categories]
    channels = _weighted(
        list(dict.fromkeys(c.kind for c in policy.channels)),
        {"email": 12, "web": 4, "chat": 2, "phone": 2},
    )
    things = [policy.text(c.name, "fr") for c in policy.categories]
    things_en = [policy.text(c.name, "en") for c in policy.categories]
    levels = len(policy.levels)
    assert plan.staff_by_level is not None and plan.team_by_level is not None
    staff = plan.staff_by_level + [plan.staff_by_level[-1]] * (3 - levels)
    teams = plan.team_by_level + [plan.team_by_level[-1]] * (3 - levels)
    rng.shuffle(categories)
    execute("SELECT setseed(%s)", [rng.random()])
    insert_select(
        Ticket,
        {
            "brand_id": "%(brand)s",
            "reference": "%(prefix)s || '-' || yy || '-' "
            "|| to_char(row_number() OVER (PARTITION BY yy ORDER BY g), 'FM9999900000')",
            "contact_type": "(%(types)s::text[])[1 + floor(r_type * cardinality(%(types)s::text[]))::int]",
            "category": "(%(categories)s::text[])"
            "[1 + floor(r_category * r_category * cardinality(%(categories)s::text[]))::int]",
            "priority": """CASE WHEN r_priority < 0.05 THEN 'urgent' WHEN r_priority < 0.2 THEN 'high'
                WHEN r_priority < 0.9 THEN 'normal' ELSE 'low' END""",
            "complexity": "CASE WHEN r_level * 7 - floor(r_level * 7) < 0.3 THEN 'complex' ELSE 'simple' END",
            "status": "status",
            "level": "level",
            "channel": "(%(channels)s::text[])[1 + floor(r_channel * cardinality(%(channels)s::text[]))::int]",
            "subject": """replace(CASE WHEN lang = 'fr'
                    THEN (%(subjects_fr)s::text[])[1 + floor(r_subject * cardinality(%(subjects_fr)s::text[]))::int]
                    ELSE (%(subjects_en)s::text[])[1 + floor(r_subject * cardinality(%(subjects_en)s::text[]))::int]
                END, '{ref}', 'CMD-' || (100000 + g::bigint * 7919 %% 900000))""",
            "language": "lang",
            "contact_id": "contact",
            "assignee_id": """CASE WHEN status = 'closed' OR r_assigned < 0.75 THEN
                CASE level WHEN 1 THEN (%(staff1)s::bigint[])[1 + floor(r_who * cardinality(%(staff1)s::bigint[]))::int]
                           WHEN 2 THEN (%(staff2)s::bigint[])[1 + floor(r_who * cardinality(%(staff2)s::bigint[]))::int]
                           ELSE (%(staff3)s::bigint[])[1 + floor(r_who * cardinality(%(staff3)s::bigint[]))::int] END
                END""",
            "team_id": "(%(teams)s::bigint[])[level]",
            "created_at": "created",
            "updated_at": """CASE WHEN status = 'closed' THEN least(%(now)s, created + interval '1 day' * (1 + r_due * 10))
                ELSE least(%(now)s, created + interval '1 hour' * (1 + r_due * 48)) END""",
            "closed_at": "CASE WHEN status = 'closed' "
            "THEN least(%(now)s, created + interval '1 day' * (1 + r_due * 10)) END",
            "level_started_at": "created",
            "revision": "3",
            "acknowledged_at": "created + interval '1 minute'",
            "first_responded_at": "CASE WHEN status <> 'new' THEN least(%(now)s, created + interval '2 hours') END",
            "answered_at": "CASE WHEN status = 'closed' "
            "THEN least(%(now)s, created + interval '1 day' * (1 + r_due * 10)) END",
            "last_update_at": "CASE WHEN status <> 'new' THEN least(%(now)s, created + interval '2 hours') END",
            "next_due_at": """CASE WHEN status IN ('new', 'open', 'waiting_third_party')
                THEN %(now)s + interval '1 minute' * floor((r_due * 10 - 2) * 1440) END""",
            "abuse_flagged_at": "CASE WHEN status <> 'closed' AND r_abuse < 0.003 "
            "THEN created + interval '1 hour' END",
        },
        "u ORDER BY g",
        with_="""s AS MATERIALIZED (
            SELECT g, random() AS r_status, random() AS r_sub, random() AS r_level,
                   random() AS r_assigned, random() AS r_who, random() AS r_priority,
                   random() AS r_due, random() AS r_category, random() AS r_contact,
                   random() AS r_channel, random() AS r_type, random() AS r_subject,
                   random() AS r_jitter, random() AS r_abuse
            FROM generate_series(1, %(n)s) g
        ), t AS MATERIALIZED (
            SELECT s.*,
                   %(now)s - interval '1 day' * %(span)s * ((%(n)s - g + r_jitter) / %(n)s::float) AS created,
                   %(first_contact)s + floor(r_contact * %(contacts)s)::bigint AS contact,
                   CASE WHEN (g > 0.75 * %(n)s AND r_status < 0.7) OR (g <= 0.75 * %(n)s AND r_status < 0.033)
                        THEN CASE WHEN r_sub < 0.15 THEN 'new' WHEN r_sub < 0.7 THEN 'open'
                                  WHEN r_sub < 0.9 THEN 'waiting_customer' ELSE 'waiting_third_party' END
                        ELSE 'closed' END AS status,
                   least(%(levels)s, CASE WHEN r_level < 0.85 THEN 1 WHEN r_level < 0.97 THEN 2 ELSE 3 END) AS level
            FROM s
        ), u AS (
            SELECT t.*,
                   CASE WHEN (contact - %(first_contact)s + %(first_contact)s) %% 20 < 13 THEN 'fr' ELSE 'en' END AS lang,
                   to_char(created AT TIME ZONE %(zone)s, 'YY') AS yy
            FROM t
        )""",
        params={
            "n": plan.tickets,
            "now": NOW,
            "span": SPAN_DAYS,
            "first_contact": plan.first_contact,
            "contacts": plan.contacts,
            "levels": levels,
            "zone": brand.timezone,
            "brand": brand.pk,
            "prefix": brand.reference_prefix,
            "types": types,
            "categories": categories,
            "channels": channels,
            "subjects_fr": subjects("fr", things),
            "subjects_en": subjects("en", things_en),
            "staff1": staff[0],
            "staff2": staff[1],
            "staff3": staff[2],
            "teams": teams,
        },
    )


def counters() -> None:
    """The reference counters where the generated references end, so that a ticket opened
    on the benchmark database gets the next number."""
    from bench.loading import insert_select
    from guichet.tickets.models import ReferenceCounter

    insert_select(
        ReferenceCounter,
        {
            "brand_id": "brand_id",
            "year": "2000 + split_part(reference, '-', 2)::int",
            "last": "max(split_part(reference, '-', 3)::int)",
        },
        "tickets_ticket GROUP BY brand_id, split_part(reference, '-', 2)",
        suffix="ON CONFLICT (brand_id, year) DO UPDATE "
        "SET last = greatest(tickets_referencecounter.last, excluded.last)",
    )


# How many messages a ticket has: from its id, 1 to 7 (about 3 on average).
MESSAGE_COUNT = """
CASE WHEN {h} < 0.20 THEN 1 WHEN {h} < 0.42 THEN 2 WHEN {h} < 0.67 THEN 3
     WHEN {h} < 0.84 THEN 4 WHEN {h} < 0.94 THEN 5 ELSE 7 END
""".format(h="((t.id * 2654435761) %% 4294967296) / 4294967296.0")

# Messages `first` to `last` of the tickets `where` selects: what is drawn for each, then
# the message made of it.
MESSAGES_DRAWN = """m AS MATERIALIZED (
    SELECT t.id AS ticket_id, t.brand_id, t.channel, t.language, t.subject, t.contact_id,
           t.assignee_id, t.created_at AS opened, i,
           floor(random() * %(pool)s)::int AS n1, floor(random() * %(pool)s)::int AS n2,
           floor(random() * %(pool)s)::int AS n3,
           CASE WHEN random() < 0.5 THEN floor(random() * %(pool)s)::int END AS n4,
           1 + floor(random() * 4)::int AS hello, 1 + floor(random() * 4)::int AS bye,
           random() AS r_note, random() < %(rare)s AS rare, floor(random() * 300) AS minutes
    FROM tickets_ticket t
    CROSS JOIN LATERAL generate_series({first}, {last}) i
    WHERE {where}
)"""

MESSAGE_VALUES = {
    "brand_id": "m.brand_id",
    "ticket_id": "m.ticket_id",
    "direction": "CASE WHEN i %% 2 = 1 THEN 'in' ELSE 'out' END",
    "channel": "m.channel",
    "is_internal": "i %% 2 = 0 AND r_note < 0.05",
    "is_automatic": "false",
    "author_user_id": "CASE WHEN i %% 2 = 0 THEN m.assignee_id END",
    "author_contact_id": "CASE WHEN i %% 2 = 1 THEN m.contact_id END",
    "subject": "CASE WHEN i = 1 THEN m.subject ELSE '' END",
    "text": """CASE WHEN m.language = 'fr' THEN (%(greet_fr)s::text[])[hello] ELSE (%(greet_en)s::text[])[hello] END
       || E'\\n\\n' || s1.body || ' ' || s2.body || ' ' || s3.body || coalesce(' ' || s4.body, '')
       || CASE WHEN rare THEN ' ' || %(rare_word)s ELSE '' END || E'\\n\\n'
       || CASE WHEN m.language = 'fr' THEN (%(bye_fr)s::text[])[bye] ELSE (%(bye_en)s::text[])[bye] END""",
    "language": "m.language",
    "external_id": "CASE WHEN i %% 2 = 1 AND m.channel = 'email' "
    "THEN '<' || m.ticket_id || '.' || i || '@mail.example>' ELSE '' END",
    "created_at": "least(%(now)s, opened + interval '1 minute' * ((i - 1) * 420 + minutes))",
}

MESSAGES_FROM = """m
JOIN bench_sentence s1 ON s1.lang = m.language AND s1.n = m.n1
JOIN bench_sentence s2 ON s2.lang = m.language AND s2.n = m.n2
JOIN bench_sentence s3 ON s3.lang = m.language AND s3.n = m.n3
LEFT JOIN bench_sentence s4 ON s4.lang = m.language AND s4.n = m.n4
ORDER BY m.ticket_id, i"""


def insert_messages(first: int | str, last: int | str, where: str, params: dict[str, Any]) -> int:
    """Messages `first` to `last` (numbers or SQL of the ticket `t`) of the tickets that
    `where` selects; the parameters are _text_params()'s."""
    from bench.loading import insert_select
    from guichet.tickets.models import Message

    return insert_select(
        Message,
        MESSAGE_VALUES,
        MESSAGES_FROM,
        params,
        with_=MESSAGES_DRAWN.format(first=first, last=last, where=where),
    )


def insert_message_events(*, opened: bool, after: int, upto: int) -> None:
    """One event per message of ids after `after` up to `upto` (`opened`: the first
    message of each ticket opened it)."""
    from bench.loading import insert_select
    from guichet.tickets.models import Event

    insert_select(
        Event,
        {
            "brand_id": "m.brand_id",
            "ticket_id": "m.ticket_id",
            "verb": """CASE WHEN %(opened)s AND row_number() OVER (PARTITION BY m.ticket_id ORDER BY m.id) = 1
                    THEN 'opened'
                WHEN m.direction = 'in' THEN 'message_received'
                WHEN m.is_internal THEN 'note_added' ELSE 'replied' END""",
            "actor_label": "CASE WHEN m.direction = 'in' THEN 'email' ELSE '' END",
            "actor_user_id": "m.author_user_id",
            "actor_contact_id": "m.author_contact_id",
            "message_id": "m.id",
            "data": "'{}'::jsonb",
            "at": "m.created_at",
        },
        "tickets_message m WHERE m.id > %(after)s AND m.id <= %(upto)s",
        {"opened": opened, "after": after, "upto": upto},
    )


def _text_params() -> dict[str, Any]:
    """The parameters of insert_messages, and its pool of sentences (a temporary table: a
    join finds a sentence faster than an index into an array of text)."""
    rng = random.Random(1)  # noqa: S311 - made-up data, not a secret
    pool = 4000
    execute(
        "CREATE TEMPORARY TABLE IF NOT EXISTS bench_sentence (lang text, n int, body text, PRIMARY KEY (lang, n))"
    )
    execute("TRUNCATE bench_sentence")
    for lang in ("fr", "en"):
        execute(
            "INSERT INTO bench_sentence SELECT %s, n - 1, body FROM unnest(%s::text[]) WITH ORDINALITY AS s(body, n)",
            [lang, sentences(rng, lang, pool)],
        )
    execute("ANALYZE bench_sentence")
    return {
        "pool": pool,
        "greet_fr": GREETINGS["fr"],
        "greet_en": GREETINGS["en"],
        "bye_fr": SIGN_OFFS["fr"],
        "bye_en": SIGN_OFFS["en"],
        "now": NOW,
        # 1 message in 200,000 holds the rare word.
        "rare": 1 / 200_000,
        "rare_word": RARE_WORD,
    }


def messages_and_events() -> None:
    params = _text_params()
    low, top = scalar_row("SELECT min(id) - 1, max(id) FROM tickets_ticket")
    slice_ = 100_000
    for start in range(low, top, slice_):
        began = time.perf_counter()
        before = scalar("SELECT coalesce(max(id), 0) FROM tickets_message")
        execute("SELECT setseed(%s)", [(start % 1000) / 1000])
        made = insert_messages(
            1, MESSAGE_COUNT, f"t.id > {start} AND t.id <= {start + slice_}", params
        )
        after = scalar("SELECT coalesce(max(id), 0) FROM tickets_message")
        insert_message_events(opened=True, after=before, upto=after)
        print(
            f"    tickets {start + 1:,}–{min(top, start + slice_):,}: {made:,} messages"
            f" ({time.perf_counter() - began:.0f} s)",
            flush=True,
        )


def heavy_tickets() -> None:
    """Two open tickets of the first brand get more messages: one 50 in all (compared with
    a ticket of 3 for the query count), one 300 (the longest page)."""
    params = _text_params()
    for index, total in ((0, 50), (1, 300)):
        ticket = heavy_ticket(index)
        have = scalar("SELECT count(*) FROM tickets_message WHERE ticket_id = %s", [ticket])
        before = scalar("SELECT max(id) FROM tickets_message")
        insert_messages(have + 1, total, f"t.id = {ticket}", params)
        after = scalar("SELECT max(id) FROM tickets_message")
        insert_message_events(opened=False, after=before, upto=after)


def heavy_ticket(index: int) -> int:
    """The id of heavy ticket `index` (the newest open ones of the first brand)."""
    return scalar(
        f"""SELECT id FROM tickets_ticket t
        WHERE brand_id = (SELECT id FROM brands_brand WHERE slug = %s)
          AND status = 'open' AND {MESSAGE_COUNT} = 3
        ORDER BY id DESC OFFSET %s LIMIT 1""",
        [next(iter(SHARES)), index],
    )


def deadlines_and_events() -> None:
    from bench.loading import insert_select
    from guichet.sla.models import Deadline
    from guichet.tickets.models import Event, Pause

    # One resolution deadline per ticket: running on open tickets (its due moment is the
    # ticket's next deadline; none while waiting on the customer), met on closed ones; a
    # first-response deadline runs on new tickets too.
    insert_select(
        Deadline,
        {
            "brand_id": "t.brand_id",
            "ticket_id": "t.id",
            "kind": "'resolution'",
            "level": "0",
            "rule": "'resolution'",
            "clock": "'business_days'",
            "target": "'10d'",
            "started_at": "t.created_at",
            "due_at": "CASE WHEN t.status = 'closed' THEN t.created_at + interval '14 days' "
            "ELSE t.next_due_at END",
            "met_at": "CASE WHEN t.status = 'closed' THEN t.closed_at END",
            "breached_at": "CASE WHEN t.status <> 'closed' AND t.next_due_at < %(now)s "
            "THEN t.next_due_at END",
            "next_action_at": "CASE WHEN t.status <> 'closed' AND t.next_due_at >= %(now)s "
            "THEN t.next_due_at END",
        },
        "tickets_ticket t",
        {"now": NOW},
    )
    insert_select(
        Deadline,
        {
            "brand_id": "t.brand_id",
            "ticket_id": "t.id",
            "kind": "'first_response'",
            "level": "0",
            "rule": "'first_response'",
            "clock": "'business_hours'",
            "target": "'8h'",
            "started_at": "t.created_at",
            "due_at": "t.next_due_at",
            "breached_at": "CASE WHEN t.next_due_at < %(now)s THEN t.next_due_at END",
            "next_action_at": "CASE WHEN t.next_due_at >= %(now)s THEN t.next_due_at END",
        },
        "tickets_ticket t WHERE t.status = 'new'",
        {"now": NOW},
    )
    insert_select(
        Event,
        {
            "brand_id": "brand_id",
            "ticket_id": "id",
            "verb": "'assigned'",
            "actor_label": "'policy'",
            "data": "jsonb_build_object('to', assignee_id)",
            "at": "created_at + interval '5 minutes'",
        },
        "tickets_ticket WHERE assignee_id IS NOT NULL",
    )
    insert_select(
        Event,
        {
            "brand_id": "brand_id",
            "ticket_id": "id",
            "verb": "'closed'",
            "actor_user_id": "assignee_id",
            "data": "'{}'::jsonb",
            "at": "closed_at",
        },
        "tickets_ticket WHERE status = 'closed'",
    )
    # Tickets waiting on the customer have their deadlines' clocks stopped.
    insert_select(
        Pause,
        {"brand_id": "brand_id", "ticket_id": "id", "started_at": "updated_at"},
        "tickets_ticket WHERE status = 'waiting_customer'",
    )


# --- the measures ---------------------------------------------------------------------------


@dataclass
class Case:
    group: str  # "inbox", "ticket" or "search"
    label: str
    viewer: str
    urls: list[str]  # taken in turn
    expect: tuple[int, ...] = (200,)


@dataclass
class Figures:
    case: Case
    p50: float
    p95: float
    queries: int


VIEWERS = {
    "agent": "ej-agent",
    "team lead": "ej-lead",
    "investigator": "ej-investigator",
    "director": "ej-director",
    "superuser": "admin",
}


def client_for(username: str) -> Any:
    """A signed-in test client; an administrator's second factor is given as the test
    suite's VerifiedClient does (guichet/conftest.py)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from guichet.accounts.access import needs_second_factor
    from guichet.accounts.models import User

    user = User.objects.get(username=username)
    client = Client()
    client.force_login(user)
    if needs_second_factor(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def run_case(clients: dict[str, Any], case: Case, requests: int) -> Figures:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = clients[case.viewer]

    def get(url: str) -> Any:
        htmx = "fp=" in url
        response = client.get(url, headers={"HX-Request": "true"} if htmx else {})
        if response.status_code not in case.expect:
            raise SystemExit(f"{case.label} ({case.viewer}): {url} answered {response.status_code}")
        return response

    for index in range(WARM_UP):
        get(case.urls[index % len(case.urls)])
    with CaptureQueriesContext(connection) as captured:
        get(case.urls[0])
    count = len(captured.captured_queries)  # read now: the next request empties the log
    times = []
    for index in range(requests):
        url = case.urls[index % len(case.urls)]
        started = time.perf_counter()
        get(url)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return Figures(
        case,
        statistics.median(times),
        times[min(len(times) - 1, int(len(times) * 0.95))],
        count,
    )


def inbox_cases() -> list[Case]:
    from django.urls import reverse

    from guichet.desk import queries

    def url(view: str, query: str = "") -> str:
        return reverse("desk:inbox", kwargs={"view": view}) + (f"?{query}" if query else "")

    cases = []
    for role in VIEWERS:
        for view in queries.VIEWS:
            cases.append(Case("inbox", f"inbox {view.key}", role, [url(view.key)]))
    extra = [
        ("unassigned, newest first", "unassigned", "sort=-created"),
        ("unassigned, by priority", "unassigned", "sort=priority"),
        ("unassigned, last updated", "unassigned", "sort=-updated"),
        ("unassigned, by reference", "unassigned", "sort=reference"),
        ("breached, by level", "breached", "sort=-level"),
        ("unassigned, category billing", "unassigned", "category=billing"),
        ("breached, urgent", "breached", "priority=urgent"),
        ("closed, web, newest first", "closed", "channel=web&sort=-created"),
        ("closed, received in March", "closed", "received_from=2026-03-01&received_to=2026-03-31"),
        ("unassigned, page 2", "unassigned", "page=2"),
        ("closed, page 40", "closed", "page=40"),
    ]
    for role in ("agent", "superuser"):
        for label, view, query in extra:
            cases.append(Case("inbox", f"inbox {label}", role, [url(view, query)]))
    # The list's live refresh (every 15 s per open list): 204 while nothing changed.
    for role in ("agent", "superuser"):
        client = _clients[role]
        page = client.get(url("unassigned")).content.decode()
        found = re.search(r'[?&;]fp=([^"&]+)', page)
        assert found, "the list has no live refresh"
        fingerprint = unquote(html.unescape(found.group(1)))
        cases.append(
            Case(
                "inbox",
                "inbox unassigned, refresh (204)",
                role,
                [url("unassigned", urlencode({"fp": fingerprint}))],
                expect=(204,),
            )
        )
    return cases


def ticket_cases() -> list[Case]:
    from django.urls import reverse

    def url(reference: str) -> str:
        return reverse("desk:ticket", kwargs={"reference": reference})

    three = scalar(
        "SELECT reference FROM tickets_ticket WHERE id = %s",
        [heavy_ticket(2)],
    )
    fifty, many = (
        scalar("SELECT reference FROM tickets_ticket WHERE id = %s", [heavy_ticket(index)])
        for index in (0, 1)
    )
    brand = next(iter(SHARES))
    execute("SELECT setseed(0.5)")
    sample = [
        row[0]
        for row in rows(
            """SELECT reference FROM tickets_ticket
            WHERE brand_id = (SELECT id FROM brands_brand WHERE slug = %s)
              AND id %% %s = 1 ORDER BY random() LIMIT 200""",
            [brand, SAMPLE_STEP],
        )
    ]
    cases = []
    for role in ("agent", "director", "superuser"):
        cases.append(
            Case("ticket", "ticket page, 200 random tickets", role, [url(r) for r in sample])
        )
    cases += [
        Case("ticket", "ticket page, 3 messages", "agent", [url(three)]),
        Case("ticket", "ticket page, 50 messages", "agent", [url(fifty)]),
        Case("ticket", "ticket page, 300 messages", "agent", [url(many)]),
    ]
    return cases


def search_cases() -> list[Case]:
    from django.urls import reverse

    reference = scalar(
        """SELECT reference FROM tickets_ticket
        WHERE brand_id = (SELECT id FROM brands_brand WHERE slug = %s) AND id %% %s = 1 ORDER BY id DESC LIMIT 1""",
        [next(iter(SHARES)), SAMPLE_STEP],
    )
    surname = "Lefèvre"
    address = scalar(
        """SELECT e.address FROM contacts_contactemail e JOIN brands_brand b ON b.id = e.brand_id
        WHERE b.slug = %s AND e.is_primary ORDER BY e.id DESC LIMIT 1""",
        [next(iter(SHARES))],
    )
    queries = [
        ("a reference", reference, (302, 200)),
        ("a surname", surname, (200,)),
        ("the start of an address", address.split("@")[0], (200, 302)),
        ("a common word", "commande", (200,)),
        ("a common English word", "refund", (200,)),
        ("a rare word", RARE_WORD, (200,)),
        ("an accented French word", "abîmé", (200,)),
        ("two words", "colis abîmé", (200,)),
    ]
    cases = []
    for role in ("agent", "superuser"):
        for label, text, expect in queries:
            url = reverse("desk:search") + "?" + urlencode({"q": text})
            cases.append(Case("search", f"search {label} ({text})", role, [url], expect=expect))
    return cases


_clients: dict[str, Any] = {}


def queries_by_size() -> None:
    """The queries a page runs do not depend on the length of its list or of its ticket."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from guichet.desk import queries

    print("\nqueries per page, by the size of what it shows (the same is the goal):")
    print(f"  {'page':<34} {'viewer':<11} {'25 rows':>8} {'100 rows':>9}")
    for role in ("agent", "superuser"):
        for view in ("mine", "unassigned", "breached", "closed"):
            counted = []
            for size in (25, 100):
                queries.PAGE_SIZE, saved = size, queries.PAGE_SIZE
                try:
                    # Once before, so the counts beside the views are cached in both.
                    _clients[role].get(reverse("desk:inbox", kwargs={"view": view}))
                    with CaptureQueriesContext(connection) as captured:
                        response = _clients[role].get(reverse("desk:inbox", kwargs={"view": view}))
                finally:
                    queries.PAGE_SIZE = saved
                shown = response.content.decode().count("<tr data-href")
                counted.append(f"{len(captured.captured_queries)} ({shown})")
            print(f"  {'inbox ' + view:<34} {role:<11} {counted[0]:>8} {counted[1]:>9}")
    print(f"  {'':<34} {'':<11} {'3 msgs':>8} {'50 msgs':>9} {'300 msgs':>9}")
    counted = []
    for count in (3, 50, 300):
        index = {3: 2, 50: 0, 300: 1}[count]
        reference = scalar(
            "SELECT reference FROM tickets_ticket WHERE id = %s", [heavy_ticket(index)]
        )
        with CaptureQueriesContext(connection) as captured:
            _clients["agent"].get(reverse("desk:ticket", kwargs={"reference": reference}))
        counted.append(str(len(captured.captured_queries)))
    print(f"  {'ticket page':<34} {'agent':<11} {counted[0]:>8} {counted[1]:>9} {counted[2]:>9}")


def counts_figures() -> None:
    """The counts beside the views are kept 15 s per person: the first list after that
    recounts them. Measured here with the cache emptied before every request."""
    from django.core.cache import cache
    from django.urls import reverse

    print("\ninbox with the counts of every view recomputed (cache emptied before each request):")
    for role in ("agent", "director", "superuser"):
        client = _clients[role]
        url = reverse("desk:inbox", kwargs={"view": "mine"})
        times = []
        for index in range(max(20, REQUESTS // 10) + 3):
            cache.clear()
            started = time.perf_counter()
            client.get(url)
            if index >= 3:
                times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(
            f"  inbox mine, counts recomputed   {role:<11} p50 {statistics.median(times):7.1f} ms"
            f"   p95 {p95:7.1f} ms   over {len(times)} requests"
        )


@contextmanager
def served() -> Iterator[None]:
    """What Django's test client needs to be served pages in this process: its host, and
    static files by name (no collectstatic manifest needed)."""
    from django.conf import settings
    from django.test.utils import override_settings

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(
        ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], STORAGES=storages
    ):
        yield


def measure(only: str) -> None:
    with served():
        _measure(only)


def _measure(only: str) -> None:
    from guichet.lib import clock

    print(
        f"\nserver time through Django's test client, in this process; p50 and p95 over "
        f"{REQUESTS} requests after {WARM_UP} of warm-up; the clock frozen at {NOW:%Y-%m-%d %H:%M} UTC"
    )
    with clock.frozen(NOW):
        for role, username in VIEWERS.items():
            _clients[role] = client_for(username)
        cases: list[Case] = []
        if only in ("all", "inbox"):
            cases += inbox_cases()
        if only in ("all", "ticket"):
            cases += ticket_cases()
        if only in ("all", "search"):
            cases += search_cases()
        header = (
            f"  {'page':<44} {'viewer':<12} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}   target"
        )
        group = ""
        missed = []
        for case in cases:
            if case.group != group:
                group = case.group
                print("\n" + header)
            figures = run_case(_clients, case, REQUESTS)
            target = SEARCH_TARGET_MS if case.group == "search" else INBOX_TARGET_MS
            verdict = "ok" if figures.p95 < target else "MISSED"
            if verdict != "ok":
                missed.append(figures)
            print(
                f"  {case.label[:44]:<44} {case.viewer:<12} {figures.p50:8.1f} {figures.p95:8.1f}"
                f" {figures.queries:8d}   p95 < {target} ms: {verdict}",
                flush=True,
            )
        if only in ("all", "inbox"):
            counts_figures()
        if only in ("all", "inbox", "ticket"):
            queries_by_size()
        print(f"\n{len(cases) - len(missed)} of {len(cases)} pages meet their p95 target.")
        for figures in missed:
            print(
                f"  missed: {figures.case.label} ({figures.case.viewer}): p95 {figures.p95:.0f} ms"
            )


def sizes() -> None:
    found = rows(
        """SELECT (SELECT count(*) FROM tickets_ticket),
                  (SELECT count(*) FROM tickets_ticket WHERE status <> 'closed'),
                  (SELECT count(*) FROM tickets_message),
                  (SELECT count(*) FROM contacts_contact),
                  (SELECT count(*) FROM tickets_event),
                  (SELECT count(*) FROM search_document)"""
    )[0]
    print(
        "the benchmark database: {:,} tickets ({:,} open), {:,} messages, {:,} customers, "
        "{:,} events, {:,} search documents".format(*found)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reload", action="store_true", help="make the database again")
    parser.add_argument(
        "--rebuild-search",
        action="store_true",
        help="make the search index again (after a change to the search app's migration)",
    )
    parser.add_argument(
        "--only",
        choices=["all", "inbox", "ticket", "search"],
        default="all",
        help="what to measure",
    )
    args = parser.parse_args()
    ready = database_ready(args.reload)
    import django

    django.setup()
    if ready:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # new indexes, if any, are built here
        if args.rebuild_search:
            with step("search index rebuild"):
                rebuild_search_index()
    else:
        load()
    sizes()
    measure(args.only)


if __name__ == "__main__":
    main()
