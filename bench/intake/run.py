"""make bench-intake: how well the intake reads a message — its contact type and its
category — on a labelled corpus, and on the corrections agents made in real use.

`bench/intake/corpus.jsonl` holds messages written for the purpose, one JSON object a line:
`text`, `subject`, `lang` (fr or en), `brand` (a preset's slug), the expected
`contact_type`, the expected `category` ("" when none of the brand's categories fits) and a
`note` saying what makes it hard. `holdout.jsonl`, in the same format, was written after
the reader and is reported apart. Each is read with the brand's preset policy
(guichet/policies/presets/) through `guichet.intake.classify`, as the email intake reads it.

Prints the accuracy of the contact type and of the category, per language and overall, the
confusion matrix of contact types (rows: expected; columns: read) and the question/complaint
confusion in words, then the first misread examples. No database: the presets are read from
their files.

A corrections file exported from real use (`guichet intake-corrections --export FILE`), in
the same format, is measured too and reported separately: `CORRECTIONS=path make
bench-intake`, or `--corrections path`. Its rows are the agent's decision, not the guess.

BENCH_INTAKE_SHOW: how many misread examples to print (default 20). Prints figures; judges
nothing (exit status 0 unless the corpus itself is wrong).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

CORPUS = Path(__file__).resolve().parent / "corpus.jsonl"
# Written after the reader's cues were, not to tune them (docs/intake-reading.md tells the one
# change made after its first run): its figures are nearer what new messages get than the
# corpus's, which the cues were written against (an upper bound).
HOLDOUT = Path(__file__).resolve().parent / "holdout.jsonl"
PRESETS = ROOT / "guichet" / "policies" / "presets"
SHOW = int(os.environ.get("BENCH_INTAKE_SHOW", "20"))
FIELDS = ("text", "subject", "lang", "brand", "contact_type", "category")


@dataclass
class Row:
    brand: str
    lang: str
    subject: str
    text: str
    contact_type: str
    category: str
    note: str = ""


@dataclass
class Result:
    row: Row
    contact_type: str
    category: str
    reasons: list[str] = field(default_factory=list)

    @property
    def type_right(self) -> bool:
        return self.contact_type == self.row.contact_type

    @property
    def category_right(self) -> bool:
        return self.category == self.row.category


def read_rows(path: Path) -> list[Row]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        data = json.loads(line)
        missing = [name for name in FIELDS if name not in data]
        if missing:
            raise SystemExit(f"{path}:{number}: missing {', '.join(missing)}")
        rows.append(Row(**{name: data[name] for name in (*FIELDS, "note") if name in data}))
    return rows


def policies() -> dict[str, Any]:
    from guichet.policies.loader import load_policy_file

    found = {}
    for path in sorted(PRESETS.glob("*.toml")):
        result = load_policy_file(path)
        if result.policy is None:
            raise SystemExit(f"{path}: {result.errors}")
        found[result.policy.brand.slug] = result.policy
    return found


def check(rows: list[Row], known: dict[str, Any], source: Path) -> None:
    """Every row names a preset, a type its policy enables and one of its categories."""
    problems = []
    for number, row in enumerate(rows, 1):
        policy = known.get(row.brand)
        if policy is None:
            problems.append(f"row {number}: no preset {row.brand!r}")
            continue
        if policy.contact_type(row.contact_type) is None:
            problems.append(f"row {number}: {row.brand} has no type {row.contact_type!r}")
        if row.category and policy.category(row.category) is None:
            problems.append(f"row {number}: {row.brand} has no category {row.category!r}")
    if problems:
        raise SystemExit(f"{source}:\n  " + "\n  ".join(problems))


def read_all(rows: list[Row], known: dict[str, Any]) -> list[Result]:
    from guichet.intake import classify

    reader = getattr(classify, "read_message", None)
    results = []
    for row in rows:
        policy = known[row.brand]
        if reader is not None:
            reading = reader(policy, row.subject, row.text)
            results.append(
                Result(row, reading.contact_type, reading.category, list(reading.reasons))
            )
        else:  # an intake without `read_message` (before issue 17): its two guesses
            kind = classify.guess_contact_type(policy, row.subject, row.text)
            category = classify.suggest_category(policy, row.subject, row.text)
            results.append(Result(row, kind, category))
    return results


def share(results: Iterable[Result], attribute: str) -> str:
    results = list(results)
    if not results:
        return "    –"
    right = sum(getattr(result, attribute) for result in results)
    return f"{right / len(results):5.1%} ({right}/{len(results)})"


def report(title: str, results: list[Result]) -> None:
    print(f"\n== {title}: {len(results)} messages")
    by_lang: dict[str, list[Result]] = defaultdict(list)
    for result in results:
        by_lang[result.row.lang].append(result)
    print(f"  {'':<10} {'contact type':<20} {'category':<20}")
    for lang in sorted(by_lang):
        group = by_lang[lang]
        print(f"  {lang:<10} {share(group, 'type_right'):<20} {share(group, 'category_right'):<20}")
    print(
        f"  {'overall':<10} {share(results, 'type_right'):<20} {share(results, 'category_right')}"
    )
    confusion(results)
    misread(results)


def confusion(results: list[Result]) -> None:
    pairs = Counter((result.row.contact_type, result.contact_type) for result in results)
    kinds = sorted({kind for pair in pairs for kind in pair})
    if not kinds:
        return
    short = {kind: kind[:9] for kind in kinds}
    print("\n  contact types (rows: expected, columns: read)")
    print("  " + " " * 16 + " ".join(f"{short[k]:>9}" for k in kinds))
    for expected in kinds:
        cells = " ".join(f"{pairs[(expected, read)] or '.':>9}" for read in kinds)
        print(f"  {expected:<16}{cells}")
    questions = sum(n for (expected, _), n in pairs.items() if expected == "question")
    complaints = sum(n for (expected, _), n in pairs.items() if expected == "complaint")
    print(
        f"\n  questions read as complaints: {pairs[('question', 'complaint')]} of {questions}; "
        f"complaints read as questions: {pairs[('complaint', 'question')]} of {complaints}"
    )


def misread(results: list[Result]) -> None:
    wrong = [result for result in results if not (result.type_right and result.category_right)]
    if not wrong:
        return
    print(f"\n  misread: {len(wrong)} (the first {min(SHOW, len(wrong))})")
    for result in wrong[:SHOW]:
        row = result.row
        words = " ".join(f"{row.subject} / {row.text}".split())
        print(f"  - [{row.lang} {row.brand}] {words[:110]}")
        if not result.type_right:
            print(f"      type: read {result.contact_type}, expected {row.contact_type}")
        if not result.category_right:
            print(f"      category: read {result.category or '—'}, expected {row.category or '—'}")
        if result.reasons:
            print(f"      because: {'; '.join(result.reasons)[:160]}")
        if row.note:
            print(f"      note: {row.note}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument(
        "--corrections",
        type=Path,
        default=Path(os.environ["CORRECTIONS"]) if os.environ.get("CORRECTIONS") else None,
        help="a file of `guichet intake-corrections --export` (default: $CORRECTIONS)",
    )
    args = parser.parse_args(argv)

    import django

    django.setup()
    known = policies()
    rows = read_rows(args.corpus)
    check(rows, known, args.corpus)
    report(f"corpus {args.corpus.name}", read_all(rows, known))
    if args.corpus == CORPUS and HOLDOUT.exists():
        held = read_rows(HOLDOUT)
        check(held, known, HOLDOUT)
        report(f"held out {HOLDOUT.name} (written after the reader)", read_all(held, known))
    if args.corrections is not None:
        if not args.corrections.exists():
            print(f"\n== corrections: {args.corrections} does not exist (nothing measured)")
            return
        corrected = [row for row in read_rows(args.corrections) if row.brand in known]
        # A brand that is no preset (its own policy) is read with its preset's slug only
        # when there is one: the others are left out and counted.
        left_out = len(read_rows(args.corrections)) - len(corrected)
        check(corrected, known, args.corrections)
        report(f"agents' corrections {args.corrections.name}", read_all(corrected, known))
        if left_out:
            print(f"  ({left_out} rows of brands without a preset left out)")


if __name__ == "__main__":
    main()
