"""Lists say where each entry was said: the member page and the replies list name the article
and quote the passage, rather than "In Anglo-Soviet Treaty" for every one."""

from __future__ import annotations

from django.utils import timezone

from annotations.highlights.services import highlight_create
from annotations.models import Highlight


def across_two_paragraphs(author, treaty) -> Highlight:
    """From the end of Article VIII's first paragraph into its second."""
    first = treaty.clauses.get(key="article-8-para-1").text
    return highlight_create(author=author, document=treaty, start_key="article-8-para-1",
                            start_offset=len(first) - 20, end_key="article-8-para-2",
                            end_offset=15)  # fmt: skip


def test_a_members_highlights_name_their_article_and_keep_their_paragraphs(
    client, alice, treaty, alice_highlight
):
    both = across_two_paragraphs(alice, treaty)
    html = client.get("/members/alice/").content.decode()
    assert f'aria-describedby="highlight-{alice_highlight.pk}-quote">Article VII</a>' in html
    assert f'aria-describedby="highlight-{both.pk}-quote">Article VIII</a>' in html
    first, second = both.exact.split("\n\n") if "\n\n" in both.exact else both.exact.split("\n")
    assert f"<p>{first.strip()}<br>{second.strip()}</p></blockquote>" in html
    assert "In Anglo-Soviet Treaty" not in html


def test_a_members_comments_say_which_passage_or_the_whole_treaty(
    client, alice, bob, treaty, alice_highlight, say
):
    say(bob, "On the words.", highlight=alice_highlight)
    say(bob, "On everything.")
    html = client.get("/members/bob/").content.decode()
    quote = alice_highlight.exact
    assert f'On <q class="where-quote">{quote}</q>, Article VII</p>' in html
    assert ">Read it in Article VII</a>" in html
    assert "In the discussion of Anglo-Soviet Treaty as a whole</p>" in html
    assert ">Read it in the discussion</a>" in html


def test_a_comment_on_a_withdrawn_highlight_does_not_quote_it(
    client, alice, bob, alice_highlight, say
):
    say(bob, "Still here.", highlight=alice_highlight)
    Highlight.objects.filter(pk=alice_highlight.pk).update(withdrawn_at=timezone.now())
    html = client.get("/members/bob/").content.decode()
    assert "On a passage its author withdrew, Article VII</p>" in html
    assert f'<q class="where-quote">{alice_highlight.exact}</q>' not in html


def test_notifications_name_the_article_and_quote_the_passage(
    alice_client, alice, bob, alice_highlight, say
):
    """The Replies list became /notifications/ (issue 16): its entries say where, too."""
    mine = say(alice, "My view.", highlight=alice_highlight)
    say(bob, "I disagree.", highlight=alice_highlight, parent=mine)
    say(bob, "On the whole treaty.", highlight=None, parent=say(alice, "A general point."))
    html = alice_client.get("/notifications/").content.decode()
    assert "replied to your comment in Article VII of" in html
    assert f'<blockquote class="notification-passage"><p>{alice_highlight.exact}</p>' in html
    assert "In Anglo-Soviet Treaty</" not in html
