"""The policy's survey, consent and data-rights deadline: checked keys, and what each
preset says."""

from pathlib import Path

import pytest
from django.conf import settings

from guichet.policies.durations import Duration
from guichet.policies.loader import load_policy, load_policy_file

PRESETS = Path(settings.GUICHET_PRESETS_DIR)


def variant(slug: str, extra: str = "", *replacements: tuple[str, str]):
    text = (PRESETS / f"{slug}.toml").read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    return load_policy(text + extra)


def messages(result) -> list[str]:
    return [e.message for e in result.errors]


def test_not_satisfied_must_be_below_the_top_of_the_scale_and_types_enabled():
    result = variant(
        "jive",
        "",
        ("not_satisfied_at_most = 2", "not_satisfied_at_most = 5"),
        (
            'contact_types = ["complaint", "question", "service_request"]',
            'contact_types = ["complaint", "dispute"]',
        ),
    )
    assert not result.ok
    found = " ".join(messages(result))
    assert "below the top of the scale" in found and "'dispute' is not enabled" in found


def test_the_consent_text_needs_every_brand_language():
    result = variant("jamla24", '\n[intake]\nconsent = { fr = "J’accepte." }\n')
    assert not result.ok and any("missing the en text" in m for m in messages(result))
    ok = variant("jamla24", '\n[intake]\nconsent = { fr = "J’accepte.", en = "I agree." }\n')
    assert ok.ok and ok.policy.text(ok.policy.intake.consent, "en") == "I agree."


@pytest.mark.parametrize(
    ("slug", "days"),
    [("ej", 30), ("ivoire-toner", 30), ("jive", 30), ("respect", 28), ("jamla24", 30)],
)
def test_every_preset_answers_data_rights_requests_within_the_legal_time(slug, days):
    policy = load_policy_file(PRESETS / f"{slug}.toml").policy
    rules = [r for r in policy.deadlines if "data_rights" in r.contact_types]
    assert [(r.kind, r.target, r.clock) for r in rules] == [
        ("resolution", Duration.parse(f"{days}d"), "calendar")
    ]
    # It is the rule that applies to them: no other resolution rule as specific before it.
    resolution = [r for r in policy.deadlines if r.kind == "resolution"]
    assert resolution[0] is rules[0]


@pytest.mark.parametrize("slug", ["ej", "ivoire-toner", "jive", "respect", "jamla24"])
def test_every_preset_surveys_answered_requests_but_not_data_rights_ones(slug):
    survey = load_policy_file(PRESETS / f"{slug}.toml").policy.survey
    assert survey.enabled and survey.scale == 5 and survey.not_satisfied_at_most == 2
    assert survey.expires_after == Duration.parse("14d")
    assert "complaint" in survey.contact_types and "data_rights" not in survey.contact_types
