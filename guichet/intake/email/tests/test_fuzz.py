"""parse_email never raises and always returns a well-formed result, for any bytes (research
1G, H21): random bytes, mutated corpus files, random MIME trees, hostile header values."""

from __future__ import annotations

import base64
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guichet.intake.email.charsets import decode_bytes
from guichet.intake.email.headers import header_text, parse_addresses, parse_content_header
from guichet.intake.email.ical import calendar_to_text
from guichet.intake.email.parsing import ParsedEmail, parse_email
from guichet.intake.email.quoting import split_quoted
from guichet.intake.email.tnef import decompress_rtf, rtf_to_text, unpack

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.eml"))
FUZZ = settings(
    database=None,  # nothing written into the project
    derandomize=True,  # the same examples on every run: a failure is reproducible
    deadline=None,
    max_examples=300,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def assert_well_formed(result: ParsedEmail, raw: bytes, elapsed: float) -> None:
    assert elapsed < 2, "bounded effort"
    assert result.size == len(raw)
    for value in (result.subject, result.text, result.new_text, result.quoted_text, result.html):
        value.encode("utf-8")  # no lone surrogates: storable as is
        assert "\x00" not in value
    for single_line in (result.subject, result.message_id, *result.references):
        assert "\n" not in single_line and "\r" not in single_line
    if result.text.strip():
        assert result.new_text.strip()
    for address in (*result.to, *result.cc, *result.reply_to):
        assert address.address and "\n" not in address.name
    for attachment in result.attachments:
        assert attachment.filename.strip() == attachment.filename != ""
        assert not set("/\\\x00\r\n") & set(attachment.filename)
        assert (attachment.data is None) == bool(attachment.withheld_reason)
        assert attachment.size >= 0
    assert all(isinstance(defect, str) for defect in result.defects)
    if result.date is not None:
        assert result.date.tzinfo is not None


def check(raw: bytes, **options: int) -> ParsedEmail:
    start = time.perf_counter()
    result = parse_email(raw, **options)
    assert_well_formed(result, raw, time.perf_counter() - start)
    return result


@FUZZ
@given(st.binary(max_size=4000))
def test_random_bytes(raw: bytes) -> None:
    check(raw)


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes_after_plausible_headers(body: bytes) -> None:
    check(b"From: a@x.fr\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" + body)


@st.composite
def mutated_corpus_file(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(CORPUS)).read_bytes())
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            break
        start = draw(st.integers(0, len(data) - 1))
        end = min(len(data), start + draw(st.integers(0, 200)))
        action = draw(st.sampled_from(["delete", "insert", "duplicate", "flip", "truncate"]))
        if action == "delete":
            del data[start:end]
        elif action == "insert":
            data[start:start] = draw(
                st.sampled_from(
                    [
                        b"\r\n",
                        b"\n--",
                        b"--b--",
                        b"=?utf-8?B?",
                        b"\x00",
                        b"\xff\xfe",
                        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n",
                        b"; filename*0*=",
                        b">",
                        b"\r\n\r\n",
                    ]
                )
                | st.binary(max_size=40)
            )
        elif action == "duplicate":
            data[end:end] = data[start:end] * draw(st.integers(1, 30))
        elif action == "flip":
            data[start] ^= draw(st.integers(1, 255))
        else:
            del data[start:]
    return bytes(data)


@FUZZ
@given(mutated_corpus_file())
def test_mutated_corpus_files(raw: bytes) -> None:
    check(raw)


@FUZZ
@given(mutated_corpus_file(), st.integers(1, 5), st.integers(0, 5000))
def test_mutated_corpus_files_with_tight_limits(raw: bytes, parts: int, size: int) -> None:
    check(raw, max_parts=parts, max_attachment_bytes=size, max_total_attachment_bytes=size)


LEAF_TYPES = [
    "text/plain",
    "text/html",
    "text/calendar",
    "application/ms-tnef",
    "application/pdf",
    "image/png",
    "message/delivery-status",
    "text/rfc822-headers",
    "bogus",
    "",
]
ENCODINGS = ["", "7bit", "8bit", "base64", "quoted-printable", "x-uuencode", "weird"]
CHARSETS = ["utf-8", "iso-8859-1", "koi8-r", "shift_jis", "x-bogus", "", "utf-16"]


def leaf() -> st.SearchStrategy[bytes]:
    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        content_type = draw(st.sampled_from(LEAF_TYPES))
        charset = draw(st.sampled_from(CHARSETS))
        encoding = draw(st.sampled_from(ENCODINGS))
        body = draw(st.binary(max_size=300) | st.text(max_size=200).map(str.encode))
        if encoding == "base64" and draw(st.booleans()):
            body = base64.encodebytes(body)
        headers = []
        if content_type:
            headers.append(f"Content-Type: {content_type}; charset={charset}")
        if encoding:
            headers.append(f"Content-Transfer-Encoding: {encoding}")
        if draw(st.booleans()):
            name = draw(st.text(max_size=30)).encode("utf-8", "surrogatepass")
            headers.append(
                'Content-Disposition: attachment; filename="' + name.decode("latin-1") + '"'
            )
        if draw(st.booleans()):
            headers.append("Content-ID: <" + draw(st.text(max_size=20)) + ">")
        return (
            "".join(h + "\r\n" for h in headers).encode("utf-8", "surrogatepass") + b"\r\n" + body
        )

    return build()


def container(children: st.SearchStrategy[list[bytes]]) -> st.SearchStrategy[bytes]:
    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        subtype = draw(
            st.sampled_from(
                ["mixed", "alternative", "related", "report", "digest", "signed", "x-y"]
            )
        )
        boundary = draw(st.sampled_from(["b", "=_x", "b b", "a" * 70, "--", "é"]))
        parts = draw(children)
        if draw(st.booleans()):
            out = b"Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n"
        else:
            out = b""
        out += f'Content-Type: multipart/{subtype}; boundary="{boundary}"; report-type=delivery-status\r\n\r\n'.encode()
        for item in parts:
            out += f"--{boundary}\r\n".encode() + item + b"\r\n"
        if draw(st.booleans()):  # sometimes the closing boundary is missing
            out += f"--{boundary}--\r\n".encode()
        return out

    return build()


MIME_TREES = st.recursive(
    leaf(), lambda children: container(st.lists(children, max_size=4)), max_leaves=25
)


@FUZZ
@given(
    MIME_TREES,
    st.sampled_from([b"From: a@x.fr\r\n", b"From: MAILER-DAEMON@x\r\nReturn-Path: <>\r\n", b""]),
)
def test_random_mime_trees(tree: bytes, head: bytes) -> None:
    check(head + b"MIME-Version: 1.0\r\n" + tree)


@FUZZ
@given(
    st.integers(30, 3000),
    st.sampled_from(["multipart/mixed", "message/rfc822", "multipart/digest"]),
)
def test_deep_nesting_of_every_kind(levels: int, kind: str) -> None:
    raw = b"From: a@x.fr\r\n"
    for level in range(levels):
        if kind == "message/rfc822":
            raw += b"Content-Type: message/rfc822\r\n\r\n"
        else:
            raw += f'Content-Type: {kind}; boundary="l{level}"\r\n\r\n--l{level}\r\n'.encode()
            if kind == "multipart/digest":
                raw += b"\r\n"
    result = check(raw + b"Content-Type: text/plain\r\n\r\nfond")
    assert "too_deep" in result.defects or levels <= 32


HEADER_TEXT = st.text(max_size=200) | st.sampled_from(
    [
        "=?utf-8?B?",
        "=?x?Q?=FF=?=",
        "=?utf-8?Q?a=0D=0Ab?=",
        '"a@b" <c@d>',
        "a@b@c",
        "<<<>>>",
        "(((",
        "=?utf-8*fr?B?w6k=?=",
        "\udcff\udcfe",
        "Group: a@b, (c) <d@e>;",
    ]
)


@FUZZ
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                [
                    "From",
                    "To",
                    "Cc",
                    "Subject",
                    "Date",
                    "Message-ID",
                    "In-Reply-To",
                    "References",
                    "Return-Path",
                    "Reply-To",
                    "Content-Type",
                    "Content-Disposition",
                    "Auto-Submitted",
                    "Precedence",
                ]
            ),
            HEADER_TEXT,
        ),
        max_size=12,
    )
)
def test_hostile_header_values(headers: list[tuple[str, str]]) -> None:
    raw = "".join(
        f"{name}: {value.replace(chr(13), ' ').replace(chr(10), ' ')}\r\n"
        for name, value in headers
    )
    check(raw.encode("utf-8", "surrogateescape") + b"\r\nCorps.")


@FUZZ
@given(HEADER_TEXT)
def test_header_helpers_never_raise(value: str) -> None:
    assert "\n" not in header_text(value)
    parse_addresses([value])
    parse_content_header(value)


@FUZZ
@given(st.binary(max_size=500), st.text(max_size=30) | st.sampled_from(CHARSETS))
def test_any_bytes_in_any_charset_decode(data: bytes, label: str) -> None:
    decode_bytes(data, label).encode("utf-8", "surrogatepass")


@FUZZ
@given(
    st.lists(
        st.sampled_from(
            [
                "> q",
                "",
                "-- ",
                "--",
                "Le 3 mars 2026, X a écrit :",
                "On 3 Mar 2026 X wrote:",
                "De : x",
                "Envoyé : y",
                "Objet : z",
                "Texte.",
                "Sent from my iPhone",
                "-----Original Message-----",
                "_" * 32,
            ]
        )
        | st.text(max_size=40),
        max_size=40,
    )
)
def test_splitting_quotes_never_loses_text(lines: list[str]) -> None:
    text = "\n".join(lines)
    new, folded = split_quoted(text)
    if text.strip():
        assert new.strip()
    assert (new + "\n" + folded).split() == text.split() or new == text


@FUZZ
@given(st.binary(max_size=2000))
def test_tnef_rtf_and_calendar_readers_never_raise(data: bytes) -> None:
    defects: list[str] = []
    unpack(b"\x78\x9f\x3e\x22\x01\x00" + data, defects)
    unpack(data, defects)
    rtf_to_text(data)
    rtf_to_text(decompress_rtf(data))
    calendar_to_text(data.decode("latin-1"))
