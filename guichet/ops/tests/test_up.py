"""`make run`: migrate, load presets and demo, serve and work; Ctrl-C stops both; a second
run reuses the data. Runs the real command in a fresh directory, on SQLite."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local test server
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def start(var: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTEST_CURRENT_TEST")}
    env.update(GUICHET_VAR_DIR=str(var), PORT=str(port), GUICHET_WORKER_HEARTBEAT_SECONDS="1")
    return subprocess.Popen(
        [sys.executable, "-m", "guichet", "up"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_healthy(port: int, process: subprocess.Popen, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            status, body = get(f"http://127.0.0.1:{port}/healthz")
            health = json.loads(body)
            if status == 200 and health["worker"]["ok"]:
                return health
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError("guichet up did not become healthy")


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=60)
    return out


@pytest.mark.own_database
@pytest.mark.timeout(400)
def test_make_run_serves_the_five_brands_and_stops_cleanly(tmp_path):
    port = free_port()
    process = start(tmp_path, port)
    try:
        health = wait_healthy(port, process)
        assert health["status"] == "ok" and health["database"]["vendor"] == "sqlite"
        status, page = get(f"http://127.0.0.1:{port}/admin/login/")
        assert status == 200 and "Nom d’utilisateur" in page
        status, css = get(f"http://127.0.0.1:{port}/static/admin/css/base.css")
        assert status == 200 and "body" in css
    finally:
        out = stop(process)
    assert process.returncode == 0, out
    for slug in ("ej", "ivoire-toner", "jive", "respect", "jamla24"):
        assert f"{slug}: created" in out
    assert f"http://127.0.0.1:{port}/" in out and "ej-agent" in out and "Guichet stopped." in out
    assert out.count("Demo sign-ins") == 1, "printed once, with the address"
    assert (tmp_path / "guichet.sqlite3").exists()

    # A second run reuses the data: nothing re-created, no demo tickets added.
    process = start(tmp_path, port)
    try:
        wait_healthy(port, process)
    finally:
        out = stop(process)
    assert process.returncode == 0, out
    assert "ej: unchanged" in out and "nothing added" in out
    assert not [line for line in out.splitlines() if "Traceback" in line]
