"""Translation catalogues: keep them complete without needing GNU gettext to test.

    python -m guichet.lib.messages --update   extract (Django's makemessages, needs
                                              xgettext) and compile with Babel
    python -m guichet.lib.messages --check    pure Python: every translatable string of
                                              the code is in the catalogues, every French
                                              entry is translated, and the committed .mo
                                              files match their .po files

Source strings are English; French is translated in guichet/locale/fr, with French
typography's non-breaking spaces (before : ; ? ! », after «): `--update` puts them where a
translator typed a plain space, `--check` reports any it finds missing.
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from babel.messages.extract import extract_python
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from guichet.lib.french import typography

PACKAGE = Path(__file__).resolve().parent.parent
LOCALE = PACKAGE / "locale"
LANGUAGES = ["fr", "en"]
KEYWORDS: dict[str, Any] = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
SKIP_DIRS = {"tests", "migrations", "__pycache__", "locale", "demo"}


def _sources() -> list[Path]:
    files = []
    for path in sorted(PACKAGE.rglob("*")):
        if any(part in SKIP_DIRS for part in path.relative_to(PACKAGE).parts):
            continue
        if path.suffix in (".py", ".html", ".txt") and path.is_file():
            if path.suffix == ".txt" and "templates" not in path.parts:
                continue
            files.append(path)
    return files


def extracted() -> set[tuple[str, str | None]]:
    """(msgid, context) of every translatable string in code and templates."""
    from django.utils.translation.template import templatize

    found: set[tuple[str, str | None]] = set()
    for path in _sources():
        source = path.read_text(encoding="utf-8")
        if path.suffix != ".py":
            # templatize keeps the template's lines (each gettext call on one line) and its
            # indentation, which Python's tokenizer may refuse: the indentation goes.
            source = "\n".join(
                line.lstrip() for line in templatize(source, origin=str(path)).splitlines()
            )
        for _lineno, func, message, _comments in extract_python(
            io.BytesIO(source.encode("utf-8")), KEYWORDS, [], {}
        ):
            context = None
            if isinstance(message, tuple):
                # pgettext: (context, msgid, ...); ngettext: (singular, plural)
                if func.startswith(("pgettext", "npgettext")):
                    context, message = message[0], message[1]
                else:
                    message = message[0]
            if message:
                found.add((str(message), context))
    return found


def _catalog(lang: str) -> Any:
    with (LOCALE / lang / "LC_MESSAGES" / "django.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def _mo_bytes(lang: str) -> bytes:
    buffer = io.BytesIO()
    write_mo(buffer, _catalog(lang), use_fuzzy=False)
    return buffer.getvalue()


def _strings(message: Any) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def normalise_headers() -> None:
    """Stable catalogue headers (project, plural forms of the language, not fuzzy), and
    French typography in the French catalogue."""
    from babel.messages.pofile import write_po

    for lang in LANGUAGES:
        catalog = _catalog(lang)
        if lang == "fr":
            for message in catalog:
                if message.id and message.string:
                    fixed = tuple(typography(text) for text in _strings(message))
                    message.string = fixed if isinstance(message.string, tuple) else fixed[0]
        catalog.project = "Guichet"
        catalog.version = ""
        catalog.copyright_holder = "the Guichet authors"
        catalog.msgid_bugs_address = ""
        catalog.last_translator = "the Guichet authors"
        catalog.language_team = "the Guichet authors"
        catalog.fuzzy = False
        with (LOCALE / lang / "LC_MESSAGES" / "django.po").open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False)


def compile_all() -> None:
    for lang in LANGUAGES:
        (LOCALE / lang / "LC_MESSAGES" / "django.mo").write_bytes(_mo_bytes(lang))


def check() -> list[str]:
    problems = []
    wanted = extracted()
    for lang in LANGUAGES:
        po = LOCALE / lang / "LC_MESSAGES" / "django.po"
        if not po.exists():
            problems.append(f"{po} is missing: run `make messages`")
            continue
        catalog = _catalog(lang)
        have = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in catalog if m.id}
        for msgid, _context in sorted(wanted - have, key=str):
            problems.append(f"{lang}: not in the catalogue (run `make messages`): {msgid!r}")
        if lang == "fr":
            for message in catalog:
                if not message.id:
                    continue
                strings = _strings(message)
                if not all(strings) or message.fuzzy:
                    problems.append(f"fr: untranslated or fuzzy: {message.id!r}")
                elif any(typography(text) != text for text in strings):
                    problems.append(
                        f"fr: a plain space where French typography wants a non-breaking "
                        f"one (run `make messages`): {message.id!r}"
                    )
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != _mo_bytes(lang):
            problems.append(f"{mo} does not match its .po: run `make messages`")
    return problems


def update() -> None:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="guichet.settings")
    for lang in LANGUAGES:
        subprocess.run(  # noqa: S603
            [
                sys.executable,
                # Run in the package's folder, whose apps must not shadow libraries of the
                # same name (guichet/channels and Django Channels): no cwd on sys.path.
                "-P",
                "-m",
                "guichet",
                "makemessages",
                "--locale",
                lang,
                "--no-obsolete",
                "--add-location",
                "file",
                "--ignore",
                "*/tests/*",
                "--ignore",
                "*/demo/*",
                "--ignore",
                "*/migrations/*",
            ],
            cwd=PACKAGE,
            env=env,
            check=True,
        )
    normalise_headers()
    compile_all()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--update", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
    import django

    django.setup()
    if args.update:
        update()
    problems = check()
    for problem in problems:
        print(problem)
    if args.check and problems:
        sys.exit(1)
    if not problems:
        print("translations: complete")


if __name__ == "__main__":
    main()
