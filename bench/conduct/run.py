"""make bench-conduct: the abuse detector (guichet/conduct/detect.py) on a labelled corpus.

bench/conduct/corpus.jsonl holds French and English customer-service messages written for the
purpose, one JSON object a line: {"text", "lang": "fr"|"en", "abusive": bool, "severity":
"insult"|"harassment"|"discrimination"|"threat"|null, "note"}. About half of each language are
hard negatives (quoted earlier messages, idioms, reported insults, words holding a bad word,
strong but polite anger); the positives use the tricks (accents, repeated, spaced or replaced
letters, mixed case).

Prints, per language and overall: precision, recall, F1, the counts, the severity found against
the one labelled, the time per 10 kB message, and the first 20 false positives and negatives.
No database. BENCH_SMOKE=1 (make bench-smoke) reads 40 messages of each language, spread over the corpus.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")

CORPUS = Path(__file__).resolve().parent / "corpus.jsonl"
SMOKE = os.environ.get("BENCH_SMOKE") == "1"
SHOWN = 20


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    severity_right: int = 0
    false_positives: list[tuple[str, str]] = field(default_factory=list)
    false_negatives: list[tuple[str, str]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load(limit: int | None = None) -> list[dict[str, object]]:
    messages = [
        json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    if limit is None:
        return messages
    kept: list[dict[str, object]] = []
    for lang in ("fr", "en"):
        of_lang = [m for m in messages if m["lang"] == lang]
        kept.extend(of_lang[:: max(1, len(of_lang) // limit)][:limit])  # spread: every kind
    return kept


def evaluate(messages: list[dict[str, object]]) -> dict[str, Score]:
    """The scores per language and overall ("all")."""
    import django

    django.setup()
    from guichet.conduct.detect import detect, worst

    scores = {"fr": Score(), "en": Score(), "all": Score()}
    for message in messages:
        text = str(message["text"])
        hits = detect(text)
        found = bool(hits)
        for score in (scores[str(message["lang"])], scores["all"]):
            if found and message["abusive"]:
                score.tp += 1
                severity = worst(hits)
                if severity is not None and severity.name.lower() == message["severity"]:
                    score.severity_right += 1
            elif found:
                score.fp += 1
                score.false_positives.append(
                    (text, ", ".join(f"{h.found!r} ({h.term})" for h in hits))
                )
            elif message["abusive"]:
                score.fn += 1
                score.false_negatives.append((text, str(message["severity"])))
            else:
                score.tn += 1
    return scores


def speed() -> tuple[float, float]:
    """Milliseconds per call on a 10 kB message: one with no abuse, one with a few hits."""
    from guichet.conduct.detect import detect

    clean = " ".join(str(m["text"]) for m in load() if not m["abusive"])[:10_000]
    dirty = (
        clean[:3000]
        + " Bande de c0nn@rds ! "
        + clean[3000:6000]
        + " I know where you live. "
        + clean[6000:]
    )[:10_000]
    figures = []
    for text in (clean, dirty):
        detect(text)
        runs = 5 if SMOKE else 200
        started = time.perf_counter()
        for _ in range(runs):
            detect(text)
        figures.append((time.perf_counter() - started) / runs * 1000)
    return figures[0], figures[1]


def one_line(text: str) -> str:
    text = text.replace("\n", " ⏎ ")
    return text if len(text) <= 110 else text[:107] + "…"


def main() -> None:
    messages = load(40 if SMOKE else None)
    scores = evaluate(messages)
    print(f"bench-conduct: {len(messages)} messages ({CORPUS.relative_to(ROOT)})")
    print(
        f"{'':<4} {'precision':>9} {'recall':>7} {'F1':>6} {'TP':>5} {'FP':>5} {'FN':>5} {'TN':>5} {'severity right':>15}"
    )
    for name, score in scores.items():
        print(
            f"{name:<4} {score.precision:>9.3f} {score.recall:>7.3f} {score.f1:>6.3f} {score.tp:>5} "
            f"{score.fp:>5} {score.fn:>5} {score.tn:>5} {score.severity_right:>9}/{score.tp}"
        )
    clean, dirty = speed()
    print(f"time per 10 kB message: {clean:.2f} ms without abuse, {dirty:.2f} ms with two hits")
    total = scores["all"]
    print(f"\nfalse positives ({total.fp}, first {SHOWN}):")
    for text, hits in total.false_positives[:SHOWN]:
        print(f"  - {one_line(text)}\n      hit: {hits}")
    print(f"\nfalse negatives ({total.fn}, first {SHOWN}):")
    for text, severity in total.false_negatives[:SHOWN]:
        print(f"  - [{severity}] {one_line(text)}")


if __name__ == "__main__":
    main()
