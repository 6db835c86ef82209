"""Hostile text through the other fields a member fills: usernames and flag notes.

Comments get the same corpus in the browser (tests/e2e/test_hostile_comments.py); here the
pages that show usernames and flag notes are parsed for anything a browser would run.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from annotations.models import Comment, Flag

from ..conftest import PASSWORD

CORPUS = Path(__file__).parents[1] / "e2e" / "vendor" / "xss-payloads.json"
PAYLOADS = json.loads(CORPUS.read_text(encoding="utf-8"))["payloads"]
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")


class Audit(HTMLParser):
    """Collects every script, event handler and dangerous URL a page would hand a browser."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            squeezed = "".join((value or "").split()).lower()
            if name in {"href", "src", "action", "formaction"} and squeezed.startswith(
                DANGEROUS_SCHEMES
            ):
                self.problems.append(f"<{tag} {name}={value!r}>")
        src = dict(attrs).get("src") or ""
        if tag == "script" and not (src.startswith("/") and not src.startswith("//")):
            self.problems.append(f"an inline or foreign <script src={src!r}>")
        if tag in {"iframe", "object", "embed", "base"}:
            self.problems.append(f"<{tag}>")


def assert_inert(html: str, where: str) -> None:
    problems = Audit(html).problems
    assert problems == [], f"{where}: {problems[:10]}"


def test_hostile_usernames_are_refused_or_shown_as_text(db):
    accepted = []
    for i, payload in enumerate(PAYLOADS):
        response = Client().post(
            "/accounts/signup/",
            {"username": payload[:150], "password1": PASSWORD, "password2": PASSWORD},
            REMOTE_ADDR=f"10.{i // 250}.{i % 250}.1",
        )
        assert response.status_code in (200, 302), payload
        assert_inert(response.content.decode(), f"sign-up form for {payload!r}")
        if response.status_code == 302:
            accepted.append(payload[:150])
    assert User.objects.count() == len(accepted)
    for user in User.objects.all():
        client = Client()
        client.force_login(user)
        page = client.get(f"/members/{user.username}/")
        assert page.status_code == 200
        assert_inert(page.content.decode(), f"member page of {user.username!r}")


@pytest.mark.parametrize("chunk", range(5))
def test_hostile_flag_notes_stay_inert_for_moderators(treaty, alice, bob, moderator_client, chunk):
    comment = Comment.objects.create(
        document=treaty, author=alice, body="A remark.", body_html="<p>A remark.</p>",
        created_at=timezone.now(),
    )  # fmt: skip
    flagger = Client()
    flagger.force_login(bob)
    payloads = PAYLOADS[chunk::5]
    received = 0
    for payload in payloads:
        response = flagger.post(
            f"/comments/{comment.pk}/flag/", {"reason": "other", "note": payload[:1000]}
        )
        assert response.status_code in (302, 409, 422), payload
        assert_inert(response.content.decode(), f"flag answer for {payload!r}")
        received += response.status_code == 302
        if payload is not payloads[-1]:  # one open flag per member: close it to flag again
            Flag.objects.filter(comment=comment, flagger=bob).update(resolved_at=timezone.now())
    assert Flag.objects.filter(comment=comment).count() == received > len(payloads) * 0.9
    for url in [
        "/admin/annotations/flag/",
        "/admin/annotations/comment/review-queue/",
        *(
            f"/admin/annotations/flag/{pk}/change/"
            for pk in Flag.objects.values_list("pk", flat=True)[:20]
        ),
    ]:
        page = moderator_client.get(url)
        assert page.status_code == 200, url
        assert_inert(page.content.decode(), url)


def test_hostile_highlight_notes_stay_inert_in_the_panel(treaty, alice, alice_client):
    from annotations.highlights.services import highlight_create

    highlight = highlight_create(
        author=alice, document=treaty, start_key="article-7-para-1", start_offset=0,
        end_key="article-7-para-1", end_offset=20,
    )  # fmt: skip
    for payload in PAYLOADS:
        response = alice_client.post(
            f"/highlights/{highlight.pk}/note/", {"note": payload[:1000]}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code in (200, 422), payload
        assert_inert(response.content.decode(), f"panel with note {payload!r}")
    page = alice_client.get(f"/highlights/{highlight.pk}/")
    assert_inert(page.content.decode(), "highlight page")
