"""Installing a Debian package that a test needs (a real IMAP server, a real browser).

The test set-up installs what it needs, so CI and a new machine have it without a manual
step; if it cannot, the test fails with apt's own words — it never skips."""

from __future__ import annotations

import fcntl
import os
import subprocess
import tempfile
from pathlib import Path

APT_OPTIONS = ["-o", "DPkg::Lock::Timeout=300"]


def ensure_installed(binary: Path, *packages: str) -> None:
    """`apt-get install packages` unless `binary` exists (as root, or through sudo). Test
    processes running side by side take turns: the second finds it installed."""
    if binary.exists():
        return
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock_path = Path(tempfile.gettempdir()) / f"guichet-{packages[0]}-install.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if binary.exists():
            return
        for command in (
            ["apt-get", "update"],
            ["apt-get", "install", "-y", "--no-install-recommends", *APT_OPTIONS, *packages],
        ):
            run = subprocess.run(  # noqa: S603 - fixed arguments, the packages named by tests
                prefix + command, env=env, capture_output=True, text=True, timeout=900, check=False
            )
            if run.returncode != 0:
                raise RuntimeError(
                    f"could not install {' '.join(packages)} ({' '.join(command)}):\n"
                    f"{run.stdout[-2000:]}\n{run.stderr[-3000:]}"
                )
    if not binary.exists():
        raise RuntimeError(f"{' '.join(packages)} installed, but {binary} is missing")
