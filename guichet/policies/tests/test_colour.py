"""The brand's colour is text on white and the background of white text: `policy check`
and publishing refuse one below WCAG AA's 4.5:1, and suggest the nearest shade that
passes."""

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from guichet.brands.services import policy_publish
from guichet.conftest import PRESETS
from guichet.lib.contrast import WHITE, contrast_ratio
from guichet.policies.loader import PolicyInvalid, load_policy, load_policy_file


def ivoire_in(colour: str) -> str:
    text = (PRESETS / "ivoire-toner.toml").read_text(encoding="utf-8")
    return text.replace('colour = "#b36200"', f'colour = "{colour}"')


def test_every_preset_colour_passes_on_white():
    for path in sorted(PRESETS.glob("*.toml")):
        policy = load_policy_file(path).policy
        assert policy is not None
        assert contrast_ratio(policy.brand.colour, WHITE) >= 4.5, path.name


def test_a_colour_below_4_5_is_an_error_at_its_line_with_the_nearest_shade():
    text = ivoire_in("#e07b00")
    result = load_policy(text, "ivoire.toml")
    assert not result.ok
    [error] = result.errors
    line = next(i for i, s in enumerate(text.splitlines(), 1) if s.startswith("colour ="))
    assert error.format("ivoire.toml").startswith(f"ivoire.toml:{line}: brand.colour: ")
    assert "3.0:1" in error.message and "4.5:1" in error.message
    assert "nearest shade that passes is #b36200" in error.message


def test_policy_check_fails_on_it(tmp_path: Path, capsys):
    bad = tmp_path / "ivoire.toml"
    bad.write_text(ivoire_in("#e07b00"), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("policy", "check", str(bad))
    assert "#b36200" in capsys.readouterr().out


@pytest.mark.django_db
def test_publishing_refuses_it():
    with pytest.raises(PolicyInvalid) as caught:
        policy_publish(text=ivoire_in("#ff0000"), source="test")
    assert "brand.colour" in str(caught.value)
