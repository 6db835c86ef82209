"""Queries built once per process: the same rows as the ORM gives, annotations included."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db.models import Count, F
from django.db.models.signals import post_save, pre_save
from django.test import Client
from django.utils import timezone

from annotations.models import Suspension
from treaty_reader.prepared import PreparedCreate, PreparedInsert, PreparedQuery, PreparedUpdate


def test_it_gives_the_rows_the_orm_gives_for_each_value(alice, bob):
    by_pk = PreparedQuery(lambda pk: User.objects.filter(pk=pk))

    assert [u.username for u in by_pk.rows(User, alice.pk)] == ["alice"]
    assert [u.username for u in by_pk.rows(User, bob.pk)] == ["bob"]
    assert by_pk.rows(User, 10_000) == []


def test_it_sets_each_annotation_on_its_instance(alice, bob, moderator):
    Suspension.objects.create(user=alice, reason="Spam.", created_by=moderator)
    # As the app's annotated queries are: its rows are Users with an attribute the stubs
    # only know on the annotated type, which ``rows(User, ...)`` does not name.
    counted: PreparedQuery[Any] = PreparedQuery(
        lambda pk: User.objects.filter(pk=pk).annotate(times_suspended=Count("suspensions"))
    )

    assert [u.times_suspended for u in counted.rows(User, alice.pk)] == [1]
    assert [u.times_suspended for u in counted.rows(User, bob.pk)] == [0]


def test_it_refuses_a_query_that_does_not_use_its_value(db):
    with pytest.raises(ValueError, match="does not use the value"):
        PreparedQuery(lambda pk: User.objects.all()).rows(User, 1)


def test_it_takes_several_values_each_in_its_place(alice, bob, moderator):
    either = PreparedQuery(
        lambda pk, other: User.objects.filter(pk__in=[pk, other]).order_by("username"), values=2
    )

    assert [u.username for u in either.rows(User, bob.pk, alice.pk)] == ["alice", "bob"]
    assert [u.username for u in either.rows(User, bob.pk, 10_000)] == ["bob"]
    assert either.count(moderator.pk, alice.pk) == 2


def test_it_refuses_too_few_values_or_one_it_does_not_use(alice):
    both = PreparedQuery(lambda pk, other: User.objects.filter(pk=pk, id=other), values=2)
    with pytest.raises(TypeError, match="takes 2 values, not 1"):
        both.rows(User, alice.pk)
    unused = PreparedQuery(lambda pk, other: User.objects.filter(pk=pk), values=2)
    with pytest.raises(ValueError, match="does not use the value"):
        unused.rows(User, alice.pk, alice.pk)


def test_an_update_changes_the_rows_for_each_value_and_says_how_many(alice, bob):
    deactivate = PreparedUpdate(lambda pk: User.objects.filter(pk=pk), is_active=False)
    rename = PreparedUpdate(lambda pk: User.objects.filter(pk=pk), last_name=F("username"))

    assert deactivate.run(alice.pk) == 1
    assert rename.run(bob.pk) == 1
    assert deactivate.run(10_000) == 0
    assert list(User.objects.order_by("username").values_list("is_active", "last_name")) == [
        (False, ""),
        (True, "bob"),
    ]


def test_the_document_stamp_moves_on_for_that_document_only(treaty):
    from treaty_reader.models import Document

    other = Document.objects.create(slug="other", title="Other")
    before = Document.objects.get(pk=treaty.pk).cache_stamp, other.cache_stamp

    assert Document.objects.page_changed_for(treaty.pk) == 1

    after = Document.objects.get(pk=treaty.pk).cache_stamp, Document.objects.get(pk=other.pk)
    assert after[0] != before[0] and after[1].cache_stamp == before[1]


def test_an_insert_writes_the_rows_and_ignores_those_a_constraint_refuses(alice, bob, treaty):
    from annotations.models import Watch

    insert = PreparedInsert(Watch)
    insert.insert([Watch(user=alice, document=treaty)])
    insert.insert([Watch(user=alice, document=treaty, active=False)])  # already watching
    insert.insert([Watch(user=alice, document=treaty), Watch(user=bob, document=treaty)])

    assert sorted(Watch.objects.values_list("user__username", "active")) == [
        ("alice", True),
        ("bob", True),
    ]
    assert insert.insert([]) == []


def test_an_insert_takes_only_new_rows(alice, treaty):
    from annotations.models import Watch

    saved = Watch.objects.create(user=alice, document=treaty)
    with pytest.raises(ValueError, match="Only new rows"):
        PreparedInsert(Watch).insert([saved])


def test_a_create_saves_the_row_as_save_would_and_gives_it_its_key(alice, bob, treaty):
    from annotations.models import Comment

    now = timezone.now()
    create = PreparedCreate(Comment)
    first = create.create(Comment(document=treaty, author=alice, body="One", created_at=now))
    two = {"document": treaty, "author": bob, "parent": first, "created_at": now}
    reply = create.create(Comment(**two, body="Two", body_html="<p>Two</p>"))
    saved = Comment(**two, body="Two", body_html="<p>Two</p>")
    saved.save(force_insert=True)

    assert first.pk and reply.pk == first.pk + 1 and saved.pk == reply.pk + 1
    assert not reply._state.adding and reply._state.db == "default"
    assert Comment.objects.get(pk=first.pk).created_at == now
    columns = [f.attname for f in Comment._meta.concrete_fields if f.attname != "id"]
    row = Comment.objects.filter(pk=reply.pk).values(*columns).get()
    assert row == Comment.objects.filter(pk=saved.pk).values(*columns).get()
    assert row["parent_id"] == first.pk and row["body_html"] == "<p>Two</p>"


def test_a_create_takes_only_new_rows_of_models_with_a_database_key(alice, treaty):
    from annotations.models import Comment

    saved = Comment.objects.create(
        document=treaty, author=alice, body="One", created_at=timezone.now()
    )
    with pytest.raises(ValueError, match="Only new rows"):
        PreparedCreate(Comment).create(saved)


def test_nobody_listens_for_the_saves_a_create_does_not_send(db):
    """``PreparedCreate`` sends no ``pre_save``/``post_save``: a receiver added for a model
    it inserts would silently miss its rows, so this fails first."""
    from annotations.discussion import services
    from annotations.models import Comment

    assert services._CREATE_COMMENT.model is Comment
    assert not pre_save.has_listeners(Comment)
    assert not post_save.has_listeners(Comment)


@pytest.mark.parametrize(
    ("starts", "ends", "banner"),
    [
        (-2, None, True),  # indefinitely
        (-2, 2, True),  # until later
        (-2, -1, False),  # over
        (1, 2, False),  # not yet begun
    ],
)
def test_each_request_reads_the_suspension_current_at_that_moment(
    alice, moderator, treaty, starts, ends, banner
):
    """The member's standing is read with them in one query built once per process, which
    asks the database's clock rather than keeping the time it was built at."""
    now = timezone.now()
    Suspension.objects.create(
        user=alice,
        reason="Abusive replies.",
        created_by=moderator,
        starts_at=now + dt.timedelta(hours=starts),
        ends_at=None if ends is None else now + dt.timedelta(hours=ends),
    )
    client = Client()
    client.force_login(alice)

    page = client.get(treaty.get_absolute_url())

    assert ("Abusive replies." in page.content.decode()) is banner
