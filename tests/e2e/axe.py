"""Accessibility checks with axe-core, vendored in ``vendor/axe.min.js``.

The site sends a strict Content-Security-Policy (no inline scripts, no eval), so axe is not
added as a ``<script>`` tag: ``page.evaluate`` runs it through the DevTools protocol, which
the page's CSP does not govern. axe itself needs neither eval nor inline code.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .harness import find_browser_log

if TYPE_CHECKING:
    from playwright.sync_api import Page

AXE_PATH = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
IMPACTS = ("minor", "moderate", "serious", "critical")


@functools.cache
def axe_source() -> str:
    return AXE_PATH.read_text(encoding="utf-8")


def _inject(page: Page) -> None:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())


def axe_violations(
    page: Page,
    impacts: Iterable[str] = ("serious", "critical"),
    *,
    context: str | Mapping[str, Any] | None = None,
    options: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Run axe on the page as it is now; return the violations with one of ``impacts``.

    ``context`` narrows the check (a CSS selector, or ``{"include": [...], "exclude": [...]}``);
    ``options`` go to ``axe.run`` (e.g. ``{"runOnly": ["wcag2a", "wcag2aa"]}``). Each violation
    is axe's own dict: ``id``, ``impact``, ``help``, ``helpUrl``, ``nodes`` (``target``,
    ``html``, ``failureSummary``).
    """
    wanted = set(impacts)
    unknown = wanted - set(IMPACTS)
    if unknown:
        raise ValueError(f"unknown axe impact(s) {sorted(unknown)}; use some of {IMPACTS}")
    log = find_browser_log(page)
    if log is not None and not log.javascript_enabled:
        # axe waits on timers, which never fire with JavaScript off: it would hang for ever.
        raise RuntimeError(
            "axe needs JavaScript: check the same URL with the `page` fixture, not `no_js_page`."
        )
    _inject(page)
    results = page.evaluate(
        "async ([context, options]) => await axe.run(context ?? document, options)",
        [context, {**(options or {}), "resultTypes": ["violations"]}],
    )
    return [v for v in results["violations"] if v.get("impact") in wanted]


def format_violations(violations: list[dict[str, Any]]) -> str:
    """A readable account of axe violations, for an assertion message."""
    if not violations:
        return "no accessibility violations"
    lines = [f"{len(violations)} accessibility violation(s):"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact')}): {violation['help']}"
            f" <{violation['helpUrl']}>"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {json.dumps(node['target'])}: {node['html']}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n      ")
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


def assert_accessible(
    page: Page,
    impacts: Iterable[str] = ("serious", "critical"),
    **kwargs: Any,
) -> None:
    """Fail with a readable list if axe finds violations of these impacts."""
    violations = axe_violations(page, impacts, **kwargs)
    assert not violations, format_violations(violations)
