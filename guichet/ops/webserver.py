"""The production web server's command line, for `guichet up` and the API benchmark."""

from __future__ import annotations

import sys

from django.conf import settings

from guichet.lib.env import env_bool


def web_server_command(host: str, port: int, *, workers: int, threads: int) -> list[str]:
    """The production web server: gunicorn, `workers` processes of `threads` threads each
    (docs/architecture.md, "The web server")."""
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "guichet.wsgi:application",
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--graceful-timeout",
        "10",
        "--no-control-socket",
        "--log-level",
        "warning",
    ]


def chat_server_command(host: str, port: int, workers: int = 1) -> list[str]:
    """The chat's websockets (docs/chat.md): uvicorn beside gunicorn, one process or
    `workers` (their notices carried by Redis). The pages stay with gunicorn, which serves
    Guichet's synchronous views faster."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "guichet.asgi:application",
        "--host",
        host,
        "--port",
        str(port),
        "--ws",
        "websockets-sansio",
        "--ws-max-size",
        str(settings.GUICHET_CHAT_MAX_FRAME),
        "--lifespan",
        "off",
        *(["--workers", str(workers)] if workers > 1 else []),
        "--no-access-log",
        "--log-level",
        "warning",
        *(["--proxy-headers"] if env_bool("BEHIND_PROXY") else ["--no-proxy-headers"]),
    ]
