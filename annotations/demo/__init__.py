"""Demo data: members, highlights, threads, likes and notices like a few months of use.

Everything follows from one seed: each kind of row draws from its own ``random.Random``, so
asking for more comments does not move the highlights, and timestamps count from a fixed
date, not from now. Rows are planned in memory and written with ``bulk_create`` in one
transaction: comments depth by depth, so every reply's parent already has its key.

Demo members are recognisable by their e-mail domain (``DEMO_EMAIL_DOMAIN``, reserved and
undeliverable), which is how ``demo_members`` and ``demo_data_delete`` find them. What they
write comes from ``annotations.demo.text``.

One module past 400 lines on purpose: planning members, highlights, threads, likes and
notices shares the one seed and cast, and reads best top to bottom.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import re
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from random import Random

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import models, transaction

from annotations.demo import text as demo_text
from annotations.discussion.markdown import render_markdown
from annotations.highlights import anchoring
from annotations.highlights.services import document_text
from annotations.models import Comment, Highlight, Like, Notification
from annotations.notifications.services import ON_HIGHLIGHT, REPLY_TO_COMMENT
from treaty_reader.models import Document

DEMO_EMAIL_DOMAIN = "demo.invalid"
# Members join in the two months before this date; highlights and comments follow it.
BASE_DATE = dt.datetime(2025, 5, 26, 9, 0, tzinfo=dt.UTC)
ACTIVITY_DAYS = 120
REPLY_DEPTH_LIMIT = 8
BATCH_SIZE = 1000
# How often a new comment sits at depth 0, 1, 2, …: most are top-level or direct replies,
# long back-and-forths are rare, and nothing is nested deeper than REPLY_DEPTH_LIMIT.
DEPTH_WEIGHTS = (40, 24, 14, 9, 5, 3, 2, 1.5, 1)
# How many likes a comment gets: most none, a few many.
LIKE_COUNTS = (0, 1, 2, 3, 5, 8, 13, 21)
LIKE_WEIGHTS = (55, 20, 10, 5, 4, 3, 2, 1)
DOCUMENT_DISCUSSION_SHARE = 0.1

# Words are runs of non-space; quotes end without a dangling comma or semicolon.
WORD = re.compile(r"\S+")
TRAILING = ",;:"
SENTENCE_ENDS = ".;:"

Progress = Callable[[str, int, int], None]


class DemoDataError(ValueError):
    """Arguments that cannot make demo data; ``str()`` is one line fit for a command."""


@dataclass(frozen=True)
class DemoReport:
    members: int
    highlights: int
    private_highlights: int
    comments: int
    likes: int
    notices: int
    max_depth: int
    long_thread: Highlight | None
    password: str | None


def demo_members() -> models.QuerySet[User]:
    return User.objects.filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}")


@transaction.atomic
def demo_data_delete() -> int:
    """Delete demo members and, by cascade, everything they wrote (replies to it too)."""
    count = demo_members().count()
    demo_members().delete()
    Document.objects.all().page_changed()
    return count


def _check(
    members: int, highlights: int, comments: int, private_share: float, long_thread: int
) -> None:
    counts = {"members": members, "highlights": highlights, "comments": comments}
    for name, value in {**counts, "long-thread": long_thread}.items():
        if value < 0:
            raise DemoDataError(f"--{name} must be 0 or more, not {value}.")
    if not 0 <= private_share <= 1:
        raise DemoDataError(f"--private-share must be between 0 and 1, not {private_share}.")
    if members == 0 and (highlights or comments):
        raise DemoDataError("Highlights and comments need authors: ask for at least one member.")
    if long_thread > comments:
        raise DemoDataError(f"--long-thread {long_thread} is more than --comments {comments}.")
    if long_thread and highlights - round(highlights * private_share) < 1:
        raise DemoDataError("--long-thread needs at least one public highlight to sit on.")


@transaction.atomic
def demo_data_create(
    *,
    document: Document,
    members: int,
    highlights: int,
    comments: int,
    seed: int = 1942,
    private_share: float = 0.1,
    long_thread: int = 0,
    progress: Progress | None = None,
) -> DemoReport:
    """Create demo members, highlights on ``document``, threads about them, likes and notices.

    ``long_thread`` comments (part of ``comments``) go to one public highlight, for
    measuring a long thread; the rest spread over the highlights and the document's own
    discussion, a few popular highlights drawing most of them. Raises ``DemoDataError``.
    """
    _check(members, highlights, comments, private_share, long_thread)
    report = progress or (lambda phase, done, total: None)
    password = secrets.token_urlsafe(12) if members else None
    users = _plan_members(Random(f"{seed}:members"), members, password)
    _write(User, users, "members", report)

    cast = _Cast(Random(f"{seed}:activity"), users)
    marks = _plan_highlights(
        Random(f"{seed}:highlights"), document, cast, highlights, private_share
    )
    with _given_timestamps(Highlight):
        _write(Highlight, marks, "highlights", report)

    planned = _plan_comments(
        Random(f"{seed}:comments"), document, cast, marks, comments, long_thread
    )
    _render_bodies(planned, report)
    # Planned before the comments are written, since it sets their like_count.
    likes = _plan_likes(Random(f"{seed}:likes"), users, [c for c, _ in planned])
    for depth in range(REPLY_DEPTH_LIMIT + 1):
        _write(Comment, [c for c, d in planned if d == depth], f"comments at depth {depth}", report)

    with _given_timestamps(Like):
        _write(Like, likes, "likes", report)
    notices = _plan_notices(Random(f"{seed}:notices"), [c for c, _ in planned])
    with _given_timestamps(Notification):
        _write(Notification, notices, "reply notices", report)
    Document.objects.page_changed_for(document.pk)  # cached pages must show the new rows

    return DemoReport(
        members=len(users),
        highlights=len(marks),
        private_highlights=sum(not h.is_public for h in marks),
        comments=len(planned),
        likes=len(likes),
        notices=len(notices),
        max_depth=max((d for _, d in planned), default=0),
        long_thread=planned[0][0].highlight if long_thread else None,
        password=password,
    )


def _write(
    model: type[models.Model], rows: Sequence[models.Model], phase: str, report: Progress
) -> None:
    for start in range(0, len(rows), BATCH_SIZE):
        batch = rows[start : start + BATCH_SIZE]
        model._default_manager.bulk_create(batch, batch_size=BATCH_SIZE)
        if batch[0].pk is None:
            # Replies are linked to their parents by key; without keys back, they cannot be.
            raise RuntimeError("This database does not return keys from bulk_create.")
        report(phase, start + len(batch), len(rows))


@contextmanager
def _given_timestamps(model: type[models.Model]) -> Iterator[None]:
    """Let ``bulk_create`` keep the times we planned in ``auto_now(_add)`` fields.

    Those fields overwrite any value with now() on insert; demo rows need their own,
    reproducible times, and a ``bulk_update`` afterwards would write every row twice. Not
    thread-safe: only the demo command (and its tests) should use it.
    """
    fields = [f for f in model._meta.concrete_fields if isinstance(f, models.DateTimeField)]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


def _at(rng: Random, start: dt.datetime, days: float) -> dt.datetime:
    return start + dt.timedelta(seconds=rng.randrange(int(days * 86400)))


def _plan_members(rng: Random, count: int, password: str | None) -> list[User]:
    taken = set(User.objects.values_list("username", flat=True))
    hashed = make_password(password) if count else ""  # once: hashing is slow on purpose
    joined = sorted(_at(rng, BASE_DATE - dt.timedelta(days=60), 60) for _ in range(count))
    users = []
    for when in joined:
        name, number = rng.choice(demo_text.NAMES), rng.randint(1, 99)
        while f"{name}{number}" in taken:
            number += 1
        username = f"{name}{number}"
        taken.add(username)
        users.append(
            User(
                username=username,
                email=f"{username}@{DEMO_EMAIL_DOMAIN}",
                first_name=name.title(),
                password=hashed,
                date_joined=when,
            )
        )
    return users


class _Cast:
    """The members, and who is likely to write next: a few write most of everything."""

    def __init__(self, rng: Random, users: Sequence[User]) -> None:
        self.users = users
        ranks = list(range(len(users)))
        rng.shuffle(ranks)
        self.activity = [1 / (rank + 1) ** 0.8 for rank in ranks]

    def pick(self, rng: Random) -> User:
        return rng.choices(self.users, self.activity)[0]


class _Words:
    """The document's words, with the clause each sits in and where its sentences break."""

    def __init__(self, doc: anchoring.DocumentText) -> None:
        self.doc = doc
        self.spans = [m.span() for m in WORD.finditer(doc.text)]
        starts = [begin for begin, _ in self.spans]
        # The first word of each clause: the separator between clauses is whitespace, so
        # no word spans two clauses.
        self.clause_firsts = [bisect.bisect_left(starts, doc.position(k, 0)) for k in doc.keys]
        self.clause_firsts.append(len(self.spans))
        self.ends_sentence = [doc.text[end - 1] in SENTENCE_ENDS for _, end in self.spans]

    def clause_of(self, word: int) -> int:
        return bisect.bisect_right(self.clause_firsts, word) - 1

    def sentence_start(self, word: int) -> int:
        first = self.clause_firsts[self.clause_of(word)]
        while word > first and not self.ends_sentence[word - 1]:
            word -= 1
        return word

    def sentence_end(self, word: int) -> int:
        last = self.clause_firsts[self.clause_of(word) + 1] - 1
        while word < last and not self.ends_sentence[word]:
            word += 1
        return word

    def anchor(self, first: int, last: int) -> anchoring.Anchor:
        begin, finish = self.spans[first][0], self.spans[last][1]
        while finish - 1 > begin and self.doc.text[finish - 1] in TRAILING:
            finish -= 1
        doc = self.doc
        return anchoring.anchor_from_positions(
            doc, *doc.locate(begin), *doc.locate(finish, end=True)
        )


def _plan_highlights(
    rng: Random, document: Document, cast: _Cast, count: int, private_share: float
) -> list[Highlight]:
    """Quotes cut at word boundaries: phrases and sentences, a few across two clauses.

    Readers mark the same famous passages, so about a third start inside an earlier
    highlight; the text is short, so others overlap by chance as well.
    """
    words = _Words(document_text(document))
    if not words.spans:
        return []
    clauses = len(words.clause_firsts) - 1
    private = set(rng.sample(range(count), round(count * private_share)))
    times = sorted(_at(rng, BASE_DATE, ACTIVITY_DAYS) for _ in range(count))
    spans: list[tuple[int, int]] = []
    marks = []
    for index, when in enumerate(times):
        length = rng.choice((rng.randint(2, 6), rng.randint(6, 20), rng.randint(20, 50)))
        roll = rng.random()
        if roll < 0.08 and clauses > 1:  # across a clause boundary
            clause = rng.randrange(1, clauses)
            boundary = words.clause_firsts[clause]
            first = max(words.clause_firsts[clause - 1], boundary - rng.randint(2, 8))
            last = min(words.clause_firsts[clause + 1], boundary + rng.randint(1, 10)) - 1
        else:
            if roll < 0.38 and spans:
                first = rng.randint(*rng.choice(spans))
            else:
                first = rng.randrange(len(words.spans))
                if rng.random() < 0.5:
                    first = words.sentence_start(first)
            clause_last = words.clause_firsts[words.clause_of(first) + 1] - 1
            last = min(first + length - 1, clause_last)
            if rng.random() < 0.5:
                last = words.sentence_end(last)
        spans.append((first, last))
        visibility = (
            Highlight.Visibility.PRIVATE if index in private else Highlight.Visibility.PUBLIC
        )
        marks.append(
            Highlight(
                document=document,
                author=cast.pick(rng),
                visibility=visibility,
                note=demo_text.note(rng),
                created_at=when,
                updated_at=when,
                **dataclasses.asdict(words.anchor(first, last)),
            )
        )
    return marks


def _plan_comments(
    rng: Random,
    document: Document,
    cast: _Cast,
    marks: Sequence[Highlight],
    count: int,
    long_thread: int,
) -> list[tuple[Comment, int]]:
    """Comments with their depths, the long thread's first, each thread in time order."""
    public = [h for h in marks if h.is_public]
    rng.shuffle(public)  # popularity rank, independent of time
    targets: list[Highlight | None] = [None, *public]
    popularity = [1 / (rank + 1) ** 1.1 for rank in range(len(public))]
    scale = (1 - DOCUMENT_DISCUSSION_SHARE) / (sum(popularity) or 1)
    weights = [DOCUMENT_DISCUSSION_SHARE] + [p * scale for p in popularity]
    sizes = [0] * len(targets)
    if long_thread:
        sizes[1] = long_thread
        weights[1] = 0.0
    for target in rng.choices(range(len(targets)), weights, k=count - long_thread):
        sizes[target] += 1
    order = [1, 0, *range(2, len(targets))] if long_thread else range(len(targets))
    planned: list[tuple[Comment, int]] = []
    for target in order:
        planned += _plan_thread(rng, document, cast, targets[target], sizes[target])
    return planned


def _plan_thread(
    rng: Random, document: Document, cast: _Cast, highlight: Highlight | None, size: int
) -> list[tuple[Comment, int]]:
    by_depth: list[list[Comment]] = [[] for _ in range(REPLY_DEPTH_LIMIT + 1)]
    when = highlight.created_at if highlight else BASE_DATE
    thread = []
    for _ in range(size):
        when += dt.timedelta(seconds=30 + int(rng.expovariate(1 / 7200)))
        depth = rng.choices(range(REPLY_DEPTH_LIMIT + 1), DEPTH_WEIGHTS)[0]
        while depth and not by_depth[depth - 1]:
            depth -= 1
        # Replies go to one of the latest comments at the level above: conversations move on.
        parent = rng.choice(by_depth[depth - 1][-5:]) if depth else None
        author = cast.pick(rng)
        for _ in range(3):  # people seldom reply to themselves
            if parent is None or author != parent.author:
                break
            author = cast.pick(rng)
        comment = Comment(
            document=document,
            highlight=highlight,
            parent=parent,
            author=author,
            body=demo_text.comment_body(rng, highlight, parent),
            created_at=when,
        )
        by_depth[depth].append(comment)
        thread.append((comment, depth))
    return thread


def _render_bodies(planned: Sequence[tuple[Comment, int]], report: Progress) -> None:
    # Many bodies repeat (phrases are few); rendering each distinct one once is most of
    # the time saved.
    rendered: dict[str, str] = {}
    for index, (comment, _) in enumerate(planned, start=1):
        if comment.body not in rendered:
            rendered[comment.body] = render_markdown(comment.body)
        comment.body_html = rendered[comment.body]
        if index % 500 == 0 or index == len(planned):
            report("rendering comments", index, len(planned))


def _plan_likes(rng: Random, users: Sequence[User], comments: Sequence[Comment]) -> list[Like]:
    likes = []
    for comment in comments:
        wanted = rng.choices(LIKE_COUNTS, LIKE_WEIGHTS)[0]
        likers = [u for u in rng.sample(users, min(wanted + 1, len(users))) if u != comment.author]
        likers = likers[:wanted]
        comment.like_count = len(likers)
        for user in likers:
            when = comment.created_at + dt.timedelta(seconds=60 + rng.randrange(3 * 86400))
            likes.append(Like(comment=comment, user=user, created_at=when))
    return likes


def _plan_notices(rng: Random, comments: Sequence[Comment]) -> list[Notification]:
    """The notices ``comment_create`` sends: to the author replied to and the highlight's
    author, never to the writer. Most have been read a little while later."""
    notices = []
    for comment in comments:
        parent, highlight = comment.parent, comment.highlight
        recipients = {parent.author if parent else None, highlight.author if highlight else None}
        for user in sorted({r for r in recipients if r} - {comment.author}, key=lambda u: u.pk):
            read_at = None
            if rng.random() < 0.7:
                read_at = comment.created_at + dt.timedelta(seconds=rng.randrange(2 * 86400))
            to_their_comment = parent is not None and parent.author == user
            notices.append(
                Notification(
                    recipient=user,
                    comment=comment,
                    actor=comment.author,
                    reason=REPLY_TO_COMMENT if to_their_comment else ON_HIGHLIGHT,
                    created_at=comment.created_at,
                    read_at=read_at,
                    emailed_at=comment.created_at,  # old news: never mailed
                )
            )
    return notices
