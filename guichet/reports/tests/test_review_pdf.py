"""The periodic review as PDF, opened and read back as text (what a reader's search finds):
in the brand's language or the one asked for, with the brand, the period, the figures and
the commentary of what changed; only the brand's own figures; a clear error where this
machine cannot make PDFs."""

from __future__ import annotations

import sys
from datetime import date

import pytest

from guichet.brands.services import policy_publish
from guichet.conftest import PRESETS
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.ops.tests.test_startup import SETUP, python
from guichet.policies.registry import forget_all
from guichet.reports.review import PdfUnavailable, Period, review_html, review_pdf
from guichet.reports.tests.pdf import pages, raw_text, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pdf_libraries")]


def ej_review(history, **options) -> bytes:
    with brand_scope(history.ej):
        return review_pdf(history.ej, date(2026, 11, 1), **options)


def test_the_review_is_in_the_brands_language_with_its_figures_and_what_changed(history):
    pdf = ej_review(history)  # EJ writes French first
    words = text(pdf)

    assert pages(pdf) >= 3
    assert "REVUE MENSUELLE" in words and "Expérience Jamaïque" in words
    assert "Secteur : Voyage" in words  # the policy's sector, in the reader's language
    assert "novembre 2026" in words and "du 1 novembre 2026 au 30 novembre 2026" in words
    assert "Dossiers reçus 3 période précédente : 2" in words
    assert "3 dossiers reçus, en hausse de 50 % par rapport à la période précédente (2)." in words
    assert "Première réponse médiane : 2,0 h (aucune sur la période précédente)." in words
    assert (
        "Le plus grand changement par catégorie : « Voyage et réservation » passe de 0 à "
        "2 dossiers." in words
    )
    # Every figure of the policy's list, as a table; "no data" where nothing was measured.
    assert "Contacts par catégorie" in words and "Pris en charge à chaque niveau" in words
    assert "Clients satisfaits pas de données" in words
    # Real text, French typography and accents kept: non-breaking spaces before % and :.
    raw = raw_text(pdf)
    assert "50\N{NO-BREAK SPACE}%" in raw and "période précédente\N{NO-BREAK SPACE}:" in raw


def test_the_review_in_english_on_request(history):
    words = text(ej_review(history, language="en"))

    assert "MONTHLY REVIEW" in words and "Expérience Jamaïque" in words
    assert "Sector: Travel" in words and "November 2026" in words
    assert "3 tickets received, up 50 % on the previous period (2)." in words
    assert "Median first response: 2.0 h (none in the previous period)." in words
    assert "The biggest change by category: Travel and booking rose to 2 tickets, from 0." in words
    assert "No satisfaction survey was answered for this period's tickets." in words


def test_a_brands_review_holds_none_of_another_brands_figures(history):
    ej = text(ej_review(history, language="en"))
    with brand_scope(history.jamla):
        jamla = text(review_pdf(history.jamla, date(2026, 11, 1), language="en"))

    assert "Delivery" not in ej and "Jamla24" not in ej
    assert "3 tickets received" in ej
    assert "Jamla24" in jamla and "Expérience Jamaïque" not in jamla
    assert "5 tickets received; none in the previous period." in jamla


def test_a_language_guichet_does_not_write_is_refused(history):
    with pytest.raises(InvalidRequest) as refused:
        ej_review(history, language="de")
    assert refused.value.code == "language"


def test_without_pango_the_review_says_what_is_missing(history, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if it could not be loaded

    with pytest.raises(PdfUnavailable) as missing:
        ej_review(history, language="en")

    assert missing.value.status == 503
    assert "libpango-1.0-0" in str(missing.value) and "PDF" in str(missing.value)


def test_no_process_loads_weasyprint_until_it_makes_a_pdf():
    """Start-up time (docs/architecture.md): nor does the worker's job module load it."""
    run = python("-c", SETUP + "import guichet.reports.tasks; print('\\n'.join(sys.modules))")
    assert run.returncode == 0, run.stderr
    assert "guichet.reports.review" in run.stdout.split()
    assert not {"weasyprint", "pypdf"} & set(run.stdout.split())


def with_review(kind: str):
    """EJ's policy saying `[reports] review = kind`, with a legal name."""
    text = (PRESETS / "ej.toml").read_text(encoding="utf-8")
    assert 'review = "monthly"' in text
    text = text.replace('review = "monthly"', f'review = "{kind}"').replace(
        'version = "', f'version = "{kind}-', 1
    )
    text = text.replace(
        'name = "Expérience Jamaïque"\n',
        'name = "Expérience Jamaïque"\nlegal_name = "Expérience Jamaïque Voyages SA"\n',
        1,
    )
    brand = policy_publish(text=text, source=f"ej-{kind}.toml").brand
    forget_all()
    return brand


def test_a_weekly_review_covers_the_policys_week(history):
    brand = with_review("weekly")
    with brand_scope(brand):
        words = text(review_pdf(brand, date(2026, 11, 12), language="en"))

    assert "WEEKLY REVIEW" in words and "week of Nov. 9, 2026" in words
    assert "Expérience Jamaïque Voyages SA · Sector: Travel" in words  # the legal name too
    assert "Nov. 9, 2026 to Nov. 15, 2026" in words
    # The two travel requests of 10 November, none the week before.
    assert "2 tickets received; none in the previous period." in words


def test_a_quarterly_review_compares_with_the_quarter_before(history):
    brand = with_review("quarterly")
    with brand_scope(brand):
        html = review_html(brand, Period.of("quarterly", date(2026, 11, 1)), language="fr")

    assert "Revue trimestrielle" in html and "T4 2026" in html
    assert "du 1 octobre 2026 au 31 décembre 2026" in html
    assert "comparé à T3 2026" in html
    assert "5 dossiers reçus ; aucun sur la période précédente." in " ".join(
        html.replace("\N{NO-BREAK SPACE}", " ").replace("\u202f", " ").split()
    )


@pytest.mark.parametrize(
    ("kind", "day", "start", "end"),
    [
        ("weekly", date(2026, 11, 1), date(2026, 10, 26), date(2026, 11, 2)),  # a Sunday
        ("monthly", date(2026, 2, 28), date(2026, 2, 1), date(2026, 3, 1)),
        ("quarterly", date(2026, 12, 31), date(2026, 10, 1), date(2027, 1, 1)),
        ("quarterly", date(2027, 1, 1), date(2027, 1, 1), date(2027, 4, 1)),
    ],
)
def test_periods_hold_their_days(kind, day, start, end):
    period = Period.of(kind, day)
    assert (period.start, period.end) == (start, end)
    assert period.previous().end == start
