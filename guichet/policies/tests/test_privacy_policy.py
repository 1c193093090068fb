"""`[brand] privacy_policy_url`: one address or one per language, web addresses only."""

import pytest

from guichet.conftest import PRESETS
from guichet.policies.loader import load_policy, load_policy_file


def with_privacy(line: str) -> str:
    text = (PRESETS / "respect.toml").read_text(encoding="utf-8")
    return "\n".join(line if s.startswith("privacy_policy_url") else s for s in text.splitlines())


def test_every_preset_links_a_privacy_policy():
    for path in sorted(PRESETS.glob("*.toml")):
        policy = load_policy_file(path).policy
        assert policy is not None
        for language in policy.brand.languages:
            assert policy.privacy_policy_url(language).startswith("https://"), path.name


def test_one_address_per_language():
    policy = load_policy_file(PRESETS / "jive.toml").policy
    assert policy is not None
    assert policy.privacy_policy_url("fr").endswith("/fr/confidentialite")
    assert policy.privacy_policy_url("en").endswith("/en/privacy")


@pytest.mark.parametrize(
    "value", ['"javascript:alert(1)"', '"/privacy"', '{ fr = "https://x.example", en = "ftp://x" }']
)
def test_only_web_addresses(value: str):
    result = load_policy(with_privacy(f"privacy_policy_url = {value}"), "respect.toml")
    assert not result.ok
    assert any("not a web address" in e.message for e in result.errors)


def test_a_missing_language_is_reported():
    result = load_policy(
        with_privacy('privacy_policy_url = { fr = "https://x.example/confidentialite" }'),
        "respect.toml",
    )
    assert any("missing the en text" in e.message for e in result.errors)


def test_without_it_there_is_no_link():
    text = "\n".join(
        s
        for s in (PRESETS / "respect.toml").read_text(encoding="utf-8").splitlines()
        if not s.startswith("privacy_policy_url")
    )
    policy = load_policy(text, "respect.toml").policy
    assert policy is not None and policy.privacy_policy_url("fr") == ""
