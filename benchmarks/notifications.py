"""``send_notifications`` over 10,000 pending notifications: run by bench.py, in two steps.

``python benchmarks/notifications.py setup`` gives the demo members email (three in four at
once, the rest a daily digest) and adds unread, unmailed notifications about demo comments
until 10,000 are pending. ``python benchmarks/notifications.py send OUT.json`` then runs what
the command runs, in a process of its own, with mail written to the console backend (sent to
/dev/null), and writes its time (wall and CPU), the messages and the process's peak resident memory.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PENDING = 10_000


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "treaty_reader.settings")
    import django

    django.setup()


def setup() -> None:
    import datetime as dt
    import itertools

    from django.utils import timezone

    from annotations.demo import demo_members
    from annotations.models import Comment, EmailChoice, MemberSettings, Notification

    members = list(demo_members().order_by("pk"))
    if not members:
        raise SystemExit("No demo members: generate demo data first.")
    long_ago = timezone.now() - dt.timedelta(days=2)
    for member in members:
        if not member.email:
            member.email = f"{member.username}@example.org"
            member.save(update_fields=["email"])
    MemberSettings.objects.filter(user__in=members).delete()
    MemberSettings.objects.bulk_create(
        MemberSettings(
            user=m,
            email=EmailChoice.DAILY if n % 4 == 3 else EmailChoice.IMMEDIATE,
            email_chosen_at=long_ago,
        )
        for n, m in enumerate(members)
    )
    Notification.objects.filter(kind=Notification.Kind.MENTION).delete()
    comments = Comment.objects.filter(
        is_imported=False, deleted_at__isnull=True, hidden_at__isnull=True
    ).filter(highlight__visibility="public") | Comment.objects.filter(
        is_imported=False, deleted_at__isnull=True, hidden_at__isnull=True, highlight__isnull=True
    )
    pairs = (
        (c, m)
        for c, m in itertools.product(comments.order_by("pk")[:2000], members)
        if c.author_id != m.pk
    )
    now = timezone.now() - dt.timedelta(minutes=5)
    Notification.objects.bulk_create(
        (
            Notification(
                recipient=m, comment=c, actor_id=c.author_id, kind="mention",
                reason="mentioned you", created_at=now,
            )
            for c, m in itertools.islice(pairs, PENDING)
        ),
        batch_size=1000,
    )  # fmt: skip


def send(out: Path) -> None:
    from django.utils import timezone

    from annotations.notifications.email import pending, send_pending

    waiting = pending(timezone.now()).count()
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the console backend's mail

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    started, cpu_started = time.perf_counter(), cpu()
    report = send_pending()
    seconds, cpu_seconds = time.perf_counter() - started, cpu() - cpu_started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out.write_text(
        json.dumps(
            {
                "pending": waiting,
                "seconds": seconds,
                "cpu_seconds": cpu_seconds,
                "notifications": report.notifications,
                "messages": report.messages,
                "failed": report.failed,
                "peak_mb": peak_kb / 1024,
            }
        )
    )


if __name__ == "__main__":
    setup_django()
    if sys.argv[1] == "setup":
        setup()
    else:
        send(Path(sys.argv[2]))
