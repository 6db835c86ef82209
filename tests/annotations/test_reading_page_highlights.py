"""The reading page at scale (issue 13): marks that lead to every highlight, layers the reader
chooses, counts in the margin and by each article, and annotating chosen words without
JavaScript."""

from __future__ import annotations

import random
import re

import pytest

from annotations.accounts.views import SignupForm
from annotations.highlights.services import highlight_create
from annotations.models import Comment, Highlight
from treaty_reader.models import Clause
from treaty_reader.reading import MarkLinks, clause_html, clause_html_over, clause_pieces

from ..conftest import PASSWORD, queries_for

PAGE = "/treaties/anglo-soviet-treaty-1942/"
HTMX = {"HTTP_HX_REQUEST": "true"}
KEY = "article-7-para-1"
ARTICLE_7 = "Each contracting party undertakes not to conclude any alliance"


def make(author, start, end, key=KEY, end_key=None, visibility="public") -> Highlight:
    return highlight_create(
        author=author, document=Clause.objects.get(key=key).document, start_key=key,
        start_offset=start, end_key=end_key or key, end_offset=end, visibility=visibility,
    )  # fmt: skip


def clause_of(html: str, key: str = KEY) -> str:
    found = re.search(rf'<p id="{key}"[^>]*>(.*?)</p>', html, re.S)
    assert found is not None
    return found.group(1)


# Every highlight reachable ----------------------------------------------------------------


def test_every_mark_is_a_link_to_its_highlights_page(client, treaty, alice, bob):
    inner = make(alice, 5, 20)
    outer = make(bob, 0, 40)

    clause = clause_of(client.get(PAGE).content.decode())

    links = re.findall(r'<a class="hl-link" href="/highlights/(\d+)/"><mark ', clause)
    assert set(links) == {str(inner.pk), str(outer.pk)}
    assert re.sub(r"<[^>]+>", "", clause).startswith(ARTICLE_7)  # the words are unchanged


def test_the_list_for_overlapping_marks_offers_each_with_quote_author_and_replies(
    client, treaty, alice, bob, say
):
    inner = make(alice, 5, 20)
    outer = make(bob, 0, 40)
    elsewhere = make(bob, 0, 10, key="article-6-para-1")
    say(alice, "Why here?", highlight=outer)
    say(bob, "Because.", highlight=outer)

    url = f"/treaties/anglo-soviet-treaty-1942/clauses/{KEY}/highlights/"
    page = client.get(url).content.decode()
    fragment = client.get(url, {"ids": f"{inner.pk},{outer.pk}"}, **HTMX).content.decode()

    assert "<html" in page and "<html" not in fragment
    for html in (page, fragment):
        assert f'href="/highlights/{inner.pk}/"' in html
        assert f'href="/highlights/{outer.pk}/"' in html
        assert f'href="/highlights/{elsewhere.pk}/"' not in html
        assert "“Each contracting party undertakes not to”" in html
        assert "bob · 2 replies" in html and "alice · 0 replies" in html
    only = client.get(url, {"ids": str(inner.pk)}, **HTMX).content.decode()
    assert f"/highlights/{outer.pk}/" not in only and "1 highlight here" in only


def test_the_list_never_shows_another_members_private_highlight(
    client, bob_client, alice_client, treaty, alice
):
    private = make(alice, 0, 10, visibility="private")
    url = f"/treaties/anglo-soviet-treaty-1942/clauses/{KEY}/highlights/"

    for other in (client, bob_client):
        html = other.get(url, {"ids": str(private.pk)}).content.decode()
        assert f"/highlights/{private.pk}/" not in html and "No highlights here yet." in html
    assert "only you can see it" in alice_client.get(url).content.decode()


def test_the_list_of_an_unknown_paragraph_is_not_found_and_it_refuses_post(alice_client, treaty):
    base = "/treaties/anglo-soviet-treaty-1942/clauses/"
    assert alice_client.get(base + "no-such-clause/highlights/").status_code == 404
    assert alice_client.post(base + KEY + "/highlights/").status_code == 405


def test_the_list_costs_the_same_queries_whatever_the_highlights(client, treaty, alice, bob):
    url = f"/treaties/anglo-soviet-treaty-1942/clauses/{KEY}/highlights/"
    make(alice, 0, 10)
    before = queries_for(lambda: client.get(url, **HTMX))
    for n in range(30):
        make(bob if n % 2 else alice, n, n + 12)
    assert queries_for(lambda: client.get(url, **HTMX)) == before


# Counts: in the margin, by each article and in the contents ------------------------------


def test_each_paragraph_shows_its_number_of_threads_in_the_margin(client, treaty, alice, bob, say):
    first, second, quiet = make(alice, 0, 10), make(bob, 20, 30), make(bob, 40, 50)
    say(alice, "One.", highlight=first)
    say(bob, "Two.", highlight=second)

    html = client.get(PAGE).content.decode()

    marker = re.search(
        rf'<span class="clause-marker" id="{KEY}-marker">(.*?)</span>\s*<a', html, re.S
    )
    assert marker and 'href="/treaties/anglo-soviet-treaty-1942/clauses/' in marker.group(1)
    assert "2 threads, 3 highlights in this paragraph" in marker.group(1)
    assert quiet.pk  # a highlight without comments is listed, not counted as a thread
    assert 'data-comments="1"' in html  # kept for scripts, no longer drawn as a superscript


def test_each_article_heading_and_the_contents_count_its_threads(client, treaty, alice, say):
    say(alice, "On VII.", highlight=make(alice, 0, 10))
    say(alice, "Again on VII.", highlight=make(alice, 12, 20, key="article-7-para-1"))
    make(alice, 0, 5, key="article-6-para-1")  # no comments: not a thread

    html = client.get(PAGE).content.decode()

    index = "/treaties/anglo-soviet-treaty-1942/discussion/index/?article=7"
    assert f'<a href="{index}">2 threads<span class="visually-hidden"> on Article VII' in html
    assert "discussion/index/?article=6" not in html
    toc = html[html.index('id="toc-heading"') : html.index('id="treaty-text"')]
    assert 'Article VII</a> <span class="toc-threads">2 threads</span>' in toc


def test_the_clauses_come_back_with_fresh_counts_after_a_comment(client, treaty, alice, say):
    highlight = make(alice, 0, 10)
    client.get(PAGE)  # the page and its clauses are now kept
    say(alice, "A first comment.", highlight=highlight)

    response = client.get(f"/highlights/{highlight.pk}/clauses/", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<p id="{KEY}" data-clause="{KEY}" hx-swap-oob="true">' in html
    assert f'id="{KEY}-marker" hx-swap-oob="true"' in html
    assert "1 thread, 1 highlight in this paragraph" in html


def test_fresh_counts_of_a_private_highlight_are_for_its_author_alone(
    client, alice_client, treaty, alice
):
    private = make(alice, 0, 10, visibility="private")
    assert client.get(f"/highlights/{private.pk}/clauses/").status_code == 404
    assert alice_client.get(f"/highlights/{private.pk}/clauses/").status_code == 200


# Layers ----------------------------------------------------------------------------------


@pytest.mark.parametrize("layer", ["everyone", "mine", "popular", "none"])
def test_the_layer_is_chosen_with_a_plain_form_and_each_is_kept_apart(alice_client, treaty, layer):
    response = alice_client.get(PAGE, {"layer": layer})

    html = response.content.decode()
    assert f'class="treaty layer-{layer}"' in html
    assert re.search(rf'<input type="radio" name="layer" value="{layer}" checked>', html)
    assert '<form class="reading-controls" id="layer-form" method="get"' in html
    assert (
        response["ETag"]
        and response["ETag"]
        != alice_client.get(PAGE, {"layer": "everyone" if layer != "everyone" else "none"})["ETag"]
    )


def test_a_layer_page_is_cached_and_costs_what_the_plain_page_costs(client, treaty, alice, bob):
    plain = queries_for(lambda: client.get(PAGE))
    for n in range(20):
        make(bob if n % 2 else alice, n, n + 10)
    assert queries_for(lambda: client.get(PAGE, {"layer": "popular"})) <= plain
    response = client.get(PAGE, {"layer": "popular"})
    assert response["Cache-Control"] == "public, no-cache"
    etag = response["ETag"]
    assert client.get(PAGE, {"layer": "popular"}, HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_an_unknown_layer_shows_everyones_and_anonymous_readers_have_no_only_mine(client, treaty):
    html = client.get(PAGE, {"layer": "<script>"}).content.decode()
    assert 'class="treaty layer-everyone"' in html and "<script>" not in html.split("<body")[1][:20]
    assert 'value="mine"' not in html


def test_private_and_popular_marks_are_told_apart(alice_client, client, treaty, alice, bob, db):
    from django.contrib.auth.models import User

    carol = User.objects.create_user("carol", "", PASSWORD)
    private = make(alice, 0, 4, visibility="private")
    for author in (alice, bob, carol):
        make(author, 30, 45)

    mine = clause_of(alice_client.get(PAGE).content.decode())
    theirs = clause_of(client.get(PAGE).content.decode())

    assert re.search(
        rf'<mark data-highlight="{private.pk}"[^>]*class="hl heat-1 own private"', mine
    )
    assert "private" not in theirs
    assert re.search(r'class="hl heat-3[^"]*popular"', theirs)


def test_two_highlights_by_one_reader_are_not_popular(client, treaty, alice, bob):
    for author in (alice, alice, bob):
        make(author, 30, 45)
    assert "popular" not in clause_of(client.get(PAGE).content.decode())


# "Show it in the treaty" lands on the words -------------------------------------------------


def test_each_highlight_has_one_anchor_where_its_words_begin(client, treaty, alice):
    spanning = highlight_create(
        author=alice, document=treaty, start_key="article-8-para-1", start_offset=10,
        end_key="article-8-para-2", end_offset=12,
    )  # fmt: skip

    html = client.get(PAGE).content.decode()
    panel = client.get(f"/highlights/{spanning.pk}/", **HTMX).content.decode()

    assert html.count(f'id="hl-{spanning.pk}"') == 1
    assert clause_of(html, "article-8-para-1").index(f'id="hl-{spanning.pk}"') > 0
    assert f'href="{PAGE}#hl-{spanning.pk}">Show it in the treaty' in panel


@pytest.mark.parametrize("seed", range(60))
def test_a_members_clause_renders_the_same_whole_or_spliced_with_links(seed):
    text = "The High Contracting Parties, as set out in Article III, undertake to assist. " * 3
    rng = random.Random(seed)
    public = []
    for n in range(rng.randint(1, 25)):
        start = rng.randrange(len(text) - 1)
        public.append((start, rng.randint(start + 1, len(text)), n + 1))
    private = [(5, 30, 900), (rng.randrange(60), rng.randrange(60, len(text)), 901)]
    seen = sorted(public + private)
    own = frozenset({900, 901, public[0][2]})
    counts = {hid: rng.randint(0, 2) for *_, hid in seen}
    authors = {hid: hid % 4 for *_, hid in seen}
    links = MarkLinks("/highlights/{}/", frozenset({900, 901}), authors, frozenset({3}))
    everyone_links = MarkLinks("/highlights/{}/", frozenset(), authors, frozenset({3}))
    everyone = clause_pieces(text, {"article-3"}, sorted(public), frozenset(), counts,
                             links=everyone_links)  # fmt: skip
    mine = [s for s in seen if s[2] in own]
    changed = (min(s[0] for s in mine), max(s[1] for s in mine))

    spliced = clause_html_over(text, {"article-3"}, everyone, seen, own, counts, changed, links)

    assert spliced == clause_html(text, {"article-3"}, seen, own, counts, links)
    assert spliced.count('id="hl-3"') == 0  # it continues from an earlier clause


# Annotating chosen words without JavaScript -------------------------------------------------

ANNOTATE = f"/treaties/anglo-soviet-treaty-1942/clauses/{KEY}/annotate/"


def test_annotate_highlights_the_words_the_reader_typed(alice_client, treaty):
    response = alice_client.post(
        ANNOTATE, {"visibility": "public", "words": "  conclude   any alliance ", "comment": ""}
    )

    highlight = Highlight.objects.get()
    assert response.status_code == 302
    assert highlight.exact == "conclude any alliance"
    start = ARTICLE_7.index("conclude any alliance")
    assert (highlight.start_offset, highlight.end_offset) == (start, start + 21)
    assert highlight.prefix.endswith("undertakes not to ")


@pytest.mark.parametrize(
    ("words", "message"),
    [
        ("a separate peace", "“a separate peace” is not in this paragraph."),
        ("contracting party", "“contracting party” appears 2 times in this paragraph."),
    ],
)
def test_annotate_refuses_words_missing_or_ambiguous_and_says_why(
    alice_client, treaty, words, message
):
    response = alice_client.post(
        ANNOTATE, {"visibility": "public", "words": words, "comment": "Kept."}
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert message in html
    assert 'id="words-errors" role="alert"' in html and 'aria-invalid="true"' in html
    assert ">Kept.</textarea>" in html  # the comment typed is not lost
    assert not Highlight.objects.exists() and not Comment.objects.filter(author__isnull=False)


def test_the_annotate_page_shows_the_paragraph_and_a_field_for_the_words(alice_client, treaty):
    html = alice_client.get(ANNOTATE).content.decode()
    assert "The words to highlight" in html and ARTICLE_7 in html
    assert 'name="words"' in html


def test_a_comment_through_annotate_keeps_its_leading_spaces(alice_client, treaty):
    body = "    indented = code()\n\nThen prose."
    alice_client.post(ANNOTATE, {"visibility": "public", "words": "any alliance", "comment": body})

    comment = Comment.objects.get(highlight__isnull=False)
    assert comment.body.startswith("    indented")
    assert "<pre><code>indented = code()" in comment.body_html


# Signing up -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", [".", ".."])
def test_a_member_may_not_sign_up_as_dot_or_dot_dot(client, db, name):
    from django.contrib.auth.models import User

    data = {"username": name, "email": "", "password1": "a long wartime alliance",
            "password2": "a long wartime alliance"}  # fmt: skip
    response = client.post("/accounts/signup/", data)

    assert response.status_code == 200
    assert f"“{name}” can’t be a username" in response.content.decode()
    assert not User.objects.filter(username=name).exists()
    assert not SignupForm(data).is_valid()


def test_the_anonymous_toolbar_offers_sign_in_and_sign_up_back_to_the_page(client, treaty):
    html = client.get(PAGE).content.decode()
    toolbar = html[html.index('id="selection-toolbar"') : html.index('id="keyboard-help"')]
    back = "?next=/treaties/anglo-soviet-treaty-1942/"
    assert f'data-login-link href="/accounts/login/{back}"' in toolbar
    assert f'data-signup-link href="/accounts/signup/{back}">New here? Sign up</a>' in toolbar
