from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

import guichet
from guichet.ops.health import database_status, worker_status


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers (status "degraded" if no worker is alive, since the
    web side still serves); 503 when the database does not."""
    database = database_status()
    worker = worker_status() if database["ok"] else {"ok": False, "alive": 0}
    if not database["ok"]:
        status = "down"
    elif not worker["ok"]:
        status = "degraded"
    else:
        status = "ok"
    body = {
        "status": status,
        "version": guichet.__version__,
        "database": database,
        "worker": worker,
    }
    return JsonResponse(body, status=503 if status == "down" else 200)
