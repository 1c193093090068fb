"""Addresses: parsed strictly (CVE-2023-27043, research H29, H30), names decoded and cleaned."""

from __future__ import annotations

from guichet.intake.email.headers import Address, parse_addresses
from guichet.intake.email.parsing import parse_email

from .messages import eml


def test_the_addr_spec_wins_over_an_address_shaped_display_name() -> None:
    assert parse_addresses(['"alice@brand-a.com" <mallory@evil.com>']) == (
        Address("alice@brand-a.com", "mallory@evil.com"),
    )
    assert parse_addresses(["alice@brand-a.com <mallory@evil.com>"]) == (
        Address("alice@brand-a.com", "mallory@evil.com"),
    )


def test_two_at_signs_are_refused_rather_than_guessed() -> None:
    defects: list[str] = []
    assert parse_addresses(["alice@brand-a.com@evil.com"], defects, field="from") == ()
    assert defects == ["unparseable_from"]


def test_the_domain_is_lower_cased_not_the_local_part() -> None:
    assert parse_addresses(["Jean.Dupont@Exemple.FR"]) == (Address("", "Jean.Dupont@exemple.fr"),)


def test_encoded_and_raw_8bit_display_names_are_decoded() -> None:
    assert parse_addresses(["=?utf-8?Q?H=C3=A9l=C3=A8ne?= <h@x.fr>"])[0].name == "Hélène"
    raw = "Hélène <h@x.fr>".encode().decode("ascii", "surrogateescape")
    assert parse_addresses([raw])[0].name == "Hélène"


def test_an_unquoted_comma_in_a_name_is_rejoined() -> None:
    assert parse_addresses(["Lefèvre, Hélène <h@x.fr>"]) == (Address("Lefèvre, Hélène", "h@x.fr"),)


def test_lists_groups_and_comments() -> None:
    assert [a.address for a in parse_addresses(["a@x.fr, Team: b@x.fr, c@x.fr;", "d@x.fr"])] == [
        "a@x.fr",
        "b@x.fr",
        "c@x.fr",
        "d@x.fr",
    ]
    assert parse_addresses(["undisclosed-recipients:;"]) == ()
    assert parse_addresses(["bob@x.fr (Bob Martin)"]) == (Address("Bob Martin", "bob@x.fr"),)


def test_header_injection_in_a_display_name_is_flattened() -> None:
    (address,) = parse_addresses(["=?utf-8?Q?Bob=0D=0ABcc:_v=40x.com?= <bob@x.fr>"])
    assert address == Address("Bob Bcc: v@x.com", "bob@x.fr")


def test_the_number_of_addresses_is_bounded() -> None:
    defects: list[str] = []
    assert len(parse_addresses([", ".join(["a@x.fr"] * 600)], defects, field="to")) == 500
    assert defects == ["too_many_to"]


def test_sender_is_the_first_mailbox_of_from() -> None:
    parsed = parse_email(
        eml("From: a@x.fr, b@y.fr", "To: c@z.fr", "Cc: d@z.fr", "Reply-To: r@x.fr")
    )
    assert parsed.sender == Address("", "a@x.fr")
    assert [a.address for a in (*parsed.to, *parsed.cc, *parsed.reply_to)] == [
        "c@z.fr",
        "d@z.fr",
        "r@x.fr",
    ]


def test_mailer_daemon_without_a_domain_is_still_the_sender() -> None:
    parsed = parse_email(eml("From: Mail Delivery System <MAILER-DAEMON>"))
    assert parsed.sender == Address("Mail Delivery System", "MAILER-DAEMON")


def test_missing_or_empty_from_gives_no_sender() -> None:
    assert parse_email(eml("Subject: x")).sender is None
    assert "missing_from" in parse_email(eml("Subject: x")).defects
    assert parse_email(eml("From: ")).sender is None


def test_return_path_distinguishes_absent_from_null() -> None:
    assert parse_email(eml("From: a@x.fr")).return_path is None
    assert parse_email(eml("Return-Path: <>", "From: a@x.fr")).return_path == ""
    assert (
        parse_email(eml("Return-Path: <Bounce@X.FR>", "From: a@x.fr")).return_path == "Bounce@x.fr"
    )
