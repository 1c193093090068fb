"""A real browser for the end-to-end tests: Debian's Chromium, driven by Playwright.

`browser` (module-scoped) installs Debian's `chromium` with apt when /usr/bin/chromium is
missing, as guichet/intake/tests/dovecot.py does for the IMAP server, and launches it
headless through Playwright's sync API. Nothing is downloaded by Playwright itself (no
`playwright install`). If Chromium cannot be installed or started, the fixture raises:
the tests fail, they are never skipped.

Playwright's sync API keeps an event loop on the test's thread, and Django then refuses
ORM calls from that thread as "async unsafe". While the browser is up (one test module),
DJANGO_ALLOW_ASYNC_UNSAFE is set, so a test can still act through the services as another
agent would, and pytest-django can still empty the database after each test. The live
server answers in its own thread, where nothing changes.

`desk_page` is a fresh browser context (cookies and storage of its own) at laptop size,
against pytest-django's `live_server`; `shoot` saves a screenshot under
var/artefacts/e2e/ (the test artefacts, git-ignored). `template_errors` records every
undefined template variable the live server renders and fails the test with the list.

Test modules bind the fixtures they use at module level:

    from guichet.desk.tests import browser as e2e
    browser = e2e.browser
    desk_page = e2e.desk_page
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    ViewportSize,
    WebError,
    expect,
    sync_playwright,
)

from testsupport.debian import ensure_installed

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LAPTOP: ViewportSize = {"width": 1366, "height": 768}
TABLET: ViewportSize = {"width": 820, "height": 1180}
ARTEFACTS = Path(settings.VAR_DIR) / "artefacts" / "e2e"
# What Playwright waits for an element, a page or an expectation before failing the test
# (generous: the machine may be busy).
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    ensure_installed(CHROMIUM, "chromium", "fonts-dejavu-core")
    expect.set_options(timeout=TIMEOUT_MS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            try:
                launched = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=ARGS, timeout=60_000
                )
            except Exception as exc:
                raise RuntimeError(f"{CHROMIUM} did not start: {exc}") from exc
            try:
                yield launched
            finally:
                launched.close()


@pytest.fixture
def template_errors() -> Iterator[list[str]]:
    """Undefined template variables rendered while the test runs (by the live server's
    thread too), failing the test at the end with their list."""
    from django.template import engines

    found: list[str] = []

    class Recorder:
        def __contains__(self, key: str) -> bool:
            return key == "%s"

        def __bool__(self) -> bool:
            return True

        def __mod__(self, name: object) -> str:
            found.append(f"{name} in {_template_being_rendered()}")
            return ""

    engine: Any = engines["django"]
    previous = engine.engine.string_if_invalid
    engine.engine.string_if_invalid = Recorder()
    try:
        yield found
    finally:
        engine.engine.string_if_invalid = previous
    if found:
        pytest.fail("undefined template variables: " + "; ".join(sorted(set(found))))


def _template_being_rendered() -> str:
    """The name of the innermost template being rendered (from the call stack)."""
    frame = sys._getframe(1)
    while frame is not None:
        origin = getattr(frame.f_locals.get("self"), "origin", None)
        if frame.f_code.co_name == "render" and origin is not None:
            return str(getattr(origin, "template_name", None) or origin.name)
        frame = frame.f_back  # type: ignore[assignment]
    return "?"


@pytest.fixture
def desk_page(browser: Browser, live_server: Any, template_errors: list[str]) -> Iterator[Page]:
    """A page in a context of its own (a new person at a new browser), at laptop size, in
    the time zone of the preset brands, its base URL the live server's."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport=LAPTOP,
        locale="fr-FR",
        timezone_id="America/Jamaica",
    )
    context.set_default_timeout(TIMEOUT_MS)
    # Any page of the context (a test may open a second tab): a script error, or an error
    # in the console (a resource that failed to load, a refused CSP) fails the test.
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console error: {message.text} ({message.location.get('url')})")

    def script_error(error: WebError) -> None:
        problems.append(f"JavaScript error: {error.error}")

    context.on("console", console)
    context.on("weberror", script_error)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
    assert not problems, "the browser reported problems:\n" + "\n".join(problems)


def shoot(
    page: Page, name: str, *, size: ViewportSize | None = None, full_page: bool = True
) -> Path:
    """A PNG of what the page shows now (the whole page, or the window alone: a dialog's
    backdrop covers only the window), at `size` (then back to the page's own size), saved
    as var/artefacts/e2e/<name>-<width>x<height>.png."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    if size is not None:
        page.set_viewport_size(size)
    shown = page.viewport_size or LAPTOP
    slug = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    path = ARTEFACTS / f"{slug}-{shown['width']}x{shown['height']}.png"
    page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="initial")
    if size is not None and before is not None:
        page.set_viewport_size(before)
    return path


def shoot_both(page: Page, name: str, *, full_page: bool = True) -> list[Path]:
    """The screenshot at laptop size and at tablet size."""
    return [shoot(page, name, size=size, full_page=full_page) for size in (LAPTOP, TABLET)]
