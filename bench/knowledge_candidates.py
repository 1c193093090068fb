"""make bench-knowledge-candidates: how well the FAQ candidates' grouping finds the
questions customers ask, and how long the nightly job takes (docs/help-centre.md, "FAQ
candidates").

    make bench-knowledge-candidates     # or: .venv/bin/python bench/knowledge_candidates.py
    .venv/bin/python bench/knowledge_candidates.py --smoke    # tiny sizes (BENCH_SMOKE=1 too)

1. Quality, no database: `--labelled` tickets (default 4,000, half French, half English)
   drawn by bench/faq_tickets.py (eight known question types with varied wording, typos,
   signatures, quoted replies, 15 % one-off noise), grouped per language by
   `knowledge.candidates.group_texts`, as the job groups them. Prints the adjusted Rand
   index against the known types (each noise ticket its own type, each ticket left out its
   own group), the purity (the share of grouped tickets that ask their group's main
   question; noise never does), the coverage (the share of typed tickets in a group), the
   noise put in groups, the groups found. With `--compare`, the same for the methods set
   aside (one-stage agglomerative, HDBSCAN, k-means told the true number of types).
2. Time, on PostgreSQL: a database `guichet_faq_bench` (DATABASE_URL overrides it), made
   once and reused while it holds the same size, with `--tickets` tickets (BENCH_TICKETS,
   default 100,000) of one brand in the last 30 days, French and English, and a fifth as
   many the 30 days before (the trend), drawn the same way; then `candidates_find` per
   language, timed step by step, and the candidates found.

Prints figures; asserts nothing about them.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/guichet_faq_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

SMOKE = os.environ.get("BENCH_SMOKE") == "1"
BRAND = "ivoire-toner"
CHUNK = 5000


def scores(items: list[Any], labels: list[int]) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score

    from bench.faq_tickets import NOISE

    truth = [it.kind if it.kind != NOISE else f"noise-{n}" for n, it in enumerate(items)]
    found = [str(g) if g >= 0 else f"none-{n}" for n, g in enumerate(labels)]
    groups: dict[int, list[str]] = {}
    for it, g in zip(items, labels, strict=True):
        if g >= 0:
            groups.setdefault(g, []).append(it.kind)
    right = 0
    for kinds in groups.values():
        typed = Counter(k for k in kinds if k != NOISE)
        right += typed.most_common(1)[0][1] if typed else 0
    grouped = sum(len(k) for k in groups.values())
    typed_total = sum(it.kind != NOISE for it in items)
    return {
        "ari": adjusted_rand_score(truth, found),
        "purity": right / grouped if grouped else 0.0,
        "coverage": sum(it.kind != NOISE and g >= 0 for it, g in zip(items, labels, strict=True))
        / max(1, typed_total),
        "noise_grouped": sum(
            it.kind == NOISE and g >= 0 for it, g in zip(items, labels, strict=True)
        ),
        "groups": len(groups),
    }


def _line(label: str, language: str, n: int, s: dict[str, float], seconds: float) -> None:
    print(
        f"  {label:<26} {language:<3} {n:>6} {s['ari']:6.3f} {s['purity']:7.3f} "
        f"{s['coverage']:8.3f} {s['noise_grouped']:6.0f} {s['groups']:6.0f} {seconds:7.1f}"
    )


def quality(labelled: int, compare: bool) -> None:
    from bench.faq_tickets import KINDS, generate
    from guichet.knowledge import candidates

    items = generate(labelled, seed=21)
    print(
        f"\nGrouping {labelled:,} labelled tickets ({len(KINDS)} question types, 15 % noise), per language"
    )
    print(
        f"  {'method':<26} {'':<3} {'tickets':>6} {'ARI':>6} {'purity':>7} {'coverage':>8} "
        f"{'noise':>6} {'groups':>6} {'seconds':>7}"
    )
    for language in ("fr", "en"):
        subset = [i for i in items if i.language == language]
        texts = [candidates.normalise(i.subject, i.text) for i in subset]
        started = time.perf_counter()
        grouping = candidates.group_texts(texts, smallest=candidates.min_size())
        _line(
            "two-stage (the job's)",
            language,
            len(subset),
            scores(subset, grouping.labels),
            time.perf_counter() - started,
        )
        if compare:
            for label, labels, seconds in _alternatives(texts, len(KINDS)):
                _line(label, language, len(subset), scores(subset, labels), seconds)
        if language == "fr":
            for group in grouping.groups[:10]:
                kinds = Counter(subset[m].kind for m in group.members).most_common(2)
                print(f"      {len(group.members):>4} {kinds} {', '.join(group.terms[:4])}")


def _alternatives(texts: list[str], kinds: int) -> list[tuple[str, list[int], float]]:
    """The methods set aside, on the same TF-IDF and LSA (groups under 5 left out)."""
    import warnings

    from sklearn.cluster import HDBSCAN, AgglomerativeClustering, MiniBatchKMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    from guichet.knowledge import candidates

    vectoriser = candidates._Vectoriser(len(texts))
    reduced = normalize(
        TruncatedSVD(candidates.DIMENSIONS, random_state=0).fit_transform(
            vectoriser.fit_transform(texts)
        )
    )
    out = []
    methods = {
        f"agglomerative {candidates.MERGE_DISTANCE}": lambda: AgglomerativeClustering(
            n_clusters=None,
            metric="cosine",
            linkage="average",
            distance_threshold=candidates.MERGE_DISTANCE,
        ).fit_predict(reduced),
        "HDBSCAN min 5": lambda: HDBSCAN(min_cluster_size=5, copy=True).fit_predict(reduced),
        f"k-means k={kinds} (told)": lambda: MiniBatchKMeans(
            kinds, random_state=0, n_init=3
        ).fit_predict(reduced),
    }
    for label, run in methods.items():
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            labels = list(run())
        seconds = time.perf_counter() - started
        sizes = Counter(labels)
        out.append((label, [int(g) if g >= 0 and sizes[g] >= 5 else -1 for g in labels], seconds))
    return out


def populate(tickets: int) -> None:
    """One brand's tickets: `tickets` in the last 30 days, a fifth as many the 30 before."""
    import io

    from django.core.management import call_command

    from bench.faq_tickets import generate
    from bench.loading import execute, insert_select
    from guichet.brands.models import Brand
    from guichet.contacts.services import contact_for_email
    from guichet.lib.scoping import all_brands
    from guichet.tickets.models import Message, Ticket

    call_command("migrate", verbosity=0)
    call_command("load_presets", verbosity=0, stdout=io.StringIO())
    with all_brands():
        brand = Brand.objects.get(slug=BRAND)
    contact = contact_for_email(brand=brand, email="bench@exemple.ci", name="Bench", language="fr")
    contact_type = brand.get_policy().contact_types[0].type
    before = tickets // 5
    items = generate(tickets + before, seed=42)
    print(f"creating {tickets:,} tickets (and {before:,} the period before)…", flush=True)
    started = time.perf_counter()
    execute("CREATE TEMP TABLE faq_src (i int, subject text, body text, language text, ago int)")
    period = 30 * 86400
    for first in range(0, len(items), CHUNK):
        chunk = items[first : first + CHUNK]
        execute(
            "INSERT INTO faq_src SELECT * FROM unnest(%(i)s::int[], %(s)s::text[], %(t)s::text[],"
            " %(l)s::text[], %(a)s::int[])",
            {
                "i": list(range(first, first + len(chunk))),
                "s": [it.subject[:300] for it in chunk],
                "t": [it.text for it in chunk],
                "l": [it.language for it in chunk],
                # Seconds ago: the period's tickets over its 30 days, the others the 30 before.
                "a": [
                    60 + n * period // tickets
                    if n < tickets
                    else 60 + period + (n - tickets) * period // max(1, before)
                    for n in range(first, first + len(chunk))
                ],
            },
        )
    created = "now() - s.ago * interval '1 second'"
    insert_select(
        Ticket,
        {
            "brand_id": str(brand.pk),
            "contact_id": str(contact.pk),
            "reference": "'FQ-' || lpad(s.i::text, 7, '0')",
            "contact_type": f"'{contact_type}'",
            "channel": "'web'",
            "subject": "s.subject",
            "language": "s.language",
            "created_at": created,
            "updated_at": created,
            "level_started_at": created,
        },
        "faq_src s",
    )
    insert_select(
        Message,
        {
            "brand_id": "t.brand_id",
            "ticket_id": "t.id",
            "direction": "'in'",
            "channel": "'web'",
            "author_contact_id": "t.contact_id",
            "text": "s.body",
            "language": "t.language",
            "created_at": "t.created_at",
        },
        "faq_src s JOIN tickets_ticket t ON t.reference = 'FQ-' || lpad(s.i::text, 7, '0')",
    )
    execute("ANALYZE")
    print(f"  loaded in {time.perf_counter() - started:.0f} s", flush=True)


def timing(tickets: int) -> None:
    from bench.loading import labelled_database, mark_loaded
    from guichet.brands.models import Brand
    from guichet.knowledge import candidates
    from guichet.lib.scoping import all_brands

    url = os.environ["DATABASE_URL"]
    label = f"faq candidates: {tickets} tickets, v1"
    if not labelled_database(url, label):
        from guichet.lib.bulk import literal_parameters

        with literal_parameters():
            populate(tickets)
        mark_loaded(url, label)
    with all_brands():
        brand = Brand.objects.get(slug=BRAND)
    print(f"\nThe job on {tickets:,} tickets of one brand (PostgreSQL), per language")
    total = 0.0
    for language in ("fr", "en"):
        started = time.perf_counter()
        found = candidates.candidates_find(brand=brand, language=language)
        seconds = time.perf_counter() - started
        total += seconds
        steps = ", ".join(f"{k} {v:.1f}" for k, v in found.timings.items())
        print(
            f"  {language}: {found.tickets:,} tickets, {found.groups} groups, {found.answered} "
            f"answered by an article, {len(found.candidates)} candidates in {seconds:.1f} s ({steps})"
        )
        for c in sorted(found.candidates, key=lambda c: -c.size)[:5]:
            print(
                f"      {c.size:>6} (before {c.previous_size:>5}) {c.question[:50]!r} {c.terms[:3]}"
            )
    print(f"  both languages: {total:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (also BENCH_SMOKE=1)")
    parser.add_argument("--labelled", type=int, default=4000)
    parser.add_argument(
        "--tickets", type=int, default=int(os.environ.get("BENCH_TICKETS", "100000"))
    )
    parser.add_argument("--compare", action="store_true", help="also the methods set aside")
    parser.add_argument("--no-timing", action="store_true", help="the quality alone")
    args = parser.parse_args()
    if args.smoke or SMOKE:
        args.labelled, args.tickets = 400, min(args.tickets, 2000)
    import django

    if not args.no_timing:
        from bench.loading import ensure_database

        ensure_database(os.environ["DATABASE_URL"])
    django.setup()
    quality(args.labelled, args.compare)
    if not args.no_timing:
        timing(args.tickets)


if __name__ == "__main__":
    main()
