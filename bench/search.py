# ruff: noqa: S311
"""make bench-search: search at scale on PostgreSQL: a generated desk, the rebuild's time,
search_tickets' times.

    make bench-search    # or: .venv/bin/python bench/search.py --tickets 200000 --runs 20

1. A database `guichet_search_bench` (DATABASE_URL overrides it; created if missing) is
   migrated and, once, filled with `--tickets` tickets (BENCH_TICKETS, default 200,000;
   three messages each, 30 to 120 words from a French and English vocabulary with a long
   tail, one customer for two tickets, five brands) by INSERT … SELECT with the index
   triggers paused (guichet.search.maintenance.triggers_paused), then indexed by
   `rebuild()`, timed.
2. `search_tickets` runs for words of every frequency (rare, middling, common, two words),
   references, names and email prefixes, each for one brand and for all, `--runs`
   (BENCH_SEARCH_RUNS, default 20) different queries of each kind: p50, p95, max.

Prints figures; asserts nothing about them. docs/search.md keeps the last ones.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/guichet_search_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

COMMON = (
    "bonjour merci commande colis livraison facture remboursement client produit retour "
    "problème reçu envoyé numéro adresse paiement carte compte service délai semaine jour "
    "réponse question demande annulation échange article taille couleur prix euros frais "
    "abîmé cassé manquant erreur urgent rapidement attente toujours encore depuis hier "
    "hello thanks order parcel delivery invoice refund customer product return problem "
    "received sent number address payment card account service delay week day reply "
    "question request cancel exchange item size colour price charged damaged broken "
    "missing error urgent quickly waiting still since yesterday please help tracking "
    "hôtel réservation chambre vol billet voyage séjour plage excursion transfert aéroport "
    "booking room flight ticket travel stay beach trip transfer airport"
).split()
SYLLABLES = "ka lo mi ren tu sa vo ri pel dan zo quin ber ta nu fa gro lis mer jo".split()
FIRST = "Hélène Jean Marie Pierre Salma Youssef Awa Kofi Anna John Mary David Léa Chloé".split()
LAST = "Lefèvre Martin Bernard Alaoui Diallo Koné Smith Brown Dubois Moreau Girard".split()


def populate(tickets: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from bench.loading import insert_select
    from guichet.brands.models import Brand
    from guichet.contacts.models import Contact, ContactEmail
    from guichet.search.maintenance import rebuild, triggers_paused
    from guichet.tickets.models import Message, Ticket

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets_ticket")
        if cursor.fetchone()[0] >= tickets:
            return
    call_command("load_presets", verbosity=0, stdout=io.StringIO())
    brands = list(Brand.objects.order_by("pk"))
    print(f"creating {tickets:,} tickets and {3 * tickets:,} messages…", flush=True)
    started = time.perf_counter()
    vocabulary = COMMON + [a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES]
    brand_ids = [b.pk for b in brands]
    with triggers_paused(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(
            "CREATE TEMP TABLE vocab AS SELECT * FROM unnest(%s::text[]) WITH ORDINALITY AS v(word, i)",
            [vocabulary],
        )
        cursor.execute("CREATE UNIQUE INDEX ON vocab (i)")
        cursor.execute(
            "CREATE TEMP TABLE brands AS SELECT * FROM unnest(%s::bigint[]) WITH ORDINALITY AS b(id, i)",
            [brand_ids],
        )
        n = len(vocabulary)
        # `count` words of the vocabulary, their ranks drawn log-uniformly (a long tail);
        # the draws are made per row of `outer` (a column of the outer query).

        def words(count: str, outer: str) -> str:
            draw = f"least({n}, floor(exp(random() * ln({n} + 1)))::int)"
            return (
                f"(SELECT string_agg(v.word, ' ') FROM (SELECT {draw} AS r FROM"
                f" generate_series(1, {count}) w WHERE w > {outer} * 0) d JOIN vocab v ON v.i = d.r)"
            )

        cursor.execute("SELECT coalesce(max(id), 0) FROM contacts_contact")
        after = cursor.fetchone()[0]
        contacts = max(1, tickets // 2)
        insert_select(
            Contact,
            {
                "brand_id": "(SELECT id FROM brands WHERE i = 1 + mod(g, 5))",
                "name": f"(ARRAY{FIRST!r})[1 + mod(g * 7, {len(FIRST)})] || ' ' || (ARRAY{LAST!r})[1 + mod(g / 3, {len(LAST)})]",
                "language": "'fr'",
                "created_at": "now()",
                "updated_at": "now()",
            },
            "generate_series(1, %(contacts)s) g",
            {"contacts": contacts},
        )
        insert_select(
            ContactEmail,
            {
                "brand_id": "c.brand_id",
                "contact_id": "c.id",
                "address": "lower(translate(split_part(c.name, ' ', 1), 'éèô', 'eeo')) || '.' || c.id"
                " || '@exemple' || mod(c.id, 7) || '.fr'",
                "is_primary": "true",
            },
            "contacts_contact c WHERE c.id > %(after)s",
            {"after": after},
        )
        created = "now() - (g * interval '37 seconds')"
        insert_select(
            Ticket,
            {
                "brand_id": "c.brand_id",
                "contact_id": "c.id",
                "reference": "'BN-' || lpad((g / 100000)::text, 2, '0') || '-' || lpad(mod(g, 100000)::text, 5, '0')",
                "contact_type": "%(contact_type)s",
                "channel": "'email'",
                "subject": words("3 + mod(g, 5)", "g"),
                "language": "'fr'",
                "created_at": created,
                "updated_at": created,
                "level_started_at": created,
            },
            "generate_series(1, %(tickets)s) g"
            " JOIN contacts_contact c ON c.id = %(after)s + 1 + mod(g, %(contacts)s)",
            {
                "contact_type": brands[0].get_policy().contact_types[0].type,
                "tickets": tickets,
                "after": after,
                "contacts": contacts,
            },
        )
        insert_select(
            Message,
            {
                "brand_id": "t.brand_id",
                "ticket_id": "t.id",
                "direction": "CASE WHEN k = 2 THEN 'out' ELSE 'in' END",
                "channel": "'email'",
                "author_contact_id": "CASE WHEN k = 2 THEN NULL ELSE t.contact_id END",
                "text": words("30 + mod(t.id * k, 90)", "(t.id + k)"),
                "language": "t.language",
                "created_at": "t.created_at + k * interval '1 hour'",
            },
            "tickets_ticket t CROSS JOIN generate_series(1, 3) k WHERE t.reference LIKE 'BN-%%'",
        )
    print(f"  loaded in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    count = rebuild()
    print(f"  rebuild(): {count:,} documents in {time.perf_counter() - started:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE search_document")


def measure(runs: int) -> None:
    from django.db import connection

    from guichet.search.queries import search_tickets

    rng = random.Random(7)
    with connection.cursor() as cursor:
        cursor.execute("SELECT array_agg(id ORDER BY id) FROM brands_brand")
        brand_ids = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*), pg_size_pretty(pg_total_relation_size('search_document')) FROM search_document"
        )
        total, size = cursor.fetchone()
        print(f"\n{total:,} documents, {size} with their indexes")
        cursor.execute("SELECT reference FROM tickets_ticket ORDER BY random() LIMIT %s", [runs])
        references = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT c.name, e.address FROM contacts_contact c JOIN contacts_contactemail e ON e.contact_id = c.id ORDER BY random() LIMIT %s",
            [runs],
        )
        people = cursor.fetchall()
        # Words sorted by how many documents hold them.
        sample = COMMON[:60] + rng.sample(
            [a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES], 60
        )
        frequency = []
        for w in sample:
            cursor.execute(
                "SELECT count(*) FROM search_document WHERE document @@ search_term_query(%s)", [w]
            )
            frequency.append((cursor.fetchone()[0] / total, w))
    frequency.sort()
    rare = [w for f, w in frequency if f < 0.001]
    middling = [w for f, w in frequency if 0.001 <= f < 0.05]
    common = [w for f, w in frequency if f >= 0.05]
    print(
        f"words: {len(rare)} rare (< 0.1 % of tickets), {len(middling)} middling, {len(common)} common (≥ 5 %)"
    )
    cases: dict[str, list[str]] = {
        "reference": references,
        "rare word": [rng.choice(rare) for _ in range(runs)] if rare else [],
        "middling word": [rng.choice(middling) for _ in range(runs)] if middling else [],
        "common word": [rng.choice(common) for _ in range(runs)] if common else [],
        "two common words": [" ".join(rng.sample(common, 2)) for _ in range(runs)]
        if len(common) > 1
        else [],
        "common + rare": [f"{rng.choice(common)} {rng.choice(rare)}" for _ in range(runs)]
        if rare and common
        else [],
        "customer name": [name for name, _ in people],
        "email prefix": [address[: max(4, address.index("@") - 1)] for _, address in people],
        "three middling words": [" ".join(rng.sample(middling, 3)) for _ in range(runs)]
        if len(middling) > 2
        else [],
    }
    everything: list[float] = []
    print(f"\nsearch_tickets(limit=50), {runs} different queries per line, milliseconds")
    print(f"{'query':<22} {'brands':<8} {'p50':>7} {'p95':>7} {'max':>7} {'hits':>6}")
    for label, texts in cases.items():
        for scope, brands in (("one", [brand_ids[0]]), ("all", brand_ids)):
            times = []
            hits = 0
            for text in texts:
                started = time.perf_counter()
                hits += len(search_tickets(query=text, brand_ids=brands, limit=50))
                times.append((time.perf_counter() - started) * 1000)
            if not times:
                continue
            everything += times
            times.sort()
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
            print(
                f"{label:<22} {scope:<8} {statistics.median(times):7.1f} {p95:7.1f} {times[-1]:7.1f} {hits / len(times):6.1f}"
            )
    everything.sort()
    print(
        f"\nall {len(everything)} searches: p50 {statistics.median(everything):.1f} ms, p95 {everything[int(0.95 * len(everything))]:.1f} ms, max {everything[-1]:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument(
        "--tickets", type=int, default=int(os.environ.get("BENCH_TICKETS", "200000"))
    )
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_SEARCH_RUNS", "20")))
    parser.add_argument("--rebuild", action="store_true", help="time rebuild() again")
    args = parser.parse_args()
    from bench.loading import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from guichet.lib.bulk import literal_parameters

    with literal_parameters():  # hand-written SQL with untyped parameters
        populate(args.tickets)
        if args.rebuild:
            from guichet.search.maintenance import rebuild

            started = time.perf_counter()
            count = rebuild()
            print(f"rebuild(): {count:,} documents in {time.perf_counter() - started:.1f} s")
        measure(args.runs)


if __name__ == "__main__":
    main()
