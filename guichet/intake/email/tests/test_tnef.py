"""winmail.dat: unpacked within bounds, names cleaned, body used (research H18, F27)."""

from __future__ import annotations

import struct
import time

import pytest

from guichet.intake.email.parsing import parse_email
from guichet.intake.email.tnef import decompress_rtf, is_safe, rtf_to_text, unpack

from .messages import base64_part, generator, multipart, part, with_body

PDF = b"%PDF-1.4 test"


def winmail(data: bytes, *body: bytes) -> bytes:
    return with_body(
        multipart(
            "mixed",
            *body,
            base64_part(
                "application/ms-tnef",
                data,
                'Content-Disposition: attachment; filename="winmail.dat"',
            ),
        )
    )


def test_the_specification_example_of_compressed_rtf_decompresses() -> None:
    example = bytes.fromhex(
        "2d0000002b0000004c5a4675f1c5c7a703000a00726370673132354232"
        "0af32068656c09002062770 5b06c647d0a800fa0".replace(" ", "")
    )
    assert decompress_rtf(example) == b"{\\rtf1\\ansi\\ansicpg1252\\pard hello world}\r\n"


def test_compressed_rtf_round_trips_through_the_corpus_compressor() -> None:
    rtf = b"{\\rtf1\\ansi R\\'e9clamation, r\\'e9clamation, r\\'e9clamation.\\par}"
    assert decompress_rtf(generator().lzfu(rtf)) == rtf


def test_uncompressed_and_foreign_rtf_containers() -> None:
    raw = b"{\\rtf1 x}"
    assert decompress_rtf(struct.pack("<IIII", len(raw) + 12, len(raw), 0x414C454D, 0) + raw) == raw
    assert decompress_rtf(b"not compressed rtf at all") == b""


def test_rtf_to_text_reads_code_page_bytes_unicode_and_skips_destinations() -> None:
    rtf = (
        b"{\\rtf1\\ansi\\ansicpg1252{\\fonttbl{\\f0 Arial;}}{\\*\\htmltag <p>}"
        b"{\\pict 0123abcd}Colis ab\\'eem\\'e9 \\u8211? rembours\\'e9\\par\\tab Merci\\~!}"
    )
    assert rtf_to_text(rtf) == "Colis abîmé – remboursé\n\tMerci !"


def test_a_winmail_with_rtf_body_and_traversal_names_is_unpacked() -> None:
    make = generator()
    rtf = b"{\\rtf1\\ansi\\ansicpg1252\\pard Le colis est arriv\\'e9 cass\\'e9.\\par}"
    data = make.tnef(
        [make.mapi_value(0x0102, 0x1009, make.lzfu(rtf))],
        [
            (b"X.PDF", PDF, [make.long_filename("..\\..\\Windows\\facture.pdf")]),
            (b"../../.ssh/authorized_keys", b"ssh-rsa", []),
        ],
    )
    result = parse_email(winmail(data))
    assert result.text == "Le colis est arrivé cassé."
    assert [(a.filename, a.content_type, a.data) for a in result.attachments] == [
        ("facture.pdf", "application/pdf", PDF),
        ("authorized_keys", "application/octet-stream", b"ssh-rsa"),
    ]


def test_the_tnef_body_is_only_used_when_the_message_has_no_other() -> None:
    make = generator()
    data = make.tnef([make.mapi_value(0x001E, 0x1000, b"Texte TNEF\x00")], [])
    assert parse_email(winmail(data)).text == "Texte TNEF"
    with_text = winmail(data, part("Content-Type: text/plain", body="Texte MIME"))
    assert parse_email(with_text).text == "Texte MIME"


def test_attachment_limits_apply_inside_tnef() -> None:
    make = generator()
    data = make.tnef([], [(b"a.bin", b"x" * 5000, []), (b"b.bin", b"y" * 5000, [])])
    result = parse_email(winmail(data), max_total_attachment_bytes=7000)
    assert [a.withheld_reason for a in result.attachments] == ["", "total_too_large"]


def mapi_block(count: int, payload: bytes = b"") -> bytes:
    return struct.pack("<I", count) + payload


def tnef_with_props(block: bytes) -> bytes:
    make = generator()
    return (
        struct.pack("<IH", 0x223E9F78, 1)
        + make.tnef_object(1, 0x9007, 0x0006, struct.pack("<II", 1252, 0))
        + make.tnef_object(1, 0x9003, 0x0006, block)
    )


@pytest.mark.parametrize(
    "block",
    [
        mapi_block(0xFFFFFFFF),  # four billion properties, no bytes
        mapi_block(1, struct.pack("<HHI", 0x1002, 0x0001, 0xFFFFFFFF)),  # multi-valued shorts
        mapi_block(1, struct.pack("<HHI", 0x1014, 0x0001, 0x10000000) + b"\x00" * 16),
    ],
    ids=["property count", "multi-valued count", "multi-valued 8-byte count"],
)
def test_counts_larger_than_the_file_are_refused_before_tnefparse_loops(block: bytes) -> None:
    data = tnef_with_props(block)
    assert not is_safe(data)
    start = time.perf_counter()
    defects: list[str] = []
    assert unpack(data, defects) is None
    assert defects == ["tnef_unreadable"]
    assert time.perf_counter() - start < 1


def test_many_tiny_objects_are_refused_before_quadratic_copying() -> None:
    make = generator()
    data = struct.pack("<IH", 0x223E9F78, 1) + make.tnef_object(1, 0x8008, 0x0007, b"x") * 20_000
    assert not is_safe(data)


def test_embedded_messages_nest_a_bounded_number_of_times() -> None:
    make = generator()
    inner = make.tnef([], [(b"deep.txt", b"x", [])])
    for _ in range(6):
        signature = b"\x07\x03\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"
        inner = make.tnef(
            [], [(b"m.msg", b"", [make.mapi_value(0x000D, 0x3701, signature + inner)])]
        )
    assert not is_safe(inner)


@pytest.mark.parametrize(
    "data", [b"", b"\x78\x9f\x3e\x22", b"\x78\x9f\x3e\x22\x01\x00" + b"\xff" * 64, b"garbage" * 10]
)
def test_a_broken_winmail_stays_an_opaque_attachment(data: bytes) -> None:
    result = parse_email(winmail(data, part("Content-Type: text/plain", body="Texte.")))
    assert [a.filename for a in result.attachments] == ["winmail.dat"]
    assert result.attachments[0].data == data
    assert result.text == "Texte."
