"""The task worker: django-tasks-db's worker loop, plus a heartbeat and the scheduler of
periodic jobs in a side thread."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection

from guichet.lib import clock
from guichet.ops.models import WorkerHeartbeat
from guichet.ops.periodic import claim_due

logger = logging.getLogger(__name__)


def beat(worker_id: str) -> None:
    now = clock.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"hostname": socket.gethostname()[:255], "pid": os.getpid(), "seen_at": now},
        create_defaults={
            "hostname": socket.gethostname()[:255],
            "pid": os.getpid(),
            "seen_at": now,
            "started_at": now,
        },
    )


class SideThread(threading.Thread):
    """Heartbeat and periodic-job claims, every WORKER_HEARTBEAT_SECONDS."""

    def __init__(self, worker_id: str) -> None:
        super().__init__(name="guichet-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                close_old_connections()
                beat(self.worker_id)
                claim_due(self.worker_id)
            except DatabaseError:
                logger.exception("heartbeat failed; retrying")
            self.stopping.wait(settings.WORKER_HEARTBEAT_SECONDS)
        with contextlib.suppress(DatabaseError):  # a stale heartbeat expires by itself
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        connection.close()
