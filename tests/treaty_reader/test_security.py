"""Security headers: the deploy check passes in production, HTTPS is recognised behind a
proxy, and every page carries a Content-Security-Policy that allows no inline code."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

from .serving import gunicorn, manage

STRONG_KEY = "k3J9x-vQ2mZ8pL4rT7wY1bN6cF0hD5sG9aE2uI8oP3lK7jH4gF6dS1aZ0xC9vB2nM5q"
TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates"] + [
    path for path in Path(settings.BASE_DIR).glob("*/templates") if path.is_dir()
]


def production(tmp_path: Path) -> dict[str, str]:
    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": STRONG_KEY,
        "DJANGO_ALLOWED_HOSTS": "treaty.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }


def test_production_settings_pass_the_deploy_check(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_behind_a_proxy_https_is_taken_from_x_forwarded_proto(tmp_path):
    host = {"Host": "treaty.example.org"}
    with gunicorn(production(tmp_path), tmp_path) as server:
        plain = server.get("/no-such-page/", host)
        assert plain.status == 301
        assert plain.headers["Location"] == "https://treaty.example.org/no-such-page/"

        secure = server.get("/no-such-page/", {**host, "X-Forwarded-Proto": "https"})
        assert secure.status == 404, server.log.read_text()
        assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")

        # Load balancers probe over plain HTTP: answered, not redirected.
        assert server.get("/healthz", host).status == 200


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str, name: str) -> list[dict[str, str | None]]:
    parser = Tags()
    parser.feed(html)
    return [attrs for tag, attrs in parser.tags if tag == name]


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


@pytest.fixture
def pages(client, treaty, alice):
    """The site's main pages, for a visitor and for a signed-in member."""

    def fetch():
        answers = []
        for url in ["/", treaty.get_absolute_url(), "/accounts/login/", "/accounts/signup/"]:
            answers.append(client.get(url))
        client.force_login(alice)
        answers += [client.get("/"), client.get(treaty.get_absolute_url())]
        return answers

    return fetch


def test_every_page_has_a_policy_that_allows_no_inline_code_or_eval(pages):
    for response in pages():
        assert response.status_code == 200, response.request["PATH_INFO"]
        header = response["Content-Security-Policy"]
        assert "unsafe-inline" not in header
        assert "unsafe-eval" not in header
        directives = policy(response)
        assert directives["default-src"] == ["'self'"]
        assert directives["script-src"][0] == "'self'"
        assert directives["style-src"][0] == "'self'"
        assert directives["img-src"] == ["'self'", "data:"]
        assert directives["object-src"] == ["'none'"]
        assert directives["base-uri"] == ["'self'"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert directives["form-action"] == ["'self'"]


def test_htmx_is_loaded_with_the_nonce_the_policy_names(pages):
    nonces = set()
    for response in pages():
        html = response.content.decode()
        scripts = tags(html, "script")
        htmx = [s for s in scripts if "django_htmx/htmx" in (s.get("src") or "")]
        assert len(htmx) == 1
        nonce = htmx[0]["nonce"]
        assert nonce
        assert f"'nonce-{nonce}'" in policy(response)["script-src"]
        for script in scripts:
            src = script.get("src", "")
            assert src is not None
            assert src.startswith("/") or script.get("nonce") == nonce
        nonces.add(nonce)
    assert len(nonces) == 6, "every response has a nonce of its own"


def test_the_policy_is_enforced_in_development_too(client, settings, db):
    settings.DEBUG = True
    response = client.get("/")
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header
    scripts = tags(response.content.decode(), "script")
    htmx = [s for s in scripts if (s.get("src") or "").startswith("/static/django_htmx/")]
    assert len(htmx) == 2  # htmx and django-htmx's debug helper
    for script in htmx:
        assert f"'nonce-{script['nonce']}'" in header


def test_htmx_config_is_valid_json_and_asks_for_no_inline_styles_or_eval(client, db):
    html = client.get("/").content.decode()
    (meta,) = [m for m in tags(html, "meta") if m.get("name") == "htmx-config"]
    content = meta["content"]
    assert content is not None
    config = json.loads(content)
    assert config["includeIndicatorStyles"] is False
    assert config["allowEval"] is False


# What the policy blocks in a template: inline scripts and styles without the nonce, style
# attributes, on…= handlers, javascript: URLs, and htmx's eval-based hx-on.
FORBIDDEN = [
    (
        re.compile(r"<script\b(?![^>]*\b(?:src|nonce)=)[^>]*>", re.I),
        "inline <script> without nonce",
    ),
    (re.compile(r"<style\b(?![^>]*\bnonce=)[^>]*>", re.I), "<style> without nonce"),
    (re.compile(r"\sstyle\s*=\s*[\"'{]", re.I), "style= attribute"),
    (re.compile(r"\son[a-z]+\s*=\s*[\"'{]", re.I), "on…= event handler attribute"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"\shx-on\b", re.I), "hx-on (needs eval)"),
]


def test_no_template_has_inline_code_the_policy_would_block():
    problems = []
    for directory in TEMPLATE_DIRS:
        for path in sorted(directory.rglob("*")):
            if path.suffix not in {".html", ".txt", ".xml"}:
                continue
            text = path.read_text()
            for pattern, what in FORBIDDEN:
                for match in pattern.finditer(text):
                    line = text.count("\n", 0, match.start()) + 1
                    problems.append(f"{path.relative_to(settings.BASE_DIR)}:{line}: {what}")
    assert not problems, "\n".join(problems)


def test_no_script_sets_style_attributes_or_evaluates_strings():
    problems = []
    pattern = re.compile(r"\beval\(|new Function\(|setAttribute\(\s*[\"']style[\"']")
    for path in sorted((Path(settings.BASE_DIR) / "static").rglob("*.js")):
        text = path.read_text()
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            problems.append(f"{path.relative_to(settings.BASE_DIR)}:{line}: {match.group()}")
    assert not problems, "\n".join(problems)
