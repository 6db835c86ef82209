"""Highlights: made from a selection, shown as marks, private when asked, deleted by their owner."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from annotations.highlights.services import highlight_create
from annotations.models import Comment, Highlight
from treaty_reader.models import Clause, Document

from ..conftest import SOURCE, queries_for

PAGE = "/treaties/anglo-soviet-treaty-1942/"
CREATE = "/treaties/anglo-soviet-treaty-1942/highlights/"
HTMX = {"HTTP_HX_REQUEST": "true"}
ARTICLE_7 = "Each contracting party undertakes not to conclude any alliance"


def selection(key="article-7-para-1", start=0, end=None, end_key=None, **extra):
    end = len(ARTICLE_7) if end is None else end
    data = {
        "start_key": key,
        "start_offset": start,
        "end_key": end_key or key,
        "end_offset": end,
        "visibility": "public",
        "then": "highlight",
    }
    data["exact"] = extra.pop("exact", None) or ARTICLE_7[start:end]
    return {**data, **extra}


def marks(html: str, highlight_id: int) -> list[str]:
    return re.findall(rf'<mark data-highlight="{highlight_id}"[^>]*>(.*?)</mark>', html)


def test_a_member_highlights_a_selection_in_place(alice_client, treaty):
    response = alice_client.post(CREATE, selection(start=5, end=36), **HTMX)

    assert response.status_code == 201
    highlight = Highlight.objects.get()
    assert highlight.exact == "contracting party undertakes no"
    assert highlight.prefix.endswith("after the war.\n\nEach ")  # context runs across clauses
    assert highlight.suffix.startswith("t to conclude any alliance")
    html = response.content.decode()
    assert "contracting party undertakes no" in html  # the panel's quote
    # The clause comes back as an out-of-band swap with the new mark in it.
    assert 'id="article-7-para-1" data-clause="article-7-para-1" hx-swap-oob="true"' in html
    assert marks(html, highlight.pk) == ["contracting party undertakes no"]


def test_the_clauses_sent_back_show_each_change_though_the_page_was_cached(alice_client, treaty):
    alice_client.get(PAGE)  # the page, its clauses and their marks are kept
    made = alice_client.post(CREATE, selection(start=5, end=36), **HTMX).content.decode()
    highlight = Highlight.objects.get()
    assert marks(made, highlight.pk) == ["contracting party undertakes no"]

    alice_client.get(PAGE)  # kept again, with the mark
    hidden = alice_client.post(
        f"/highlights/{highlight.pk}/visibility/", {"visibility": "private"}, **HTMX
    ).content.decode()
    assert marks(hidden, highlight.pk) == ["contracting party undertakes no"]  # hers still

    alice_client.get(PAGE)
    deleted = alice_client.post(f"/highlights/{highlight.pk}/delete/", **HTMX).content.decode()
    assert 'id="article-7-para-1" data-clause="article-7-para-1" hx-swap-oob="true"' in deleted
    assert marks(deleted, highlight.pk) == []


def test_the_highlight_is_on_the_page_after_a_reload(alice_client, treaty):
    alice_client.post(CREATE, selection(start=5, end=36), **HTMX)
    highlight = Highlight.objects.get()

    html = alice_client.get(PAGE).content.decode()

    assert marks(html, highlight.pk) == ["contracting party undertakes no"]


def test_a_highlight_can_span_paragraphs(alice_client, treaty):
    first = Clause.objects.get(document=treaty, key="article-8-para-1").text
    second = Clause.objects.get(document=treaty, key="article-8-para-2").text
    data = selection(
        key="article-8-para-1",
        start=len(first) - 20,
        end_key="article-8-para-2",
        end=8,
        exact=first[-20:] + "\n" + second[:8],  # browsers vary in the whitespace they report
    )

    response = alice_client.post(CREATE, data, **HTMX)

    assert response.status_code == 201
    highlight = Highlight.objects.get()
    assert highlight.exact == first[-20:] + "\n\n" + second[:8]
    html = response.content.decode()
    assert marks(html, highlight.pk) == [first[-20:], second[:8]]


def test_without_javascript_it_redirects_to_the_highlights_page(alice_client, treaty):
    response = alice_client.post(CREATE, selection(start=0, end=4))

    highlight = Highlight.objects.get()
    assert response.status_code == 302
    assert response.url == f"/highlights/{highlight.pk}/"
    page = alice_client.get(response.url)
    assert page.status_code == 200
    assert "Each" in page.content.decode()


def test_the_comment_button_opens_the_comment_form(alice_client, treaty):
    response = alice_client.post(CREATE, selection(then="comment"), **HTMX)

    assert response.status_code == 201
    assert "data-focus-comment" in response.content.decode()


def test_an_anonymous_visitor_is_sent_to_sign_in_and_back(client, treaty):
    response = client.post(CREATE, selection())
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")

    response = client.post(CREATE, selection(), HTTP_HX_CURRENT_URL=PAGE, **HTMX)
    assert response["HX-Redirect"].startswith("/accounts/login/?next=")
    assert not Highlight.objects.exists()


def test_the_toolbar_offers_anonymous_readers_a_sign_in_link(client, treaty):
    html = client.get(PAGE).content.decode()
    assert 'data-login-link href="/accounts/login/?next=' in html
    assert 'name="start_key"' not in html


def test_it_rejects_get(alice_client, treaty):
    assert alice_client.get(CREATE).status_code == 405


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (selection(exact="Each contracting state"), 422, "does not match"),
        (selection(end=5000), 422, "outside the treaty text"),
        (selection(start=10, end=10, exact=" "), 422, "empty"),
        (selection(key="article-99-para-1"), 422, "not in the treaty"),
        (selection(start=30, end=10, exact="x"), 422, "ends before it starts"),
        ({"start_key": "article-7-para-1"}, 400, "could not be read"),
        (selection(visibility="friends"), 400, "could not be read"),
    ],
    ids=["quote-mismatch", "out-of-range", "empty", "unknown-clause", "backwards", "missing",
         "bad-visibility"],
)  # fmt: skip
def test_bad_selections_are_refused_with_a_clear_message(
    alice_client, treaty, data, status, message
):
    response = alice_client.post(CREATE, data, **HTMX)

    assert response.status_code == status
    assert message in response.content.decode()
    assert 'role="alert"' in response.content.decode()
    assert not Highlight.objects.exists()


def test_a_selection_longer_than_5000_characters_is_refused(alice_client, treaty):
    first = Clause.objects.filter(document=treaty).order_by("order").first()
    last = Clause.objects.filter(document=treaty).order_by("order").last()
    assert first is not None and last is not None
    text = "\n\n".join(Clause.objects.order_by("order").values_list("text", flat=True))
    assert len(text) > 5000
    data = selection(key=first.key, start=0, end_key=last.key, end=len(last.text), exact=text)

    response = alice_client.post(CREATE, data, **HTMX)

    assert response.status_code in (400, 422)
    assert "longer than 5,000 characters" in response.content.decode()
    assert not Highlight.objects.exists()


@pytest.fixture
def public(treaty, alice) -> Highlight:
    return highlight_create(
        author=alice, document=treaty, start_key="article-7-para-1", start_offset=0,
        end_key="article-7-para-1", end_offset=4,
    )  # fmt: skip


@pytest.fixture
def private(treaty, alice) -> Highlight:
    return highlight_create(
        author=alice, document=treaty, start_key="article-6-para-1", start_offset=4,
        end_key="article-6-para-1", end_offset=30, visibility="private",
    )  # fmt: skip


def test_private_highlights_are_shown_only_to_their_author(
    client, alice_client, bob_client, private, public
):
    assert marks(alice_client.get(PAGE).content.decode(), private.pk)
    for other in (client, bob_client):
        html = other.get(PAGE).content.decode()
        assert not marks(html, private.pk)
        listed = {i for ids in re.findall(r'data-highlights="([^"]*)"', html) for i in ids.split()}
        assert str(private.pk) not in listed
        assert other.get(f"/highlights/{private.pk}/", **HTMX).status_code == 404
        assert other.get(f"/highlights/{private.pk}/").status_code == 404
        assert marks(html, public.pk)


def test_private_highlights_do_not_raise_the_heat_others_see(bob_client, treaty, alice, bob):
    for author, visibility in [(alice, "private"), (alice, "private"), (bob, "public")]:
        highlight_create(
            author=author, document=treaty, start_key="article-7-para-1", start_offset=0,
            end_key="article-7-para-1", end_offset=10, visibility=visibility,
        )  # fmt: skip

    html = bob_client.get(PAGE).content.decode()

    assert "heat-1" in html
    assert "heat-2" not in html and "heat-3" not in html


def test_overlapping_highlights_render_as_flat_marks_with_heat(client, treaty, alice, bob):
    a = highlight_create(
        author=alice, document=treaty, start_key="article-7-para-1", start_offset=0,
        end_key="article-7-para-1", end_offset=30,
    )  # fmt: skip
    b = highlight_create(
        author=bob, document=treaty, start_key="article-7-para-1", start_offset=10,
        end_key="article-7-para-1", end_offset=50,
    )  # fmt: skip

    html = client.get(PAGE).content.decode()
    found = re.search(r'<p id="article-7-para-1"[^>]*>(.*?)</p>', html, re.S)
    assert found is not None
    clause = found.group(1)

    assert "<mark" not in re.sub(r"<mark[^>]*>[^<]*</mark>", "", clause)  # never nested
    assert f'data-highlights="{a.pk} {b.pk}"' in clause
    assert 'class="hl heat-2' in clause
    assert re.sub(r"<[^>]+>", "", clause).startswith(ARTICLE_7)


def test_the_panel_shows_the_quote_author_and_time(client, public):
    response = client.get(f"/highlights/{public.pk}/", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "Each" in html and "alice" in html and "<time datetime=" in html


def test_the_owner_makes_a_highlight_private_later(alice_client, public):
    response = alice_client.post(
        f"/highlights/{public.pk}/visibility/", {"visibility": "private"}, **HTMX
    )

    assert response.status_code == 200
    public.refresh_from_db()
    assert public.visibility == "private"
    assert "Only you can see it" in response.content.decode()


@pytest.mark.parametrize("fixture", ["public", "private"])
def test_another_member_cannot_change_or_delete_a_highlight(bob_client, request, fixture):
    highlight = request.getfixturevalue(fixture)
    expected = 403 if fixture == "public" else 404

    visibility = "private" if fixture == "public" else "public"
    r1 = bob_client.post(f"/highlights/{highlight.pk}/visibility/", {"visibility": visibility})
    r2 = bob_client.post(f"/highlights/{highlight.pk}/delete/")

    assert (r1.status_code, r2.status_code) == (expected, expected)
    highlight.refresh_from_db()
    assert highlight.visibility == fixture and highlight.withdrawn_at is None


def test_the_owner_deletes_a_highlight(alice_client, public):
    response = alice_client.post(f"/highlights/{public.pk}/delete/", **HTMX)

    assert response.status_code == 200
    assert "Highlight deleted" in response.content.decode()
    assert 'hx-swap-oob="true"' in response.content.decode()
    assert not Highlight.objects.exists()


def test_a_highlight_with_others_replies_is_withdrawn_not_deleted(
    alice_client, client, public, bob
):
    Comment.objects.create(
        document=public.document, highlight=public, author=bob, body="Indeed.",
        body_html="<p>Indeed.</p>", created_at=timezone.now(),
    )  # fmt: skip

    response = alice_client.post(f"/highlights/{public.pk}/delete/")

    assert response.status_code == 302
    public.refresh_from_db()
    assert public.withdrawn_at is not None
    assert not marks(client.get(PAGE).content.decode(), public.pk)
    page = client.get(f"/highlights/{public.pk}/").content.decode()
    assert "Withdrawn by its author" in page and "Indeed." in page


def test_each_clause_offers_a_form_to_annotate_it_without_javascript(alice_client, treaty):
    url = "/treaties/anglo-soviet-treaty-1942/clauses/article-6-para-1/annotate/"
    assert url in alice_client.get(PAGE).content.decode()
    assert alice_client.get(url).status_code == 200

    response = alice_client.post(
        url, {"visibility": "public", "comment": "Economic aid, *finally*."}
    )

    highlight = Highlight.objects.get()
    comment = Comment.objects.get(highlight=highlight)
    assert response.status_code == 302
    assert response.url == f"/highlights/{highlight.pk}/#comment-{comment.pk}"
    assert highlight.exact == Clause.objects.get(key="article-6-para-1").text
    assert "<em>finally</em>" in comment.body_html


def test_annotating_a_clause_needs_a_member(client, treaty):
    url = "/treaties/anglo-soviet-treaty-1942/clauses/article-6-para-1/annotate/"
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")
    assert (
        client.get("/treaties/anglo-soviet-treaty-1942/clauses/nope/annotate/").status_code == 404
    )


def test_the_page_costs_the_same_queries_with_2000_highlights(
    client, alice_client, treaty, alice, bob
):
    anonymous = queries_for(lambda: client.get(PAGE))
    member = queries_for(lambda: alice_client.get(PAGE))
    assert anonymous <= 4 and member <= 8

    clauses = list(Clause.objects.filter(document=treaty))
    rows = []
    for i in range(2000):
        clause = clauses[i % len(clauses)]
        start = i % max(1, len(clause.text) - 12)
        rows.append(
            Highlight(
                document=treaty,
                author=bob if i % 3 else alice,
                start_key=clause.key,
                start_offset=start,
                end_key=clause.key,
                end_offset=start + 10,
                exact=clause.text[start : start + 10],
                visibility="private" if i % 7 == 0 else "public",
            )  # fmt: skip
        )
    Highlight.objects.bulk_create(rows)
    Document.objects.filter(pk=treaty.pk).page_changed()  # as every service does

    assert queries_for(lambda: client.get(PAGE)) == anonymous
    assert queries_for(lambda: alice_client.get(PAGE)) == member
    assert client.get(PAGE).content.decode().count("<mark") > 1000


def test_correcting_the_text_re_anchors_highlights_or_orphans_them(treaty, alice, tmp_path):
    def mark(key, start, end):
        return highlight_create(
            author=alice, document=treaty, start_key=key, start_offset=start, end_key=key,
            end_offset=end,
        )  # fmt: skip

    article_6 = Clause.objects.get(key="article-6-para-1").text
    start = article_6.index("all possible economic assistance")
    moved = mark("article-6-para-1", start, start + len("all possible economic assistance"))
    typo = mark("article-7-para-1", 0, len(ARTICLE_7))
    lost = mark("preamble-para-4", 0, 40)
    text = SOURCE.read_text(encoding="utf-8")
    text = text.replace("agree to render one another", "agree, as allies, to render one another")
    text = text.replace("conclude any alliance", "conclude any aliance")  # a typo crept in
    removed = Clause.objects.get(key="preamble-para-4").text
    text = text.replace(removed + "\n\n", "")
    path = tmp_path / "treaty.txt"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "treaty.structure.toml").write_bytes(
        SOURCE.with_name(SOURCE.stem + ".structure.toml").read_bytes()
    )

    call_command("import_treaty", str(path))

    for highlight in (moved, typo, lost):
        highlight.refresh_from_db()
    assert (moved.status, moved.exact) == ("anchored", "all possible economic assistance")
    assert moved.start_offset == start + len(", as allies,")
    assert typo.status == "anchored" and typo.exact.endswith("conclude any aliance")
    assert lost.status == "orphaned"
    assert lost.exact.startswith("Desiring, moreover,")


def test_the_owner_writes_a_note_shown_with_the_highlight_as_plain_text(alice_client, public):
    note = "<script>alert(1)</script> <img src=x onerror=alert(1)> Compare Article III."

    response = alice_client.post(f"/highlights/{public.pk}/note/", {"note": note}, **HTMX)

    assert response.status_code == 200
    public.refresh_from_db()
    assert public.note == note
    html = response.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html and "<img src=x" not in html


def test_a_note_over_1000_characters_or_by_another_member_is_refused(
    alice_client, bob_client, public
):
    too_long = alice_client.post(f"/highlights/{public.pk}/note/", {"note": "x" * 1001}, **HTMX)
    not_theirs = bob_client.post(f"/highlights/{public.pk}/note/", {"note": "Mine now."})

    assert (too_long.status_code, not_theirs.status_code) == (422, 403)
    assert "1000 characters" in too_long.content.decode()
    public.refresh_from_db()
    assert public.note == ""
