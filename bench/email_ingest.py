"""make bench-email (bench/email_ingest.py; not email.py, which would shadow the standard
library's email package for the scripts in bench/): the inbound email channel end to end, on SQLite and PostgreSQL.

A corpus of 1,000 realistic customer emails (bench/make_corpus.py, seed 1: French and
English, 299 replies, HTML, attachments, RFC 2047/2231, ISO-8859-1 and raw 8-bit) is
ingested with `guichet ingest-eml` (stored, parsed, threaded, acknowledgement queued) in
three arrival orders, each into a fresh database (a copy of one migrated once per run, with
the `ej` preset; on PostgreSQL BENCH_POSTGRES and BENCH_POSTGRES_TEMPLATE name them):

- all at once: every file in the folder, processed in name order;
- over time: staged by reply depth (as mail arrives), replies carrying the real ticket
  reference in their subject (corpus_tool.py stage --refmap);
- reversed: every file, processed newest first (replies before what they answer).

Prints messages per second, tickets created, replies threaded onto the right ticket,
quarantined, and bench/corpus_tool.py's score. Asserts nothing about durations.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
PYTHON = sys.executable
WORK = Path(os.environ.get("BENCH_DIR", tempfile.gettempdir())) / "guichet-bench-email"
POSTGRES = os.environ.get(
    "BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/guichet_bench_email"
)
COUNT = int(os.environ.get("BENCH_EMAILS", "1000"))


def guichet(env: dict[str, str], *args: str) -> str:
    run = subprocess.run(
        [PYTHON, "-m", "guichet", *args], env=env, capture_output=True, text=True, cwd=ROOT.parent
    )
    if run.returncode:
        sys.stderr.write(run.stdout + run.stderr)
        raise SystemExit(f"guichet {' '.join(args)} failed")
    return run.stdout


def environment(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "LOG_LEVEL": "ERROR",
        "GUICHET_VAR_DIR": str(WORK / "var"),
    }


def template_of(url: str) -> str:
    if url.startswith("sqlite:"):
        return url.removesuffix(".sqlite3") + "-template.sqlite3"
    return os.environ.get("BENCH_POSTGRES_TEMPLATE", f"{url}_template")


# The templates made by this run.
_templates: set[str] = set()


def fresh_database(url: str) -> dict[str, str]:
    """The environment of a database just migrated, with the `ej` preset: a copy of a
    template made once per run and database kind (migrating from nothing takes seconds,
    three times per kind)."""
    from bench.loading import ensure_database

    template = template_of(url)
    if template not in _templates:
        env = environment(template)
        if template.startswith("sqlite:"):
            remove_sqlite(template)
        else:
            ensure_database(template, fresh=True)
        guichet(env, "migrate", "-v0")
        guichet(env, "load-presets", "ej")
        _templates.add(template)
    if url.startswith("sqlite:"):
        remove_sqlite(url)
        source, copy = sqlite_path(template), sqlite_path(url)
        # The commands that made it have ended: their last changes are in the file, or
        # still in its write-ahead log, copied with it.
        for suffix in ("", "-wal"):
            if Path(f"{source}{suffix}").exists():
                shutil.copyfile(f"{source}{suffix}", f"{copy}{suffix}")
    else:
        ensure_database(url, fresh=True, template=template)
    return environment(url)


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def remove_sqlite(url: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite_path(url)}{suffix}").unlink(missing_ok=True)


EXPORT = """
import json, sys
from guichet.lib.scoping import all_brands
from guichet.tickets.models import Message, TicketLink
with all_brands():
    rows = Message.objects.filter(direction="in").exclude(external_id="").select_related("ticket")
    links = {}
    for source, target in TicketLink.objects.values_list("source__reference", "target__reference"):
        links.setdefault(source, []).append(target)
    refs = {}
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        for m in rows.order_by("pk"):
            out.write(json.dumps({"message_id": "<" + m.external_id + ">", "ticket": m.ticket.reference,
                                  "title": m.ticket.subject, "text": m.text,
                                  "linked": links.get(m.ticket.reference, [])}, ensure_ascii=False) + "\\n")
            refs.setdefault("<" + m.external_id + ">", m.ticket.reference)
    json.dump(refs, open(sys.argv[2], "w"))
"""


def export(env: dict[str, str], name: str) -> tuple[Path, Path]:
    jsonl, refmap = WORK / f"{name}.export.jsonl", WORK / f"{name}.refmap.json"
    subprocess.run(
        [
            PYTHON,
            "-c",
            "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'guichet.settings');"
            " django.setup();" + EXPORT,
            str(jsonl),
            str(refmap),
        ],
        env=env,
        check=True,
        cwd=ROOT.parent,
    )
    return jsonl, refmap


def ingest(env: dict[str, str], folder: Path) -> dict:
    return json.loads(guichet(env, "ingest-eml", str(folder), "--brand", "ej"))


def stage(corpus: Path, manifest: Path, dest: Path, *extra: str) -> None:
    shutil.rmtree(dest, ignore_errors=True)
    subprocess.run(
        [
            PYTHON,
            str(ROOT / "corpus_tool.py"),
            "stage",
            str(corpus),
            str(manifest),
            str(dest),
            *extra,
        ],
        check=True,
        capture_output=True,
    )


def score(manifest: Path, jsonl: Path, name: str) -> dict:
    out = WORK / f"{name}.score.json"
    subprocess.run(
        [
            PYTHON,
            str(ROOT / "corpus_tool.py"),
            "score",
            str(manifest),
            str(jsonl),
            "--json",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return json.loads(out.read_text())


def by_sender(manifest: Path, jsonl: Path) -> dict[str, int]:
    """Replies split by who wrote them: a participant of the thread (its author, or someone
    whose message is already in it) must be threaded onto the thread's ticket; anyone else
    must open a new ticket linked to it (the threading rule: a third party never joins)."""
    records = [json.loads(line) for line in manifest.read_text().splitlines() if line.strip()]
    exported = {e["message_id"]: e for e in map(json.loads, jsonl.read_text().splitlines()) if e}
    seen: dict[int, set[str]] = {}
    counts = {"participants": 0, "participants_threaded": 0, "others": 0, "others_linked": 0}
    for record in sorted(records, key=lambda r: r["file"]):
        thread_senders = seen.setdefault(record["thread"], set())
        if record["depth"] > 0:
            mine = exported.get(record["message_id"])
            root = exported.get(record["root_message_id"])
            if record["from"] in thread_senders:
                counts["participants"] += 1
                counts["participants_threaded"] += bool(
                    mine and root and mine["ticket"] == root["ticket"]
                )
            else:
                counts["others"] += 1
                counts["others_linked"] += bool(
                    mine
                    and root
                    and (root["ticket"] in mine["linked"] or mine["ticket"] in root["linked"])
                )
        thread_senders.add(record["from"])
    return counts


def report(label: str, seconds: float, files: int, stats: dict, scored: dict, split: dict) -> None:
    outcomes = scored["reply_outcomes"]
    print(
        f"  {label:<12} {files / seconds:6.1f} msg/s   stored {scored['ingested']}/{scored['emails']}   "
        f"tickets {stats['new_tickets']:4d}   replies on the right ticket {outcomes.get('threaded', 0)}/"
        f"{scored['replies']} (wrong ticket {outcomes.get('wrong_ticket', 0)}): from participants "
        f"{split['participants_threaded']}/{split['participants']} threaded, from others "
        f"{split['others_linked']}/{split['others']} opened a linked ticket   "
        f"quarantined {stats['quarantined']}   accounted {stats['accounted']}   "
        f"probe text kept {scored['probe_text_kept']}/{scored['ingested']}"
    )


def run(label: str, url: str, corpus: Path, manifest: Path) -> None:
    print(f"\n{label}")
    # 1. all at once
    env = fresh_database(url)
    result = ingest(env, corpus)
    jsonl, _ = export(env, "all")
    report(
        "all at once",
        result["seconds"],
        result["files"],
        result["stats"],
        score(manifest, jsonl, "all"),
        by_sender(manifest, jsonl),
    )
    # 2. over time, by reply depth, replies carrying our references
    env = fresh_database(url)
    depths = subprocess.run(
        [PYTHON, str(ROOT / "corpus_tool.py"), "depths", str(manifest)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    seconds = 0.0
    files = 0
    for depth in depths:
        _, refmap = export(env, "time")
        folder = WORK / f"depth-{depth}"
        stage(corpus, manifest, folder, "--depth", depth, "--refmap", str(refmap))
        result = ingest(env, folder)
        seconds += result["seconds"]
        files += result["files"]
    jsonl, _ = export(env, "time")
    report(
        "over time",
        seconds,
        files,
        result["stats"],
        score(manifest, jsonl, "time"),
        by_sender(manifest, jsonl),
    )
    # 3. reversed: replies arrive before what they answer
    env = fresh_database(url)
    folder = WORK / "reversed"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    names = sorted(p.name for p in corpus.iterdir())
    for index, name in enumerate(reversed(names)):
        shutil.copyfile(corpus / name, folder / f"{index:06d}-{name}")
    result = ingest(env, folder)
    jsonl, _ = export(env, "reversed")
    report(
        "reversed",
        result["seconds"],
        result["files"],
        result["stats"],
        score(manifest, jsonl, "reversed"),
        by_sender(manifest, jsonl),
    )


def main() -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    corpus = WORK / "corpus"
    manifest = WORK / "corpus.manifest.jsonl"
    if not manifest.exists() or len(list(corpus.glob("*.eml"))) != COUNT:
        shutil.rmtree(corpus, ignore_errors=True)
        subprocess.run(
            [PYTHON, str(ROOT / "make_corpus.py"), str(corpus), str(COUNT), "--seed", "1"],
            check=True,
        )
    print(f"corpus: {COUNT} emails (bench/make_corpus.py --seed 1) in {corpus}")
    print(
        "msg/s: stored, parsed, threaded and acknowledgement queued, end to end (guichet ingest-eml)"
    )
    run("SQLite", f"sqlite:///{WORK / 'bench.sqlite3'}", corpus, manifest)
    run("PostgreSQL", POSTGRES, corpus, manifest)


if __name__ == "__main__":
    main()
