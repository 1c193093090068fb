"""Bounded effort: sizes, part counts and nesting depth (research 1G, H16, H21, F26, F31)."""

from __future__ import annotations

import time

import pytest

from guichet.intake.email.parsing import parse_email

from .messages import base64_part, eml, multipart, part, with_body

ATTACHMENT = 'Content-Disposition: attachment; filename="{}"'


def timed(raw: bytes, **options: int) -> tuple[float, object]:
    start = time.perf_counter()
    result = parse_email(raw, **options)
    return time.perf_counter() - start, result


def nested_multiparts(levels: int) -> bytes:
    head = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (n, n)
        for n in range(levels)
    )
    tail = b"".join(b"\r\n--b%d--" % n for n in reversed(range(levels)))
    return b"From: a@x.fr\r\n" + head + b"Content-Type: text/plain\r\n\r\ndeep" + tail


def test_5000_nested_multiparts_are_cut_quickly() -> None:
    elapsed, result = timed(nested_multiparts(5000))
    assert elapsed < 2
    assert "too_deep" in result.defects  # type: ignore[attr-defined]


def test_5000_nested_messages_are_cut_quickly() -> None:
    raw = b"From: a@x.fr\r\n" + b"Content-Type: message/rfc822\r\n\r\nSubject: x\r\n" * 5000
    elapsed, result = timed(raw + b"\r\nfin")
    assert elapsed < 2
    assert "too_deep" in result.defects  # type: ignore[attr-defined]


def test_nested_digests_whose_messages_are_implicit_are_cut() -> None:
    body = b"Content-Type: text/plain\r\n\r\nleaf\r\n"
    for n in range(2000):
        body = (
            b'Content-Type: multipart/digest; boundary="d%d"\r\n\r\n--d%d\r\n\r\n' % (n, n)
            + body
            + b"\r\n--d%d--\r\n" % n
        )
    elapsed, result = timed(b"From: a@x.fr\r\n" + body)
    assert elapsed < 2
    assert "too_deep" in result.defects  # type: ignore[attr-defined]


def test_text_before_a_too_deep_branch_is_kept() -> None:
    raw = with_body(multipart("mixed", part(body="En haut."), nested_multiparts(100)[14:]))
    result = parse_email(raw)
    assert "En haut." in result.text
    assert any(a.withheld_reason == "too_deep" for a in result.attachments)


def test_a_wide_but_shallow_message_is_left_whole_by_the_depth_guard() -> None:
    # 40 forwarded messages, each an alternative: many containers, none deep.
    forwarded = [
        part(
            "Content-Type: message/rfc822",
            body=(
                f"From: p{n}@x.fr\r\nSubject: m{n}\r\n".encode()
                + multipart(
                    "alternative",
                    part("Content-Type: text/plain", body=f"Texte {n}."),
                    part("Content-Type: text/html", body=f"<p>Texte {n}.</p>"),
                    boundary=f"alt{n}",
                )
            ).decode(),
        )
        for n in range(40)
    ]
    result = parse_email(with_body(multipart("mixed", part(body="Quarante."), *forwarded)))
    assert "too_deep" not in result.defects
    assert all(f"Texte {n}." in result.text for n in range(40))


def test_a_shallow_nesting_within_the_limit_is_read() -> None:
    result = parse_email(nested_multiparts(20))
    assert result.text == "deep" and "too_deep" not in result.defects


@pytest.mark.parametrize(
    "raw",
    [
        b"From: a@x.fr\r\nSubject: " + b"mot " * 250_000 + b"\r\n\r\nx",
        b"From: a@x.fr\r\nTo: " + b"a@x.fr, " * 100_000 + b"\r\n\r\nx",
        b"From: a@x.fr\r\nReferences: " + b"<a@x> " * 150_000 + b"\r\n\r\nx",
        b"From: a@x.fr\r\nSubject: " + b"=?utf-8?Q?=C3=A9?= " * 50_000 + b"\r\n\r\nx",
        b"".join(b"X-H%d: v\r\n" % n for n in range(100_000)) + b"\r\nx",
        b"\x00" * 5_000_000,
        b"From: a@x.fr\r\nContent-Type: text/html\r\n\r\n" + b"<div><p>x</p>" * 50_000,
        b"From: a@x.fr\r\n\r\n" + b"> x\n--\n" * 100_000,
        b"From: a@x.fr\r\n\r\n" + b"On 1 Mar 2026 x wrote:\n> q\n" * 50_000 + b"answer",
    ],
    ids=[
        "1 MB subject",
        "100k addresses",
        "1 MB references",
        "50k encoded words",
        "100k headers",
        "5 MB of NUL",
        "50k nested div",
        "100k signature lines",
        "50k attributions",
    ],
)
def test_megabyte_headers_and_bodies_parse_in_bounded_time(raw: bytes) -> None:
    elapsed, _ = timed(raw)
    assert elapsed < 3


def test_a_part_over_the_size_limit_is_withheld_without_being_decoded() -> None:
    big = b"A" * 4_000_000
    raw = with_body(
        multipart(
            "mixed",
            part("Content-Type: text/plain", body="Texte."),
            b"Content-Type: application/octet-stream\r\n"
            + ATTACHMENT.format("big.bin").encode()
            + b"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + b"\r\n".join(big[i : i + 76] for i in range(0, len(big), 76)),
        )
    )
    (attachment,) = parse_email(raw, max_attachment_bytes=1_000_000).attachments
    assert attachment.withheld_reason == "too_large"
    assert attachment.data is None
    assert attachment.filename == "big.bin"
    assert attachment.size == 3_000_000


def test_a_40_mb_part_is_withheld_with_the_default_limits() -> None:
    data = b"QUFB" * 10_000_000
    raw = with_body(
        multipart(
            "mixed",
            part(body="Texte."),
            b"Content-Type: application/zip\r\n"
            + ATTACHMENT.format("huge.zip").encode()
            + b"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + data,
        )
    )
    elapsed, result = timed(raw)
    (attachment,) = result.attachments  # type: ignore[attr-defined]
    assert (attachment.withheld_reason, attachment.size) == ("too_large", 30_000_000)
    assert elapsed < 5


def test_the_total_limit_withholds_later_parts_and_keeps_the_earlier() -> None:
    parts = [
        base64_part("application/pdf", b"x" * 1000, ATTACHMENT.format(f"{n}.pdf")) for n in range(5)
    ]
    result = parse_email(
        with_body(multipart("mixed", part(body="Texte."), *parts)), max_total_attachment_bytes=2500
    )
    assert [a.withheld_reason for a in result.attachments] == [
        "",
        "",
        "total_too_large",
        "total_too_large",
        "total_too_large",
    ]
    assert "attachments_total_too_large" in result.defects


def test_200_attachments_and_more_are_listed_withheld_beyond_the_part_limit() -> None:
    parts = [base64_part("image/png", b"png", ATTACHMENT.format(f"{n}.png")) for n in range(300)]
    result = parse_email(with_body(multipart("mixed", part(body="Texte."), *parts)))
    assert len(result.attachments) == 300
    kept = [a for a in result.attachments if not a.withheld_reason]
    assert len(kept) == 198  # the container and the text are parts too
    assert {a.withheld_reason for a in result.attachments[198:]} == {"too_many_parts"}


def test_bytes_beyond_five_times_the_part_limit_are_not_parsed() -> None:
    parts = [part("Content-Type: text/plain", body="x") for _ in range(20_000)]
    elapsed, result = timed(with_body(multipart("mixed", *parts)), max_parts=50)
    assert elapsed < 2
    assert "too_many_parts" in result.defects  # type: ignore[attr-defined]


def test_body_text_is_capped() -> None:
    result = parse_email(eml("From: a@x.fr", body="a" * 3_000_000))
    assert len(result.text) == 2_000_000
    assert "text_truncated" in result.defects


def test_odd_limits_never_raise() -> None:
    raw = eml("From: a@x.fr")
    for options in ({"max_parts": 0}, {"max_attachment_bytes": -1}, {"max_depth": 10_000}):
        assert parse_email(raw, **options).sender is not None
