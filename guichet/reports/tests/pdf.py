"""The review's PDF as its reader gets it: the system libraries WeasyPrint needs (installed
by the test set-up if missing: testsupport.debian), and the text of a PDF read back with
pypdf — what a search in a PDF reader finds."""

from __future__ import annotations

import io
import sysconfig
from pathlib import Path

from pypdf import PdfReader

from testsupport.debian import ensure_installed

_ARCH = sysconfig.get_config_var("MULTIARCH") or "x86_64-linux-gnu"
PANGO = Path("/usr/lib") / _ARCH / "libpangoft2-1.0.so.0"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
# Subsets the fonts embedded in a PDF (WeasyPrint falls back on fontTools, slower, without it).
HARFBUZZ_SUBSET = Path("/usr/lib") / _ARCH / "libharfbuzz-subset.so.0"


def ensure_pdf_libraries() -> None:
    ensure_installed(PANGO, "libpango-1.0-0", "libpangoft2-1.0-0")
    ensure_installed(DEJAVU, "fonts-dejavu-core")
    ensure_installed(HARFBUZZ_SUBSET, "libharfbuzz-subset0")


def raw_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def text(pdf: bytes) -> str:
    """The words of every page, each space (non-breaking too) and line break as one space."""
    return " ".join(raw_text(pdf).replace("\N{NO-BREAK SPACE}", " ").replace("\u202f", " ").split())


def pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)
