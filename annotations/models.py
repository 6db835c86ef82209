"""Highlights on the treaty text, the discussion around them, and its moderation.

Every model of the app is here, under one app label and one migration history, so features
share them without importing one another: hence a module past 400 lines.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from annotations.highlights.anchoring import Anchor
from treaty_reader.models import Document

if TYPE_CHECKING:
    pass


# A highlight's note and a flag's note: short plain text.
HIGHLIGHT_NOTE_MAX_LENGTH = 1000
FLAG_NOTE_MAX_LENGTH = 1000


class HighlightQuerySet(models.QuerySet["Highlight"]):
    def anchored(self) -> HighlightQuerySet:
        return self.filter(status=Highlight.Status.ANCHORED, withdrawn_at__isnull=True)


class Highlight(models.Model):
    """A member's mark on a run of treaty text, stored as W3C selectors over clause keys.

    The position selector (key and offset at each end) says where; the quote selector
    (exact text with prefix and suffix) lets the highlight be found again after the text is
    corrected. See ``annotations.anchoring``.
    """

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Everyone"
        PRIVATE = "private", "Only me"

    class Status(models.TextChoices):
        ANCHORED = "anchored", "Anchored"
        ORPHANED = "orphaned", "Orphaned"

    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="highlights", db_index=False
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="highlights",
        db_index=False,
    )
    start_key = models.CharField(max_length=80)
    start_offset = models.PositiveIntegerField()
    end_key = models.CharField(max_length=80)
    end_offset = models.PositiveIntegerField()
    exact = models.TextField()
    prefix = models.CharField(max_length=64, blank=True)
    suffix = models.CharField(max_length=64, blank=True)
    note = models.CharField(
        max_length=HIGHLIGHT_NOTE_MAX_LENGTH,
        blank=True,
        help_text="The author's note on the passage, plain text.",
    )
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ANCHORED)
    withdrawn_at = models.DateTimeField(
        null=True, blank=True, help_text="Deleted by its author while others' replies remain."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = HighlightQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["document", "status"], name="highlight_document_status"),
            models.Index(fields=["author", "-created_at"], name="highlight_author_recent"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(exact=""), name="highlight_exact_not_empty"),
        ]

    def __str__(self) -> str:
        quote = self.exact if len(self.exact) <= 60 else self.exact[:59] + "…"
        return f"“{quote}”"

    def get_absolute_url(self) -> str:
        return reverse("annotations:highlight", kwargs={"pk": self.pk})

    @property
    def anchor(self) -> Anchor:
        return Anchor(
            start_key=self.start_key,
            start_offset=self.start_offset,
            end_key=self.end_key,
            end_offset=self.end_offset,
            exact=self.exact,
            prefix=self.prefix,
            suffix=self.suffix,
        )

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC

    @property
    def is_orphaned(self) -> bool:
        return self.status == self.Status.ORPHANED


def readable(through: str = "") -> Q:
    """Comments every reader can read: not deleted, not hidden, not waiting for a moderator's
    approval. ``through`` is the path to them from another model (``"comments__"``,
    ``"comment__"``). Every list, count and notice of comments asks this, so a comment
    leaves (or joins) all of them at once."""
    return Q(
        **{
            f"{through}deleted_at__isnull": True,
            f"{through}hidden_at__isnull": True,
            f"{through}pending_at__isnull": True,
        }
    )


# How comments imported from the forum are signed: their authors were never named.
IMPORTED_AUTHOR = "Forum reply"


class Comment(models.Model):
    """A comment on a highlight, or on the document as a whole when ``highlight`` is empty.

    Comments imported from the forum the text came from have no author: their authors were
    never named, and we do not invent people.
    """

    # No index of their own for document, parent and author: the indexes in Meta begin with
    # them, and every comment posted wrote each twice.
    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="comments", db_index=False
    )
    highlight = models.ForeignKey(
        Highlight, on_delete=models.CASCADE, related_name="comments", null=True, blank=True
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        related_name="replies",
        null=True,
        blank=True,
        db_index=False,
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="comments",
        null=True,
        blank=True,
        db_index=False,
    )
    is_imported = models.BooleanField(
        default=False, help_text="Imported with the text from its source forum."
    )
    body = models.TextField(help_text="Markdown, as written.")
    body_html = models.TextField(help_text="Sanitised HTML rendered from the body.")
    like_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=500, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    hidden_automatically = models.BooleanField(
        default=False,
        help_text="Hidden by enough members' flags, until a moderator reviews it.",
    )
    pending_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A new member's post waiting, since then, for a moderator's approval.",
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["document", "highlight", "created_at"], name="comment_thread"),
            models.Index(fields=["parent"], name="comment_parent"),
            models.Index(fields=["author", "-created_at"], name="comment_author_recent"),
            models.Index(
                fields=["pending_at"],
                name="comment_pending",
                condition=Q(pending_at__isnull=False),
            ),
            # A highlight's count of readable comments, asked after every comment posted:
            # counted in this index alone, not by reading each comment's row.
            models.Index(
                fields=["highlight"],
                name="comment_readable_on_highlight",
                condition=Q(
                    deleted_at__isnull=True, hidden_at__isnull=True, pending_at__isnull=True
                ),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(author__isnull=False) | Q(is_imported=True),
                name="comment_has_author_unless_imported",
            ),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.document}"

    def get_absolute_url(self) -> str:
        return reverse("annotations:comment", kwargs={"pk": self.pk})

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_pending(self) -> bool:
        return self.pending_at is not None

    @property
    def hidden_by_text(self) -> str:
        """Who hid it, as its author is told: a moderator, or members' flags."""
        return "Hidden automatically" if self.hidden_automatically else "Hidden by a moderator"

    @property
    def author_name(self) -> str:
        """The name a comment is signed with, and attributed with when quoted."""
        return self.author.get_username() if self.author else IMPORTED_AUTHOR

    @property
    def byline(self) -> str:
        """The name shown above the comment: an imported one says so."""
        return f"{IMPORTED_AUTHOR} (imported)" if self.is_imported else self.author_name


class CommentRevision(models.Model):
    """An earlier version of an edited comment, kept so readers can see what changed."""

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="revisions", db_index=False
    )
    body = models.TextField()
    body_html = models.TextField()
    created_at = models.DateTimeField(help_text="When this version was written.")

    class Meta:
        ordering = ["comment", "-created_at"]
        indexes = [models.Index(fields=["comment", "-created_at"], name="revision_comment_recent")]

    def __str__(self) -> str:
        return f"Revision of comment {self.comment_id} from {self.created_at:%Y-%m-%d %H:%M}"


class Like(models.Model):
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="likes", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="likes"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="like_once_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.user} likes comment {self.comment_id}"


class Notification(models.Model):
    """Something a member should hear about: a reply, a quote or a mention of them, a new
    comment where they watch, likes on their comment, a moderator hiding it, or a correction
    of the text that moved their highlight onto other words or orphaned it.

    One row per event and member: a reply that also quotes and mentions you is one
    notification (``kind`` is the strongest reason, ``reason`` says all of them). Likes on
    one comment are one row, brought back up by each new like; so is a text change, by each
    correction until its author reviews it. Each is about a comment or, for
    ``TEXT_CHANGED``, a ``TextChange``: exactly one of the two. Who is told of what is
    decided in one place, ``annotations.notifications.services``.
    """

    class Kind(models.TextChoices):
        REPLY = "reply", "Reply"
        QUOTE = "quote", "Quote"
        MENTION = "mention", "Mention"
        WATCHED = "watched", "New in something you watch"
        LIKE = "like", "Likes"
        HIDDEN = "hidden", "Hidden by a moderator"
        TEXT_CHANGED = "text_changed", "Your highlight’s words changed"

    # Indexed by the indexes and constraints in Meta, which all begin with it.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REPLY)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
        help_text="Who did it (the latest liker for likes); empty for a moderator's action.",
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="notifications", null=True, blank=True
    )
    text_change = models.ForeignKey(
        "TextChange",
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
        help_text="The highlight a correction changed, for its author.",
    )
    reason = models.CharField(
        max_length=500, blank=True, help_text="What happened, as the member is told it."
    )
    watch = models.ForeignKey(
        "Watch",
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
        help_text="The watch that brought it, for a new comment where the member watches.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # A run of ``send_notifications`` claims rows before mailing them, so overlapping runs
    # never mail one twice; a claim older than the command's timeout is taken over.
    email_claim = models.CharField(max_length=32, blank=True)
    email_claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notification_recent"),
            models.Index(
                fields=["recipient", "created_at"],
                name="notification_mail_pending",
                condition=Q(emailed_at__isnull=True, read_at__isnull=True),
            ),
        ]
        constraints = [
            # A text change's row has no comment: NULLs never collide, so this holds
            # comments' notifications alone, as it did before text changes were told.
            models.UniqueConstraint(
                fields=["recipient", "comment", "kind"], name="notification_once_per_event"
            ),
            # Not partial, so upserts (ON CONFLICT) can name it on PostgreSQL too; the check
            # below leaves ``text_change`` empty in every other kind.
            models.UniqueConstraint(
                fields=["recipient", "text_change"], name="notification_once_per_text_change"
            ),
            models.CheckConstraint(
                condition=(
                    Q(comment__isnull=False, text_change__isnull=True) & ~Q(kind="text_changed")
                )
                | Q(comment__isnull=True, text_change__isnull=False, kind="text_changed"),
                name="notification_of_a_comment_or_a_text_change",
            ),
        ]

    def __str__(self) -> str:
        if self.text_change_id is not None:
            about = f"text change {self.text_change_id}"
        else:
            about = f"comment {self.comment_id}"
        return f"{self.get_kind_display()} on {about} for {self.recipient}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class Watch(models.Model):
    """A member following part of a document: an Article of it, a highlight's thread, one
    thread of its discussion (``comment``, a top-level comment) or the whole discussion
    (none of the three). New comments there notify them. ``active`` false remembers that
    they stopped watching, so commenting again does not start it anew."""

    # Indexed by watch_once and watch_document, which begin with them.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches", db_index=False
    )
    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    article = models.ForeignKey(
        "treaty_reader.Article", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    highlight = models.ForeignKey(
        Highlight, on_delete=models.CASCADE, related_name="watches", null=True, blank=True
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="watches", null=True, blank=True
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Empty targets count as equal (0), on SQLite and PostgreSQL alike.
            models.UniqueConstraint(
                "user",
                "document",
                Coalesce("article", 0),
                Coalesce("highlight", 0),
                Coalesce("comment", 0),
                name="watch_once",
            ),
            models.CheckConstraint(
                condition=(
                    Q(article__isnull=True, highlight__isnull=True)
                    | Q(article__isnull=True, comment__isnull=True)
                    | Q(highlight__isnull=True, comment__isnull=True)
                ),
                name="watch_one_target",
            ),
        ]
        indexes = [models.Index(fields=["document", "active"], name="watch_document")]

    def __str__(self) -> str:
        return f"{self.user} watches {self.target_text}"

    @property
    def target_text(self) -> str:
        if self.highlight_id:
            return "this highlight’s thread"
        if self.comment_id:
            return "this thread"
        if self.article is not None:
            return f"Article {self.article.roman}"
        return "the whole discussion"


class Visit(models.Model):
    """When a member last saw a thread (``thread``: "discussion", "highlight-<pk>") or the
    reading page ("page") of a document: what others wrote there since is new to them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    thread = models.CharField(max_length=40)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "document", "thread"], name="visit_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} saw {self.thread} of {self.document} at {self.seen_at:%Y-%m-%d %H:%M}"


class EmailChoice(models.TextChoices):
    NEVER = "never", "Never"
    IMMEDIATE = "immediate", "Each notification as it happens"
    DAILY = "daily", "A daily digest"


class MemberSettings(models.Model):
    """A member's choices about notifications: email (off until they choose), and whether
    commenting on a thread watches it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    email = models.CharField(max_length=10, choices=EmailChoice.choices, default=EmailChoice.NEVER)
    email_chosen_at = models.DateTimeField(
        default=timezone.now, help_text="Only notifications after this are mailed."
    )
    last_digest_at = models.DateTimeField(null=True, blank=True)
    watch_on_comment = models.BooleanField(
        default=True, help_text="Commenting on a thread watches it."
    )

    class Meta:
        verbose_name = "member's settings"
        verbose_name_plural = "members' settings"

    def __str__(self) -> str:
        return f"Settings of {self.user}"


class Flag(models.Model):
    """A member's report that a comment needs a moderator's attention."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        ABUSE = "abuse", "Abusive or hateful"
        OFF_TOPIC = "off_topic", "Off-topic"
        OTHER = "other", "Something else"

    class Resolution(models.TextChoices):
        HIDDEN = "hidden", "Comment hidden"
        DISMISSED = "dismissed", "Dismissed"

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="flags", db_index=False
    )
    flagger = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.CharField(max_length=FLAG_NOTE_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    resolution = models.CharField(max_length=20, choices=Resolution.choices, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["comment", "resolved_at"], name="flag_comment_open")]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "flagger"],
                condition=Q(resolved_at__isnull=True),
                name="flag_one_open_per_member_per_comment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} flag on comment {self.comment_id}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class SuspensionQuerySet(models.QuerySet["Suspension"]):
    def active(self, *, at: dt.datetime | None = None) -> SuspensionQuerySet:
        at = at or timezone.now()
        return self.filter(lifted_at__isnull=True, starts_at__lte=at).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=at)
        )


class Suspension(models.Model):
    """A period in which a member may read but not write. No end date means indefinitely."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="suspensions",
        db_index=False,
    )
    reason = models.CharField(max_length=500)
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, related_name="+", null=True
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )

    objects = SuspensionQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["user", "lifted_at"], name="suspension_user_current")]

    def __str__(self) -> str:
        until = f"until {self.ends_at:%Y-%m-%d %H:%M}" if self.ends_at else "indefinitely"
        return f"{self.user} suspended {until}"

    def is_active_at(self, moment: dt.datetime) -> bool:
        """``SuspensionQuerySet.active`` for one suspension."""
        return (
            self.lifted_at is None
            and self.starts_at <= moment
            and (self.ends_at is None or self.ends_at > moment)
        )

    @property
    def until_text(self) -> str:
        return f"until {self.ends_at:%-d %B %Y, %H:%M} UTC" if self.ends_at else "indefinitely"


class Member(User):
    """Members as moderators see them: suspensions and activity, not passwords or permissions."""

    class Meta:
        proxy = True
        verbose_name = "member"
        verbose_name_plural = "members"


class AccessTokenQuerySet(models.QuerySet["AccessToken"]):
    def live(self) -> AccessTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class AccessToken(models.Model):
    """A member's personal access token for programs (``Authorization: Bearer …``).

    Only a SHA-256 digest of the token is kept: the member sees the token once, when it is
    made. A read-only token can read what the member can read; a read-write one can also
    write as the member, through the same checks as the site's forms.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read only"
        WRITE = "write", "Read and write"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="access_tokens",
        db_index=False,
    )
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token.")
    prefix = models.CharField(max_length=12, help_text="The token's first characters, to tell it.")
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="token_user_live")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) for {self.user}"

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE


class AnnotationProvenance(models.Model):
    """Where an annotation posted by another client came from: the ``id`` it had there (kept
    as ``via``) and its ``canonical`` IRI, which the Web Annotation Protocol says to keep."""

    highlight = models.OneToOneField(
        Highlight, on_delete=models.CASCADE, related_name="provenance", null=True, blank=True
    )
    comment = models.OneToOneField(
        Comment, on_delete=models.CASCADE, related_name="provenance", null=True, blank=True
    )
    via = models.CharField(max_length=2000, blank=True)
    canonical = models.CharField(max_length=2000, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(highlight__isnull=True, comment__isnull=False)
                | Q(highlight__isnull=False, comment__isnull=True),
                name="provenance_of_one_annotation",
            ),
        ]

    def __str__(self) -> str:
        return self.canonical or self.via


SETTINGS_CACHE_KEY = "annotations:moderation-settings"
SETTINGS_CACHE_SECONDS = 60


class ModerationSettings(models.Model):
    """How moderation runs, set by moderators in the admin: a single row (pk 1).

    Read on every comment and flag, so it is kept in the cache and dropped when saved. Without
    a shared cache (CACHE_URL), each worker keeps its own copy: a change reaches every worker
    within ``SETTINGS_CACHE_SECONDS``.
    """

    first_posts_enabled = models.BooleanField(
        "new members' first posts wait for approval",
        default=False,
        help_text="As Discourse does: a moderator approves them before anyone else sees them.",
    )
    first_posts_count = models.PositiveSmallIntegerField(
        "how many first posts",
        default=3,
        validators=[MinValueValidator(1)],
        help_text="Comments of a new account that wait, until this many have been approved.",
    )
    first_posts_account_age = models.PositiveSmallIntegerField(
        "new for (days)",
        default=7,
        validators=[MinValueValidator(1)],
        help_text="An account younger than this counts as new.",
    )
    auto_hide_flag_count = models.PositiveSmallIntegerField(
        "hide after flags from",
        default=3,
        help_text="A comment flagged by this many members in good standing is hidden at once, "
        "until a moderator reviews it. 0 switches automatic hiding off.",
    )

    class Meta:
        verbose_name = "moderation settings"
        verbose_name_plural = "moderation settings"

    def __str__(self) -> str:
        return "Moderation settings"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1
        super().save(*args, **kwargs)
        cache.delete(SETTINGS_CACHE_KEY)

    @classmethod
    def current(cls) -> ModerationSettings:
        """The settings in force: from the cache, else the row, else the defaults."""
        found = cache.get(SETTINGS_CACHE_KEY)
        if found is None:
            found = cls.objects.filter(pk=1).first() or cls(pk=1)
            cache.set(SETTINGS_CACHE_KEY, found, SETTINGS_CACHE_SECONDS)
        return found


class TextChangeQuerySet(models.QuerySet["TextChange"]):
    def open_for(self, member: User) -> TextChangeQuerySet:
        """What ``member`` has not yet confirmed, on highlights they have not withdrawn."""
        return self.filter(
            highlight__author=member,
            highlight__withdrawn_at__isnull=True,
            confirmed_at__isnull=True,
        )


class TextChange(models.Model):
    """A highlight a correction of the text moved onto different words, or orphaned.

    Kept until its author confirms the new words (or the orphan), re-selects the passage or
    deletes the highlight; their page lists the open ones. ``old_exact`` is what the author
    chose, however many corrections have happened since.
    """

    class Status(models.TextChoices):
        FUZZY = "fuzzy", "On changed words"
        ORPHANED = "orphaned", "Orphaned"

    highlight = models.ForeignKey(Highlight, on_delete=models.CASCADE, related_name="text_changes")
    status = models.CharField(max_length=10, choices=Status.choices)
    old_exact = models.TextField(help_text="The words the highlight covered before.")
    new_exact = models.TextField(
        blank=True, help_text="The words it covers now; empty if orphaned."
    )
    changed_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = TextChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["highlight"],
                condition=Q(confirmed_at__isnull=True),
                name="text_change_one_open_per_highlight",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} highlight {self.highlight_id}"

    @property
    def is_orphaned(self) -> bool:
        return self.status == self.Status.ORPHANED
