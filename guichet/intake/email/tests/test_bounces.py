"""Bounces: RFC 3464 reports and common plain-text ones (research 1D, H2, F21)."""

from __future__ import annotations

from guichet.intake.email.parsing import parse_email
from guichet.intake.email.robots import bounce_from_report, bounce_from_text

from .messages import eml, multipart, part, with_body

REPORT_HEADERS = ("From: MAILER-DAEMON@mx.x.fr", "Subject: Undelivered Mail", "Return-Path: <>")


def report(status_block: str, returned: bytes, report_type: str = "delivery-status") -> bytes:
    return with_body(
        multipart(
            "report",
            part(body="Delivery failed."),
            part("Content-Type: message/delivery-status", body=status_block),
            returned,
            params=f"; report-type={report_type}",
        ),
        *REPORT_HEADERS,
    )


RETURNED = part(
    "Content-Type: message/rfc822", body="From: us@x.fr\nMessage-ID: <out.1@x.fr>\n\nHi"
)


def test_a_dsn_gives_the_original_id_recipient_status_action_and_diagnostic() -> None:
    result = parse_email(
        report(
            "Reporting-MTA: dns; mx\nOriginal-Envelope-Id: ENV-1\n\n"
            "Final-Recipient: rfc822; ok@x.fr\nAction: delivered\nStatus: 2.0.0\n\n"
            "Final-Recipient: rfc822; Gone@X.FR\nAction: failed\nStatus: 5.1.1 (unknown)\n"
            "Diagnostic-Code: smtp; 550 5.1.1 no such user\n",
            RETURNED,
        )
    )
    assert result.robot == "bounce"
    assert result.bounce is not None
    assert result.bounce.original_message_id == "out.1@x.fr"
    assert result.bounce.recipient == "Gone@x.fr"
    assert (result.bounce.status, result.bounce.action) == ("5.1.1", "failed")
    assert result.bounce.diagnostic == "550 5.1.1 no such user"
    assert result.bounce.envelope_id == "ENV-1"
    assert not result.is_auto_reply


def test_a_dsn_with_returned_headers_only() -> None:
    returned = part(
        "Content-Type: text/rfc822-headers", body="Message-ID: <out.2@x.fr>\nSubject: x\n"
    )
    result = parse_email(report("Final-Recipient: rfc822;a@x.fr\nStatus: 4.2.2\n", returned))
    assert result.bounce is not None
    assert (result.bounce.original_message_id, result.bounce.action) == ("out.2@x.fr", "delayed")


def test_a_dsn_with_nothing_readable_is_still_a_bounce() -> None:
    result = parse_email(report("garbage", part(body="nothing")))
    assert result.robot == "bounce"
    assert result.bounce is not None and result.bounce.original_message_id == ""


def test_a_read_receipt_is_a_robot_but_not_a_bounce() -> None:
    result = parse_email(
        report("Disposition: displayed\n", part(body="x"), "disposition-notification")
    )
    assert (result.robot, result.bounce) == ("report", None)


def test_a_plain_text_bounce_with_an_attached_original() -> None:
    raw = with_body(
        multipart(
            "mixed", part(body="Your message could not be delivered: 550 5.7.1 refused"), RETURNED
        ),
        "From: postmaster@x.fr",
        "Subject: Undeliverable: Votre demande",
    )
    result = parse_email(raw)
    assert result.bounce is not None
    assert result.bounce.original_message_id == "out.1@x.fr"
    assert result.bounce.status == "5.7.1"


def test_a_french_plain_text_bounce() -> None:
    bounce = bounce_from_text(
        "Votre message n'a pas pu être remis à client@exemple.fr.\n\n"
        "550 5.1.1 Adresse inconnue\n\n--- Message d'origine ---\nMessage-ID: <o@x>\n"
    )
    assert bounce is not None
    assert (bounce.original_message_id, bounce.recipient, bounce.status) == (
        "o@x",
        "client@exemple.fr",
        "5.1.1",
    )
    assert bounce.diagnostic == "550 5.1.1 Adresse inconnue"


def test_a_plain_text_bounce_without_the_original_id_is_not_a_bounce_info() -> None:
    assert bounce_from_text("Delivery failed to a@x.fr: 550 5.1.1") is None


def test_a_customer_mail_that_mentions_a_bounce_is_not_one() -> None:
    result = parse_email(
        eml(
            "From: client@exemple.fr",
            "Subject: Undelivered Mail Returned to Sender",
            body="Message-ID: <x@y>\n550 5.1.1",
        )
    )
    assert (result.robot, result.bounce) == ("", None)


def test_report_without_blocks_gives_empty_fields() -> None:
    bounce = bounce_from_report([], "")
    assert (bounce.recipient, bounce.status, bounce.action) == ("", "", "")
