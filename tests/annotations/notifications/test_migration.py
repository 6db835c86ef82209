"""The migration to one Notification model keeps the reply notices already stored."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("annotations", "0005_search_index")]
AFTER = [("annotations", "0006_notifications")]


@pytest.fixture
def back_to_the_latest():
    """Whatever the test leaves, the next tests get the database every migration makes."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_reply_notices_become_reply_notifications(treaty, alice, bob, back_to_the_latest):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Comment, Notification = (
        old.get_model("annotations", "Comment"),
        old.get_model("annotations", "Notification"),
    )
    Highlight = old.get_model("annotations", "Highlight")
    now = timezone.now()
    mine = Comment.objects.create(
        document_id=treaty.pk, author_id=alice.pk, body="Mine.", body_html="", created_at=now
    )
    reply = Comment.objects.create(
        document_id=treaty.pk, author_id=bob.pk, parent=mine, body="Yes.", body_html="",
        created_at=now,
    )  # fmt: skip
    highlight = Highlight.objects.create(
        document_id=treaty.pk, author_id=alice.pk, start_key="article-7-para-1", start_offset=0,
        end_key="article-7-para-1", end_offset=4, exact="Each",
    )  # fmt: skip
    on_highlight = Comment.objects.create(
        document_id=treaty.pk, author_id=bob.pk, highlight=highlight, body="On it.",
        body_html="", created_at=now,
    )  # fmt: skip
    Notification.objects.create(recipient_id=alice.pk, comment=reply)
    Notification.objects.create(recipient_id=alice.pk, comment=on_highlight, read_at=now)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    # The model as that migration left it: later migrations add columns it does not have.
    Current = executor.loader.project_state(AFTER).apps.get_model("annotations", "Notification")

    rows = Current.objects.order_by("comment_id")
    assert [(n.kind, n.reason, n.actor_id, n.read_at is None) for n in rows] == [
        ("reply", "replied to your comment", bob.pk, True),
        ("reply", "commented on your highlight", bob.pk, False),
    ]
    assert all(n.emailed_at is not None for n in rows), "old news is never mailed"
