"""guichet up: what `make run` does. Prepare the database, then run the web server and
the worker together until Ctrl-C, which stops both cleanly. With GUICHET_SMTPD_PORT set,
the SMTP receiver (`guichet smtpd`) runs too, on 127.0.0.1 and that port.

Links in emails start with SITE_URL. When it is not set, the address this command serves
on (`http://<host>:<port>`) takes its place, in this process (the demo's letters) and in
every process it starts (the web server's and the worker's letters and sign-in links), so
that `PORT=8731 make run` sends links that open. The web server it starts shows the desk's
development mail viewer (GUICHET_DEV_MAIL_VIEWER, docs/email.md) unless told otherwise."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from guichet.demo.loader import DEMO_USERS_HELP
from guichet.lib import mailfiles
from guichet.lib.env import env_bool, env_int
from guichet.ops.webserver import chat_server_command, web_server_command


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
        parser.add_argument(
            "--chat-workers",
            type=int,
            default=env_int("CHAT_WORKERS", 1),
            help="uvicorn processes for the chat's websockets (more than one needs REDIS_URL).",
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        no_demo: bool,
        web_workers: int,
        web_threads: int,
        chat_workers: int,
        **options: Any,
    ) -> None:
        if chat_workers > 1 and "InMemory" in settings.CHANNEL_LAYERS["default"]["BACKEND"]:
            # Each process would know only its own connections: a visitor and the agent
            # in different ones would not hear each other for a second at a time.
            raise CommandError(
                "Several chat workers need Redis (REDIS_URL) to carry the chats' notices "
                "between them; without it, run one."
            )
        self._check_port(host, port)
        chat_port = env_int("CHAT_PORT", port + 1)
        self._check_port(host, chat_port, setting="CHAT_PORT")
        smtpd_port = env_int("GUICHET_SMTPD_PORT", 0)
        if smtpd_port:
            self._check_port("127.0.0.1", smtpd_port, setting="GUICHET_SMTPD_PORT")
        with site_url_of(host, port) as site_url:
            self._prepare(no_demo)
            env = children_environment(site_url)
            if not settings.GUICHET_CHAT_URL:
                # The widget and the console reach the websockets on their own port.
                env["GUICHET_CHAT_URL"] = local_url(host, chat_port)
            children = self._start(host, port, env, web_workers, web_threads, smtpd_port)
            children.append(
                subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                    chat_server_command(host, chat_port, workers=chat_workers),
                    env=env,
                    start_new_session=True,
                )
            )
        self.chat_url = local_url(host, chat_port)
        self._announce(host, port, site_url, no_demo=no_demo, smtpd_port=smtpd_port)
        self._supervise(children)

    def _prepare(self, no_demo: bool) -> None:
        self.stdout.write("Preparing the database…")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_presets", stdout=self.stdout)
        if not no_demo:
            call_command("demo", no_sign_ins=True, stdout=self.stdout)
        if not (settings.DEBUG or settings.TESTING):
            call_command("collectstatic", interactive=False, verbosity=0)

    def _start(
        self,
        host: str,
        port: int,
        env: dict[str, str],
        web_workers: int,
        web_threads: int,
        smtpd_port: int,
    ) -> list[subprocess.Popen[bytes]]:
        python = sys.executable
        web = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            web_server_command(host, port, workers=web_workers, threads=web_threads),
            env=env,
            start_new_session=True,  # Ctrl-C reaches us only; we stop the children once
        )
        worker = subprocess.Popen(  # noqa: S603
            [python, "-m", "guichet", "worker"], env=env, start_new_session=True
        )
        children = [web, worker]
        if smtpd_port:
            children.append(
                subprocess.Popen(  # noqa: S603
                    [python, "-m", "guichet", "smtpd", "--port", str(smtpd_port)],
                    env=env,
                    stdout=subprocess.DEVNULL,  # its banner would interrupt ours
                    start_new_session=True,
                )
            )
        return children

    def _announce(
        self, host: str, port: int, site_url: str, *, no_demo: bool, smtpd_port: int
    ) -> None:
        url = local_url(host, port) + "/"
        self.stdout.write(self.style.SUCCESS(f"\nGuichet is running at {url}"))
        self.stdout.write(f"  desk:      {url}desk/   (English: {url}en/desk/)")
        self.stdout.write(f"  customers: {url}b/<brand>/   (e.g. {url}b/ej/contact)")
        self.stdout.write(f"  API:       {url}api/v1/docs")
        self.stdout.write(f"  admin:     {url}admin/")
        self.stdout.write(f"  health:    {url}healthz")
        sockets = self.chat_url.replace("http://", "ws://", 1)
        self.stdout.write(f"  chat:      {url}desk/chat/   (websockets: {sockets}/chat/ws/)")
        outbox = mailfiles.outbox_directory()
        if (
            outbox is not None
            and env_bool("GUICHET_DEV_MAIL_VIEWER", True)
            and not settings.PRODUCTION
        ):
            # The server's own setting (children_environment); the mail it sends is in files.
            self.stdout.write(
                f"  sent mail: {url}desk/dev/mail/   (administrators; files in {outbox})"
            )
        if site_url + "/" != url:
            self.stdout.write(f"  in emails: {site_url}/   (SITE_URL)")
        if smtpd_port:
            self.stdout.write(f"  email:     SMTP on 127.0.0.1:{smtpd_port}")
        if not no_demo:
            self.stdout.write(DEMO_USERS_HELP.format(password=settings.GUICHET_DEMO_PASSWORD))
        self.stdout.write("Press Ctrl-C to stop.\n")

    def _supervise(self, children: list[subprocess.Popen[bytes]]) -> None:
        """Wait until Ctrl-C (or SIGTERM) or until a child stops, then stop them all."""
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
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
            for sig, handler in previous.items():
                signal.signal(sig, handler)
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


def local_url(host: str, port: int) -> str:
    """The address a browser on this machine opens to reach a server listening on
    `host:port` (every address, 0.0.0.0 or ::, is reached on 127.0.0.1)."""
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - a name for every address, not a bind
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


@contextmanager
def site_url_of(host: str, port: int) -> Iterator[str]:
    """SITE_URL as configured, or else, for the time of the block, the address served on."""
    if settings.GUICHET_SITE_URL_SET:
        yield settings.SITE_URL
        return
    configured = settings.SITE_URL
    settings.SITE_URL = local_url(host, port)
    try:
        yield settings.SITE_URL
    finally:
        settings.SITE_URL = configured


def children_environment(site_url: str) -> dict[str, str]:
    """The environment of the processes `guichet up` starts: its own, with SITE_URL the
    address their links must carry, the right-hand side of Message-IDs this process uses
    (it follows SITE_URL's host unless set: every process must write the same), and the
    desk's development mail viewer on unless said otherwise (settings.py keeps it off
    with EMAIL_HOST or GUICHET_PRODUCTION)."""
    env = dict(os.environ)
    env["SITE_URL"] = site_url
    env.setdefault("GUICHET_EMAIL_DOMAIN", settings.GUICHET_EMAIL_DOMAIN)
    env.setdefault("GUICHET_DEV_MAIL_VIEWER", "1")
    return env
