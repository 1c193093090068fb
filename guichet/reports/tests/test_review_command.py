"""`guichet reports review`: a brand's review made on demand into a file, for a month, a
week, a quarter or the brand's own period; a clear message, not a traceback, when the
brand, the period or the machine's PDF libraries are wrong."""

from __future__ import annotations

import sys

import pytest
from django.core.management import CommandError, call_command

from guichet.reports.tests.pdf import text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pdf_libraries")]


def test_the_command_writes_the_months_review_in_the_language_asked(history, tmp_path, capsys):
    output = tmp_path / "ej.pdf"

    call_command(
        "reports",
        "review",
        "--brand",
        "ej",
        "--month",
        "2026-11",
        "--language",
        "en",
        "--output",
        str(output),
    )

    words = text(output.read_bytes())
    assert "Expérience Jamaïque" in words and "MONTHLY REVIEW" in words
    assert "November 2026" in words and "3 tickets received" in words
    assert str(output) in capsys.readouterr().out


def test_the_brands_own_period_and_language_by_default(history, tmp_path):
    output = tmp_path / "ej.pdf"
    call_command(
        "reports", "review", "--brand", "ej", "--period", "2026-11-23", "--output", str(output)
    )
    words = text(output.read_bytes())
    assert "REVUE MENSUELLE" in words and "novembre 2026" in words


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--brand", "nope", "--month", "2026-11"], "no brand nope"),
        (["--brand", "ej", "--month", "2026-13"], "--month YYYY-MM"),
        (["--brand", "ej", "--week", "48"], "--week YYYY-Www"),
        (["--brand", "ej", "--month", "2026-11", "--language", "de"], "fr, en"),
    ],
)
def test_wrong_arguments_are_said_plainly(history, tmp_path, args, says):
    with pytest.raises(CommandError) as refused:
        call_command("reports", "review", *args, "--output", str(tmp_path / "x.pdf"))
    assert says in str(refused.value)
    assert not (tmp_path / "x.pdf").exists()


def test_without_pango_the_command_says_what_to_install(history, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(CommandError) as refused:
        call_command(
            "reports",
            "review",
            "--brand",
            "ej",
            "--month",
            "2026-11",
            "--output",
            str(tmp_path / "x.pdf"),
        )
    assert "libpango-1.0-0 libpangoft2-1.0-0" in str(refused.value)
