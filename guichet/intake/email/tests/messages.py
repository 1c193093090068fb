"""Small builders of raw messages for the tests (the corpus holds the hostile files)."""

from __future__ import annotations

import base64
import importlib.util
from functools import cache
from pathlib import Path
from types import ModuleType


def eml(*headers: str | bytes, body: str | bytes = "Bonjour.\n") -> bytes:
    """Header lines then the body, CRLF line ends; str is written as UTF-8 (raw 8-bit)."""
    head = b"".join((h if isinstance(h, bytes) else h.encode()) + b"\r\n" for h in headers)
    data = body if isinstance(body, bytes) else body.encode()
    return head + b"\r\n" + data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def part(*headers: str, body: str | bytes) -> bytes:
    return eml(*headers, body=body)


def multipart(subtype: str, *parts: bytes, boundary: str = "b", params: str = "") -> bytes:
    out = f'Content-Type: multipart/{subtype}; boundary="{boundary}"{params}\r\n\r\n'.encode()
    for item in parts:
        out += f"--{boundary}\r\n".encode() + item + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def base64_part(content_type: str, data: bytes, *headers: str) -> bytes:
    encoded = base64.encodebytes(data).replace(b"\n", b"\r\n")
    return (
        f"Content-Type: {content_type}\r\n".encode()
        + b"".join(h.encode() + b"\r\n" for h in headers)
        + b"Content-Transfer-Encoding: base64\r\n\r\n"
        + encoded
    )


def with_body(body: bytes, *headers: str) -> bytes:
    """A message: the given headers (From and Subject by default) then a MIME body."""
    head = headers or ("From: Hélène <helene@exemple.fr>", "Subject: Test")
    return b"".join(h.encode() + b"\r\n" for h in head) + b"MIME-Version: 1.0\r\n" + body


@cache
def generator() -> ModuleType:
    """corpus/generate.py, whose TNEF and compressed-RTF writers the tests reuse."""
    spec = importlib.util.spec_from_file_location(
        "corpus_generate", Path(__file__).parent / "corpus" / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
