"""@mentions: linked through the one renderer, unknown names left as text, and suggestions."""

from __future__ import annotations

from django.contrib.auth.models import User

from annotations.discussion import markdown
from annotations.discussion.markdown import render_markdown
from annotations.notifications.mentions import MENTIONS_LOOKED_UP, comment_html


def test_a_mention_of_a_member_links_to_their_page(treaty, alice):
    html, members = comment_html("Ask @Alice about it.")
    assert (
        '<a href="/members/alice/" class="mention" rel="nofollow ugc noopener">@Alice</a>' in html
    )
    assert list(members) == ["alice"]


def test_unknown_names_and_addresses_stay_text(treaty, alice):
    html, members = comment_html("Ask @nobody, or write to alice@example.org.")
    assert "<a" not in html and "@nobody" in html
    assert members == {}


def test_mentions_in_code_or_links_are_not_mentions(treaty, alice):
    html, members = comment_html("`@alice` and [@alice](https://example.org)")
    assert 'class="mention"' not in html and members == {}


def test_an_inactive_member_is_not_mentioned(treaty, alice):
    alice.is_active = False
    alice.save()
    html, members = comment_html("@alice?")
    assert "<a" not in html and members == {}


def test_a_comment_is_parsed_once_to_find_and_link_its_mentions(treaty, alice, monkeypatch):
    """Finding the names and rendering them were two parses: for a comment of a few
    paragraphs the second cost 0.3 ms, about a tenth of posting it."""
    parses = []
    parse = markdown._parser.parse

    def counted(*args: object) -> object:
        parses.append(args)
        return parse(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(markdown._parser, "parse", counted)
    html, members = comment_html("Ask @alice.\n\nAnd @nobody.")
    assert len(parses) == 1
    assert 'class="mention"' in html and list(members) == ["alice"]


def test_the_names_looked_up_are_the_first_in_reading_order(treaty, alice, bob):
    others = " ".join(f"@someone{n}" for n in range(MENTIONS_LOOKED_UP - 1))
    html, members = comment_html(f"@alice first.\n\n{others}\n\nAnd @bob, one too many.")
    assert list(members) == ["alice"]
    assert ">@alice</a>" in html and ">@bob</a>" not in html


def test_the_sanitiser_still_has_the_last_word(treaty):
    # A member cannot forge the mention class or anything else through raw HTML.
    html = render_markdown('<a class="mention" href="javascript:x">@x</a>')
    assert "<a" not in html


def test_a_posted_comment_shows_the_mention_as_a_link(alice_client, treaty, bob):
    alice_client.post(f"/treaties/{treaty.slug}/comments/", {"body": "Thanks, @bob!"})
    html = alice_client.get(f"/treaties/{treaty.slug}/discussion/").content.decode()
    assert 'class="mention" rel="nofollow ugc noopener">@bob</a>!' in html


def test_suggestions_list_members_by_the_start_of_their_name(alice_client, alice, bob):
    User.objects.create_user("bobby", "bobby@example.org")
    html = alice_client.get("/mentions/?q=bo&listbox=x", HTTP_HX_REQUEST="true").content.decode()
    assert 'role="listbox"' in html
    assert 'data-username="bob"' in html and 'data-username="bobby"' in html
    assert "alice" not in html and "example.org" not in html


def test_suggestions_for_nobody_are_empty(alice_client, alice):
    assert alice_client.get("/mentions/?q=zzz").content.decode().strip() == ""
    assert alice_client.get("/mentions/?q=").content.decode().strip() == ""


def test_suggestions_need_a_member(client, alice):
    assert client.get("/mentions/?q=al").status_code == 403


def test_the_composer_asks_for_suggestions(alice_client, treaty):
    html = alice_client.get(f"/treaties/{treaty.slug}/discussion/").content.decode()
    assert 'data-mentions-url="/mentions/"' in html
