"""guichet worker: run background tasks and periodic jobs (the policy watcher, mail polling)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from guichet.ops.worker import SideThread


class Command(BaseCommand):
    help = "Run the task worker: queued tasks, periodic jobs and a heartbeat for /healthz."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between polls when idle."
        )
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")
        parser.add_argument("--worker-id", default="", help="Unique id (default: random).")

    def handle(
        self, *args: Any, interval: float, batch: bool, worker_id: str, **options: Any
    ) -> None:
        worker_id = worker_id or get_random_string(24)
        side = SideThread(worker_id)
        side.start()
        worker = Worker(
            queue_names=["*"],
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=not batch,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        if not batch:
            worker.configure_signals()
        try:
            worker.run()
        finally:
            side.stopping.set()
            side.join(timeout=5)
