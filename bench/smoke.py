"""make bench-smoke: every `make bench-*` at a tiny size, so that a benchmark that breaks
(a loader meeting a column added since, a page or a function it calls gone) fails CI the
day it breaks rather than the day someone next measures.

Each bench runs through its own make target, at the size given below, against PostgreSQL
databases of its own whose names end in `_smoke`, dropped and made again first (copies of
one migrated from nothing at the start of the run: a migration change never meets an old
smoke database), with its files (`GUICHET_VAR_DIR`,
the email corpus) in a temporary folder removed at the end. Their figures are printed and
judged by nobody: at this size they mean nothing (`BENCH_SMOKE=1` tells the benches so).
Every bench runs even after one fails; the run fails (non-zero exit) if any did.

A `bench-*` target of the Makefile without a size here fails the run: a new bench is
smoked from the day it is added.

BENCH_SMOKE_POSTGRES: the PostgreSQL server (default postgres://postgres@127.0.0.1:5432);
BENCH_SMOKE_PREFIX: the start of the databases' names (default `guichet_`).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("BENCH_SMOKE_POSTGRES", "postgres://postgres@127.0.0.1:5432").rstrip("/")
PREFIX = os.environ.get("BENCH_SMOKE_PREFIX", "guichet_")


def database(name: str) -> str:
    return f"{SERVER}/{PREFIX}{name}_smoke"


# Per target, the environment of its smoke run: its tiny size (variables the bench reads)
# and its databases (dropped and made again before it runs).
SMOKE: dict[str, dict[str, str]] = {
    "bench-sla": {
        "BENCH_TICKETS": "2000",
        "BENCH_DUE": "200",
        "DATABASE_URL": database("sla"),
    },
    "bench-email": {
        "BENCH_EMAILS": "40",
        "BENCH_POSTGRES": database("email"),
        "BENCH_POSTGRES_TEMPLATE": database("email_template"),
    },
    "bench-desk": {
        "BENCH_TICKETS": "1000",
        "BENCH_REQUESTS": "1",
        "BENCH_WARM_UP": "1",
        "DATABASE_URL": database("desk"),
    },
    "bench-api": {
        "BENCH_API_SIZES": "200,500",
        "BENCH_API_SECONDS": "1",
        "BENCH_API_CLIENTS": "2",
        "BENCH_API_REQUESTS": "3",
        "DATABASE_URL": database("api"),
    },
    "bench-search": {
        "BENCH_TICKETS": "500",
        "BENCH_SEARCH_RUNS": "3",
        "DATABASE_URL": database("search"),
    },
    "bench-reports": {
        "BENCH_TICKETS": "1000",
        "BENCH_HOT_ROUNDS": "1",
        "BENCH_HOT_TICKETS": "5",
        "BENCH_REPORT_REQUESTS": "1",
        "BENCH_WARM_UP": "1",
        "BENCH_PDF_RUNS": "1",
        "DATABASE_URL": database("reports"),
    },
    "bench-channels": {
        "BENCH_CHANNELS_SECONDS": "1",
        "BENCH_CHANNELS_CLIENTS": "2",
        "DATABASE_URL": database("channels"),
    },
    # 20 idle visitors, 5 chats, 20 messages each way (BENCH_SMOKE=1), on SQLite and here.
    "bench-chat": {
        "DATABASE_URL": database("chat"),
    },
    # No database; the corpus is small already: only fewer misread examples printed.
    "bench-intake": {
        "BENCH_INTAKE_SHOW": "3",
    },
    # No database: the first 40 messages of each language (BENCH_SMOKE=1).
    "bench-conduct": {},
    # 200 articles, on PostgreSQL and on SQLite (a file in BENCH_DIR).
    "bench-knowledge": {
        "BENCH_ARTICLES": "200",
        "BENCH_KNOWLEDGE_RUNS": "3",
        "DATABASE_URL": database("knowledge"),
    },
    # 400 labelled tickets, the job on 2,000 (BENCH_SMOKE=1).
    "bench-knowledge-candidates": {
        "DATABASE_URL": database("faq"),
    },
}


def make_targets() -> list[str]:
    text = (ROOT / "Makefile").read_text()
    found = re.findall(r"^(bench-[a-z0-9-]+):", text, flags=re.MULTILINE)
    return [target for target in found if target != "bench-smoke"]


def migrated_template(folder: Path) -> str:
    """A database migrated from nothing, once per run: the benches' DATABASE_URL databases
    are copies of it (migrating takes seconds each time; the copy, a fraction of one)."""
    from bench.loading import ensure_database

    template = database("template")
    ensure_database(template, fresh=True)
    env = {**os.environ, "DATABASE_URL": template, "GUICHET_VAR_DIR": str(folder / "var")}
    command = [sys.executable, "-m", "guichet", "migrate", "-v0"]
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    return template


def run(target: str, folder: Path, template: str) -> bool:
    from bench.loading import ensure_database

    settings = SMOKE[target]
    for key, value in settings.items():
        if value.startswith(f"{SERVER}/"):
            copy = template if key == "DATABASE_URL" else None
            ensure_database(value, fresh=True, template=copy)
    env = {
        **os.environ,
        **settings,
        "BENCH_SMOKE": "1",
        "BENCH_DIR": str(folder / target),
        "GUICHET_VAR_DIR": str(folder / target / "var"),
    }
    shown = " ".join(f"{key}={value}" for key, value in settings.items())
    print(f"\n=== make {target} ({shown})", flush=True)
    command = [os.environ.get("MAKE", "make"), "--no-print-directory", target]
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode == 0


def main() -> None:
    targets = make_targets()
    unsized = sorted(set(targets) - set(SMOKE))
    stale = sorted(set(SMOKE) - set(targets))
    if unsized or stale:
        raise SystemExit(
            "bench/smoke.py: "
            + (f"give {', '.join(unsized)} a smoke size in SMOKE. " if unsized else "")
            + (f"{', '.join(stale)}: no such make target." if stale else "")
        )
    results = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="guichet-bench-smoke-") as folder:
        template = migrated_template(Path(folder))
        for target in targets:
            began = time.perf_counter()
            ok = run(target, Path(folder), template)
            results.append((target, ok, time.perf_counter() - began))
    print("\nbench-smoke: every bench at a tiny size; the figures above are not judged")
    for target, ok, seconds in results:
        print(f"  {target:<14} {'ok' if ok else 'FAILED':<7} {seconds:5.0f} s")
    print(f"  {'total':<14} {'':<7} {time.perf_counter() - started:5.0f} s")
    failed = [target for target, ok, _ in results if not ok]
    if failed:
        raise SystemExit(f"bench-smoke: {', '.join(failed)} failed")


if __name__ == "__main__":
    main()
