"""The index follows every write in the writer's own transaction, whoever writes; and
``rebuild_search_index`` rebuilds it from scratch, all or nothing."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from annotations.discussion.services import comment_delete, comment_edit
from annotations.models import Comment
from annotations.moderation import services as moderation
from annotations.search import index
from treaty_reader.models import Clause
from treaty_reader.services import clause_update_text

pytestmark = pytest.mark.django_db


def indexed(kind: str = "comment") -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM search_{kind}")  # noqa: S608
        return cursor.fetchone()[0]


def test_a_new_comment_is_found_inside_the_transaction_that_writes_it(find, treaty, alice, say):
    class Undo(Exception):
        pass

    before = indexed()
    with pytest.raises(Undo), transaction.atomic():
        comment = say(alice, "A remark on the frontier.")
        assert find("frontier")["comments"] == [comment]
        raise Undo
    assert find("frontier")["comments"] == []
    assert indexed() == before


def test_an_edit_is_found_by_its_new_words_and_not_its_old_ones(find, treaty, alice, say):
    comment = say(alice, "A remark on the frontier.")
    comment_edit(comment=comment, editor=alice, body="A remark on the alliance.")
    assert find("frontier")["comments"] == []
    assert find("alliance")["comments"] == [comment]


def test_hiding_deleting_and_restoring_change_what_is_found_at_once(
    find, treaty, alice, bob, moderator, say
):
    hidden, deleted = say(bob, "Frontier remark one."), say(bob, "Frontier remark two.")
    one = Comment.objects.filter(pk=hidden.pk)
    other = Comment.objects.filter(pk=deleted.pk)
    moderation.comments_hide(comments=one, moderator=moderator, reason="Rude.")
    moderation.comments_soft_delete(comments=other, moderator=moderator, reason="Spam.")
    assert find("frontier")["comments"] == []
    moderation.comments_unhide(comments=one, moderator=moderator)
    moderation.comments_restore(comments=other, moderator=moderator)
    assert set(find("frontier")["comments"]) == {hidden, deleted}
    comment_delete(comment=hidden, user=bob)
    assert find("frontier")["comments"] == [deleted]


def test_writes_that_bypass_the_services_update_the_index_too(find, treaty, alice, say):
    """QuerySet.update, bulk_create and deletes fire no model signals; triggers see them."""
    comment = say(alice, "A remark on the frontier.")
    Comment.objects.filter(pk=comment.pk).update(body="Now about reparations.")
    assert find("reparations")["comments"] == [comment]
    assert find("frontier")["comments"] == []
    made = Comment.objects.bulk_create(
        Comment(document=treaty, author=alice, body=f"Bulk {n} on sovereignty.",
                body_html="", created_at=timezone.now())
        for n in range(3)
    )  # fmt: skip
    assert set(find("sovereignty")["comments"]) == set(made)
    before = indexed()
    Comment.objects.filter(pk__in=[c.pk for c in made]).delete()
    assert indexed() == before - 3
    assert find("sovereignty")["comments"] == []


def test_a_corrected_passage_is_found_by_its_new_text(find, treaty):
    clause = Clause.objects.get(document=treaty, key="article-8-para-4")
    clause_update_text(clause=clause, text=clause.text.replace("twenty years", "thirty years"))
    keys = [c.key for c in find('"thirty years"')["passages"]]
    assert keys == ["article-8-para-4"]
    assert "article-8-para-4" not in [c.key for c in find('"twenty years"')["passages"]]


def test_a_deleted_highlight_leaves_the_index_with_its_comments(find, treaty, alice, say,
                                                                highlight_on):  # fmt: skip
    highlight = highlight_on(alice, "twenty years", note="Frontier note.")
    say(alice, "Frontier comment.", highlight=highlight)
    highlights, comments = indexed("highlight"), indexed()
    highlight.delete()
    assert (indexed("highlight"), indexed()) == (highlights - 1, comments - 1)


def test_the_command_rebuilds_an_index_that_went_wrong(find, treaty, alice, say):
    comment = say(alice, "A remark on the frontier.")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_comment")
    assert find("frontier")["comments"] == []
    out, err = StringIO(), StringIO()
    call_command("rebuild_search_index", stdout=out, stderr=err)
    assert find("frontier")["comments"] == [comment]
    total = Clause.objects.count() + Comment.objects.count()
    assert f"Indexed {total:,} passages, highlights and comments" in out.getvalue()
    assert f"100%  {total:,}/{total:,}" in err.getvalue()


def test_a_rebuild_that_fails_part_way_leaves_the_index_as_it_was(find, treaty, alice, say):
    comment = say(alice, "A remark on the frontier.")
    before = indexed("clause"), indexed()

    def fail_after_the_first_batch(done: int, total: int) -> None:
        if done:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        index.rebuild(connection, progress=fail_after_the_first_batch)
    assert (indexed("clause"), indexed()) == before
    assert find("frontier")["comments"] == [comment]


def test_triggers_dropped_by_a_table_rebuild_come_back_after_migrate(find, treaty, alice, say):
    """SQLite drops a table's triggers when Django's migrations rebuild the table."""
    statement = (
        "DROP TRIGGER search_comment_insert"
        if connection.vendor == "sqlite"
        else "DROP TRIGGER search_comment_sync ON annotations_comment"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement)
    assert index.missing_triggers(connection)
    missed = say(alice, "Written while the trigger was gone: frontier.")
    assert find("frontier")["comments"] == []
    index.ensure(using="default")  # what post_migrate runs
    assert not index.missing_triggers(connection)
    assert find("frontier")["comments"] == [missed]
    assert find("frontier", user=AnonymousUser())["comments"] == [missed]


def test_emptying_a_table_as_flush_does_empties_its_index(treaty, alice, say):
    """Django's flush (between transactional tests, and ``manage.py flush``) truncates on
    PostgreSQL, which fires no row triggers, and deletes every row on SQLite."""
    say(alice, "A remark.")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Flush runs in a transaction of its own: no deferred checks are pending there.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE annotations_comment CASCADE")
        else:  # flush empties every table; rows that point at comments go first
            for table in ("annotations_watch", "annotations_notification"):
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names
            cursor.execute("DELETE FROM annotations_comment")
    assert indexed() == 0


def test_date_filters_use_the_local_day(find, treaty, alice, say):
    comment = say(alice, "A remark on the frontier.")
    day = timezone.localdate(comment.created_at)
    assert find(f"frontier from:{day} to:{day}")["comments"] == [comment]
    assert find(f"frontier from:{day + dt.timedelta(days=1)}")["comments"] == []


def test_the_command_refuses_before_the_index_is_installed(monkeypatch, treaty):
    monkeypatch.setattr(index, "is_installed", lambda connection: False)
    with pytest.raises(CommandError, match="not installed: run manage.py migrate first"):
        call_command("rebuild_search_index", stdout=StringIO(), stderr=StringIO())
