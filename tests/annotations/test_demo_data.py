"""generate_demo_data: reproducible, realistic members, highlights, threads, likes and notices."""

from __future__ import annotations

import hashlib
import re
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.utils import timezone

from annotations.demo import REPLY_DEPTH_LIMIT, demo_members
from annotations.highlights import anchoring
from annotations.highlights.services import document_text, highlight_create
from annotations.models import Comment, Highlight, Like, Notification

SMALL = ["--members=8", "--highlights=40", "--comments=150", "--seed=7"]


def generate(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("generate_demo_data", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (User, Highlight, Comment, Like, Notification))


def digest() -> str:
    """Every demo row, with keys replaced by names and positions, so two runs can compare."""
    # Keyed by ids some rows leave empty (a comment without a parent, say): None looks up too.
    name: dict[int | None, str] = dict(User.objects.values_list("pk", "username"))
    highlights = list(Highlight.objects.order_by("created_at", "pk"))
    comments = list(Comment.objects.filter(is_imported=False).order_by("created_at", "pk"))
    at_h: dict[int | None, int] = {h.pk: i for i, h in enumerate(highlights)}
    at_c: dict[int | None, int] = {c.pk: i for i, c in enumerate(comments)}
    rows: list[tuple] = [
        (u.username, u.email, u.first_name, u.date_joined) for u in demo_members().order_by("pk")
    ]
    rows += [
        (
            name[h.author_id],
            h.start_key,
            h.start_offset,
            h.end_key,
            h.end_offset,
            h.exact,
            h.prefix,
            h.suffix,
            h.note,
            h.visibility,
            h.created_at,
            h.updated_at,
        )
        for h in highlights
    ]
    rows += [
        (
            name[c.author_id],
            at_h.get(c.highlight_id),
            at_c.get(c.parent_id),
            c.body,
            c.body_html,
            c.like_count,
            c.created_at,
        )
        for c in comments
    ]
    rows += sorted((at_c[x.comment_id], name[x.user_id], x.created_at) for x in Like.objects.all())
    rows += sorted(
        (at_c[n.comment_id], name[n.recipient_id], n.created_at, str(n.read_at))
        for n in Notification.objects.all()
    )
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_the_same_seed_makes_the_same_data(treaty):
    generate(*SMALL)
    first = digest()
    generate(*SMALL, "--replace")
    assert digest() == first
    generate(*SMALL, "--replace", "--seed=8")
    assert digest() != first


def test_it_makes_as_many_rows_as_asked(treaty):
    out, _ = generate(*SMALL, "--long-thread=60")
    assert demo_members().count() == 8
    assert Highlight.objects.count() == 40
    assert Highlight.objects.filter(visibility=Highlight.Visibility.PRIVATE).count() == 4
    assert Comment.objects.filter(is_imported=False).count() == 150
    long = Highlight.objects.annotate(n=Count("comments")).get(n=60)
    assert long.is_public
    assert f"The long thread is on highlight {long.pk}." in out


def test_likes_agree_with_each_comments_like_count(treaty):
    generate(*SMALL)
    comments = Comment.objects.filter(is_imported=False).annotate(n=Count("likes"))
    assert all(c.like_count == c.n for c in comments)
    assert sum(c.like_count for c in comments) == Like.objects.count() > 0
    own = [x for x in Like.objects.select_related("comment") if x.user_id == x.comment.author_id]
    assert not own


def test_every_quote_is_the_text_at_its_anchor_cut_at_word_boundaries(treaty):
    generate(*SMALL)
    doc = document_text(treaty)
    for h in Highlight.objects.all():
        again = anchoring.anchor_from_positions(
            doc, h.start_key, h.start_offset, h.end_key, h.end_offset
        )
        assert again == h.anchor
        start = doc.position(h.start_key, h.start_offset)
        end = doc.position(h.end_key, h.end_offset)
        assert start == 0 or doc.text[start - 1].isspace()
        assert end == len(doc.text) or doc.text[end].isspace() or doc.text[end] in ",;:"


def test_some_highlights_are_private_some_overlap_and_some_cross_clauses(treaty):
    generate(*SMALL)
    doc = document_text(treaty)
    highlights = list(Highlight.objects.all())
    spans = sorted(
        (doc.position(h.start_key, h.start_offset), doc.position(h.end_key, h.end_offset))
        for h in highlights
    )
    assert any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:], strict=False))
    assert any(h.start_key != h.end_key for h in highlights)
    assert any(not h.is_public for h in highlights)


def test_replies_stay_in_their_thread_after_their_parent_and_nest_at_most_eight_deep(treaty):
    generate(*SMALL, "--long-thread=100")
    comments = {c.pk: c for c in Comment.objects.filter(is_imported=False)}
    depths = []
    for comment in comments.values():
        depth, node = 0, comment
        while node.parent_id:
            parent = comments[node.parent_id]
            assert parent.highlight_id == node.highlight_id
            assert parent.created_at < node.created_at
            depth, node = depth + 1, parent
        depths.append(depth)
    assert max(depths) <= REPLY_DEPTH_LIMIT
    assert depths.count(0) > depths.count(1) > depths.count(3) > 0
    on_document = Comment.objects.filter(is_imported=False, highlight__isnull=True)
    assert on_document.exists()
    assert not Comment.objects.filter(
        is_imported=False, highlight__visibility=Highlight.Visibility.PRIVATE
    ).exists()


def test_reply_notices_go_to_the_parent_and_highlight_authors_never_the_writer(treaty):
    generate(*SMALL)
    notices = Notification.objects.select_related("comment__parent", "comment__highlight")
    assert notices.exists()
    for notice in notices:
        comment = notice.comment
        assert comment is not None
        assert notice.recipient_id != comment.author_id
        assert notice.recipient_id in {
            comment.parent.author_id if comment.parent else None,
            comment.highlight.author_id if comment.highlight else None,
        }
    first_reply = Comment.objects.filter(is_imported=False, parent__isnull=False).first()
    assert first_reply is not None and first_reply.parent is not None
    if first_reply.parent.author_id != first_reply.author_id:
        assert notices.filter(comment=first_reply, recipient=first_reply.parent.author).exists()


def test_its_times_are_its_own_and_later_highlights_still_get_now(treaty, alice):
    generate(*SMALL)
    assert max(Highlight.objects.values_list("created_at", flat=True)).year == 2025
    highlight = highlight_create(
        author=alice,
        document=treaty,
        start_key="article-1-para-1",
        start_offset=0,
        end_key="article-1-para-1",
        end_offset=10,
    )
    assert abs(highlight.created_at - timezone.now()).total_seconds() < 60


def test_the_treaty_page_shows_demo_data_even_if_it_was_cached_before(treaty, client):
    url = treaty.get_absolute_url()
    assert "<mark" not in client.get(url).content.decode()
    generate(*SMALL)
    assert "<mark" in client.get(url).content.decode()


def test_members_sign_in_with_the_password_it_prints_once(treaty, client):
    out, err = generate(*SMALL)
    found = re.search(r"password (\S+) \(shown only now\)", out)
    assert found is not None
    password = found.group(1)
    member = demo_members().first()
    assert member is not None
    assert member.email.endswith("@demo.invalid")
    assert client.login(username=member.username, password=password)
    assert "[####################] 100% comments" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--members=-1"], "--members must be 0 or more"),
        (["--members=0", "--comments=5"], "need authors"),
        (["--private-share=1.5"], "between 0 and 1"),
        (["--comments=5", "--long-thread=10"], "more than --comments"),
        (["--highlights=0", "--comments=5", "--long-thread=5"], "public highlight"),
        (["--document=no-such-treaty"], "No document 'no-such-treaty'"),
    ],
)
def test_bad_arguments_are_refused_in_one_line_and_nothing_is_written(treaty, args, message):
    before = counts()
    with pytest.raises(CommandError, match=message) as refused:
        generate(*args)
    assert "\n" not in str(refused.value)
    assert counts() == before


def test_a_refused_replace_keeps_the_demo_data_there_was(treaty):
    generate(*SMALL)
    before = digest()
    with pytest.raises(CommandError):
        generate("--replace", "--members=-3")
    assert digest() == before


def test_existing_demo_data_is_kept_unless_replace_is_asked_for(treaty):
    generate(*SMALL)
    before = counts()
    out, _ = generate(*SMALL, "--if-absent")
    assert "already present" in out
    with pytest.raises(CommandError, match="--replace"):
        generate(*SMALL)
    assert counts() == before


def test_without_a_treaty_it_says_to_import_one(db):
    with pytest.raises(CommandError, match="import_treaty"):
        generate(*SMALL)
