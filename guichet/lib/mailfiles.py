"""Outgoing email as files, one `.eml` per message (development: no EMAIL_HOST), and the
reading of those files for the desk's development mail viewer.

Each message is written whole, as a mail reader opens it, under a name that says when and
to whom: `20261206-225801-123456-jane.doe@example.com.eml` (UTC, the recipient's address
made safe for a file name). A name is never reused: a second message to the same person
in the same microsecond gets `-2`, and so on. Names sort by time, so the newest is last.
"""

from __future__ import annotations

import email.policy
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage as DjangoEmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from guichet.lib import clock

BACKEND = "guichet.lib.mailfiles.EmlBackend"
SUFFIX = ".eml"
# What a file name may hold of the recipient's address: letters, digits and . _ + - @.
_UNSAFE = re.compile(r"[^A-Za-z0-9._+@-]+")
# A name this backend wrote: its time, a recipient, maybe a counter (never a path).
NAME = re.compile(r"^\d{8}-\d{6}-\d{6}-[A-Za-z0-9._+@-]{1,120}\.eml$")


class EmlBackend(BaseEmailBackend):
    """Django email backend writing each message to its own file in `directory`."""

    def __init__(self, *, directory: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.directory = Path(directory)

    def send_messages(self, email_messages: Sequence[DjangoEmailMessage]) -> int:
        if not email_messages:
            return 0
        self.directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            recipients = message.recipients()
            if not recipients:
                continue
            write_new(self.directory, file_stem(clock.now(), recipients[0]), message_bytes(message))
            sent += 1
        return sent


def message_bytes(message: DjangoEmailMessage) -> bytes:
    return message.message().as_bytes()


def file_stem(moment: datetime, recipient: str) -> str:
    """`20261206-225801-123456-jane.doe@example.com`: the moment in UTC, then the address
    of `recipient` ("Jane <jane.doe@example.com>" or the bare address) made safe."""
    address = (getaddresses([recipient]) or [("", "")])[0][1] or recipient
    safe = _UNSAFE.sub("_", address.strip()).strip("._")[:100] or "unknown"
    return f"{moment.astimezone(UTC):%Y%m%d-%H%M%S-%f}-{safe.lower()}"


def write_new(directory: Path, stem: str, data: bytes) -> Path:
    """Write `data` to a file named after `stem` that did not exist (never overwritten)."""
    for counter in range(1, 10_000):
        path = directory / f"{stem}{'' if counter == 1 else f'-{counter}'}{SUFFIX}"
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        return path
    raise FileExistsError(f"no free file name for {stem} in {directory}")


# --- reading (the development mail viewer) --------------------------------------------------------


def outbox_directory() -> Path | None:
    """The directory the default mailer writes .eml files to, or None when email goes
    elsewhere (SMTP in production; the tests' memory)."""
    mailer = getattr(settings, "MAILERS", {}).get("default", {})
    if mailer.get("BACKEND") != BACKEND:
        return None
    return Path(mailer.get("OPTIONS", {})["directory"])


def viewer_directory() -> Path | None:
    """The directory the desk's development mail viewer shows, when it is on
    (GUICHET_DEV_MAIL_VIEWER, with this backend as the default mailer); else None."""
    if not settings.GUICHET_DEV_MAIL_VIEWER:
        return None
    return outbox_directory()


def names(directory: Path) -> list[str]:
    """The .eml files of `directory` this backend wrote, newest first."""
    try:
        found = [entry.name for entry in os.scandir(directory) if NAME.match(entry.name)]
    except FileNotFoundError:
        return []
    return sorted(found, reverse=True)


def read(directory: Path, name: str, *, headers_only: bool = False) -> EmailMessage | None:
    """The message in file `name` of `directory`; None for a name this backend did not
    write (nothing outside the directory can be named) or a file that is gone."""
    if not NAME.match(name):
        return None
    try:
        with (directory / name).open("rb") as handle:
            parser = BytesParser(policy=email.policy.default)
            message = parser.parse(handle, headersonly=headers_only)
    except FileNotFoundError:
        return None
    assert isinstance(message, EmailMessage)
    return message


@dataclass
class Summary:
    name: str
    sent_at: datetime | None
    to: str
    subject: str
    sender: str
    reference: str  # the ticket's reference (X-Guichet-Ticket), if it has one


def summarise(name: str, message: EmailMessage) -> Summary:
    return Summary(
        name=name,
        sent_at=_date(message),
        to=str(message.get("To", "")),
        subject=str(message.get("Subject", "")),
        sender=str(message.get("From", "")),
        reference=str(message.get("X-Guichet-Ticket", "")),
    )


def sender_name(message: EmailMessage | Summary) -> str:
    header = message.sender if isinstance(message, Summary) else str(message.get("From", ""))
    addresses = getaddresses([header])
    return addresses[0][0] if addresses else ""


def _date(message: EmailMessage) -> datetime | None:
    raw = message.get("Date")
    if not raw:
        return None
    try:
        return parsedate_to_datetime(str(raw))
    except (TypeError, ValueError):
        return None


@dataclass
class Attachment:
    index: int
    filename: str
    content_type: str
    size: int


@dataclass
class Parts:
    text: str
    html: str  # as written: sanitise before showing it
    attachments: list[Attachment]


def parts(message: EmailMessage) -> Parts:
    """The text and HTML bodies and the attachments (numbered in the order of `walk`)."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    found = []
    for index, part in enumerate(_leaves(message)):
        if part is text or part is html:
            continue
        payload = part.get_payload(decode=True) or b""
        found.append(
            Attachment(
                index=index,
                filename=part.get_filename() or f"part-{index}",
                content_type=part.get_content_type(),
                size=len(payload) if isinstance(payload, bytes) else 0,
            )
        )
    return Parts(
        text=_content(text),
        html=_content(html),
        attachments=found,
    )


def attachment(message: EmailMessage, index: int) -> tuple[str, bytes] | None:
    """(file name, bytes) of the attachment numbered `index` by `parts`."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    for number, part in enumerate(_leaves(message)):
        if number == index and part is not text and part is not html:
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            return part.get_filename() or f"part-{index}", data
    return None


def _leaves(message: EmailMessage) -> Iterable[EmailMessage]:
    for part in message.walk():
        if not part.is_multipart():
            yield part


def _content(part: Any) -> str:
    if part is None:
        return ""
    try:
        return str(part.get_content())
    except (LookupError, ValueError):  # an unknown charset, a broken encoding
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
