"""The equality questions of a policy (`[[reports.equality_questions]]`): checked keys,
"prefer not to say" kept for Guichet, and what each preset says."""

from pathlib import Path

import pytest
from django.conf import settings

from guichet.equality.queries import monitoring
from guichet.policies.loader import load_policy, load_policy_file

PRESETS = Path(settings.GUICHET_PRESETS_DIR)

QUESTION = """
[[reports.equality_questions]]
key = "{key}"
question = {{ fr = "Votre âge ?", en = "Your age?" }}
options = [
  {{ key = "{first}", label = {{ fr = "Moins de 40 ans", en = "Under 40" }} }},
  {{ key = "{second}", label = {{ fr = "40 ans et plus", en = "40 and over" }} }},
]
"""


def question(key: str = "age", first: str = "under-40", second: str = "40-plus") -> str:
    return QUESTION.format(key=key, first=first, second=second)


def jamla(extra: str, monitoring: bool = True):
    """Jamla24's preset (which does not monitor equality) with monitoring on or off, and
    these questions."""
    text = (PRESETS / "jamla24.toml").read_text(encoding="utf-8")
    assert text.count("\n[reports]\n") == 1 and "equality" not in text
    switch = f"\n[reports]\nequality_monitoring = {str(monitoring).lower()}\n"
    return load_policy(text.replace("\n[reports]\n", switch) + extra)


def errors(result) -> list[tuple[str, str]]:
    return [(e.path, e.message) for e in result.errors]


def test_questions_are_read_in_order_with_their_options():
    result = jamla(question() + question(key="disability", first="yes", second="no"))
    assert result.ok, errors(result)
    questions = result.policy.reports.equality_questions
    assert [q.key for q in questions] == ["age", "disability"]
    assert [o.key for o in questions[0].options] == ["under-40", "40-plus"]
    assert result.policy.text(questions[0].question, "fr") == "Votre âge\u202f?"
    assert result.policy.reports.equality_question("disability") is questions[1]


def test_monitoring_without_questions_loads_and_offers_no_form():
    # A policy published before the questions existed (EJ's first versions) must still load.
    result = jamla("")
    assert result.ok
    assert not monitoring(result.policy)


def test_questions_without_monitoring_are_an_error():
    result = jamla(question(), monitoring=False)
    assert not result.ok
    assert any(
        "equality_questions" in path and "equality_monitoring = true" in message
        for path, message in errors(result)
    )


def test_question_keys_are_unique():
    result = jamla(question() + question())
    assert not result.ok
    assert any("'age' is defined twice" in message for _, message in errors(result))


def test_option_keys_are_unique_within_a_question():
    result = jamla(question(first="yes", second="yes"))
    assert not result.ok
    assert any("'yes' is defined twice" in message for _, message in errors(result))


def test_prefer_not_to_say_is_guichets_not_the_policys():
    result = jamla(question(second="prefer_not_to_say"))
    assert not result.ok
    assert any("added to every question by Guichet" in m for _, m in errors(result))


def test_a_question_needs_two_options_and_every_brand_language():
    one_option = """
[[reports.equality_questions]]
key = "age"
question = { fr = "Votre âge ?", en = "Your age?" }
options = [{ key = "any", label = { fr = "Tous", en = "Any" } }]
"""
    assert not jamla(one_option).ok
    french_only = question().replace(', en = "Under 40"', "")
    result = jamla(french_only)
    assert not result.ok
    assert any("missing the en text" in message for _, message in errors(result))


def test_keys_are_slugs():
    result = jamla(question(key="Âge"))
    assert not result.ok


@pytest.mark.parametrize("slug", ["ivoire-toner", "jive", "respect", "jamla24"])
def test_only_ej_monitors_equality(slug):
    reports = load_policy_file(PRESETS / f"{slug}.toml").policy.reports
    assert not reports.equality_monitoring and reports.equality_questions == []


def test_ej_asks_about_age_sex_and_disability():
    result = load_policy_file(PRESETS / "ej.toml")
    assert result.ok, errors(result)
    reports = result.policy.reports
    assert reports.equality_monitoring
    assert [q.key for q in reports.equality_questions] == ["age", "sex", "disability"]
    for q in reports.equality_questions:
        assert len(q.options) >= 2
        assert all(o.key != "prefer_not_to_say" for o in q.options)
    # The seed's sentence is cited beside them.
    text = (PRESETS / "ej.toml").read_text(encoding="utf-8")
    assert "surveillance vis-à-vis de la\n# législation sur l’égalité" in text
