# Guichet — two commands: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The first Python >= 3.12 found: on PATH, then pyenv's installed versions (newest first).
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 python3 \
	$$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -rV); do \
	  $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1 && { echo $$p; break; }; \
	done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
export PORT

.PHONY: help run test check lint typecheck layers migrations-check pytest bench bench-sla bench-email bench-desk bench-api bench-search bench-reports bench-intake bench-conduct bench-chat bench-knowledge bench-knowledge-candidates bench-smoke clean messages

help:
	@echo "make run    start Guichet (web + worker) on http://127.0.0.1:$(PORT)/ with the five preset brands"
	@echo "make test   lint, type-check, migration check and the test suite (SQLite; DATABASE_URL for PostgreSQL)"

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Guichet needs Python >= 3.12 (none found on PATH)"; exit 1; fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

run: $(STAMP)
	$(BIN)/guichet up --port $(PORT)

test: check pytest

check: lint typecheck layers migrations-check

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy guichet

# The layers of docs/architecture.md, and no import cycle (pyproject.toml, [tool.importlinter]).
layers: $(STAMP)
	$(BIN)/lint-imports

migrations-check: $(STAMP)
	$(BIN)/guichet makemigrations --check --dry-run
	$(BIN)/python -m guichet.lib.messages --check

# The suite in PYTEST_WORKERS processes side by side (pytest-xdist; each has its own test
# database): much of it waits on a browser, servers and worker processes, not on a core.
# worksteal: a worker that runs dry takes tests queued for the other (a few tests last a minute).
# PYTEST_WORKERS=0 runs it in this process alone.
PYTEST_WORKERS ?= 2
pytest: $(STAMP)
	$(BIN)/pytest $(if $(filter-out 0,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS) --dist worksteal) $(PYTEST_ARGS)

messages: $(STAMP)
	$(BIN)/python -m guichet.lib.messages --update

bench: bench-sla bench-email bench-desk bench-api bench-search bench-reports bench-channels bench-intake bench-conduct bench-chat bench-knowledge

bench-sla: $(STAMP)
	$(BIN)/python bench/sla.py

bench-email: $(STAMP)
	$(BIN)/python bench/email_ingest.py

# The first run makes a database of 1,000,000 tickets (about 45 minutes); later runs reuse
# it. BENCH_ARGS=--reload makes it again; BENCH_REQUESTS sets the requests per page.
bench-desk: $(STAMP)
	$(BIN)/python bench/desk.py $(BENCH_ARGS)

# Ticket creations per second over HTTP (gunicorn, 2 workers x 4 threads) and list latency at 10k, 100k
# and 1M tickets on PostgreSQL.
bench-api: $(STAMP)
	$(BIN)/python bench/api.py

# Full-text search with 200,000 tickets (BENCH_TICKETS) on PostgreSQL: the index rebuild and
# search_tickets' times; the database is made once and reused.
bench-search: $(STAMP)
	$(BIN)/python bench/search.py

# The reports' read model with 1,000,000 tickets and their events (BENCH_TICKETS) on PostgreSQL:
# `reports rebuild` in events per second, and ticket creation with and without the read
# model's projector (also on SQLite), the dashboard's p95 for a month and a year, the monthly
# PDF, a CSV export's peak memory. The first run makes the database (about an hour); later
# runs reuse it. BENCH_ARGS=--reload makes it again, --no-rebuild keeps the read model,
# "--only dashboard,pdf,export" takes those measures alone.
bench-reports: $(STAMP)
	$(BIN)/python bench/reports.py $(BENCH_ARGS)

# Provider webhooks (Twilio's SMS form, signed) through gunicorn on PostgreSQL: events per
# second and latency for new conversations, ongoing ones, retries and delivery receipts.
bench-channels: $(STAMP)
	$(BIN)/python bench/provider_webhooks.py

# How the intake reads a message (contact type, category) on bench/intake/corpus.jsonl: accuracy
# per language, the question/complaint confusion, the misread examples. No database.
# CORRECTIONS=FILE also measures the agents' corrections (`guichet intake-corrections --export`).
bench-intake: $(STAMP)
	$(BIN)/python bench/intake/run.py $(if $(CORRECTIONS),--corrections $(CORRECTIONS))

# The abuse detector on bench/conduct/corpus.jsonl (French and English): precision, recall,
# F1 per language, the false positives and negatives, the time per 10 kB message. No database.
bench-conduct: $(STAMP)
	$(BIN)/python bench/conduct/run.py

# Live chat on loopback through gunicorn and uvicorn as `guichet up` runs them, on a fresh
# SQLite database (and on PostgreSQL too when DATABASE_URL names one: dropped and made
# again): 1,000 idle visitors and 200 chats held, then the delay of 1,000 messages each way
# (customer → agent, agent → customer), the server's memory. BENCH_ARGS: --idle, --active,
# --messages, --interval, --timeout (300 s a run), --smoke.
bench-chat: $(STAMP)
	$(BIN)/python bench/chat.py $(BENCH_ARGS)

# The help centre's search with 10,000 articles (BENCH_ARTICLES) on PostgreSQL and SQLite:
# search_articles' p95 per kind of query, and the suggestions' latency as a customer types
# (every prefix of a few sentences). The PostgreSQL database is made once and reused.
bench-knowledge: $(STAMP)
	$(BIN)/python bench/knowledge.py $(BENCH_ARGS)

# FAQ candidates (docs/help-centre.md): the grouping against the known question types of
# generated labelled tickets (adjusted Rand index, purity; no database), then the nightly
# job's time on 100,000 tickets (BENCH_TICKETS) on PostgreSQL, the database made once and
# reused. BENCH_ARGS: --compare (the methods set aside), --no-timing, --smoke.
bench-knowledge-candidates: $(STAMP)
	$(BIN)/python bench/knowledge_candidates.py $(BENCH_ARGS)

# Every bench-* target above at a tiny size, each in fresh *_smoke databases: proves they
# still run (CI runs it). Prints their figures and judges none; fails if a bench fails.
bench-smoke: $(STAMP)
	MAKE="$(MAKE)" $(BIN)/python bench/smoke.py

clean:
	rm -rf $(VENV) var/*.sqlite3* var/static .pytest_cache .mypy_cache .ruff_cache
