"""What /healthz reports: can we reach the database, and is a worker alive."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection

from guichet.lib import clock
from guichet.ops.models import WorkerHeartbeat


def database_status() -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"ok": False, "vendor": connection.vendor, "error": exc.__class__.__name__}
    return {
        "ok": True,
        "vendor": connection.vendor,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }


def worker_status() -> dict[str, Any]:
    cutoff = clock.now() - timedelta(seconds=settings.WORKER_STALE_SECONDS)
    try:
        alive = list(
            WorkerHeartbeat.objects.filter(seen_at__gte=cutoff)
            .order_by("-seen_at")
            .values("hostname", "pid", "seen_at")
        )
    except DatabaseError:
        return {"ok": False, "alive": 0}
    return {
        "ok": bool(alive),
        "alive": len(alive),
        "last_seen": alive[0]["seen_at"].isoformat() if alive else None,
    }
