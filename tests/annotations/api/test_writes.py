"""Writes from other clients are anchored and checked like the site's own, and reads show each
viewer only what the site would show them."""

from __future__ import annotations

import json

import pytest

from annotations.highlights.services import highlight_create
from annotations.models import Comment, Highlight, Notification
from tests import moderating

from .conftest import BASE, CONTAINER, TREATY, annotation, body, quote_target, send

pytestmark = pytest.mark.usefixtures("treaty")


def created(response) -> dict:
    assert response.status_code == 201, response.content.decode()
    return json.loads(response.content)


def refused(response, status: int = 400) -> str:
    assert response.status_code == status, response.content.decode()
    assert response["Content-Type"].startswith("application/problem+json")
    return json.loads(response.content)["detail"]


# Anchoring ---------------------------------------------------------------------------------


def test_a_quote_is_anchored_exactly_as_the_sites_own_highlight(alice_client, alice, treaty):
    site = highlight_create(
        author=alice, document=treaty, start_key="article-3-1", start_offset=176,
        end_key="article-3-1", end_offset=184,
    )  # fmt: skip
    created(send(alice_client, "POST", CONTAINER, annotation(quote_target("post-war"))))
    posted = Highlight.objects.exclude(pk=site.pk).get()
    assert posted.anchor == site.anchor


def test_a_quote_with_a_position_selector_in_a_clause(alice_client, treaty):
    target = quote_target("each", clause="article-7-para-1")
    target["selector"] = [
        target["selector"],
        {"type": "TextPositionSelector", "start": 0, "end": 4},
    ]
    target["selector"][0]["exact"] = "Each"
    found = created(send(alice_client, "POST", CONTAINER, annotation(target)))
    highlight = Highlight.objects.get()
    assert (highlight.start_key, highlight.start_offset, highlight.end_offset) == (
        "article-7-para-1", 0, 4,
    )  # fmt: skip
    assert found["target"]["source"] == f"{TREATY}#article-7-para-1"


def test_a_position_picks_one_of_several_occurrences(alice_client, treaty):
    text = treaty.clauses.get(key="article-7-para-1").text
    second = text.index("the", text.index("the") + 1)
    target = quote_target("the", clause="article-7-para-1")
    target["selector"] = [
        target["selector"],
        {"type": "TextPositionSelector", "start": second, "end": second + 3},
    ]
    created(send(alice_client, "POST", CONTAINER, annotation(target)))
    assert Highlight.objects.get().start_offset == second


def test_a_clause_iri_alone_highlights_the_whole_clause(alice_client, treaty):
    created(send(alice_client, "POST", CONTAINER, annotation(f"{TREATY}#article-2-para-1")))
    highlight = Highlight.objects.get()
    clause = treaty.clauses.get(key="article-2-para-1")
    assert highlight.exact == clause.text.strip()


def test_a_quote_that_is_not_in_the_text_is_refused(alice_client):
    message = refused(
        send(alice_client, "POST", CONTAINER, annotation(quote_target("a treaty of Versailles")))
    )
    assert "not in the treaty" in message
    assert not Highlight.objects.exists()


def test_an_ambiguous_quote_is_refused(alice_client):
    message = refused(send(alice_client, "POST", CONTAINER, annotation(quote_target("the"))))
    assert "times in the treaty" in message
    assert not Highlight.objects.exists()


def test_a_prefix_settles_an_ambiguous_quote(alice_client, treaty):
    target = quote_target("the", prefix="omic assistance after ")
    created(send(alice_client, "POST", CONTAINER, annotation(target)))
    highlight = Highlight.objects.get()
    assert highlight.prefix.endswith("omic assistance after ")


def test_a_target_on_another_site_is_refused(alice_client):
    target = {
        "source": "https://example.org/treaty",
        "selector": quote_target("post-war")["selector"],
    }
    assert "not a treaty" in refused(send(alice_client, "POST", CONTAINER, annotation(target)))


def test_a_highlight_with_a_body_keeps_it_as_its_note(alice_client):
    sent = annotation(
        quote_target("post-war"), motivation="commenting", body=body("Why post-war?", "text/plain")
    )
    assert created(send(alice_client, "POST", CONTAINER, sent))["motivation"] == "commenting"
    assert Highlight.objects.get().note == "Why post-war?"


def test_an_audience_of_oneself_makes_a_private_highlight(alice_client, client):
    sent = annotation(quote_target("post-war"), audience={"id": f"{BASE}/members/alice/"})
    found = created(send(alice_client, "POST", CONTAINER, sent))
    assert Highlight.objects.get().visibility == "private"
    assert client.get(found["id"].removeprefix(BASE)).status_code == 404


def test_an_audience_of_someone_else_is_refused(alice_client):
    sent = annotation(quote_target("post-war"), audience=f"{BASE}/members/bob/")
    assert "audience" in refused(send(alice_client, "POST", CONTAINER, sent))


# Replies -----------------------------------------------------------------------------------


def test_a_reply_to_a_highlight_joins_its_thread(bob_client, alice, alice_highlight):
    sent = annotation(
        f"{BASE}/annotations/highlight-{alice_highlight.pk}",
        motivation="replying",
        body=body("Do you mean *both* parties?"),
    )
    found = created(send(bob_client, "POST", CONTAINER, sent))
    comment = Comment.objects.get(author__username="bob")
    assert (comment.highlight, comment.parent) == (alice_highlight, None)
    assert comment.body_html == "<p>Do you mean <em>both</em> parties?</p>"
    assert found["body"][1] == {
        "type": "TextualBody",
        "value": comment.body_html,
        "format": "text/html",
    }
    assert Notification.objects.filter(recipient=alice, comment=comment).exists()


def test_a_reply_to_a_comment_becomes_a_reply_in_its_thread(
    alice_client, bob, alice_highlight, say
):
    parent = say(bob, "First.", highlight=alice_highlight)
    sent = annotation(
        f"{BASE}/annotations/comment-{parent.pk}", motivation="replying", body=body("Second.")
    )
    created(send(alice_client, "POST", CONTAINER, sent))
    reply = Comment.objects.get(body="Second.")
    assert (reply.parent, reply.highlight) == (parent, alice_highlight)


def test_a_comment_on_the_treaty_joins_its_discussion(alice_client, treaty):
    sent = annotation(TREATY, motivation="commenting", bodyValue="On the whole treaty.")
    created(send(alice_client, "POST", CONTAINER, sent))
    comment = Comment.objects.get(body="On the whole treaty.")
    assert (comment.document, comment.highlight, comment.parent) == (treaty, None, None)


def test_a_reply_to_a_private_highlight_of_someone_else_is_refused(
    bob_client, alice_private_highlight
):
    sent = annotation(
        f"{BASE}/annotations/highlight-{alice_private_highlight.pk}",
        motivation="replying",
        body=body("Peek."),
    )
    assert "does not exist" in refused(send(bob_client, "POST", CONTAINER, sent))
    assert not Comment.objects.filter(body="Peek.").exists()


def test_a_reply_to_a_hidden_comment_is_refused(bob_client, alice, moderator, say):
    hidden = say(alice, "Hide me.")
    moderating.comment_hide(comment=hidden, moderator=moderator, reason="Testing.")
    sent = annotation(f"{BASE}/annotations/comment-{hidden.pk}", body=body("Hello?"))
    refused(send(bob_client, "POST", CONTAINER, sent))
    assert not Comment.objects.filter(body="Hello?").exists()


def test_a_reply_without_a_body_is_refused(bob_client, alice_highlight):
    sent = annotation(f"{BASE}/annotations/highlight-{alice_highlight.pk}", motivation="replying")
    assert "body" in refused(send(bob_client, "POST", CONTAINER, sent))


def test_a_too_long_comment_is_refused_with_the_sites_message(bob_client, alice_highlight):
    sent = annotation(f"{BASE}/annotations/highlight-{alice_highlight.pk}", body=body("x" * 10_001))
    assert "at most 10,000 characters" in refused(send(bob_client, "POST", CONTAINER, sent))


# Who sees what -----------------------------------------------------------------------------


def served(client) -> set[str]:
    found = json.loads(client.get(CONTAINER).content)
    return {item["id"] for item in found["first"]["items"]} if "first" in found else set()


def test_a_private_highlight_is_served_only_to_its_author(
    client, alice_client, bob_client, alice_private_highlight
):
    iri = f"{BASE}/annotations/highlight-{alice_private_highlight.pk}"
    assert iri in served(alice_client)
    assert iri not in served(bob_client)
    assert iri not in served(client)
    assert bob_client.get(iri.removeprefix(BASE)).status_code == 404


def test_hidden_comments_are_served_only_to_moderators(
    client, bob_client, alice_client, moderator_client, moderator, alice, say
):
    hidden = say(alice, "Hidden by a moderator.")
    moderating.comment_hide(comment=hidden, moderator=moderator, reason="Testing.")
    iri = f"{BASE}/annotations/comment-{hidden.pk}"
    assert iri in served(moderator_client)
    assert moderator_client.get(iri.removeprefix(BASE)).status_code == 200
    for viewer in (client, bob_client, alice_client):
        assert iri not in served(viewer)
        assert viewer.get(iri.removeprefix(BASE)).status_code == 404


def test_deleted_comments_are_served_to_no_one(moderator_client, alice_client, alice, say):
    from annotations.discussion.services import comment_delete

    gone = comment_delete(comment=say(alice, "Deleted."), user=alice)
    iri = f"{BASE}/annotations/comment-{gone.pk}"
    for viewer in (moderator_client, alice_client):
        assert iri not in served(viewer)
        assert viewer.get(iri.removeprefix(BASE)).status_code == 410


def test_comments_on_a_private_highlight_are_served_only_to_its_author(
    alice_client, moderator_client, alice, alice_private_highlight, say
):
    note = say(alice, "To myself.", highlight=alice_private_highlight)
    iri = f"{BASE}/annotations/comment-{note.pk}"
    assert iri in served(alice_client)
    assert iri not in served(moderator_client)


def test_a_withdrawn_highlight_is_gone_while_its_replies_stay(
    client, alice, bob, alice_highlight, say
):
    from annotations.highlights.services import highlight_delete

    reply = say(bob, "Still here.", highlight=alice_highlight)
    highlight_delete(highlight=alice_highlight)
    assert client.get(f"/annotations/highlight-{alice_highlight.pk}").status_code == 410
    assert f"{BASE}/annotations/comment-{reply.pk}" in served(client)
    assert f"{BASE}/annotations/highlight-{alice_highlight.pk}" not in served(client)


# Suspensions and rate limits ---------------------------------------------------------------


def test_a_suspended_member_cannot_post(alice_client, alice, moderator):
    moderating.member_suspend(user=alice, moderator=moderator, period="week", reason="Spam.")
    message = refused(
        send(alice_client, "POST", CONTAINER, annotation(quote_target("post-war"))), 403
    )
    assert "suspended" in message
    assert not Highlight.objects.exists()


def test_the_highlight_rate_limit_applies_to_posts(alice_client, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "highlight": ("1/h", "1/h")}
    created(send(alice_client, "POST", CONTAINER, annotation(quote_target("post-war"))))
    response = send(alice_client, "POST", CONTAINER, annotation(f"{TREATY}#article-2-para-1"))
    refused(response, 429)
    assert int(response["Retry-After"]) > 0
    assert Highlight.objects.count() == 1


def test_the_comment_rate_limit_applies_to_replies(bob_client, alice_highlight, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "comment": ("1/h", "1/h")}
    target = f"{BASE}/annotations/highlight-{alice_highlight.pk}"
    created(send(bob_client, "POST", CONTAINER, annotation(target, body=body("One."))))
    refused(send(bob_client, "POST", CONTAINER, annotation(target, body=body("Two."))), 429)
    assert not Comment.objects.filter(body="Two.").exists()


def test_a_highlight_whose_clause_is_gone_is_served_by_its_quote_alone(client, treaty, bob):
    from treaty_reader.models import Clause

    across = highlight_create(
        author=bob, document=treaty, start_key="article-6-para-1", start_offset=0,
        end_key="article-8-para-1", end_offset=3,
    )  # fmt: skip
    Clause.objects.filter(document=treaty, key="article-8-para-1").update(key="article-8-gone")
    found = json.loads(client.get(f"/annotations/highlight-{across.pk}").content)
    assert found["target"]["selector"]["type"] == "TextQuoteSelector"
    assert found["target"]["selector"]["exact"] == across.exact
