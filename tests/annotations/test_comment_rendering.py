"""Comment text reaches pages only as sanitised HTML, whichever view shows it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from annotations.discussion.services import comment_edit
from annotations.models import Comment

PAGE = "/treaties/anglo-soviet-treaty-1942/discussion/"  # the discussion of the whole treaty
HTMX = {"HTTP_HX_REQUEST": "true"}

HOSTILE = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD4=)",
    '"><svg onload=alert(1)>',
    "<a href='https://evil.example' onclick='steal()'>hi</a>",
    "![pixel](https://tracker.example/p.gif)",
    "<iframe src=https://evil.example></iframe>",
    "</textarea><script>alert(2)</script>",
]
ALLOWED = {"a", "blockquote", "br", "code", "em", "h3", "h4", "h5", "h6", "hr", "li", "ol",
           "p", "pre", "s", "strong", "ul"}  # fmt: skip


class Elements(HTMLParser):
    """Every element on a page, and those inside comment bodies."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.all: list[tuple[str, dict[str, str | None]]] = []
        self.in_bodies: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.all.append((tag, attributes))
        if self.depth:
            self.depth += tag not in {"br", "hr"}
            self.in_bodies.append((tag, attributes))
        elif "comment-body" in (attributes.get("class") or "").split():
            self.depth = 1

    def handle_endtag(self, tag):
        if self.depth:
            self.depth -= 1


def assert_safe(html: str) -> None:
    page = Elements(html)
    for tag, attributes in page.in_bodies:
        assert tag in ALLOWED, tag
        assert set(attributes) <= {"href", "title", "rel", "start"}, attributes
        href = attributes.get("href") or ""
        assert not re.match(r"\s*(javascript|data|vbscript):", href, re.I), href
    for tag, attributes in page.all:
        assert tag not in {"img", "svg", "iframe"}, tag
        assert tag != "script" or (attributes.get("src") or "").startswith("/static/"), attributes
        assert not [name for name in attributes if name.startswith("on")], attributes


@pytest.mark.parametrize("body", HOSTILE)
def test_hostile_markdown_is_harmless_wherever_the_comment_shows(
    alice_client, bob_client, treaty, alice, body
):
    response = alice_client.post("/treaties/anglo-soviet-treaty-1942/comments/", {"body": body})
    comment = Comment.objects.get(author=alice)
    assert response.status_code == 302
    assert_safe(bob_client.get(PAGE).content.decode())
    assert_safe(bob_client.get(f"/comments/{comment.pk}/").content.decode())
    assert_safe(
        alice_client.post(
            "/treaties/anglo-soviet-treaty-1942/comments/", {"body": body}, **HTMX
        ).content.decode()
    )
    comment_edit(comment=comment, editor=alice, body=body + " (edited)")
    assert_safe(bob_client.get(f"/comments/{comment.pk}/history/").content.decode())
    reply_form = bob_client.get(f"/comments/{comment.pk}/reply/").content.decode()
    assert "<script>alert" not in reply_form


def test_a_hostile_quote_stays_inside_the_textarea(bob_client, say, alice):
    comment = say(alice, "</textarea><script>alert(3)</script>")
    quote = "</textarea><script>alert(3)</script>"
    html = bob_client.get(f"/comments/{comment.pk}/reply/", {"quote": quote}).content.decode()
    assert "&lt;/textarea&gt;&lt;script&gt;alert(3)" in html
    assert "<script>alert(3)" not in html


def test_links_in_comments_are_marked_as_member_content(client, say, alice):
    say(alice, "See [the text](https://example.org/treaty).")
    html = client.get(PAGE).content.decode()
    assert '<a href="https://example.org/treaty" rel="nofollow ugc noopener">the text</a>' in html


def test_a_moderators_reason_is_escaped(alice_client, say, alice):
    from django.utils import timezone

    comment = say(alice, "Hidden.")
    comment.hidden_at = timezone.now()
    comment.hidden_reason = "<b>rude</b>"
    comment.save()
    html = alice_client.get(PAGE).content.decode()
    assert "Hidden by a moderator: &lt;b&gt;rude&lt;/b&gt;" in html


def test_the_imported_replies_show_their_emoji(treaty):
    html = Client().get(PAGE).content.decode()
    discussion = html[html.index('id="discussion"') :]
    for emoji in ("😜", "😈", "🤔"):
        assert discussion.count(emoji) == 1, emoji
    assert discussion.count("Forum reply (imported)") == 3


def test_emoji_shortcodes_in_a_members_comment_become_emoji(alice_client, treaty):
    alice_client.post("/treaties/anglo-soviet-treaty-1942/comments/", {"body": "Hm :thinking:"})
    assert "<p>Hm 🤔</p>" in Client().get(PAGE).content.decode()


class Nesting(HTMLParser):
    """For each comment on a page, the comment whose replies it is shown among."""

    VOID = {"br", "hr", "img", "input", "meta", "link"}

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None]] = []
        self.parent_of: dict[int, int | None] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        attrs = dict(attrs)
        if tag == "article" and attrs.get("data-comment"):
            enclosing = [int(c) for t, c in self.stack if t == "article" and c]
            self.parent_of[int(attrs["data-comment"])] = enclosing[-1] if enclosing else None
        self.stack.append((tag, attrs.get("data-comment")))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        opened, _ = self.stack.pop()
        assert opened == tag, f"</{tag}> closes <{opened}>"


def test_replies_nest_under_their_parents_in_one_well_formed_tree(client, treaty, alice, bob, say):
    top = say(alice, "Top.")
    first = say(bob, "First.", parent=top)
    deep = [say(alice, "Level 2.", parent=first)]
    for level in range(3, 8):  # deeper than the page shows
        deep.append(say(bob if level % 2 else alice, f"Level {level}.", parent=deep[-1]))
    second = say(alice, "Second.", parent=top)
    after = say(bob, "After.")

    nesting = Nesting(client.get(PAGE).content.decode())

    assert nesting.stack == []  # every element closed, in order
    shown = nesting.parent_of
    assert shown[top.pk] is None and shown[after.pk] is None
    assert shown[first.pk] == top.pk and shown[second.pk] == top.pk
    assert shown[deep[0].pk] == first.pk and shown[deep[1].pk] == deep[0].pk
    assert shown[deep[2].pk] == deep[1].pk  # the fifth level, the last the page shows
    assert deep[3].pk not in shown  # continued on its parent's own page
