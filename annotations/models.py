"""Highlights on the treaty text and the discussion around them."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from treaty_reader.models import Document

from .anchoring import Anchor

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


class HighlightQuerySet(models.QuerySet["Highlight"]):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> HighlightQuerySet:
        """Public highlights, and the viewer's own private ones; never anyone else's."""
        if user.is_authenticated:
            return self.filter(Q(visibility=Highlight.Visibility.PUBLIC) | Q(author=user))
        return self.filter(visibility=Highlight.Visibility.PUBLIC)

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

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="highlights")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="highlights"
    )
    start_key = models.CharField(max_length=80)
    start_offset = models.PositiveIntegerField()
    end_key = models.CharField(max_length=80)
    end_offset = models.PositiveIntegerField()
    exact = models.TextField()
    prefix = models.CharField(max_length=64, blank=True)
    suffix = models.CharField(max_length=64, blank=True)
    note = models.CharField(
        max_length=1000,
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
    """Comments every reader can read, neither deleted nor hidden; ``through`` is the path
    to them from another model (``"comments__"``, ``"comment__"``)."""
    return Q(**{f"{through}deleted_at__isnull": True, f"{through}hidden_at__isnull": True})


class Comment(models.Model):
    """A comment on a highlight, or on the document as a whole when ``highlight`` is empty.

    Comments imported from the forum the text came from have no author: their authors were
    never named, and we do not invent people.
    """

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="comments")
    highlight = models.ForeignKey(
        Highlight, on_delete=models.CASCADE, related_name="comments", null=True, blank=True
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, related_name="replies", null=True, blank=True
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="comments",
        null=True,
        blank=True,
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

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["document", "highlight", "created_at"], name="comment_thread"),
            models.Index(fields=["parent"], name="comment_parent"),
            models.Index(fields=["author", "-created_at"], name="comment_author_recent"),
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


class CommentRevision(models.Model):
    """An earlier version of an edited comment, kept so readers can see what changed."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    body_html = models.TextField()
    created_at = models.DateTimeField(help_text="When this version was written.")

    class Meta:
        ordering = ["comment", "-created_at"]
        indexes = [models.Index(fields=["comment", "-created_at"], name="revision_comment_recent")]

    def __str__(self) -> str:
        return f"Revision of comment {self.comment_id} from {self.created_at:%Y-%m-%d %H:%M}"


class Like(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="likes")
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
    """A reply to a member's comment or highlight, unread until they open their replies page."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "comment"], name="notification_once_per_comment"
            ),
        ]

    def __str__(self) -> str:
        return f"Reply {self.comment_id} for {self.recipient}"


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

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="flags")
    flagger = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags"
    )
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.CharField(max_length=1000, blank=True)
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
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="suspensions"
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
