"""Helpers for the browser tests: where Chromium is, how it is launched, what a page logged.

Kept apart from ``conftest.py`` so tests can import them (``from .harness import ...``).
Nothing here imports Django.
"""

from __future__ import annotations

import os
import re
import shutil
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import (
        BrowserContext,
        ConsoleMessage,
        Dialog,
        Page,
        ViewportSize,
        WebError,
    )

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parents[1]
SCREENSHOT_DIR = REPO_ROOT / "docs" / "screenshots"  # the README's pictures (make screenshots)

DEFAULT_CHROMIUM = "/usr/bin/chromium"
INSTALL_HINT = "apt-get install -y chromium"

# The machine has no outside network. Without the background-networking flags Chromium keeps
# trying to reach Google; the resolver rule makes every other host fail at once, so a page
# that loads a font or script from a CDN fails loudly instead of hanging.
CHROMIUM_ARGS = (
    "--no-sandbox",  # tests run as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--metrics-recording-only",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost",
)

VIEWPORT: ViewportSize = {"width": 1280, "height": 900}
# Short defaults: a locator that never matches should fail in seconds, not Playwright's 30.
ACTION_TIMEOUT_MS = 5_000
NAVIGATION_TIMEOUT_MS = 15_000

CSP_MARKER = "Content Security Policy"


def chromium_path() -> str:
    """The Chromium executable: ``$CHROMIUM`` (a path or a name on PATH), else Debian's."""
    configured = os.environ.get("CHROMIUM", "").strip() or DEFAULT_CHROMIUM
    if os.sep not in configured:
        return shutil.which(configured) or configured
    return configured


def chromium_available() -> bool:
    path = chromium_path()
    return os.path.isfile(path) and os.access(path, os.X_OK)


def running_in_ci() -> bool:
    # The same reading as tests/conftest.py's in_ci(), which this module can't import
    # (it needs Django).
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def missing_chromium_failure() -> str:
    return f"Chromium not found at {chromium_path()}; CI must install it ({INSTALL_HINT})"


def missing_chromium_skip_reason() -> str:
    return (
        f"Chromium not found at {chromium_path()}: browser tests skipped. "
        f"Enable them with `{INSTALL_HINT}`, or set CHROMIUM=/path/to/chromium."
    )


@dataclass(frozen=True)
class BrowserError:
    """A ``console.error`` message (CSP violations included) or an uncaught page error."""

    kind: Literal["console.error", "pageerror"]
    text: str
    url: str = ""

    def __str__(self) -> str:
        where = f" ({self.url})" if self.url else ""
        return f"{self.kind}: {self.text}{where}"


@dataclass(frozen=True)
class RecordedDialog:
    type: str  # "alert", "confirm", "prompt" or "beforeunload"
    message: str
    page_url: str


@dataclass
class BrowserLog:
    """What the pages of one browser context reported while a test ran."""

    javascript_enabled: bool
    console_errors: list[BrowserError] = field(default_factory=list)
    page_errors: list[BrowserError] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    dialogs: list[RecordedDialog] = field(default_factory=list)
    # Every console message, for the report when a test fails.
    console: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)
    accept_dialogs: bool = False
    # Requests sent and not yet answered (pages ask in the background: polls, beacons).
    in_flight: set[object] = field(default_factory=set)

    def on_request(self, request: object) -> None:
        self.in_flight.add(request)

    def on_request_done(self, request: object) -> None:
        self.in_flight.discard(request)

    def unexpected_errors(self) -> list[BrowserError]:
        return [
            error
            for error in (*self.console_errors, *self.page_errors)
            if not any(pattern.search(error.text) for pattern in self.allowed)
        ]

    def on_console(self, message: ConsoleMessage) -> None:
        location = message.location.get("url", "")
        self.console.append(f"{message.type}: {message.text}")
        if message.type != "error":
            return
        # Chromium fetches /favicon.ico on its own when a page names no icon; its 404 is the
        # browser's guess failing, not the page's error.
        if urlsplit(location).path == "/favicon.ico":
            return
        self.console_errors.append(BrowserError("console.error", message.text, location))
        # Chromium reports a blocked inline script, style or source only as a console error.
        if CSP_MARKER in message.text:
            self.csp_violations.append(message.text)

    def on_page_error(self, web_error: WebError) -> None:
        error = web_error.error
        text = f"{error.name}: {error.message}" if error.name else error.message
        url = web_error.page.url if web_error.page else ""
        self.page_errors.append(BrowserError("pageerror", text, url))

    def on_dialog(self, dialog: Dialog) -> None:
        url = dialog.page.url if dialog.page else ""
        self.dialogs.append(RecordedDialog(dialog.type, dialog.message, url))
        if self.accept_dialogs:
            dialog.accept()
        else:
            dialog.dismiss()


_logs: weakref.WeakKeyDictionary[BrowserContext, BrowserLog] = weakref.WeakKeyDictionary()


def watch_context(context: BrowserContext, *, javascript_enabled: bool) -> BrowserLog:
    """Record console errors, page errors, CSP violations and dialogs of every page in it.

    Listening on the context rather than the page also covers pop-ups and extra tabs.
    """
    log = BrowserLog(javascript_enabled=javascript_enabled)
    context.on("console", log.on_console)
    context.on("weberror", log.on_page_error)
    context.on("dialog", log.on_dialog)
    context.on("request", log.on_request)
    context.on("requestfinished", log.on_request_done)
    context.on("requestfailed", log.on_request_done)
    _logs[context] = log
    return log


def wait_for_quiet(context: BrowserContext, timeout_ms: int = 5000) -> None:
    """Until no request of the context's pages is on its way, so the server has answered all
    they asked: before signing someone else in, or flushing the test's data. (Playwright
    hands over its events only while it waits, hence ``wait_for_timeout``.)"""
    log = _logs.get(context)
    if log is not None and context.pages:
        # htmx starts a ``load``-triggered request (a watch button, "seen") only once the
        # swap has settled: let those start before asking what is still on its way.
        context.pages[0].wait_for_timeout(100)
    waited = 0
    while log is not None and log.in_flight and context.pages and waited < timeout_ms:
        context.pages[0].wait_for_timeout(25)
        waited += 25


def find_browser_log(page: Page) -> BrowserLog | None:
    return _logs.get(page.context)


def browser_log(page: Page) -> BrowserLog:
    """The log of a page made by the ``page`` or ``no_js_page`` fixture (or its context)."""
    log = find_browser_log(page)
    if log is None:
        raise LookupError("this page was not made by the e2e fixtures, so nothing is recorded")
    return log


def allow_console_error(page: Page, pattern: str | re.Pattern[str]) -> None:
    """Let the test pass although the browser reports this error.

    Covers ``console.error`` (CSP violations included) and uncaught page errors. A string
    matches as a substring; a compiled pattern with ``search``. Chromium logs every 4xx/5xx
    response it loads, so a test that means to land on a 403 or 404 page, or whose htmx
    request is answered 4xx, allows it: ``allow_console_error(page, "status of 403")``.
    """
    compiled = pattern if isinstance(pattern, re.Pattern) else re.compile(re.escape(pattern))
    browser_log(page).allowed.append(compiled)


def accept_dialogs(page: Page, accept: bool = True) -> None:
    """Answer later ``confirm``/``prompt``/``alert`` dialogs with OK (they are dismissed by
    default). Dialogs are still recorded."""
    browser_log(page).accept_dialogs = accept


def format_errors(errors: list[BrowserError]) -> str:
    lines = [f"The browser reported {len(errors)} unexpected error(s):"]
    lines += [f"  - {error}" for error in errors]
    lines.append(
        "If the test expects one, call allow_console_error(page, '<part of the message>')."
    )
    return "\n".join(lines)


_SCREENSHOT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def screenshot(
    page: Page,
    name: str,
    *,
    directory: Path = SCREENSHOT_DIR,
    full_page: bool = True,
) -> Path:
    """Save a PNG of the page as ``<directory>/<name>.png`` (``docs/screenshots`` by default)."""
    name = name.removesuffix(".png")
    if not _SCREENSHOT_NAME.fullmatch(name):
        raise ValueError(f"screenshot name must be a plain file name, got {name!r}")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.png"
    page.screenshot(path=path, full_page=full_page, animations="disabled", caret="hide")
    return path
