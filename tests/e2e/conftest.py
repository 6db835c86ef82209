"""Fixtures for the browser tests: one Chromium per session, a fresh context per test.

Every test here is marked ``e2e``. Without Chromium the browser tests are skipped locally
and fail in CI. Each page's console errors and uncaught exceptions fail the test at
teardown unless the test allowed them (``allow_console_error``).

Nothing here imports Django: only ``live_url`` needs it, by asking for ``live_server``.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from . import harness
from .harness import (
    ACTION_TIMEOUT_MS,
    CHROMIUM_ARGS,
    E2E_DIR,
    NAVIGATION_TIMEOUT_MS,
    VIEWPORT,
    browser_log,
    chromium_available,
    chromium_path,
    find_browser_log,
    format_errors,
    missing_chromium_failure,
    missing_chromium_skip_reason,
    running_in_ci,
    watch_context,
)

# Playwright's sync API keeps an asyncio loop marked as running in the test thread for as
# long as the browser is open (the whole session, so unit tests collected after this folder
# too); Django would then refuse every ORM call as "async unsafe".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# Only Debian's Chromium is used; Playwright must never fetch one of its own.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

from playwright.sync_api import (  # noqa: E402  (after the environment is set)
    Browser,
    BrowserContext,
    Page,
    sync_playwright,
)

if TYPE_CHECKING:
    from pytest_django.live_server_helper import LiveServer

_BROWSER_TESTS = pytest.StashKey[set[str]]()
_LAUNCH = pytest.StashKey[tuple[str, float]]()
_CALL_REPORT = pytest.StashKey[pytest.TestReport]()


def _in_this_folder(item: pytest.Item) -> bool:
    return item.path.is_relative_to(E2E_DIR)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = None
    if not chromium_available() and not running_in_ci():
        skip = pytest.mark.skip(reason=missing_chromium_skip_reason())
    browser_tests = config.stash.setdefault(_BROWSER_TESTS, set())
    for item in items:
        if not _in_this_folder(item):
            continue
        item.add_marker(pytest.mark.e2e)
        if "browser" in getattr(item, "fixturenames", ()):
            browser_tests.add(item.nodeid)
            # Skipping here, not in the fixture, spares the live server and database set-up.
            if skip is not None:
                item.add_marker(skip)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    if report.when == "call":
        item.stash[_CALL_REPORT] = report
        if report.failed:
            _add_browser_console(item, report)
    return report


def _add_browser_console(item: pytest.Item, report: pytest.TestReport) -> None:
    """Show what the browser logged under a failed test, beside its captured output."""
    for name in ("page", "no_js_page"):
        page = getattr(item, "funcargs", {}).get(name)
        log = find_browser_log(page) if page is not None else None
        if log is not None and log.console:
            report.sections.append((f"Browser console ({name})", "\n".join(log.console)))


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    browser_tests = config.stash.get(_BROWSER_TESTS, set())
    if not browser_tests:
        return
    stats = terminalreporter.stats
    if chromium_available():
        if _LAUNCH in config.stash:
            version, seconds = config.stash[_LAUNCH]
            terminalreporter.write_line(
                f"e2e: Chromium {version} ({chromium_path()}) started in {seconds:.2f}s"
            )
        return
    skipped = [r for r in stats.get("skipped", []) if r.nodeid in browser_tests]
    broken = [
        r for r in (*stats.get("error", []), *stats.get("failed", [])) if r.nodeid in browser_tests
    ]
    if skipped:
        terminalreporter.write_sep("=", "browser tests skipped", yellow=True, bold=True)
        terminalreporter.write_line(f"{len(skipped)} browser test(s) skipped.")
        terminalreporter.write_line(missing_chromium_skip_reason())
    if broken and running_in_ci():
        terminalreporter.write_sep("=", "browser tests failed", red=True, bold=True)
        terminalreporter.write_line(f"{len(broken)} browser test(s) could not run.")
        terminalreporter.write_line(missing_chromium_failure())


@pytest.fixture(scope="session")
def browser(pytestconfig: pytest.Config) -> Iterator[Browser]:
    if not chromium_available():
        if running_in_ci():
            pytest.fail(missing_chromium_failure(), pytrace=False)
        pytest.skip(missing_chromium_skip_reason())
    started = time.perf_counter()
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=list(CHROMIUM_ARGS)
        )
    except BaseException:
        playwright.stop()
        raise
    pytestconfig.stash[_LAUNCH] = (browser.version, time.perf_counter() - started)
    yield browser
    browser.close()
    playwright.stop()


def _new_context(browser: Browser, *, javascript_enabled: bool) -> BrowserContext:
    # Fixed locale, time zone, colour scheme and motion so pages and screenshots don't
    # depend on the machine.
    context = browser.new_context(
        viewport=VIEWPORT,
        java_script_enabled=javascript_enabled,
        locale="en-GB",
        timezone_id="UTC",
        color_scheme="light",
        reduced_motion="reduce",
    )
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    watch_context(context, javascript_enabled=javascript_enabled)
    return context


def settle(context: BrowserContext) -> None:
    """Pages ask the server things in the background (the live-update poll, the "seen"
    post when a thread shows): let the live server answer what they asked, then close them,
    before the test's data is flushed under it."""
    harness.wait_for_quiet(context)
    for open_page in context.pages:
        open_page.close()


def _watched_page(request: pytest.FixtureRequest, context: BrowserContext) -> Iterator[Page]:
    page = context.new_page()
    yield page
    log = browser_log(page)
    errors = log.unexpected_errors()
    call = request.node.stash.get(_CALL_REPORT, None)
    # A test that already failed shows the browser console in its report; don't pile on.
    if errors and not (call is not None and call.failed):
        pytest.fail(format_errors(errors), pytrace=False)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser context (cookies, storage) per test, JavaScript on, 1280x900."""
    context = _new_context(browser, javascript_enabled=True)
    yield context
    settle(context)
    context.close()


@pytest.fixture
def page(request: pytest.FixtureRequest, context: BrowserContext) -> Iterator[Page]:
    """A page in ``context``; console errors or uncaught exceptions fail the test."""
    yield from _watched_page(request, context)


@pytest.fixture
def no_js_page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """A page in its own context with JavaScript switched off: the site without htmx."""
    context = _new_context(browser, javascript_enabled=False)
    try:
        yield from _watched_page(request, context)
    finally:
        context.close()


@pytest.fixture
def live_url(live_server: LiveServer) -> str:
    """The live test server's address, e.g. ``http://localhost:41234`` (no trailing slash)."""
    return live_server.url


@pytest.fixture
def screenshot(tmp_path: Path) -> Callable[..., Path]:
    """``screenshot(page, "name")`` saves ``name.png`` and returns its path: in a temporary
    folder, so a test run leaves the checkout as it was, or in ``$SCREENSHOT_DIR`` when set
    (``make screenshots`` sets it to docs/screenshots, the README's pictures)."""
    chosen = os.environ.get("SCREENSHOT_DIR")
    directory = Path(chosen).resolve() if chosen else tmp_path / "screenshots"
    return functools.partial(harness.screenshot, directory=directory)
