"""The bench's set-up inside the app: run by bench.py with the server's environment.

``python benchmarks/prepare.py OUT.json STATIC_ROOT [THREAD.json]`` writes what the load
needs as JSON: a session cookie for the demo member with the most private highlights (minted
with Django's SessionStore, as a sign-in would), the highlight whose thread has the wanted
number of comments, a quiet public highlight to post to, and the anonymous treaty page's bytes
saved under STATIC_ROOT/bench/ for the static ceiling. With THREAD.json it also exports that
thread (bodies, authors, times, nesting) for the peer to load.

It must run with the server's DJANGO_SECRET_KEY: sessions are signed with it.
"""

from __future__ import annotations

import json
import os
import sys
from importlib import import_module
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
THREAD_SIZE = 1000
TREATY_PATH = "/treaties/anglo-soviet-treaty-1942/"


def main(out: Path, static_root: Path, thread_export: Path | None) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "treaty_reader.settings")
    import django

    django.setup()

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db.models import Count, Q
    from django.test import Client

    from annotations.demo import demo_members
    from annotations.models import Comment, Highlight
    from treaty_reader.models import Document

    private = Q(highlights__visibility=Highlight.Visibility.PRIVATE)
    member = (
        demo_members()
        .annotate(private=Count("highlights", filter=private))
        .order_by("-private", "pk")
        .first()
    )
    session_key = None
    if member is not None:
        session = import_module(settings.SESSION_ENGINE).SessionStore()
        session[SESSION_KEY] = str(member.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = member.get_session_auth_hash()
        session.create()
        session_key = session.session_key

    moderator_session = _moderator_session(settings)

    counted = Highlight.objects.annotate(n=Count("comments")).order_by("pk")
    thread = counted.filter(n=THREAD_SIZE).first()
    public = counted.filter(visibility=Highlight.Visibility.PUBLIC)
    if thread is not None:
        public = public.exclude(pk=thread.pk)
    target = public.order_by("n", "pk").first()

    # What an anonymous reader gets, rendered by the same code and settings as the server.
    page = Client().get(TREATY_PATH, secure=True, headers={"host": "127.0.0.1"})
    if page.status_code != 200:
        raise SystemExit(f"The treaty page answered {page.status_code}; cannot save the ceiling.")
    (static_root / "bench").mkdir(parents=True, exist_ok=True)
    (static_root / "bench" / "treaty.html").write_bytes(page.content)

    if thread_export is not None and thread is not None:
        comments = Comment.objects.filter(highlight=thread).select_related("author")
        thread_export.write_text(
            json.dumps(
                {
                    "quote": thread.exact,
                    "comments": [
                        {
                            "id": c.pk,
                            "parent": c.parent_id,
                            "author": c.author.username if c.author else "anonymous",
                            "body": c.body,
                            "created_at": c.created_at.isoformat(),
                        }
                        for c in comments.order_by("created_at", "pk")
                    ],
                }
            ),
            encoding="utf-8",
        )

    open_flags = _flag_some_comments()
    out.write_text(
        json.dumps(
            {
                "session": session_key,
                "member": member.username if member else None,
                "member_private": member.private if member else 0,
                "thread": thread.pk if thread else None,
                "post_target": target.pk if target else None,
                "page_bytes": len(page.content),
                "moderator_session": moderator_session,
                "open_flags": open_flags,
                # The document's stamp: a live-update poll that names it has nothing new.
                "stamp": Document.objects.get(slug=TREATY_PATH.split("/")[2]).cache_stamp,
            }
        ),
        encoding="utf-8",
    )


# The review queue's row: a moderator, and flags on every tenth comment (demo data has none).
QUEUE_FLAGGED_EVERY = 10
QUEUE_FLAGGERS = 3


def _moderator_session(settings) -> str:
    """A session for a staff member in the Moderators group (made here if need be)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group, Permission, User

    moderator, _ = User.objects.get_or_create(
        username="bench-moderator", defaults={"is_staff": True, "email": "bench@example.org"}
    )
    # A flushed database has lost the group its data migration made: make it again.
    made = import_module("annotations.migrations.0002_moderators_group")
    group, _ = Group.objects.get_or_create(name=made.GROUP)
    if not group.permissions.exists():
        wanted = made.PERMISSIONS.items()
        codenames = [f"{verb}_{model}" for model, verbs in wanted for verb in verbs]
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="annotations", codename__in=codenames)
        )
    moderator.groups.add(group)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(moderator.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = moderator.get_session_auth_hash()
    session.create()
    return session.session_key


def _flag_some_comments() -> int:
    """Open flags on every tenth comment by up to three members; returns how many are open."""
    from annotations.demo import demo_members
    from annotations.models import Comment, Flag

    flaggers = list(demo_members().order_by("pk")[:QUEUE_FLAGGERS])
    comments = Comment.objects.filter(author__isnull=False).order_by("pk")
    Flag.objects.bulk_create(
        (
            Flag(comment_id=pk, flagger=flagger, reason=Flag.Reason.SPAM)
            for index, pk in enumerate(comments.values_list("pk", flat=True))
            if index % QUEUE_FLAGGED_EVERY == 0
            for flagger in flaggers[: index % QUEUE_FLAGGERS + 1]
        ),
        ignore_conflicts=True,
    )
    return Flag.objects.filter(resolved_at__isnull=True).count()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]) if len(sys.argv) > 3 else None)
