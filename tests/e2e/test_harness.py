"""The harness itself, on pages made in the test: no Django, no live server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Error, Page, Route, expect

from .axe import assert_accessible, axe_violations, format_violations
from .harness import accept_dialogs, allow_console_error, browser_log, screenshot

CLEAN_PAGE = """<!doctype html>
<html lang="en">
<head><title>Harness</title></head>
<body>
  <main><h1>Hello</h1><button>OK</button><p id="said"></p></main>
  <script>
    document.querySelector("button").addEventListener("click", () => {
      document.getElementById("said").textContent = "Clicked";
    });
  </script>
</body>
</html>"""

STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'"


def serve(page: Page, body: str, *, csp: str | None = None) -> str:
    """Answer requests for http://treaty.test/ with ``body``; return the URL."""
    headers = {"content-type": "text/html; charset=utf-8"}
    if csp:
        headers["content-security-policy"] = csp

    def respond(route: Route) -> None:
        route.fulfill(status=200, headers=headers, body=body)

    page.route("http://treaty.test/", respond)
    return "http://treaty.test/"


def test_it_clicks_a_button(page: Page):
    page.set_content(CLEAN_PAGE)

    page.get_by_role("button", name="OK").click()

    expect(page.locator("#said")).to_have_text("Clicked")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello")


def test_axe_finds_nothing_serious_on_a_clean_page(page: Page):
    page.set_content(CLEAN_PAGE)

    assert_accessible(page)


def test_axe_reports_a_button_without_a_name(page: Page):
    page.set_content(CLEAN_PAGE.replace("<button>OK</button>", "<button></button>"))

    violations = axe_violations(page)

    assert [v["id"] for v in violations] == ["button-name"]
    assert violations[0]["impact"] == "critical"
    assert "button-name (critical)" in format_violations(violations)


def test_axe_filters_by_impact(page: Page):
    # No <main> landmark: "region" is a moderate violation, below the default threshold.
    page.set_content("<html lang=en><title>t</title><h1>Hi</h1><p>Text outside landmarks</p>")

    assert axe_violations(page) == []
    assert "region" in {v["id"] for v in axe_violations(page, impacts=("moderate",))}


def test_axe_runs_under_a_strict_content_security_policy(page: Page):
    page.goto(serve(page, CLEAN_PAGE.replace("<script>", "<script hidden>"), csp=STRICT_CSP))
    allow_console_error(page, "Content Security Policy")

    assert_accessible(page)
    assert page.evaluate("() => typeof axe.run") == "function"


def test_it_records_csp_violations_as_errors(page: Page):
    page.goto(serve(page, CLEAN_PAGE, csp=STRICT_CSP))

    log = browser_log(page)
    assert len(log.csp_violations) == 1
    assert "script-src 'self'" in log.csp_violations[0]
    assert [e.kind for e in log.unexpected_errors()] == ["console.error"]
    allow_console_error(page, re.compile(r"violates the following Content Security Policy"))
    assert log.unexpected_errors() == []


def test_it_records_console_and_page_errors(page: Page):
    page.set_content(CLEAN_PAGE)

    with page.expect_event("pageerror"):
        page.evaluate(
            "() => { console.error('boom'); setTimeout(() => { throw new Error('kaboom') }) }"
        )

    log = browser_log(page)
    assert [str(e) for e in log.unexpected_errors()] == [
        "console.error: boom",
        "pageerror: Error: kaboom (about:blank)",
    ]
    allow_console_error(page, "boom")  # matches both messages
    assert log.unexpected_errors() == []


def test_it_records_and_dismisses_dialogs(page: Page):
    page.set_content(CLEAN_PAGE)

    page.evaluate("alert(1)")
    answer = page.evaluate("confirm('Delete?')")

    assert [(d.type, d.message) for d in browser_log(page).dialogs] == [
        ("alert", "1"),
        ("confirm", "Delete?"),
    ]
    assert answer is False


def test_it_accepts_dialogs_when_asked(page: Page):
    accept_dialogs(page)

    assert page.evaluate("confirm('Delete?')") is True
    assert len(browser_log(page).dialogs) == 1


def test_no_js_page_runs_no_scripts(no_js_page: Page):
    no_js_page.set_content(CLEAN_PAGE)

    no_js_page.get_by_role("button", name="OK").click()

    expect(no_js_page.locator("#said")).to_have_text("")
    with pytest.raises(RuntimeError, match="axe needs JavaScript"):
        axe_violations(no_js_page)


def test_it_never_reaches_the_network(page: Page):
    with pytest.raises(Error, match="ERR_NAME_NOT_RESOLVED"):
        page.goto("http://example.com/")


def test_screenshot_writes_a_png(page: Page, tmp_path: Path):
    page.set_content(CLEAN_PAGE)

    path = screenshot(page, "harness", directory=tmp_path / "shots")

    assert path == tmp_path / "shots" / "harness.png"
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(ValueError, match="plain file name"):
        screenshot(page, "../escape", directory=tmp_path)
