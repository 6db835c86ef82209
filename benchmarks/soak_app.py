"""The soak's work inside the app, run by soak.py with the server's environment.

``python benchmarks/soak_app.py prepare OUT.json`` writes what the load needs: sessions for
some demo members (minted with Django's SessionStore, as a sign-in would), the public
highlights with comments to reply to, comments each member may like, clauses to highlight,
and counts before the load.

``python benchmarks/soak_app.py verify PREPARED.json ACCEPTED.json OUT.json`` checks, after
the load, that every write the site accepted is in the database exactly once, as it was
made, and that the counts kept beside the rows agree with the rows: each comment's like
count with its likes, a notice for each reply, one more highlight per accepted one.

It must run with the server's DJANGO_SECRET_KEY: sessions are signed with it.
"""

from __future__ import annotations

import json
import os
import random
import sys
from importlib import import_module
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEMBERS = 24
LIKE_CANDIDATES = 400


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "treaty_reader.settings")
    import django

    django.setup()


def prepare(out: Path) -> None:
    setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db.models import Count

    from annotations.demo import demo_members
    from annotations.models import Comment, Highlight, Like, Notification
    from treaty_reader.models import Clause, Document

    rng = random.Random(1942)  # noqa: S311 - choosing test data, not secrets
    document = Document.objects.get()
    store = import_module(settings.SESSION_ENGINE).SessionStore
    members = []
    for member in demo_members().order_by("pk")[:MEMBERS]:
        session = store()
        session[SESSION_KEY] = str(member.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = member.get_session_auth_hash()
        session.create()
        liked = set(Like.objects.filter(user=member).values_list("comment_id", flat=True))
        candidates = list(
            Comment.objects.filter(
                highlight__visibility=Highlight.Visibility.PUBLIC,
                deleted_at__isnull=True,
                hidden_at__isnull=True,
            )
            .exclude(author=member)
            .exclude(pk__in=liked)
            .values_list("pk", "highlight_id")
            .order_by("?")[:LIKE_CANDIDATES]
        )
        members.append(
            {
                "pk": member.pk,
                "session": session.session_key,
                "likes": [list(c) for c in candidates],
            }
        )

    public = Highlight.objects.filter(visibility=Highlight.Visibility.PUBLIC).annotate(
        n=Count("comments")
    )
    # The thousand-comment thread is read like any other, but not written to.
    highlights = list(public.filter(n__lt=500).values_list("pk", flat=True).order_by("pk"))
    rng.shuffle(highlights)
    highlights = highlights[:200]
    parents: dict[int, list[int]] = {}
    for pk, highlight_id in Comment.objects.filter(
        highlight_id__in=highlights, deleted_at__isnull=True, hidden_at__isnull=True
    ).values_list("pk", "highlight_id"):
        parents.setdefault(highlight_id, []).append(pk)
    clauses = [
        {"key": c.key, "text": c.text}
        for c in Clause.objects.filter(document=document).order_by("order")
        if len(c.text) > 40
    ]
    out.write_text(
        json.dumps(
            {
                "slug": document.slug,
                "members": members,
                "highlights": highlights,
                "read_highlights": list(public.values_list("pk", flat=True).order_by("pk")),
                "parents": {str(k): v for k, v in parents.items()},
                "clauses": clauses,
                "highlight_floor": Highlight.objects.order_by("-pk").values_list("pk", flat=True)[
                    0
                ],
                "before": {
                    "comments": Comment.objects.count(),
                    "likes": Like.objects.count(),
                    "highlights": Highlight.objects.count(),
                    "notifications": Notification.objects.count(),
                },
            }
        ),
        encoding="utf-8",
    )


def verify(prepared_path: Path, accepted_path: Path, out: Path) -> None:
    setup()
    from django.db.models import Count, F, Q

    from annotations.models import Comment, Highlight, Like, Notification, Watch
    from treaty_reader.models import Clause

    prepared = json.loads(prepared_path.read_text("utf-8"))
    accepted = json.loads(accepted_path.read_text("utf-8"))
    problems: list[str] = []

    # Comments: each accepted body once, where it was posted, by whom.
    bodies = {c["body"]: c for c in accepted["comments"]}
    found: dict[str, Comment] = {}
    comment: Comment | None
    for comment in Comment.objects.filter(body__in=list(bodies)).select_related("highlight"):
        if comment.body in found:
            problems.append(f"comment {comment.body!r} is in the database twice")
        found[comment.body] = comment
    replies_to_others = 0
    for body, wanted in bodies.items():
        comment = found.get(body)
        if comment is None:
            problems.append(f"accepted comment {body!r} is not in the database")
            continue
        if (comment.highlight_id, comment.parent_id, comment.author_id) != (
            wanted["highlight"],
            wanted["parent"],
            wanted["member"],
        ):
            problems.append(f"comment {body!r} is not where it was posted")
        told = Notification.objects.filter(comment=comment).values_list("recipient_id", flat=True)
        recipients = set(told)
        # Told without fail: the author replied to, and the highlight's.
        expected = set()
        if comment.parent_id is not None:
            parent_author = Comment.objects.get(pk=comment.parent_id).author_id
            if parent_author is not None:
                expected.add(parent_author)
        assert comment.highlight is not None  # every soak comment is on a highlight
        expected.add(comment.highlight.author_id)
        expected.discard(comment.author_id)
        # Told if they watch where it was written (commenting on a thread watches it, so who
        # had commented there before depends on the order of concurrent writes): the
        # highlight's thread, or the Article it is in. Nobody else.
        highlight = comment.highlight
        article = Clause.objects.filter(
            document_id=highlight.document_id, key=highlight.start_key
        ).values("article_id")
        watchers = Watch.objects.filter(document_id=highlight.document_id, active=True).filter(
            Q(highlight_id=highlight.pk) | Q(article_id__in=article)
        )
        allowed = expected | set(watchers.values_list("user_id", flat=True))
        allowed.discard(comment.author_id)
        replies_to_others += bool(expected)
        if len(told) != len(recipients):
            problems.append(f"comment {body!r} notified someone twice")
        if not expected <= recipients:
            problems.append(f"comment {body!r} did not notify {sorted(expected - recipients)}")
        if not recipients <= allowed:
            problems.append(f"comment {body!r} notified {sorted(recipients - allowed)} for nothing")

    # Likes: each accepted one is there; every comment's count agrees with its likes.
    pairs = {(like["member"], like["comment"]) for like in accepted["likes"]}
    stored = set(
        Like.objects.filter(comment_id__in={c for _, c in pairs}).values_list(
            "user_id", "comment_id"
        )
    )
    problems += [f"accepted like {pair} is not in the database" for pair in pairs - stored]
    wrong = (
        Comment.objects.annotate(likes_stored=Count("likes"))
        .exclude(like_count=F("likes_stored"))
        .values_list("pk", "like_count", "likes_stored")
    )
    problems += [f"comment {pk} counts {n} likes but has {m}" for pk, n, m in wrong[:20]]
    # What the threads showed after the load, on whichever worker answered, is what is stored.
    stored_counts = dict(
        Comment.objects.filter(pk__in=[int(pk) for pk in accepted["shown_likes"]]).values_list(
            "pk", "like_count"
        )
    )
    for pk, shown in accepted["shown_likes"].items():
        if stored_counts.get(int(pk)) != shown:
            problems.append(
                f"comment {pk} was shown with {shown} likes, {stored_counts.get(int(pk))} stored"
            )

    # Highlights: one more per accepted one, for each member.
    for member, count in accepted["highlights_by_member"].items():
        have = Highlight.objects.filter(author_id=int(member), pk__gt=prepared["highlight_floor"])
        if have.count() != count:
            problems.append(f"member {member}: {count} highlights accepted, {have.count()} stored")

    before = prepared["before"]
    totals = {
        "comments": (Comment.objects.count() - before["comments"], len(bodies)),
        "likes": (Like.objects.count() - before["likes"], len(pairs)),
        "highlights": (
            Highlight.objects.count() - before["highlights"],
            sum(accepted["highlights_by_member"].values()),
        ),
    }
    for kind, (grew, wanted) in totals.items():
        if grew != wanted:
            problems.append(f"{kind}: {wanted} accepted, but the table grew by {grew}")
    out.write_text(
        json.dumps(
            {
                "problems": problems,
                "checked": {
                    "comments": len(bodies),
                    "likes": len(pairs),
                    "highlights": totals["highlights"][1],
                    "notified replies": replies_to_others,
                    "like counts": Comment.objects.count(),
                },
            }
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(Path(sys.argv[2]))
    elif sys.argv[1] == "verify":
        verify(Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]))
    else:
        raise SystemExit("usage: soak_app.py prepare OUT.json | verify PREPARED ACCEPTED OUT")
