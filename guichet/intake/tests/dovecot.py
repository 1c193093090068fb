"""A real IMAP server for the tests: Debian's dovecot, private to the test session.

`dovecot` (session-scoped) installs `dovecot-imapd` with apt when `/usr/sbin/dovecot` is
missing, writes its own configuration into a temporary directory (nothing under /etc is
read), and runs it in the foreground on 127.0.0.1: one plain IMAP port and one IMAPS port
with a self-signed certificate. One user, whose mail is a Maildir in the same directory.
If it cannot start, the fixture raises with dovecot's log: the tests fail, they are never
skipped.

Test modules bind the fixtures they use at module level:

    from guichet.intake.tests import dovecot as imap_server
    dovecot = imap_server.dovecot
    imap_folder = imap_server.imap_folder

GUICHET_KEEP_DOVECOT=1 keeps the server's directory (configuration, Maildir, log) after
the session, to look into a failure.
"""

from __future__ import annotations

import contextlib
import datetime
import grp
import imaplib
import ipaddress
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from testsupport.debian import ensure_installed

DOVECOT = Path("/usr/sbin/dovecot")
USER = "guichet"
PASSWORD = "s3cret-Pässwörd-9f2c"  # non-ASCII on purpose: it must go through AUTH=PLAIN

CONFIG = """\
# Written by guichet/intake/tests/dovecot.py for one test session.
base_dir = {root}/run
state_dir = {root}/state
instance_name = guichet-test-{port}
listen = 127.0.0.1
protocols = imap
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
# A wrong password is answered at once (tests try one on purpose).
auth_failure_delay = 0
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
first_valid_uid = 1
first_valid_gid = 1
mail_location = maildir:{root}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
mail_max_userip_connections = 200
imap_max_line_length = 1M
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {ssl_port}
    ssl = yes
  }}
  process_min_avail = 0
  # No chroot: a user that is not root cannot chroot, and this server is the tests' alone.
  chroot =
}}
service anvil {{
  chroot =
  # Nobody may reach the penalty socket, so a failed sign-in (which tests make on purpose)
  # does not slow the next ones from 127.0.0.1 by seconds.
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap {{
  process_limit = 200
}}
"""


@dataclass(frozen=True)
class Dovecot:
    host: str
    port: int
    ssl_port: int
    user: str
    password: str
    ca_file: Path  # the self-signed certificate of the IMAPS port
    log: Path

    def client(self) -> imaplib.IMAP4:
        """A logged-in IMAP client (plain port): how tests put mail in and look at it."""
        conn = imaplib.IMAP4(self.host, self.port, timeout=30)
        conn.authenticate("PLAIN", lambda _challenge: f"\0{self.user}\0{self.password}".encode())
        return conn


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _self_signed_certificate(root: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (root / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (root / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (root / "key.pem").chmod(0o600)


def _wait_until_ready(server: Dovecot, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            conn = server.client()
            conn.logout()
            return
        except (OSError, imaplib.IMAP4.error) as exc:
            last = exc
            time.sleep(0.1)
    log = server.log.read_text(errors="replace")[-5000:] if server.log.exists() else ""
    raise RuntimeError(f"dovecot did not start ({last!r}); its log:\n{log}")


def _start() -> tuple[Dovecot, subprocess.Popen[bytes], Path]:
    ensure_installed(DOVECOT, "dovecot-imapd")
    root = Path(tempfile.mkdtemp(prefix="guichet-dovecot-"))
    # dovecot checks that its directories are reachable by its unprivileged users.
    root.chmod(0o755)
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir()
    if os.getuid() == 0:
        # As root, dovecot runs its login and internal processes as the users the Debian
        # package creates, and refuses to access mail as root: the mail belongs to nobody.
        login_user, internal_user, internal_group = "dovenull", "dovecot", "dovecot"
        owner = pwd.getpwnam("nobody")
        uid, gid = owner.pw_uid, owner.pw_gid
        for sub in ("mail", "home"):
            os.chown(root / sub, uid, gid)
    else:
        # Not root: every process of dovecot runs as this user.
        login_user = internal_user = pwd.getpwuid(os.getuid()).pw_name
        internal_group = grp.getgrgid(os.getgid()).gr_name
        uid, gid = os.getuid(), os.getgid()
    _self_signed_certificate(root)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n", encoding="utf-8")
    port, ssl_port = _free_port(), _free_port()
    config = root / "dovecot.conf"
    config.write_text(
        CONFIG.format(
            root=root,
            port=port,
            ssl_port=ssl_port,
            uid=uid,
            gid=gid,
            login_user=login_user,
            internal_user=internal_user,
            internal_group=internal_group,
        ),
        encoding="utf-8",
    )
    server = Dovecot(
        host="127.0.0.1",
        port=port,
        ssl_port=ssl_port,
        user=USER,
        password=PASSWORD,
        ca_file=root / "cert.pem",
        log=root / "dovecot.log",
    )
    with (root / "stderr.log").open("wb") as stderr:
        process = subprocess.Popen(
            [str(DOVECOT), "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=stderr
        )
    try:
        _wait_until_ready(server, process)
    except BaseException:
        _stop(process, root)
        raise
    return server, process, root


def _stop(process: subprocess.Popen[bytes], root: Path) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)
    if not os.environ.get("GUICHET_KEEP_DOVECOT"):
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class _Shared:
    """Each test module that binds the fixture gets its own session-scoped copy of it; they
    share one server, stopped when the last of them is torn down."""

    users: int = 0
    running: tuple[Dovecot, subprocess.Popen[bytes], Path] | None = None


_shared = _Shared()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    if _shared.running is None:
        _shared.running = _start()
    _shared.users += 1
    try:
        yield _shared.running[0]
    finally:
        _shared.users -= 1
        if not _shared.users:
            _server, process, root = _shared.running
            _shared.running = None
            _stop(process, root)


_folders = itertools.count(1)


@pytest.fixture
def imap_folder(dovecot: Dovecot) -> Iterator[str]:
    """A new, empty folder for one test (tests share the server, never a folder)."""
    name = f"t{os.getpid()}-{next(_folders)}"
    conn = dovecot.client()
    typ, data = conn.create(name)
    assert typ == "OK", data
    conn.logout()
    yield name
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        conn = dovecot.client()
        conn.delete(name)
        conn.logout()


def append(server: Dovecot, folder: str, *messages: bytes) -> None:
    """Deliver messages with IMAP APPEND, the way a mail server's delivery would."""
    conn = server.client()
    try:
        for raw in messages:
            typ, data = conn.append(folder, None, None, raw)
            assert typ == "OK", data
    finally:
        conn.logout()


def flags(server: Dovecot, folder: str) -> dict[bytes, set[bytes]]:
    """Message-ID header -> flags, for every message left in the folder."""
    import re

    conn = server.client()
    try:
        typ, _ = conn.select(folder, readonly=True)
        assert typ == "OK"
        typ, data = conn.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        assert typ == "OK", data
        found: dict[bytes, set[bytes]] = {}
        for item in data:
            if not isinstance(item, tuple):
                continue
            head, body = item
            match = re.search(rb"FLAGS \(([^)]*)\)", head)
            message_id = body.split(b":", 1)[1].strip() if b":" in body else b""
            found[message_id] = set(match.group(1).split()) if match else set()
        return found
    finally:
        conn.logout()
