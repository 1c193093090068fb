# ruff: noqa: S311
"""make bench-knowledge (its search half): the help centre's search with 10,000 articles,
on PostgreSQL and on SQLite.

    make bench-knowledge    # or: .venv/bin/python bench/knowledge.py --articles 10000 --runs 30

1. Per database — PostgreSQL `guichet_knowledge_bench` (DATABASE_URL overrides it; made
   again when its size differs) and a SQLite file in BENCH_DIR (or var/) — one brand's
   `--articles` published articles (BENCH_ARTICLES, default 10,000), half French, half
   English, in twenty sections: help-centre titles and 80 to 400 words of Markdown drawn
   from the words of such articles, with a long tail of rarer words, and a popularity.
   They are written in bulk, then indexed by `guichet.knowledge.index.rebuild()` (timed).
2. `search_articles` (the help centre's search, limit 10) for one common word, one rare
   word, two words, and a customer's question, in each language, `--runs`
   (BENCH_KNOWLEDGE_RUNS, default 30) different queries of each kind: p50, p95, max.
3. Suggestions as a customer types: for sentences a customer writes on the contact page,
   every prefix of three characters or more (what the debounced page sends, at worst),
   `search_articles(limit=5)`: p50, p95, max (the target is under 100 ms at p95 on
   PostgreSQL).

Prints figures; asserts nothing about them. docs/help-centre.md keeps the last ones.
BENCH_SMOKE=1 (bench-smoke) runs it at BENCH_ARTICLES with a few runs.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOPICS = {
    "fr": [
        "livraison",
        "commande",
        "colis",
        "remboursement",
        "facture",
        "retour",
        "échange",
        "garantie",
        "cartouche",
        "toner",
        "imprimante",
        "compte",
        "mot de passe",
        "paiement",
        "carte bancaire",
        "abonnement",
        "réservation",
        "billet",
        "vol",
        "bagage",
        "hôtel",
        "annulation",
        "adresse",
        "suivi",
        "délai",
        "frais de port",
        "promotion",
        "avoir",
    ],
    "en": [
        "delivery",
        "order",
        "parcel",
        "refund",
        "invoice",
        "return",
        "exchange",
        "warranty",
        "cartridge",
        "toner",
        "printer",
        "account",
        "password",
        "payment",
        "credit card",
        "subscription",
        "booking",
        "ticket",
        "flight",
        "luggage",
        "hotel",
        "cancellation",
        "address",
        "tracking",
        "delay",
        "shipping costs",
        "discount",
        "voucher",
    ],
}
TITLES = {
    "fr": [
        "Comment suivre ma {t} ?",
        "Que faire si ma {t} est en retard ?",
        "Modifier ma {t}",
        "Délais de {t}",
        "Demander un {t}",
        "Annuler ma {t}",
        "Problème avec ma {t}",
        "Tout savoir sur la {t}",
        "{T} : les questions fréquentes",
        "Où trouver ma {t} ?",
    ],
    "en": [
        "How do I track my {t}?",
        "What if my {t} is late?",
        "Changing my {t}",
        "{T} times",
        "Requesting a {t}",
        "Cancelling my {t}",
        "A problem with my {t}",
        "All about {t}",
        "{T}: frequently asked questions",
        "Where do I find my {t}?",
    ],
}
WORDS = {
    "fr": (
        "vous pouvez votre nous sous jours ouvrés après réception demande espace client "
        "cliquez sur le lien reçu par courriel numéro de commande service client joindre "
        "photo produit abîmé cassé manquant rembourser échanger renvoyer emballage "
        "d'origine étiquette transporteur point relais domicile signature délai "
        "supplémentaire semaine mois facture disponible télécharger paiement accepté "
        "carte virement prélèvement sécurisé identifiant oublié réinitialiser adresse "
        "modifier avant expédition confirmation appel conseiller horaires lundi vendredi "
        "garantie constructeur défaut panne encre page impression qualité compatible "
        "original modèle référence boutique magasin retrait gratuit payant tarif"
    ).split(),
    "en": (
        "you can your we within working days after receipt request customer area click "
        "the link received by email order number customer service attach photo product "
        "damaged broken missing refund exchange send back original packaging label "
        "carrier pickup point home signature extra delay week month invoice available "
        "download payment accepted card transfer direct debit secure username forgotten "
        "reset address change before dispatch confirmation call adviser opening hours "
        "monday friday warranty manufacturer fault breakdown ink page printing quality "
        "compatible original model reference shop store collection free paid price"
    ).split(),
}
SYLLABLES = "ka lo mi ren tu sa vo ri pel dan zo quin ber ta nu fa gro lis mer jo".split()
TYPED = {
    "fr": [
        "Bonjour, ma commande n'est toujours pas arrivée",
        "Je voudrais un remboursement pour un colis abîmé",
        "Comment modifier l'adresse de livraison",
        "Ma cartouche de toner ne fonctionne pas",
        "J'ai oublié mon mot de passe",
        "Annuler ma réservation d'hôtel",
    ],
    "en": [
        "Hello, my order has still not arrived",
        "I would like a refund for a damaged parcel",
        "How do I change the delivery address",
        "My toner cartridge does not work",
        "I forgot my password",
        "Cancel my hotel booking",
    ],
}
RARE = [a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES]


def _title(rng: random.Random, language: str) -> str:
    topic = rng.choice(TOPICS[language])
    return rng.choice(TITLES[language]).format(t=topic, T=topic.capitalize())


def _body(rng: random.Random, language: str) -> str:
    words = WORDS[language]
    paragraphs = []
    for _ in range(rng.randint(2, 6)):
        count = rng.randint(40, 70)
        chosen = [
            rng.choice(RARE) if rng.random() < 0.05 else rng.choice(words) for _ in range(count)
        ]
        chosen[rng.randrange(count)] = "**" + rng.choice(TOPICS[language]) + "**"
        paragraphs.append(" ".join(chosen).capitalize() + ".")
    if rng.random() < 0.3:
        paragraphs.insert(1, "## " + _title(rng, language))
    return "\n\n".join(paragraphs)


def populate(articles: int) -> tuple[object, float | None]:
    """The brand and the seconds `rebuild()` took (None: the database held them already)."""
    import io

    from django.core.management import call_command

    from guichet.brands.models import Brand
    from guichet.knowledge import index
    from guichet.knowledge.models import Article, ArticleVersion, Section, VersionState
    from guichet.lib import clock
    from guichet.lib.scoping import all_brands

    call_command("migrate", verbosity=0)
    with all_brands():
        if Article.objects.filter(published__isnull=False).count() == articles:
            return Brand.objects.get(slug="ivoire-toner"), None
        Article.objects.all().delete()
        if not Brand.objects.filter(slug="ivoire-toner").exists():
            call_command("load_presets", verbosity=0, stdout=io.StringIO())
        brand = Brand.objects.get(slug="ivoire-toner")
        rng = random.Random(42)
        now = clock.now()
        sections = [
            Section.objects.get_or_create(
                brand=brand,
                key=f"rubrique-{i}",
                defaults={
                    "title": {"fr": f"Rubrique {i}", "en": f"Section {i}"},
                    "created_at": now,
                },
            )[0]
            for i in range(20)
        ]
        print(f"  writing {articles:,} articles…", end="", flush=True)
        started = time.perf_counter()
        rows = [
            Article(
                brand=brand,
                section=rng.choice(sections),
                language="fr" if i % 2 == 0 else "en",
                slug=f"article-{i}",
                position=i,
                created_at=now,
                updated_at=now,
                published_at=now,
                views=int(rng.paretovariate(1.2)) * 10,
                helpful=rng.randint(0, 20),
            )
            for i in range(articles)
        ]
        Article.objects.bulk_create(rows, batch_size=1000)
        versions = [
            ArticleVersion(
                brand=brand,
                article=article,
                number=1,
                title=_title(rng, article.language),
                body=_body(rng, article.language),
                state=VersionState.PUBLISHED,
                created_at=now,
            )
            for article in rows
        ]
        ArticleVersion.objects.bulk_create(versions, batch_size=1000)
        for article, version in zip(rows, versions, strict=True):
            article.published = article.latest = version
        Article.objects.bulk_update(rows, ["published", "latest"], batch_size=1000)
        print(f" {time.perf_counter() - started:.1f} s", flush=True)
        started = time.perf_counter()
        count = index.rebuild()
        took = time.perf_counter() - started
        print(f"  index.rebuild(): {count:,} articles in {took:.1f} s", flush=True)
        return brand, took


def _times(calls: list[tuple[str, str, int]], brand: object) -> list[float]:
    from guichet.knowledge.search import search_articles

    times = []
    for language, query, limit in calls:
        started = time.perf_counter()
        search_articles(brand=brand, language=language, query=query, limit=limit)  # type: ignore[arg-type]
        times.append((time.perf_counter() - started) * 1000)
    return times


def _line(label: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (
        f"  {label:<34} p50 {statistics.median(ordered):6.1f} ms   p95 {p95:6.1f} ms"
        f"   max {ordered[-1]:6.1f} ms   ({len(ordered)} searches)"
    )


def measure(brand: object, runs: int) -> None:
    rng = random.Random(7)
    kinds: dict[str, list[tuple[str, str, int]]] = {}
    for language in ("fr", "en"):
        common = [rng.choice(TOPICS[language]) for _ in range(runs)]
        kinds[f"{language}: one common word"] = [(language, w, 10) for w in common]
        kinds[f"{language}: one rare word"] = [
            (language, rng.choice(RARE), 10) for _ in range(runs)
        ]
        kinds[f"{language}: two words"] = [
            (language, f"{rng.choice(TOPICS[language])} {rng.choice(WORDS[language])}", 10)
            for _ in range(runs)
        ]
        kinds[f"{language}: a question"] = [
            (language, rng.choice(TYPED[language]), 10) for _ in range(runs)
        ]
    _times(kinds["fr: one common word"][:3], brand)  # warm up
    print("search_articles(limit=10):")
    for label, calls in kinds.items():
        print(_line(label, _times(calls, brand)), flush=True)
    print("suggestions as a customer types (every prefix of 3+ characters, limit=5):")
    everything: list[float] = []
    for language in ("fr", "en"):
        calls = [
            (language, sentence[:end], 5)
            for sentence in TYPED[language]
            for end in range(3, len(sentence) + 1)
        ]
        times = _times(calls, brand)
        everything += times
        print(_line(f"{language}: {len(TYPED[language])} sentences", times), flush=True)
    print(_line("both languages", everything), flush=True)


def child(articles: int, runs: int) -> None:
    import django

    django.setup()
    from django.db import connection

    from guichet.lib.bulk import literal_parameters

    print(f"\n== {connection.vendor} ({connection.settings_dict['NAME']})", flush=True)
    with literal_parameters():
        brand, _took = populate(articles)
        measure(brand, runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument(
        "--articles", type=int, default=int(os.environ.get("BENCH_ARTICLES", "10000"))
    )
    parser.add_argument(
        "--runs", type=int, default=int(os.environ.get("BENCH_KNOWLEDGE_RUNS", "30"))
    )
    parser.add_argument("--only", choices=["postgresql", "sqlite"], default=None)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if args.child:
        child(args.articles, args.runs)
        return
    from bench.loading import ensure_database

    postgres = os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/guichet_knowledge_bench"
    )
    folder = Path(os.environ.get("BENCH_DIR") or ROOT / "var")
    folder.mkdir(parents=True, exist_ok=True)
    sqlite = f"sqlite:///{folder / 'knowledge_bench.sqlite3'}"
    failed = False
    for vendor, url in [("postgresql", postgres), ("sqlite", sqlite)]:
        if args.only and args.only != vendor:
            continue
        if vendor == "postgresql":
            ensure_database(url)
        command = [sys.executable, __file__, "--child", f"--articles={args.articles}"]
        command.append(f"--runs={args.runs}")
        env = {**os.environ, "DATABASE_URL": url}
        failed |= subprocess.run(command, env=env, check=False).returncode != 0
    if failed:
        raise SystemExit("bench-knowledge: a run failed")


if __name__ == "__main__":
    main()
