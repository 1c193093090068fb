"""The production web server's command line, for `guichet up` and the API benchmark."""

from __future__ import annotations

import sys


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
