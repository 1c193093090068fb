"""guichet up: what `make run` does. Prepare the database, then run the web server and
the worker together until Ctrl-C, which stops both cleanly. With GUICHET_SMTPD_PORT set,
the SMTP receiver (`guichet smtpd`) runs too, on 127.0.0.1 and that port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from guichet.demo.loader import DEMO_USERS_HELP
from guichet.lib.env import env_int
from guichet.ops.webserver import web_server_command


class Command(BaseCommand):
    help = "Migrate, load the presets and demo data, then serve the web app and run the worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--no-demo", action="store_true", help="Do not add demo people and tickets."
        )
        parser.add_argument("--web-workers", type=int, default=env_int("WEB_WORKERS", 1))
        parser.add_argument("--web-threads", type=int, default=env_int("WEB_THREADS", 4))

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        no_demo: bool,
        web_workers: int,
        web_threads: int,
        **options: Any,
    ) -> None:
        self._check_port(host, port)
        smtpd_port = env_int("GUICHET_SMTPD_PORT", 0)
        if smtpd_port:
            self._check_port("127.0.0.1", smtpd_port, setting="GUICHET_SMTPD_PORT")
        self.stdout.write("Preparing the database…")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_presets", stdout=self.stdout)
        if not no_demo:
            call_command("demo", no_sign_ins=True, stdout=self.stdout)
        if not (settings.DEBUG or settings.TESTING):
            call_command("collectstatic", interactive=False, verbosity=0)

        python = sys.executable
        web = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            web_server_command(host, port, workers=web_workers, threads=web_threads),
            start_new_session=True,  # Ctrl-C reaches us only; we stop the children once
        )
        worker = subprocess.Popen([python, "-m", "guichet", "worker"], start_new_session=True)  # noqa: S603
        children = [web, worker]
        if smtpd_port:
            children.append(
                subprocess.Popen(  # noqa: S603
                    [python, "-m", "guichet", "smtpd", "--port", str(smtpd_port)],
                    stdout=subprocess.DEVNULL,  # its banner would interrupt ours
                    start_new_session=True,
                )
            )

        url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"  # noqa: S104
        self.stdout.write(self.style.SUCCESS(f"\nGuichet is running at {url}"))
        self.stdout.write(f"  desk:      {url}desk/   (English: {url}en/desk/)")
        self.stdout.write(f"  customers: {url}b/<brand>/   (e.g. {url}b/ej/contact)")
        self.stdout.write(f"  API:       {url}api/v1/docs")
        self.stdout.write(f"  admin:     {url}admin/")
        self.stdout.write(f"  health:    {url}healthz")
        if smtpd_port:
            self.stdout.write(f"  email:     SMTP on 127.0.0.1:{smtpd_port}")
        if not no_demo:
            self.stdout.write(DEMO_USERS_HELP.format(password=settings.GUICHET_DEMO_PASSWORD))
        self.stdout.write("Press Ctrl-C to stop.\n")

        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.3)
        finally:
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 15
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
        failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)]
        if failed and not stopping:
            raise CommandError("the web server, the worker or the receiver stopped unexpectedly")
        self.stdout.write("Guichet stopped.")

    def _check_port(self, host: str, port: int, setting: str = "PORT") -> None:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as exc:
                raise CommandError(
                    f"cannot listen on {host}:{port} ({exc.strerror}); set {setting}"
                ) from None
