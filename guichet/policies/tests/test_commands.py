import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from guichet.brands.models import Brand
from guichet.conftest import PRESETS


def test_check_prints_ok_for_every_preset(capsys):
    call_command("policy", "check", *sorted(str(p) for p in PRESETS.glob("*.toml")))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5 and all(line.endswith(": OK") for line in lines)


def test_check_refuses_a_broken_file_with_its_line_and_fails(tmp_path, capsys):
    broken = tmp_path / "broken.toml"
    broken.write_text(
        (PRESETS / "jamla24.toml").read_text().replace('target = "5d"', 'target = "5 jours"')
    )
    with pytest.raises(CommandError) as caught:
        call_command("policy", "check", str(PRESETS / "ej.toml"), str(broken))
    assert caught.value.returncode == 1
    out = capsys.readouterr().out
    assert f"{PRESETS / 'ej.toml'}: OK" in out
    line = next(
        i
        for i, text in enumerate(broken.read_text().splitlines(), 1)
        if 'target = "5 jours"' in text
    )
    assert f"{broken}:{line}: deadlines[" in out and "not a duration" in out


def test_the_guichet_command_exits_non_zero_on_a_broken_file(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("schema_version = 1\n[brand\n")
    run = subprocess.run(
        [sys.executable, "-m", "guichet", "policy", "check", str(broken)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1
    assert f"{broken}:2: (document): TOML syntax error" in run.stdout


@pytest.mark.django_db
def test_load_presets_is_idempotent_and_show_prints_the_policy_in_force(capsys):
    call_command("load_presets")
    call_command("load_presets")
    out = capsys.readouterr().out.splitlines()
    assert sorted(out[:5]) == sorted(
        f"{s}: created (policy v1)" for s in ["ej", "ivoire-toner", "jamla24", "jive", "respect"]
    )
    assert all(line.endswith("unchanged (policy v1)") for line in out[5:])
    assert Brand.objects.count() == 5

    call_command("policy", "show", "jamla24")
    shown = capsys.readouterr().out
    assert 'mon = ["09:00-21:00"]' in shown and "Jamla24 v1" in shown

    call_command("policy", "show", "jive", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["ombudsman"]["phone"] == "1 888 221-1687"
    assert data["deadlines"][0]["target"] == "5min"


@pytest.mark.django_db
def test_diff_and_publish(tmp_path, capsys):
    call_command("load_presets", "ej")
    changed = tmp_path / "ej.toml"
    changed.write_text(
        (PRESETS / "ej.toml").read_text().replace('colour = "#0b7a3e"', 'colour = "#123456"')
    )
    call_command("policy", "diff", "ej", str(changed))
    diff = capsys.readouterr().out
    assert '-colour = "#0b7a3e"' in diff and '+colour = "#123456"' in diff
    call_command("policy", "publish", str(changed), "--note", "new colour")
    assert "ej: published (v2)" in capsys.readouterr().out
    assert Brand.objects.get(slug="ej").colour == "#123456"
