"""Policy validation: good files pass, and each mistake is reported at its key and line."""

from pathlib import Path

import pytest

from guichet.policies.loader import load_policy
from guichet.policies.schema import Policy

MINIMAL = """schema_version = 1
version = "test"

[brand]
slug = "acme"
name = "Acme"
reference_prefix = "AC"
languages = ["fr", "en"]

[calendar]
timezone = "Europe/Paris"
holidays = { country = "FR" }

[calendar.hours]
mon = ["09:00-12:00", "14:00-18:00"]
sat = []

[[channels]]
kind = "email"
address = "support@acme.example"

[[contact_types]]
type = "question"

[[contact_types]]
type = "complaint"

[[categories]]
key = "billing"
name = { fr = "Facturation", en = "Billing" }
first_in_queue = true

[[teams]]
key = "support"
name = { fr = "Support", en = "Support" }

[[levels]]
key = "one"
name = { fr = "Niveau 1", en = "Level 1" }
team = "support"
final = true

[[deadlines]]
kind = "first_response"
target = "24h"
clock = "calendar"
"""


def errors(text: str) -> list[tuple[str, int | None, str]]:
    result = load_policy(text, "test.toml")
    return [(e.dotted, e.line, e.message) for e in result.errors]


def replace(old: str, new: str) -> str:
    assert old in MINIMAL
    return MINIMAL.replace(old, new)


def test_a_minimal_policy_is_valid():
    result = load_policy(MINIMAL)
    assert result.ok, result.errors
    policy = result.policy
    assert isinstance(policy, Policy)
    assert policy.default_language == "fr"
    assert [str(i) for i in policy.calendar.hours.mon] == ["09:00-12:00", "14:00-18:00"]
    assert policy.calendar.hours.tue == []  # an unlisted day is closed
    assert policy.level_at(1).final
    assert policy.category("billing").first_in_queue


def test_syntax_errors_give_the_line():
    [(path, line, message)] = errors(replace('slug = "acme"', 'slug = "acme'))
    assert path == "(document)" and line == 5 and "TOML syntax error" in message


def test_unknown_keys_are_refused_where_they_are():
    [(path, line, message)] = errors(
        replace('address = "support@acme.example"', 'adress = "support@acme.example"')
    )
    assert (path, line) == ("channels[0].adress", 20)
    assert "unknown key" in message


@pytest.mark.parametrize(
    ("old", "new", "path", "line", "fragment"),
    [
        (
            'timezone = "Europe/Paris"',
            'timezone = "Europe/Pariss"',
            "calendar.timezone",
            11,
            "unknown time zone",
        ),
        (
            '{ country = "FR" }',
            '{ country = "XX" }',
            "calendar.holidays",
            12,
            "does not know country",
        ),
        (
            'mon = ["09:00-12:00", "14:00-18:00"]',
            'mon = ["09:00-12:00", "11:00-18:00"]',
            "calendar.hours",
            14,
            "overlap",
        ),
        (
            'mon = ["09:00-12:00", "14:00-18:00"]',
            'mon = ["09:00-12:00", "25:00-26:00"]',
            "calendar.hours.mon[1]",
            15,
            "time of day",
        ),
        ('target = "24h"', 'target = "24 hours"', "deadlines[0].target", 45, "not a duration"),
        ('clock = "calendar"', 'clock = "wall"', "deadlines[0].clock", 46, "calendar"),
        (
            'reference_prefix = "AC"',
            'reference_prefix = "ac"',
            "brand.reference_prefix",
            7,
            "capital letters",
        ),
        (
            'kind = "first_response"',
            'kind = "first_reply"',
            "deadlines[0].kind",
            44,
            "first_response",
        ),
    ],
)
def test_field_errors_name_key_path_and_line(old, new, path, line, fragment):
    found = errors(replace(old, new))
    assert any(p == path and ln == line and fragment in m for p, ln, m in found), found


@pytest.mark.parametrize(
    ("old", "new", "path", "line", "fragment"),
    [
        ('team = "support"', 'team = "nobody"', "levels[0].team", 40, "no team"),
        ("final = true", "final = false", "levels[0].final", 41, "must say final"),
        (
            'name = { fr = "Facturation", en = "Billing" }',
            'name = { fr = "Facturation" }',
            "categories[0].name",
            30,
            "missing the en text",
        ),
        (
            'clock = "calendar"\n',
            'clock = "calendar"\ncategories = ["billing", "ghost"]\n',
            "deadlines[0].categories[1]",
            47,
            "no category 'ghost'",
        ),
        (
            'clock = "calendar"\n',
            'clock = "calendar"\ncontact_types = ["dispute"]\n',
            "deadlines[0].contact_types[0]",
            47,
            "not enabled",
        ),
    ],
)
def test_cross_reference_errors_name_key_path_and_line(old, new, path, line, fragment):
    found = errors(replace(old, new))
    assert any(p == path and ln == line and fragment in m for p, ln, m in found), found


def test_every_error_is_reported_not_just_the_first():
    text = replace('team = "support"', 'team = "nobody"').replace(
        'name = { fr = "Facturation", en = "Billing" }', 'name = { fr = "Facturation" }'
    )
    assert len(errors(text)) == 2


def test_automatic_escalation_must_climb_to_known_levels():
    text = (
        MINIMAL.replace("final = true", "")
        + """
[[levels]]
key = "two"
name = { fr = "Niveau 2", en = "Level 2" }
team = "support"
final = true

[[escalation.automatic]]
after = "24h"
clock = "calendar"
to_level = "three"
"""
    )
    assert ("escalation.automatic[0].to_level", 57, "no level 'three'") in errors(text)


def test_non_utf8_and_missing_files_are_errors(tmp_path: Path):
    from guichet.policies.loader import load_policy_file

    bad = tmp_path / "bad.toml"
    bad.write_bytes(b"\xff\xfe garbage")
    assert not load_policy_file(bad).ok
    assert "cannot read" in load_policy_file(tmp_path / "missing.toml").errors[0].message


def test_a_file_for_a_newer_schema_says_so_and_nothing_else():
    text = MINIMAL.replace("schema_version = 1", "schema_version = 2\nfuture_key = true")
    [error] = load_policy(text).errors
    assert error.path == ("schema_version",) and error.line == 1
    assert "written for schema version 2" in error.message and "upgrade Guichet" in error.message
