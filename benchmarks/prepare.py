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

    counted = Highlight.objects.annotate(n=Count("comments")).order_by("pk")
    thread = counted.filter(n=THREAD_SIZE).first()
    target = (
        counted.filter(visibility=Highlight.Visibility.PUBLIC)
        .exclude(pk=thread.pk if thread else None)
        .order_by("n", "pk")
        .first()
    )

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

    out.write_text(
        json.dumps(
            {
                "session": session_key,
                "member": member.username if member else None,
                "member_private": member.private if member else 0,
                "thread": thread.pk if thread else None,
                "post_target": target.pk if target else None,
                "page_bytes": len(page.content),
                # The document's stamp: a live-update poll that names it has nothing new.
                "stamp": Document.objects.get(slug=TREATY_PATH.split("/")[2]).cache_stamp,
            }
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]) if len(sys.argv) > 3 else None)
