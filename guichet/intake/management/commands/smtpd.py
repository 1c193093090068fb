"""guichet smtpd [--host 127.0.0.1] [--port 2525] [--lmtp]: receive email for the brands'
addresses until SIGINT or SIGTERM (guichet/intake/email/smtpd.py says how)."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from guichet.intake.email import ingest
from guichet.intake.email.smtpd import MB, Receiver


class Command(BaseCommand):
    help = (
        "Receive email by SMTP (or LMTP) for the brands' addresses, store it before "
        "answering 250, and queue it for processing. Runs until SIGINT or SIGTERM."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=2525, help="Port to listen on.")
        parser.add_argument(
            "--lmtp",
            action="store_true",
            help="Speak LMTP (RFC 2033, for a local MTA): one reply per recipient.",
        )
        parser.add_argument(
            "--max-size-mb",
            type=int,
            default=settings.GUICHET_INBOUND_MAX_BYTES // MB,
            help="Largest message accepted, in MB (larger: 552). Default: "
            "GUICHET_INBOUND_MAX_BYTES (50 MB).",
        )
        parser.add_argument(
            "--threads", type=int, default=4, help="Database threads storing messages."
        )
        parser.add_argument(
            "--hostname", default="", help="Name in the greeting (default: the host name)."
        )
        parser.add_argument(
            "--grace",
            type=float,
            default=30.0,
            help="Seconds to finish the messages in hand when stopping.",
        )

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        lmtp: bool,
        max_size_mb: int,
        threads: int,
        hostname: str,
        grace: float,
        **options: Any,
    ) -> None:
        if options["verbosity"] < 2:
            # aiosmtpd logs every command (with the addresses) at INFO.
            logging.getLogger("mail.log").setLevel(logging.WARNING)
        addresses = ingest.brand_addresses()
        connections.close_all()  # the receiver's own threads use the database from now on
        receiver = Receiver(
            host=host,
            port=port,
            lmtp=lmtp,
            max_bytes=max_size_mb * MB,
            threads=threads,
            hostname=hostname,
        )
        try:
            receiver.start()
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port} ({exc.strerror})") from None
        brands = len(set(addresses.values()))
        self.stdout.write(
            f"{receiver.protocol} receiver on {host}:{receiver.port}: "
            f"{len(addresses)} addresses of {brands} brands, messages up to {max_size_mb} MB."
        )
        if not addresses:
            self.stderr.write("No brand has an email address yet: every recipient is refused.")
        stopping = threading.Event()

        def stop(signum: int, frame: Any) -> None:
            stopping.set()

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            while not stopping.wait(0.5):
                if not receiver.alive:
                    raise CommandError("the receiver stopped unexpectedly")
        finally:
            receiver.stop(grace)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write(f"{receiver.protocol} receiver stopped.")
